"""``scratch.course`` reproduces the course's published figures on the course's data.

The figures are the 2021 notebooks' printed outputs; the cat images come from
NNDL_DATA_DIR (the tests skip with a reason without them) and the flower from
:func:`scratch.data.make_flower`. Runs of more than a couple of seconds are
marked ``slow`` (``python -m pytest -m slow``).
"""

import re

import numpy as np
import pytest

from scratch.course import deep_application, logistic_regression, planar
from scratch.data import load_cat_dataset, make_flower


@pytest.fixture(scope="module")
def cats(cat_data_dir):
    return load_cat_dataset(cat_data_dir)


def _printed(text):
    """{iteration: printed value} of the "Cost after iteration i: J" lines."""
    return {int(i): value for i, value in re.findall(r"Cost after iteration (\d+): (\S+)", text)}


def test_logistic_regression_model_on_the_cats(cats, capsys):
    d = logistic_regression.model(cats.X_train, cats.Y_train, cats.X_test, cats.Y_test,
                                  num_iterations=2000, learning_rate=0.005, print_cost=True)
    out = capsys.readouterr().out
    printed = _printed(out)
    assert printed[0] == "0.693147" and printed[100] == "0.584508"
    assert printed[1000] == "0.214820" and printed[1900] == "0.140872"
    assert len(d["costs"]) == 20
    assert "train accuracy: 99.04306220095694 %" in out
    assert "test accuracy: 70.0 %" in out


def test_nn_model_on_the_flower(capsys):
    # The 2021 revision: nn_model reseeds with 3 and initialize_parameters draws on from there.
    X, Y = make_flower()
    params = planar.nn_model(X, Y, n_h=4, num_iterations=10000, print_cost=True)
    printed = _printed(capsys.readouterr().out)
    assert sorted(printed) == list(range(0, 10000, 1000))
    assert (printed[0], printed[1000], printed[9000]) == ("0.693162", "0.258625", "0.218530")
    predictions = planar.predict(params, X)
    # The notebook's formula; it yields a (1, 1) array, which recent NumPy no longer
    # turns into a float without an explicit .item().
    accuracy = ((np.dot(Y, predictions.T) + np.dot(1 - Y, 1 - predictions.T))
                / float(Y.size) * 100).item()
    assert accuracy == pytest.approx(90.5)
    assert "Accuracy: %d" % accuracy + "%" == "Accuracy: 90%"


@pytest.mark.slow
def test_two_layer_model_on_the_cats(cats, capsys):
    params, costs = deep_application.two_layer_model(
        cats.X_train, cats.Y_train, layers_dims=(12288, 7, 1), num_iterations=2500,
        print_cost=True)
    printed = _printed(capsys.readouterr().out)
    assert float(printed[0]) == pytest.approx(0.693049735659989, rel=1e-12)
    assert float(printed[100]) == pytest.approx(0.6464320953428849, rel=1e-9)
    assert float(costs[24]) == pytest.approx(0.048554785628770206, rel=1e-6)
    assert float(printed[2499]) == pytest.approx(0.04421498215868956, rel=1e-6)
    assert len(costs) == 25
    deep_application.predict(cats.X_train, cats.Y_train, params)
    deep_application.predict(cats.X_test, cats.Y_test, params)
    train, test = (float(line.split()[1]) for line in capsys.readouterr().out.splitlines())
    assert train == pytest.approx(1.0) and test == pytest.approx(0.72)


@pytest.mark.slow
def test_L_layer_model_on_the_cats(cats, capsys):
    params, costs = deep_application.L_layer_model(
        cats.X_train, cats.Y_train, layers_dims=[12288, 20, 7, 5, 1], num_iterations=2500,
        print_cost=True)
    printed = _printed(capsys.readouterr().out)
    assert float(printed[0]) == pytest.approx(0.7717493284237686, rel=1e-12)
    assert float(printed[2499]) == pytest.approx(0.088439943441702, rel=1e-6)
    assert len(costs) == 25
    deep_application.predict(cats.X_train, cats.Y_train, params)
    deep_application.predict(cats.X_test, cats.Y_test, params)
    train, test = (float(line.split()[1]) for line in capsys.readouterr().out.splitlines())
    assert train == pytest.approx(0.9856459330143539) and test == pytest.approx(0.8)


def test_model_takes_a_rank_1_Y_test_as_the_course_s_tests_pass_it():
    # The course's own test of model passes Y_test of shape (m_test,), which its model accepts.
    rs = np.random.RandomState(0)
    X, X_test = rs.randn(5, 10), rs.randn(5, 3)
    Y, Y_test = np.array([[1, 0, 0, 1, 0, 1, 0, 1, 0, 0]]), np.array([0, 1, 0])
    d = logistic_regression.model(X, Y, X_test, Y_test, num_iterations=50, learning_rate=0.01)
    d_2d = logistic_regression.model(X, Y, X_test, Y_test[None, :], num_iterations=50,
                                     learning_rate=0.01)
    for key in ("costs", "Y_prediction_test", "Y_prediction_train", "w", "b"):
        np.testing.assert_array_equal(np.asarray(d[key]), np.asarray(d_2d[key]), err_msg=key)
    assert d["Y_prediction_test"].shape == (1, 3)


def test_compute_cost_takes_a_rank_1_A2_as_the_2024_tests_pass_it():
    # The 2024 revision's test of compute_cost passes A2 of shape (m,) with Y of shape (1, m).
    A2 = np.array([0.5002307, 0.49985831, 0.50023963])
    Y = np.array([[1, 0, 0]])
    cost = planar.compute_cost(A2, Y)
    assert type(cost) is float
    assert cost == planar.compute_cost(A2[None, :], Y)
    assert cost == pytest.approx(0.6930587610394646, rel=1e-12)
