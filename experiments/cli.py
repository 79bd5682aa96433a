"""``python -m experiments``: list, run, check, bench, or train a twin with LightningCLI.

Usage::

    python -m experiments list
    python -m experiments data [--data-dir DIR]
    python -m experiments run NAME [--backend numpy|torch|both] [--out DIR] [--data-dir DIR]
                                   [--device auto|cpu|cuda] [--dtype float64|float32]
                                   [--iterations N] [--seed S] [--log-every N] [--quiet]
                                   [--resume DIR] [--iterations-per-batch K]
                                   [--devices N] [--strategy auto|ddp] [--num-nodes K]
                                   [--debug]
    python -m experiments check PATH [--only NAME ...] [--json] ...
    python -m experiments fit --config experiments/configs/NAME.yaml [--trainer.max_steps=3 ...]
    python -m experiments bench [--iterations N] [--repeat K] [--device cpu|cuda]

The data flows one way: the arguments become one :class:`RunRequest`; the
request, the experiment's config (or, to resume, the one recorded in the run
folder) and the data are checked before any folder is made or any heavy
library imported that the check does not need; then the runner trains into
the run folder (:mod:`experiments.run_folder`) and the report is printed.

``main(argv)`` returns the exit status instead of exiting, so tests call it
in-process: 0 success, 1 a failure (missing data, damaged run folder, a
diverged cost, ...), 2 bad usage, 128 + the signal's number after a signal.
Every expected failure is one line on standard error; an unexpected one too,
unless ``--debug`` or ``NNDL_DEBUG=1`` asks for the traceback.
"""

import argparse
import dataclasses
import datetime
import difflib
import os
import platform
import sys
import traceback
from pathlib import Path
from typing import Optional

from experiments.errors import ExperimentError, UsageError, os_error_message
from scratch.errors import (
    DataError,
    DatasetFormatError,
    DatasetNotFoundError,
    TrainingDivergedError,
)

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")
# Failures a user can fix (arguments, data, learning rate, run folders): one line.
EXPECTED_ERRORS = (ExperimentError, DataError, DatasetFormatError, DatasetNotFoundError,
                   TrainingDivergedError)
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE
DEBUG_ENV = "NNDL_DEBUG"
JOBS_ENV = "NNDL_JOBS"
PROG = "python -m experiments"


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage block) on standard error."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"a seed must be in [0, 2**32), got {value}")
    return value


