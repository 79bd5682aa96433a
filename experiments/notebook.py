"""The week notebooks' helpers, written once and imported by every notebook (d2l's pattern).

A notebook's first cells read its parameters and make one :class:`Week`::

    from experiments.notebook import NO_CATS, Week, accuracies, parity, predictors

    week = Week(3, quick=QUICK, quick_iterations=QUICK_ITERATIONS, log_root=LOG_ROOT)
    twin, costs, costs_torch = week.train_both(model, X, Y, 1.2, week.iterations(10_000), "run")
    week.show_costs("run", costs, costs_torch)

Each helper is a few calls of the public API: ``scratch.train`` and
``torch_ref.fit_arrays`` for the two engines, :mod:`experiments.plots` for the
figures, :mod:`experiments.logs` for TensorBoard (in the layout of ``run``'s
folders: ``numpy/``, ``torch/`` and ``numpy-vs-torch/`` per run).
"""

import logging
import time
import warnings
from pathlib import Path

import numpy as np

NO_CATS = "Skipped: the cat vs non-cat files are not available (see the message near the top)."
COMPARISON = "numpy-vs-torch"  # as in run folders: what compares the engines, logged once

# Lightning's start-up lines (GPU available, ...) and warnings that say nothing about
# full-batch runs; tqdm's note that its notebook widget is not installed (bars are off).
IGNORED_WARNINGS = (
    ".*does not have many workers.*",
    ".*number of training batches.*",
    ".*treespec, LeafSpec.*",
    "IProgress not found.*",
)


def quiet():
    """Hide Lightning's information lines and the warnings above, for the whole kernel."""
    import lightning.pytorch  # noqa: F401  (it sets its loggers' levels when imported)

    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message)


