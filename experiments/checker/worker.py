"""The worker process: takes one learner file's definitions and calls its functions.

Started by :class:`experiments.checker.sandbox.Worker` with ``python -I``, a
socket to the checker, a pipe whose end tells it the checker is gone, and its
limits. It sets the limits on itself before any learner code runs, then
answers messages: ``load`` (define the file's names, see
:func:`experiments.checker.loader.define`) and ``call`` (one call of one
function, under a time limit, with the checker's NumPy random state). Replies
hold plain data only; anything else is described, not sent.
"""

import os
import pickle
import resource
import signal
import sys
import threading


def _set_limits(memory, cpu, output):
    for which, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, output),
                         (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    except (ValueError, OSError):
        pass


def _watch_parent(fd):
    """End this process (and so its PID namespace) when the checker's end of ``fd`` closes."""
    def watch():
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os._exit(70)

    threading.Thread(target=watch, daemon=True, name="checker-watch").start()


_REFUSED_EVENTS = ("os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
                   "os.remove", "os.unlink", "os.rename", "os.rmdir", "os.mkdir", "os.chmod",
                   "os.chown", "os.symlink", "os.link", "os.truncate", "shutil.rmtree",
                   "socket.connect", "socket.bind", "socket.sendto", "os.kill",
                   "os.killpg", "signal.pthread_kill")
# Not refused: os.putenv (libraries set variables at import: sklearn, threadpoolctl); the
# worker's environment is its own and ends with it.
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _guard(folder):
    """Refuse, at the Python level, writing outside ``folder`` and starting other programs.

    An audit hook cannot be removed by the code it watches; C code (``ctypes``)
    passes it, which is why the namespaces and the read-only view are the real
    containment where the system offers them.
    """
    folder = os.path.realpath(folder) + os.sep

    def inside(path):
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return real.startswith(folder) or real == "/dev/null"

    def hook(event, args):
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writes and not isinstance(path, int) and not inside(path):
                raise PermissionError(f"the checker's worker writes only in its own folder, "
                                      f"not {os.fsdecode(path)!r}")
        elif event.startswith(_REFUSED_EVENTS):
            if event in ("os.mkdir", "os.remove", "os.rmdir", "os.chmod") and args and \
                    inside(args[0]):
                return
            if event == "os.rename" and len(args) >= 2 and inside(args[0]) and inside(args[1]):
                return
            raise PermissionError(f"the checker's worker does not allow {event}")

    sys.addaudithook(hook)


def _describe_exception(exc, error):
    try:
        message = str(exc)[:2000]
    except Exception:  # noqa: BLE001 - a learner's __str__ may fail
        message = ""
    info = {"type": type(exc).__name__, "message": message, "error": str(error)[:4000],
            "bases": [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]}
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None)
        info["name"] = name if isinstance(name, str) else None
    return info


def _plain_value(value, depth=0, seen=None):
    """``value`` with subclasses of the plain types read as the plain types.

    A ``defaultdict``, a namedtuple cache, a list subclass or an ndarray subclass
    holds what a plain one would; each is read through the base type's own
    methods (``dict.items``, ``tuple.__iter__``, ``ndarray.view``), so none of
    the learner's overridden methods runs and what comes back is what the
    container holds. Anything else is left as it is (and refused later unless
    plain); past 100 levels of nesting or on a cycle, the container is left too.
    """
    import numpy as np

    kind = type(value)
    if kind in (int, float, complex, bool, str, bytes, type(None)) or depth > 100:
        return value
    if isinstance(value, np.ndarray):
        return value if kind is np.ndarray else np.ndarray.view(value, np.ndarray)
    if not isinstance(value, (dict, list, tuple)):
        return value
    seen = set() if seen is None else seen
    if id(value) in seen:
        return value
    seen.add(id(value))
    try:
        if isinstance(value, dict):
            return {_plain_value(k, depth + 1, seen): _plain_value(v, depth + 1, seen)
                    for k, v in dict.items(value)}
        items = [_plain_value(item, depth + 1, seen)
                 for item in (list.__iter__(value) if isinstance(value, list)
                              else tuple.__iter__(value))]
        return items if isinstance(value, list) else tuple(items)
    except Exception:  # noqa: BLE001 - an unhashable key, a damaged object: left as it is
        return value
    finally:
        seen.discard(id(value))


