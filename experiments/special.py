"""Experiments that add something to the common runner, or time instead of train.

* :class:`BaselineRunner` (logreg-planar): scikit-learn's ``LogisticRegressionCV``,
  the course's baseline, beside the two backends.
* :class:`SymmetryRunner` (zero-init-symmetry): whether the hidden units are
  still identical after training.
* :class:`DepthRunner` (xor-depth): parameter counts, and the smallest network
  of each family that learns n-bit parity, against the circuit argument.
* :class:`VectorizationRunner` (vectorization): week 2's loop vs vectorised timing.
"""

import math
import time
import warnings

import numpy as np

from experiments import backends
from experiments.runner import CourseRunner, format_table


class BaselineRunner(CourseRunner):
    """The common runner plus scikit-learn's ``LogisticRegressionCV`` on the same data."""

    def run_extra(self, spec, arrays, runs):
        from sklearn.linear_model import LogisticRegressionCV

        classifier = LogisticRegressionCV()  # the course's call, default arguments
        with warnings.catch_warnings():
            # scikit-learn announces changes of its defaults; the course's defaults are meant.
            warnings.simplefilter("ignore", FutureWarning)
            classifier.fit(arrays.X_train.T, arrays.Y_train.ravel())
        baseline = {
            "name": "scikit-learn LogisticRegressionCV",
            "train_accuracy": float(classifier.score(arrays.X_train.T, arrays.Y_train.ravel())),
            "test_accuracy": (
                float(classifier.score(arrays.X_test.T, arrays.Y_test.ravel()))
                if arrays.has_test else None
            ),
        }

        def predict(X):
            return classifier.predict_proba(X.T)[:, 1].reshape(1, -1)

        return {"baseline": baseline, "_predictors": {"sklearn": predict}}

    def extra_rows(self, entry):
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


class SymmetryRunner(CourseRunner):
    """The common runner plus, per backend, whether the hidden units stayed identical."""

    def backend_extra(self, spec, arrays, run):
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


class DepthRunner(CourseRunner):
    """n-bit parity by deep narrow and shallow wide networks: parameters needed by each.

    Each variant carries a ``family`` ("deep" or "shallow") in its config entry.
    A network *learns* parity when its training accuracy (all 2^n inputs) is 1.
    """

    def run_extra(self, spec, arrays, runs):
        model = backends.build_numpy_model(spec, self.options.dtype)
        return {"family": spec.meta.get("family", spec.label),
                "parameters": count_parameters(model.params)}

    def summary_extra(self, entries):
        needed = {}
        for entry in entries:
            learned = all(result.get("train_accuracy") == 1.0
                          for result in entry["backends"].values())
            best = needed.get(entry["family"])
            if learned and (best is None or entry["parameters"] < best["parameters"]):
                needed[entry["family"]] = {"label": entry["label"],
                                           "parameters": entry["parameters"]}
        n = int(self.specs[0].data_args.get("n_bits", 4))
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


# ---------------------------------------------------------------------------------------
# vectorization: nothing to train, two computations timed three ways
# ---------------------------------------------------------------------------------------


def dot_loop(a, b):
    """The course's explicit for loop over the elements: c += a[i] * b[i]."""
    c = 0.0
    for i in range(a.shape[0]):
        c += a[i] * b[i]
    return c


def logistic_gradient_loop(w, b, X, Y):
    """Week 2's logistic-regression gradient with two explicit for loops.

    Parameters
    ----------
    w : ndarray, shape (n_x, 1)
    b : float
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m)

    Returns
    -------
    dw : ndarray, shape (n_x, 1)
    db : float
    """
    n_x, m = X.shape
    dw = np.zeros((n_x, 1))
    db = 0.0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += w[j, 0] * X[j, i]
        a = 1.0 / (1.0 + math.exp(-z))
        dz = a - Y[0, i]
        for j in range(n_x):
            dw[j, 0] += X[j, i] * dz
        db += dz
    return dw / m, db / m


def _best_time(fn, repeats):
    """Shortest of ``repeats`` wall-clock times of ``fn()`` (the least disturbed one)."""
    best, value = math.inf, None
    for _ in range(repeats):
        began = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - began)
    return best, value


