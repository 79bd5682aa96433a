"""The costs' values on small inputs worked out by hand, not only their limits.

Every cost is a sum over outputs and examples divided by m, the number of
examples (columns), never by the number of outputs: these inputs are small
enough to write each term down, and have m > 1 and n_y > 1 so that a missing
1/m, or a mean over outputs too, changes the value.
"""

import math

import numpy as np
import pytest

from scratch import models as scratch_models
from scratch.costs import (
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    mean_squared_error,
    mean_squared_error_dAL,
)

EPS = np.finfo(np.float64).eps


def bce_term(a, y):
    return -(y * math.log(a) + (1 - y) * math.log(1 - a))


def logit_bce_term(z, y):
    """-(y log s(z) + (1-y) log(1 - s(z))) = log(1 + e^z) - z y, for moderate z."""
    return math.log1p(math.exp(z)) - z * y


@pytest.mark.parametrize(
    "AL, Y, printed",
    [
        # The course's compute_cost test cases (week 4) and the values it prints.
        pytest.param([[0.8, 0.9, 0.4]], [[1, 1, 0]], 0.2797765635793422, id="course-week4"),
        pytest.param([[0.8, 0.9, 0.4]], [[1, 1, 1]], 0.41493159961539694,
                     id="course-week4-all-ones"),
    ],
)
def test_lecture_cross_entropy_gives_the_courses_values(AL, Y, printed):
    AL, Y = np.array(AL), np.array(Y, dtype=np.float64)
    by_hand = sum(bce_term(a, y) for a, y in zip(AL[0], Y[0])) / 3
    assert binary_cross_entropy(AL, Y) == pytest.approx(by_hand, rel=4 * EPS)
    assert binary_cross_entropy(AL, Y) == pytest.approx(printed, rel=4 * EPS)


def test_lecture_cross_entropy_sums_outputs_and_averages_examples():
    AL = np.array([[0.8, 0.9, 0.4, 0.3], [0.1, 0.6, 0.7, 0.2]])
    Y = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 1.0]])
    terms = [bce_term(a, y) for a, y in zip(AL.ravel(), Y.ravel())]
    assert binary_cross_entropy(AL, Y) == pytest.approx(sum(terms) / 4, rel=4 * EPS)


def test_cross_entropy_from_logits_sums_outputs_and_averages_examples():
    Z = np.array([[2.0, -1.0, 0.5], [-3.0, 0.25, 1.5]])
    Y = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    by_hand = sum(logit_bce_term(z, y) for z, y in zip(Z.ravel(), Y.ravel())) / 3
    assert binary_cross_entropy_from_logits(Z, Y) == pytest.approx(by_hand, rel=4 * EPS)
    # The lecture's form on A = sigmoid(Z) is the same cost where nothing saturates.
    A = 1 / (1 + np.exp(-Z))
    assert binary_cross_entropy(A, Y) == pytest.approx(by_hand, rel=16 * EPS)


@pytest.mark.parametrize(
    "AL, Y, expected",
    [
        # (1^2 + 0.5^2 + 2^2) / 3
        pytest.param([[2.0, 0.5, -1.0]], [[1.0, 1.0, 1.0]], 5.25 / 3, id="one-output"),
        # (1 + 0 + 4 + 16) / 2: summed over the 2 outputs, averaged over the 2 examples.
        pytest.param([[1.0, 2.0], [3.0, 5.0]], [[0.0, 2.0], [1.0, 1.0]], 10.5, id="two-outputs"),
    ],
)
def test_mean_squared_error_values(AL, Y, expected):
    AL, Y = np.array(AL), np.array(Y)
    assert mean_squared_error(AL, Y) == pytest.approx(expected, rel=2 * EPS)
    # m * dJ/dA[L] (the course's convention for dA): 2 (A[L] - Y), entry by entry.
    np.testing.assert_array_equal(mean_squared_error_dAL(AL, Y), 2 * (AL - Y))


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(scratch_models.ShallowNetwork(3, 4, n_y=3, init="lecun"),
                     id="shallow-3-outputs"),
        pytest.param(scratch_models.RegressionNetwork([3, 4, 2]), id="regression-2-outputs"),
    ],
)
def test_model_cost_averages_over_examples_only(model):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((3, 5))
    AL, caches = model.forward(X)
    ZL = caches[-1][1]
    if model.task == "classification":
        Y = (rng.random(AL.shape) > 0.5).astype(np.float64)
        terms = [logit_bce_term(z, y) for z, y in zip(ZL.ravel(), Y.ravel())]
    else:
        Y = rng.standard_normal(AL.shape)
        terms = [(a - y) ** 2 for a, y in zip(AL.ravel(), Y.ravel())]
    assert model.cost(X, Y) == pytest.approx(sum(terms) / 5, rel=16 * EPS)
