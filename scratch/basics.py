"""Week 2 warm-up: "Python basics with NumPy".

The small vectorised helpers the course builds before logistic regression:
the sigmoid and its derivative, reshaping an image into a column vector,
row normalisation, a row-wise softmax and the L1 / L2 losses.

They follow the project's conventions: integer or boolean input is computed
in float64, floating input keeps its dtype (a float32 array is never up-cast),
and bad input raises one clear error from :mod:`scratch.errors`.
"""

import numpy as np

from scratch.errors import DataError, ShapeError
from scratch.validation import as_floating

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "image2vector",
    "normalize_rows",
    "softmax",
    "l1_loss",
    "l2_loss",
]


def _check_rows(name, x):
    """Check the 1-D or 2-D, non-empty, finite input of the row-wise helpers."""
    if x.ndim not in (1, 2):
        raise ShapeError(
            f"{name} has shape {x.shape}, expected (n, k) (one row per vector) or (k,)"
        )
    if x.shape[-1] == 0:
        raise ShapeError(f"{name} has shape {x.shape}: its rows are empty (k = 0)")
    if not np.isfinite(x).all():
        raise DataError(f"{name} contains NaN or inf values")


def sigmoid(x):
    """Compute the sigmoid ``1 / (1 + exp(-x))`` element-wise, without overflow.

    Parameters
    ----------
    x : array_like, any shape
        Scalar or array of real numbers.

    Returns
    -------
    s : ndarray, same shape as ``x``
        ``sigmoid(x)``, values in [0, 1]. float32 input gives float32 output;
        integer input gives float64.
    """
    x = as_floating("x", x)
    # exp(-|x|) lies in (0, 1], so it cannot overflow for any finite x; the
    # negative branch uses the algebraically equal exp(x) / (1 + exp(x)).
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, z) / (1 + z)


def sigmoid_derivative(x):
    """Compute the gradient of the sigmoid, ``s * (1 - s)`` with ``s = sigmoid(x)``.

    Parameters
    ----------
    x : array_like, any shape
        Scalar or array of real numbers.

    Returns
    -------
    ds : ndarray, same shape as ``x``
        ``sigmoid(x) * (1 - sigmoid(x))``, values in [0, 0.25], dtype as for
        :func:`sigmoid`.
    """
    x = as_floating("x", x)
    # s (1 - s) == z / (1 + z)**2 with z = exp(-|x|); this form avoids the
    # cancellation in 1 - s for large x and is exactly symmetric in x.
    z = np.exp(-np.abs(x))
    return z / np.square(1 + z)


def image2vector(image):
    """Reshape an image into a column vector, as the course does before training.

    Parameters
    ----------
    image : array_like, shape (length, height, depth)
        One image, e.g. (64, 64, 3) for the course's RGB pictures.

    Returns
    -------
    v : ndarray, shape (length * height * depth, 1)
        The pixels in C order (depth varies fastest), same dtype as ``image``.

    Raises
    ------
    ShapeError
        If ``image`` is not 3-D.
    """
    image = np.asarray(image)
    if image.ndim != 3:
        raise ShapeError(
            f"image has shape {image.shape} ({image.ndim}-D), expected a 3-D array of "
            "shape (length, height, depth)"
        )
    return image.reshape(image.size, 1)


def normalize_rows(x):
    """Divide each row of ``x`` by its L2 norm.

    Parameters
    ----------
    x : array_like, shape (n, k) or (k,)
        Rows to normalise (a 1-D input is one row).

    Returns
    -------
    x_normalized : ndarray, same shape as ``x``
        Each row has unit L2 norm; a row of zeros stays zeros (not NaN).

    Raises
    ------
    ShapeError
        If ``x`` is not 1-D or 2-D, or its rows are empty.
    DataError
        If ``x`` contains NaN or inf.
    """
    x = as_floating("x", x)
    _check_rows("x", x)
    # Scaling by the row's largest magnitude first keeps sum(x**2) from
    # overflowing (or underflowing to 0) for very large or very small rows.
    row_max = np.max(np.abs(x), axis=-1, keepdims=True)
    nonzero = row_max > 0
    scaled = np.divide(x, row_max, out=np.zeros_like(x), where=nonzero)
    norm = np.sqrt(np.sum(np.square(scaled), axis=-1, keepdims=True))
    return np.divide(scaled, norm, out=np.zeros_like(x), where=nonzero)


