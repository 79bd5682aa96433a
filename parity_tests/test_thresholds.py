"""Every thresholding function at its boundary, where > and >= part.

The course predicts 1 where the output is strictly above 0.5 (``A > 0.5``,
``A2 > 0.5``, ``probas > 0.5``: an output of exactly 0.5, which a pre-activation
of exactly 0 gives, is class 0), and takes ReLU's slope at exactly 0 as the slope
below it (``dZ[Z <= 0] = 0``; leaky ReLU's negative slope). The NumPy models,
the course's functions, the training logs and the torch twins are held to that
same convention, exactly at the boundary and one rounding step on either side.
"""

import numpy as np
import pytest
import torch

from experiments.logs import ScalarPoints
from helpers import CLASSIFIERS, MODEL_IDS, MODELS, build
from scratch import activations
from scratch.course import deep_application, deep_step_by_step, logistic_regression, planar
from scratch.models import classification_accuracy
from torch_ref import from_scratch

CLASSIFIER_IDS = [mid for mid, description in zip(MODEL_IDS, MODELS) if description in CLASSIFIERS]
# An output of exactly 0.5 and its two float64 neighbours.
BELOW, HALF, ABOVE = np.nextafter(0.5, 0.0), 0.5, np.nextafter(0.5, 1.0)


def test_the_boundary_values_are_the_ones_meant():
    assert BELOW < HALF < ABOVE
    assert activations.sigmoid(0.0)[0] == HALF
    assert torch.sigmoid(torch.tensor(0.0, dtype=torch.float64)).item() == HALF


# -- predictions and accuracies -------------------------------------------------------------------
def test_classification_accuracy_counts_exactly_half_as_class_0():
    AL = np.array([[BELOW, HALF, ABOVE]])
    assert classification_accuracy(AL, np.array([[0.0, 0.0, 1.0]])) == 1.0
    assert classification_accuracy(AL, np.array([[0.0, 1.0, 1.0]])) == pytest.approx(2 / 3)


def test_training_log_accuracy_counts_exactly_half_as_class_0():
    points = ScalarPoints(classify=True)
    Y = np.array([[0.0, 0.0, 1.0]])
    points.add(0, 0.7, np.array([[BELOW, HALF, ABOVE]]), Y)
    points.add(1, 0.6, np.array([[ABOVE, ABOVE, ABOVE]]), Y)
    points._count()
    assert points.accuracies == [1.0, pytest.approx(1 / 3)]


def at_the_boundary(model, m=4, bias=0.0):
    """``model`` with every weight 0 and every bias ``bias``; X (n_x, m) of ones.

    With zero weights every hidden activation is g(bias) and the output's
    pre-activation is exactly ``bias``: sigma(0) = 0.5 exactly.
    """
    params = {name: np.zeros_like(value) for name, value in model.params.items()}
    last = max(name for name in params if name.startswith("b"))
    params[last] = np.full_like(params[last], bias)
    model.load_params(params)
    return model, np.ones((model.n_x, m))


