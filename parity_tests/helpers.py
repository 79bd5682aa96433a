"""Shared pieces of the parity suite: model descriptions, data, tolerances, comparisons.

Every model under test is described once, in :data:`MODELS`, as (id, NumPy
class, constructor arguments); both twins are built from that one description
(the NumPy model, then ``torch_ref.from_scratch``), so the two can never be
written differently by hand.
"""

import numpy as np
import pytest
import torch

from scratch.activations import get_activation
from scratch.models import DeepNetwork, LogisticRegression, RegressionNetwork, ShallowNetwork

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")

# -- model descriptions ---------------------------------------------------------------------
# (id, NumPy class, keyword arguments). Small sizes keep finite differences cheap; the
# non-default inits give weights of order one, where every activation is far from linear.
MODELS = [
    ("logistic-zeros", LogisticRegression, dict(n_x=4)),
    ("logistic-normal", LogisticRegression, dict(n_x=4, init="normal", scale=0.5)),
    *[
        (f"shallow-{g}", ShallowNetwork, dict(n_x=3, n_h=4, hidden_activation=g, init="lecun"))
        for g in HIDDEN_ACTIVATIONS
    ],
    ("shallow-tanh-course-init", ShallowNetwork, dict(n_x=2, n_h=4)),
    ("shallow-tanh-2-outputs", ShallowNetwork, dict(n_x=3, n_h=5, n_y=2, init="lecun")),
    ("shallow-leaky_relu-slope-0.2", ShallowNetwork,
     dict(n_x=3, n_h=4, hidden_activation="leaky_relu", negative_slope=0.2, init="he")),
    *[(f"deep-2-layer-{g}", DeepNetwork, dict(layer_dims=[3, 5, 1], hidden_activation=g))
      for g in HIDDEN_ACTIVATIONS],
    *[(f"deep-4-layer-{g}", DeepNetwork,
       dict(layer_dims=[4, 5, 4, 3, 1], hidden_activation=g, init="lecun"))
      for g in HIDDEN_ACTIVATIONS],
    ("deep-course-init", DeepNetwork,
     dict(layer_dims=[5, 4, 3, 1], init="course", scale="lecun", seed=3)),
    ("regression-relu-neuron", RegressionNetwork,
     dict(layer_dims=[1, 1], output_activation="relu", seed=2)),
    *[(f"regression-{g}", RegressionNetwork, dict(layer_dims=[3, 4, 2], hidden_activation=g))
      for g in HIDDEN_ACTIVATIONS],
    ("regression-3-layer-relu-output", RegressionNetwork,
     dict(layer_dims=[2, 4, 3, 1], hidden_activation="tanh", output_activation="relu")),
]
MODEL_IDS = [model_id for model_id, _, _ in MODELS]
CLASSIFIERS = [description for description in MODELS if description[1] is not RegressionNetwork]


def build(description, **overrides):
    """The NumPy model of a description (id, class, kwargs), with ``overrides`` applied."""
    _, cls, kwargs = description
    return cls(**{**kwargs, **overrides})


def make_data(model, m, seed=0):
    """X (n_x, m) standard normal and Y (n_y, m) for ``model``, in float64.

    Labels are 0/1 for classification, half of each (shuffled), so both classes appear
    whenever there are two labels or more; targets of order one for regression.
    Standard-normal inputs make a pre-activation within rounding of ReLU's kink
    vanishingly unlikely.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((model.n_x, m))
    if model.task == "classification":
        Y = rng.permutation(np.arange(model.n_y * m) % 2).reshape(model.n_y, m).astype(np.float64)
    else:
        Y = rng.standard_normal((model.n_y, m))
    return X, Y


# -- devices and dtypes ---------------------------------------------------------------------
DEVICES = [
    pytest.param("cpu", id="cpu"),
    pytest.param(
        "cuda",
        id="cuda",
        marks=[
            pytest.mark.cuda,
            pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA not available"),
        ],
    ),
]
TWIN_DTYPES = ["float64", "float32"]


def accelerator(device):
    """Lightning's accelerator name for a torch device string."""
    return {"cpu": "cpu", "cuda": "gpu"}[device]


