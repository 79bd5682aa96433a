"""Activation functions and their derivatives (week 3).

Each activation comes as a pair, in the course's style:

* ``<name>(Z) -> (A, cache)``: A = g(Z), the cache is Z itself;
* ``<name>_backward(dA, cache) -> dZ``: dZ = dA * g'(Z), elementwise.

Floating input keeps its dtype (float32 stays float32); integer or boolean
input, Python lists and scalars are computed in float64, and a scalar gives
back a NumPy scalar: ``sigmoid(1)`` is ``(0.7310..., 1.0)``.
"""

from typing import Callable, NamedTuple

import numpy as np

from scratch.validation import as_floating, check_finite_number, scalar_if_0d

DEFAULT_NEGATIVE_SLOPE = 0.01


def _stable_sigmoid(Z):
    # exp(-|z|) never overflows; each branch then uses the form that stays exact.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E)).astype(Z.dtype, copy=False)


def sigmoid(Z):
    """Sigmoid 1 / (1 + e^-z), stable for any finite z.

    Parameters
    ----------
    Z : ndarray, shape (n_l, m), or a scalar
        Pre-activations of layer l.

    Returns
    -------
    A : ndarray, shape (n_l, m)
        Activations, in (0, 1); exactly 0 or 1 only where float precision ends.
    cache : ndarray, shape (n_l, m)
        Z (in floating point), kept for the backward pass.
    """
    Z = as_floating("Z", Z)
    return scalar_if_0d(_stable_sigmoid(Z)), scalar_if_0d(Z)


def sigmoid_backward(dA, cache):
    """dZ = dA * s(Z) * (1 - s(Z)) for A = s(Z); dA and Z of shape (n_l, m)."""
    s = _stable_sigmoid(as_floating("cache", cache))
    return scalar_if_0d(as_floating("dA", dA) * s * (1 - s))


def tanh(Z):
    """Hyperbolic tangent; returns (A, cache=Z), shapes (n_l, m)."""
    Z = as_floating("Z", Z)
    return scalar_if_0d(np.tanh(Z)), scalar_if_0d(Z)


def tanh_backward(dA, cache):
    """dZ = dA * (1 - tanh(Z)^2); dA and Z of shape (n_l, m)."""
    A = np.tanh(as_floating("cache", cache))
    return scalar_if_0d(as_floating("dA", dA) * (1 - A * A))


def relu(Z):
    """ReLU max(0, z); returns (A, cache=Z), shapes (n_l, m)."""
    Z = as_floating("Z", Z)
    return scalar_if_0d(np.maximum(Z, 0)), scalar_if_0d(Z)


def relu_backward(dA, cache):
    """dZ = dA where Z > 0, else 0 (the derivative at exactly 0 is taken as 0)."""
    return scalar_if_0d(as_floating("dA", dA) * (as_floating("cache", cache) > 0))


def leaky_relu(Z, negative_slope=DEFAULT_NEGATIVE_SLOPE):
    """Leaky ReLU: z for z > 0, ``negative_slope`` * z otherwise; returns (A, cache=Z)."""
    Z = as_floating("Z", Z)
    return scalar_if_0d(np.where(Z > 0, Z, Z * negative_slope)), scalar_if_0d(Z)


def leaky_relu_backward(dA, cache, negative_slope=DEFAULT_NEGATIVE_SLOPE):
    """dZ = dA where Z > 0, ``negative_slope`` * dA otherwise."""
    dA = as_floating("dA", dA)
    return scalar_if_0d(np.where(as_floating("cache", cache) > 0, dA, dA * negative_slope))


def identity(Z):
    """Identity output for regression; returns (A, cache=Z)."""
    Z = scalar_if_0d(as_floating("Z", Z))
    return Z, Z


def identity_backward(dA, cache):
    """dZ = dA."""
    return scalar_if_0d(as_floating("dA", dA))


class Activation(NamedTuple):
    """A forward/backward pair, looked up by name."""

    name: str
    forward: Callable
    backward: Callable


_ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
    "identity": (identity, identity_backward),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")


def get_activation(name, negative_slope=DEFAULT_NEGATIVE_SLOPE):
    """Return the :class:`Activation` called ``name``.

    ``negative_slope`` (a finite number) is bound into leaky ReLU and ignored
    by the others.
    """
    try:
        forward, backward = _ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(sorted(_ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; choose one of: {known}") from None
    if name == "leaky_relu":
        slope = float(check_finite_number("negative_slope", negative_slope))
        return Activation(
            name,
            lambda Z: leaky_relu(Z, slope),
            lambda dA, cache: leaky_relu_backward(dA, cache, slope),
        )
    return Activation(name, forward, backward)
