"""Shared pieces of the parity suite: model descriptions, data, tolerances, comparisons.

Every model under test is described once, in :data:`MODELS`, as (id, NumPy
class, constructor arguments); both twins are built from that one description
(the NumPy model, then ``torch_ref.from_scratch``), so the two can never be
written differently by hand.
"""

import json
import os
import re

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
# Stated once, in eps of the twin's dtype (NumPy always runs in float64), from the numerics
# each kind of comparison covers. Every comparison allows
#     |twin - numpy| <= tol * (|numpy| + scale)                      (assert_dicts_close)
# For one pass, scale is the size of the terms each entry was summed from (rounding_scales):
# rounding errors are proportional to that, not to the entry, which may be a sum that
# cancels. For whole training runs, scale is the largest entry of the same array.
#
# One pass (forward, cost, backward): the two engines compute the same expressions and
# differ only in rounding (BLAS vs ATen summation order, torch's differently arranged but
# equivalent cross-entropy on logits and its gradient). Measured, as the largest
# |twin - numpy| / (eps (|numpy| + scale)) over every model here, m = 1 and 16, the
# saturated outputs, and 440 hypothesis-drawn architectures: 1.35 eps in float64 (most
# cases under 0.7), 0.70 eps32 for the float32 twin. PASS_EPS = 16 is about 12 times that:
# room for another BLAS, or a GPU summing in another order, while a change of a few tens
# of eps in any entry (a rounding moved into the wrong place, a term dropped from a sum)
# fails.
#
# Training runs: each step starts from the other engine's slightly different parameters,
# so the differences of earlier steps are carried into later ones. While gradient descent
# is stable they add up rather than grow, so the allowance is linear in the number of
# steps: PASS_EPS + STEP_EPS * steps, against each array's largest entry (its layer's, for
# a bias: run_scale). Measured, largest over the suite's runs:
#     NumPy vs Lightning, float64:   0.53 eps at 20 steps (cats), 0.72 at 5 (LightningCLI),
#                                    1.3 at 60 (digits), 0.81 at 200 (flower), 3.0 on the
#                                    run that diverges near step 70, 1.4 at 40 (symmetry)
#     NumPy vs Lightning, float32:   1.25 eps32 at 200 steps (flower)
#     NumPy vs the course's loop:    7.3 eps at 30 iterations (flower), 1.8 at 5 (cats)
#     ddp vs one process:            4.8 eps at 30 steps (flower, 3 processes), 1.0 at 40
#                                    (cats); 34 eps after 1000 flower steps
# STEP_EPS = 0.5 allows 31 eps at 30 steps and 116 at 200: at least 4 times every figure
# above and 15 times 1000 steps' 34, while a difference of a few hundred eps fails.
#
# NNDL_TOLERANCE_LOG=FILE makes every comparison append, as one JSON line, the fraction of
# its allowance it used; that is how the figures above were measured (see the README).
EPS = {"float64": float(np.finfo(np.float64).eps), "float32": float(np.finfo(np.float32).eps)}
PASS_EPS = {"float64": 16.0, "float32": 16.0}
STEP_EPS = {"float64": 0.5, "float32": 0.5}


def pass_tolerance(dtype="float64"):
    """rtol and atol for one forward/cost/backward pass of a twin in ``dtype``."""
    units = PASS_EPS[dtype] * EPS[dtype]
    return dict(rtol=units, atol=units)


def run_tolerance(steps, dtype="float64"):
    """rtol and atol for ``steps`` steps of gradient descent (costs and final parameters)."""
    units = (PASS_EPS[dtype] + STEP_EPS[dtype] * steps) * EPS[dtype]
    return dict(rtol=units, atol=units)


TOLERANCES = {name: pass_tolerance(name) for name in EPS}


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

    A saturated sigmoid or tanh unit needs one more term. Its slope g'(Z),
    s (1 - s) or 1 - tanh(Z)^2, is computed by cancellation from a value
    within an ulp of 1: its error is absolute, about eps, however small
    g'(Z) is (1 - tanh(7.6)^2 = 1e-6 comes with an error of 1e-16, 1e-10 of
    it). And Z's own error, eps T_Z, moves g'(Z) by |g''(Z)| eps T_Z, with
    |g''| <= 2 g' for tanh and <= g' for sigmoid. So the backward pass carries
    dZ's terms as |dA terms| (g' + 1 + 2 g' T_Z) for those two; ReLU and leaky
    ReLU have exact slopes (0, 1 or the negative slope) and keep g' alone.

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
    slope_terms = []  # what the error of dZ[l] = dA[l] g'(Z[l]) is proportional to, per |dA|
    for l, ((A_prev, W, b), Z) in enumerate(caches):
        T_Z = np.abs(W) @ T_A[-1] + np.abs(b)
        A = activations[l].forward(Z)[0]
        T_A.append(np.abs(A) + slopes[l] * T_Z)
        if activations[l].name in ("sigmoid", "tanh"):
            slope_terms.append(slopes[l] + 1 + 2 * slopes[l] * T_Z)
        else:
            slope_terms.append(slopes[l])
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
            D = slope_terms[l - 2] * (np.abs(caches[l - 1][0][1]).T @ D)
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


