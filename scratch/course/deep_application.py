"""Week 4, "Deep Neural Network for Image Classification: Application", by the assignment's names.

``two_layer_model`` ([n_x, n_h, 1], LINEAR -> RELU -> LINEAR -> SIGMOID) and
``L_layer_model`` ([LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID) train by
full-batch gradient descent with the functions of
:mod:`scratch.course.deep_step_by_step`: forward (Z[l] = W[l] A[l-1] + b[l],
A[l] = g(Z[l])), cost J = -(1/m) sum(Y log A[L] + (1 - Y) log(1 - A[L])),
backward from dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])), update
theta := theta - alpha d theta. Both reseed NumPy's legacy generator with 1;
the two-layer model initialises with randn x 0.01, the L-layer one with
randn / sqrt(n_{l-1}) (the assignment's ``dnn_app_utils`` initialiser).
"""

import numpy as np

from scratch.course import deep_step_by_step as _steps
from scratch.course._checks import as_2d, check_shape
from scratch.errors import ShapeError
from scratch.initializers import initialize_parameters as _initialize
from scratch.validation import check_layer_dims, check_positive

__all__ = ["initialize_parameters_deep", "two_layer_model", "L_layer_model", "predict"]


def _check_data(X, Y, layers_dims, func):
    X = as_2d("X", X, func)
    check_shape("X", X, (layers_dims[0], None), func)
    check_shape("Y", np.asarray(Y), (layers_dims[-1], X.shape[1]), func)


def _gradient_descent(X, Y, parameters, learning_rate, num_iterations, print_cost):
    """The assignment's loop; returns (parameters, costs at i % 100 == 0)."""
    costs = []
    for i in range(num_iterations):
        AL, caches = _steps.L_model_forward(X, parameters)
        cost = _steps.compute_cost(AL, Y)
        grads = _steps.L_model_backward(AL, Y, caches)
        parameters = _steps.update_parameters(parameters, grads, learning_rate)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print("Cost after iteration {}: {}".format(i, np.squeeze(cost)))
        if i % 100 == 0:
            costs.append(cost)
    return parameters, costs


def initialize_parameters_deep(layer_dims):
    """The application's helper module's initialiser (``dnn_app_utils``), not the step-by-step one.

    Reseeds NumPy's legacy generator with 1; W[l] = randn / sqrt(n_{l-1}), b[l] = 0.

    Parameters
    ----------
    layer_dims : list of int
        [n_x, n_1, ..., n_L].

    Returns
    -------
    parameters : dict
        W{l} (n_l, n_{l-1}), b{l} (n_l, 1) for l = 1..L.
    """
    return _initialize(check_layer_dims(layer_dims), init="course", seed=1, scale="lecun")


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                    print_cost=False):
    """Train LINEAR -> RELU -> LINEAR -> SIGMOID by gradient descent.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m), labels 0/1 (real values accepted)
    layers_dims : tuple (n_x, n_h, n_y)
    learning_rate : float
    num_iterations : int
    print_cost : bool
        Print "Cost after iteration i: J" every 100 iterations and at the last.

    Returns
    -------
    parameters : dict
        W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ...
    """
    dims = check_layer_dims(layers_dims)
    if len(dims) != 3:
        raise ValueError(f"two_layer_model: layers_dims must be (n_x, n_h, n_y), got {dims}")
    check_positive("num_iterations", num_iterations, integer=True)
    _check_data(X, Y, dims, "two_layer_model")
    np.random.seed(1)
    parameters = _steps.initialize_parameters(*dims)
    return _gradient_descent(X, Y, parameters, learning_rate, num_iterations, print_cost)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                  print_cost=False):
    """Train [LINEAR -> RELU] x (L-1) -> LINEAR -> SIGMOID by gradient descent.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (1, m), labels 0/1 (real values accepted)
    layers_dims : list of int
        [n_x, n_1, ..., n_L], e.g. the course's [12288, 20, 7, 5, 1].
    learning_rate : float
    num_iterations : int
    print_cost : bool
        Print "Cost after iteration i: J" every 100 iterations and at the last.

    Returns
    -------
    parameters : dict
        W{l} (n_l, n_{l-1}), b{l} (n_l, 1) for l = 1..L.
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ...
    """
    dims = check_layer_dims(layers_dims)
    check_positive("num_iterations", num_iterations, integer=True)
    _check_data(X, Y, dims, "L_layer_model")
    np.random.seed(1)
    parameters = initialize_parameters_deep(dims)
    return _gradient_descent(X, Y, parameters, learning_rate, num_iterations, print_cost)


def predict(X, y, parameters):
    """p = 1 where the network's A[L] > 0.5, else 0; prints the accuracy.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
    y : ndarray, shape (1, m), the true labels
    parameters : dict
        W1, b1, ..., WL, bL.

    Returns
    -------
    p : ndarray, shape (1, m), float64 values 0.0 or 1.0
    """
    probas, _ = _steps.L_model_forward(X, parameters)
    m = probas.shape[1]
    y = np.asarray(y)
    if y.size != m:
        raise ShapeError(f"predict: y must have shape (1, {m}) to match X, got {y.shape}")
    p = (probas > 0.5).astype(np.float64)
    print("Accuracy: " + str(np.sum((p == y) / m)))
    return p
