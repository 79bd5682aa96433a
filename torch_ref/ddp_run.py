"""``python -m torch_ref.ddp_run CONFIG``: train a twin from a config, on one or many processes.

Usage::

    python -m torch_ref.ddp_run experiments/configs/shallow-planar.yaml \\
        --devices 2 --strategy ddp [--num-nodes K] [--accelerator auto|cpu|gpu] \\
        [--max-steps S] [--data-dir DIR] [--log-dir DIR] [--output run.npz] [--quiet]

CONFIG is a LightningCLI config (``model``: a ``torch_ref.CourseModule`` by
``class_path`` holding the twin, ``data``: a data module, ``trainer``: its
``max_steps``, ``precision`` and other ``Trainer`` arguments); the files in
``experiments/configs`` are such configs, and any other top-level key
(``experiment``) is ignored. The twin is trained with
:func:`torch_ref.make_trainer`: with ``--devices N --strategy ddp`` Lightning
runs this same command in N processes per node, each on its share of the
examples (:mod:`torch_ref.distributed`), and the costs are those of a
one-process run. Under ``torchrun`` or SLURM the processes are started
by them instead, and Lightning finds its rank in their environment.

Rank zero alone writes: TensorBoard events under ``--log-dir`` (``train/cost``
and ``train/accuracy`` over the whole training set, one curve), and with
``--output`` an ``.npz`` file holding ``costs`` (one per step, before its
update), the final parameters as ``param.W1``, ``param.b1``, ..., the metrics
of ``trainer.test`` after training as ``metric.test/cost``, ... (``train/``
for a data set without a test split, all over the whole set) and
``world_size``. Bad options (an unknown strategy, a GPU accelerator without
CUDA, more processes than examples) end the command with one line on
standard error and exit status 2, before any other process starts.
"""

import argparse
import importlib
import sys
import warnings
from pathlib import Path

EXIT_USAGE = 2

