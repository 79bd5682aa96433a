"""The basic flow: initialise -> forward -> cost -> backward -> update, repeated.

Full-batch gradient descent, as in every programming assignment of the course.
"""

import sys

import numpy as np
from tqdm.auto import tqdm

from scratch.errors import TrainingDivergedError
from scratch.validation import check_positive


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
    TrainingDivergedError
        When the cost becomes NaN or inf; its ``costs`` holds the history so far.
    """
    check_positive("learning_rate", learning_rate)
    check_positive("num_iterations", num_iterations, integer=True)
    X = model._check_X(X)
    Y = model._check_Y(Y, X.shape[1])
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
    for iteration in bar:
        AL, cost, grads = model._forward_backward(X, Y)
        if not np.isfinite(cost):
            raise TrainingDivergedError(
                f"the cost became {cost} at iteration {iteration} with learning_rate="
                f"{learning_rate}; try a smaller learning rate "
                f"({len(costs)} finite costs were kept in this error's .costs)",
                iteration,
                costs,
            )
        update_parameters(model.params, grads, learning_rate)
        costs.append(cost)
        if callback is not None:
            callback(iteration, cost, model, AL)
        if progress and iteration % refresh_every == 0:
            bar.set_postfix(cost=f"{cost:.6f}", refresh=False)
    bar.close()
    return costs