def softmax(x):
    """Compute the softmax of each row of ``x``.

    Parameters
    ----------
    x : array_like, shape (n, k) or (k,)
        Scores; each row (a 1-D input is one row) is one vector of k scores.

    Returns
    -------
    s : ndarray, same shape as ``x``
        ``exp(x) / sum(exp(x))`` along each row; every row sums to 1.

    Raises
    ------
    ShapeError
        If ``x`` is not 1-D or 2-D, or its rows are empty.
    DataError
        If ``x`` contains NaN or inf.
    """
    x = as_floating("x", x)
    _check_rows("x", x)
    # Softmax is unchanged by subtracting a constant from a row; subtracting the
    # row max makes every exponent <= 0, so exp cannot overflow.
    x_exp = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return x_exp / np.sum(x_exp, axis=-1, keepdims=True)


def _loss_inputs(yhat, y):
    """Return ``yhat`` and ``y`` as float arrays of one shape and one dtype."""
    yhat = np.asarray(yhat)
    y = np.asarray(y)
    if yhat.shape != y.shape:
        raise ShapeError(
            f"yhat has shape {yhat.shape} but y has shape {y.shape}; they must be equal"
        )
    yhat_float = np.issubdtype(yhat.dtype, np.floating)
    y_float = np.issubdtype(y.dtype, np.floating)
    if yhat_float and y_float and yhat.dtype != y.dtype:
        # Picking either float dtype silently would change the precision the
        # caller asked for, so they must agree.
        raise TypeError(
            f"yhat has dtype {yhat.dtype} but y has dtype {y.dtype}; convert one of them "
            "explicitly so the loss is computed in the precision you intend"
        )
    # Integer or boolean labels follow the other array's float precision.
    if yhat_float and not y_float:
        return yhat, as_floating("y", y).astype(yhat.dtype)
    if y_float and not yhat_float:
        return as_floating("yhat", yhat).astype(y.dtype), y
    return as_floating("yhat", yhat), as_floating("y", y)


def l1_loss(yhat, y):
    """Compute the course's L1 loss, ``sum(|y - yhat|)``.

    Parameters
    ----------
    yhat : array_like, shape (m,), (1, m) or any other shape
        Predictions.
    y : array_like, same shape as ``yhat``
        True values.

    Returns
    -------
    loss : numpy floating scalar
        The sum (not the mean) of absolute errors, in the inputs' float dtype
        (float64 when both are integer).

    Raises
    ------
    ShapeError
        If the shapes of ``yhat`` and ``y`` differ.
    TypeError
        If both are floating arrays of different dtypes (float32 vs float64).
    """
    yhat, y = _loss_inputs(yhat, y)
    return np.sum(np.abs(y - yhat))


def l2_loss(yhat, y):
    """Compute the course's L2 loss, ``sum((y - yhat) ** 2)``.

    Parameters
    ----------
    yhat : array_like, shape (m,), (1, m) or any other shape
        Predictions.
    y : array_like, same shape as ``yhat``
        True values.

    Returns
    -------
    loss : numpy floating scalar
        The sum (not the mean) of squared errors, in the inputs' float dtype
        (float64 when both are integer).

    Raises
    ------
    ShapeError
        If the shapes of ``yhat`` and ``y`` differ.
    TypeError
        If both are floating arrays of different dtypes (float32 vs float64).
    """
    yhat, y = _loss_inputs(yhat, y)
    return np.sum(np.square(y - yhat))