# Trainer settings this command decides; the config's other trainer keys pass through.
_COMMAND_TRAINER_KEYS = {
    "max_steps", "accelerator", "devices", "strategy", "num_nodes", "logger",
    "enable_progress_bar",
}


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser():
    parser = _OneLineParser(
        prog="python -m torch_ref.ddp_run",
        description="Train the Lightning twin a LightningCLI config describes, on one process "
                    "or data-parallel (--devices N --strategy ddp [--num-nodes K]).",
    )
    parser.add_argument("config", type=Path, help="LightningCLI YAML (experiments/configs/*.yaml)")
    parser.add_argument("--devices", type=int, default=1, help="processes (devices) per node")
    parser.add_argument("--strategy", default="auto", help="auto or ddp")
    parser.add_argument("--num-nodes", type=int, default=1, help="machines taking part")
    parser.add_argument("--accelerator", default="auto", help="auto, cpu or gpu")
    parser.add_argument("--max-steps", type=int, help="steps (default: the config's)")
    parser.add_argument("--data-dir", help="folder of the cat files, for data modules taking one")
    parser.add_argument("--log-dir", type=Path, help="write TensorBoard events here (rank zero)")
    parser.add_argument("--output", type=Path,
                        help=".npz for the costs and final parameters (rank zero)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    return parser


def load_config(path):
    """The config's ``model``, ``data`` and ``trainer`` sections, as dicts."""
    import yaml

    try:
        config = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ValueError(f"cannot read config {str(path)!r}: {exc.strerror}") from None
    missing = [key for key in ("model", "data") if key not in (config or {})]
    if missing:
        raise ValueError(f"config {str(path)!r} has no {' or '.join(missing)} section")
    return {"model": config["model"], "data": config["data"],
            "trainer": dict(config.get("trainer") or {})}


def instantiate(spec):
    """Build ``{"class_path": "pkg.Class", "init_args": {...}}``, nested ones first."""
    if isinstance(spec, list):
        return [instantiate(item) for item in spec]
    if not isinstance(spec, dict) or "class_path" not in spec:
        return spec
    module_name, _, name = spec["class_path"].rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise ValueError(f"cannot import {spec['class_path']!r}") from None
    args = {key: instantiate(value) for key, value in (spec.get("init_args") or {}).items()}
    return cls(**args)


def _data_spec(spec, batches, data_dir):
    """The data section with ``steps_per_epoch`` (all batches in one epoch) and ``data_dir``."""
    import inspect

    spec = {"class_path": spec["class_path"], "init_args": dict(spec.get("init_args") or {})}
    module_name, _, name = spec["class_path"].rpartition(".")
    try:
        parameters = inspect.signature(getattr(importlib.import_module(module_name), name)).parameters
    except (ImportError, AttributeError, ValueError):
        raise ValueError(f"cannot import {spec['class_path']!r}") from None
    if "steps_per_epoch" in parameters:
        spec["init_args"].setdefault("steps_per_epoch", batches)
    if data_dir is not None and "data_dir" in parameters:
        spec["init_args"]["data_dir"] = data_dir
    return spec


def run(config, *, devices=1, strategy="auto", num_nodes=1, accelerator="auto", max_steps=None,
        data_dir=None, log_dir=None, output=None, quiet=False):
    """Train the config's module; on rank zero write ``log_dir`` and ``output``.

    Parameters
    ----------
    config : dict
        As :func:`load_config` returns.
    Other parameters : as the command's options.

    Returns
    -------
    (trainer, module, metrics)
        The module's ``costs`` hold the global cost of every step, in every
        process; ``metrics`` are those of ``trainer.test`` after training.
    """
    import numpy as np
    from lightning.pytorch.loggers import TensorBoardLogger

    from torch_ref import distributed
    from torch_ref.adapter import to_numpy_params
    from torch_ref.lightning import make_trainer

    trainer_args = dict(config["trainer"])
    max_steps = max_steps if max_steps is not None else trainer_args.get("max_steps")
    if max_steps is None:
        raise ValueError("no max_steps: give --max-steps or trainer.max_steps in the config")
    # Checked first, so that a bad option costs no data loading.
    distributed.check_trainer_options(accelerator, devices, strategy, num_nodes)
    module = instantiate(config["model"])
    batches = -(-max_steps // module.iterations_per_batch)
    datamodule = instantiate(_data_spec(config["data"], batches, data_dir))
    logger = False
    if log_dir is not None:
        logger = TensorBoardLogger(str(log_dir), name="", version="", default_hp_metric=False)
    extra = {k: v for k, v in trainer_args.items() if k not in _COMMAND_TRAINER_KEYS}
    trainer = make_trainer(
        max_steps, accelerator=accelerator, devices=devices, strategy=strategy,
        num_nodes=num_nodes, logger=logger, enable_progress_bar=not quiet, **extra,
    )
    distributed.check_enough_examples(trainer, datamodule)
    with warnings.catch_warnings():
        # One full batch per step: Lightning's hints about workers and batches do not apply.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*number of training batches.*")
        warnings.filterwarnings("ignore", message=".*treespec, LeafSpec.*")
        trainer.fit(module, datamodule=datamodule)
        # Every process runs the test too: each evaluates its share of the test set.
        (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
    if trainer.is_global_zero:
        costs = np.asarray(module.costs, dtype=np.float64)
        if output is not None:
            params = to_numpy_params(module.model)
            Path(output).parent.mkdir(parents=True, exist_ok=True)
            np.savez(output, costs=costs, world_size=trainer.world_size,
                     **{f"param.{name}": value for name, value in params.items()},
                     **{f"metric.{name}": float(value) for name, value in metrics.items()})
        if not quiet:
            shown = ", ".join(f"{name} {float(value):.6f}" for name, value in metrics.items())
            print(f"{trainer.world_size} process(es), {len(costs)} steps: "
                  f"cost {costs[0]:.6f} -> {costs[-1]:.6f}; {shown}")
    return trainer, module, metrics


def main(argv=None):
    """Run the command on ``argv`` (``sys.argv[1:]`` by default); returns the exit status."""
    args = build_parser().parse_args(argv)
    from scratch.errors import DatasetNotFoundError

    try:
        run(load_config(args.config), devices=args.devices, strategy=args.strategy,
            num_nodes=args.num_nodes, accelerator=args.accelerator, max_steps=args.max_steps,
            data_dir=args.data_dir, log_dir=args.log_dir, output=args.output, quiet=args.quiet)
    except (ValueError, TypeError, DatasetNotFoundError) as exc:
        message = " ".join(line.strip() for line in str(exc).splitlines()) or type(exc).__name__
        print(f"python -m torch_ref.ddp_run: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    return 0


if __name__ == "__main__":
    sys.exit(main())
