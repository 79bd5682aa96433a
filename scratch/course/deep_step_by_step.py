"""Week 4, "Building your Deep Neural Network: Step by Step", by the assignment's names.

The L-layer network [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID of
:class:`scratch.DeepNetwork`, as the course's functions and tuple caches:
a layer's cache is ``(linear_cache, activation_cache)`` = ``((A_prev, W, b), Z)``.
Every function is a project block (:mod:`scratch.layers`,
:mod:`scratch.activations`, :mod:`scratch.costs`, :mod:`scratch.initializers`,
:func:`scratch.training.update_parameters`) with the course's arguments.

Lecture equations (week 4, "Forward and backward propagation"):

* Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l])            (forward)
* J = -(1/m) sum(Y log A[L] + (1 - Y) log(1 - A[L]))     (cost)
* dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))             (start of the backward pass)
* dZ[l] = dA[l] * g[l]'(Z[l]), dW[l] = (1/m) dZ[l] A[l-1]^T,
  db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True), dA[l-1] = W[l]^T dZ[l]
* W[l] := W[l] - alpha dW[l], b[l] := b[l] - alpha db[l]
"""

import numpy as np

from scratch import activations as _act
from scratch import layers as _layers
from scratch.costs import binary_cross_entropy
from scratch.course._checks import (
    as_2d,
    check_shape,
    floating,
    labels_like,
    layer_params,
    updated_copy,
)
from scratch.errors import ShapeError
from scratch.initializers import initialize_parameters as _initialize

__all__ = [
    "sigmoid",
    "relu",
    "sigmoid_backward",
    "relu_backward",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
]

_COURSE_ACTIVATIONS = ("sigmoid", "relu")



def _activation(activation, func):
    if activation not in _COURSE_ACTIVATIONS:
        raise ValueError(f'{func}: activation must be "sigmoid" or "relu", got {activation!r}')
    return activation


def _backward_args(dA, cache, func):
    dA = np.asarray(dA)
    Z = np.asarray(cache)
    if dA.shape != Z.shape:
        raise ShapeError(f"{func}: dA must have the shape of the cached Z, {Z.shape}, "
                         f"got {dA.shape}")
    return dA, Z


def _linear_args(A_name, A, W, b, func):
    """A (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1), checked against each other."""
    A = as_2d(A_name, floating(A), func)
    W = as_2d("W", W, func)
    check_shape(A_name, A, (W.shape[1], None), func)
    b = check_shape("b", np.asarray(b), (W.shape[0], 1), func)
    return A, W, b


def _unpack_layer_cache(cache, func):
    try:
        (A_prev, W, b), Z = cache
    except (TypeError, ValueError):
        raise ValueError(f"{func}: cache must be ((A_prev, W, b), Z) as linear_activation_forward "
                         "returns it") from None
    return (A_prev, W, b), Z


def _dAL_cross_entropy(AL, Y):
    """dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])), the derivative of the loss wrt A[L].

    Parameters
    ----------
    AL : ndarray, shape (1, m)
    Y : ndarray, shape (1, m)

    Returns
    -------
    dAL : ndarray, shape (1, m)
    """
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


def sigmoid(Z):
    """A = 1 / (1 + e^-Z).

    Parameters
    ----------
    Z : ndarray, any shape

    Returns
    -------
    A : ndarray, same shape as Z
    cache : ndarray, Z
    """
    return _act.sigmoid(floating(Z))


def relu(Z):
    """A = max(0, Z).

    Parameters
    ----------
    Z : ndarray, any shape

    Returns
    -------
    A : ndarray, same shape as Z
    cache : ndarray, Z
    """
    return _act.relu(np.asarray(Z))


def sigmoid_backward(dA, cache):
    """dZ = dA * s (1 - s) with s = sigma(Z), Z the cache.

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
    cache : ndarray, Z of shape (n_l, m)

    Returns
    -------
    dZ : ndarray, shape (n_l, m)
    """
    dA, Z = _backward_args(dA, cache, "sigmoid_backward")
    return _act.sigmoid_backward(dA, floating(Z))


def relu_backward(dA, cache):
    """dZ = dA where Z > 0, else 0 (Z the cache).

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
    cache : ndarray, Z of shape (n_l, m)

    Returns
    -------
    dZ : ndarray, shape (n_l, m)
    """
    dA, Z = _backward_args(dA, cache, "relu_backward")
    return _act.relu_backward(dA, Z)


def initialize_parameters(n_x, n_h, n_y):
    """Two layers: reseeds NumPy's legacy generator with 1, W = randn x 0.01, b = 0.

    Parameters
    ----------
    n_x, n_h, n_y : int

    Returns
    -------
    parameters : dict
        W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    """
    return _initialize([n_x, n_h, n_y], init="course", seed=1, scale=0.01)


def initialize_parameters_deep(layer_dims):
    """L layers: reseeds NumPy's legacy generator with 3, W[l] = randn x 0.01, b[l] = 0.

    Parameters
    ----------
    layer_dims : list of int
        [n_x, n_1, ..., n_L].

    Returns
    -------
    parameters : dict
        W{l} (n_l, n_{l-1}), b{l} (n_l, 1) for l = 1..L.
    """
    return _initialize(layer_dims, init="course", seed=3, scale=0.01)


def linear_forward(A, W, b):
    """Z = W A + b.

    Parameters
    ----------
    A : ndarray, shape (n_{l-1}, m)
    W : ndarray, shape (n_l, n_{l-1})
    b : ndarray, shape (n_l, 1)

    Returns
    -------
    Z : ndarray, shape (n_l, m)
    cache : tuple (A, W, b)
    """
    A, W, b = _linear_args("A", A, W, b, "linear_forward")
    return _layers.linear_forward(A, W, b)


