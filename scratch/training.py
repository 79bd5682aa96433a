"""The basic flow: initialise -> forward -> cost -> backward -> update, repeated.

Full-batch gradient descent, as in every programming assignment of the course.
"""

import math
import sys

from tqdm.auto import tqdm

from scratch.errors import TrainingDivergedError
from scratch.models import Network
from scratch.validation import check_positive

# A run has diverged once its cost stays above DIVERGENCE_FACTOR times its first cost
# for DIVERGENCE_PATIENCE iterations in a row (see DivergenceCheck).
DIVERGENCE_FACTOR = 10.0
DIVERGENCE_PATIENCE = 10


class DivergenceCheck:
    """The rule that says when gradient descent has diverged, fed one cost at a time.

    Training has diverged at the first iteration whose cost is NaN or inf, or
    which ends a stretch of ``patience`` consecutive iterations whose costs are
    all above ``factor`` times the run's first cost. Gradient descent with a
    suitable learning rate brings the cost down, with at most brief spikes; a
    learning rate too large for the problem drives it up and keeps it there
    (a classifier starting at 0.69 climbing to thousands) long before it
    overflows. ``scratch.train`` and ``torch_ref.CourseModule`` both judge by
    this one rule, so they stop at the same iteration.

    A run resumed from a checkpoint measures from its first cost after the
    resume.

    Parameters
    ----------
    factor : float
        How far above the first cost counts as climbing.
    patience : int
        How many consecutive climbing iterations make a divergence.
    """

    def __init__(self, factor=DIVERGENCE_FACTOR, patience=DIVERGENCE_PATIENCE):
        self.factor = factor
        self.patience = patience
        self.first_cost = None
        self.stretch = 0  # consecutive iterations above factor * first_cost so far

    def diverged(self, cost):
        """Record the next iteration's ``cost``; True when training has now diverged."""
        if not math.isfinite(cost):
            return True
        if self.first_cost is None:
            self.first_cost = cost
        self.stretch = self.stretch + 1 if cost > self.factor * self.first_cost else 0
        return self.stretch >= self.patience

    def error(self, iteration, cost, costs, learning_rate):
        """The :class:`~scratch.errors.TrainingDivergedError` to raise at ``iteration``.

        Parameters
        ----------
        iteration : int
            Where :meth:`diverged` said so, numbered as the caller counts.
        cost : float
            The cost at that iteration.
        costs : list of float
            The costs before it.
        learning_rate : float
        """
        if math.isfinite(cost):
            what = (f"the cost climbed to {cost:.6g} at iteration {iteration} with "
                    f"learning_rate={learning_rate}, after {self.patience} iterations above "
                    f"{self.factor:g} times its first value {self.first_cost:.6g}")
        else:
            what = (f"the cost became {cost} at iteration {iteration} with "
                    f"learning_rate={learning_rate}")
        return TrainingDivergedError(
            f"training diverged: {what}; try a smaller learning rate", iteration, costs, cost
        )


def update_parameters(params, grads, learning_rate):
    """theta := theta - learning_rate * d theta, in place, for every parameter.

    Parameters
    ----------
    params : dict of ndarray
        W1, b1, ... (or w, b).
    grads : dict of ndarray
        dW1, db1, ... with the same shapes.
    learning_rate : float
    """
    for name, value in params.items():
        value -= learning_rate * grads["d" + name]
    return params


def train(
    model,
    X,
    Y,
    learning_rate,
    num_iterations,
    *,
    progress=None,
    callback=None,
    start_iteration=0,
):
    """Train ``model`` in place by full-batch gradient descent.

    Parameters
    ----------
    model : scratch.models.Network
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)
    learning_rate : float
        alpha, a positive number.
    num_iterations : int
        Iterations to run (each one step over all m examples).
    progress : bool, optional
        Show a progress bar. By default only when standard error is a terminal.
    callback : callable, optional
        ``callback(iteration, cost, model, AL)`` after every iteration, with the
        cost and the output A[L] (n_y, m) of that iteration's forward pass, both
        from before its update (the course's convention). Use it to log (AL gives
        the accuracy without a second forward pass) or to checkpoint.
    start_iteration : int
        Number of the first iteration, for a run resumed from a checkpoint.

    Returns
    -------
    costs : list of float
        The cost of every iteration, in order.

    Raises
    ------
    TypeError
        When ``model`` is not a NumPy model from :mod:`scratch.models`.
    TrainingDivergedError
        When the cost becomes NaN or inf, or climbs and stays high
        (:class:`DivergenceCheck`), before that iteration's update; its
        ``iteration`` says where and its ``costs`` holds the history so far.
    """
    if not isinstance(model, Network):
        kind = type(model).__name__
        if type(model).__module__.startswith("torch_ref"):
            kind += " (a PyTorch twin: train it with torch_ref.fit or torch_ref.fit_arrays)"
        raise TypeError(
            "model must be a NumPy model from scratch.models (LogisticRegression, "
            f"ShallowNetwork, DeepNetwork, RegressionNetwork), got {kind}"
        )
    check_positive("learning_rate", learning_rate)
    check_positive("num_iterations", num_iterations, integer=True)
    X, Y = model.check_inputs(X, Y)
    if progress is None:
        progress = sys.stderr.isatty()

    costs = []
    bar = tqdm(
        range(start_iteration, start_iteration + num_iterations),
        desc=type(model).__name__,
        disable=not progress,
        leave=False,
        mininterval=0.5,
    )
    refresh_every = max(1, num_iterations // 100)
    divergence = DivergenceCheck()
    for iteration in bar:
        AL, cost, grads = model.forward_backward(X, Y)
        if divergence.diverged(cost):
            bar.close()
            raise divergence.error(iteration, cost, costs, learning_rate)
        update_parameters(model.params, grads, learning_rate)
        costs.append(cost)
        if callback is not None:
            callback(iteration, cost, model, AL)
        if progress and iteration % refresh_every == 0:
            bar.set_postfix(cost=f"{cost:.6f}", refresh=False)
    bar.close()
    return costs