# -- tolerances -----------------------------------------------------------------------------
# Stated once, as a number of eps of the twin's dtype; NumPy always runs in float64. Every
# comparison allows |twin - numpy| <= tol * (|numpy| + scale) (assert_dicts_close). For one
# pass, scale is the size of the terms each entry was summed from (rounding_scales):
# rounding errors are proportional to that, not to the entry, which may be a sum that
# cancels. For whole training runs, scale is the largest entry of the same array.
#
# float64 twin: the two engines compute the same expressions in the same precision and
# differ only in rounding (BLAS vs ATen summation order, torch's differently arranged but
# equivalent cross-entropy on logits and its gradient). Measured: under 1 eps for A[L], the
# cost and every gradient of every model here, up to m = 300 and the cat net's 12288 inputs;
# under 15 eps after 200 training steps (each step's rounding is carried into the next).
# 4500 eps, about 1e-12, keeps a wide margin for other BLAS builds and GPUs while a relative
# change of 1e-10 in one activation's slope already fails the suite.
#
# float32 twin vs float64 NumPy: the twin starts from X and parameters rounded to float32
# and rounds every operation in float32. Measured: under 1 eps32 for one pass, under 5 eps32
# after 200 training steps. 300 eps32, about 4e-5, is the float32 analogue of the bound above.
EPS = {"float64": float(np.finfo(np.float64).eps), "float32": float(np.finfo(np.float32).eps)}
EPS_UNITS = {"float64": 4500.0, "float32": 300.0}
TOLERANCES = {name: dict(rtol=EPS_UNITS[name] * EPS[name], atol=EPS_UNITS[name] * EPS[name])
              for name in EPS}


# -- comparing the two engines --------------------------------------------------------------
def numpy_results(model, X, Y):
    """A[L], the cost and every gradient of a NumPy model, in one dict of arrays."""
    AL, _ = model.forward(X)
    cost, grads = model.cost_and_gradients(X, Y)
    return {"AL": AL, "cost": np.asarray(cost), **grads}


def rounding_scales(model, X, Y, dtype="float64"):
    """For every entry of :func:`numpy_results`, the size of what rounding acts on.

    Every computed entry is a sum (over units, over examples) of terms that
    carry rounding errors of their own; its error is a few eps times the sum
    of the absolute values of those terms, however much they cancel (``db2``
    with balanced labels sums terms of size 0.5 to about 1e-7; a hidden unit's
    Z can cancel to 1e-3 from terms of order one). This runs the forward and
    backward passes on absolute values, carrying each quantity's term size
    forward through the layers and back, to get that scale for every entry.

    Every scale is at least ``tiny / eps`` of ``dtype`` (the twin's): a value
    below the smallest normal number ``tiny`` keeps fewer digits, or flushes
    to 0 (a float32 sigmoid of -3000 is 0, not 1e-1303).

    Returns
    -------
    dict
        Keyed like :func:`numpy_results`, arrays of the same shapes, and
        ``"ZL"`` for Z[L].
    """
    _, caches = model.forward(X)
    m = X.shape[1]
    names = list(model.params)
    L = len(caches)
    activations = [get_activation(model.hidden_activation, model.negative_slope)] * (L - 1)
    activations.append(get_activation(model.output_activation))
    slopes = [np.abs(g.backward(np.ones_like(Z), Z)) for g, (_, Z) in zip(activations, caches)]

    # Forward: T_A[l] bounds the terms behind A[l], T_Z the terms behind Z[l] (g' <= 1 here).
    T_A = [np.abs(X)]
    for l, ((A_prev, W, b), Z) in enumerate(caches):
        T_Z = np.abs(W) @ T_A[-1] + np.abs(b)
        A = activations[l].forward(Z)[0]
        T_A.append(np.abs(A) + slopes[l] * T_Z)
    ZL = caches[-1][1]
    if model.output_activation == "sigmoid":
        D = T_A[L] + np.abs(Y)  # dZ[L] = A[L] - Y, before cancelling
        cost = (np.abs(ZL) * (1 + np.abs(Y)) + T_Z + 1).sum() / m
    else:
        D = 2 * (T_A[L] + np.abs(Y)) * slopes[-1]
        cost = ((T_A[L] + np.abs(Y)) ** 2).sum() / m
    scales = {"AL": T_A[L], "ZL": T_Z, "cost": np.asarray(cost)}
    # Backward: D bounds the terms behind dZ[l] (times m, the course's convention).
    for l in range(L, 0, -1):
        dW = D @ T_A[l - 1].T / m
        scales["d" + names[2 * l - 2]] = dW.T if names[0] == "w" else dW
        scales["d" + names[2 * l - 1]] = D.sum(axis=1, keepdims=True) / m
        if l > 1:
            D = slopes[l - 2] * (np.abs(caches[l - 1][0][1]).T @ D)
    floor = np.finfo(dtype).tiny / np.finfo(dtype).eps
    return {key: scale + floor for key, scale in scales.items()}