def _encode(reply, cap):
    """The reply's bytes, or those of a reply that says why its value cannot be sent."""
    data = _plain(reply, cap)
    if data is None and "changed" in reply:  # arguments it filled with odd objects: not sent
        reply.pop("changed")
        data = _plain(reply, cap)
    return data if data is not None else _refusal(reply, cap)


def _plain(reply, cap):
    """The reply's bytes when they are plain data within ``cap``, else None."""
    from experiments.checker import sandbox

    try:
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        sandbox.loads(data)
    except Exception:  # noqa: BLE001 - a learner's object may fail to pickle any way
        return None
    return data if len(data) <= cap else None


def _refusal(reply, cap):
    from experiments.checker import sandbox

    try:
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        sandbox.loads(data)
    except sandbox.RefusedData as exc:
        refused = str(exc)
        data = None
    except MemoryError:
        refused, data = "too large to copy", None
    except Exception as exc:  # noqa: BLE001 - a learner's object may fail to pickle any way
        refused, data = f"{type(exc).__name__}: {exc}"[:300], None
    if data is not None and len(data) <= cap:
        return data
    for key in ("value", "changed"):
        reply.pop(key, None)
    if data is not None:
        reply["problem"] = f"stopped: its result is larger than {cap / 2**20:g} MiB"
    else:
        what = "its result"
        reply["problem"] = (f"{what} holds something the checker does not read back "
                            f"({refused}); the course's functions return NumPy arrays, numbers, "
                            "strings and lists, tuples or dicts of them")
    reply["printed"] = str(reply.get("printed", ""))[:200_000]
    return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)


def _call(namespace, message, own_pid):
    import numpy as np

    from experiments.checker import sandbox

    name = message["name"]
    reply = {"id": message["id"]}
    function = namespace.get(name)
    if not callable(function):
        error = NameError(f"name {name!r} is not defined", name=name)
        reply["exception"] = _describe_exception(error, f"NameError: {error}")
        return reply
    args, kwargs = message["args"], message["kwargs"]
    before = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
    np.random.set_state(message["rng"])
    outcome = sandbox.call_here(function, args, kwargs, message["time_limit"],
                                catch_exits="all")
    if os.getpid() != own_pid:  # a forked copy returning from the learner's function
        os._exit(0)
    reply.update(printed=outcome.printed, printed_lines=outcome.printed_lines,
                 timed_out=outcome.timed_out, rng=np.random.get_state())
    if outcome.exception is not None:
        reply["exception"] = _describe_exception(outcome.exception, outcome.error)
    elif not outcome.timed_out:
        reply["value"] = _plain_value(outcome.value)
    try:
        after = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        if after != before:
            reply["changed"] = (args, kwargs)
    except Exception:  # noqa: BLE001 - the learner put something unpicklable in an argument
        pass
    return reply


def _load(message):
    from experiments.checker import loader

    try:  # each statement runs under the time limit (see loader.define)
        namespace, info = loader.define(message["plan"])
    except BaseException as exc:  # noqa: BLE001 - whatever a learner's statement left behind
        namespace, info = {}, {"functions": [], "callables": {}, "skipped_imports": [],
                               "problems": [f"taking the file's definitions stopped "
                                            f"({type(exc).__name__}); its functions were not "
                                            "checked"]}
    info["id"] = message["id"]
    return namespace, info


def main(sock_fd, watch_fd, settings):
    """Serve the checker on ``sock_fd`` until it closes the socket."""
    import socket

    memory, cpu, output, result = (int(v) for v in settings.split(","))
    own_pid = os.getpid()
    _watch_parent(watch_fd)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file too large fails to write, no death
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the terminal's Ctrl-C is the checker's
    sock = socket.socket(fileno=sock_fd)
    import numpy  # noqa: F401 - before the limits: the learner's code is what they are for

    from experiments.checker import loader, sandbox  # noqa: F401
    _set_limits(memory, cpu, output)
    _guard(os.getcwd())
    folder = os.environ.get("NNDL_LEARNER_FOLDER")
    if folder:
        sys.path.insert(0, folder)
    namespace = {}
    while True:
        try:
            data = sandbox.recv_bytes(sock)
        except Exception:  # noqa: BLE001 - the checker closed the socket: done
            os._exit(0)
        message = pickle.loads(data)  # noqa: S301 - from the checker itself
        if message["op"] == "load":
            namespace, reply = _load(message)
        else:
            reply = _call(namespace, message, own_pid)
        data = _encode(reply, result)
        sock.sendall(sandbox._HEADER.pack(len(data)) + data)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