def build_parser():
    parser = OneLineParser(
        prog=PROG,
        description="The course's experiments, NumPy and PyTorch/Lightning side by side. "
                    "Also: check PATH (a learner's notebook or module against the course), "
                    "fit/validate/test/predict --config experiments/configs/NAME.yaml "
                    "(LightningCLI, the twin alone).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="the experiments, one line each")
    data = commands.add_parser(
        "data", help="which data sets are found where, and whether the cat files are the "
                     "course's (size and SHA-256)")
    data.add_argument("--data-dir", metavar="DIR",
                      help="folder holding the cat files (default: $NNDL_DATA_DIR, ./datasets)")
    run = commands.add_parser(
        "run", help="train an experiment with both backends and report how close they came",
        description="Train an experiment's NumPy model and its Lightning twin with the "
                    "course's hyperparameters, log both to TensorBoard, and report.",
    )
    run.add_argument("name", metavar="NAME", help="an experiment (see 'list')")
    # Defaults are None so that --resume can tell an explicit choice from a default.
    run.add_argument("--backend", choices=["numpy", "torch", "both"],
                     help="which engine(s) to train (default: both)")
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="run folder (default: runs/NAME/<timestamp>; never overwritten)")
    run.add_argument("--data-dir", metavar="DIR",
                     help="folder holding the cat files (default: $NNDL_DATA_DIR, ./datasets)")
    run.add_argument("--device", choices=["auto", "cpu", "cuda"],
                     help="device of the torch backend (default: auto)")
    run.add_argument("--dtype", choices=["float64", "float32"],
                     help="floating-point type of both backends (default: float64)")
    run.add_argument("--iterations", type=_positive_int, metavar="N",
                     help="gradient-descent iterations of every run (default: the course's)")
    run.add_argument("--seed", type=_seed, metavar="S",
                     help="initialisation seed (default: the course's)")
    run.add_argument("--log-every", type=_positive_int, metavar="N",
                     help="TensorBoard interval of both backends, in iterations "
                          "(default: the config's trainer.log_every_n_steps)")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--jobs", type=_positive_int, metavar="N",
                     help="runs of a sweep trained at once, in worker processes sharing the "
                          f"cores (default: ${JOBS_ENV} or the number of cores)")
    run.add_argument("--debug", action="store_true",
                     help=f"show the traceback of an unexpected failure (or set {DEBUG_ENV}=1)")
    run.add_argument("--resume", type=Path, metavar="DIR",
                     help="continue the stopped run in DIR with the settings and config it "
                          "started with (--iterations may raise the target; --device, "
                          "--iterations-per-batch, --devices, --strategy and --num-nodes "
                          "may change)")
    lightning = run.add_argument_group(
        "Lightning backend",
        "Defaults: the config's model.init_args.iterations_per_batch, trainer.devices, "
        "trainer.strategy and trainer.num_nodes.")
    lightning.add_argument("--iterations-per-batch", type=_positive_int, metavar="K",
                           help="iterations per training_step (default: the config's, else 1); "
                                "signals and checkpoints act between batches")
    lightning.add_argument("--devices", type=_positive_int, metavar="N",
                           help="processes (CPU cores or GPUs) per node (default: 1)")
    lightning.add_argument("--strategy", metavar="NAME",
                           help="auto or ddp; ddp: data-parallel, each process on its share of the "
                                "examples, with the costs of one process (gloo on CPU, NCCL "
                                "on CUDA; default: auto)")
    lightning.add_argument("--num-nodes", type=_positive_int, metavar="K",
                           help="machines taking part, each running --devices processes "
                                "(default: 1)")
    commands.add_parser("check", add_help=False,
                        help="check a learner's notebook or module against the course "
                             "(see 'check --help')")
    bench = commands.add_parser(
        "bench", help="time the backends on the same work and print medians and ratios",
        description="Time this project's NumPy models, the course's assignment loop, a plain "
                    "PyTorch loop and this project's Lightning run on the same work, in one "
                    "process; print medians, ratios and each row's time over the floor.",
    )
    bench.add_argument("--iterations", type=_positive_int, metavar="N",
                       help="iterations of every workload (default: 100 on the images, "
                            "1000 on the flower)")
    bench.add_argument("--repeat", type=_positive_int, default=3, metavar="K",
                       help="timed runs of each row; the table shows medians (default: 3)")
    bench.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                       help="device of the torch rows (default: cpu)")
    bench.add_argument("--data-dir", metavar="DIR",
                       help="folder holding the cat files (the digits are used without them)")
    bench.add_argument("--backends", nargs="+", metavar="NAME",
                       choices=["numpy", "course-loop", "torch-loop", "lightning", "cli", "sweep",
                                "startup"],
                       help="only these rows (numpy, course-loop, torch-loop, lightning; cli: "
                            "whole run commands against their compute; sweep: --jobs 1 against "
                            "--jobs N; startup: NumPy-only commands' start-up and imports)")
    bench.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def _error(message, where=""):
    print(f"{PROG}{where}: error: {' '.join(str(message).split())}", file=sys.stderr)


def _note(message):
    print(f"{PROG}: note: {' '.join(str(message).split())}", file=sys.stderr)


# -- the request ----------------------------------------------------------------------------
# Settings a resumed run keeps (asking for another value is refused, naming the option).
KEPT_ON_RESUME = ("backend", "dtype", "seed", "data_dir", "log_every")
# Where and how the iterations run, not what they compute: a resumed run may change them.
CHANGEABLE_ON_RESUME = ("device", "iterations_per_batch", "devices", "strategy", "num_nodes")


