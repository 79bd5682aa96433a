"""The NumPy models against their PyTorch twins, built from one description.

NumPy's backward pass is written by hand; the twin's comes from autograd. When
both agree on A[L], the cost and every gradient, to rounding, and autograd's
gradients agree with finite differences (``gradcheck``), the hand-written
backward pass is right: the third side of the triangle is
``test_scratch_gradients.py`` (NumPy against finite differences).
"""

import re

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import (
    CLASSIFIERS,
    DEVICES,
    MODELS,
    MODEL_IDS,
    TWIN_DTYPES,
    as_tensors,
    assert_dicts_close,
    assert_same_error,
    build,
    make_data,
    numpy_results,
    pass_tolerance,
    rounding_scales,
    run_tolerance,
    train_twin,
    twin_results,
)
from scratch import models as scratch_models
from scratch.costs import binary_cross_entropy
from scratch.errors import ShapeError
from scratch.training import train
from torch_ref import TWINS, from_scratch, load_numpy_params, to_numpy_params

pytestmark = pytest.mark.parametrize("device", DEVICES)


# -- construction and parameters ------------------------------------------------------------
@pytest.mark.parametrize("description", MODELS, ids=MODEL_IDS)
def test_same_seed_gives_the_same_start(description, device):
    model = build(description)
    twin = TWINS[type(model).__name__](**description[2], device=device)
    assert twin.config == model.config
    assert list(to_numpy_params(twin)) == list(model.params)
    assert_dicts_close(description[0], model.params, to_numpy_params(twin), rtol=0, atol=0)


@pytest.mark.parametrize("description", MODELS, ids=MODEL_IDS)
def test_parameters_round_trip_exactly(description, device):
    model = build(description)
    params = to_numpy_params(from_scratch(model, device=device))
    assert {k: (v.shape, v.dtype) for k, v in params.items()} == {
        k: (v.shape, v.dtype) for k, v in model.params.items()
    }
    assert_dicts_close(description[0], model.params, params, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", ["float32", torch.float32, np.float32],
                         ids=["str", "torch", "numpy"])
def test_dtype_may_be_named_as_string_numpy_or_torch(dtype, device):
    twin = TWINS["ShallowNetwork"](2, 3, dtype=dtype, device=device)
    assert twin.dtype == torch.float32
    assert twin.W1.device.type == device
    assert twin.config["dtype"] == "float32"


@pytest.mark.parametrize(
    "change, error, says",
    [
        pytest.param(lambda p: p.pop("W2"), KeyError, "missing ['W2']", id="missing-name"),
        pytest.param(lambda p: p.update(W3=np.zeros((1, 1))), KeyError, "unexpected ['W3']",
                     id="unexpected-name"),
        pytest.param(lambda p: p.update(W1=p["W1"].T), ShapeError,
                     "W1 must have shape (4, 3), got (3, 4)", id="wrong-shape"),
        pytest.param(lambda p: p.update(b2=np.zeros(1)), ShapeError,
                     "b2 must have shape (1, 1), got (1,)", id="bias-as-vector"),
    ],
)
def test_load_numpy_params_says_which_name_or_shape_is_wrong(change, error, says, device):
    model = scratch_models.ShallowNetwork(3, 4)
    twin = from_scratch(model, device=device)
    params = dict(model.params)
    change(params)
    with pytest.raises(error) as numpy_error:
        model.load_params(params)
    with pytest.raises(error, match=re.escape(says)) as twin_error:
        load_numpy_params(twin, params)
    assert_same_error(numpy_error.value, twin_error.value)


# -- forward, cost and gradients ------------------------------------------------------------
@pytest.mark.parametrize("m", [1, 16])
@pytest.mark.parametrize("dtype", TWIN_DTYPES)
@pytest.mark.parametrize("description", MODELS, ids=MODEL_IDS)
def test_forward_cost_and_gradients_match(description, dtype, m, device):
    model = build(description)
    X, Y = make_data(model, m)
    twin = from_scratch(model, dtype=dtype, device=device)
    actual = twin_results(twin, *as_tensors(twin, X, Y))
    assert_dicts_close(description[0], numpy_results(model, X, Y), actual, **pass_tolerance(dtype),
                       scales=rounding_scales(model, X, Y, dtype))


