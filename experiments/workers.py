"""A sweep's runs in parallel worker processes, each on its share of the cores.

The runs of a sweep are independent: each trains its backends into its own
folder. :func:`run_parallel` starts at most ``jobs`` worker processes (forked,
so they start in milliseconds and share the parent's imports and data), each
training one run after another with ``threads`` BLAS and torch threads, so that ``jobs x threads``
never exceeds the machine's cores. A worker sends back the run's summary entry;
the parent writes ``summary.json`` as runs finish, in the sweep's order, so the
results, logs and summary are those of a sequential run.

A signal reaches the parent (and, from a terminal, every worker): the parent
stops starting runs and passes the signal on to the workers, each of which
stops its run between two iterations and checkpoints it, as a sequential run would.
"""

import ctypes
import multiprocessing
import os
import signal
import sys
from multiprocessing.connection import wait

from experiments.errors import ExperimentError
from experiments.interrupt import STOP, RunInterrupted, graceful_interrupts


def default_jobs():
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def limit_threads(threads):
    """At most ``threads`` threads in BLAS (NumPy's and torch's) and torch's own pools.

    Torch is limited only where it is imported already (a run with the torch backend);
    a NumPy-only sweep never imports it, and a torch imported later reads the
    environment's OMP_NUM_THREADS, set here.
    """
    import threadpoolctl

    os.environ["OMP_NUM_THREADS"] = str(threads)
    threadpoolctl.threadpool_limits(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def _train_one(runner, spec, connection=None):
    """Train one run in this worker; the message for the parent.

    With ``connection``, the run's costs go to the parent as soon as it is trained
    (``("trained", costs)``), before its figures are drawn.
    """
    def trained(costs):
        connection.send(("trained", costs))

    try:
        with graceful_interrupts():
            runner.prepare()
            entry = runner.run_one(spec, {}, trained=trained if connection else None)
        return "done", entry
    except RunInterrupted as exc:
        return "interrupted", (exc.backend, exc.iteration, exc.signal_name,
                               runner.interrupted_entry)
    except KeyboardInterrupt:
        return "killed", None
    except BaseException as exc:  # reported by the parent, in one line
        message = " ".join(str(exc).split()) or type(exc).__name__
        return "failed", (type(exc).__name__, message)


PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def stop_with_parent(parent_pid):
    """Have this worker stop (as on SIGTERM: between two iterations, checkpointed) when the
    process that started it dies, even by SIGKILL, so that no worker is left running and
    holding the run folder's lock.

    Linux sends SIGTERM on the parent's death (``prctl(PR_SET_PDEATHSIG)``); elsewhere,
    or while the worker waits for its next run, :func:`_next_index` sees the parent gone.
    A parent that died before the request took effect is caught by the check after it.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def _next_index(connection, parent_pid):
    """The index of the next run the parent sends; None when it says so or is gone."""
    while not connection.poll(1.0):
        if os.getppid() != parent_pid or STOP.requested:
            return None
    return connection.recv()


def _worker(connection, make_runner, specs, threads, parent_pid=None):
    """A worker's life: train the run whose index the parent sends, until it sends None.

    One process trains several runs, so what a first training costs once (lazy imports,
    Lightning's first trainer) is paid once per worker, not once per run.
    """
    # A group of its own: a Ctrl-C at the terminal reaches the parent alone, which passes
    # it on once (two would stop the run at once rather than between two iterations).
    os.setpgrp()
    if parent_pid is not None:
        stop_with_parent(parent_pid)
    limit_threads(threads)
    try:
        while True:
            index = connection.recv() if parent_pid is None else _next_index(connection,
                                                                             parent_pid)
            if index is None:
                break
            kind, payload = _train_one(make_runner(specs[index]), specs[index], connection)
            connection.send((kind, payload))
            if kind != "done":
                break
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass  # the parent is gone, or a second signal came
    finally:
        connection.close()


class WorkerFailed(ExperimentError):
    """A run failed in a worker process; the message is the worker's own error."""

    def __init__(self, label, kind, message):
        super().__init__(f"run {label}: {message}")
        self.kind = kind


def run_parallel(make_runner, specs, jobs, threads, on_entry, first_backend="numpy",
                 order=None, on_trained=None):
    """Train ``specs`` in at most ``jobs`` processes; ``on_entry(label, entry)`` as each ends.

    Parameters
    ----------
    make_runner : callable
        ``make_runner(spec)`` -> a Runner for that run alone (called in the worker, which
        inherits it, and the parent's loaded data, when it is forked).
    specs : list of RunSpec
    jobs, threads : int
    on_entry : callable
        Called in the parent with each finished run's entry.
    first_backend : str
        The backend a run trains first (named when a signal comes between runs).
    order : list of int, optional
        The indices of ``specs`` in the order their runs start (the longest first, so that
        no long run starts last and ends alone); by default the sweep's order. Results
        are the same in any order: each run is trained alone, from its own seed.
    on_trained : callable, optional
        Called in the parent with ``(label, {backend: costs})`` as each run is trained,
        while its worker still draws the run's figures.

    Raises
    ------
    RunInterrupted
        After a signal, once every worker has stopped and checkpointed.
    WorkerFailed
        When a run failed; the other workers are stopped first.
    """
    context = multiprocessing.get_context("fork")
    pending = list(range(len(specs))) if order is None else list(order)
    if sorted(pending) != list(range(len(specs))):
        raise ValueError(f"order {order} is not an order of the {len(specs)} runs")
    idle, busy = [], {}  # busy: connection -> (process, spec)
    processes = {}
    failure = interrupted = None
    forwarded = False

    def start_worker():
        parent_end, child_end = context.Pipe()
        process = context.Process(target=_worker, args=(child_end, make_runner, specs, threads,
                                                        os.getpid()), daemon=True)
        process.start()
        child_end.close()
        processes[parent_end] = process
        return parent_end

    try:
        while pending or busy:
            stopping = STOP.requested or failure is not None or interrupted is not None
            while pending and not stopping and (idle or len(processes) < jobs):
                connection = idle.pop() if idle else start_worker()
                index = pending.pop(0)
                connection.send(index)
                busy[connection] = (processes[connection], specs[index])
            if not busy:
                break
            if stopping and not forwarded:
                # Pass the stop on: each worker ends its run between two iterations.
                signum = getattr(signal, STOP.signal_name or "SIGTERM", signal.SIGTERM)
                for process, _ in busy.values():
                    if process.is_alive():
                        os.kill(process.pid, signum)
                forwarded = True
            for connection in wait(list(busy), timeout=0.5):
                process, spec = busy.pop(connection)
                try:
                    kind, payload = connection.recv()
                except EOFError:
                    kind, payload = "failed", ("crash", f"the worker process died "
                                                        f"(exit status {process.exitcode})")
                if kind == "trained":
                    busy[connection] = (process, spec)  # its figures are still to come
                    if on_trained is not None:
                        on_trained(spec.label, payload)
                    continue
                if kind == "done":
                    on_entry(spec.label, payload)
                    idle.append(connection)
                elif kind == "interrupted":
                    if payload[3] is not None:
                        on_entry(spec.label, payload[3])
                    if interrupted is None:
                        interrupted = (spec, payload)
                elif kind == "killed":
                    if interrupted is None:
                        interrupted = (spec, None)
                elif failure is None:
                    failure = WorkerFailed(spec.label, *payload)
    finally:
        # Every worker told first, then each waited for: they end at once, not one by one.
        for connection in processes:
            try:
                connection.send(None)
            except (BrokenPipeError, OSError):
                pass
        for connection, process in processes.items():
            connection.close()
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
    pending = [specs[index] for index in pending]
    if failure is not None:
        raise failure
    if interrupted is not None or STOP.requested:
        # No run was under way when the signal came: the next one never started.
        spec, payload = interrupted or (pending[0] if pending else specs[-1], None)
        if payload is None:
            exc = RunInterrupted(first_backend, 0)
        else:
            backend, iteration, signal_name, _ = payload
            STOP.request(signal_name)
            exc = RunInterrupted(backend, iteration)
        exc.run_label = spec.label
        raise exc