@dataclasses.dataclass
class RunRequest:
    """What ``run`` was asked for; None means "the default" (or, resuming, "as recorded")."""

    experiment: str
    backend: Optional[str] = None
    dtype: Optional[str] = None
    device: Optional[str] = None
    iterations: Optional[int] = None
    seed: Optional[int] = None
    log_every: Optional[int] = None
    data_dir: Optional[str] = None
    iterations_per_batch: Optional[int] = None
    devices: Optional[int] = None
    strategy: Optional[str] = None
    num_nodes: Optional[int] = None
    out: Optional[Path] = None
    resume: Optional[Path] = None
    quiet: bool = False
    jobs: Optional[int] = None

    @classmethod
    def from_args(cls, args):
        names = {f.name for f in dataclasses.fields(cls)} - {"experiment"}
        request = cls(args.name, **{name: getattr(args, name) for name in names})
        if request.data_dir is not None:
            request.data_dir = str(request.data_dir)
        if (request.out is not None and request.resume is not None
                and Path(request.out).resolve() != Path(request.resume).resolve()):
            raise UsageError("--out and --resume name different folders; --resume DIR is the "
                             "run folder")
        return request

    def settings(self):
        """The settings recorded in run.json (defaults filled in)."""
        return {
            "experiment": self.experiment,
            "backend": self.backend or "both",
            "dtype": self.dtype or "float64",
            "device": self.device or "auto",
            "iterations": self.iterations,
            "seed": self.seed,
            "log_every": self.log_every,
            "data_dir": self.data_dir,
            "iterations_per_batch": self.iterations_per_batch,
            "devices": self.devices,
            "strategy": self.strategy,
            "num_nodes": self.num_nodes,
        }

    def resumed_settings(self, recorded, where):
        """The recorded settings with what this request may change; refuses the rest.

        ``recorded`` comes from the run folder's ``run.json`` (``where``) and is checked
        by the rules of the flags it stands for.
        """
        _check_recorded(recorded, where)
        settings = dict(recorded)
        for key in KEPT_ON_RESUME:
            value = getattr(self, key)
            if value is not None and value != recorded.get(key):
                option = "--" + key.replace("_", "-")
                raise UsageError(
                    f"{option} {value} differs from the run being resumed "
                    f"({recorded.get(key)}); a resumed run keeps its settings")
        if self.iterations is not None:
            settings["iterations"] = self.iterations
        for key in CHANGEABLE_ON_RESUME:
            value = getattr(self, key)
            if value is not None:
                settings[key] = value
        return settings


# The recorded settings of a run and what each may hold (None: the config's default).
_RECORDED = {
    "backend": lambda v: v in ("numpy", "torch", "both"),
    "dtype": lambda v: v in ("float64", "float32"),
    "device": lambda v: v in ("auto", "cpu", "cuda"),
    "iterations": lambda v: v is None or _is_positive_int(v),
    "seed": lambda v: v is None or (_is_int(v) and 0 <= v < 2**32),
    "log_every": lambda v: v is None or _is_positive_int(v),
    "data_dir": lambda v: v is None or isinstance(v, str),
    "iterations_per_batch": lambda v: v is None or _is_positive_int(v),
    "devices": lambda v: v is None or _is_positive_int(v),
    "strategy": lambda v: v is None or isinstance(v, str),
    "num_nodes": lambda v: v is None or _is_positive_int(v),
}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_positive_int(value):
    return _is_int(value) and value >= 1


def _check_recorded(recorded, where):
    for key, valid in _RECORDED.items():
        if key not in recorded or not valid(recorded[key]):
            raise ExperimentError(f"{where} is damaged: {key} is {recorded.get(key, 'missing')!r}")


def _find_experiment(name):
    from experiments.registry import EXPERIMENTS

    if name in EXPERIMENTS:
        return EXPERIMENTS[name]
    close = difflib.get_close_matches(name, EXPERIMENTS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"unknown experiment {name!r}; {hint}'python -m experiments list' shows them all")


def command_list():
    from experiments.registry import EXPERIMENTS

    width = max(len(name) for name in EXPERIMENTS)
    for experiment in EXPERIMENTS.values():
        marker = "  [needs the cat files]" if experiment.needs_cat_data else ""
        print(f"{experiment.name.ljust(width)}  {experiment.description}{marker}")
    return 0


def _check_cat_data(experiment, data_dir):
    """One line naming the files and where to put them, when they are absent."""
    from scratch.data import CAT_FILES, DATA_DIR_ENV_VAR, find_cat_data_dir

    try:
        find_cat_data_dir(data_dir)
    except DatasetNotFoundError as exc:
        where = f" (looked in: {'; '.join(exc.looked)})" if exc.looked else f" ({exc})"
        raise ExperimentError(
            f"{experiment.name} needs the cat vs non-cat files {CAT_FILES[0]} and {CAT_FILES[1]}: "
            f"put both in ./datasets, or pass --data-dir DIR or set {DATA_DIR_ENV_VAR}=DIR for "
            f"the folder that holds them{where}"
        ) from None


def _rank_zero(world_size):
    """Whether this process reports and writes (``torch_ref.distributed.is_global_zero``).

    Rank variables (``LOCAL_RANK``, ``SLURM_PROCID``, ...) mean something only in a
    run of several processes; in a one-process run a stray one is ignored, with a note.
    """
    from experiments.run_folder import RUN_FOLDER_ENV
    from torch_ref import distributed

    global _world_size
    _world_size = world_size
    stray = distributed.stray_ranks()
    if world_size == 1 and stray and not os.environ.get(RUN_FOLDER_ENV):
        shown = ", ".join(f"{name}={value}" for name, value in stray.items())
        _note(f"ignoring {shown} from the environment: this run trains in one process")
    return distributed.is_global_zero(world_size)


