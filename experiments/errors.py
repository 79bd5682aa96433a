"""Errors that the command line reports as one line, without a traceback."""

import contextlib
import errno
import threading


class ExperimentError(Exception):
    """A run cannot go on: missing data, unusable run folder, a folder in use (exit status 1)."""


class UsageError(ExperimentError):
    """The command line asks for something impossible (exit status 2)."""


class ConfigError(ExperimentError, ValueError):
    """An experiment's YAML file is malformed or an override does not apply."""


# What an operating-system error means to someone running an experiment.
_OS_ERRORS = {
    errno.ENOSPC: "the disk is full (no space left on the device); free some space and "
                  "continue the run with --resume",
    errno.EDQUOT: "the disk quota is exhausted; free some space and continue the run with "
                  "--resume",
    errno.EFBIG: "the file grew past the largest size allowed here",
    errno.ENAMETOOLONG: "the name is too long for the file system",
    errno.EISDIR: "a folder is there where a file was expected",
    errno.ENOTDIR: "a part of that path is a file, not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "no such file or folder",
    errno.EIO: "the device reported an input/output error",
}


def describe_os_error(exc):
    """``exc`` (an OSError) in the user's terms, without the path."""
    return _OS_ERRORS.get(exc.errno) or exc.strerror or str(exc) or type(exc).__name__


def os_error_message(exc, doing="use", where=None):
    """One line naming the file and the problem: ``cannot write runs/x/a.png: the disk is full``.

    A failed write on an open file names no file (``exc.filename`` is None); ``where``
    (the file or folder being written) then says where it was.
    """
    if exc.filename is not None:
        where = exc.filename
    return f"cannot {doing} {where or 'a file of the run'}: {describe_os_error(exc)}"


@contextlib.contextmanager
def writing_in(folder):
    """An OS error while something writes into ``folder``: one line naming the file or folder."""
    try:
        yield
    except OSError as exc:
        if type(exc).__module__ != "builtins":
            raise  # the project's own (a missing data set) say more already
        raise ExperimentError(os_error_message(exc, "write", f"a file in {folder}")) from None


@contextlib.contextmanager
def quiet_writer_threads():
    """Within this block a TensorBoard writer thread that fails on a file is quiet.

    TensorBoard's ``SummaryWriter`` writes from a thread of its own; a write that fails
    there (a full disk) would print the thread's traceback, then fail again in the main
    thread at the next write, flush or close, which reports it in one line.
    """
    previous = threading.excepthook

    def hook(args):
        if (issubclass(args.exc_type, OSError)
                and type(args.thread).__name__ == "_AsyncWriterThread"):
            return
        previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous
