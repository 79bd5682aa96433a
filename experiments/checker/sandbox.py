"""Call a learner's function under limits: in a separate worker process, or in this one.

A file handed to the checker is loaded and run only in a worker process
(:mod:`experiments.checker.worker`), one per file. Here each of its functions is
a :class:`LearnerFunction`, a proxy: calling it sends the arguments (and NumPy's
global random state) to the worker and gives back the value, or raises the
exception, rebuilt here as a builtin exception type by name or as a
:class:`LearnerException`. What comes back is read with a restricted unpickler
(NumPy arrays, scalars and dtypes, builtin containers, numbers and strings
only), so nothing the learner's code does to its own interpreter reaches this
one. The worker runs with limits (:class:`Limits`): wall time per call (it is
killed and a fresh one loaded for the next call), CPU time, memory, the size of
what it writes and returns; its standard streams are not the checker's; its
working folder is a fresh temporary one. Where the system allows it (root and
``unshare``), it also runs in its own PID, mount and network namespaces with a
read-only view of the file system: see :func:`containment`.

A plain callable (the checker's own closures, a learner's function from their
own notebook kernel, ``check(globals())``) is called in this process, as
before: in the main thread the limit is a ``SIGALRM`` timer whose handler raises
:class:`TimeLimit`, a ``BaseException`` that a learner's ``except Exception``
cannot swallow; elsewhere the call runs in a daemon thread abandoned when it
overruns.
"""

import builtins
import inspect
import io
import os
import pickle
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field

# Printing beyond this many lines is "a lot": kept out of the report and mentioned.
PRINT_LINES_NOTED = 200
_KEPT_CHARS = 200_000
GiB = 1 << 30
MiB = 1 << 20

_OWN_FOLDERS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (os.__file__, threading.__file__)
) + (sys.prefix + os.sep, sys.base_prefix + os.sep,
     os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
     os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                  "scratch") + os.sep)
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class TimeLimit(BaseException):
    """Raised inside a learner's function that ran past its time limit."""


class LearnerException(Exception):
    """An exception of the learner's that is not a builtin type, rebuilt by name and message."""


class WorkerProblem(Exception):
    """The worker could not be started or loaded (a problem of the checker's machine)."""


@dataclass
class Limits:
    """What one submission's worker may use.

    Attributes
    ----------
    time_limit : float
        Seconds of wall time one call may take (a call may ask for another).
    memory_bytes : int
        Address space of the worker (``RLIMIT_AS``).
    cpu_seconds : int
        CPU time of the worker over its life (``RLIMIT_CPU``).
    output_bytes : int
        Largest file the worker may write, its standard output and error included
        (``RLIMIT_FSIZE``), and the size of its working folder where it is a tmpfs.
    result_bytes : int
        Largest message (a result, with the arguments it changed) it may send back.
    """

    time_limit: float = 10.0
    memory_bytes: int = 2 * GiB
    cpu_seconds: int = 3600
    output_bytes: int = 64 * MiB
    result_bytes: int = 512 * MiB


class _Capture(io.TextIOBase):
    """A stdout that counts lines and keeps only the beginning."""

    def __init__(self):
        self.lines = 0
        self.chars = 0
        self._kept = []
        self._kept_chars = 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.lines += text.count("\n")
        self.chars += len(text)
        if self._kept_chars < _KEPT_CHARS:
            self._kept.append(text[:_KEPT_CHARS - self._kept_chars])
            self._kept_chars += len(self._kept[-1])
        return len(text)

    def getvalue(self):
        return "".join(self._kept)


@dataclass
class Outcome:
    """What one call did.

    Attributes
    ----------
    value : object
        The return value (None when the call failed).
    error : str or None
        The exception's last line, with the learner's cell and line when known.
    exception : BaseException or None
    timed_out : bool
    printed : str
        The beginning of what it printed.
    printed_lines : int
    seconds : float
    problem : str or None
        A limit the call hit or the death of the process running it, as one
        line for the learner ("stopped: used more than 2 GiB of memory").
    """

    value: object = None
    error: str = None
    exception: BaseException = None
    timed_out: bool = False
    printed: str = ""
    printed_lines: int = 0
    seconds: float = 0.0
    problem: str = None

    @property
    def ok(self):
        return self.error is None and not self.timed_out and self.problem is None