class VectorizationRunner(CourseRunner):
    """Week 2's lesson in numbers: the same computation as a Python loop and vectorised.

    Two runs: a dot product of two random vectors of ``experiment.dot_length``
    elements, and the logistic-regression gradient on the config's data set.
    Each is timed as a loop, with NumPy and with PyTorch on the chosen device;
    ``--iterations`` sets how many times each is repeated (the best time counts).
    """

    data_parallel = False

    def run(self):
        self.options.out.mkdir(parents=True, exist_ok=True)
        repeats = self.options.iterations or int(self.section.get("repeats", 3))
        spec = self.specs[0]
        self.summary["runs"] = [self._dot(repeats), self._gradient(spec, repeats)]
        self.summary["status"] = "complete"
        self.write_summary()
        return self.summary

    def _torch_time(self, fn, repeats):
        import torch

        def synchronised():
            value = fn()
            if self.options.device == "cuda":
                torch.cuda.synchronize()
            return value

        synchronised()  # warm-up: the first call pays for kernel loading
        return _best_time(synchronised, repeats)

    def _entry(self, label, params, loop, vectorised, torch_timing, diff):
        numpy_result = {
            "costs": [], "train_accuracy": None, "test_accuracy": None,
            "seconds": loop + vectorised,
            "loop_seconds": loop, "vectorized_seconds": vectorised, "speedup": loop / vectorised,
        }
        results = {"numpy": numpy_result}
        if torch_timing is not None:
            results["torch"] = {
                "costs": [], "train_accuracy": None, "test_accuracy": None,
                "seconds": torch_timing, "vectorized_seconds": torch_timing,
                "speedup": loop / torch_timing, "device": self.options.device,
            }
        return {"label": label, "params": params, "backends": results,
                "max_abs_cost_diff": None, "max_abs_result_diff": diff}

    def _dot(self, repeats):
        n = int(self.section.get("dot_length", 1_000_000))
        dtype = np.dtype(self.options.dtype)
        rng = np.random.default_rng(int(self.section.get("seed", 0)))
        a, b = rng.random(n).astype(dtype), rng.random(n).astype(dtype)
        loop, c_loop = _best_time(lambda: dot_loop(a, b), repeats)
        vectorised, c_vec = _best_time(lambda: np.dot(a, b), repeats)
        torch_timing, diff = None, abs(float(c_loop) - float(c_vec))
        if "torch" in self.options.backends:
            import torch

            ta = torch.as_tensor(a, device=self.options.device)
            tb = torch.as_tensor(b, device=self.options.device)
            torch_timing, c_torch = self._torch_time(lambda: torch.dot(ta, tb), repeats)
            diff = max(diff, abs(float(c_torch) - float(c_vec)))
        return self._entry("dot", {"n": n, "repeats": repeats, "dtype": self.options.dtype},
                           loop, vectorised, torch_timing, diff)

    def _gradient(self, spec, repeats):
        arrays = self.arrays(spec)
        X, Y = arrays.X_train, arrays.Y_train
        model = backends.build_numpy_model(spec, self.options.dtype)
        w, b = model.params["w"], float(model.params["b"][0, 0])
        loop, (dw_loop, db_loop) = _best_time(lambda: logistic_gradient_loop(w, b, X, Y), repeats)
        vectorised, (_, grads) = _best_time(lambda: model.cost_and_gradients(X, Y), repeats)
        diff = max(float(np.max(np.abs(dw_loop - grads["dw"]))),
                   abs(db_loop - float(grads["db"][0, 0])))
        torch_timing = None
        if "torch" in self.options.backends:
            import torch

            import torch_ref

            twin = torch_ref.from_scratch(model, device=self.options.device)
            tX = torch.as_tensor(X, device=self.options.device)
            tY = torch.as_tensor(Y, device=self.options.device)
            torch_timing, (_, tgrads) = self._torch_time(
                lambda: twin.cost_and_gradients(tX, tY), repeats)
            diff = max(diff, float(np.max(np.abs(tgrads["dw"].cpu().numpy() - grads["dw"]))))
        params = {"model": spec.model_name, "data": spec.data_name, "n_x": int(X.shape[0]),
                  "m": int(X.shape[1]), "repeats": repeats, "dtype": self.options.dtype}
        return self._entry("logistic-gradient", params, loop, vectorised, torch_timing, diff)

    def table(self, summary):
        header = ("computation", "backend", "loop s", "vectorised s", "speed-up",
                  "max |diff|")
        rows = []
        for entry in summary["runs"]:
            label, diff = entry["label"], f"{entry['max_abs_result_diff']:.1e}"
            for name, result in entry["backends"].items():
                loop = result.get("loop_seconds")
                rows.append((label, name, "-" if loop is None else f"{loop:.4f}",
                             f"{result['vectorized_seconds']:.6f}", f"{result['speedup']:.0f}x",
                             diff))
                label = diff = ""
        return "\n".join([format_table(header, rows), *self.notes(summary)])

    def notes(self, summary):
        lines = []
        for entry in summary["runs"]:
            parts = [f"{name} {result['speedup']:.0f}x"
                     for name, result in entry["backends"].items()]
            lines.append(f"{entry['label']}: vectorised is faster than the loop by "
                         f"{', '.join(parts)} (largest difference in the results "
                         f"{entry['max_abs_result_diff']:.1e})")
        return lines