class Week:
    """One notebook's run: its quick or full form and the folder of its TensorBoard logs.

    Parameters
    ----------
    number : int
        The week, which names the log folder ``log_root/weekN/<date-time>``.
    quick : bool
        The quick form: every training at most ``quick_iterations`` iterations.
    quick_iterations : int
    log_root : str or Path
    """

    def __init__(self, number, quick=False, quick_iterations=5, log_root="runs"):
        quiet()
        self.quick = quick
        self.quick_iterations = quick_iterations
        self.log_dir = Path(log_root) / f"week{number}" / time.strftime("%Y%m%d-%H%M%S")
        print(f"quick form: {quick}; TensorBoard logs: {self.log_dir}")

    def iterations(self, course_value):
        """The course's number of iterations, or ``quick_iterations`` in the quick form."""
        return min(course_value, self.quick_iterations) if self.quick else course_value

    @staticmethod
    def course_runs(experiment):
        """(label, model, learning_rate, num_iterations) of every run of ``experiment``'s config.

        The course's numbers live in ``experiments/configs/EXPERIMENT.yaml`` alone; a notebook
        reads them there, as ``run`` and ``bench`` do. ``model`` is the run's NumPy model
        (float64); ``num_iterations`` is the course's (pass it through :meth:`iterations`).
        """
        from experiments import config
        from experiments.backends import build_numpy_model

        return [(spec.label, build_numpy_model(spec, "float64"), spec.learning_rate,
                 spec.iterations) for spec in config.read_run_specs(experiment)]

    @staticmethod
    def course_run(experiment):
        """The model, learning rate and iterations of ``experiment``'s (first) run."""
        return Week.course_runs(experiment)[0][1:]

    def load_cats(self, data_dir):
        """The cat vs non-cat data set, or None (with a message) when its files are absent."""
        from scratch.data import load_cat_dataset
        from scratch.errors import DatasetNotFoundError

        try:
            cats = load_cat_dataset(data_dir)
        except DatasetNotFoundError as error:
            print("The cat vs non-cat files were not found, so the cat sections below are "
                  "skipped (each says so); everything else runs.\n" + str(error))
            return None
        print(f"cats: X_train {cats.X_train.shape}, Y_train {cats.Y_train.shape}, "
              f"X_test {cats.X_test.shape}, Y_test {cats.Y_test.shape}, classes {cats.classes}")
        return cats

    def train_both(self, np_model, X, Y, learning_rate, num_iterations, run):
        """Train the NumPy model and its PyTorch twin from the same parameters.

        ``scratch.train`` for the NumPy model, ``torch_ref.fit_arrays`` (Lightning, 100
        iterations per ``training_step``) for its twin; both log their cost (and accuracy)
        at every iteration under ``log_dir/run/numpy`` and ``.../torch``.

        Returns
        -------
        twin, costs_numpy, costs_torch
        """
        import scratch
        import torch_ref
        from experiments import logs
        from experiments.backends.lightning_backend import BufferedTensorBoardLogger

        twin = torch_ref.from_scratch(np_model)  # same class, a copy of the same parameters
        points = logs.ScalarPoints(np_model.task == "classification")
        costs_numpy = scratch.train(
            np_model, X, Y, learning_rate, num_iterations,
            callback=lambda iteration, cost, model, AL: points.add(iteration, cost, AL, Y))
        events = logs.EventFile(self.log_dir / run / "numpy")
        try:
            points.write(events)
        finally:
            events.close()
        logger = BufferedTensorBoardLogger(str(self.log_dir), name=run, version="torch")
        module = torch_ref.fit_arrays(twin, X, Y, learning_rate, num_iterations,
                                      iterations_per_batch=100, logger=logger,
                                      enable_progress_bar=False)
        logger.close_scalars()
        return twin, costs_numpy, module.costs

    def _log_figures(self, folder, figures):
        from experiments import logs, plots

        logs.write_images(folder, [(tag, plots.render(figure)) for tag, figure in figures.items()],
                          0)

    def show_costs(self, run, costs_numpy, costs_torch):
        """Both cost curves and |J_numpy - J_torch| per iteration: inline and in TensorBoard
        (the figures once, with the difference as ``train/cost_difference``)."""
        from IPython.display import display

        from experiments import logs, plots

        curves = plots.cost_curves({run: {"numpy": costs_numpy, "torch": costs_torch}},
                                   f"{run}: cost per iteration")
        difference = plots.cost_difference(costs_numpy, costs_torch,
                                           f"{run}: |J_numpy - J_torch| per iteration")
        folder = self.log_dir / run / COMPARISON
        logs.log_cost_difference(folder, costs_numpy, costs_torch)
        self._log_figures(folder, {"figures/cost_curves": curves,
                                   "figures/cost_difference": difference})
        display(curves, difference)
        largest = max(abs(a - b) for a, b in zip(costs_numpy, costs_torch))
        print(f"{run}: {len(costs_numpy)} iterations, final J numpy {costs_numpy[-1]:.6f}, "
              f"torch {costs_torch[-1]:.6f}, largest |J_numpy - J_torch| {largest:.1e}")

    def show_sweep(self, title, runs):
        """Several runs at once: every cost curve, then every |J_numpy - J_torch| on one axis.

        Parameters
        ----------
        runs : dict
            ``{label: (costs_numpy, costs_torch)}``.
        """
        from IPython.display import display

        from experiments import plots

        curves = plots.cost_curves({label: {"numpy": numpy_costs, "torch": torch_costs}
                                    for label, (numpy_costs, torch_costs) in runs.items()},
                                   f"{title}: cost per iteration")
        difference = plots.cost_differences(runs, f"{title}: |J_numpy - J_torch| per iteration")
        self._log_figures(self.log_dir / "figures", {f"{title}/cost_curves": curves,
                                                     f"{title}/cost_difference": difference})
        display(curves, difference)


def parity(np_model, twin, X, Y):
    """Largest |NumPy - PyTorch| in the output A[L], the cost J and every gradient, printed.

    ``twin.cost_and_gradients`` takes its gradients from autograd, so the twin is an
    independent check of the NumPy model's backward pass.
    """
    AL, _ = np_model.forward(X)
    cost, grads = np_model.cost_and_gradients(X, Y)
    cost_torch, grads_torch = twin.cost_and_gradients(X, Y)
    diffs = {"A[L]": np.max(np.abs(AL - twin(X).detach().cpu().numpy())),
             "J": abs(cost - cost_torch.item())}
    for name, grad in grads.items():
        diffs[name] = np.max(np.abs(grad - grads_torch[name].cpu().numpy()))
    print("largest |numpy - torch|:  " + "  ".join(f"{k} {v:.1e}" for k, v in diffs.items()))
    return diffs


def predictors(np_model, twin):
    """``{engine: X -> A[L]}`` for :func:`experiments.plots.decision_boundaries`."""
    return {"numpy": lambda X: np_model.forward(X)[0],
            "torch": lambda X: twin(X).detach().cpu().numpy()}


def accuracies(np_model, twin, X, Y, split="train"):
    """Accuracy of both engines on (X, Y), printed."""
    print(f"{split} accuracy: numpy {np_model.accuracy(X, Y):.2%}, "
          f"torch {twin.accuracy(X, Y):.2%}")