def _learner_frame(tb):
    """'cell 5, line 3' for the deepest frame in the learner's code, or ''."""
    where = ""
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename.startswith("cell ") or not os.path.abspath(filename).startswith(
                _OWN_FOLDERS) and not filename.startswith("<frozen"):
            name = filename if filename.startswith("cell ") else os.path.basename(filename)
            where = f"{name}, line {lineno}"
    return where


def _last_line(exc):
    line = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return " ".join(line.split())


def call(function, args=(), kwargs=None, time_limit=10.0):
    """Call ``function(*args, **kwargs)`` under a time limit, capturing its output.

    A :class:`LearnerFunction` is called in its worker process, and the arguments
    it changed in place are changed here too; any other callable is called in
    this process.

    Parameters
    ----------
    function : callable
    args : tuple
    kwargs : dict, optional
    time_limit : float
        Seconds before the call is stopped.

    Returns
    -------
    Outcome
    """
    if isinstance(function, LearnerFunction):
        return function.session.call(function.__name__, args, kwargs or {}, time_limit,
                                     write_back=True)
    return call_here(function, args, kwargs, time_limit)


def call_here(function, args=(), kwargs=None, time_limit=10.0, catch_exits=True):
    """:func:`call` in this process (the worker's own calls, a learner's own kernel)."""
    kwargs = kwargs or {}
    capture = _Capture()
    outcome = Outcome()
    start = time.perf_counter()
    if threading.current_thread() is threading.main_thread():
        _call_with_alarm(function, args, kwargs, time_limit, capture, outcome, catch_exits)
    else:
        _call_in_thread(function, args, kwargs, time_limit, capture, outcome)
    outcome.seconds = time.perf_counter() - start
    outcome.printed = capture.getvalue()
    outcome.printed_lines = capture.lines
    return outcome


def _record_exception(outcome, exc):
    outcome.exception = exc
    where = _learner_frame(exc.__traceback__)
    outcome.error = _last_line(exc) + (f" ({where})" if where else "")


def _call_with_alarm(function, args, kwargs, time_limit, capture, outcome, catch_exits):
    def on_alarm(signum, frame):
        raise TimeLimit()

    # A learner's SystemExit (and, in the worker, its KeyboardInterrupt) is its outcome.
    caught = (Exception, SystemExit) if catch_exits is True else (
        BaseException if catch_exits == "all" else Exception)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        with redirect_stdout(capture), redirect_stderr(capture):
            try:
                signal.setitimer(signal.ITIMER_REAL, max(time_limit, 1e-3))
                try:
                    outcome.value = function(*args, **kwargs)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except TimeLimit:
                outcome.timed_out = True
            except RecursionError as exc:
                _record_exception(outcome, exc)
            except caught as exc:  # noqa: BLE001 - the learner's code may raise anything
                _record_exception(outcome, exc)
    except TimeLimit:  # the alarm fired between the call's end and the timer's reset
        outcome.timed_out = True
    finally:
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(function, args, kwargs, time_limit, capture, outcome):
    result = {}

    def target():
        try:
            result["value"] = function(*args, **kwargs)
        except (Exception, SystemExit) as exc:  # noqa: BLE001
            result["exception"] = exc

    # redirect_stdout swaps the process-wide sys.stdout; restored when the call ends or is
    # abandoned, so an abandoned thread's later printing reaches the terminal, not the report.
    with redirect_stdout(capture), redirect_stderr(capture):
        worker = threading.Thread(target=target, daemon=True, name="learner-call")
        worker.start()
        worker.join(time_limit)
    if worker.is_alive():
        outcome.timed_out = True
    elif "exception" in result:
        _record_exception(outcome, result["exception"])
    else:
        outcome.value = result.get("value")


