"""Parameter initialisation (weeks 3 and 4).

Schemes
-------
``zeros``
    All weights zero: hidden units stay identical for ever (week 3's symmetry).
``normal``
    Gaussian weights times ``scale`` (default 0.01, the course's small random values).
``lecun``
    Gaussian weights times 1/sqrt(n_{l-1}).
``he``
    Gaussian weights times sqrt(2/n_{l-1}), suited to ReLU.
``course``
    The classic assignments' draws, reproduced exactly: NumPy's legacy global
    generator is reseeded with ``seed`` (this changes ``np.random``'s global
    state, as the course's notebooks do), then W[l] = randn(n_l, n_{l-1})
    times ``scale`` for l = 1..L. ``scale`` is a number (default 0.01) or
    ``"lecun"`` (divide by sqrt(n_{l-1})) or ``"he"``.

The other random schemes draw from ``numpy.random.default_rng(seed)``. Biases
always start at zero.
"""

import numbers

import numpy as np

from scratch.validation import check_layer_dims

INIT_SCHEMES = ("zeros", "normal", "lecun", "he", "course")


def _scaled(draw, n_prev, scale):
    """Apply a numeric scale or a fan-in rule to a standard-normal draw."""
    if scale == "lecun":
        # Division, not multiplication by 1/sqrt: the course's exact arithmetic.
        return draw / np.sqrt(n_prev)
    if scale == "he":
        return draw * np.sqrt(2.0 / n_prev)
    return draw * scale


def _generator(init, seed):
    """``draw(n_l, n_prev)``: standard-normal draws seeded with ``seed``.

    NumPy's own error for a bad seed names ``SeedSequence`` or nothing at all;
    this one names ``seed``.
    """
    try:
        if init == "course":
            np.random.seed(seed)
            return np.random.randn
        rng = np.random.default_rng(seed)
    except (TypeError, ValueError) as exc:
        expected = ("None or an integer from 0 to 2**32 - 1 (init 'course' seeds NumPy's "
                    "legacy generator)" if init == "course" else "None or a non-negative integer")
        raise type(exc)(f"seed must be {expected}, got {seed!r}") from None
    return lambda *shape: rng.standard_normal(shape)


def initialize_parameters(layer_dims, init="he", seed=1, scale=None, dtype=np.float64):
    """Initialise W1, b1, ..., WL, bL for layer sizes [n_x, n_1, ..., n_L].

    Parameters
    ----------
    layer_dims : sequence of int, length L + 1
    init : {"zeros", "normal", "lecun", "he", "course"}
    seed : int or None
    scale : float or {"lecun", "he"}, optional
        For ``normal`` and ``course`` only (default 0.01).
    dtype : numpy dtype, float64 or float32

    Returns
    -------
    params : dict
        ``W{l}`` of shape (n_l, n_{l-1}) and ``b{l}`` of shape (n_l, 1).
    """
    dims = check_layer_dims(layer_dims)
    dtype = np.dtype(dtype)
    if init not in INIT_SCHEMES:
        raise ValueError(f"unknown init {init!r}; choose one of: {', '.join(INIT_SCHEMES)}")
    if scale is None:
        scale = {"lecun": "lecun", "he": "he"}.get(init, 0.01)
    elif init in ("zeros", "lecun", "he"):
        raise ValueError(f"scale applies to init 'normal' or 'course', not {init!r}")
    if not (scale in ("lecun", "he") or (isinstance(scale, numbers.Real) and not
                                          isinstance(scale, bool) and 0 < scale < np.inf)):
        raise ValueError(f"scale must be a positive number, 'lecun' or 'he', got {scale!r}")
    draw = _generator(init, seed)

    params = {}
    for l in range(1, len(dims)):
        n_l, n_prev = dims[l], dims[l - 1]
        if init == "zeros":
            W = np.zeros((n_l, n_prev))
        else:
            W = _scaled(draw(n_l, n_prev), n_prev, scale)
        params[f"W{l}"] = W.astype(dtype, copy=False)
        params[f"b{l}"] = np.zeros((n_l, 1), dtype=dtype)
    return params
