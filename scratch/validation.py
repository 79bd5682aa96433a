"""Input checks that turn bad input into one clear error.

The week-4 habit of checking matrix dimensions, done once at the public entry
points so the hot loops underneath stay free of checks.
"""

import numbers

import numpy as np

from scratch.errors import DataError, ShapeError


def as_float_array(name, array, dtype):
    """Return ``array`` as a NumPy array of ``dtype`` without silent precision changes.

    Integer and boolean input is converted; floating input must already have
    ``dtype`` (a float32 array is never silently up-cast, a float64 one never
    silently truncated).
    """
    array = np.asarray(array)
    dtype = np.dtype(dtype)
    if array.dtype == dtype:
        return array
    if np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} has dtype {array.dtype}, but the model works in {dtype}; "
            f"convert it explicitly ({name}.astype(np.{dtype})) or build the model "
            f"with dtype=np.{array.dtype}"
        )
    if not (np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_):
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}")
    return array.astype(dtype)


def as_floating(name, value):
    """``value`` as a NumPy array in floating point, for the building blocks.

    Floating input keeps its dtype (float32 stays float32); integer and boolean
    input, including Python scalars and lists, is computed in float64.

    Parameters
    ----------
    name : str
        What ``value`` is, for the message.
    value : array_like, any shape

    Raises
    ------
    TypeError
        If ``value`` does not hold real numbers.
    """
    if type(value) is np.ndarray and value.dtype.kind == "f":
        return value  # the models' hot path: nothing to convert
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return array
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    shown = repr(value) if array.ndim == 0 else f"an array of dtype {array.dtype}"
    raise TypeError(f"{name} must hold real numbers, got {shown}")


def scalar_if_0d(array):
    """A 0-d array as a NumPy scalar (what a scalar input gives back), anything else as is."""
    if isinstance(array, np.ndarray) and array.ndim == 0:
        return array[()]
    return array


def check_X(X, n_x, dtype=np.float64, name="X"):
    """Check a design matrix of shape (n_x, m) with m >= 1 and finite values."""
    X = as_float_array(name, X, dtype)
    if X.ndim != 2 or X.shape[0] != n_x:
        raise ShapeError(
            f"{name} has shape {X.shape}, expected ({n_x}, m): one example per column, "
            f"n_x = {n_x} features per example"
        )
    if X.shape[1] == 0:
        raise DataError(f"{name} is empty: shape {X.shape} has no examples (m = 0)")
    if not np.isfinite(X).all():
        bad = int(np.size(X) - np.count_nonzero(np.isfinite(X)))
        raise DataError(f"{name} contains {bad} NaN or inf value(s)")
    return X


def check_Y(Y, m, n_y=1, dtype=np.float64, binary=True, name="Y"):
    """Check labels of shape (n_y, m); for classification they must be 0 or 1."""
    Y = as_float_array(name, Y, dtype)
    if Y.ndim != 2 or Y.shape != (n_y, m):
        raise ShapeError(f"{name} has shape {Y.shape}, expected ({n_y}, {m}) to match X's m = {m}")
    if not np.isfinite(Y).all():
        raise DataError(f"{name} contains NaN or inf values")
    if binary:
        outside = np.unique(Y[(Y != 0) & (Y != 1)])
        if outside.size:
            shown = ", ".join(f"{v:g}" for v in outside[:5])
            raise DataError(f"{name} must hold labels 0 or 1, found {shown}")
    return Y


def check_positive(name, value, integer=False):
    """Check a hyperparameter that must be a positive number (or positive integer)."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = "a positive integer" if integer else "a positive number"
        raise TypeError(f"{name} must be {expected}, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        expected = "a positive integer" if integer else "a positive number"
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return value


def check_finite_number(name, value):
    """Check a hyperparameter that must be a finite real number (any sign)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


def check_layer_dims(layer_dims, min_layers=2):
    """Check a list of layer sizes [n_x, n_1, ..., n_L]."""
    dims = list(layer_dims)
    if len(dims) < min_layers:
        raise ValueError(
            f"layer_dims needs at least {min_layers} sizes [n_x, ..., n_L], got {dims}"
        )
    for index, n in enumerate(dims):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"layer_dims[{index}] must be a positive integer, got {n!r}")
    return [int(n) for n in dims]


def check_params(owner, expected_shapes, params):
    """Check that ``params`` has exactly the names of ``expected_shapes``, with those shapes.

    Parameters
    ----------
    owner : str
        The model's name, for the message.
    expected_shapes : dict of str to tuple
    params : mapping of str to array-like
    """
    missing = sorted(set(expected_shapes) - set(params))
    unexpected = sorted(set(params) - set(expected_shapes))
    if missing or unexpected:
        raise KeyError(
            f"{owner} parameters must be named {sorted(expected_shapes)}; "
            f"missing {missing}, unexpected {unexpected}"
        )
    for name, shape in expected_shapes.items():
        given = tuple(np.shape(params[name]))
        if given != tuple(shape):
            raise ShapeError(f"parameter {name} must have shape {tuple(shape)}, got {given}")


def check_param_values(name, value, dtype=None):
    """Check that parameter ``name`` (an array) holds real, finite numbers.

    Given the model's ``dtype``, also that every value stays finite in it. That is the
    rule for loading parameters of another precision: they are converted to the model's
    dtype (float32 into float64 exactly, float64 into float32 rounded to the nearest
    float32), and a value beyond the model's range (it would become inf) is refused.
    """
    array = np.asarray(value)
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_) or \
            np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"parameter {name} must hold real numbers, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise DataError(
            f"parameter {name} contains {bad} NaN or inf value(s); weights must be finite"
        )
    if dtype is not None and np.dtype(dtype) != array.dtype:
        with np.errstate(over="ignore"):
            converted = array.astype(dtype)
        bad = int(converted.size - np.count_nonzero(np.isfinite(converted)))
        if bad:
            raise DataError(
                f"parameter {name} holds {bad} value(s) beyond the range of the model's "
                f"{np.dtype(dtype)} (largest {np.finfo(dtype).max:.4g}); given as "
                f"{array.dtype}, they would become inf"
            )