# -- what may come back from a worker -------------------------------------------------------------
_ALLOWED_GLOBALS = {
    ("builtins", name) for name in ("complex", "set", "frozenset", "bytearray", "slice")
} | {("collections", "OrderedDict")} | {
    (module, name)
    for module in ("numpy", "numpy.core.multiarray", "numpy._core.multiarray",
                   "numpy.core.numeric", "numpy._core.numeric")
    for name in ("dtype", "ndarray", "_reconstruct", "scalar", "_frombuffer")
}


class RefusedData(Exception):
    """A worker's message holds something other than plain data."""


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module.startswith("numpy") and name.endswith("DType"):  # numpy.dtypes.Float64DType
            return super().find_class(module, name)
        raise RefusedData(f"{module}.{name}")

    def persistent_load(self, pid):
        raise RefusedData("a persistent reference")


def loads(data):
    """Plain data (arrays, numbers, strings, containers) from pickled bytes, nothing else.

    Raises
    ------
    RefusedData
        The bytes name any other class or function.
    """
    try:
        return _RestrictedUnpickler(io.BytesIO(data)).load()
    except RefusedData:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged bytes fail any way
        raise RefusedData(f"unreadable data ({type(exc).__name__}: {exc})") from None


_LEARNER_EXCEPTIONS = {}


def rebuild_exception(info):
    """An exception here from a worker's description of one (a dict of strings).

    A builtin ``Exception`` type by its name (``NameError`` keeps ``.name``);
    anything else (a NumPy or learner-defined class, ``SystemExit``,
    ``KeyboardInterrupt``) a :class:`LearnerException` subclass of that name that
    also derives from its nearest builtin base, so ``except ValueError`` still
    catches NumPy's ``AxisError``.
    """
    name = str(info.get("type", "Exception"))
    message = str(info.get("message", ""))
    builtin = getattr(builtins, name, None)
    exc = None
    if isinstance(builtin, type) and issubclass(builtin, Exception) and \
            not issubclass(builtin, Warning):
        try:
            exc = builtin(message) if message else builtin()
        except Exception:  # noqa: BLE001 - a constructor that needs other arguments
            exc = None
        if isinstance(exc, NameError):
            exc.name = info.get("name")
    if exc is None:
        base = Exception
        for base_name in info.get("bases", ()):
            candidate = getattr(builtins, str(base_name), None)
            if isinstance(candidate, type) and issubclass(candidate, Exception):
                base = candidate
                break
        key = (name, base)
        if key not in _LEARNER_EXCEPTIONS:
            bases = (LearnerException,) if base is Exception else (LearnerException, base)
            try:
                _LEARNER_EXCEPTIONS[key] = type(name if name.isidentifier() else "LearnerException",
                                                bases, {"__module__": "learner"})
            except TypeError:  # layout conflict between the two bases
                _LEARNER_EXCEPTIONS[key] = type(name if name.isidentifier() else
                                                "LearnerException", (LearnerException,),
                                                {"__module__": "learner"})
        exc = _LEARNER_EXCEPTIONS[key](message)
    return exc


# -- messages over the worker's socket ------------------------------------------------------------
_HEADER = struct.Struct("!Q")


def send_message(sock, message):
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


class _Closed(Exception):
    """The other end closed the socket."""


class _TooBig(Exception):
    """A message over the size limit."""


def _recv_exactly(sock, size, deadline):
    chunks, got = [], 0
    while got < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            sock.settimeout(left)
        else:
            sock.settimeout(None)
        chunk = sock.recv(min(size - got, 1 << 22))
        if not chunk:
            raise _Closed()
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_bytes(sock, deadline=None, cap=None):
    """One message's bytes; socket.timeout past ``deadline``, _Closed at the end."""
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size, deadline))
    if cap is not None and size > cap:
        raise _TooBig(size)
    return _recv_exactly(sock, size, deadline)


# -- containment ----------------------------------------------------------------------------------
FULL_CONTAINMENT = "separate process, limits, no network, read-only file system"
LIMITS_ONLY = ("separate process and limits only (writing outside its folder and starting "
               "programs refused at the Python level)")