@pytest.mark.parametrize("description", MODELS, ids=MODEL_IDS)
def test_twin_accepts_numpy_input_and_predicts_like_numpy(description, device):
    model = build(description)
    X, Y = make_data(model, 9)
    twin = from_scratch(model, device=device)
    predictions = twin.predict(X)
    classifier = model.task == "classification"
    assert predictions.dtype == (torch.int64 if classifier else torch.float64)
    scales = rounding_scales(model, X, Y)
    assert_dicts_close(
        description[0],
        {"predict": model.predict(X), "logits": model.forward(X)[1][-1][1]},
        {"predict": predictions.cpu().numpy(), "logits": twin.logits(X).detach().cpu().numpy()},
        **pass_tolerance(),
        # Classes must be equal; a regression's predictions are A[L], a sum that may cancel.
        scales={"predict": 0.0 if classifier else scales["AL"], "logits": scales["ZL"]},
    )


@pytest.mark.parametrize("description", MODELS, ids=MODEL_IDS)
def test_autograd_agrees_with_finite_differences(description, device):
    model = build(description)
    twin = from_scratch(model, device=device)
    X, Y = as_tensors(twin, *make_data(model, 5))
    # gradcheck perturbs its inputs in place; handed the twin's own parameters, it checks
    # twin.cost exactly as training evaluates it.
    assert torch.autograd.gradcheck(lambda *params: twin.cost(X, Y), tuple(twin.parameters()))


@st.composite
def architectures(draw):
    """A random model description (class name, kwargs) with layers of 1..6 units."""
    kind = draw(st.sampled_from(["LogisticRegression", "ShallowNetwork", "DeepNetwork",
                                 "RegressionNetwork"]))
    size = st.integers(1, 6)
    activation = draw(st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu"]))
    init = draw(st.sampled_from(["lecun", "he"]))
    seed = draw(st.integers(0, 2**16))
    if kind == "LogisticRegression":
        return kind, dict(n_x=draw(size), init="normal", scale=1.0, seed=seed)
    if kind == "ShallowNetwork":
        return kind, dict(n_x=draw(size), n_h=draw(size), n_y=draw(st.integers(1, 2)),
                          hidden_activation=activation, init=init, seed=seed)
    dims = draw(st.lists(size, min_size=2, max_size=5))  # depth L = 1..4
    kwargs = dict(layer_dims=dims, hidden_activation=activation, init=init, seed=seed)
    if kind == "DeepNetwork":
        return kind, {**kwargs, "layer_dims": dims[:-1] + [1]}
    return kind, {**kwargs, "output_activation": draw(st.sampled_from(["identity", "relu"]))}


@settings(max_examples=40, deadline=None)
@given(architecture=architectures(), m=st.integers(1, 6), data_seed=st.integers(0, 2**16))
# A saturated tanh unit (Z = 7.6): 1 - tanh^2 = 1e-6 is computed by cancellation, with an
# absolute error of about eps, so dW1 and db1 differ by 5e-11 of themselves. A tolerance
# relative to g'(Z) alone failed here; rounding_scales carries that absolute term.
@example(architecture=("ShallowNetwork", dict(n_x=2, n_h=1, n_y=1, hidden_activation="tanh",
                                              init="lecun", seed=3)), m=1, data_seed=3)
def test_random_architectures_match(architecture, m, data_seed, device):
    name, kwargs = architecture
    model = getattr(scratch_models, name)(**kwargs)
    X, Y = make_data(model, m, data_seed)
    twin = from_scratch(model, device=device)
    actual = twin_results(twin, *as_tensors(twin, X, Y))
    assert_dicts_close(f"{name}({kwargs})", numpy_results(model, X, Y), actual,
                       **pass_tolerance(), scales=rounding_scales(model, X, Y))


@pytest.mark.parametrize("dtype", TWIN_DTYPES)
@pytest.mark.parametrize("description", CLASSIFIERS, ids=[d[0] for d in CLASSIFIERS])
def test_saturated_outputs_give_the_same_finite_cost(description, dtype, device):
    model = build(description)
    X, _ = make_data(model, 8)
    last_weight = list(model.params)[-2]
    rng = np.random.default_rng(7)
    model.params[last_weight] = rng.choice([-1.0, 1.0], size=model.params[last_weight].shape)
    # b[L] is still zero, so scaling W[L] scales Z[L]: the largest |z| becomes 3000.
    model.params[last_weight] *= 3000 / np.abs(model.forward(X)[1][-1][1]).max()
    ZL = model.forward(X)[1][-1][1]
    # Every example confidently wrong: each loss is about |z|, where log(1 - A[L]) is -inf.
    Y = (ZL < 0).astype(np.float64)
    twin = from_scratch(model, dtype=dtype, device=device)
    expected = numpy_results(model, X, Y)
    actual = twin_results(twin, *as_tensors(twin, X, Y))
    # A[L] really saturated: the lecture's formula on probabilities gives up.
    assert binary_cross_entropy(expected["AL"], Y) == np.inf
    assert np.isfinite(expected["cost"]) and np.isfinite(actual["cost"])
    assert expected["cost"] > 100
    assert_dicts_close(description[0], expected, actual, **pass_tolerance(dtype),
                       scales=rounding_scales(model, X, Y, dtype))


# -- ReLU's kink ------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden_activation, slope_at_zero",
                         [("relu", 0.0), ("leaky_relu", 0.01)])