def command_run(args, argv, from_command_line=False):
    from experiments import config
    from experiments.run_folder import RUN_FOLDER_ENV, RunFolder, worker_folder

    request = RunRequest.from_args(args)
    experiment = _find_experiment(request.experiment)
    folder = previous = None
    if request.resume is not None:
        folder = RunFolder.existing(request.resume, experiment.name)
        recorded = folder.read_settings()
        settings = request.resumed_settings(recorded, folder.path / "run.json")
        raw_config = recorded["config"]
        current = config.load_config(config.config_path(experiment.config))
        if current != raw_config and _rank_zero_quick():
            _note(f"{experiment.config} has changed since this run started; the run goes on "
                  "with the config it started with (in run.json)")
    else:
        settings = request.settings()
        raw_config = config.load_config(config.config_path(experiment.config))
    specs = config.run_specs(
        raw_config, iterations=settings["iterations"], seed=settings["seed"],
        data_dir=settings["data_dir"], log_every=settings["log_every"],
        iterations_per_batch=settings["iterations_per_batch"], devices=settings["devices"],
        strategy=settings["strategy"], num_nodes=settings["num_nodes"])
    if config.needs_cat_data(raw_config):
        _check_cat_data(experiment, settings["data_dir"])
    backends = ("numpy", "torch") if settings["backend"] == "both" else (settings["backend"],)
    world_size = max(spec.world_size for spec in specs)
    rank_zero = _rank_zero(world_size)

    device = settings["device"]
    if "torch" in backends or device == "cuda":
        from experiments.backends.lightning_backend import torch_device

        device = torch_device(device)
    elif device == "auto":
        device = "cpu"
    if "torch" in backends or world_size > 1:
        _check_trainer(experiment, specs, backends, device)

    from experiments.runner import RunOptions

    options = RunOptions(backends=backends, dtype=settings["dtype"], device=device,
                         quiet=request.quiet, resume=request.resume is not None,
                         rank_zero=rank_zero, jobs=request.jobs or _default_jobs())
    runner = _make_runner(experiment, specs, options, folder, raw_config, settings)
    is_sweep = runner.is_sweep
    if not rank_zero:
        runner.folder = RunFolder(worker_folder(request.out, request.resume), is_sweep)
        runner.prepare()
        return _train(runner, experiment, None, rank_zero=False)
    if folder is not None:
        _refuse_in_process(world_size, from_command_line)
        folder.lock()
        previous = folder.read_summary()
        runner.prepare()
    else:
        runner.prepare()  # data problems end here, before any folder exists
        _refuse_in_process(world_size, from_command_line)
        folder = runner.folder = RunFolder.create(experiment.name, request.out, is_sweep)
        folder.lock()
    if max(spec.num_nodes for spec in specs) > 1:
        from experiments.backends import rendezvous_seconds

        _note(f"waiting up to {rendezvous_seconds():g} s for the other nodes of this run to "
              f"join (NODE_RANK {os.environ.get('NODE_RANK', '0')}, MASTER_ADDR "
              f"{os.environ.get('MASTER_ADDR', 'localhost')})")
    if world_size > 1:
        # The processes Lightning starts inherit this: the folder of this run, not a new one
        # of their own (a timestamp taken in each process may differ).
        os.environ[RUN_FOLDER_ENV] = str(folder.path.resolve())
    settings["config"] = raw_config
    settings["is_sweep"] = is_sweep
    settings.setdefault("sessions", []).append({
        "argv": list(argv), "python": platform.python_version(), "pid": os.getpid(),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
    })
    folder.write_settings(settings)
    try:
        return _train(runner, experiment, previous, rank_zero=True)
    finally:
        # How this session ended, beside its start: a resumed run's history stays whole.
        settings["sessions"][-1]["ended"] = datetime.datetime.now().isoformat(timespec="seconds")
        settings["sessions"][-1]["outcome"] = runner.outcome or {"status": "failed"}
        try:
            folder.write_settings(settings)
        finally:
            folder.unlock()