# Inside the new namespaces: a tmpfs for the worker's folder, every other mount read-only.
_SETUP = r"""
mount -t tmpfs -o "size=$NNDL_TMPFS_BYTES,mode=700" tmpfs "$NNDL_WORKDIR" || exit 97
for m in $(awk '{print $2}' /proc/self/mounts); do
  case "$m" in
    "$NNDL_WORKDIR"|/proc|/proc/*) ;;
    *) mount -o remount,ro,bind "$m" 2>/dev/null ;;
  esac
done
mount -o remount,ro,bind / || exit 97
if ( : > /.nndl-write-probe ) 2>/dev/null; then exit 97; fi
cd "$NNDL_WORKDIR" || exit 97
exec "$@"
"""
_UNSHARE = ("--mount", "--net", "--pid", "--fork", "--mount-proc", "--kill-child")
_containment = None


def _unshare_prefix():
    return [shutil.which("unshare"), *_UNSHARE, "sh", "-c", _SETUP, "nndl-worker"]


def containment():
    """The containment in force for workers, in words (probed once per process).

    :data:`FULL_CONTAINMENT` where ``unshare`` can give the worker its own PID,
    mount and network namespaces and a read-only view of every file system but
    its own folder (root, outside a restricted container); otherwise
    :data:`LIMITS_ONLY`. ``NNDL_CHECKER_CONTAINMENT=limits`` asks for the latter.
    """
    global _containment
    if _containment is None:
        _containment = _probe_containment()
    return _containment


def _probe_containment():
    if os.environ.get("NNDL_CHECKER_CONTAINMENT", "").lower() == "limits":
        return LIMITS_ONLY
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("unshare"):
        return LIMITS_ONLY
    folder = tempfile.mkdtemp(prefix="nndl-probe-")
    try:
        env = {"PATH": os.environ.get("PATH", os.defpath), "NNDL_WORKDIR": folder,
               "NNDL_TMPFS_BYTES": str(MiB)}
        done = subprocess.run(_unshare_prefix() + ["true"], env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
        return FULL_CONTAINMENT if done.returncode == 0 else LIMITS_ONLY
    except (OSError, subprocess.SubprocessError):
        return LIMITS_ONLY
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _signal_words(number):
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    words = {"SIGSEGV": "segmentation fault", "SIGKILL": "killed", "SIGABRT": "aborted",
             "SIGBUS": "bus error", "SIGFPE": "arithmetic error", "SIGILL": "illegal instruction",
             "SIGXCPU": "CPU time limit", "SIGXFSZ": "file size limit",
             "SIGTERM": "terminated", "SIGPIPE": "broken pipe"}.get(name, name)
    return f"signal {number}, {words}"


def _size_words(size):
    return f"{size / GiB:g} GiB" if size >= GiB else f"{size / MiB:g} MiB"


# -- the worker process ---------------------------------------------------------------------------
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "from experiments.checker.worker import main; "
         "main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])")