@pytest.mark.parametrize("description", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_models_and_twins_predict_class_0_at_exactly_half(description):
    model, X = at_the_boundary(build(description))
    AL, _ = model.forward(X)
    assert (AL == HALF).all()
    Y0, Y1 = np.zeros((model.n_y, X.shape[1])), np.ones((model.n_y, X.shape[1]))
    np.testing.assert_array_equal(model.predict(X), np.zeros_like(Y0, dtype=np.int64))
    assert model.accuracy(X, Y0) == 1.0 and model.accuracy(X, Y1) == 0.0

    twin = from_scratch(model)
    Xt = torch.tensor(X, dtype=twin.dtype)
    assert (twin.forward(Xt) == HALF).all()
    assert twin.predict(Xt).dtype == torch.int64
    np.testing.assert_array_equal(twin.predict(Xt).numpy(), model.predict(X))
    assert twin.accuracy(Xt, torch.tensor(Y0, dtype=twin.dtype)) == 1.0
    assert twin.accuracy(Xt, torch.tensor(Y1, dtype=twin.dtype)) == 0.0


@pytest.mark.parametrize("description", CLASSIFIERS, ids=CLASSIFIER_IDS)
def test_models_and_twins_predict_class_1_just_above_half(description):
    # sigma(1e-12) = 0.5 + 2.5e-13, about a thousand rounding steps above 0.5
    model, X = at_the_boundary(build(description), bias=1e-12)
    assert (model.forward(X)[0] > HALF).all()
    np.testing.assert_array_equal(model.predict(X), 1)
    twin = from_scratch(model)
    np.testing.assert_array_equal(twin.predict(torch.tensor(X, dtype=twin.dtype)).numpy(), 1)
    model, X = at_the_boundary(build(description), bias=-1e-12)
    np.testing.assert_array_equal(model.predict(X), 0)
    np.testing.assert_array_equal(from_scratch(model).predict(torch.tensor(X)).numpy(), 0)


# The course's predict functions, each with parameters whose output is exactly 0.5 on every
# example, and with the output's bias one step either side.
def _logistic(bias):
    return logistic_regression.predict(np.zeros((3, 1)), bias, np.ones((3, 4)))


def _planar(bias):
    parameters = {"W1": np.zeros((4, 2)), "b1": np.zeros((4, 1)),
                  "W2": np.zeros((1, 4)), "b2": np.full((1, 1), bias)}
    return planar.predict(parameters, np.ones((2, 4)))


def _deep(bias):
    parameters = {"W1": np.zeros((3, 2)), "b1": np.zeros((3, 1)),
                  "W2": np.zeros((1, 3)), "b2": np.full((1, 1), bias)}
    return deep_application.predict(np.ones((2, 4)), np.zeros((1, 4)), parameters)


@pytest.mark.parametrize("predict", [_logistic, _planar, _deep],
                         ids=["logistic_regression", "planar", "deep_application"])
def test_course_predict_gives_class_0_at_exactly_half(predict, capsys):
    np.testing.assert_array_equal(predict(0.0), np.zeros((1, 4)))
    np.testing.assert_array_equal(predict(1e-12), np.ones((1, 4)))
    np.testing.assert_array_equal(predict(-1e-12), np.zeros((1, 4)))


def test_course_deep_application_accuracy_at_exactly_half(capsys):
    _deep(0.0)   # predicts 0 on labels 0: all right
    assert capsys.readouterr().out.strip() == "Accuracy: 1.0"


def test_course_and_models_agree_at_the_boundary():
    """The same parameters at the boundary: the course's predict and the model's agree."""
    from scratch.models import ShallowNetwork

    model, X = at_the_boundary(ShallowNetwork(2, 4, hidden_activation="tanh"))
    course = planar.predict(model.params, X)
    np.testing.assert_array_equal(course.astype(np.int64), model.predict(X))
    np.testing.assert_array_equal(course, False)


# -- ReLU and leaky ReLU at exactly 0 -------------------------------------------------------------
Z_AT_KINK = np.array([[-1.0, -0.0, 0.0, 1e-300, 2.0]])
DA = np.array([[3.0, 3.0, 3.0, 3.0, 3.0]])


def test_relu_at_exactly_zero():
    A, _ = activations.relu(Z_AT_KINK)
    np.testing.assert_array_equal(A, [[0.0, 0.0, 0.0, 1e-300, 2.0]])
    expected = [[0.0, 0.0, 0.0, 3.0, 3.0]]
    np.testing.assert_array_equal(activations.relu_backward(DA, Z_AT_KINK), expected)
    np.testing.assert_array_equal(deep_step_by_step.relu_backward(DA, Z_AT_KINK), expected)
    A_course, cache = deep_step_by_step.relu(Z_AT_KINK)
    np.testing.assert_array_equal(A_course, A)
    Z = torch.tensor(Z_AT_KINK, requires_grad=True)
    torch.relu(Z).backward(torch.tensor(DA))
    np.testing.assert_array_equal(Z.grad.numpy(), expected)


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_at_exactly_zero(slope):
    A, _ = activations.leaky_relu(Z_AT_KINK, slope)
    np.testing.assert_array_equal(A, [[-slope, 0.0, 0.0, 1e-300, 2.0]])
    expected = [[3 * slope, 3 * slope, 3 * slope, 3.0, 3.0]]
    np.testing.assert_array_equal(activations.leaky_relu_backward(DA, Z_AT_KINK, slope), expected)
    Z = torch.tensor(Z_AT_KINK, requires_grad=True)
    torch.nn.functional.leaky_relu(Z, slope).backward(torch.tensor(DA))
    np.testing.assert_array_equal(Z.grad.numpy(), expected)


def test_course_linear_activation_backward_at_the_kink():
    # A_prev (2, 2), W (1, 2), b (1, 1) with Z = [[0, 1]]: the relu step's dZ is 0 where Z = 0.
    A_prev, W, b = np.array([[1.0, 1.0], [1.0, 2.0]]), np.array([[1.0, -1.0]]), np.array([[1.0]])
    Z = W @ A_prev + b
    np.testing.assert_array_equal(Z, [[1.0, 0.0]])
    dA = np.array([[2.0, 2.0]])
    dA_prev, dW, db = deep_step_by_step.linear_activation_backward(
        dA, ((A_prev, W, b), Z), "relu")
    dZ = np.array([[2.0, 0.0]])
    np.testing.assert_array_equal(dW, dZ @ A_prev.T / 2)
    np.testing.assert_array_equal(db, [[1.0]])
    np.testing.assert_array_equal(dA_prev, W.T @ dZ)