def _default_jobs():
    """``$NNDL_JOBS`` when set (checked), else the number of cores."""
    text = os.environ.get(JOBS_ENV)
    if text is None or text == "":
        from experiments.workers import default_jobs

        return default_jobs()
    try:
        return _positive_int(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{JOBS_ENV}={text!r}: {exc}") from None


def _refuse_in_process(world_size, from_command_line):
    if world_size > 1 and not from_command_line:
        raise UsageError(
            "several processes: Lightning starts the others by running this command line "
            "again, so start a data-parallel run from a shell (python -m experiments run ...), "
            "not through experiments.cli.main(argv)")


# The run's number of processes, set by _rank_zero once it is known; until then (a bad flag
# or config, seen by every process alike) the launcher's environment is all there is.
_world_size = None


def _rank_zero_quick():
    from torch_ref import distributed

    return distributed.is_global_zero(_world_size)


def _make_runner(experiment, specs, options, folder, raw_config, settings):
    if experiment.timing:
        from experiments.vectorization import VectorizationTiming

        section = raw_config.get("experiment") or {}
        repeats = settings["iterations"] or int(section.get("repeats", 3))
        return VectorizationTiming(experiment, specs, options, folder, section, repeats)
    from experiments import config
    from experiments.runner import Runner

    runner = Runner(experiment, specs, options, folder)
    full = {spec.iterations for spec in config.run_specs(raw_config)}
    runner.course_iterations = full.pop() if len(full) == 1 else None
    return runner


def _check_trainer(experiment, specs, backends, device):
    """Reject, before anything starts, trainer settings the Lightning backend cannot run
    (torch_ref.distributed's rules: strategy, devices, nodes) and a data-parallel run
    that cannot run."""
    from torch_ref import distributed

    accelerator = "gpu" if device == "cuda" else "cpu"
    for spec in specs:
        where = "" if len(specs) == 1 else f"run {spec.label}: "
        try:
            distributed.check_trainer_options(accelerator, spec.devices, spec.strategy,
                                              spec.num_nodes)
        except ValueError as exc:
            raise UsageError(f"{where}{exc}") from None
        if spec.world_size == 1:
            continue
        if experiment.timing:
            raise UsageError(f"{experiment.name} does not train through Lightning: "
                             "--devices, --num-nodes and trainer.devices must be 1")
        if "torch" not in backends:
            raise UsageError(f"{spec.world_size} processes (devices x nodes) train the torch "
                             "backend only; add --backend torch or both, or use --devices 1")


def _train(runner, experiment, previous, rank_zero):
    from experiments.errors import quiet_writer_threads
    from experiments.interrupt import RunInterrupted, exit_status, graceful_interrupts

    folder = runner.folder.path
    resume = f"python -m experiments run {experiment.name} --resume {folder}"
    try:
        with graceful_interrupts(), quiet_writer_threads():
            summary = runner.run(previous)
    except RunInterrupted as exc:
        if rank_zero:
            where = f" in run {exc.run_label}" if exc.run_label and runner.is_sweep else ""
            _error(f"stopped by {exc.signal_name}: {exc.backend} stopped after {exc.iteration} "
                   f"iterations{where}; checkpoints and summary.json are in {folder}; "
                   f"continue with: {resume}")
        return exit_status(exc.signal_name)
    except KeyboardInterrupt:
        if rank_zero:
            _error(f"stopped at once by a second signal; the last periodic checkpoints are in "
                   f"{folder}; continue with: {resume}")
        return exit_status("SIGINT")
    finally:
        _close_process_group()
    if not rank_zero:
        return 0
    print(runner.table(summary))
    print(f"run folder: {folder}  (tensorboard --logdir {folder})")
    return 0


def _close_process_group():
    """End a data-parallel run's process group before the interpreter exits.

    Left to the interpreter's exit, gloo's threads may still run while their objects
    are destroyed, which aborts the process ("terminate called without an active
    exception") after the run has finished.
    """
    distributed = sys.modules.get("torch.distributed")
    if distributed is not None and distributed.is_available() and distributed.is_initialized():
        distributed.destroy_process_group()


def _worker_error(exc):
    """An expected failure in a process Lightning started for a data-parallel run.

    A diverged cost is the same global cost in every process: rank zero reports it, and
    this process ends quietly with status 0 (Lightning ends every process, rank zero
    included, as soon as one it started fails). Anything else is this process's own:
    reported with its rank, status 1.
    """
    if isinstance(exc, TrainingDivergedError):
        return 0
    where = (f"rank {os.environ['RANK']}" if "RANK" in os.environ else
             f"node {os.environ.get('NODE_RANK', '0')}, process {os.environ.get('LOCAL_RANK', '?')}")
    _error(exc, f" ({where})")
    return EXIT_ERROR


def _diverged_message(exc):
    return (f"{exc} (the learning rate is model.init_args.learning_rate in the experiment's "
            "config; the costs up to there are in the run folder's summary.json)")


def _guarded(function, debug):
    """Run ``function()``; expected failures and, unless ``debug``, any other: one line."""
    try:
        return function()
    except UsageError as exc:
        _error(exc)
        return EXIT_USAGE
    except TrainingDivergedError as exc:
        if not _rank_zero_quick():
            return _worker_error(exc)
        _error(_diverged_message(exc))
        return EXIT_ERROR
    except EXPECTED_ERRORS as exc:
        if not _rank_zero_quick():
            return _worker_error(exc)
        _error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error("interrupted")
        return 128 + 2
    except BrokenPipeError:
        raise  # the reader closed the pipe: main ends quietly
    except OSError as exc:
        if debug:
            raise
        # A file the run could not read or write (a full disk, a folder where a file was
        # expected, too long a name): the file and the problem, in one line.
        _error(os_error_message(exc))
        return EXIT_ERROR
    except Exception as exc:
        if debug:
            raise
        _error(f"unexpected {type(exc).__name__}: {exc} (run again with --debug or "
               f"{DEBUG_ENV}=1 for the traceback)")
        return EXIT_ERROR


def _config_arguments(argv):
    """(index, path) of every ``--config FILE`` / ``-c FILE`` / ``--config=FILE`` of ``argv``."""
    for index, arg in enumerate(argv):
        if arg in ("--config", "-c") and index + 1 < len(argv):
            yield index + 1, argv[index + 1]
        elif arg.startswith("--config="):
            yield index, arg.split("=", 1)[1]


def _resolve_config_files(argv):
    """``argv`` with each ``--config`` that is no file here but names a shipped config
    (``shallow-planar``, ``shallow-planar.yaml``, ``experiments/configs/shallow-planar.yaml``)
    replaced by that config's absolute path, so that ``fit`` works from any folder."""
    from experiments import config

    argv = list(argv)
    for index, path in _config_arguments(argv):
        if Path(path).is_file():
            continue
        shipped = config.config_path(Path(path).name)
        if shipped.is_file():
            argv[index] = (str(shipped) if argv[index] == path
                           else f"{argv[index].split('=', 1)[0]}={shipped}")
    return argv


def _missing_config_files(argv):
    """The first ``--config FILE`` / ``-c FILE`` of ``argv`` that is not a file, or None."""
    for _, path in _config_arguments(argv):
        if not Path(path).is_file():
            return path
    return None


def main(argv=None):
    """Entry point of ``python -m experiments`` and of the ``nndl`` command; the exit status.

    A reader that closes the pipe early (``... list | head``) ends the command quietly,
    with status 128 + SIGPIPE's number, as a shell reports it.
    """
    try:
        status = _main(argv)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python flushes stdout again at exit: point it at devnull so that this is silent too.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


def _main(argv):
    global _world_size
    _world_size = None
    from_command_line = argv is None
    argv = [str(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0") or "--debug" in argv
    if argv and argv[0] == "check":
        from experiments.checker.cli import main as check_main

        return check_main(argv[1:])
    if argv and argv[0] in LIGHTNING_COMMANDS:
        argv = _resolve_config_files(argv)
        if from_command_line:
            sys.argv[1:] = argv  # what LightningCLI reads, and what ddp's processes rerun
        missing = _missing_config_files(argv)
        if missing:
            _error(f"{argv[0]}: no config file {missing} (--config), nor a config of that "
                   f"name among the experiments' ('{PROG} list' names them)")
            return EXIT_USAGE
        from experiments.lightning_cli import main as lightning_main

        def fit():
            try:
                # From the command line LightningCLI reads sys.argv itself, as it expects to.
                return lightning_main(None if from_command_line else argv)
            except SystemExit as exc:
                return exc.code if isinstance(exc.code, int) else EXIT_ERROR

        return _guarded(fit, debug)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "list":
        return command_list()
    if args.command == "data":
        from experiments.data_files import command_data

        return _guarded(lambda: command_data(args), debug)
    if args.command == "bench":
        from experiments.benchmark import command_bench

        return _guarded(lambda: command_bench(args), debug)
    return _guarded(lambda: command_run(args, argv, from_command_line), debug)
