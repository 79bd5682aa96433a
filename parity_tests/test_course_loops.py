"""The project's NumPy models against the course's own assignment code.

``experiments.course_loops`` is the assignment's loop as learners write it; with
the ``course`` initialiser the project's models must retrace it: the same
draws, the same cost at every iteration and the same final parameters, up to
float64 rounding (the project computes the cost from Z[L] and dZ[L] = A[L] - Y,
the assignment from log A[L] and the division formula for dA[L]).
"""

import numpy as np
import pytest

import scratch
from experiments import course_loops
from helpers import run_tolerance
from scratch.data import load_cat_dataset, load_digits_binary, make_flower

# Both sides are float64 and differ only in the order of roundings, carried from step to
# step: the suite's allowance for training runs, helpers.run_tolerance (measured: 7.3 eps
# after 30 flower iterations, under 2 on the others).


def _digits():
    data = load_digits_binary()
    return data.X_train, data.Y_train


def _flower():
    return make_flower()


CASES = {
    # name: (data, layer_dims from n_x, hidden activation, learning rate, seed, scale)
    "deep2-digits": (_digits, lambda n_x: [n_x, 7, 1], "relu", 0.0075, 1, 0.01),
    "deepL-digits": (_digits, lambda n_x: [n_x, 20, 7, 5, 1], "relu", 0.0075, 1, "lecun"),
    "shallow-planar": (_flower, lambda n_x: [n_x, 4, 1], "tanh", 1.2, 2, 0.01),
}


def _compare(X, Y, layer_dims, activation, learning_rate, seed, scale, iterations):
    model = scratch.DeepNetwork(layer_dims, activation, init="course", seed=seed, scale=scale)
    expected_params = course_loops.initialize_parameters_deep(layer_dims, seed, scale)
    for name, value in expected_params.items():
        np.testing.assert_array_equal(model.params[name], value, err_msg=f"initial {name}")

    costs = scratch.train(model, X, Y, learning_rate, iterations, progress=False)
    expected_params, expected_costs = course_loops.L_layer_model(
        X, Y, layer_dims, learning_rate, iterations, seed, scale, activation
    )
    rtol = run_tolerance(iterations)["rtol"]
    np.testing.assert_allclose(costs, expected_costs, rtol=rtol, err_msg="cost per iteration")
    for name, value in expected_params.items():
        np.testing.assert_allclose(
            model.params[name], value, rtol=rtol, atol=rtol * np.abs(value).max(),
            err_msg=f"final {name}",
        )


@pytest.mark.parametrize("case", sorted(CASES))
def test_models_retrace_the_assignment_code(case):
    data, dims, activation, learning_rate, seed, scale = CASES[case]
    X, Y = data()
    _compare(X, Y, dims(X.shape[0]), activation, learning_rate, seed, scale, iterations=30)


@pytest.mark.parametrize("dims, scale", [([12288, 7, 1], 0.01), ([12288, 20, 7, 5, 1], "lecun")])
def test_cat_networks_retrace_the_assignment_code(cat_data_dir, dims, scale):
    cats = load_cat_dataset(cat_data_dir)
    _compare(cats.X_train, cats.Y_train, dims, "relu", 0.0075, 1, scale, iterations=5)
