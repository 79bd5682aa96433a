"""Costs and the gradient they send back into the output layer.

Loss is the error on one example, cost the mean of the losses over the m
examples (week 2). The cross-entropy is computed from the output layer's
pre-activation Z[L] rather than from A[L] = sigmoid(Z[L]), so it stays finite
and exact when the sigmoid saturates to 0 or 1 in floating point.

Integer or boolean arrays (or nested lists) are computed in float64.
"""

import numpy as np

from scratch.errors import ShapeError
from scratch.validation import as_floating


def _pair(names, A, Y):
    """Two floating arrays of one 2-D shape (n_y, m), for a cost."""
    A, Y = as_floating(names[0], A), as_floating(names[1], Y)
    if A.ndim != 2 or A.shape != Y.shape:
        raise ShapeError(
            f"{names[0]} has shape {A.shape} and {names[1]} {Y.shape}; both must be (n_y, m)"
        )
    return A, Y


def binary_cross_entropy_from_logits(ZL, Y):
    """J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)) with A = sigmoid(ZL), computed stably.

    Uses the identity -[y log s(z) + (1-y) log(1-s(z))] = max(z, 0) - z y + log(1 + e^-|z|).

    Parameters
    ----------
    ZL : ndarray, shape (1, m)
        Pre-activation of the sigmoid output unit.
    Y : ndarray, shape (1, m)
        Labels, 0 or 1.

    Returns
    -------
    cost : float
    """
    ZL, Y = _pair(("ZL", "Y"), ZL, Y)
    m = ZL.shape[1]
    losses = np.maximum(ZL, 0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))
    return float(losses.sum() / m)


def binary_cross_entropy(AL, Y):
    """The course's formula on probabilities, -(1/m) sum(Y log AL + (1-Y) log(1-AL)).

    Kept to show the lecture's form; it returns inf where AL saturates to exactly
    0 or 1, which :func:`binary_cross_entropy_from_logits` avoids.
    """
    AL, Y = _pair(("AL", "Y"), AL, Y)
    m = AL.shape[1]
    with np.errstate(divide="ignore"):
        return float(-(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)).sum() / m)


def mean_squared_error(AL, Y):
    """J = (1/m) sum over examples of ||AL - Y||^2, for regression.

    Parameters
    ----------
    AL : ndarray, shape (n_y, m)
    Y : ndarray, shape (n_y, m)
    """
    AL, Y = _pair(("AL", "Y"), AL, Y)
    m = AL.shape[1]
    diff = AL - Y
    return float((diff * diff).sum() / m)


def mean_squared_error_dAL(AL, Y):
    """m * dJ/dAL for :func:`mean_squared_error`: 2 (AL - Y), shape (n_y, m)."""
    return 2 * (AL - Y)
