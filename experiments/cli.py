"""``python -m experiments``: list the experiments, run one, or train a twin with LightningCLI.

Usage::

    python -m experiments list
    python -m experiments run NAME [--backend numpy|torch|both] [--out DIR] [--data-dir DIR]
                                   [--device auto|cpu|cuda] [--dtype float64|float32]
                                   [--iterations N] [--seed S] [--log-every N] [--quiet]
                                   [--resume DIR] [--iterations-per-batch K]
                                   [--devices N] [--strategy auto|ddp] [--num-nodes K]
    python -m experiments fit --config experiments/configs/NAME.yaml [--trainer.max_steps=3 ...]
    python -m experiments bench [--iterations N] [--repeat K] [--device cpu|cuda]

``main(argv)`` returns the exit status instead of exiting, so tests call it
in-process. Bad arguments, missing data and other expected failures print one
line on standard error and return a non-zero status, without a traceback.

``run --devices N --strategy ddp`` trains the Lightning twin data-parallel
(gloo between the processes on CPU, NCCL on CUDA). Lightning starts the other
N - 1 processes by running the same command line again, so such a run is
started from a shell (``python -m experiments run ...``), not through
``main(argv)``; those processes train along with the first one and report
nothing themselves (:mod:`experiments.runner`).
"""

import argparse
import datetime
import difflib
import json
import os
import platform
import sys
from pathlib import Path

from experiments.errors import ExperimentError
from scratch.errors import (
    DataError,
    DatasetFormatError,
    DatasetNotFoundError,
    TrainingDivergedError,
)

LIGHTNING_COMMANDS = ("fit", "validate", "test", "predict")
# Failures a user can fix (arguments, data, learning rate): one line, no traceback.
EXPECTED_ERRORS = (ExperimentError, DataError, DatasetFormatError, DatasetNotFoundError,
                   TrainingDivergedError)
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# The run folder, handed by the first process of a data-parallel run to the others that
# Lightning starts (they inherit its environment), so that all use the same folder.
RUN_FOLDER_ENV = "NNDL_EXPERIMENTS_RUN_FOLDER"
# Strategies of the Lightning backend (torch_ref.distributed.STRATEGIES, without importing torch).
STRATEGIES = ("auto", "ddp")


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
        prog="python -m experiments",
        description="The course's experiments, NumPy and PyTorch/Lightning side by side. "
                    "Also: fit/validate/test/predict --config experiments/configs/NAME.yaml "
                    "(LightningCLI, the twin alone).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="the experiments, one line each")
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
    run.add_argument("--resume", type=Path, metavar="DIR",
                     help="continue the interrupted run in DIR (same settings; --iterations "
                          "may raise the target; --device, --iterations-per-batch, --devices, "
                          "--strategy and --num-nodes may change)")
    lightning = run.add_argument_group(
        "Lightning backend",
        "Defaults: the config's model.init_args.iterations_per_batch, trainer.devices, "
        "trainer.strategy and trainer.num_nodes.")
    lightning.add_argument("--iterations-per-batch", type=_positive_int, metavar="K",
                           help="iterations per training_step (default: the config's, else 1); "
                                "Ctrl-C and checkpoints act between batches")
    lightning.add_argument("--devices", type=_positive_int, metavar="N",
                           help="processes (CPU cores or GPUs) per node (default: 1)")
    lightning.add_argument("--strategy", choices=STRATEGIES,
                           help="ddp: data-parallel, each process on its share of the "
                                "examples, with the costs of one process (gloo on CPU, NCCL "
                                "on CUDA; default: auto)")
    lightning.add_argument("--num-nodes", type=_positive_int, metavar="K",
                           help="machines taking part, each running --devices processes "
                                "(default: 1)")
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
                       choices=["numpy", "course-loop", "torch-loop", "lightning"],
                       help="only these rows (numpy, course-loop, torch-loop, lightning)")
    return parser


def _error(message):
    print(f"python -m experiments: error: {' '.join(str(message).split())}", file=sys.stderr)


