"""Ctrl-C that stops a run between two iterations, never in the middle of one.

A ``KeyboardInterrupt`` raised at an arbitrary point can land inside
``update_parameters`` and leave W1 updated but b1 not; Lightning turns it into
``sys.exit(1)``. Instead, while a run trains, the first Ctrl-C only sets a flag;
both backends look at the flag between iterations, save a checkpoint of a
consistent state and stop. A second Ctrl-C interrupts at once, as usual.

The NumPy backend looks after every iteration; the Lightning backend after
every batch of ``iterations_per_batch`` iterations, so it stops at most that
many iterations after the Ctrl-C. In a data-parallel run every process looks
at once (one all-reduce): a Ctrl-C in any of them, from the terminal (all of
them) or sent to one, stops all of them after the same batch.
"""

import contextlib
import signal
import threading


class RunInterrupted(Exception):
    """Training stopped at an iteration boundary because Ctrl-C was pressed.

    Attributes
    ----------
    backend : str
        The backend that was training ("numpy" or "torch").
    iteration : int
        Number of iterations completed (and checkpointed) by that backend.
    """

    def __init__(self, backend, iteration):
        super().__init__(f"{backend} stopped by Ctrl-C after {iteration} iterations")
        self.backend = backend
        self.iteration = iteration
        self.run_label = None  # set by the runner: which run of a sweep


class StopFlag:
    """Set by the SIGINT handler, read by the training loops."""

    def __init__(self):
        self.requested = False

    def request(self):
        self.requested = True


STOP = StopFlag()


def on_iteration(backend, iteration):
    """Called by both backends for every completed iteration (0-based ``iteration``).

    The NumPy backend calls it after each iteration; the Lightning backend at the
    end of each batch, for each iteration of that batch, just before it looks at
    the flag. Does nothing; it is the one seam through which tests simulate a
    Ctrl-C (by sending SIGINT from here) or a crash at a chosen iteration.
    """


@contextlib.contextmanager
def graceful_interrupts():
    """Within this block the first SIGINT sets ``STOP.requested``; a second one raises."""
    STOP.requested = False
    if threading.current_thread() is not threading.main_thread():
        # Signal handlers can only be installed from the main thread.
        yield STOP
        return

    def handler(signum, frame):
        if STOP.requested:
            raise KeyboardInterrupt
        STOP.request()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield STOP
    finally:
        signal.signal(signal.SIGINT, previous)