def twin_results(twin, X, Y):
    """The same dict for a twin, computed by autograd, as float64 NumPy arrays."""
    AL = twin(X)
    cost, grads = twin.cost_and_gradients(X, Y)
    results = {"AL": AL.detach(), "cost": cost, **grads}
    return {key: value.detach().cpu().double().numpy() for key, value in results.items()}


def as_tensors(twin, *arrays):
    """NumPy arrays as tensors in the twin's dtype and on its device."""
    return [torch.as_tensor(a, dtype=twin.dtype, device=twin.device) for a in arrays]


def assert_dicts_close(name_of_model, expected, actual, rtol, atol, scales=None):
    """Assert two dicts of arrays hold the same keys, shapes and values.

    Entry by entry, ``|actual - expected| <= rtol * |expected| + atol * scale``.
    ``scales[key]`` (see :func:`rounding_scales`) gives each entry's scale;
    without it, the scale of every entry of a key is that key's largest
    ``|expected|`` (1 where that is 0).

    The failure message names the model and every key that differs, with the
    worst entry's index, both values and the largest difference.
    """
    assert sorted(expected) == sorted(actual), (
        f"{name_of_model}: keys differ: expected {sorted(expected)}, got {sorted(actual)}"
    )
    failures = []
    for key in expected:
        e = np.asarray(expected[key], dtype=np.float64)
        a = np.asarray(actual[key], dtype=np.float64)
        if e.shape != a.shape:
            failures.append(f"{key}: shape {a.shape}, expected {e.shape}")
            continue
        if scales is None:
            scale = float(np.max(np.abs(e), initial=0.0)) or 1.0
        else:
            scale = np.asarray(scales[key], dtype=np.float64)
        difference = np.abs(a - e)
        bad = ~(difference <= rtol * np.abs(e) + atol * scale)  # NaN counts as bad
        if bad.any():
            worst = np.unravel_index(np.argmax(np.where(bad, difference, -1.0)), e.shape)
            largest = float(np.max(np.where(np.isnan(difference), np.inf, difference)))
            failures.append(
                f"{key}: {int(bad.sum())} of {e.size} entries differ; worst at "
                f"{tuple(int(i) for i in worst)}: expected {float(e[worst])!r}, "
                f"got {float(a[worst])!r}; largest difference {largest!r} "
                f"(rtol={rtol:.3g}, atol={atol:.3g} x scale {np.max(scale):.3g})"
            )
    assert not failures, f"{name_of_model}: twins differ\n  " + "\n  ".join(failures)


def assert_same_error(expected_exc, actual_exc):
    """The twin raised the same exception type with the same message as NumPy."""
    assert type(actual_exc) is type(expected_exc), (
        f"twin raised {type(actual_exc).__name__}: {actual_exc}; "
        f"NumPy raised {type(expected_exc).__name__}: {expected_exc}"
    )
    assert str(actual_exc) == str(expected_exc)


# -- training -------------------------------------------------------------------------------
def train_twin(twin, X, Y, learning_rate, num_iterations):
    """Full-batch gradient descent on a twin with a plain torch loop; returns the costs."""
    X, Y = as_tensors(twin, X, Y)
    optimizer = torch.optim.SGD(twin.parameters(), lr=learning_rate)
    costs = []
    for _ in range(num_iterations):
        optimizer.zero_grad()
        cost = twin.cost(X, Y)
        cost.backward()
        optimizer.step()
        costs.append(cost.detach())
    return torch.stack(costs).tolist()
