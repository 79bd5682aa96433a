"""``python -m experiments fit --config experiments/configs/NAME.yaml``: LightningCLI as usual.

(``--config NAME`` names a shipped config from any folder.)

The experiments' YAML files are LightningCLI configs with one extra top-level
key, ``experiment`` (a sweep's variants and other settings ``run`` reads).
This subclass declares that key so LightningCLI accepts the files as they are
(``--print_config`` shows it) and otherwise ignores it: ``fit`` trains the
twin of the file's base configuration. Everything else is stock LightningCLI:
dotted overrides (``--trainer.max_steps=3``), ``--print_config``,
``validate``/``test``/``predict``.

The values are checked by the rules ``run`` applies (:func:`experiments.config.run_spec`),
before anything is built, so a bad learning rate or activation is one line,
not a traceback. It is also the command for several processes or machines::

    python -m experiments fit --config C --trainer.devices 4 --trainer.strategy ddp
    torchrun --nnodes 2 --nproc-per-node 4 ... -m experiments fit --config C \\
        --trainer.devices 4 --trainer.num_nodes 2 --trainer.strategy ddp
    srun python -m experiments fit --config C --trainer.devices 4 --trainer.num_nodes 2 ...

Lightning finds each process's rank in the environment of its own launcher,
torchrun's or SLURM's. ``--output run.npz`` makes rank zero write, after
training, the cost of every step (``costs``), the final parameters
(``param.W1``, ...), the metrics of ``trainer.test`` (``metric.test/cost``, ...;
``train/`` for a data set without a test split) and ``world_size``.
"""

import warnings
from pathlib import Path
from typing import Any, Optional

import numpy as np
from lightning.pytorch.cli import LightningCLI

from experiments import config as experiment_config
from experiments.errors import ConfigError
from experiments.run_folder import save_npz


def _plain(value):
    """jsonargparse's Namespace (nested) as plain dicts and lists."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return value


class ExperimentsCLI(LightningCLI):
    """LightningCLI for ``torch_ref.CourseModule`` and the data modules, by class path."""

    def add_arguments_to_parser(self, parser):
        parser.add_argument(
            "--experiment",
            type=Optional[dict[str, Any]],
            default=None,
            help="Settings read by 'python -m experiments run' (sweep variants, ...); "
                 "ignored by fit.",
        )
        parser.add_argument("--output", type=Optional[str], default=None,
                            help="after training, rank zero writes the costs, parameters and "
                                 "test metrics to this .npz file")

    def _settings(self):
        return self.config[self.subcommand] if self.subcommand else self.config

    def before_instantiate_classes(self):
        """The run's rules on the parsed config, before anything is built."""
        from torch_ref import distributed

        cfg = _plain(self._settings())
        cfg = {key: _plain(cfg.get(key)) for key in ("model", "data", "trainer")}
        trainer = dict(cfg.get("trainer") or {})
        # devices, strategy and num_nodes are Lightning's to read here ("auto", lists, ...);
        # check_trainer_options below checks what it can of them.
        checked = {key: trainer[key] for key in ("max_steps", "log_every_n_steps")
                   if trainer.get(key) is not None}
        if checked.get("max_steps", -1) == -1:
            checked["max_steps"] = 1  # LightningCLI's "no limit": not ours to check
        experiment_config.run_spec("main", {**cfg, "trainer": checked})
        try:
            distributed.check_trainer_options(trainer.get("accelerator", "auto"),
                                              trainer.get("devices", "auto"),
                                              trainer.get("strategy", "auto"),
                                              trainer.get("num_nodes", 1))
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def before_fit(self):
        from torch_ref import distributed

        datamodule = self.datamodule
        datamodule.setup("fit")
        model = self.model.model
        X, Y = datamodule.X_train, datamodule.Y_train
        if (model.n_x, model.n_y) != (X.shape[0], Y.shape[0]):
            raise ConfigError(
                f"{type(model).__name__} takes n_x = {model.n_x} features and n_y = {model.n_y} "
                f"outputs, but {type(datamodule).__name__} holds X of shape {tuple(X.shape)} and "
                f"Y of shape {tuple(Y.shape)}")
        try:
            distributed.check_enough_examples(self.trainer, datamodule)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    def after_fit(self):
        # Trainer.log_dir broadcasts rank zero's folder: every rank must ask, or the others
        # wait for a collective that rank zero alone entered.
        log_dir = self.trainer.log_dir
        if self.trainer.is_global_zero and log_dir:
            print(f"fit: TensorBoard logs and checkpoints in {Path(log_dir).resolve()}"
                  f"  (tensorboard --logdir {log_dir})", flush=True)
        output = self._settings().get("output")
        if not output:
            return
        from torch_ref.adapter import to_numpy_params

        # Every process runs the test too: each evaluates its share of the test set.
        (metrics,) = self.trainer.test(self.model, datamodule=self.datamodule, verbose=False)
        if not self.trainer.is_global_zero:
            return
        arrays = {"costs": np.asarray(self.model.costs, dtype=np.float64),
                  "world_size": np.asarray(self.trainer.world_size)}
        arrays.update({f"param.{name}": value
                       for name, value in to_numpy_params(self.model.model).items()})
        arrays.update({f"metric.{name}": np.asarray(float(value))
                       for name, value in metrics.items()})
        save_npz(output, arrays)


def main(argv=None):
    """Run LightningCLI on ``argv`` (e.g. ``["fit", "--config", "x.yaml"]``); returns 0.

    With ``argv`` None it reads ``sys.argv``. LightningCLI reports bad arguments
    itself (usage and exit status 2); the project's checks raise ConfigError.
    """
    with warnings.catch_warnings():
        # Called in-process with argv (tests, scripts), LightningCLI warns that the
        # interpreter's own sys.argv differs; argv is the one meant.
        warnings.filterwarnings("ignore", message=".*args parameter is intended to run.*")
        # One full batch per step: Lightning's hints about workers and batches do not apply.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*number of training batches.*")
        ExperimentsCLI(
            model_class=None,  # any LightningModule by class_path: torch_ref.CourseModule
            datamodule_class=None,
            subclass_mode_model=True,
            subclass_mode_data=True,
            seed_everything_default=False,
            args=argv,
        )
    return 0
