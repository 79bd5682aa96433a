"""The one list of experiments: name, description, what they add, the course's figures.

The names are part of the command-line interface (``python -m experiments run
NAME``). Each experiment's hyperparameters live in ``configs/NAME.yaml``; which
data it reads is said there and nowhere else. A description names them through
fields such as ``{learning_rate}``, filled from the config when it is shown.
"""

from dataclasses import dataclass
from typing import Optional

from experiments.extras import Baseline, Depth, Symmetry


@dataclass(frozen=True)
class Experiment:
    """One experiment of the course.

    Attributes
    ----------
    name : str
        Also the name of its config, ``configs/NAME.yaml``.
    summary : str
        One line, shown by ``python -m experiments list`` as :attr:`description`; the
        course's numbers in it are fields read from the config (see :attr:`description`).
    extra : type, optional
        An :class:`~experiments.extras.Extra` adding fields, rows and figures.
    timing : bool
        Times computations instead of training (:mod:`experiments.vectorization`).
    course : str, optional
        The figures the course reports, printed under the table.
    """

    name: str
    summary: str
    extra: Optional[type] = None
    timing: bool = False
    course: Optional[str] = None

    @property
    def config(self):
        return f"{self.name}.yaml"

    @property
    def description(self):
        """The summary with its fields filled from the config's runs.

        ``{learning_rate}`` and ``{iterations}``, and any argument of the model
        (``{layer_dims}``, ``{n_h}``, ``{hidden_activation}``, ...), become the
        values of the config's runs, distinct values joined by ", " in run order.
        """
        if "{" not in self.summary:
            return self.summary
        from experiments import config

        values = {}
        for spec in config.read_run_specs(self.config):
            fields = {"learning_rate": spec.learning_rate, "iterations": spec.iterations,
                      **spec.model_args}
            for key, value in fields.items():
                text = f"{value:g}" if isinstance(value, float) else str(value)
                if text not in values.setdefault(key, []):
                    values[key].append(text)
        return self.summary.format(**{key: ", ".join(texts) for key, texts in values.items()})

    @property
    def needs_cat_data(self):
        """Whether its config reads the cat vs non-cat files."""
        from experiments import config

        return config.needs_cat_data(config.load_config(config.config_path(self.config)))


EXPERIMENTS = {
    experiment.name: experiment
    for experiment in [
        Experiment(
            "logreg-cats",
            "week 2: logistic regression on the cat images, zero init, lr {learning_rate}, "
            "{iterations} iterations",
            course="train accuracy 99.04 %, test accuracy 70 %",
        ),
        Experiment(
            "logreg-cats-lr-sweep",
            "week 2: logistic regression on the cats with learning rates {learning_rate}",
            course="lr 0.01: train 99.52 %, test 68 %; lr 0.001: train 88.99 %, test 64 %; "
                   "lr 0.0001: train 68.42 %, test 36 %",
        ),
        Experiment(
            "logreg-planar",
            "week 3: logistic regression on the flower, a linear boundary failing "
            "(with scikit-learn's LogisticRegressionCV)", extra=Baseline,
            course="LogisticRegressionCV accuracy 47 %",
        ),
        Experiment(
            "shallow-planar",
            "week 3: {n_h} {hidden_activation} hidden units on the flower, lr {learning_rate}, "
            "{iterations} iterations", course="accuracy 90 %",
        ),
        Experiment(
            "shallow-planar-hidden-sweep",
            "week 3: hidden layer sizes {n_h} on the flower, {iterations} iterations",
            course="1 and 2 hidden units: 67.5 % and 67.25 %; about 90 % from 3 units on",
        ),
        Experiment(
            "shallow-extra-datasets",
            "week 3: the shallow net on noisy circles, noisy moons, blobs, Gaussian quantiles",
        ),
        Experiment(
            "activations-planar",
            "week 3: the shallow net with sigmoid, tanh, ReLU and leaky-ReLU hidden units",
        ),
        Experiment(
            "zero-init-symmetry",
            "week 3: zero vs random initialisation; do the hidden units stay identical?", extra=Symmetry,
        ),
        Experiment(
            "deep2-cats",
            "week 4: two-layer net {layer_dims} on the cats, lr {learning_rate}, "
            "{iterations} iterations",
            course="train accuracy 100 %, test accuracy 72 %",
        ),
        Experiment(
            "deepL-cats",
            "week 4: L-layer net {layer_dims} on the cats, lr {learning_rate}, "
            "{iterations} iterations",
            course="train accuracy 98.56 %, test accuracy 80 %, final cost about 0.088",
        ),
        Experiment(
            "deep-digits",
            "week 4: the L-layer net on scikit-learn's 8x8 digits (0 vs the rest), "
            "no download needed",
        ),
        Experiment(
            "house-price",
            "week 1: one ReLU neuron fitting house prices, and a wider net beside it",
        ),
        Experiment(
            "xor-depth",
            "week 4: n-bit parity by deep narrow vs shallow wide nets, parameters needed", extra=Depth,
        ),
        Experiment(
            "vectorization",
            "week 2: loop vs vectorised dot product and logistic-regression gradient, "
            "as speed-ups", timing=True,
        ),
    ]
}
