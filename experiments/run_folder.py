"""A run folder: every path of a run, written atomically, held by one process at a time.

Layout of ``runs/NAME/<timestamp>`` (or ``--out DIR``)::

    run.json            the settings and the config the run started with, and its sessions
    summary.json        what the run reports: status, every finished run's results
    .lock               the pid of the process writing the folder (which holds a lock,
                        flock, on the folder itself: deleting .lock does not free it)
    config.yaml         the LightningCLI config of a single run (``fit --config`` reproduces it)
    numpy/, torch/      one folder per backend: TensorBoard events, checkpoint, result.json
    <label>/...         a sweep: one folder per variant holding config.yaml, numpy/, torch/
    *.png               figures

Every file is written to a temporary name and renamed, so a signal or a crash
leaves the old version or the new one, never half a file. Reading checks
what it reads and names the file in one line when it is damaged. A run's
settings and config are those recorded in ``run.json`` when it started: a
resumed run uses them, not the experiment's config file as it is now.
"""

import datetime
import fcntl
import io
import json
import os
from pathlib import Path

import numpy as np

from experiments.errors import ExperimentError, describe_os_error

RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"
RESULT_FILE = "result.json"
LOCK_FILE = ".lock"
CONFIG_FILE = "config.yaml"
PARAMS_FILE = "params.npz"
RUNS_ROOT = Path("runs")
# Handed by the first process of a data-parallel run to the processes Lightning starts
# (they inherit its environment): the folder of this run, not a timestamped one of their own.
RUN_FOLDER_ENV = "NNDL_EXPERIMENTS_RUN_FOLDER"


def write_bytes_atomic(path, data):
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExperimentError(f"cannot write {path}: {describe_os_error(exc)}") from None


def write_json(path, data):
    """``data`` as indented JSON in ``path``, atomically."""
    write_bytes_atomic(path, json.dumps(data, indent=1).encode())


def write_text(path, text):
    write_bytes_atomic(path, text.encode())


def read_json(path, what="file"):
    """The JSON object in ``path``; one line naming the file when it is missing or damaged."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ExperimentError(f"{path} is missing: the {what} of this run folder") from None
    except OSError as exc:
        raise ExperimentError(f"cannot read {path}, the {what} of this run folder: "
                              f"{describe_os_error(exc)}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ExperimentError(f"{path} is damaged ({type(exc).__name__}): cannot read the "
                              f"{what} of this run folder") from None
    if not isinstance(data, dict):
        raise ExperimentError(f"{path} is damaged: expected a JSON object, the {what}")
    return data


def save_npz(path, arrays):
    """``np.savez`` of ``arrays``, written atomically like every file of a run folder."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_bytes_atomic(path, buffer.getvalue())


def load_npz(path, what="arrays"):
    """Every array of an ``.npz`` file as a dict; one line naming the file when damaged."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except FileNotFoundError:
        raise ExperimentError(f"{path} is missing: the {what} of this run folder") from None
    except IsADirectoryError:
        raise ExperimentError(f"{path} is a folder, not the file holding the {what} of this "
                              "run folder") from None
    except Exception as exc:  # zipfile.BadZipFile, ValueError, OSError, EOFError, ...
        raise ExperimentError(f"{path} is damaged ({type(exc).__name__}): cannot read the "
                              f"{what} of this run folder") from None


class FolderInUse(ExperimentError):
    """Another process holds the run folder's lock."""

    def __init__(self, path, pid):
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"run folder {path} is in use by {holder}; wait for it to finish "
                         "(two processes never write one run folder)")
        self.path = path
        self.pid = pid


