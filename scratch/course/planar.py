"""Week 3, "Planar data classification with one hidden layer", by the assignment's names.

The network is [n_x, n_h, n_y]: LINEAR -> TANH -> LINEAR -> SIGMOID, the
project's :class:`scratch.ShallowNetwork`, written as the course's functions
with its dict caches. Each function is the project's layer blocks
(:mod:`scratch.layers`, :mod:`scratch.activations`, :mod:`scratch.costs`,
:func:`scratch.training.update_parameters`) in the course's layout.

Lecture equations (week 3, "Computing a neural network's output", "Gradient
descent for neural networks"):

* Z1 = W1 X + b1, A1 = tanh(Z1), Z2 = W2 A1 + b2, A2 = sigma(Z2)
* J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2))
* dZ2 = A2 - Y, dW2 = (1/m) dZ2 A1^T, db2 = (1/m) sum(dZ2, axis=1, keepdims=True)
* dZ1 = W2^T dZ2 * (1 - A1^2), dW1 = (1/m) dZ1 X^T, db1 = (1/m) sum(dZ1, axis=1, keepdims=True)
* theta := theta - alpha d theta
"""

import numpy as np

from scratch.costs import binary_cross_entropy
from scratch.course._checks import as_2d, check_shape, columns, updated_copy
from scratch.errors import ShapeError
from scratch.layers import linear_activation_forward, linear_backward
from scratch.validation import check_layer_dims, check_positive

__all__ = [
    "layer_sizes",
    "initialize_parameters",
    "forward_propagation",
    "compute_cost",
    "backward_propagation",
    "update_parameters",
    "nn_model",
    "predict",
]

_NAMES = ("W1", "b1", "W2", "b2")


def _two_layers(parameters, func):
    missing = [name for name in _NAMES if name not in parameters]
    if missing:
        raise KeyError(f"{func}: parameters must hold W1, b1, W2, b2; missing {missing}")
    W1 = as_2d("W1", parameters["W1"], func)
    W2 = as_2d("W2", parameters["W2"], func)
    b1 = check_shape("b1", np.asarray(parameters["b1"]), (W1.shape[0], 1), func)
    b2 = check_shape("b2", np.asarray(parameters["b2"]), (W2.shape[0], 1), func)
    if W2.shape[1] != W1.shape[0]:
        raise ShapeError(f"{func}: W2 must have shape ({W2.shape[0]}, {W1.shape[0]}) to follow "
                         f"W1 {W1.shape}, got {W2.shape}")
    return W1, b1, W2, b2


def layer_sizes(X, Y):
    """The sizes of the three layers.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)

    Returns
    -------
    (n_x, n_h, n_y) : tuple of int, n_h = 4 as in the course
    """
    X = as_2d("X", X, "layer_sizes")
    Y = as_2d("Y", Y, "layer_sizes")
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y):
    """Small random weights (randn x 0.01) and zero biases.

    Draws from NumPy's global legacy generator *without* reseeding it, as the
    2021 assignment does: W1 first, then W2 (the project's ``course``
    initialiser draws the same way after reseeding).

    Parameters
    ----------
    n_x, n_h, n_y : int
        Sizes of the input, hidden and output layers.

    Returns
    -------
    parameters : dict
        W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    """
    n_x, n_h, n_y = check_layer_dims([n_x, n_h, n_y])
    return {
        "W1": np.random.randn(n_h, n_x) * 0.01,
        "b1": np.zeros((n_h, 1)),
        "W2": np.random.randn(n_y, n_h) * 0.01,
        "b2": np.zeros((n_y, 1)),
    }


