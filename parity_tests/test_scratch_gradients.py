"""The NumPy side on its own: backpropagation against finite differences, and bad input.

With ``test_torch_parity.py`` (NumPy against autograd, autograd against finite
differences) this closes the triangle: each of the three oracles checks the
other two.
"""

import subprocess
import sys
import warnings
from decimal import Decimal, localcontext

import numpy as np
import pytest

from helpers import MODELS, MODEL_IDS, build, make_data
from scratch import data as scratch_data
from scratch.activations import get_activation, sigmoid, sigmoid_backward
from scratch.costs import binary_cross_entropy_from_logits
from scratch.errors import DataError, ShapeError, TrainingDivergedError
from scratch.gradient_check import gradient_check, numerical_gradient, relative_error
from scratch.layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from scratch.models import DeepNetwork, RegressionNetwork, ShallowNetwork
from scratch.training import train

# The course's bound for a correct backward pass in float64.
MAX_RELATIVE_ERROR = 1e-7
ACTIVATIONS = [
    pytest.param("sigmoid", 0.01, id="sigmoid"),
    pytest.param("tanh", 0.01, id="tanh"),
    pytest.param("relu", 0.01, id="relu"),
    pytest.param("leaky_relu", 0.01, id="leaky_relu"),
    pytest.param("leaky_relu", 0.2, id="leaky_relu-slope-0.2"),
    pytest.param("identity", 0.01, id="identity"),
]
# (n_l, n_{l-1}, m): a single unit and example, a single example, a general layer.
LAYER_SHAPES = [(1, 1, 1), (3, 4, 1), (3, 4, 5)]




def away_from_zero(rng, shape):
    """Standard-normal values pushed at least 0.1 from 0, clear of ReLU's kink."""
    Z = rng.standard_normal(shape)
    return Z + 0.1 * np.sign(Z)


# -- models -----------------------------------------------------------------------------------
@pytest.mark.parametrize("m", [1, 2, 7])
@pytest.mark.parametrize("description", MODELS, ids=MODEL_IDS)
def test_model_backprop_matches_finite_differences(description, m):
    model = build(description)
    X, Y = make_data(model, m, seed=m)
    assert gradient_check(model, X, Y) < MAX_RELATIVE_ERROR


def test_gradient_check_detects_a_wrong_gradient():
    model = ShallowNetwork(3, 4, init="lecun")
    X, Y = make_data(model, 5)
    _, grads = model.cost_and_gradients(X, Y)
    wrong = {**grads, "db1": grads["db1"] * 1.01}
    assert relative_error(wrong, grads) > MAX_RELATIVE_ERROR


# Gradients of the right size, wrong in direction only: a check that compared sizes (norms,
# sums of squares) would pass every one. Square hidden layers make a transpose a real change.
def _negate_all(grads):
    return {k: -v for k, v in grads.items()}


def _negate_one(grads):
    return {**grads, "dW2": -grads["dW2"]}


def _transpose_square(grads):
    return {**grads, "dW2": grads["dW2"].T}


def _permute_entries(grads):
    flat = grads["dW2"].ravel()
    return {**grads, "dW2": flat[np.random.default_rng(0).permutation(flat.size)].reshape(
        grads["dW2"].shape)}


def _swap_layers(grads):
    return {**grads, "dW2": grads["dW3"], "dW3": grads["dW2"]}


def _one_entry_sign(grads):
    dW2 = grads["dW2"].copy()
    dW2[1, 2] = -dW2[1, 2]
    return {**grads, "dW2": dW2}


@pytest.mark.parametrize("wrong", [_negate_all, _negate_one, _transpose_square, _permute_entries,
                                   _swap_layers, _one_entry_sign],
                         ids=lambda f: f.__name__.strip("_"))
