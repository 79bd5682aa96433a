"""Week 2 warm-up functions against the course's known values."""

import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scratch.basics import (
    image2vector,
    l1_loss,
    l2_loss,
    normalize_rows,
    sigmoid,
    sigmoid_derivative,
    softmax,
)
from scratch.errors import DataError, ShapeError

ELEMENTWISE = [sigmoid, sigmoid_derivative]
ROWWISE = [normalize_rows, softmax]
LOSSES = [l1_loss, l2_loss]


@contextlib.contextmanager
def strict():
    """Fail on any warning, overflow, division by zero or NaN produced inside."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Underflow to 0 is the right answer far in a tail, so it stays allowed.
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


# --- course values -----------------------------------------------------------


def test_sigmoid_course_values():
    np.testing.assert_allclose(
        sigmoid(np.array([1, 2, 3])), [0.73105858, 0.88079708, 0.95257413], rtol=1e-7
    )


def test_sigmoid_derivative_course_values():
    np.testing.assert_allclose(
        sigmoid_derivative(np.array([1, 2, 3])), [0.19661193, 0.10499359, 0.04517666], rtol=1e-7
    )


def test_sigmoid_matches_definition_on_moderate_inputs():
    x = np.linspace(-30, 30, 121)
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-14, atol=0)
    s = 1 / (1 + np.exp(-x))
    # The naive s * (1 - s) itself loses ~1e-16 absolutely to cancellation in 1 - s.
    np.testing.assert_allclose(sigmoid_derivative(x), s * (1 - s), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("x", [30.0, -30.0])
def test_sigmoid_derivative_accurate_in_tails(x):
    # For large |x|, s (1 - s) = exp(-|x|) / (1 + exp(-|x|))**2 ~ exp(-|x|) (1 - 2 exp(-|x|)).
    expected = np.exp(-30.0) * (1 - 2 * np.exp(-30.0))
    assert sigmoid_derivative(x) == pytest.approx(expected, rel=1e-14)


def test_sigmoid_scalar_and_zero():
    assert sigmoid(0) == 0.5
    assert sigmoid_derivative(0.0) == 0.25


def test_image2vector_course_example():
    image = np.array(
        [
            [[0.67826139, 0.29380381], [0.90714982, 0.52835647], [0.4215251, 0.45017551]],
            [[0.92814219, 0.96677647], [0.85304703, 0.52351845], [0.19981397, 0.27417313]],
            [[0.60659855, 0.00533165], [0.10820313, 0.49978937], [0.34144279, 0.94630077]],
        ]
    )
    v = image2vector(image)
    assert v.shape == (18, 1)
    # Course order: the last axis varies fastest.
    np.testing.assert_array_equal(v[:4, 0], [0.67826139, 0.29380381, 0.90714982, 0.52835647])
    np.testing.assert_array_equal(v[-1, 0], 0.94630077)


def test_image2vector_course_image_shape():
    image = np.arange(64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3)
    v = image2vector(image)
    assert v.shape == (12288, 1)
    assert v.dtype == np.float32
    np.testing.assert_array_equal(v[:, 0], image.ravel())


def test_normalize_rows_course_values():
    np.testing.assert_allclose(
        normalize_rows(np.array([[0, 3, 4], [1, 6, 4]])),
        [[0.0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]],
        rtol=1e-7,
    )


def test_normalize_rows_zero_row_stays_zero():
    with strict():
        out = normalize_rows(np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]]))
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.0], [0.6, 0.0, 0.8]])


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_normalize_rows_extreme_magnitudes(scale):
    with strict():
        out = normalize_rows(np.array([[3.0, 4.0]]) * scale)
    np.testing.assert_allclose(out, [[0.6, 0.8]], rtol=1e-15)


def test_softmax_course_values():
    x = np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])
    expected = [
        [9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
        [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04],
    ]
    np.testing.assert_allclose(softmax(x), expected, rtol=1e-8)


def test_softmax_is_invariant_to_row_shift_and_stable():
    x = np.array([[9.0, 2.0, 5.0, 0.0, 0.0]])
    with strict():
        shifted = softmax(x + 1e4)
    np.testing.assert_allclose(shifted, softmax(x), rtol=1e-12)


def test_softmax_one_dimensional_input():
    np.testing.assert_allclose(softmax([1.0, 1.0]), [0.5, 0.5])


@pytest.mark.parametrize(
    "loss, expected", [(l1_loss, 1.1), (l2_loss, 0.43)], ids=["l1", "l2"]
)
def test_loss_course_values(loss, expected):
    yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
    y = np.array([1, 0, 0, 1, 1])
    assert loss(yhat, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss", LOSSES, ids=["l1", "l2"])
def test_loss_is_zero_for_perfect_predictions(loss):
    y = np.array([[0.0, 1.0, 1.0]])
    assert loss(y, y.copy()) == 0


# --- numerical stability --------------------------------------------------------


@pytest.mark.parametrize("func", ELEMENTWISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_stable_at_extremes(func, dtype):
    x = np.array([-1e4, -800.0, -100.0, 0.0, 100.0, 800.0, 1e4], dtype=dtype)
    with strict():
        out = func(x)
    assert np.isfinite(out).all()
    assert out.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_limits(dtype):
    with strict():
        out = sigmoid(np.array([-1e4, 1e4], dtype=dtype))
    np.testing.assert_array_equal(out, [0.0, 1.0])


def test_sigmoid_derivative_vanishes_in_tails_and_is_symmetric():
    x = np.array([1e4, 40.0, 3.0])
    with strict():
        pos, neg = sigmoid_derivative(x), sigmoid_derivative(-x)
    np.testing.assert_array_equal(pos, neg)
    assert pos[0] == 0.0
    assert 0 < pos[1] < 1e-17


def test_sigmoid_accurate_in_negative_tail():
    # exp(x) / (1 + exp(x)) keeps full relative precision where 1 - sigmoid(-x) cannot.
    assert sigmoid(-50.0) == pytest.approx(np.exp(-50.0), rel=1e-14)


@pytest.mark.parametrize("func", ROWWISE, ids=lambda f: f.__name__)
def test_rowwise_stable_on_large_values(func):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    with strict():
        out = func(x)
    assert np.isfinite(out).all()


# --- dtype -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "func, x",
    [
        (sigmoid, np.array([1.0, -2.0])),
        (sigmoid_derivative, np.array([1.0, -2.0])),
        (normalize_rows, np.array([[0.0, 3.0, 4.0], [1.0, 6.0, 4.0]])),
        (softmax, np.array([[9.0, 2.0, 5.0], [7.0, 5.0, 0.0]])),
        (image2vector, np.ones((2, 3, 4))),
    ],
    ids=lambda p: getattr(p, "__name__", ""),
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_preserved(func, x, dtype):
    assert func(x.astype(dtype)).dtype == dtype


@pytest.mark.parametrize("func", [sigmoid, sigmoid_derivative, softmax, normalize_rows])
def test_integer_input_computed_in_float64(func):
    assert func(np.array([[1, 2, 3]])).dtype == np.float64


@pytest.mark.parametrize("loss", LOSSES, ids=["l1", "l2"])
def test_loss_float32_with_integer_labels_stays_float32(loss):
    out = loss(np.array([0.9, 0.2], dtype=np.float32), np.array([1, 0]))
    assert out.dtype == np.float32


@pytest.mark.parametrize("loss", LOSSES, ids=["l1", "l2"])
def test_loss_rejects_mixed_float_dtypes(loss):
    with pytest.raises(TypeError, match="float32.*float64"):
        loss(np.array([0.9, 0.2], dtype=np.float32), np.array([1.0, 0.0]))


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(12288,), (64, 192), (1, 64, 64, 3)])
def test_image2vector_rejects_non_3d(shape):
    with pytest.raises(ShapeError) as excinfo:
        image2vector(np.zeros(shape))
    message = str(excinfo.value)
    assert str(shape) in message
    assert "(length, height, depth)" in message


@pytest.mark.parametrize("loss", LOSSES, ids=["l1", "l2"])
def test_loss_shape_mismatch(loss):
    with pytest.raises(ShapeError) as excinfo:
        loss(np.zeros((1, 5)), np.zeros((5,)))
    assert "(1, 5)" in str(excinfo.value)
    assert "(5,)" in str(excinfo.value)


@pytest.mark.parametrize("func", ROWWISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 0), ()])
def test_rowwise_rejects_bad_shapes(func, shape):
    with pytest.raises(ShapeError, match=str(shape).replace("(", r"\(").replace(")", r"\)")):
        func(np.zeros(shape))


@pytest.mark.parametrize("func", ROWWISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_rowwise_rejects_non_finite(func, bad):
    with pytest.raises(DataError, match="NaN or inf"):
        func(np.array([[1.0, bad]]))


@pytest.mark.parametrize("func", [sigmoid, sigmoid_derivative, softmax, normalize_rows])
def test_non_numeric_input_rejected(func):
    with pytest.raises(TypeError, match="real numbers"):
        func(np.array([["a", "b"]]))


# --- properties ---------------------------------------------------------------------

finite_rows = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=st.floats(-1e4, 1e4, width=32),
)


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_softmax_rows_sum_to_one(x):
    with strict():
        s = softmax(x)
    assert s.shape == x.shape
    assert s.dtype == x.dtype
    assert (s >= 0).all()
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=0, atol=tol)


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_normalize_rows_gives_unit_or_zero_rows(x):
    with strict():
        out = normalize_rows(x)
    norms = np.linalg.norm(out.astype(np.float64), axis=1)
    zero_rows = ~x.any(axis=1)
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(norms[~zero_rows], 1.0, rtol=0, atol=tol)
    np.testing.assert_array_equal(norms[zero_rows], 0.0)
