"""Shape checks shared by the course's functions: one clear line per bad input."""

import numpy as np

from scratch.errors import ShapeError
from scratch.training import update_parameters as _update_in_place


def floating(array):
    """``array`` as an ndarray, integers and booleans converted to float64."""
    array = np.asarray(array)
    return array if np.issubdtype(array.dtype, np.inexact) else array.astype(np.float64)


def as_2d(name, array, func):
    """``array`` as an ndarray, which must be 2-D (rows, columns)."""
    array = np.asarray(array)
    if array.ndim != 2:
        raise ShapeError(
            f"{func}: {name} must be a 2-D array, got shape {array.shape}"
            + (" (a rank-1 array: reshape it to a column or a row)" if array.ndim == 1 else "")
        )
    return array


def check_shape(name, array, expected, func):
    """Check ``array.shape == expected`` (None in ``expected`` matches any size)."""
    shape = np.shape(array)
    if len(shape) != len(expected) or any(
        e is not None and e != s for e, s in zip(expected, shape)
    ):
        shown = "(" + ", ".join("m" if e is None else str(e) for e in expected)
        shown += ",)" if len(expected) == 1 else ")"
        raise ShapeError(f"{func}: {name} must have shape {shown}, got {shape}")
    return array


def labels_like(name, Y, A, func):
    """Y reshaped to A's shape, as the course does (``Y.reshape(AL.shape)``)."""
    Y = np.asarray(Y)
    A = np.asarray(A)
    if Y.size != A.size or (Y.ndim == 2 and Y.shape != A.shape):
        raise ShapeError(f"{func}: {name} must have shape {A.shape} to match the output, "
                         f"got {Y.shape}")
    return Y.reshape(A.shape)


def columns(name, X, m, func):
    """Check that X has m columns (one example per column)."""
    if X.shape[1] != m:
        raise ShapeError(f"{func}: {name} must have {m} columns (one per example), "
                         f"got shape {X.shape}")
    return X


def layer_params(parameters, func):
    """L and the (W, b) pairs of W1, b1, ..., WL, bL; checks the chain of shapes."""
    if not hasattr(parameters, "keys"):
        raise TypeError(f"{func}: parameters must be a dict of W1, b1, ..., got "
                        f"{type(parameters).__name__}")
    L = len(parameters) // 2
    if L < 1 or sorted(parameters) != sorted(
        [f"W{l}" for l in range(1, L + 1)] + [f"b{l}" for l in range(1, L + 1)]
    ):
        raise KeyError(f"{func}: parameters must be named W1, b1, ..., WL, bL; got "
                       f"{sorted(parameters)}")
    layers = []
    for l in range(1, L + 1):
        W = as_2d(f"W{l}", parameters[f"W{l}"], func)
        b = np.asarray(parameters[f"b{l}"])
        check_shape(f"b{l}", b, (W.shape[0], 1), func)
        if layers and W.shape[1] != layers[-1][0].shape[0]:
            raise ShapeError(f"{func}: W{l} must have shape ({W.shape[0]}, "
                             f"{layers[-1][0].shape[0]}) to follow W{l - 1}, got {W.shape}")
        layers.append((W, b))
    return layers


def updated_copy(parameters, grads, learning_rate, func):
    """Copies of ``parameters`` stepped by -learning_rate * grads (shared with week 4)."""
    new = {}
    for name, value in parameters.items():
        value = np.array(value, copy=True)
        if not np.issubdtype(value.dtype, np.inexact):
            value = value.astype(np.float64)
        if "d" + name not in grads:
            raise KeyError(f"{func}: grads has no d{name} (it holds {sorted(grads)})")
        check_shape("d" + name, grads["d" + name], value.shape, func)
        new[name] = value
    return _update_in_place(new, {"d" + name: grads["d" + name] for name in new},
                            learning_rate)