class Worker:
    """One worker process, talking over a socket pair; its streams go to a file of its own."""

    def __init__(self, limits, folder):
        self.limits = limits
        self.folder = folder           # the learner's folder, importable in the worker
        self.process = None
        self.sock = None
        self.home = None
        self.death = None
        self._watch = None             # held open while this process lives; the worker polls it

    def start(self):
        self.home = tempfile.mkdtemp(prefix="nndl-worker-")
        workdir = os.path.join(self.home, "work")
        os.mkdir(workdir)
        parent_sock, child_sock = socket.socketpair()
        watch_read, self._watch = os.pipe()
        output = open(os.path.join(self.home, "output"), "wb")  # noqa: SIM115
        limits = self.limits
        settings = ",".join(str(int(v)) for v in (limits.memory_bytes, limits.cpu_seconds,
                                                  limits.output_bytes, limits.result_bytes))
        command = [sys.executable, "-I", "-c", _BOOT, PROJECT_ROOT, str(child_sock.fileno()),
                   str(watch_read), settings]
        env = {"PATH": os.defpath, "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg",
               "NNDL_LEARNER_FOLDER": self.folder or ""}
        if containment() == FULL_CONTAINMENT:
            env.update(NNDL_WORKDIR=workdir, NNDL_TMPFS_BYTES=str(limits.output_bytes))
            env["PATH"] = os.environ.get("PATH", os.defpath)
            command = _unshare_prefix() + command
        try:
            self.process = subprocess.Popen(
                command, env=env, cwd=workdir, stdin=subprocess.DEVNULL, stdout=output,
                stderr=output, pass_fds=(child_sock.fileno(), watch_read),
                start_new_session=True)
        except OSError as exc:
            raise WorkerProblem(f"the checker's worker process could not start ({exc})") from None
        finally:
            child_sock.close()
            output.close()
            os.close(watch_read)
        self.sock = parent_sock
        self.death = None

    def alive(self):
        return self.process is not None and self.process.poll() is None and self.death is None

    def output_tail(self, size=2000):
        try:
            with open(os.path.join(self.home, "output"), "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - size))
                return handle.read().decode("utf-8", "replace").strip()
        except (OSError, TypeError):
            return ""

    def request(self, message, timeout):
        """Send one message and wait for its reply (a dict), or say why there is none.

        Returns
        -------
        (dict or None, str or None)
            The reply, or None and one of "time", "died", "too big", "refused ...".
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        ident = message["id"]
        try:
            send_message(self.sock, message)
            while True:
                data = recv_bytes(self.sock, deadline, self.limits.result_bytes)
                try:
                    reply = loads(data)
                except RefusedData as exc:
                    self.kill()
                    return None, f"refused {exc}"
                if isinstance(reply, dict) and reply.get("id") == ident:
                    return reply, None
                # a stale reply (a forked copy of the worker answering too): not this call's
        except socket.timeout:
            self.kill()
            return None, "time"
        except _TooBig as exc:
            self.kill()
            return None, f"too big {exc.args[0]}"
        except (_Closed, OSError):
            self.kill()
            return None, "died"
        except BaseException:
            # Stopped from outside (the checker's own time limit on a loop of calls): the
            # worker is mid-call, so it goes.
            self.kill()
            raise

    def death_words(self):
        """Why the process ended, for the learner ('signal 11, segmentation fault')."""
        code = self.death
        if code is None:
            return "it ended"
        if code < 0:
            return _signal_words(-code)
        if code > 128 and code - 128 < 65:  # unshare passes a signal death on as 128 + n
            return _signal_words(code - 128)
        return f"exit status {code}"

    def kill(self):
        """End the worker and everything it started (its process group, its PID namespace)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.process.kill()
            except ProcessLookupError:
                pass
        try:
            self.death = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.death = -signal.SIGKILL
        if self.death is None:
            self.death = 0
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self._watch is not None:
            os.close(self._watch)
            self._watch = None

    def close(self):
        self.kill()
        self.process = None
        if self.home:
            shutil.rmtree(self.home, ignore_errors=True)  # symbolic links are removed, not followed
            self.home = None


@dataclass
class Loaded:
    """What a worker reports after taking a file's definitions."""

    functions: list = field(default_factory=list)       # names, in the file's order
    callables: dict = field(default_factory=dict)       # name -> signature description
    constants: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    skipped_imports: list = field(default_factory=list)


class Session:
    """One submission's worker: loads its definitions, calls its functions, restarts it.

    Parameters
    ----------
    plan : object
        What the worker executes to define the file's names (from :mod:`loader`).
    folder : str
        The learner's folder (their own modules beside the file are importable).
    limits : Limits
    """

    def __init__(self, plan, folder, limits=None):
        self.plan = plan
        self.folder = folder
        self.limits = limits or Limits()
        self.worker = None
        self.loaded = None
        self._ids = 0
        self.closed = False

    def _next_id(self):
        self._ids += 1
        return self._ids

    def _ensure(self):
        if self.closed:
            raise WorkerProblem("this submission's worker was closed")
        if self.worker is not None and self.worker.alive():
            return
        if self.worker is not None:
            self.worker.close()
        self.worker = Worker(self.limits, self.folder)
        self.worker.start()
        # Each statement has the time limit (an import a minute); the whole file a bound.
        plan = dict(self.plan, time_limit=self.limits.time_limit)
        limit = 120.0 + self.limits.time_limit * len(self.plan.get("cells", ()))
        reply, why = self.worker.request({"op": "load", "id": self._next_id(), "plan": plan},
                                         timeout=limit)
        if reply is None:
            tail = self.worker.output_tail()
            detail = "did not finish loading in time" if why == "time" else (
                f"ended while loading ({self.worker.death_words()})" if why == "died" else why)
            self.worker.close()
            self.worker = None
            last = tail.splitlines()[-1][:200] if tail and why == "died" else ""
            raise WorkerProblem(f"the worker process for this file {detail}"
                                + (f" (its last words: {last!r})" if last else ""))
        if self.loaded is None:
            self.loaded = Loaded(**{k: reply[k] for k in (
                "functions", "callables", "constants", "problems", "skipped_imports")
                if k in reply})

    def load(self):
        """Start the worker and take the file's definitions; returns :class:`Loaded`."""
        self._ensure()
        return self.loaded

    def call(self, name, args, kwargs, time_limit, write_back=False):
        """Call the learner's ``name`` in the worker; an :class:`Outcome`."""
        import numpy as np

        outcome = Outcome()
        try:
            self._ensure()
        except WorkerProblem as exc:
            outcome.problem = str(exc)
            return outcome
        time_limit = float(time_limit)
        message = {"op": "call", "id": self._next_id(), "name": name, "args": tuple(args),
                   "kwargs": dict(kwargs), "time_limit": time_limit,
                   "rng": np.random.get_state()}
        start = time.perf_counter()
        # The worker stops the call itself at the limit; past a grace period it is killed.
        reply, why = self.worker.request(message, timeout=time_limit + 1.0 + time_limit / 10)
        outcome.seconds = time.perf_counter() - start
        if reply is None:
            if why == "time":
                outcome.timed_out = True
            elif why == "died":
                outcome.problem = self._death_line()
            elif why.startswith("too big"):
                outcome.problem = (f"stopped: its result is larger than "
                                   f"{_size_words(self.limits.result_bytes)}")
            else:
                outcome.problem = (f"the checker refused what the process running it sent "
                                   f"back ({why.removeprefix('refused ')} is not plain data)")
            self.worker.close()
            self.worker = None
            return outcome
        return self._read_reply(reply, outcome, args, kwargs, write_back)

    def _death_line(self):
        words = self.worker.death_words()
        if "SIGXCPU" in words or "CPU time" in words:
            return f"stopped: used more than {self.limits.cpu_seconds} s of CPU time"
        if "file size" in words:
            return (f"stopped: wrote more than {_size_words(self.limits.output_bytes)} "
                    "(files or printing)")
        return f"the process running it died ({words})"

    def _read_reply(self, reply, outcome, args, kwargs, write_back):
        import numpy as np

        rng = reply.get("rng")
        if rng is not None:
            try:
                np.random.set_state(rng)
            except (TypeError, ValueError):
                pass
        outcome.printed = str(reply.get("printed", ""))
        outcome.printed_lines = int(reply.get("printed_lines", 0) or 0)
        outcome.timed_out = bool(reply.get("timed_out", False))
        if reply.get("problem"):
            outcome.problem = str(reply["problem"])
        if isinstance(reply.get("exception"), dict):
            info = reply["exception"]
            outcome.exception = rebuild_exception(info)
            outcome.error = str(info.get("error") or info.get("type"))
            bases = [str(b) for b in info.get("bases", ())]
            if "MemoryError" in bases:
                outcome.problem = (f"stopped: used more than "
                                   f"{_size_words(self.limits.memory_bytes)} of memory")
            elif "OSError" in bases and str(info.get("message", "")).startswith("[Errno 27]"):
                outcome.problem = (f"stopped: wrote more than "
                                   f"{_size_words(self.limits.output_bytes)} (files or printing)")
        elif outcome.ok:
            outcome.value = reply.get("value")
        changed = reply.get("changed")
        if write_back and changed is not None:
            new_args, new_kwargs = changed
            for old, new in zip(args, new_args):
                _write_back(old, new)
            for key, old in kwargs.items():
                if key in new_kwargs:
                    _write_back(old, new_kwargs[key])
        return outcome

    def close(self):
        self.closed = True
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter exit, modules may be gone
            pass


def _write_back(old, new):
    """Make ``old`` hold what ``new`` holds, in place where it is mutable (a call's effect)."""
    try:
        import numpy as np

        if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
            if old.shape == new.shape:
                old[...] = new
            return
        if isinstance(old, dict) and isinstance(new, dict):
            for key in list(old):
                if key not in new:
                    del old[key]
            for key, value in new.items():
                if key in old and _mutable(old[key]) and type(old[key]) is type(value):
                    _write_back(old[key], value)
                else:
                    old[key] = value
            return
        if isinstance(old, list) and isinstance(new, list):
            for index, value in enumerate(new[:len(old)]):
                if _mutable(old[index]) and type(old[index]) is type(value):
                    _write_back(old[index], value)
                else:
                    old[index] = value
            del old[len(new):]
            old.extend(new[len(old):])
            return
        if isinstance(old, tuple) and isinstance(new, tuple):
            for a, b in zip(old, new):
                _write_back(a, b)
    except (TypeError, ValueError):
        pass


def _mutable(value):
    import numpy as np

    return isinstance(value, (np.ndarray, dict, list, tuple))


class _Default:
    """A learner's default value shown by its text (the object itself stays in the worker)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _signature(description):
    """An ``inspect.Signature`` from a worker's ``[(name, kind, default kind, default)]``."""
    parameters = []
    for name, kind, default_kind, default in description or ():
        kind = getattr(inspect.Parameter, str(kind), inspect.Parameter.POSITIONAL_OR_KEYWORD)
        if default_kind == "text":
            default = _Default(str(default))
        elif default_kind != "value":
            default = inspect.Parameter.empty
        parameters.append(inspect.Parameter(str(name), kind, default=default))
    try:
        return inspect.Signature(parameters)
    except ValueError:
        return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
                                  inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)])