_BIAS = re.compile(r"^(.*?)b(\d*)$")


def run_scale(expected, key):
    """The scale of ``expected[key]`` after training: its largest entry, or its layer's.

    A bias b[l] (``b1``, ``b``, ``param.b2``, ...) is measured against the largest
    entry of W[l] and b[l] together: both are sums of the same dZ[l] terms
    (db[l] = sum dZ[l] / m, dW[l] = dZ[l] A[l-1]^T / m), and with balanced labels
    the sums behind b[l] nearly cancel (the flower's b1 ends 10 times smaller than
    W1, with the same absolute rounding). Anything else is measured against its
    own largest entry (1 where that is 0).
    """
    arrays = [expected[key]]
    bias = _BIAS.match(key)
    if bias:
        prefix, layer = bias.groups()
        weight = f"{prefix}{'W' if layer else 'w'}{layer}"
        if weight in expected:
            arrays.append(expected[weight])
    return max(float(np.max(np.abs(np.asarray(a, dtype=np.float64)), initial=0.0))
               for a in arrays) or 1.0


def assert_dicts_close(name_of_model, expected, actual, rtol, atol, scales=None):
    """Assert two dicts of arrays hold the same keys, shapes and values.

    Entry by entry, ``|actual - expected| <= rtol * |expected| + atol * scale``.
    ``scales[key]`` (see :func:`rounding_scales`) gives each entry's scale;
    without it (training runs), see :func:`run_scale`.

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
            scale = run_scale(expected, key)
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
    if _TOLERANCE_LOG:
        _log_tolerance_use(name_of_model, expected, actual, rtol, atol, scales)
    assert not failures, f"{name_of_model}: twins differ\n  " + "\n  ".join(failures)


_TOLERANCE_LOG = os.environ.get("NNDL_TOLERANCE_LOG")


def _log_tolerance_use(name_of_model, expected, actual, rtol, atol, scales):
    """Append {test, model, rtol, used: {key: fraction of the allowance}} to the log file."""
    used = {}
    for key in expected:
        e = np.asarray(expected[key], dtype=np.float64)
        a = np.asarray(actual[key], dtype=np.float64)
        if e.shape != a.shape:
            continue
        if scales is None:
            scale = run_scale(expected, key)
        else:
            scale = np.asarray(scales[key], dtype=np.float64)
        allowance = rtol * np.abs(e) + atol * scale
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(allowance > 0, np.abs(a - e) / allowance, 0.0)
        used[key] = float(np.max(ratio, initial=0.0))
    record = {"test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0],
              "model": name_of_model, "rtol": rtol, "atol": atol, "used": used}
    with open(_TOLERANCE_LOG, "a") as log:
        log.write(json.dumps(record) + "\n")


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


def event_file_pid(name):
    """The process that wrote a TensorBoard event file, from its name:
    ``events.out.tfevents.TIME.HOST.PID.N`` (``.scalars`` after it for the bulk-written ones)."""
    match = re.search(r"\.(\d+)\.\d+(?:\.scalars)?$", name)
    assert match, f"not an event file name: {name}"
    return match.group(1)


# -- made-up cat files ----------------------------------------------------------------------------
def write_course_shaped_cat_files(folder, m_train=209, m_test=50, seed=7):
    """Write cat vs non-cat files shaped and typed as the course's into ``folder``.

    ``{train,test}_set_x`` (m, 64, 64, 3) uint8 with random pixels, the first image's first
    pixel (0, 1, 255) and the second image all 255; ``{train,test}_set_y`` (m,) int64 with
    both labels; ``list_classes`` [b'non-cat', b'cat'] (see the data sets' README).

    Returns
    -------
    dict
        ``"train"``/``"test"`` -> (images, labels) as written.
    """
    import h5py

    from scratch.data import CAT_FILES

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for prefix, name, m in (("train", CAT_FILES[0], m_train), ("test", CAT_FILES[1], m_test)):
        images = rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)
        images[0, 0, 0, :] = (0, 1, 255)
        images[1] = 255
        labels = (rng.random(m) < 0.35).astype(np.int64)
        labels[:2] = (1, 0)
        with h5py.File(folder / name, "w") as f:
            f.create_dataset(f"{prefix}_set_x", data=images)
            f.create_dataset(f"{prefix}_set_y", data=labels)
            f.create_dataset("list_classes", data=np.array([b"non-cat", b"cat"]))
        written[prefix] = images, labels
    return written