def test_gradient_check_sees_the_right_size_in_the_wrong_direction(wrong):
    model = DeepNetwork([3, 3, 3, 3, 1], hidden_activation="tanh", init="lecun", seed=4)
    X, Y = make_data(model, 6, seed=4)
    _, right = model.cost_and_gradients(X, Y)
    changed = wrong(right)
    assert set(changed) == set(right)
    for key in right:     # every array keeps its shape and the whole its norm
        assert changed[key].shape == right[key].shape
    def norm(grads):
        return np.linalg.norm(np.concatenate([np.ravel(v) for v in grads.values()]))

    np.testing.assert_allclose(norm(changed), norm(right))
    assert any(not np.array_equal(changed[k], right[k]) for k in right)

    assert gradient_check(model, X, Y) < MAX_RELATIVE_ERROR
    assert relative_error(changed, right) > 1e-3
    model.cost_and_gradients = lambda X_, Y_: (0.0, changed)   # backpropagation made wrong
    assert gradient_check(model, X, Y) > 1e-3


# -- building blocks --------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (3, 5)])
@pytest.mark.parametrize("name, negative_slope", ACTIVATIONS)
def test_activation_backward_matches_finite_differences(name, negative_slope, shape):
    rng = np.random.default_rng(0)
    activation = get_activation(name, negative_slope)
    Z, dA = away_from_zero(rng, shape), rng.standard_normal(shape)
    dZ = activation.backward(dA, activation.forward(Z)[1])
    expected = numerical_gradient(lambda: float((dA * activation.forward(Z)[0]).sum()), Z)
    assert relative_error(dZ, expected) < MAX_RELATIVE_ERROR


@pytest.mark.parametrize("n_l, n_prev, m", LAYER_SHAPES)
def test_linear_backward_matches_finite_differences(n_l, n_prev, m):
    rng = np.random.default_rng(1)
    A_prev, W = rng.standard_normal((n_prev, m)), rng.standard_normal((n_l, n_prev))
    b, G = rng.standard_normal((n_l, 1)), rng.standard_normal((n_l, m))

    def J():  # a scalar of Z whose gradient dJ/dZ is G / m
        return float((G * linear_forward(A_prev, W, b)[0]).sum() / m)

    dA_prev, dW, db = linear_backward(G, linear_forward(A_prev, W, b)[1])
    # The course's convention: dZ and dA are m times dJ/dZ and dJ/dA; dW and db are exact.
    assert relative_error(dA_prev / m, numerical_gradient(J, A_prev)) < MAX_RELATIVE_ERROR
    assert relative_error(dW, numerical_gradient(J, W)) < MAX_RELATIVE_ERROR
    assert relative_error(db, numerical_gradient(J, b)) < MAX_RELATIVE_ERROR
    assert linear_backward(G, (A_prev, W, b), need_dA_prev=False)[0] is None


@pytest.mark.parametrize("n_l, n_prev, m", LAYER_SHAPES)
@pytest.mark.parametrize("name, negative_slope", ACTIVATIONS)
def test_linear_activation_backward_matches_finite_differences(name, negative_slope, n_l,
                                                               n_prev, m):
    rng = np.random.default_rng(2)
    activation = get_activation(name, negative_slope)
    A_prev, W = rng.standard_normal((n_prev, m)), rng.standard_normal((n_l, n_prev))
    b, G = away_from_zero(rng, (n_l, 1)), rng.standard_normal((n_l, m))
    # |b| beyond every |W A_prev| keeps each Z at least 0.1 from ReLU's kink.
    b += np.sign(b) * np.abs(W @ A_prev).max(axis=1, keepdims=True)

    def J():
        return float((G * linear_activation_forward(A_prev, W, b, activation)[0]).sum() / m)

    cache = linear_activation_forward(A_prev, W, b, activation)[1]
    dA_prev, dW, db = linear_activation_backward(G, cache, activation)
    assert relative_error(dA_prev / m, numerical_gradient(J, A_prev)) < MAX_RELATIVE_ERROR
    assert relative_error(dW, numerical_gradient(J, W)) < MAX_RELATIVE_ERROR
    assert relative_error(db, numerical_gradient(J, b)) < MAX_RELATIVE_ERROR


