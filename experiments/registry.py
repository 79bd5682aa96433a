"""The one list of experiments: name, description, config file, data needs, runner.

The names are part of the command-line interface (``python -m experiments run
NAME``). Each experiment's hyperparameters live in ``configs/<config>``; the
runner is :class:`~experiments.runner.CourseRunner` unless the experiment adds
something of its own (:mod:`experiments.special`).
"""

from dataclasses import dataclass
from typing import Optional

from experiments.runner import CourseRunner
from experiments.special import BaselineRunner, DepthRunner, SymmetryRunner, VectorizationRunner


@dataclass(frozen=True)
class Experiment:
    """One experiment of the course.

    Attributes
    ----------
    name : str
    description : str
        One line, shown by ``python -m experiments list``.
    config : str
        File name in ``experiments/configs/``.
    needs_cat_data : bool
        Whether it reads the cat vs non-cat files (checked before anything runs).
    runner : type
        A :class:`~experiments.runner.CourseRunner` (sub)class.
    course : str, optional
        The figures the course reports, printed under the table.
    """

    name: str
    description: str
    config: str
    needs_cat_data: bool = False
    runner: type = CourseRunner
    course: Optional[str] = None


EXPERIMENTS = {
    experiment.name: experiment
    for experiment in [
        Experiment(
            "logreg-cats",
            "week 2: logistic regression on the cat images, zero init, lr 0.005, 2000 iterations",
            "logreg-cats.yaml", needs_cat_data=True,
            course="train accuracy 99.04 %, test accuracy 70 %",
        ),
        Experiment(
            "logreg-cats-lr-sweep",
            "week 2: logistic regression on the cats with learning rates 0.01, 0.001, 0.0001",
            "logreg-cats-lr-sweep.yaml", needs_cat_data=True,
            course="lr 0.01: train 99.52 %, test 68 %; lr 0.001: train 88.99 %, test 64 %; "
                   "lr 0.0001: train 68.42 %, test 36 %",
        ),
        Experiment(
            "logreg-planar",
            "week 3: logistic regression on the flower, a linear boundary failing "
            "(with scikit-learn's LogisticRegressionCV)",
            "logreg-planar.yaml", runner=BaselineRunner,
            course="LogisticRegressionCV accuracy 47 %",
        ),
        Experiment(
            "shallow-planar",
            "week 3: 4 tanh hidden units on the flower, lr 1.2, 10000 iterations",
            "shallow-planar.yaml", course="accuracy 90 %",
        ),
        Experiment(
            "shallow-planar-hidden-sweep",
            "week 3: hidden layer sizes 1, 2, 3, 4, 5, 20, 50 on the flower, 5000 iterations",
            "shallow-planar-hidden-sweep.yaml",
            course="1 and 2 hidden units: 67.5 % and 67.25 %; about 90 % from 3 units on",
        ),
        Experiment(
            "shallow-extra-datasets",
            "week 3: the shallow net on noisy circles, noisy moons, blobs, Gaussian quantiles",
            "shallow-extra-datasets.yaml",
        ),
        Experiment(
            "activations-planar",
            "week 3: the shallow net with sigmoid, tanh, ReLU and leaky-ReLU hidden units",
            "activations-planar.yaml",
        ),
        Experiment(
            "zero-init-symmetry",
            "week 3: zero vs random initialisation; do the hidden units stay identical?",
            "zero-init-symmetry.yaml", runner=SymmetryRunner,
        ),
        Experiment(
            "deep2-cats",
            "week 4: two-layer net [12288, 7, 1] on the cats, lr 0.0075, 2500 iterations",
            "deep2-cats.yaml", needs_cat_data=True,
            course="train accuracy 100 %, test accuracy 72 %",
        ),
        Experiment(
            "deepL-cats",
            "week 4: L-layer net [12288, 20, 7, 5, 1] on the cats, lr 0.0075, 2500 iterations",
            "deepL-cats.yaml", needs_cat_data=True,
            course="train accuracy 98.56 %, test accuracy 80 %, final cost about 0.088",
        ),
        Experiment(
            "deep-digits",
            "week 4: the L-layer net on scikit-learn's 8x8 digits (0 vs the rest), "
            "no download needed",
            "deep-digits.yaml",
        ),
        Experiment(
            "house-price",
            "week 1: one ReLU neuron fitting house prices, and a wider net beside it",
            "house-price.yaml",
        ),
        Experiment(
            "xor-depth",
            "week 4: n-bit parity by deep narrow vs shallow wide nets, parameters needed",
            "xor-depth.yaml", runner=DepthRunner,
        ),
        Experiment(
            "vectorization",
            "week 2: loop vs vectorised dot product and logistic-regression gradient, "
            "as speed-ups",
            "vectorization.yaml", runner=VectorizationRunner,
        ),
    ]
}
