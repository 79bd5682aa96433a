"""What some experiments add to the common run: a baseline, a symmetry check, depth counts.

An :class:`Extra` has hooks the runner calls at fixed points; each returns
plain data (JSON fields for ``summary.json``, rows and notes for the table)
and, through :class:`RunExtra`, predictors for the figures, kept apart from
the JSON.

* :class:`Baseline` (logreg-planar): scikit-learn's ``LogisticRegressionCV``,
  the course's baseline, beside the two backends.
* :class:`Symmetry` (zero-init-symmetry): whether the hidden units are still
  identical after training.
* :class:`Depth` (xor-depth): parameter counts, and the smallest network of
  each family that learns n-bit parity, against the circuit argument.
"""

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from experiments.backends import build_numpy_model


@dataclass
class RunExtra:
    """An extra's additions to one run.

    Attributes
    ----------
    fields : dict
        Added to the run's entry of ``summary.json``.
    predictors : dict
        ``{name: predict}`` drawn beside the backends in the run's figures.
    """

    fields: dict = field(default_factory=dict)
    predictors: dict = field(default_factory=dict)


class Extra:
    """No additions: the hooks every extra may override."""

    def backend_fields(self, spec, data, run):
        """Fields added to one backend's result (``run`` is a BackendRun)."""
        return {}

    def run_extra(self, runner, spec, data, runs):
        """Additions to one run, from its data and its backends' runs."""
        return RunExtra()

    def summary_fields(self, runner, entries):
        """Top-level fields of ``summary.json``, from all the runs' entries."""
        return {}

    def notes(self, summary):
        """Lines printed under the table."""
        return []

    def rows(self, entry):
        """Extra table rows for a run: (name, final cost, train acc, test acc, seconds)."""
        return []


class Baseline(Extra):
    """scikit-learn's ``LogisticRegressionCV`` on the same data, as the course runs it."""

    def run_extra(self, runner, spec, data, runs):
        from sklearn.linear_model import LogisticRegressionCV

        classifier = LogisticRegressionCV()  # the course's call, default arguments
        with warnings.catch_warnings():
            # scikit-learn announces changes of its defaults; the course's defaults are meant.
            warnings.simplefilter("ignore", FutureWarning)
            classifier.fit(data.X_train.T, data.Y_train.ravel())
        baseline = {
            "name": "scikit-learn LogisticRegressionCV",
            "train_accuracy": float(classifier.score(data.X_train.T, data.Y_train.ravel())),
            "test_accuracy": (float(classifier.score(data.X_test.T, data.Y_test.ravel()))
                              if data.has_test else None),
        }

        def predict(X):
            return classifier.predict_proba(X.T)[:, 1].reshape(1, -1)

        return RunExtra({"baseline": baseline}, {"sklearn": predict})

    def rows(self, entry):
        baseline = entry.get("baseline")
        if not baseline:
            return []
        return [("sklearn", None, baseline["train_accuracy"], baseline["test_accuracy"], None)]


def hidden_units_identical(params, tolerance=1e-12):
    """Whether every hidden layer's units have identical incoming weights and biases.

    Parameters
    ----------
    params : dict of ndarray
        W1, b1, ..., WL, bL (W[l] of shape (n_l, n_{l-1})).

    Returns
    -------
    identical : bool
    distinct : int
        Number of distinct units in the first hidden layer.
    """
    L = len(params) // 2
    identical = True
    distinct = 0
    for l in range(1, L):
        # One row per unit: its incoming weights and its bias.
        units = np.hstack([params[f"W{l}"], params[f"b{l}"]])
        identical = identical and bool(np.max(np.abs(units - units[0])) <= tolerance)
        if l == 1:
            distinct = len(np.unique(np.round(units, 10), axis=0))
    return identical, int(distinct)


class Symmetry(Extra):
    """Per backend, whether the hidden units stayed identical (zero initialisation)."""

    def backend_fields(self, spec, data, run):
        identical, distinct = hidden_units_identical(run.params)
        return {"hidden_units_identical": identical, "distinct_hidden_units": distinct}

    def notes(self, summary):
        lines = []
        for entry in summary["runs"]:
            verdicts = ", ".join(
                f"{name} {'yes' if result.get('hidden_units_identical') else 'no'} "
                f"({result.get('distinct_hidden_units')} distinct)"
                for name, result in entry["backends"].items()
            )
            lines.append(f"{entry['label']}: hidden units still identical after training: "
                         f"{verdicts}")
        return lines


def count_parameters(params):
    return int(sum(np.size(value) for value in params.values()))


class Depth(Extra):
    """n-bit parity by deep narrow and shallow wide networks: parameters needed by each.

    Each variant carries a ``family`` ("deep" or "shallow") in its config entry.
    A network *learns* parity when its training accuracy (all 2^n inputs) is 1.
    """

    def run_extra(self, runner, spec, data, runs):
        model = build_numpy_model(spec, runner.options.dtype)
        return RunExtra({"family": spec.meta.get("family", spec.label),
                         "parameters": count_parameters(model.params)})

    def summary_fields(self, runner, entries):
        needed = {}
        for entry in entries:
            learned = all(result.get("train_accuracy") == 1.0
                          for result in entry["backends"].values())
            best = needed.get(entry["family"])
            if learned and (best is None or entry["parameters"] < best["parameters"]):
                needed[entry["family"]] = {"label": entry["label"],
                                           "parameters": entry["parameters"]}
        n = int(runner.specs[0].data_args.get("n_bits", 4))
        theory = {
            "n_bits": n,
            "deep_xor_gates": n - 1,
            "deep_depth": math.ceil(math.log2(n)) if n > 1 else 1,
            "shallow_hidden_units": 2 ** (n - 1),
        }
        families = sorted({entry["family"] for entry in entries})
        return {"parameters_needed": {family: needed.get(family) for family in families},
                "circuit_theory": theory}

    def notes(self, summary):
        lines = []
        for family, best in (summary.get("parameters_needed") or {}).items():
            if best is None:
                lines.append(f"{family}: no network of this family learned parity "
                             "in the iterations given")
            else:
                lines.append(f"{family}: smallest network that learned parity: {best['label']} "
                             f"({best['parameters']} parameters)")
        theory = summary.get("circuit_theory")
        if theory:
            lines.append(
                f"circuit argument for {theory['n_bits']} bits: a tree of "
                f"{theory['deep_xor_gates']} XOR gates, depth {theory['deep_depth']}, "
                f"vs {theory['shallow_hidden_units']} hidden units in one layer"
            )
        return lines
