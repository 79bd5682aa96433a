"""``scratch.course``: the course's functions, by the course's names.

(a) the assignments' own published test cases, called exactly as the course's
tests call them (no adapter); (b) every function against the project's
models and blocks on seeded random inputs; (c) the course's types, shapes,
caches and copies; (d) one clear error for shapes the functions cannot use.
The published figures on the course's data are in ``test_course_published.py``.
"""

import math

import numpy as np
import pytest

import scratch
from scratch.course import basics as course_basics
from scratch.course import deep_application, deep_step_by_step, logistic_regression, planar
from scratch.errors import ShapeError
from scratch.initializers import initialize_parameters as project_initialize

# The published expectations are printed with 8 significant digits.
PUBLISHED = dict(rtol=1e-7, atol=1e-8)
# The course computes the cost from A[L] and starts backprop from dA[L] = -(Y/A - (1-Y)/(1-A)),
# the models from Z[L] and dZ[L] = A[L] - Y: equal up to float64 rounding.
ROUNDING = dict(rtol=1e-10, atol=1e-13)


def _randn(seed, *shapes):
    np.random.seed(seed)
    return [np.random.randn(*shape) for shape in shapes]


# -- (a) the course's published test cases ----------------------------------------------------


def test_basics_published_cases():
    assert course_basics.basic_sigmoid(1) == pytest.approx(0.7310585786300049, rel=1e-15)
    x = np.array([1, 2, 3])
    np.testing.assert_allclose(course_basics.sigmoid(x), [0.73105858, 0.88079708, 0.95257413],
                               **PUBLISHED)
    np.testing.assert_allclose(course_basics.sigmoid_derivative(x),
                               [0.19661193, 0.10499359, 0.04517666], **PUBLISHED)
    np.testing.assert_allclose(course_basics.normalizeRows(np.array([[0, 3, 4], [1, 6, 4]])),
                               [[0, 0.6, 0.8], [0.13736056, 0.82416338, 0.54944226]], **PUBLISHED)
    np.testing.assert_allclose(
        course_basics.softmax(np.array([[9, 2, 5, 0, 0], [7, 5, 0, 0, 0]])),
        [[9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04],
         [8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04]],
        **PUBLISHED,
    )
    yhat, y = np.array([.9, 0.2, 0.1, .4, .9]), np.array([1, 0, 0, 1, 1])
    assert course_basics.L1(yhat, y) == pytest.approx(1.1, rel=1e-12)
    assert course_basics.L2(yhat, y) == pytest.approx(0.43, rel=1e-12)


def test_logistic_regression_published_cases():
    np.testing.assert_allclose(logistic_regression.sigmoid(np.array([0, 2])),
                               [0.5, 0.88079708], **PUBLISHED)
    w, b = logistic_regression.initialize_with_zeros(2)
    np.testing.assert_array_equal(w, [[0.0], [0.0]])
    assert b == 0.0 and type(b) is float

    w, b = np.array([[1.0], [2.0]]), 2.0
    X, Y = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]]), np.array([[1, 0, 1]])
    grads, cost = logistic_regression.propagate(w, b, X, Y)
    np.testing.assert_allclose(grads["dw"], [[0.99845601], [2.39507239]], **PUBLISHED)
    assert grads["db"] == pytest.approx(0.00145557813678, rel=1e-10)
    assert cost == pytest.approx(5.801545319394553, rel=1e-14)

    params, grads, costs = logistic_regression.optimize(w, b, X, Y, num_iterations=100,
                                                        learning_rate=0.009)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], **PUBLISHED)
    assert params["b"] == pytest.approx(1.92535983008, rel=1e-10)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], **PUBLISHED)
    assert grads["db"] == pytest.approx(0.219194504541, rel=1e-10)
    assert len(costs) == 1 and costs[0] == pytest.approx(5.801545319394553, rel=1e-14)

    w, b = np.array([[0.1124579], [0.23106775]]), -0.3
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    np.testing.assert_array_equal(logistic_regression.predict(w, b, X), [[1.0, 1.0, 0.0]])


PLANAR_W1 = [[-0.00416758, -0.00056267], [-0.02136196, 0.01640271],
             [-0.01793436, -0.00841747], [0.00502881, -0.01245288]]
PLANAR_W2 = [[-0.01057952, -0.00909008, 0.00551454, 0.02292208]]
# The planar update/predict cases' parameters and gradients.
PLANAR_TRAINED = {
    "W1": np.array([[-0.00615039, 0.0169021], [-0.02311792, 0.03137121],
                    [-0.0169217, -0.01752545], [0.00935436, -0.05018221]]),
    "W2": np.array([[-0.0104319, -0.04019007, 0.01607211, 0.04440255]]),
    "b1": np.array([[-8.97523455e-07], [8.15562092e-06], [6.04810633e-07], [-2.54560700e-06]]),
    "b2": np.array([[9.14954378e-05]]),
}


