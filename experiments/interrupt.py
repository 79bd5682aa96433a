"""Signals that stop a run between two iterations, never in the middle of one.

A ``KeyboardInterrupt`` raised at an arbitrary point can land inside
``update_parameters`` and leave W1 updated but b1 not; Lightning turns it into
``sys.exit(1)``. Instead, while a run trains, the first SIGINT (Ctrl-C),
SIGTERM or SIGHUP only sets a flag; both backends look at the flag between
iterations, save a checkpoint of a consistent state and stop. A second signal
interrupts at once (the last periodic checkpoint is then the one to resume from).

The NumPy backend looks after every iteration; the Lightning backend after
every batch of ``iterations_per_batch`` iterations, so it stops at most that
many iterations after the signal. In a data-parallel run every process looks
at once (one all-reduce): a signal in any of them stops all of them after the
same batch.
"""

import contextlib
import signal
import threading

# The signals a run stops cleanly on, and the exit status for each (128 + its number).
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def exit_status(signal_name):
    """The shell's status for a command ended by ``signal_name`` ("SIGINT" -> 130)."""
    return 128 + int(getattr(signal, signal_name, signal.SIGINT))


class RunInterrupted(Exception):
    """Training stopped at an iteration boundary because a signal asked it to.

    Attributes
    ----------
    backend : str
        The backend that was training ("numpy" or "torch").
    iteration : int
        Number of iterations completed (and checkpointed) by that backend.
    signal_name : str
        "SIGINT", "SIGTERM" or "SIGHUP".
    run_label : str or None
        Which run of a sweep (set by the runner).
    """

    def __init__(self, backend, iteration):
        self.signal_name = STOP.signal_name or "SIGINT"
        super().__init__(f"{backend} stopped by {self.signal_name} after {iteration} iterations")
        self.backend = backend
        self.iteration = iteration
        self.run_label = None


class StopFlag:
    """Set by the signal handler, read by the training loops."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.requested = False
        self.signal_name = None
        self.count = 0

    def request(self, signal_name="SIGINT"):
        self.requested = True
        self.signal_name = self.signal_name or signal_name


STOP = StopFlag()


def on_iteration(backend, iteration):
    """Called by both backends for every completed iteration (0-based ``iteration``).

    The NumPy backend calls it after each iteration; the Lightning backend at the
    end of each batch, for each iteration of that batch, just before it looks at
    the flag. Does nothing; it is the one seam through which tests simulate a
    signal (by sending one from here) or a crash at a chosen iteration.
    """


def guard_lightning_exit(function, *args, **kwargs):
    """Call ``function`` (``trainer.fit``) and keep Lightning's exits inside the run.

    Lightning answers a KeyboardInterrupt inside ``fit`` with ``sys.exit(1)``, and a
    SIGTERM with an exit after the current batch; here the first becomes the
    KeyboardInterrupt it was, the second a stop like any other signal's.
    """
    try:
        return function(*args, **kwargs)
    except SystemExit:
        if STOP.count > 1:
            raise KeyboardInterrupt from None
        if STOP.requested:
            # Lightning's own SIGTERM handling ends fit with an exit at a batch boundary;
            # our handler has seen the same signal, so the run stops as for any other.
            return None
        raise


@contextlib.contextmanager
def graceful_interrupts():
    """Within this block the first signal of :data:`SIGNALS` sets ``STOP``; a second raises.

    A signal whose disposition is SIG_IGN when the block starts (inherited, as ``nohup``
    leaves SIGHUP) is left ignored.
    """
    STOP.reset()
    if threading.current_thread() is not threading.main_thread():
        # Signal handlers can only be installed from the main thread.
        yield STOP
        return

    def handler(signum, frame):
        STOP.count += 1
        if STOP.requested:
            raise KeyboardInterrupt
        STOP.request(signal.Signals(signum).name)

    previous = {signum: signal.signal(signum, handler) for signum in SIGNALS
                if signal.getsignal(signum) != signal.SIG_IGN}
    try:
        yield STOP
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