def linear_activation_forward(A_prev, W, b, activation):
    """A = g(W A_prev + b), g the sigmoid or ReLU.

    Parameters
    ----------
    A_prev : ndarray, shape (n_{l-1}, m)
    W : ndarray, shape (n_l, n_{l-1})
    b : ndarray, shape (n_l, 1)
    activation : {"sigmoid", "relu"}

    Returns
    -------
    A : ndarray, shape (n_l, m)
    cache : tuple (linear_cache, activation_cache) = ((A_prev, W, b), Z)
    """
    _activation(activation, "linear_activation_forward")
    A_prev, W, b = _linear_args("A_prev", A_prev, W, b, "linear_activation_forward")
    return _layers.linear_activation_forward(A_prev, W, b, activation)


def L_model_forward(X, parameters):
    """[LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID, L = len(parameters) // 2.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict
        W{l} (n_l, n_{l-1}), b{l} (n_l, 1) for l = 1..L.

    Returns
    -------
    AL : ndarray, shape (n_L, m)
    caches : list of L caches ((A_prev, W, b), Z), layer 1 first
    """
    layers = layer_params(parameters, "L_model_forward")
    X = as_2d("X", X, "L_model_forward")
    check_shape("X", X, (layers[0][0].shape[1], None), "L_model_forward")
    A = floating(X)
    caches = []
    for l, (W, b) in enumerate(layers, 1):
        A, cache = _layers.linear_activation_forward(
            A, W, b, "sigmoid" if l == len(layers) else "relu"
        )
        caches.append(cache)
    return A, caches


def compute_cost(AL, Y):
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)).

    Parameters
    ----------
    AL : ndarray, shape (1, m)
    Y : ndarray, shape (1, m)

    Returns
    -------
    cost : 0-d ndarray (``np.squeeze`` of the cost, as the course returns it)
    """
    AL = as_2d("AL", AL, "compute_cost")
    Y = check_shape("Y", np.asarray(Y), AL.shape, "compute_cost")
    return np.squeeze(np.array(binary_cross_entropy(AL, Y)))


def linear_backward(dZ, cache):
    """dW = (1/m) dZ A_prev^T, db = (1/m) sum(dZ, axis=1, keepdims=True), dA_prev = W^T dZ.

    Parameters
    ----------
    dZ : ndarray, shape (n_l, m)
    cache : tuple (A_prev, W, b), A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1)

    Returns
    -------
    dA_prev : ndarray, shape (n_{l-1}, m)
    dW : ndarray, shape (n_l, n_{l-1})
    db : ndarray, shape (n_l, 1)
    """
    try:
        A_prev, W, b = cache
    except (TypeError, ValueError):
        raise ValueError("linear_backward: cache must be (A_prev, W, b) as linear_forward "
                         "returns it") from None
    A_prev = as_2d("A_prev", A_prev, "linear_backward")
    W = check_shape("W", as_2d("W", W, "linear_backward"), (None, A_prev.shape[0]),
                    "linear_backward")
    dZ = check_shape("dZ", np.asarray(dZ), (W.shape[0], A_prev.shape[1]), "linear_backward")
    return _layers.linear_backward(dZ, (A_prev, W, b))


def linear_activation_backward(dA, cache, activation):
    """dZ = dA * g'(Z), then :func:`linear_backward`.

    Parameters
    ----------
    dA : ndarray, shape (n_l, m)
    cache : tuple ((A_prev, W, b), Z) from :func:`linear_activation_forward`
    activation : {"sigmoid", "relu"}

    Returns
    -------
    dA_prev : ndarray, shape (n_{l-1}, m)
    dW : ndarray, shape (n_l, n_{l-1})
    db : ndarray, shape (n_l, 1)
    """
    func = "linear_activation_backward"
    _activation(activation, func)
    linear_cache, Z = _unpack_layer_cache(cache, func)
    dA, Z = _backward_args(dA, Z, func)
    dZ = _act.get_activation(activation).backward(dA, floating(Z))
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches):
    """Backward through the L layers from dA[L] = -(Y / AL - (1 - Y) / (1 - AL)).

    Parameters
    ----------
    AL : ndarray, shape (1, m)
    Y : ndarray, shape (1, m) (reshaped to AL's shape, as the course does)
    caches : list of L caches ((A_prev, W, b), Z) from :func:`L_model_forward`

    Returns
    -------
    grads : dict
        ``"dA" + str(l)`` (n_l, m) for l = 0..L-1, the dA_prev of layer l + 1;
        ``"dW" + str(l)`` (n_l, n_{l-1}) and ``"db" + str(l)`` (n_l, 1) for l = 1..L.
    """
    AL = as_2d("AL", AL, "L_model_backward")
    Y = labels_like("Y", Y, AL, "L_model_backward")
    L = len(caches)
    if L < 1:
        raise ValueError("L_model_backward: caches is empty; it needs one cache per layer")
    grads = {}
    dA = _dAL_cross_entropy(AL, Y)
    for l in range(L, 0, -1):
        dA, dW, db = linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu"
        )
        grads["dA" + str(l - 1)] = dA
        grads["dW" + str(l)] = dW
        grads["db" + str(l)] = db
    return grads


def update_parameters(params, grads, learning_rate):
    """W[l] := W[l] - alpha dW[l], b[l] := b[l] - alpha db[l], into a new dict.

    Parameters
    ----------
    params : dict
        W{l} (n_l, n_{l-1}), b{l} (n_l, 1).
    grads : dict
        dW{l}, db{l} of the same shapes (other keys such as dA{l} are ignored).
    learning_rate : float

    Returns
    -------
    parameters : dict
        New arrays; the caller's are left untouched.
    """
    layer_params(params, "update_parameters")
    return updated_copy(params, grads, learning_rate, "update_parameters")