def test_planar_published_cases():
    X, Y = _randn(1, (5, 3), (2, 3))
    assert planar.layer_sizes(X, Y) == (5, 4, 2)

    np.random.seed(2)
    params = planar.initialize_parameters(2, 4, 1)
    np.testing.assert_allclose(params["W1"], PLANAR_W1, **PUBLISHED)
    np.testing.assert_allclose(params["W2"], PLANAR_W2, **PUBLISHED)
    np.testing.assert_array_equal(params["b1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(params["b2"], np.zeros((1, 1)))

    X, b1 = _randn(1, (2, 3), (4, 1))
    params = {"W1": np.array(PLANAR_W1), "b1": b1, "W2": np.array(PLANAR_W2),
              "b2": np.array([[-1.3]])}
    A2, cache = planar.forward_propagation(X, params)
    np.testing.assert_allclose(
        [np.mean(cache[k]) for k in ("Z1", "A1", "Z2", "A2")],
        [0.262818640198, 0.091999045227, -1.30766601287, 0.212877681719], rtol=1e-10,
    )
    np.testing.assert_allclose(A2, [[0.21292656, 0.21274673, 0.21295976]], **PUBLISHED)

    np.random.seed(1)
    Y = np.random.randn(1, 3) > 0
    cost = planar.compute_cost(np.array([[0.5002307, 0.49985831, 0.50023963]]), Y)
    assert cost == pytest.approx(0.6930587610394646, rel=1e-14)

    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    params = {"W1": np.array(PLANAR_W1), "W2": np.array(PLANAR_W2),
              "b1": np.zeros((4, 1)), "b2": np.zeros((1, 1))}
    cache = {
        "A1": np.array([[-0.00616578, 0.0020626, 0.00349619],
                        [-0.05225116, 0.02725659, -0.02646251],
                        [-0.02009721, 0.0036869, 0.02883756],
                        [0.02152675, -0.01385234, 0.02599885]]),
        "A2": np.array([[0.5002307, 0.49985831, 0.50023963]]),
        "Z1": np.array([[-0.00616586, 0.0020626, 0.0034962],
                        [-0.05229879, 0.02726335, -0.02646869],
                        [-0.02009991, 0.00368692, 0.02884556],
                        [0.02153007, -0.01385322, 0.02600471]]),
        "Z2": np.array([[0.00092281, -0.00056678, 0.00095853]]),
    }
    grads = planar.backward_propagation(params, cache, X, Y)
    expected = {
        "dW1": [[0.00301023, -0.00747267], [0.00257968, -0.00641288],
                [-0.00156892, 0.003893], [-0.00652037, 0.01618243]],
        "db1": [[0.00176201], [0.00150995], [-0.00091736], [-0.00381422]],
        "dW2": [[0.00078841, 0.01765429, -0.00084166, -0.01022527]],
        "db2": [[-0.16655712]],
    }
    for name, value in expected.items():
        np.testing.assert_allclose(grads[name], value, **PUBLISHED, err_msg=name)

    grads = {
        "dW1": np.array([[0.00023322, -0.00205423], [0.00082222, -0.00700776],
                         [-0.00031831, 0.0028636], [-0.00092857, 0.00809933]]),
        "dW2": np.array([[-1.75740039e-05, 3.70231337e-03, -1.25683095e-03, -2.55715317e-03]]),
        "db1": np.array([[1.05570087e-07], [-3.81814487e-06], [-1.90155145e-07], [5.46467802e-07]]),
        "db2": np.array([[-1.08923140e-05]]),
    }
    updated = planar.update_parameters(PLANAR_TRAINED, grads)
    expected = {
        "W1": [[-0.00643025, 0.01936718], [-0.02410458, 0.03978052],
               [-0.01653973, -0.02096177], [0.01046864, -0.05990141]],
        "b1": [[-1.02420756e-06], [1.27373948e-05], [8.32996807e-07], [-3.20136836e-06]],
        "W2": [[-0.01041081, -0.04463285, 0.01758031, 0.04747113]],
        "b2": [[0.00010457]],
    }
    for name, value in expected.items():
        # b1's entries are printed with 9 significant digits but are of order 1e-6.
        atol = 1e-15 if name == "b1" else PUBLISHED["atol"]
        np.testing.assert_allclose(updated[name], value, rtol=1e-7, atol=atol, err_msg=name)

    np.random.seed(1)
    X = np.random.randn(2, 3)
    assert np.mean(planar.predict(PLANAR_TRAINED, X)) == pytest.approx(0.666666666667)


def test_planar_nn_model_published_case():
    np.random.seed(1)
    X = np.random.randn(2, 3)
    Y = np.random.randn(1, 3) > 0
    params = planar.nn_model(X, Y, 4, num_iterations=10000)
    expected = {
        "W1": [[0.56305445, -1.03925886], [0.7345426, -1.36286875],
               [-0.72533346, 1.33753027], [0.74757629, -1.38274074]],
        "b1": [[-0.22240654], [-0.34662093], [0.33663708], [-0.35296113]],
        "W2": [[1.82196893, 3.09657075, -2.98193564, 3.19946508]],
        "b2": [[0.21344644]],
    }
    for name, value in expected.items():
        np.testing.assert_allclose(params[name], value, rtol=1e-6, err_msg=name)


def test_deep_step_by_step_published_cases():
    params = deep_step_by_step.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(params["W1"], [[0.01624345, -0.00611756, -0.00528172],
                                              [-0.01072969, 0.00865408, -0.02301539]], **PUBLISHED)
    np.testing.assert_allclose(params["W2"], [[0.01744812, -0.00761207]], **PUBLISHED)
    params = deep_step_by_step.initialize_parameters_deep([5, 4, 3])
    np.testing.assert_allclose(params["W1"][0], [0.01788628, 0.0043651, 0.00096497, -0.01863493,
                                                 -0.00277388], **PUBLISHED)
    np.testing.assert_allclose(params["W2"][2], [-0.00768836, -0.00230031, 0.00745056,
                                                 0.01976111], **PUBLISHED)

    A, W, b = _randn(1, (3, 2), (1, 3), (1, 1))
    Z, _ = deep_step_by_step.linear_forward(A, W, b)
    np.testing.assert_allclose(Z, [[3.26295337, -1.23429987]], **PUBLISHED)

    A_prev, W, b = _randn(2, (3, 2), (1, 3), (1, 1))
    A, _ = deep_step_by_step.linear_activation_forward(A_prev, W, b, activation="sigmoid")
    np.testing.assert_allclose(A, [[0.96890023, 0.11013289]], **PUBLISHED)
    A, _ = deep_step_by_step.linear_activation_forward(A_prev, W, b, activation="relu")
    np.testing.assert_allclose(A, [[3.43896131, 0.0]], **PUBLISHED)

    X, W1, b1, W2, b2, W3, b3 = _randn(6, (5, 4), (4, 5), (4, 1), (3, 4), (3, 1), (1, 3), (1, 1))
    AL, caches = deep_step_by_step.L_model_forward(
        X, {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3})
    np.testing.assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]],
                               **PUBLISHED)
    assert len(caches) == 3

    cost = deep_step_by_step.compute_cost(np.array([[.8, .9, 0.4]]), np.asarray([[1, 1, 0]]))
    assert cost == pytest.approx(0.2797765635793422, rel=1e-14)

    dZ, A, W, b = _randn(1, (3, 4), (5, 4), (3, 5), (3, 1))
    dA_prev, dW, db = deep_step_by_step.linear_backward(dZ, (A, W, b))
    np.testing.assert_allclose(dA_prev[0], [-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                               **PUBLISHED)
    np.testing.assert_allclose(dW[1], [0.85508818, 0.37530413, -0.59912655, 0.71278189,
                                       -0.58931808], **PUBLISHED)
    np.testing.assert_allclose(db, [[-0.14713786], [-0.11313155], [-0.13209101]], **PUBLISHED)

    dA, A, W, b, Z = _randn(2, (1, 2), (3, 2), (1, 3), (1, 1), (1, 2))
    expected = {
        "sigmoid": ([[0.11017994, 0.01105339], [0.09466817, 0.00949723],
                     [-0.05743092, -0.00576154]], [[0.10266786, 0.09778551, -0.01968084]],
                    [[-0.05729622]]),
        "relu": ([[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]],
                 [[0.44513824, 0.37371418, -0.10478989]], [[-0.20837892]]),
    }
    for activation, values in expected.items():
        got = deep_step_by_step.linear_activation_backward(dA, ((A, W, b), Z), activation)
        for name, g, e in zip(("dA_prev", "dW", "db"), got, values):
            np.testing.assert_allclose(g, e, **PUBLISHED, err_msg=f"{activation} {name}")

    np.random.seed(3)
    AL = np.random.randn(1, 2)
    Y = np.array([[1, 0]])
    A1, W1, b1, Z1 = (np.random.randn(*s) for s in ((4, 2), (3, 4), (3, 1), (3, 2)))
    A2, W2, b2, Z2 = (np.random.randn(*s) for s in ((3, 2), (1, 3), (1, 1), (1, 2)))
    grads = deep_step_by_step.L_model_backward(AL, Y, (((A1, W1, b1), Z1), ((A2, W2, b2), Z2)))
    np.testing.assert_allclose(grads["dW1"], [[0.41010002, 0.07807203, 0.13798444, 0.10502167],
                                              [0, 0, 0, 0],
                                              [0.05283652, 0.01005865, 0.01777766, 0.0135308]],
                               **PUBLISHED)
    np.testing.assert_allclose(grads["db1"], [[-0.22007063], [0], [-0.02835349]], **PUBLISHED)
    np.testing.assert_allclose(grads["dA1"], [[0.12913162, -0.44014127],
                                              [-0.14175655, 0.48317296],
                                              [0.01663708, -0.05670698]], **PUBLISHED)

    W1, b1, W2, b2 = _randn(2, (3, 4), (3, 1), (1, 3), (1, 1))
    dW1, db1, dW2, db2 = _randn(3, (3, 4), (3, 1), (1, 3), (1, 1))
    updated = deep_step_by_step.update_parameters(
        {"W1": W1, "b1": b1, "W2": W2, "b2": b2},
        {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}, 0.1)
    np.testing.assert_allclose(updated["W1"][0], [-0.59562069, -0.09991781, -2.14584584,
                                                  1.82662008], **PUBLISHED)
    np.testing.assert_allclose(updated["b1"], [[-0.04659241], [-1.28888275], [0.53405496]],
                               **PUBLISHED)
    np.testing.assert_allclose(updated["W2"], [[-0.55569196, 0.0354055, 1.32964895]], **PUBLISHED)
    np.testing.assert_allclose(updated["b2"], [[-0.84610769]], **PUBLISHED)


# -- (b) the same numbers as the project's models and blocks ----------------------------------


def _data(n_x, m, n_y=1, seed=0):
    """X (n_x, m) standard normal, Y (n_y, m) of 0/1 labels."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_x, m)), (rng.random((n_y, m)) > 0.5).astype(np.float64)


def _random_params(dims, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale / np.sqrt(dims[l - 1])
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    return params


def _assert_params_close(actual, expected, rtol=ROUNDING["rtol"]):
    assert sorted(actual) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(actual[name], value, rtol=rtol,
                                   atol=rtol * np.abs(value).max(), err_msg=name)


SIZES = [(1, 1), (4, 7), (12, 30)]  # (n_x, m)


@pytest.mark.parametrize("n_x, m", SIZES)
def test_propagate_is_the_logistic_regression_model(n_x, m):
    X, Y = _data(n_x, m)
    rng = np.random.default_rng(1)
    w, b = rng.standard_normal((n_x, 1)), float(rng.standard_normal())
    model = scratch.LogisticRegression(n_x)
    model.load_params({"w": w, "b": [[b]]})
    cost, grads = model.cost_and_gradients(X, Y)

    course_grads, course_cost = logistic_regression.propagate(w, b, X, Y)
    np.testing.assert_array_equal(course_grads["dw"], grads["dw"])
    assert course_grads["db"] == grads["db"][0, 0]
    np.testing.assert_allclose(course_cost, cost, **ROUNDING)
    np.testing.assert_array_equal(logistic_regression.predict(w, b, X), model.predict(X))


@pytest.mark.parametrize("n_x, m", SIZES)
def test_logistic_model_is_the_trained_project_model(n_x, m):
    X, Y = _data(n_x, m)
    X_test, Y_test = _data(n_x, 5, seed=1)
    model = scratch.LogisticRegression(n_x)
    costs = scratch.train(model, X, Y, learning_rate=0.1, num_iterations=250, progress=False)

    d = logistic_regression.model(X, Y, X_test, Y_test, num_iterations=250, learning_rate=0.1)
    np.testing.assert_array_equal(d["w"], model.params["w"])
    assert d["b"] == model.params["b"][0, 0]
    np.testing.assert_allclose(d["costs"], costs[::100], **ROUNDING)
    np.testing.assert_array_equal(d["Y_prediction_train"], model.predict(X))
    np.testing.assert_array_equal(d["Y_prediction_test"], model.predict(X_test))
    assert (d["learning_rate"], d["num_iterations"]) == (0.1, 250)


SHALLOW = [(2, 4, 1, 50), (3, 5, 2, 20), (1, 1, 1, 1)]  # (n_x, n_h, n_y, m)


@pytest.mark.parametrize("n_x, n_h, n_y, m", SHALLOW)
def test_planar_steps_are_the_shallow_network(n_x, n_h, n_y, m):
    np.random.seed(5)
    params = planar.initialize_parameters(n_x, n_h, n_y)
    model = scratch.ShallowNetwork(n_x, n_h, n_y, init="course", seed=5)
    for name, value in model.params.items():
        np.testing.assert_array_equal(params[name], value, err_msg=f"initial {name}")

    params = _random_params([n_x, n_h, n_y], seed=2, scale=2.0)
    model.load_params(params)
    X, Y = _data(n_x, m, n_y)
    A2, cache = planar.forward_propagation(X, params)
    AL, caches = model.forward(X)
    np.testing.assert_array_equal(A2, AL)
    np.testing.assert_array_equal(cache["Z1"], caches[0][1])
    np.testing.assert_array_equal(cache["A1"], caches[1][0][0])
    np.testing.assert_array_equal(cache["Z2"], caches[1][1])
    np.testing.assert_array_equal(planar.predict(params, X), model.predict(X).astype(bool))

    cost, grads = model.cost_and_gradients(X, Y)
    assert planar.compute_cost(A2, Y) == pytest.approx(cost, rel=1e-12)
    course_grads = planar.backward_propagation(params, cache, X, Y)
    assert sorted(course_grads) == sorted(grads)
    for name, value in grads.items():
        np.testing.assert_array_equal(course_grads[name], value, err_msg=name)


@pytest.mark.parametrize("n_x, n_h, n_y, m", SHALLOW)
def test_nn_model_is_the_shallow_network_trained_from_the_course_init(n_x, n_h, n_y, m):
    X, Y = _data(n_x, m, n_y)
    model = scratch.ShallowNetwork(n_x, n_h, n_y, init="course", seed=3)
    scratch.train(model, X, Y, learning_rate=1.2, num_iterations=300, progress=False)
    params = planar.nn_model(X, Y, n_h, num_iterations=300)
    for name, value in model.params.items():
        np.testing.assert_array_equal(params[name], value, err_msg=name)


DEEP_DIMS = [[3, 1], [4, 5, 1], [5, 4, 3, 1], [2, 3, 3, 3, 1]]


@pytest.mark.parametrize("dims", DEEP_DIMS, ids=str)
def test_deep_steps_are_the_deep_network(dims):
    np.testing.assert_equal(deep_step_by_step.initialize_parameters_deep(dims),
                            project_initialize(dims, "course", seed=3))
    params = _random_params(dims, seed=4, scale=2.0)
    model = scratch.DeepNetwork(dims)
    model.load_params(params)
    X, Y = _data(dims[0], 9)

    AL, caches = deep_step_by_step.L_model_forward(X, params)
    model_AL, model_caches = model.forward(X)
    np.testing.assert_array_equal(AL, model_AL)
    assert len(caches) == len(dims) - 1
    for ours, theirs in zip(caches, model_caches):
        (A_prev, W, b), Z = ours
        (model_A_prev, model_W, model_b), model_Z = theirs
        for got, expected in ((A_prev, model_A_prev), (W, model_W), (b, model_b), (Z, model_Z)):
            np.testing.assert_array_equal(got, expected)

    cost, grads = model.cost_and_gradients(X, Y)
    np.testing.assert_allclose(deep_step_by_step.compute_cost(AL, Y), cost, **ROUNDING)
    course_grads = deep_step_by_step.L_model_backward(AL, Y, caches)
    for name, value in grads.items():
        np.testing.assert_allclose(course_grads[name], value, **ROUNDING, err_msg=name)


def test_deep_single_steps_are_the_blocks():
    A_prev, W, b, dA = _randn(0, (4, 6), (3, 4), (3, 1), (3, 6))
    for activation in ("sigmoid", "relu"):
        A, cache = deep_step_by_step.linear_activation_forward(A_prev, W, b, activation)
        block_A, block_cache = scratch.linear_activation_forward(A_prev, W, b, activation)
        np.testing.assert_array_equal(A, block_A)
        np.testing.assert_array_equal(cache[1], block_cache[1])
        ours = deep_step_by_step.linear_activation_backward(dA, cache, activation)
        blocks = scratch.linear_activation_backward(dA, block_cache, activation)
        for got, expected in zip(ours, blocks):
            np.testing.assert_array_equal(got, expected)
    Z = A_prev
    pairs = (
        ((deep_step_by_step.sigmoid, deep_step_by_step.sigmoid_backward),
         (scratch.sigmoid, scratch.sigmoid_backward)),
        ((deep_step_by_step.relu, deep_step_by_step.relu_backward),
         (scratch.relu, scratch.relu_backward)),
    )
    for course_pair, block_pair in pairs:
        A, cache = course_pair[0](Z)
        np.testing.assert_array_equal(A, block_pair[0](Z)[0])
        assert cache is Z
        np.testing.assert_array_equal(course_pair[1](Z, cache), block_pair[1](Z, Z))


@pytest.mark.parametrize(
    "train_course, dims, scale",
    [(deep_application.two_layer_model, [6, 5, 1], 0.01),
     (deep_application.L_layer_model, [6, 5, 4, 1], "lecun"),
     (deep_application.L_layer_model, [6, 1], "lecun")],
    ids=["two_layer_model", "L_layer_model", "L_layer_model-1-layer"],
)
def test_deep_models_are_the_deep_network_trained_from_the_course_init(train_course, dims, scale):
    X, Y = _data(dims[0], 30)
    model = scratch.DeepNetwork(dims, init="course", seed=1, scale=scale)
    costs = scratch.train(model, X, Y, learning_rate=0.05, num_iterations=250, progress=False)
    params, course_costs = train_course(X, Y, dims if len(dims) != 3 else tuple(dims),
                                        learning_rate=0.05, num_iterations=250)
    _assert_params_close(params, model.params)
    np.testing.assert_allclose(course_costs, costs[::100], **ROUNDING)


def test_deep_predict_is_the_model_and_prints_the_accuracy(capsys):
    dims = [4, 3, 1]
    params = _random_params(dims, seed=1, scale=3.0)
    model = scratch.DeepNetwork(dims)
    model.load_params(params)
    X, Y = _data(4, 40)
    p = deep_application.predict(X, Y, params)
    np.testing.assert_array_equal(p, model.predict(X))
    out = capsys.readouterr().out
    assert out.startswith("Accuracy: ") and out.count("\n") == 1
    assert float(out.split()[1]) == pytest.approx(model.accuracy(X, Y), rel=1e-12)


# -- (c) the course's types, shapes, caches and copies ----------------------------------------


def test_logistic_regression_types():
    X, Y = _data(3, 8)
    w, b = logistic_regression.initialize_with_zeros(3)
    assert w.shape == (3, 1) and w.dtype == np.float64 and type(b) is float
    grads, cost = logistic_regression.propagate(w, b, X, Y)
    assert grads["dw"].shape == (3, 1)
    assert type(grads["db"]) is np.float64
    assert type(cost) is np.ndarray and cost.ndim == 0
    params, grads, costs = logistic_regression.optimize(w, b, X, Y, num_iterations=201)
    assert params["w"].shape == (3, 1) and type(params["b"]) is np.float64
    assert len(costs) == 3 and all(type(c) is np.ndarray and c.ndim == 0 for c in costs)
    assert costs[0] == cost
    prediction = logistic_regression.predict(params["w"], params["b"], X)
    assert prediction.shape == (1, 8) and prediction.dtype == np.float64
    assert set(np.unique(prediction)) <= {0.0, 1.0}
    d = logistic_regression.model(X, Y, X, Y, num_iterations=10)
    assert sorted(d) == sorted(["costs", "Y_prediction_test", "Y_prediction_train", "w", "b",
                                "learning_rate", "num_iterations"])


def test_planar_types_and_cache():
    X, Y = _data(2, 6)
    assert planar.layer_sizes(X, Y) == (2, 4, 1)
    params = planar.initialize_parameters(2, 4, 1)
    assert {k: v.shape for k, v in params.items()} == {
        "W1": (4, 2), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}
    A2, cache = planar.forward_propagation(X, params)
    assert A2.shape == (1, 6) and sorted(cache) == ["A1", "A2", "Z1", "Z2"]
    assert cache["A2"] is A2
    assert type(planar.compute_cost(A2, Y)) is float
    grads = planar.backward_propagation(params, cache, X, Y)
    assert {k: v.shape for k, v in grads.items()} == {
        "dW1": (4, 2), "db1": (4, 1), "dW2": (1, 4), "db2": (1, 1)}
    assert planar.predict(params, X).dtype == np.bool_


def test_planar_backward_uses_A1_from_the_cache():
    # The course's tanh' is 1 - A1**2 with A1 read from the cache, not recomputed from Z1.
    X, Y = _data(2, 5)
    params = _random_params([2, 3, 1], seed=1)
    _, cache = planar.forward_propagation(X, params)
    changed = dict(cache, A1=cache["A1"] * 0.5, Z1=cache["Z1"] * 0.0)
    dZ1 = (params["W2"].T @ (cache["A2"] - Y)) * (1 - (0.5 * cache["A1"]) ** 2)
    np.testing.assert_allclose(planar.backward_propagation(params, changed, X, Y)["dW1"],
                               dZ1 @ X.T / 5, rtol=1e-13)


def test_deep_types_and_grads_layout():
    dims = [5, 4, 3, 1]
    params = deep_step_by_step.initialize_parameters_deep(dims)
    X, Y = _data(5, 7)
    AL, caches = deep_step_by_step.L_model_forward(X, params)
    assert AL.shape == (1, 7) and len(caches) == 3
    cost = deep_step_by_step.compute_cost(AL, Y)
    assert type(cost) is np.ndarray and cost.ndim == 0
    grads = deep_step_by_step.L_model_backward(AL, Y, caches)
    L = 3
    assert sorted(grads) == sorted([f"dA{l}" for l in range(L)]
                                   + [f"dW{l}" for l in range(1, L + 1)]
                                   + [f"db{l}" for l in range(1, L + 1)])
    for l in range(L):
        # grads["dA" + str(l)] is the dA_prev of layer l + 1, shaped like that layer's A_prev.
        (A_prev, W, b), Z = caches[l]
        assert grads[f"dA{l}"].shape == A_prev.shape
        assert grads[f"dW{l + 1}"].shape == W.shape and grads[f"db{l + 1}"].shape == b.shape
    (_, W3, _), _ = caches[2]
    dZ3 = deep_step_by_step.sigmoid_backward(-(Y / AL - (1 - Y) / (1 - AL)), caches[2][1])
    np.testing.assert_allclose(grads["dA2"], W3.T @ dZ3, rtol=1e-13)


def test_initialisers_reseed_as_the_course_does():
    np.random.seed(7)
    first = planar.initialize_parameters(3, 4, 1)
    second = planar.initialize_parameters(3, 4, 1)
    assert not np.array_equal(first["W1"], second["W1"]), "planar must not reseed"
    np.random.seed(7)
    expected_W1 = np.random.randn(4, 3) * 0.01
    np.testing.assert_array_equal(first["W1"], expected_W1)

    for init, args in ((deep_step_by_step.initialize_parameters, (3, 4, 1)),
                       (deep_step_by_step.initialize_parameters_deep, ([3, 4, 1],))):
        np.random.seed(11)
        a = init(*args)
        np.random.randn(10)
        np.testing.assert_equal(init(*args), a)

    X, Y = _data(2, 10)
    np.random.seed(0)
    a = planar.nn_model(X, Y, 3, num_iterations=5)
    np.random.seed(1)
    np.testing.assert_equal(planar.nn_model(X, Y, 3, num_iterations=5), a)
    np.random.seed(0)
    a = deep_application.L_layer_model(X, Y, [2, 3, 1], num_iterations=5)
    np.random.seed(1)
    np.testing.assert_equal(deep_application.L_layer_model(X, Y, [2, 3, 1], num_iterations=5), a)


def _frozen(value):
    """A deep copy of nested dicts, lists, tuples and arrays, for before/after comparisons."""
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_frozen(v) for v in value)
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def _calls():
    """(id, function, arguments) for every course function that takes arrays."""
    X, Y = _data(3, 6)
    w, b = np.random.default_rng(0).standard_normal((3, 1)), 0.5
    shallow = _random_params([3, 4, 1], seed=1)
    _, shallow_cache = planar.forward_propagation(X, shallow)
    shallow_grads = planar.backward_propagation(shallow, shallow_cache, X, Y)
    deep = _random_params([3, 4, 2, 1], seed=2)
    AL, caches = deep_step_by_step.L_model_forward(X, deep)
    deep_grads = deep_step_by_step.L_model_backward(AL, Y, caches)
    Z = caches[0][1]
    return [
        ("propagate", logistic_regression.propagate, (w, b, X, Y)),
        ("optimize", logistic_regression.optimize, (w, b, X, Y, 5)),
        ("lr.predict", logistic_regression.predict, (w, b, X)),
        ("lr.model", logistic_regression.model, (X, Y, X, Y, 5)),
        ("forward_propagation", planar.forward_propagation, (X, shallow)),
        ("backward_propagation", planar.backward_propagation, (shallow, shallow_cache, X, Y)),
        ("planar.update_parameters", planar.update_parameters, (shallow, shallow_grads)),
        ("nn_model", planar.nn_model, (X, Y, 2, 5)),
        ("relu_backward", deep_step_by_step.relu_backward, (np.ones_like(Z), Z)),
        ("sigmoid_backward", deep_step_by_step.sigmoid_backward, (np.ones_like(Z), Z)),
        ("linear_backward", deep_step_by_step.linear_backward, (np.ones_like(Z), caches[0][0])),
        ("linear_activation_backward", deep_step_by_step.linear_activation_backward,
         (np.ones_like(Z), caches[0], "relu")),
        ("L_model_forward", deep_step_by_step.L_model_forward, (X, deep)),
        ("L_model_backward", deep_step_by_step.L_model_backward, (AL, Y, caches)),
        ("deep.update_parameters", deep_step_by_step.update_parameters, (deep, deep_grads, 0.1)),
        ("two_layer_model", deep_application.two_layer_model, (X, Y, (3, 2, 1), 0.1, 5)),
        ("L_layer_model", deep_application.L_layer_model, (X, Y, [3, 2, 1], 0.1, 5)),
    ]


@pytest.mark.parametrize("index", range(len(_calls())), ids=[c[0] for c in _calls()])
def test_functions_leave_their_arguments_untouched(index, capsys):
    _, function, args = _calls()[index]
    before = _frozen(args)
    function(*args)
    np.testing.assert_equal(args, before)


@pytest.mark.parametrize("module", [planar, deep_step_by_step])
def test_update_parameters_returns_new_arrays(module):
    params = _random_params([3, 4, 1], seed=1)
    grads = {"d" + k: np.ones_like(v) for k, v in _random_params([3, 4, 1], seed=2).items()}
    updated = module.update_parameters(params, grads, 0.5)
    for name, value in params.items():
        assert updated[name] is not value and not np.shares_memory(updated[name], value)
        np.testing.assert_array_equal(updated[name], value - 0.5)


def test_real_valued_labels_are_accepted():
    # The course's own tests give the model functions real-valued Y; so may a learner.
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((3, 12)), rng.random((1, 12))
    grads, cost = logistic_regression.propagate(np.zeros((3, 1)), 0.0, X, Y)
    assert np.isfinite(cost) and np.isfinite(grads["dw"]).all()
    _, costs = deep_application.L_layer_model(X, Y, [3, 4, 1], learning_rate=0.1,
                                              num_iterations=201)
    assert np.isfinite(costs).all() and costs[-1] < costs[0]
    params = planar.nn_model(X, Y, 3, num_iterations=201)
    assert all(np.isfinite(v).all() for v in params.values())


_COST_LINE = r"Cost after iteration (\d+): (\S+)"


def _printed_costs(text):
    import re

    lines = text.splitlines()
    matches = [re.fullmatch(_COST_LINE, line) for line in lines]
    assert all(matches), f"unexpected output lines: {lines}"
    return [(int(m.group(1)), m.group(2)) for m in matches]


def test_print_cost_prints_like_the_course(capsys):
    X, Y = _data(3, 10)
    w, b = logistic_regression.initialize_with_zeros(3)
    _, _, costs = logistic_regression.optimize(w, b, X, Y, num_iterations=250, print_cost=True)
    printed = _printed_costs(capsys.readouterr().out)
    # "%f": six decimals; zero weights give J = log 2 at iteration 0 whatever the data.
    assert printed == [(i, "%f" % c) for i, c in zip((0, 100, 200), costs)]
    assert printed[0][1] == "0.693147"

    planar.nn_model(X, Y, 2, num_iterations=2001, print_cost=True)
    assert [i for i, _ in _printed_costs(capsys.readouterr().out)] == [0, 1000, 2000]

    _, costs = deep_application.L_layer_model(X, Y, [3, 2, 1], num_iterations=150,
                                              print_cost=True)
    printed = _printed_costs(capsys.readouterr().out)
    # str() of the 0-d cost: every digit, at every 100th iteration and at the last one.
    assert [i for i, _ in printed] == [0, 100, 149]
    assert [float(v) for _, v in printed[:2]] == [float(c) for c in costs]

    logistic_regression.model(X, Y, X, Y, num_iterations=5, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Cost after iteration 0: 0.693147"
    assert lines[1].startswith("train accuracy: ") and lines[1].endswith(" %")
    assert lines[2].startswith("test accuracy: ") and lines[2].endswith(" %")


def test_quiet_by_default(capsys):
    X, Y = _data(3, 10)
    logistic_regression.model(X, Y, X, Y, num_iterations=150)
    planar.nn_model(X, Y, 2, num_iterations=1001)
    deep_application.two_layer_model(X, Y, (3, 2, 1), num_iterations=150)
    deep_application.L_layer_model(X, Y, [3, 2, 1], num_iterations=150)
    assert capsys.readouterr().out == ""


def test_basic_sigmoid_is_a_scalar_function():
    assert type(course_basics.basic_sigmoid(0.3)) is float
    assert course_basics.basic_sigmoid(0.3) == pytest.approx(1 / (1 + math.exp(-0.3)), rel=1e-15)
    with pytest.raises(TypeError, match="one real number"):
        course_basics.basic_sigmoid(np.array([1.0, 2.0]))
    assert course_basics.image2vector(np.zeros((3, 3, 2))).shape == (18, 1)


# -- (d) one clear error for shapes the functions cannot use ----------------------------------

_X, _Y = _data(2, 3)
_SHALLOW = _random_params([2, 4, 1], seed=1)
_DEEP = _random_params([2, 4, 3, 1], seed=1)
_CACHE = planar.forward_propagation(_X, _SHALLOW)[1]
_AL, _CACHES = deep_step_by_step.L_model_forward(_X, _DEEP)

BAD_SHAPES = [
    ("propagate w rows", lambda: logistic_regression.propagate(np.zeros((3, 1)), 0.0, _X, _Y),
     "w must have shape (2, 1), got (3, 1)"),
    ("propagate rank-1 w", lambda: logistic_regression.propagate(np.zeros(2), 0.0, _X, _Y),
     "w must have shape (2, 1), got (2,)"),
    ("propagate Y rank-1", lambda: logistic_regression.propagate(np.zeros((2, 1)), 0.0, _X,
                                                                 _Y[0]),
     "Y must have shape (1, 3), got (3,)"),
    ("propagate b vector", lambda: logistic_regression.propagate(np.zeros((2, 1)), np.zeros(2),
                                                                 _X, _Y),
     "b must be one number"),
    ("lr.predict X rank-1", lambda: logistic_regression.predict(np.zeros((2, 1)), 0.0, _X[0]),
     "X must be a 2-D array"),
    ("lr.model X_test rows", lambda: logistic_regression.model(_X, _Y, _X[:1], _Y),
     "X_test must have shape (2, m_test)"),
    ("layer_sizes rank-1", lambda: planar.layer_sizes(_X[0], _Y), "X must be a 2-D array"),
    ("forward_propagation X rows", lambda: planar.forward_propagation(_X[:1], _SHALLOW),
     "X must have shape (2, m), got (1, 3)"),
    ("forward_propagation W2", lambda: planar.forward_propagation(
        _X, dict(_SHALLOW, W2=np.zeros((1, 3)))), "W2 must have shape (1, 4)"),
    ("compute_cost Y", lambda: planar.compute_cost(_CACHE["A2"], _Y[0]),
     "Y must have shape (1, 3), got (3,)"),
    ("backward_propagation A1", lambda: planar.backward_propagation(
        _SHALLOW, dict(_CACHE, A1=_CACHE["A1"][:2]), _X, _Y), 'cache["A1"] must have shape (4, 3)'),
    ("planar.update_parameters dW1", lambda: planar.update_parameters(
        _SHALLOW, {"dW1": np.zeros((2, 4)), "db1": 0, "dW2": 0, "db2": 0}),
     "dW1 must have shape (4, 2), got (2, 4)"),
    ("relu_backward", lambda: deep_step_by_step.relu_backward(np.zeros((2, 3)), np.zeros((3, 2))),
     "dA must have the shape of the cached Z, (3, 2), got (2, 3)"),
    ("linear_forward", lambda: deep_step_by_step.linear_forward(_X, np.zeros((1, 3)),
                                                                np.zeros((1, 1))),
     "A must have shape (3, m), got (2, 3)"),
    ("linear_activation_forward b", lambda: deep_step_by_step.linear_activation_forward(
        _X, np.zeros((4, 2)), np.zeros((4,)), "relu"), "b must have shape (4, 1), got (4,)"),
    ("L_model_forward X rows", lambda: deep_step_by_step.L_model_forward(_X[:1], _DEEP),
     "X must have shape (2, m), got (1, 3)"),
    ("L_model_forward chain", lambda: deep_step_by_step.L_model_forward(
        _X, dict(_DEEP, W2=np.zeros((3, 5)))), "W2 must have shape (3, 4) to follow W1"),
    ("deep compute_cost", lambda: deep_step_by_step.compute_cost(_AL, np.zeros((1, 4))),
     "Y must have shape (1, 3), got (1, 4)"),
    ("linear_backward dZ", lambda: deep_step_by_step.linear_backward(np.zeros((4, 2)),
                                                                     _CACHES[0][0]),
     "dZ must have shape (4, 3), got (4, 2)"),
    ("L_model_backward Y", lambda: deep_step_by_step.L_model_backward(_AL, np.zeros((1, 5)),
                                                                      _CACHES),
     "Y must have shape (1, 3) to match the output, got (1, 5)"),
    ("deep.update_parameters", lambda: deep_step_by_step.update_parameters(
        _DEEP, {**{"d" + k: v for k, v in _DEEP.items()}, "db3": np.zeros(1)}, 0.1),
     "db3 must have shape (1, 1), got (1,)"),
    ("two_layer_model n_x", lambda: deep_application.two_layer_model(_X, _Y, (3, 2, 1)),
     "X must have shape (3, m), got (2, 3)"),
    ("L_layer_model Y", lambda: deep_application.L_layer_model(_X, _Y[:, :2], [2, 1]),
     "Y must have shape (1, 3), got (1, 2)"),
    ("deep predict y", lambda: deep_application.predict(_X, _Y[:, :2], _DEEP),
     "y must have shape (1, 3)"),
]


@pytest.mark.parametrize("call, fragment", [c[1:] for c in BAD_SHAPES],
                         ids=[c[0] for c in BAD_SHAPES])
def test_bad_shapes_give_one_clear_error(call, fragment):
    with pytest.raises(ShapeError) as info:
        call()
    message = str(info.value)
    assert fragment in message and "\n" not in message


# -- the course's names, arguments and defaults -----------------------------------------------

SIGNATURES = {
    course_basics: {
        "basic_sigmoid": "(x)", "sigmoid": "(x)", "sigmoid_derivative": "(x)",
        "image2vector": "(image)", "normalizeRows": "(x)", "softmax": "(x)",
        "L1": "(yhat, y)", "L2": "(yhat, y)",
    },
    logistic_regression: {
        "sigmoid": "(z)", "initialize_with_zeros": "(dim)", "propagate": "(w, b, X, Y)",
        "optimize": "(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False)",
        "predict": "(w, b, X)",
        "model": "(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, "
                 "print_cost=False)",
    },
    planar: {
        "layer_sizes": "(X, Y)", "initialize_parameters": "(n_x, n_h, n_y)",
        "forward_propagation": "(X, parameters)", "compute_cost": "(A2, Y)",
        "backward_propagation": "(parameters, cache, X, Y)",
        "update_parameters": "(parameters, grads, learning_rate=1.2)",
        "nn_model": "(X, Y, n_h, num_iterations=10000, print_cost=False)",
        "predict": "(parameters, X)",
    },
    deep_step_by_step: {
        "sigmoid": "(Z)", "relu": "(Z)", "sigmoid_backward": "(dA, cache)",
        "relu_backward": "(dA, cache)", "initialize_parameters": "(n_x, n_h, n_y)",
        "initialize_parameters_deep": "(layer_dims)", "linear_forward": "(A, W, b)",
        "linear_activation_forward": "(A_prev, W, b, activation)",
        "L_model_forward": "(X, parameters)", "compute_cost": "(AL, Y)",
        "linear_backward": "(dZ, cache)",
        "linear_activation_backward": "(dA, cache, activation)",
        "L_model_backward": "(AL, Y, caches)",
        "update_parameters": "(params, grads, learning_rate)",
    },
    deep_application: {
        "initialize_parameters_deep": "(layer_dims)",
        "two_layer_model": "(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, "
                           "print_cost=False)",
        "L_layer_model": "(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, "
                         "print_cost=False)",
        "predict": "(X, y, parameters)",
    },
}


@pytest.mark.parametrize("module", SIGNATURES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_names_arguments_and_defaults_are_the_course_s(module):
    import inspect

    assert sorted(module.__all__) == sorted(SIGNATURES[module])
    for name, signature in SIGNATURES[module].items():
        assert str(inspect.signature(getattr(module, name))) == signature, name
