"""Call a learner's function safely: a time limit, its printing kept, its exception in one line.

In the main thread (the command line, a notebook's kernel) the limit is a
``SIGALRM`` timer whose handler raises :class:`TimeLimit`, a ``BaseException``
so that a learner's ``except Exception`` cannot swallow it; Python checks for
signals between bytecodes, so ``while True: pass`` stops. Elsewhere (no signals
outside the main thread) the call runs in a daemon thread that is abandoned
when it overruns.
"""

import io
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

# Printing beyond this many lines is "a lot": kept out of the report and mentioned.
PRINT_LINES_NOTED = 200
_KEPT_CHARS = 200_000

_OWN_FOLDERS = tuple(
    os.path.dirname(os.path.abspath(path)) + os.sep
    for path in (os.__file__, threading.__file__)
) + (sys.prefix + os.sep, sys.base_prefix + os.sep,
     os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
     os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                  "scratch") + os.sep)


class TimeLimit(BaseException):
    """Raised inside a learner's function that ran past its time limit."""


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
    """

    value: object = None
    error: str = None
    exception: BaseException = None
    timed_out: bool = False
    printed: str = ""
    printed_lines: int = 0
    seconds: float = 0.0

    @property
    def ok(self):
        return self.error is None and not self.timed_out


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
    kwargs = kwargs or {}
    capture = _Capture()
    outcome = Outcome()
    start = time.perf_counter()
    if threading.current_thread() is threading.main_thread():
        _call_with_alarm(function, args, kwargs, time_limit, capture, outcome)
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


def _call_with_alarm(function, args, kwargs, time_limit, capture, outcome):
    def on_alarm(signum, frame):
        raise TimeLimit()

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
            except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
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
        except Exception as exc:  # noqa: BLE001
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
