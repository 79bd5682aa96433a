"""Week 2's lesson in numbers: the same computation as a Python loop and vectorised.

The ``vectorization`` experiment trains nothing. It times a dot product of two
random vectors of ``experiment.dot_length`` elements and the logistic-regression
gradient on the config's data set, each as a Python loop, with NumPy and with
PyTorch on the chosen device; ``--iterations`` sets how many times each is
repeated (the best time counts). Its ``summary.json``::

    {"experiment": "vectorization", "status": "complete",
     "runs": [{"label": "dot", "params": {...},
               "seconds": {"loop": 0.21, "numpy": 0.0004, "torch": 0.0003},
               "speedup": {"numpy": 525.0, "torch": 700.0},
               "max_abs_result_diff": 1e-10}, ...]}
"""

import math
import time

import numpy as np

from experiments.backends import build_numpy_model
from experiments.report import format_table


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


def best_time(fn, repeats):
    """Shortest of ``repeats`` wall-clock times of ``fn()`` (the least disturbed one), and its value."""
    best, value = math.inf, None
    for _ in range(repeats):
        began = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - began)
    return best, value


class VectorizationTiming:
    """Times the two computations; the runner of the ``vectorization`` experiment.

    Parameters are those of :class:`experiments.runner.Runner`.
    """

    is_sweep = False
    outcome = None  # how this session ended, recorded in run.json

    def __init__(self, experiment, specs, options, folder, section, repeats):
        self.experiment = experiment
        self.spec = specs[0]
        self.options = options
        self.folder = folder
        self.section = section
        self.repeats = repeats
        self.data = None

    def prepare(self):
        from experiments.data import load_data

        self.data = load_data(self.spec, self.options.dtype)

    def _torch_time(self, fn):
        import torch

        def synchronised():
            value = fn()
            if self.options.device == "cuda":
                torch.cuda.synchronize()
            return value

        synchronised()  # warm-up: the first call pays for kernel loading
        return best_time(synchronised, self.repeats)

    @staticmethod
    def _entry(label, params, seconds, diff):
        speedup = {name: seconds["loop"] / value for name, value in seconds.items()
                   if name != "loop"}
        return {"label": label, "params": params, "seconds": seconds, "speedup": speedup,
                "max_abs_result_diff": diff}

    def _dot(self):
        n = int(self.section.get("dot_length", 1_000_000))
        dtype = np.dtype(self.options.dtype)
        rng = np.random.default_rng(int(self.section.get("seed", 0)))
        a, b = rng.random(n).astype(dtype), rng.random(n).astype(dtype)
        seconds = {}
        seconds["loop"], c_loop = best_time(lambda: dot_loop(a, b), self.repeats)
        seconds["numpy"], c_vec = best_time(lambda: np.dot(a, b), self.repeats)
        diff = abs(float(c_loop) - float(c_vec))
        if "torch" in self.options.backends:
            import torch

            ta = torch.as_tensor(a, device=self.options.device)
            tb = torch.as_tensor(b, device=self.options.device)
            seconds["torch"], c_torch = self._torch_time(lambda: torch.dot(ta, tb))
            diff = max(diff, abs(float(c_torch) - float(c_vec)))
        params = {"n": n, "repeats": self.repeats, "dtype": self.options.dtype}
        return self._entry("dot", params, seconds, diff)

    def _gradient(self):
        X, Y = self.data.X_train, self.data.Y_train
        model = build_numpy_model(self.spec, self.options.dtype)
        w, b = model.params["w"], float(model.params["b"][0, 0])
        seconds = {}
        seconds["loop"], (dw_loop, db_loop) = best_time(
            lambda: logistic_gradient_loop(w, b, X, Y), self.repeats)
        seconds["numpy"], (_, grads) = best_time(
            lambda: model.cost_and_gradients(X, Y), self.repeats)
        diff = max(float(np.max(np.abs(dw_loop - grads["dw"]))),
                   abs(db_loop - float(grads["db"][0, 0])))
        if "torch" in self.options.backends:
            import torch

            import torch_ref

            twin = torch_ref.from_scratch(model, device=self.options.device)
            tX = torch.as_tensor(X, device=self.options.device)
            tY = torch.as_tensor(Y, device=self.options.device)
            seconds["torch"], (_, tgrads) = self._torch_time(
                lambda: twin.cost_and_gradients(tX, tY))
            diff = max(diff, float(np.max(np.abs(tgrads["dw"].cpu().numpy() - grads["dw"]))))
        params = {"model": self.spec.model_name, "data": self.spec.data_name,
                  "n_x": int(X.shape[0]), "m": int(X.shape[1]), "repeats": self.repeats,
                  "dtype": self.options.dtype}
        return self._entry("logistic-gradient", params, seconds, diff)

    def run(self, previous=None):
        summary = {"experiment": self.experiment.name, "status": "running", "runs": []}
        self.folder.write_summary(summary)
        summary["runs"] = [self._dot(), self._gradient()]
        summary["status"] = "complete"
        self.folder.write_summary(summary)
        self.outcome = {"status": "complete"}
        return summary

    def table(self, summary):
        header = ("computation", "engine", "seconds", "speed-up over the loop", "max |diff|")
        rows, notes = [], []
        for entry in summary["runs"]:
            label, diff = entry["label"], f"{entry['max_abs_result_diff']:.1e}"
            for name, seconds in entry["seconds"].items():
                speedup = entry["speedup"].get(name)
                rows.append((label, name, f"{seconds:.6f}",
                             "-" if speedup is None else f"{speedup:.0f}x", diff))
                label = diff = ""
            parts = [f"{name} {value:.0f}x" for name, value in entry["speedup"].items()]
            notes.append(f"{entry['label']}: vectorised is faster than the loop by "
                         f"{', '.join(parts)} (largest difference in the results "
                         f"{entry['max_abs_result_diff']:.1e})")
        return "\n".join([format_table(header, rows), *notes])
