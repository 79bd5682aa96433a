"""Forward and backward building blocks with caches (week 4).

``linear_forward``/``linear_backward`` and ``linear_activation_forward``/
``linear_activation_backward`` are the course's functions, one line of the
lecture per line of code. The only addition: ``need_dA_prev=False`` lets the
first layer skip dA[0], the gradient with respect to the input X, which
nothing uses and which costs a third of a deep net's backward pass on images.

As everywhere in :mod:`scratch`, floating arrays keep their dtype and integer
or boolean arrays (or nested lists) are computed in float64.
"""

from scratch.activations import get_activation
from scratch.errors import ShapeError
from scratch.validation import as_floating


def _matrix(name, value, shape):
    """``value`` as a 2-D floating array; ``shape`` names its dimensions for the message."""
    array = as_floating(name, value)
    if array.ndim != 2:
        raise ShapeError(f"{name} has shape {array.shape}, expected a 2-D array {shape}")
    return array


def linear_forward(A_prev, W, b):
    """Z[l] = W[l] A[l-1] + b[l].

    Parameters
    ----------
    A_prev : ndarray, shape (n_{l-1}, m)
    W : ndarray, shape (n_l, n_{l-1})
    b : ndarray, shape (n_l, 1)

    Returns
    -------
    Z : ndarray, shape (n_l, m)
    cache : tuple (A_prev, W, b)
    """
    A_prev = _matrix("A_prev", A_prev, "(n_{l-1}, m)")
    W = _matrix("W", W, "(n_l, n_{l-1})")
    b = _matrix("b", b, "(n_l, 1)")
    if A_prev.shape[0] != W.shape[1] or b.shape != (W.shape[0], 1):
        raise ShapeError(
            f"linear_forward: W has shape {W.shape}, so A_prev must be ({W.shape[1]}, m) "
            f"and b ({W.shape[0]}, 1); got A_prev {A_prev.shape} and b {b.shape}"
        )
    Z = W @ A_prev
    Z += b
    return Z, (A_prev, W, b)


def linear_backward(dZ, cache, need_dA_prev=True):
    """Gradients of the linear step, averaged over the m examples.

    Parameters
    ----------
    dZ : ndarray, shape (n_l, m)
        dJ/dZ[l] times m (the course's per-example convention: dZ[L] = A[L] - Y).
    cache : tuple (A_prev, W, b) from :func:`linear_forward`
    need_dA_prev : bool
        When False, dA_prev is not computed and None is returned in its place.

    Returns
    -------
    dA_prev : ndarray, shape (n_{l-1}, m), or None
    dW : ndarray, shape (n_l, n_{l-1})
        (1/m) dZ A_prev^T
    db : ndarray, shape (n_l, 1)
        (1/m) sum of dZ over the examples
    """
    A_prev, W, _ = cache
    dZ = _matrix("dZ", dZ, "(n_l, m)")
    A_prev = _matrix("A_prev", A_prev, "(n_{l-1}, m)")
    W = _matrix("W", W, "(n_l, n_{l-1})")
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T
    dW /= m
    db = dZ.sum(axis=1, keepdims=True)
    db /= m
    dA_prev = W.T @ dZ if need_dA_prev else None
    return dA_prev, dW, db


def linear_activation_forward(A_prev, W, b, activation):
    """A[l] = g(W[l] A[l-1] + b[l]).

    Parameters
    ----------
    A_prev : ndarray, shape (n_{l-1}, m)
    W : ndarray, shape (n_l, n_{l-1})
    b : ndarray, shape (n_l, 1)
    activation : str or Activation
        "sigmoid", "tanh", "relu", "leaky_relu" or "identity".

    Returns
    -------
    A : ndarray, shape (n_l, m)
    cache : tuple (linear_cache, activation_cache)
    """
    act = get_activation(activation) if isinstance(activation, str) else activation
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = act.forward(Z)
    return A, (linear_cache, activation_cache)


def linear_activation_backward(dA, cache, activation, need_dA_prev=True):
    """Backward through g then the linear step.

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
    cache : tuple from :func:`linear_activation_forward`
    activation : str or Activation

    Returns
    -------
    dA_prev : ndarray, shape (n_{l-1}, m), or None when ``need_dA_prev`` is False
    dW : ndarray, shape (n_l, n_{l-1})
    db : ndarray, shape (n_l, 1)
    """
    act = get_activation(activation) if isinstance(activation, str) else activation
    linear_cache, activation_cache = cache
    dZ = act.backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache, need_dA_prev)