def _find_experiment(name):
    from experiments.registry import EXPERIMENTS

    if name in EXPERIMENTS:
        return EXPERIMENTS[name]
    close = difflib.get_close_matches(name, EXPERIMENTS, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ExperimentError(
        f"unknown experiment {name!r}; {hint}'python -m experiments list' shows them all"
    )


def command_list():
    from experiments.registry import EXPERIMENTS

    width = max(len(name) for name in EXPERIMENTS)
    for experiment in EXPERIMENTS.values():
        marker = "  [needs the cat files]" if experiment.needs_cat_data else ""
        print(f"{experiment.name.ljust(width)}  {experiment.description}{marker}")
    return 0


def _check_cat_data(experiment, data_dir):
    """One line naming the files and where to put them, when they are absent."""
    from scratch.data import CAT_FILES, DATA_DIR_ENV_VAR, DatasetNotFoundError, find_cat_data_dir

    try:
        find_cat_data_dir(data_dir)
    except DatasetNotFoundError as exc:
        looked = [line.strip() for line in str(exc).splitlines() if line.startswith("  ")]
        raise ExperimentError(
            f"{experiment.name} needs the cat vs non-cat files {CAT_FILES[0]} and {CAT_FILES[1]}: "
            f"put both in ./datasets, or pass --data-dir DIR or set {DATA_DIR_ENV_VAR}=DIR for "
            f"the folder that holds them (looked in: {'; '.join(looked)})"
        ) from None


def _default_run_folder(name, stamp):
    return Path("runs") / name / stamp


def _worker_run_folder(name, out):
    """The run folder in a process Lightning started for a data-parallel run (no checks)."""
    if os.environ.get(RUN_FOLDER_ENV):
        return Path(os.environ[RUN_FOLDER_ENV])
    if out is not None:
        return Path(out)
    # Another machine of a multi-node run, started without --out: it writes nothing, and
    # reads the folder only to resume, for which --resume names it.
    return _default_run_folder(name, datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))


def _new_run_folder(name, out):
    """A folder no run has used: ``out`` if empty or new, else ``runs/NAME/<timestamp>[-k]``."""
    if out is not None:
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ExperimentError(
                f"--out {out} already holds files; a new run never overwrites an old one "
                f"(choose another folder, or continue that run with --resume {out})"
            )
        out.mkdir(parents=True, exist_ok=True)
        return out
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = _default_run_folder(name, stamp)
    for k in range(1, 1000):
        folder = base if k == 1 else base.with_name(f"{stamp}-{k}")
        try:
            folder.mkdir(parents=True, exist_ok=False)
            return folder
        except FileExistsError:
            continue
    raise ExperimentError(f"cannot find a free run folder under {base.parent}")


def _settings(args):
    """The run's settings from the command line, or from run.json when resuming."""
    explicit = {
        "backend": args.backend, "dtype": args.dtype, "seed": args.seed,
        "data_dir": args.data_dir, "log_every": args.log_every,
    }
    # Where and how the iterations run, not what they compute: a resumed run may change them
    # (a different number of processes adds its rounding differences, see torch_ref.distributed).
    changeable = {
        "device": args.device, "iterations_per_batch": args.iterations_per_batch,
        "devices": args.devices, "strategy": args.strategy, "num_nodes": args.num_nodes,
    }
    if args.resume is None:
        return {
            "experiment": args.name,
            "backend": args.backend or "both",
            "dtype": args.dtype or "float64",
            "device": args.device or "auto",
            "iterations": args.iterations,
            "seed": args.seed,
            "log_every": args.log_every,
            "data_dir": args.data_dir,
            # None: the config's value.
            "iterations_per_batch": args.iterations_per_batch,
            "devices": args.devices,
            "strategy": args.strategy,
            "num_nodes": args.num_nodes,
        }
    from experiments.runner import read_run_settings

    if args.out is not None and Path(args.out).resolve() != Path(args.resume).resolve():
        raise ExperimentError("--out and --resume name different folders; --resume DIR is the "
                              "run folder")
    settings = read_run_settings(args.resume, args.name)
    for key, value in explicit.items():
        if value is not None and value != settings.get(key):
            option = "--" + key.replace("_", "-")
            raise ExperimentError(
                f"{option} {value} differs from the run being resumed ({settings.get(key)}); "
                "a resumed run keeps its settings"
            )
    if args.iterations is not None:
        settings["iterations"] = args.iterations
    for key, value in changeable.items():
        if value is not None:
            settings[key] = value
    return settings