def forward_propagation(X, parameters):
    """A2 = sigma(W2 tanh(W1 X + b1) + b2).

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    parameters : dict
        W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).

    Returns
    -------
    A2 : ndarray, shape (n_y, m)
    cache : dict
        ``"Z1"``, ``"A1"`` (n_h, m), ``"Z2"``, ``"A2"`` (n_y, m).
    """
    W1, b1, W2, b2 = _two_layers(parameters, "forward_propagation")
    X = as_2d("X", X, "forward_propagation")
    check_shape("X", X, (W1.shape[1], None), "forward_propagation")
    A1, (_, Z1) = linear_activation_forward(X, W1, b1, "tanh")
    A2, (_, Z2) = linear_activation_forward(A1, W2, b2, "sigmoid")
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    """J = -(1/m) sum(Y log A2 + (1 - Y) log(1 - A2)).

    Parameters
    ----------
    A2 : ndarray, shape (1, m), or (m,) as the course's own takes it
    Y : ndarray, shape (1, m), labels 0/1 (booleans and real values accepted)

    Returns
    -------
    cost : float (a Python float, as the course's tests check)
    """
    A2, Y = np.asarray(A2), np.asarray(Y)
    if A2.ndim == 1 and Y.ndim == 2 and Y.shape == (1, A2.size):
        A2 = A2.reshape(Y.shape)  # the course's broadcasts a rank-1 A2 against Y (1, m)
    A2 = as_2d("A2", A2, "compute_cost")
    Y = check_shape("Y", np.asarray(Y), A2.shape, "compute_cost")
    return float(binary_cross_entropy(A2, Y))


def backward_propagation(parameters, cache, X, Y):
    """Gradients of J by backpropagation, using 1 - A1^2 from the cache for tanh'.

    Parameters
    ----------
    parameters : dict
        W1 (n_h, n_x), b1, W2 (n_y, n_h), b2.
    cache : dict
        ``"A1"`` (n_h, m) and ``"A2"`` (n_y, m) from :func:`forward_propagation`.
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)

    Returns
    -------
    grads : dict
        dW1 (n_h, n_x), db1 (n_h, 1), dW2 (n_y, n_h), db2 (n_y, 1).
    """
    func = "backward_propagation"
    W1, b1, W2, b2 = _two_layers(parameters, func)
    X = check_shape("X", as_2d("X", X, func), (W1.shape[1], None), func)
    m = X.shape[1]
    A1 = check_shape('cache["A1"]', np.asarray(cache["A1"]), (W1.shape[0], m), func)
    A2 = check_shape('cache["A2"]', np.asarray(cache["A2"]), (W2.shape[0], m), func)
    Y = check_shape("Y", np.asarray(Y), A2.shape, func)
    dA1, dW2, db2 = linear_backward(A2 - Y, (A1, W2, b2))
    _, dW1, db1 = linear_backward(dA1 * (1 - np.power(A1, 2)), (X, W1, b1), need_dA_prev=False)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate=1.2):
    """theta := theta - alpha d theta for W1, b1, W2, b2, into a new dict.

    Parameters
    ----------
    parameters : dict
        W1, b1, W2, b2.
    grads : dict
        dW1, db1, dW2, db2 of the same shapes.
    learning_rate : float

    Returns
    -------
    parameters : dict
        New arrays; the caller's are left untouched.
    """
    _two_layers(parameters, "update_parameters")
    return updated_copy(parameters, grads, learning_rate, "update_parameters")


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """Train the [n_x, n_h, n_y] network by gradient descent (learning rate 1.2).

    Reseeds NumPy's legacy generator with 3, then initialises with
    :func:`initialize_parameters` and repeats forward, cost, backward, update.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)
    n_h : int
    num_iterations : int
    print_cost : bool
        Print "Cost after iteration i: J" every 1000 iterations.

    Returns
    -------
    parameters : dict
        W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1) after training.
    """
    check_positive("num_iterations", num_iterations, integer=True)
    np.random.seed(3)
    n_x, _, n_y = layer_sizes(X, Y)
    columns("Y", Y, np.shape(X)[1], "nn_model")
    parameters = initialize_parameters(n_x, n_h, n_y)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        cost = compute_cost(A2, Y)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
        if print_cost and i % 1000 == 0:
            print("Cost after iteration %i: %f" % (i, cost))
    return parameters


def predict(parameters, X):
    """Class predictions A2 > 0.5.

    Parameters
    ----------
    parameters : dict
        W1, b1, W2, b2.
    X : ndarray, shape (n_x, m)

    Returns
    -------
    predictions : ndarray of bool, shape (n_y, m)
    """
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
