"""``python -m experiments fit --config experiments/configs/NAME.yaml``: LightningCLI as usual.

The experiments' YAML files are LightningCLI configs with one extra top-level
key, ``experiment`` (a sweep's variants and other settings ``run`` reads).
This subclass declares that key so LightningCLI accepts the files as they are
(``--print_config`` shows it) and otherwise ignores it: ``fit`` trains the
twin of the file's base configuration. Everything else is stock LightningCLI:
dotted overrides (``--trainer.max_steps=3``), ``--print_config``,
``validate``/``test``/``predict``.
"""

import warnings
from typing import Any, Optional

from lightning.pytorch.cli import LightningCLI


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


def main(argv=None):
    """Run LightningCLI on ``argv`` (e.g. ``["fit", "--config", "x.yaml"]``); returns 0.

    With ``argv`` None it reads ``sys.argv``. LightningCLI reports bad arguments
    itself (usage and exit status 2).
    """
    with warnings.catch_warnings():
        # Called in-process with argv (tests, scripts), LightningCLI warns that the
        # interpreter's own sys.argv differs; argv is the one meant.
        warnings.filterwarnings("ignore", message=".*args parameter is intended to run.*")
        ExperimentsCLI(
            model_class=None,  # any LightningModule by class_path: torch_ref.CourseModule
            datamodule_class=None,
            subclass_mode_model=True,
            subclass_mode_data=True,
            seed_everything_default=False,
            args=argv,
        )
    return 0