def command_run(args, argv, from_command_line=False):
    from torch_ref.distributed import is_global_zero

    # False in the processes Lightning starts for a data-parallel run: they train the
    # twin alongside the first process and write and print nothing.
    rank_zero = is_global_zero()
    experiment = _find_experiment(args.name)
    settings = _settings(args)
    backends = ("numpy", "torch") if settings["backend"] == "both" else (settings["backend"],)
    device = settings["device"]
    if "torch" in backends or device == "cuda":
        from experiments.backends import torch_device

        device = torch_device(device)
    elif device == "auto":
        device = "cpu"
    if experiment.needs_cat_data:
        _check_cat_data(experiment, settings["data_dir"])

    from experiments.runner import RunOptions

    options = RunOptions(
        backends=backends, out=None, dtype=settings["dtype"], device=device,
        iterations=settings["iterations"], seed=settings["seed"],
        log_every=settings.get("log_every"), data_dir=settings["data_dir"],
        iterations_per_batch=settings.get("iterations_per_batch"),
        devices=settings.get("devices"), strategy=settings.get("strategy"),
        num_nodes=settings.get("num_nodes"),
        quiet=args.quiet, resume=args.resume is not None, rank_zero=rank_zero,
    )
    # The runner reads and checks the config before any folder is made.
    runner = experiment.runner(experiment, options)
    processes = runner.check_trainer()
    if processes > 1 and not from_command_line:
        raise ExperimentError(
            f"{processes} processes: Lightning starts the others by running this command "
            "line again, so start a data-parallel run from a shell (python -m experiments "
            "run ...), not through experiments.cli.main(argv)"
        )
    if not rank_zero:
        out = Path(args.resume) if args.resume is not None else _worker_run_folder(
            experiment.name, args.out)
    elif args.resume is not None:
        out = Path(args.resume)
    else:
        out = _new_run_folder(experiment.name, args.out)
    options.out = out
    if processes > 1 and rank_zero:
        # The processes Lightning starts inherit this: the folder of this run, not a new one
        # of their own (a timestamp taken in each process may differ).
        os.environ[RUN_FOLDER_ENV] = str(out.resolve())
    if options.resume:
        runner.check_not_past()
    if rank_zero:
        # run.json: the settings a --resume continues with, and every session of the run.
        settings.setdefault("sessions", []).append({
            "argv": list(argv), "python": platform.python_version(),
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
        })
        (out / "run.json").write_text(json.dumps(settings, indent=1))

    from experiments.interrupt import RunInterrupted, graceful_interrupts

    try:
        with graceful_interrupts():
            summary = runner.run()
    except RunInterrupted as exc:
        if not rank_zero:
            return 0  # rank zero stopped after the same batch and says so
        where = f" in run {exc.run_label}" if exc.run_label and runner.is_sweep else ""
        _error(
            f"interrupted: {exc.backend} stopped after {exc.iteration} iterations{where}; "
            f"checkpoints and summary.json are in {out}; continue with: "
            f"python -m experiments run {experiment.name} --resume {out}"
        )
        return EXIT_INTERRUPTED
    if not rank_zero:
        return 0
    print(runner.table(summary))
    print(f"run folder: {out}  (tensorboard --logdir {out})")
    return 0


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
    print(f"python -m experiments ({where}): error: {' '.join(str(exc).split())}",
          file=sys.stderr)
    return EXIT_ERROR


def main(argv=None):
    """Entry point of ``python -m experiments``; returns the exit status."""
    from_command_line = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "check":
        from experiments.checker.cli import main as check_main

        return check_main(argv[1:])
    if argv and argv[0] in LIGHTNING_COMMANDS:
        from experiments.lightning_cli import main as lightning_main

        try:
            # From the command line LightningCLI reads sys.argv itself, as it expects to.
            return lightning_main(None if from_command_line else argv)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else EXIT_ERROR
        except EXPECTED_ERRORS as exc:
            _error(exc)
            return EXIT_ERROR
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command == "list":
        return command_list()
    if args.command == "bench":
        from experiments.benchmark import command_bench

        try:
            return command_bench(args)
        except EXPECTED_ERRORS as exc:
            _error(exc)
            return EXIT_ERROR

    try:
        return command_run(args, argv, from_command_line)
    except EXPECTED_ERRORS as exc:
        from torch_ref.distributed import is_global_zero

        if not is_global_zero():
            return _worker_error(exc)
        _error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        _error("interrupted (second Ctrl-C): the last checkpoints are in the run folder")
        return EXIT_INTERRUPTED
