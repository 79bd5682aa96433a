"""Week 2, "Logistic Regression with a Neural Network mindset", by the assignment's names.

Logistic regression is the one-layer network [n_x, 1] with a sigmoid output,
so every function here is the project's layer blocks with the course's
parameter layout: ``w`` a column (n_x, 1), ``b`` one number.

Lecture equations (week 2):

* z = w^T x + b, a = sigma(z)                              (forward)
* J = -(1/m) sum(y log a + (1 - y) log(1 - a))             (cost)
* dz = a - y, dw = (1/m) X dz^T, db = (1/m) sum(dz)        (backward)
* w := w - alpha dw, b := b - alpha db                     (gradient descent)
"""

import numpy as np

from scratch.activations import sigmoid as _sigmoid
from scratch.costs import binary_cross_entropy
from scratch.course._checks import as_2d, check_shape, floating
from scratch.errors import ShapeError
from scratch.initializers import initialize_parameters
from scratch.layers import linear_activation_forward, linear_backward
from scratch.training import update_parameters
from scratch.validation import check_positive

__all__ = ["sigmoid", "initialize_with_zeros", "propagate", "optimize", "predict", "model"]



def _bias(b, func):
    """b, one number (a float, a 0-d or a (1, 1) array), as the (1, 1) array the layer uses."""
    b = floating(b)
    if b.size != 1:
        raise ShapeError(f"{func}: b must be one number (a float), got shape {b.shape}")
    return b.reshape(1, 1)


def _check_wX(w, X, func, reshape_w=False):
    X = as_2d("X", floating(X), func)
    w = floating(w)
    if reshape_w and w.size == X.shape[0]:
        w = w.reshape(X.shape[0], 1)  # as the course's predict does
    check_shape("w", w, (X.shape[0], 1), func)
    return w, X


def sigmoid(z):
    """sigma(z) = 1 / (1 + e^-z), elementwise.

    Parameters
    ----------
    z : scalar or ndarray of any shape

    Returns
    -------
    s : ndarray, same shape as ``z``
    """
    return _sigmoid(floating(z))[0]


def initialize_with_zeros(dim):
    """w = 0 (a column of ``dim`` zeros) and b = 0.0.

    Parameters
    ----------
    dim : int
        n_x, the number of features.

    Returns
    -------
    w : ndarray, shape (dim, 1), float64 zeros
    b : float, 0.0 (a Python float, as the course's tests check)
    """
    params = initialize_parameters([dim, 1], init="zeros")
    return params["W1"].T.copy(), float(params["b1"][0, 0])


def propagate(w, b, X, Y):
    """Forward and backward propagation of logistic regression on all m examples.

    A = sigma(w^T X + b); J = -(1/m) sum(Y log A + (1 - Y) log(1 - A));
    dw = (1/m) X (A - Y)^T; db = (1/m) sum(A - Y).

    Parameters
    ----------
    w : ndarray, shape (n_x, 1)
    b : float
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m), labels 0/1 (real values are accepted, as in the course)

    Returns
    -------
    grads : dict
        ``"dw"`` ndarray of shape (n_x, 1), ``"db"`` numpy float64.
    cost : 0-d ndarray (``np.squeeze`` of the cost, as the course returns it)
    """
    w, X = _check_wX(w, X, "propagate")
    Y = check_shape("Y", np.asarray(Y), (1, X.shape[1]), "propagate")
    A, (linear_cache, _) = linear_activation_forward(X, w.T, _bias(b, "propagate"), "sigmoid")
    cost = np.squeeze(np.array(binary_cross_entropy(A, Y)))
    _, dW, db = linear_backward(A - Y, linear_cache, need_dA_prev=False)
    return {"dw": dW.T, "db": db[0, 0]}, cost


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent: ``num_iterations`` times propagate, then w -= alpha dw, b -= alpha db.

    Parameters
    ----------
    w : ndarray, shape (n_x, 1)
    b : float
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m)
    num_iterations : int
    learning_rate : float
    print_cost : bool
        Print "Cost after iteration i: J" every 100 iterations.

    Returns
    -------
    params : dict
        ``"w"`` (n_x, 1) and ``"b"`` (numpy float64) after training; the caller's w is untouched.
    grads : dict
        ``"dw"`` (n_x, 1) and ``"db"`` of the last iteration (computed before its update).
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ...
    """
    check_positive("num_iterations", num_iterations, integer=True)
    w, X = _check_wX(w, X, "optimize")
    params = {"w": np.array(w, copy=True), "b": np.array(floating(b), copy=True)}
    _bias(params["b"], "optimize")
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(params["w"], params["b"], X, Y)
        update_parameters(params, grads, learning_rate)  # in place, on this function's copies
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print("Cost after iteration %i: %f" % (i, cost))
    if params["b"].ndim == 0:
        params["b"] = params["b"][()]  # a numpy float64, as the course's b becomes
    return params, grads, costs


def predict(w, b, X):
    """y_hat = 1 where sigma(w^T X + b) > 0.5, else 0.

    Parameters
    ----------
    w : ndarray, shape (n_x, 1) (any array of n_x values is reshaped, as in the course)
    b : float
    X : ndarray, shape (n_x, m)

    Returns
    -------
    Y_prediction : ndarray, shape (1, m), float64 values 0.0 or 1.0
    """
    w, X = _check_wX(w, X, "predict", reshape_w=True)
    A, _ = linear_activation_forward(X, w.T, _bias(b, "predict"), "sigmoid")
    return (A > 0.5).astype(np.float64)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5,
          print_cost=False):
    """Logistic regression end to end: zeros, optimize, predict on both sets.

    Parameters
    ----------
    X_train : ndarray, shape (n_x, m_train)
    Y_train : ndarray, shape (1, m_train)
    X_test : ndarray, shape (n_x, m_test)
    Y_test : ndarray, shape (1, m_test) (or (m_test,), as the course's takes it)
    num_iterations, learning_rate : as for :func:`optimize`
    print_cost : bool
        Print the cost every 100 iterations, then the train and test accuracy.

    Returns
    -------
    d : dict
        ``costs`` (list of 0-d arrays), ``Y_prediction_test`` (1, m_test),
        ``Y_prediction_train`` (1, m_train), ``w`` (n_x, 1), ``b``, ``learning_rate``,
        ``num_iterations``.
    """
    X_train = as_2d("X_train", X_train, "model")
    X_test = as_2d("X_test", X_test, "model")
    if X_test.shape[0] != X_train.shape[0]:
        raise ShapeError(f"model: X_test must have shape ({X_train.shape[0]}, m_test) like "
                         f"X_train, got {X_test.shape}")
    # The course's takes any Y_test of m_test labels (its own tests pass shape (m_test,)).
    if np.size(Y_test) != X_test.shape[1]:
        raise ShapeError(f"model: Y_test must hold {X_test.shape[1]} labels, one per column of "
                         f"X_test, got shape {np.shape(Y_test)}")
    Y_test = np.reshape(Y_test, (1, X_test.shape[1]))
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        print("train accuracy: {} %".format(
            100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100))
        print("test accuracy: {} %".format(
            100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100))
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
