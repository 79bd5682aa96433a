"""Gradient checking with centred finite differences.

A second oracle that needs no framework: for every parameter entry theta_i,

    dtheta_approx_i = (J(theta_i + eps) - J(theta_i - eps)) / (2 eps)

and the analytic gradient from backpropagation should agree with it to a
relative error around 1e-9 in float64 for smooth costs. Keep inputs away from
ReLU's kink at 0 when checking ReLU networks.
"""

import numpy as np

from scratch.validation import check_positive


def numerical_gradient(f, array, epsilon=1e-6):
    """Centred differences of the scalar ``f()`` with respect to every entry of ``array``.

    ``array`` is perturbed in place, one entry at a time, and restored;
    ``epsilon`` is a positive number.

    Returns
    -------
    ndarray, float64, of ``array``'s shape
    """
    check_positive("epsilon", epsilon)
    gradient = np.zeros(array.shape, dtype=np.float64)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + epsilon
        plus = f()
        array[index] = original - epsilon
        minus = f()
        array[index] = original
        gradient[index] = (plus - minus) / (2 * epsilon)
    return gradient


def numerical_gradients(model, X, Y, epsilon=1e-6):
    """Centred-difference gradients of the cost with respect to every parameter.

    Parameters
    ----------
    model : scratch.models.Network
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)
    epsilon : float
        The step, a positive number.

    Returns
    -------
    grads : dict
        Keyed like ``model.cost_and_gradients``: ``"d" + name``.
    """
    check_positive("epsilon", epsilon)
    X, Y = model.check_inputs(X, Y)

    def cost():
        return model.cost(X, Y)

    return {"d" + name: numerical_gradient(cost, theta, epsilon)
            for name, theta in model.params.items()}


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), the course's measure, over dicts or arrays."""
    if isinstance(a, dict):
        a = np.concatenate([np.ravel(a[key]) for key in sorted(a)])
        b = np.concatenate([np.ravel(b[key]) for key in sorted(b)])
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)


def gradient_check(model, X, Y, epsilon=1e-6):
    """Relative error between backpropagation and centred finite differences.

    Parameters
    ----------
    model : scratch.models.Network
    X : ndarray, shape (n_x, m)
    Y : ndarray, shape (n_y, m)
    epsilon : float
        The finite-difference step, a positive number.

    Returns
    -------
    float
        ``||grad - grad_approx|| / (||grad|| + ||grad_approx||)`` over all
        parameters; below 1e-7 means backpropagation is right.
    """
    check_positive("epsilon", epsilon)
    _, grads = model.cost_and_gradients(X, Y)
    return relative_error(grads, numerical_gradients(model, X, Y, epsilon))