@pytest.mark.parametrize("name, negative_slope, slopes", [
    pytest.param("relu", 0.01, [0.0, 0.0, 0.0, 1.0], id="relu"),
    pytest.param("leaky_relu", 0.2, [0.2, 0.2, 0.2, 1.0], id="leaky_relu-slope-0.2"),
])
def test_relu_slope_at_exactly_zero_is_the_slope_below_it(name, negative_slope, slopes):
    # Finite differences cannot see a kink; the documented choice is g'(0) = g'(z < 0).
    activation = get_activation(name, negative_slope)
    Z = np.array([[-1.5, -0.0, 0.0, 2.0]])
    dZ = activation.backward(np.full_like(Z, 3.0), Z)
    np.testing.assert_array_equal(dZ, 3.0 * np.array([slopes]))


# -- extreme inputs -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stable_sigmoid_saturates_without_warnings(dtype):
    Z = np.array([[-1e4, -800.0, -50.0, 0.0, 50.0, 800.0, 1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Underflow to 0 is the right answer far in the tails.
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            A, _ = sigmoid(Z)
            dZ = sigmoid_backward(np.ones_like(Z), Z)
    assert A.dtype == dtype and dZ.dtype == dtype
    assert np.isfinite(A).all() and np.isfinite(dZ).all()
    assert A[0, 0] == 0 and A[0, 3] == 0.5 and A[0, -1] == 1
    assert (np.diff(A) >= 0).all()
    assert dZ[0, 0] == 0 and dZ[0, 3] == 0.25 and dZ[0, -1] == 0


def exact_bce(z, y):
    """-(y log s(z) + (1-y) log(1-s(z))) = ln(1 + e^z) - z y, in 400-digit decimals.

    400 digits keep 1 + e^-745 distinct from 1, so even losses that end in
    float64's subnormal range come out right.
    """
    with localcontext() as context:
        context.prec = 400
        z = Decimal(float(z))
        return float((1 + z.exp()).ln() - z * int(y))


@pytest.mark.parametrize("y", [0, 1])
@pytest.mark.parametrize("z", [-1e4, -745.0, -40.0, -1.0, 0.0, 1e-8, 1.0, 40.0, 745.0, 1e4])
def test_bce_from_logits_is_exact_at_extreme_logits(z, y):
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        cost = binary_cross_entropy_from_logits(np.array([[z]]), np.array([[float(y)]]))
    expected = exact_bce(z, y)
    assert np.isfinite(cost)
    assert abs(cost - expected) <= 2 * np.finfo(np.float64).eps * abs(expected)


def test_bce_from_logits_averages_over_examples():
    Z = np.array([[-1e4, -40.0, 0.0, 40.0, 1e4]])
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    expected = sum(exact_bce(z, y) for z, y in zip(Z[0], Y[0])) / 5
    assert binary_cross_entropy_from_logits(Z, Y) == pytest.approx(expected, rel=1e-15)


# -- bad input ----------------------------------------------------------------------------------
def _model_and_data():
    model = ShallowNetwork(4, 3)
    X, Y = make_data(model, 5)
    return model, X, Y


def _changed(index, value):
    def change(A):
        A = A.copy()
        A[index] = value
        return A
    return change


BAD_INPUT = [
    pytest.param(lambda X, Y: (X[:3], Y), ShapeError, ["(3, 5)", "(4, m)"], id="X-wrong-n_x"),
    pytest.param(lambda X, Y: (X.T, Y), ShapeError, ["(5, 4)", "(4, m)"], id="X-transposed"),
    pytest.param(lambda X, Y: (X, Y[:, :4]), ShapeError, ["(1, 4)", "(1, 5)"], id="Y-wrong-m"),
    pytest.param(lambda X, Y: (X, Y.ravel()), ShapeError, ["(5,)", "(1, 5)"], id="Y-1d"),
    pytest.param(lambda X, Y: (X, _changed((0, 2), 2.0)(Y)), DataError,
                 ["labels 0 or 1", "2"], id="Y-label-2"),
    pytest.param(lambda X, Y: (X, _changed((0, 0), -1.0)(Y)), DataError,
                 ["labels 0 or 1", "-1"], id="Y-label-minus-1"),
    pytest.param(lambda X, Y: (_changed((1, 1), np.nan)(X), Y), DataError,
                 ["1 NaN or inf"], id="X-nan"),
    pytest.param(lambda X, Y: (_changed((0, 4), np.inf)(X), Y), DataError,
                 ["1 NaN or inf"], id="X-inf"),
    pytest.param(lambda X, Y: (X[:, :0], Y[:, :0]), DataError, ["empty", "m = 0"], id="empty"),
    pytest.param(lambda X, Y: (X.astype(np.float32), Y), TypeError, ["float32", "float64"],
                 id="X-float32-on-float64-model"),
]


@pytest.mark.parametrize("call", ["cost", "cost_and_gradients", "accuracy", "train"])
@pytest.mark.parametrize("break_input, error, fragments", BAD_INPUT)
def test_bad_input_is_rejected_with_a_message_that_says_what_is_wrong(break_input, error,
                                                                      fragments, call):
    model, X, Y = _model_and_data()
    X, Y = break_input(X, Y)
    calls = {
        "cost": lambda: model.cost(X, Y),
        "cost_and_gradients": lambda: model.cost_and_gradients(X, Y),
        "accuracy": lambda: model.accuracy(X, Y),
        "train": lambda: train(model, X, Y, 0.1, 3, progress=False),
    }
    with pytest.raises(error) as excinfo:
        calls[call]()
    for fragment in fragments:
        assert fragment in str(excinfo.value)


@pytest.mark.parametrize(
    "learning_rate, num_iterations, error, fragment",
    [
        pytest.param(0.0, 10, ValueError, "learning_rate", id="learning_rate-zero"),
        pytest.param(-0.1, 10, ValueError, "learning_rate", id="learning_rate-negative"),
        pytest.param(float("nan"), 10, ValueError, "learning_rate", id="learning_rate-nan"),
        pytest.param(0.1, 0, ValueError, "num_iterations", id="num_iterations-zero"),
        pytest.param(0.1, -5, ValueError, "num_iterations", id="num_iterations-negative"),
        pytest.param(0.1, 2.5, TypeError, "num_iterations", id="num_iterations-not-integer"),
    ],
)
def test_bad_hyperparameters_are_rejected(learning_rate, num_iterations, error, fragment):
    model, X, Y = _model_and_data()
    with pytest.raises(error, match=fragment):
        train(model, X, Y, learning_rate, num_iterations, progress=False)


@pytest.mark.parametrize(
    "model, data, learning_rate",
    [
        pytest.param(RegressionNetwork([1, 1]), scratch_data.make_house_prices(), 10.0,
                     id="regression-neuron"),
        pytest.param(DeepNetwork([2, 4, 3, 1]), scratch_data.make_flower(), 1e300,
                     id="deep-classifier"),
    ],
)
def test_diverging_training_raises_and_keeps_the_history(model, data, learning_rate):
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(TrainingDivergedError, match="smaller learning rate") as excinfo:
        train(model, *data, learning_rate, 500, progress=False)
    error = excinfo.value
    assert error.iteration >= 1
    assert len(error.costs) == error.iteration
    assert np.isfinite(error.costs).all()
    assert f"iteration {error.iteration} " in str(error)


# -- packaging ----------------------------------------------------------------------------------
def test_scratch_never_imports_torch():
    script = (
        "import importlib, pkgutil, sys\n"
        "import scratch\n"
        "for module in pkgutil.iter_modules(scratch.__path__):\n"
        "    importlib.import_module('scratch.' + module.name)\n"
        "    if 'torch' in sys.modules or 'lightning' in sys.modules:\n"
        "        print('scratch.' + module.name)\n"
        "        break\n"
        "print(sorted(m.name for m in pkgutil.iter_modules(scratch.__path__)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("["), f"importing {first_line} imported torch"
    assert "'models'" in first_line