def test_relus_kink_at_exactly_zero_gives_the_documented_gradients(hidden_activation,
                                                                   slope_at_zero, device):
    # Small integers and halves: every product and sum in Z1 = W1 X + b1 is exact, so
    # seven of its twelve entries are exactly 0 (columns 0 and 2 entirely, and one in
    # column 3), next to positive and negative ones. The slope there is the documented
    # one, g'(0) = the slope for z < 0, in NumPy and in torch.
    model = scratch_models.DeepNetwork([2, 3, 1], hidden_activation)
    params = {"W1": np.array([[1.0, -1.0], [2.0, 1.0], [0.5, 0.5]]),
              "b1": np.array([[0.0], [-3.0], [-1.0]]),
              "W2": np.array([[0.5, -1.0, 2.0]]), "b2": np.array([[0.25]])}
    model.load_params(params)
    X = np.array([[1.0, 2.0, 1.0, -1.0], [1.0, 1.0, 1.0, 3.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    Z1 = params["W1"] @ X + params["b1"]
    assert (Z1 == 0).sum() == 7 and (Z1 > 0).any() and (Z1 < 0).any()

    # Backpropagation written out for this one network.
    m = X.shape[1]
    slope = np.where(Z1 > 0, 1.0, slope_at_zero)
    A1 = slope * Z1
    A2 = 1 / (1 + np.exp(-(params["W2"] @ A1 + params["b2"])))
    dZ2 = A2 - Y
    dZ1 = (params["W2"].T @ dZ2) * slope
    by_hand = {"dW1": dZ1 @ X.T / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
               "dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}

    scales = rounding_scales(model, X, Y)
    _, numpy_grads = model.cost_and_gradients(X, Y)
    assert_dicts_close(f"NumPy {hidden_activation} at its kink", by_hand, numpy_grads,
                       **pass_tolerance(), scales=scales)
    twin = from_scratch(model, device=device)
    _, twin_grads = twin.cost_and_gradients(*as_tensors(twin, X, Y))
    assert_dicts_close(f"twin {hidden_activation} at its kink", by_hand,
                       {key: value.cpu().numpy() for key, value in twin_grads.items()},
                       **pass_tolerance(), scales=scales)


# -- symmetry ---------------------------------------------------------------------------------
SYMMETRY_MODELS = [
    pytest.param(scratch_models.ShallowNetwork, dict(n_x=3, n_h=4, hidden_activation="sigmoid"),
                 id="shallow-sigmoid"),
    pytest.param(scratch_models.DeepNetwork, dict(layer_dims=[3, 4, 3, 1],
                                                  hidden_activation="sigmoid"), id="deep-sigmoid"),
]


def hidden_unit_spread(params):
    """Largest difference between two hidden units' incoming weights, for W1 .. W[L-1]."""
    return [float(np.ptp(W, axis=0).max()) for name, W in params.items()
            if name.startswith("W") and name != f"W{len(params) // 2}"]


@pytest.mark.parametrize("init", ["zeros", "lecun"])
@pytest.mark.parametrize("cls, kwargs", SYMMETRY_MODELS)
def test_zero_init_keeps_hidden_units_identical_in_both_twins(cls, kwargs, init, device):
    model = cls(**kwargs, init=init)
    twin = from_scratch(model, device=device)
    X, _ = make_data(model, 20)
    # Unbalanced labels: with half of each, A[L] - Y would sum to zero at a zero start and
    # nothing would ever move.
    Y = (X[:1] + 0.5 * X[1:2] > 0.3).astype(np.float64)
    numpy_costs = train(model, X, Y, learning_rate=0.5, num_iterations=40, progress=False)
    twin_costs = train_twin(twin, X, Y, learning_rate=0.5, num_iterations=40)
    twin_params = to_numpy_params(twin)
    tol = run_tolerance(40)
    assert_dicts_close(f"{cls.__name__} init={init}", {"costs": numpy_costs, **model.params},
                       {"costs": twin_costs, **twin_params}, **tol)
    # The first layer moved far beyond rounding, so identical rows are not trivially zero.
    assert np.abs(model.params["W1"]).max() > 1e-6
    assert np.abs(twin_params["W1"]).max() > 1e-6
    spreads = hidden_unit_spread(model.params) + hidden_unit_spread(twin_params)
    if init == "zeros":
        assert max(spreads) <= tol["atol"]
    else:
        assert min(spreads) > 1e-3


# -- bad input --------------------------------------------------------------------------------
def _bad_X(change):
    return lambda X, Y: (change(X.copy()), Y)


def _with(index, value):
    def change(A):
        A[index] = value
        return A
    return change


X_CASES = [
    pytest.param(_bad_X(lambda X: X[:-1]), id="X-wrong-n_x"),
    pytest.param(_bad_X(lambda X: X.T.copy()), id="X-transposed"),
    pytest.param(_bad_X(lambda X: X[0]), id="X-1d"),
    pytest.param(_bad_X(lambda X: X[:, :0]), id="X-empty"),
    pytest.param(_bad_X(_with((1, 2), np.nan)), id="X-nan"),
    pytest.param(_bad_X(_with((0, 0), -np.inf)), id="X-inf"),
    pytest.param(_bad_X(lambda X: X.astype(np.float32)), id="X-float32"),
]
Y_CASES = [
    pytest.param(lambda X, Y: (X, Y[:, :-1]), id="Y-wrong-m"),
    pytest.param(lambda X, Y: (X, Y.T.copy()), id="Y-transposed"),
    pytest.param(lambda X, Y: (X, Y * 2 - 1), id="Y-labels-minus-one"),
    pytest.param(lambda X, Y: (X, Y * 0.5), id="Y-labels-half"),
    pytest.param(lambda X, Y: (X, _with((0, 1), np.nan)(Y.copy())), id="Y-nan"),
]
CALLS_ON_X = {
    "forward": (lambda model, X, Y: model.forward(X), lambda twin, X, Y: twin(X)),
    "predict": (lambda model, X, Y: model.predict(X), lambda twin, X, Y: twin.predict(X)),
    "cost": (lambda model, X, Y: model.cost(X, Y), lambda twin, X, Y: twin.cost(X, Y)),
}
CALLS_ON_Y = {
    "cost": CALLS_ON_X["cost"],
    "accuracy": (lambda model, X, Y: model.accuracy(X, Y), lambda twin, X, Y: twin.accuracy(X, Y)),
}


def _assert_rejected_alike(break_input, call, input_kind, device):
    numpy_call, twin_call = call
    model = scratch_models.ShallowNetwork(3, 4)
    twin = from_scratch(model, device=device)
    X, Y = break_input(*make_data(model, 6))
    with pytest.raises(Exception) as numpy_error:
        numpy_call(model, X, Y)
    if input_kind == "tensor":
        X, Y = (torch.as_tensor(A, device=device) for A in (X, Y))
    with pytest.raises(Exception) as twin_error:
        twin_call(twin, X, Y)
    assert_same_error(numpy_error.value, twin_error.value)


@pytest.mark.parametrize("input_kind", ["tensor", "ndarray"])
@pytest.mark.parametrize("call", CALLS_ON_X.values(), ids=CALLS_ON_X)
@pytest.mark.parametrize("break_input", X_CASES)
def test_bad_X_is_rejected_with_numpys_message(break_input, call, input_kind, device):
    _assert_rejected_alike(break_input, call, input_kind, device)


@pytest.mark.parametrize("input_kind", ["tensor", "ndarray"])
@pytest.mark.parametrize("call", CALLS_ON_Y.values(), ids=CALLS_ON_Y)
@pytest.mark.parametrize("break_input", Y_CASES)
def test_bad_Y_is_rejected_with_numpys_message(break_input, call, input_kind, device):
    _assert_rejected_alike(break_input, call, input_kind, device)