class RunFolder:
    """The folder of one run of an experiment (all its variants and backends).

    Parameters
    ----------
    path : Path
    is_sweep : bool
        Whether each run has a folder of its own (``path/<label>``).
    """

    def __init__(self, path, is_sweep=False):
        self.path = Path(path)
        self.is_sweep = is_sweep
        self._lock_handle = None

    # -- making and finding ----------------------------------------------------------------
    @classmethod
    def create(cls, experiment_name, out=None, is_sweep=False):
        """A folder no run has used: ``out`` if empty or new, else ``runs/NAME/<timestamp>[-k]``.

        Raises ExperimentError with one line when ``out`` holds files, lies under a
        regular file, cannot be written or has too long a name.
        """
        if out is not None:
            out = Path(out)
            if out.exists() and (not out.is_dir() or any(out.iterdir())):
                raise ExperimentError(
                    f"--out {out} already holds files; a new run never overwrites an old one "
                    f"(choose another folder, or continue that run with --resume {out})")
            cls._mkdir(out, exist_ok=True)
            return cls(out, is_sweep)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        base = RUNS_ROOT / experiment_name / stamp
        for k in range(1, 1000):
            folder = base if k == 1 else base.with_name(f"{stamp}-{k}")
            try:
                cls._mkdir(folder, exist_ok=False)
                return cls(folder, is_sweep)
            except FileExistsError:
                continue
        raise ExperimentError(f"cannot find a free run folder under {base.parent}")

    @staticmethod
    def _mkdir(path, exist_ok):
        try:
            path.mkdir(parents=True, exist_ok=exist_ok)
        except FileExistsError:
            if not exist_ok or not path.is_dir():
                raise
        except NotADirectoryError:
            raise ExperimentError(f"cannot create run folder {path}: a part of that path "
                                  "is a file, not a folder") from None
        except OSError as exc:
            raise ExperimentError(f"cannot create run folder {path}: "
                                  f"{describe_os_error(exc)}") from None
        if not os.access(path, os.W_OK | os.X_OK):
            raise ExperimentError(f"cannot write in run folder {path}: permission denied")

    @classmethod
    def existing(cls, path, experiment_name):
        """The folder of an earlier run of ``experiment_name``, to resume; checked first."""
        path = Path(path)
        if not path.is_dir():
            raise ExperimentError(f"--resume {path}: no such folder")
        if not (path / RUN_FILE).exists():
            raise ExperimentError(f"--resume {path}: no run.json there, so no run to resume")
        settings = read_json(path / RUN_FILE, "settings (run.json)")
        if settings.get("experiment") != experiment_name:
            raise ExperimentError(
                f"--resume {path}: that folder holds a run of {settings.get('experiment')!r}, "
                f"not {experiment_name!r}")
        if not isinstance(settings.get("config"), dict):
            raise ExperimentError(f"{path / RUN_FILE} is damaged: it holds no config")
        if not isinstance(settings.get("is_sweep", False), bool):
            raise ExperimentError(f"{path / RUN_FILE} is damaged: is_sweep is "
                                  f"{settings['is_sweep']!r}, expected true or false")
        sessions = settings.get("sessions", [])
        if not (isinstance(sessions, list) and all(isinstance(s, dict) for s in sessions)):
            raise ExperimentError(f"{path / RUN_FILE} is damaged: sessions is not a list of "
                                  "the run's sessions")
        return cls(path, settings["is_sweep"] if "is_sweep" in settings else False)

    # -- the lock --------------------------------------------------------------------------
    def lock(self):
        """Hold the folder's lock (until :meth:`unlock` or every process holding it ends).

        The lock is an ``flock`` on the folder itself, so deleting ``.lock`` (which only
        records the holder's pid) does not free it; worker processes forked by this one
        hold it with it. Raises :class:`FolderInUse`, naming the holder's pid, when
        another process holds it.
        """
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise ExperimentError(f"cannot open run folder {self.path}: "
                                  f"{describe_os_error(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderInUse(self.path, self._holder()) from None
        except OSError as exc:  # a file system without locks
            os.close(fd)
            raise ExperimentError(f"cannot lock run folder {self.path}: "
                                  f"{describe_os_error(exc)}") from None
        self._lock_handle = fd
        try:
            write_text(self.path / LOCK_FILE, str(os.getpid()))
        except ExperimentError:
            self.unlock()
            raise

    def _holder(self):
        """The pid of the process holding the lock: from ``.lock``, else from ``run.json``."""
        try:
            text = (self.path / LOCK_FILE).read_text().strip()
            if text.isdigit():
                return int(text)
        except (OSError, UnicodeDecodeError):
            pass
        try:
            sessions = json.loads((self.path / RUN_FILE).read_text()).get("sessions") or []
            pid = sessions[-1].get("pid")
            return pid if isinstance(pid, int) and not isinstance(pid, bool) else None
        except (OSError, ValueError, AttributeError, IndexError, TypeError):
            return None

    def unlock(self):
        if self._lock_handle is not None:
            os.close(self._lock_handle)
            self._lock_handle = None

    # -- paths -----------------------------------------------------------------------------
    def run_dir(self, label):
        """The folder of run ``label``: the run folder itself, or ``<label>/`` in a sweep."""
        return self.path / label if self.is_sweep else self.path

    def backend_dir(self, label, backend):
        return self.run_dir(label) / backend

    # -- the run's files -------------------------------------------------------------------
    def read_settings(self):
        return read_json(self.path / RUN_FILE, "settings (run.json)")

    def write_settings(self, settings):
        write_json(self.path / RUN_FILE, settings)

    def read_summary(self):
        """The summary, or None when the run never wrote one."""
        path = self.path / SUMMARY_FILE
        if not path.exists():
            return None
        return check_summary(path, read_json(path, "summary (summary.json)"))

    def write_summary(self, summary):
        write_json(self.path / SUMMARY_FILE, summary)

    def write_config(self, label, text):
        folder = self.run_dir(label)
        folder.mkdir(parents=True, exist_ok=True)
        write_text(folder / CONFIG_FILE, text)

    def read_result(self, label, backend, iterations):
        """A backend's finished result if it covers ``iterations``, else None."""
        path = self.backend_dir(label, backend) / RESULT_FILE
        if not path.exists():
            return None
        result = read_json(path, f"{backend} result")
        check_result(path, result)
        return result if len(result["costs"]) == iterations else None

    def write_result(self, label, backend, result):
        write_json(self.backend_dir(label, backend) / RESULT_FILE, result)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_costs(path, costs, where="costs"):
    """A cost curve read back from ``path``: finite numbers; one line naming the first bad one.

    ``costs`` is a list or a 1-D array. A run never records a NaN or infinite cost (it
    stops as diverged first), so one found here means the file was damaged.
    """
    if isinstance(costs, np.ndarray):
        if costs.ndim != 1 or not np.issubdtype(costs.dtype, np.floating):
            raise ExperimentError(f"{path} is damaged: {where} should be a list of numbers, "
                                  f"found an array of shape {costs.shape} and dtype {costs.dtype}")
        costs = costs.tolist()
    if not isinstance(costs, list):
        shown = repr(costs) if len(repr(costs)) < 40 else type(costs).__name__
        raise ExperimentError(f"{path} is damaged: {where} is {shown}, expected the cost "
                              "curve (a list of numbers)")
    for index, cost in enumerate(costs):
        if not _is_number(cost) or not np.isfinite(cost):
            raise ExperimentError(f"{path} is damaged: {where}[{index}] is {cost!r}, expected "
                                  "a finite number (a run records no other cost)")
    return costs


def check_result(path, result):
    """A backend's ``result.json`` read back: every field the report reads, checked.

    Raises ExperimentError naming the file and the first wrong field, so that a damaged
    result never reaches ``summary.json`` or the table.
    """
    check_costs(path, result.get("costs"))
    for key in ("train_accuracy", "test_accuracy"):
        if key not in result:
            raise ExperimentError(f"{path} is damaged: {key} is missing")
        value = result[key]
        if value is not None and not (_is_number(value) and 0.0 <= value <= 1.0):
            raise ExperimentError(f"{path} is damaged: {key} is {value!r}, expected a "
                                  "fraction between 0 and 1 (or null)")
    seconds = result.get("seconds")
    if not (_is_number(seconds) and np.isfinite(seconds) and seconds >= 0):
        raise ExperimentError(f"{path} is damaged: seconds is {seconds!r}, expected a "
                              "number of seconds")
    if "world_size" in result and not (isinstance(result["world_size"], int)
                                       and not isinstance(result["world_size"], bool)
                                       and result["world_size"] >= 1):
        raise ExperimentError(f"{path} is damaged: world_size is {result['world_size']!r}, "
                              "expected a positive integer")
    if "device" in result and not isinstance(result["device"], str):
        raise ExperimentError(f"{path} is damaged: device is {result['device']!r}, expected "
                              "a device name")
    return result


def check_summary(path, summary):
    """A ``summary.json`` read back: its status and every run's entry, checked.

    A resume keeps the entries of runs it does not train again, so a damaged one would
    pass into the new report; it is named in one line instead (deleting ``summary.json``
    lets the resume rebuild it from the results).
    """
    hint = "; delete it and resume to rebuild it from each backend's result.json"
    if summary.get("status") not in ("running", "complete", "interrupted", "failed"):
        raise ExperimentError(f"{path} is damaged: status is {summary.get('status')!r}{hint}")
    runs = summary.get("runs", [])
    if not isinstance(runs, list):
        raise ExperimentError(f"{path} is damaged: runs is {type(runs).__name__}, expected a "
                              f"list{hint}")
    for index, entry in enumerate(runs):
        where = f"runs[{index}]"
        if not (isinstance(entry, dict) and isinstance(entry.get("label"), str)
                and isinstance(entry.get("backends", {}), dict)):
            raise ExperimentError(f"{path} is damaged: {where} is not a run's entry{hint}")
        for backend, result in entry.get("backends", {}).items():
            if not isinstance(result, dict):
                raise ExperimentError(f"{path} is damaged: {where}.backends.{backend} is not a "
                                      f"result{hint}")
            try:
                check_result(path, result)
            except ExperimentError as exc:
                problem = str(exc).split(" is damaged: ", 1)[-1]
                raise ExperimentError(f"{path} is damaged: in {where}.backends.{backend}, "
                                      f"{problem}{hint}") from None
    return summary


def worker_folder(out, resume):
    """The run folder in a process Lightning started for a data-parallel run (no checks).

    Another machine of a multi-node run started without --out or --resume writes
    nothing; it only trains, so any path serves.
    """
    if os.environ.get(RUN_FOLDER_ENV):
        return Path(os.environ[RUN_FOLDER_ENV])
    if resume is not None:
        return Path(resume)
    if out is not None:
        return Path(out)
    return RUNS_ROOT / "worker"
