"""Week 2, "Python basics with NumPy", by the assignment's names.

Each function is the project's :mod:`scratch.basics` helper under the name the
assignment gives it (``normalizeRows``, ``L1``, ``L2``, ...), except
``basic_sigmoid``, which the course writes with :func:`math.exp` on one number
to show why NumPy is needed.
"""

import math
import numbers

from scratch import basics as _basics

__all__ = [
    "basic_sigmoid",
    "sigmoid",
    "sigmoid_derivative",
    "image2vector",
    "normalizeRows",
    "softmax",
    "L1",
    "L2",
]


def basic_sigmoid(x):
    """sigma(x) = 1 / (1 + e^-x) of one real number, with :func:`math.exp`.

    Parameters
    ----------
    x : real number (a scalar; the course shows that a list or array fails here)

    Returns
    -------
    s : float
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"basic_sigmoid: x must be one real number, got {type(x).__name__} "
                        "(use sigmoid for arrays)")
    return 1 / (1 + math.exp(-x))


def sigmoid(x):
    """sigma(x) = 1 / (1 + e^-x), elementwise (lecture: logistic regression, week 2).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    s : ndarray, same shape as ``x``
    """
    return _basics.sigmoid(x)


def sigmoid_derivative(x):
    """sigma'(x) = s (1 - s) with s = sigma(x), elementwise (week 2, derivatives).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ds : ndarray, same shape as ``x``
    """
    return _basics.sigmoid_derivative(x)


def image2vector(image):
    """Unroll an image into one column, as X's columns are built.

    Parameters
    ----------
    image : ndarray, shape (length, height, depth)

    Returns
    -------
    v : ndarray, shape (length * height * depth, 1)
    """
    return _basics.image2vector(image)


def normalizeRows(x):
    """x / ||x||, each row divided by its L2 norm (``np.linalg.norm(x, axis=1, keepdims=True)``).

    Parameters
    ----------
    x : ndarray, shape (n, k)

    Returns
    -------
    x : ndarray, shape (n, k), rows of unit norm (a zero row stays zero)
    """
    return _basics.normalize_rows(x)


def softmax(x):
    """softmax(x)_ij = e^{x_ij} / sum_j e^{x_ij}, row by row.

    Parameters
    ----------
    x : ndarray, shape (m, n): m rows of n scores

    Returns
    -------
    s : ndarray, shape (m, n), each row summing to 1
    """
    return _basics.softmax(x)


def L1(yhat, y):
    """L1(yhat, y) = sum_i |y_i - yhat_i|.

    Parameters
    ----------
    yhat : ndarray, shape (m,) (or any shape)
    y : ndarray, same shape as ``yhat``

    Returns
    -------
    loss : numpy float64 (a sum, not a mean)
    """
    return _basics.l1_loss(yhat, y)


def L2(yhat, y):
    """L2(yhat, y) = sum_i (y_i - yhat_i)^2.

    Parameters
    ----------
    yhat : ndarray, shape (m,) (or any shape)
    y : ndarray, same shape as ``yhat``

    Returns
    -------
    loss : numpy float64 (a sum, not a mean)
    """
    return _basics.l2_loss(yhat, y)