class LearnerFunction:
    """A learner's function that lives in a worker process: call it like the function.

    Calling it returns the value or raises the exception (a builtin type or a
    :class:`LearnerException`; :class:`TimeLimit` past the session's time limit).
    ``inspect.signature`` gives the learner's parameters; their default values
    are the learner's where they are plain data, else shown by their text.
    """

    def __init__(self, session, name, signature):
        self.session = session
        self.__name__ = self.__qualname__ = name
        self.__module__ = "learner"
        self.__signature__ = signature
        self.__doc__ = f"The learner's {name}, run in its worker process."

    def __call__(self, *args, **kwargs):
        outcome = self.session.call(self.__name__, args, kwargs, self.session.limits.time_limit,
                                    write_back=True)
        if outcome.timed_out:
            raise TimeLimit()
        if outcome.exception is not None and outcome.problem is None:
            raise outcome.exception
        if outcome.problem is not None:
            raise LearnerException(outcome.problem)
        return outcome.value

    def __repr__(self):
        return f"<learner function {self.__name__}{self.__signature__}>"


def proxies(session):
    """``(functions, namespace)`` of a loaded session: the file's functions, its names."""
    loaded = session.load()
    namespace = {name: LearnerFunction(session, name, _signature(description))
                 for name, description in loaded.callables.items()}
    namespace.update(loaded.constants)
    functions = {name: namespace[name] for name in loaded.functions if name in namespace}
    return functions, namespace


__all__ = ["Outcome", "TimeLimit", "LearnerException", "LearnerFunction", "Limits", "Session",
           "call", "call_here", "containment", "loads", "rebuild_exception",
           "FULL_CONTAINMENT", "LIMITS_ONLY", "PRINT_LINES_NOTED"]
