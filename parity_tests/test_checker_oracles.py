"""The checker's oracles themselves, not only its verdicts on the learner fixtures.

Each oracle (the interface, the values against the reference, the gradients
against finite differences of the learner's own forward and cost, the gradients
against torch autograd, the whole runs' cost curves) is handed learner
functions written here from the course's formulas, then changed:

* wrong by a small but real amount, by a sign, by a transpose, or on one input
  of several (every input is judged, not only the first): judged wrong;
* right to rounding (another summation order, a change well below the
  tolerance): judged right;
* just inside and just outside each tolerance, read from where it is stated
  (``compare.RTOL``/``ATOL``, ``oracles.FD_TOLERANCE``/``AUTOGRAD_TOLERANCE``):
  right, then wrong at that stage.

Only the public ``check`` and the tolerance constants are used; a verdict is
read by its status, its stage and at most the name of the function or output
it is about, never by its wording.
"""

import textwrap

import pytest

from experiments.checker import check
from experiments.checker.compare import ATOL, RTOL
from experiments.checker.oracles import (AUTOGRAD_TOLERANCE, FD_TOLERANCE, RUN_TOLERANCE,
                                         RUN_TOLERANCE_LOOSE)
from helpers import write_course_shaped_cat_files


def judged(source, name, assignment="deep_step_by_step", runs=False, **options):
    """The checker's record for ``name`` defined by ``source``, run as a notebook's cells."""
    namespace = {"__name__": "__main__"}
    exec(textwrap.dedent(source), namespace)
    records = check(namespace, only=name, assignment=assignment, runs=runs, quiet=True, **options)
    found = [r for r in records if r.function == name]
    assert len(found) == 1, [r.line() for r in records]
    return found[0]


def factor(relative):
    """1 + d such that the checker's relative difference of (1 + d) g from g is ``relative``.

    The gradient oracles measure max|a - b| / (max|a| + max|b|): for a = (1 + d) b
    that is d / (2 + d).
    """
    return 1.0 + 2.0 * relative / (1.0 - relative)


# -- learners' functions, from the course's formulas ----------------------------------------------
# {change} is a line run just before the return; "pass" leaves the function right.
LINEAR_BACKWARD = """
    import numpy as np

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = np.dot(dZ, A_prev.T) / m
        db = np.sum(dZ, axis=1, keepdims=True) / m
        dA_prev = np.dot(W.T, dZ)
        {change}
        return dA_prev, dW, db
"""

# The same gradients summed another way: right to rounding.
LINEAR_BACKWARD_REORDERED = """
    import numpy as np

    def linear_backward(dZ, cache):
        A_prev, W, b = cache
        m = A_prev.shape[1]
        dW = np.einsum("im,jm->ij", dZ[:, ::-1], A_prev[:, ::-1]) * (1.0 / m)
        db = dZ.sum(axis=1)[:, None] * (1.0 / m)
        dA_prev = (dZ.T @ W).T
        return dA_prev, dW, db
"""

# linear_backward right, its forward (through which finite differences are taken) changed.
LINEAR_FORWARD_AND_BACKWARD = LINEAR_BACKWARD.replace("{change}", "pass") + """
    def linear_forward(A, W, b):
        Z = np.dot(W, A) + b
        {change}
        return Z, (A, W, b)
"""

RELU_BACKWARD = """
    import numpy as np

    def relu_backward(dA, cache):
        Z = cache
        dZ = np.array(dA, copy=True)
        dZ[Z <= 0] = 0
        {change}
        return dZ
"""

LINEAR_FORWARD = """
    import numpy as np

    def linear_forward(A, W, b):
        Z = np.dot(W, A) + b
        {change}
        return Z, (A, W, b)
"""

L_MODEL_BACKWARD = """
    import numpy as np
    from scratch.course.deep_step_by_step import linear_activation_backward

    def L_model_backward(AL, Y, caches):
        grads = {}
        L = len(caches)
        Y = Y.reshape(AL.shape)
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \\
            linear_activation_backward(dAL, caches[L - 1], "sigmoid")
        for l in reversed(range(L - 1)):
            grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = \\
                linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        {change}
        return grads
"""

# L_model_backward right; the cost or the forward pass it is a derivative of changed.
COST_AND_L_MODEL_BACKWARD = L_MODEL_BACKWARD.replace("{change}", "pass") + """
    def compute_cost(AL, Y):
        m = Y.shape[1]
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
        {change}
        return float(np.squeeze(cost))
"""

FORWARD_AND_L_MODEL_BACKWARD = L_MODEL_BACKWARD.replace("{change}", "pass") + """
    from scratch.course.deep_step_by_step import linear_activation_forward

    def L_model_forward(X, parameters):
        caches = []
        A = X
        L = len(parameters) // 2
        for l in range(1, L + 1):
            W, b = parameters["W" + str(l)], parameters["b" + str(l)]
            {change}
            A, cache = linear_activation_forward(A, W, b, "sigmoid" if l == L else "relu")
            caches.append(cache)
        return A, caches
"""

SQUARE = "W.shape[0] == W.shape[1] > 1"   # only the input with a square W (not the first)
ONE_EXAMPLE = "dZ.shape[1] == 1"           # only the input with m = 1 (not the first)


def source(template, change="pass"):
    return template.replace("{change}", change)


# -- values ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("template, name, change", [
    pytest.param(LINEAR_BACKWARD, "linear_backward", "pass", id="linear_backward"),
    pytest.param(LINEAR_BACKWARD_REORDERED, "linear_backward", None, id="another-summation-order"),
    # (a backward function off by this much is for autograd to see, below)
    pytest.param(LINEAR_FORWARD, "linear_forward", f"Z = Z * {1 + RTOL / 2!r}",
                 id="Z-half-RTOL-off"),
    pytest.param(RELU_BACKWARD, "relu_backward", f"dZ = dZ + (Z <= 0) * {ATOL / 2!r}",
                 id="zeros-half-ATOL-off"),
    pytest.param(LINEAR_FORWARD, "linear_forward", "Z = (np.dot(A.T, W.T) + b.T).T",
                 id="forward-another-summation-order"),
    pytest.param(L_MODEL_BACKWARD, "L_model_backward", "pass", id="L_model_backward"),
])
def test_right_to_rounding_is_right(template, name, change):
    record = judged(template if change is None else source(template, change), name)
    assert record.status == "right", record.line()


@pytest.mark.parametrize("template, name, change, output", [
    # the tolerances from just outside
    pytest.param(LINEAR_BACKWARD, "linear_backward", f"dW = dW * {1 + 2 * RTOL!r}", "dW",
                 id="dW-twice-RTOL-off"),
    pytest.param(LINEAR_FORWARD, "linear_forward", f"Z = Z * {1 + 2 * RTOL!r}", "Z",
                 id="Z-twice-RTOL-off"),
    pytest.param(RELU_BACKWARD, "relu_backward", f"dZ = dZ + (Z <= 0) * {2 * ATOL!r}", "dZ",
                 id="zeros-twice-ATOL-off"),
    # small but real amounts, whatever the tolerances say
    pytest.param(LINEAR_FORWARD, "linear_forward", "Z = Z * (1 + 1e-5)", "Z",
                 id="Z-relative-1e-5-off"),
    pytest.param(RELU_BACKWARD, "relu_backward", "dZ = dZ + (Z <= 0) * 1e-7", "dZ",
                 id="zeros-1e-7-off"),
    # a sign, a transpose
    pytest.param(LINEAR_BACKWARD, "linear_backward", "dA_prev = -dA_prev", "dA_prev",
                 id="dA_prev-sign"),
    pytest.param(LINEAR_FORWARD, "linear_forward", "Z = np.dot(W.T, A) + b if "
                 "W.shape[0] == W.shape[1] else Z", "Z", id="W-transposed-on-square-W"),
    pytest.param(RELU_BACKWARD, "relu_backward", "dZ = -dZ", "dZ", id="dZ-sign"),
    # on one input of several, never the first
    pytest.param(LINEAR_BACKWARD, "linear_backward", f"db = -db if {ONE_EXAMPLE} else db", "db",
                 id="db-sign-with-one-example-only"),
    pytest.param(LINEAR_BACKWARD, "linear_backward",
                 f"dW = dW * {1 + 2 * RTOL!r} if {SQUARE} else dW", "dW",
                 id="dW-twice-RTOL-off-on-square-W-only"),
    pytest.param(LINEAR_FORWARD, "linear_forward", "Z = Z + 1e-4 if A.shape[1] == 1 else Z", "Z",
                 id="Z-off-with-one-example-only"),
    pytest.param(L_MODEL_BACKWARD, "L_model_backward",
                 'grads["dW1"] = grads["dW1"] * 1.001 if L == 4 else grads["dW1"]', "dW1",
                 id="dW1-off-for-L-4-only"),
])
def test_values_wrong_by_a_little_a_sign_a_transpose_or_on_one_input(template, name, change,
                                                                      output):
    record = judged(source(template, change), name)
    assert record.status == "wrong" and record.stage == "values", record.line()
    assert output in record.message


def test_value_tolerances_are_what_the_cases_above_assume():
    # The "twice the tolerance" cases are wrong only where some entry is over ATOL / RTOL:
    # entries of the course's sizes are.
    assert ATOL / RTOL < 0.01


# -- interface ------------------------------------------------------------------------------------
@pytest.mark.parametrize("template, name, change, output, stages", [
    pytest.param(LINEAR_BACKWARD, "linear_backward", "dW = dW.T", "dW", ("interface",),
                 id="dW-transposed"),
    pytest.param(LINEAR_BACKWARD, "linear_backward", "db = np.sum(dZ, axis=1) / m", "db",
                 ("interface",), id="db-rank-1"),
    pytest.param(LINEAR_BACKWARD, "linear_backward", "dW = float(dW.sum())", "dW",
                 ("interface",), id="dW-a-number"),
    pytest.param(L_MODEL_BACKWARD, "L_model_backward", 'del grads["dA0"]', "dA0",
                 ("interface",), id="a-key-missing"),
    pytest.param(LINEAR_BACKWARD, "linear_backward", "W -= 0.01 * dW", "cache", ("interface",),
                 id="argument-changed-in-place"),
    # on one input of several: the n = 1 input, where np.squeeze bites
    pytest.param(LINEAR_BACKWARD, "linear_backward", "dW = np.squeeze(dW)", "dW",
                 ("interface", "values"), id="squeezed-dW-on-one-input"),
    pytest.param(LINEAR_BACKWARD, "linear_backward", f"db = db.ravel() if {ONE_EXAMPLE} else db",
                 "db", ("interface", "values"), id="db-rank-1-with-one-example-only"),
])
def test_interface_wrong(template, name, change, output, stages):
    record = judged(source(template, change), name)
    assert record.status == "wrong" and record.stage in stages, record.line()
    assert output in record.message


# -- gradients against torch autograd -------------------------------------------------------------
# A backward output off by less than RTOL passes the values; autograd, stricter, must still
# see it, at the gradients stage.
def test_autograd_tolerance_is_stricter_than_the_values():
    assert factor(1.25 * AUTOGRAD_TOLERANCE) - 1 < RTOL / 10


@pytest.mark.parametrize("template, name, change", [
    pytest.param(LINEAR_BACKWARD, "linear_backward",
                 f"dW = dW * {factor(0.8 * AUTOGRAD_TOLERANCE)!r}", id="linear_backward"),
    pytest.param(L_MODEL_BACKWARD, "L_model_backward",
                 f'grads["dW1"] = grads["dW1"] * {factor(0.8 * AUTOGRAD_TOLERANCE)!r}',
                 id="L_model_backward"),
])
def test_autograd_just_inside_its_tolerance_is_right(template, name, change):
    record = judged(source(template, change), name)
    assert record.status == "right", record.line()


@pytest.mark.parametrize("template, name, change, output", [
    pytest.param(LINEAR_BACKWARD, "linear_backward",
                 f"dW = dW * {factor(1.25 * AUTOGRAD_TOLERANCE)!r}", "dW", id="dW-just-outside"),
    pytest.param(L_MODEL_BACKWARD, "L_model_backward",
                 f'grads["dW1"] = grads["dW1"] * {factor(1.25 * AUTOGRAD_TOLERANCE)!r}', "dW1",
                 id="dW1-just-outside"),
    # A real amount under the values' tolerance: a gradient carried in float32.
    pytest.param(LINEAR_BACKWARD, "linear_backward",
                 "dW = dW.astype(np.float32).astype(np.float64)", "dW", id="dW-through-float32"),
    pytest.param(LINEAR_BACKWARD, "linear_backward", "dW = dW * (1 + 1e-7)", "dW",
                 id="dW-relative-1e-7-off"),
    # on one input of several, never the first
    pytest.param(LINEAR_BACKWARD, "linear_backward",
                 f"dW = dW * {factor(1.25 * AUTOGRAD_TOLERANCE)!r} if {SQUARE} else dW", "dW",
                 id="dW-just-outside-on-square-W-only"),
    pytest.param(LINEAR_BACKWARD, "linear_backward",
                 f"db = db * {factor(1.25 * AUTOGRAD_TOLERANCE)!r} if {ONE_EXAMPLE} else db", "db",
                 id="db-just-outside-with-one-example-only"),
    pytest.param(L_MODEL_BACKWARD, "L_model_backward",
                 f'if L == 3 and AL.shape[1] == 2: grads["db2"] = grads["db2"] * '
                 f'{factor(1.25 * AUTOGRAD_TOLERANCE)!r}', "db2",
                 id="db2-just-outside-on-the-last-input-only"),
])
def test_autograd_sees_what_the_values_let_through(template, name, change, output):
    record = judged(source(template, change), name)
    assert record.status == "wrong" and record.stage == "gradients", record.line()
    assert output in record.message


@pytest.mark.parametrize("change", [
    pytest.param("dW = -dW", id="sign"),
    pytest.param("dW = dW.T if dW.shape[0] == dW.shape[1] else dW", id="transposed-on-square-W"),
    pytest.param("db = db * 2", id="factor-2"),
])
def test_backward_wrong_by_a_sign_or_a_transpose_is_wrong(change):
    record = judged(source(LINEAR_BACKWARD, change), "linear_backward")
    assert record.status == "wrong", record.line()


# -- gradients against finite differences of the learner's own forward and cost -------------------
# The backward function is right (it agrees with the reference and with autograd); the forward
# or the cost it is a derivative of is not. Its verdict stays right and it carries a note
# naming the function to look at.
def fd_note(record, forward):
    return [note for note in record.notes if forward in note]


@pytest.mark.parametrize("template, name, change", [
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward", "pass", id="linear_forward"),
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward",
                 f"Z = Z * {factor(0.8 * FD_TOLERANCE)!r}", id="linear_forward-just-inside"),
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward",
                 "Z = (A.T @ W.T).T + b", id="linear_forward-another-summation-order"),
    pytest.param(COST_AND_L_MODEL_BACKWARD, "L_model_backward", "pass", id="compute_cost"),
    pytest.param(COST_AND_L_MODEL_BACKWARD, "L_model_backward",
                 f"cost = cost * {factor(0.8 * FD_TOLERANCE)!r}", id="compute_cost-just-inside"),
    pytest.param(COST_AND_L_MODEL_BACKWARD, "L_model_backward",
                 "cost = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL), axis=1)",
                 id="compute_cost-as-a-mean"),
    pytest.param(FORWARD_AND_L_MODEL_BACKWARD, "L_model_backward", "pass", id="L_model_forward"),
])
def test_finite_differences_of_a_right_forward_raise_nothing(template, name, change):
    record = judged(source(template, change), name)
    assert record.status == "right", record.line()
    assert record.notes == [], record.line()


@pytest.mark.parametrize("template, name, change, forward", [
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward",
                 f"Z = Z * {factor(1.25 * FD_TOLERANCE)!r}", "linear_forward",
                 id="linear_forward-just-outside"),
    pytest.param(COST_AND_L_MODEL_BACKWARD, "L_model_backward",
                 f"cost = cost * {factor(1.25 * FD_TOLERANCE)!r}", "compute_cost",
                 id="compute_cost-just-outside"),
    # small but real amounts, whatever the tolerance says
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward", "Z = Z * (1 + 1e-4)",
                 "linear_forward", id="linear_forward-relative-1e-4-off"),
    pytest.param(COST_AND_L_MODEL_BACKWARD, "L_model_backward",
                 "cost = -np.sum(Y * np.log(AL + 1e-3) + (1 - Y) * np.log(1 - AL + 1e-3)) / m",
                 "compute_cost", id="compute_cost-with-an-epsilon-in-the-log"),
    # a sign, a transpose
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward", "Z = -Z", "linear_forward",
                 id="linear_forward-sign"),
    pytest.param(COST_AND_L_MODEL_BACKWARD, "L_model_backward", "cost = -cost", "compute_cost",
                 id="compute_cost-sign"),
    # on one input of several, never the first: square W is transposed unseen by the shapes
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward",
                 f"Z = np.dot(W.T, A) + b if {SQUARE} else Z", "linear_forward",
                 id="linear_forward-transposed-on-square-W-only"),
    pytest.param(FORWARD_AND_L_MODEL_BACKWARD, "L_model_backward",
                 "W = W.T if W.shape[0] == W.shape[1] > 1 else W", "L_model_forward",
                 id="L_model_forward-transposed-on-square-layers-only"),
    pytest.param(LINEAR_FORWARD_AND_BACKWARD, "linear_backward",
                 f"Z = Z * {factor(1.25 * FD_TOLERANCE)!r} if A.shape[1] == 1 else Z",
                 "linear_forward", id="linear_forward-just-outside-with-one-example-only"),
])
def test_finite_differences_see_a_wrong_forward_or_cost(template, name, change, forward):
    record = judged(source(template, change), name)
    assert record.status != "wrong", record.line()   # the backward function agrees with autograd
    assert fd_note(record, forward), record.line()


def test_fd_tolerance_is_above_the_rounding_of_centred_differences():
    # Centred differences in float64 reach about 1e-9 on these inputs: the "just inside"
    # cases above would otherwise be noise, not the tolerance.
    assert FD_TOLERANCE >= 1e-7


# -- whole runs -----------------------------------------------------------------------------------
FLOWER_ITERATIONS = 2001    # costs printed at 0, 1000 and 2000
NN_MODEL = """
    import numpy as np
    from scratch.course.planar import (layer_sizes, initialize_parameters, forward_propagation,
                                       backward_propagation, update_parameters)

    def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
        np.random.seed(3)
        n_x, _, n_y = layer_sizes(X, Y)
        parameters = initialize_parameters(n_x, n_h, n_y)
        for i in range(num_iterations):
            A2, cache = forward_propagation(X, parameters)
            cost = float(-np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
            grads = backward_propagation(parameters, cache, X, Y)
            parameters = update_parameters(parameters, grads)
            if print_cost and i % 1000 == 0:
                {change}
                print("Cost after iteration %i: %f" % (i, cost))
        return parameters
"""


@pytest.mark.parametrize("change, right", [
    pytest.param("pass", True, id="cost-as-a-mean"),
    # the planar run is held to RUN_TOLERANCE_LOOSE of its printed costs
    pytest.param(f"cost = cost * (1 + {0.3 * RUN_TOLERANCE_LOOSE[0]!r}) if i == 2000 else cost",
                 True, id="last-cost-0.3-tolerance-off"),
    pytest.param(f"cost = cost * (1 + {3 * RUN_TOLERANCE_LOOSE[0]!r}) if i == 2000 else cost",
                 False, id="last-cost-3-tolerances-off"),
    pytest.param("cost = -cost", False, id="cost-sign"),
    pytest.param("cost = cost + 0.01 if i == 2000 else cost", False, id="last-cost-only"),
])
def test_flower_run(change, right):
    record = judged(source(NN_MODEL, change), "nn_model", assignment="planar", runs=True,
                    iterations=FLOWER_ITERATIONS)
    if right:
        assert record.status == "right", record.line()
    else:
        assert record.status == "wrong" and record.stage == "run", record.line()


@pytest.fixture(scope="module")
def made_up_cats(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cats")
    write_course_shaped_cat_files(folder, m_train=24, m_test=6)
    return folder


CAT_ITERATIONS = 201        # costs recorded at 0, 100 and 200
TWO_LAYER_MODEL = """
    import numpy as np
    from scratch.course import deep_application

    def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000,
                        print_cost=False):
        parameters, costs = deep_application.two_layer_model(
            X, Y, layers_dims, learning_rate, num_iterations, print_cost)
        costs = [float(c) for c in costs]
        if X.shape[0] == 12288:          # the images only
            {change}
        return parameters, costs
"""


@pytest.mark.parametrize("change, right", [
    pytest.param("pass", True, id="as-the-course"),
    # the cat runs are held to RUN_TOLERANCE of their recorded costs
    pytest.param(f"costs[-1] *= 1 + {0.03 * RUN_TOLERANCE[0]!r}", True,
                 id="last-cost-0.03-tolerance-off"),
    pytest.param(f"costs[-1] *= 1 + {3 * RUN_TOLERANCE[0]!r}", False,
                 id="last-cost-3-tolerances-off"),
    pytest.param("costs = [-c for c in costs]", False, id="cost-sign"),
    pytest.param("costs[1] += 1e-3", False, id="one-cost-of-three"),
])
def test_cat_run_on_made_up_files(made_up_cats, change, right):
    record = judged(source(TWO_LAYER_MODEL, change), "two_layer_model",
                    assignment="deep_application", runs=True, iterations=CAT_ITERATIONS,
                    data_dir=str(made_up_cats))
    if right:
        assert record.status == "right", record.line()
        assert not any("not checked" in note for note in record.notes), record.line()
    else:
        assert record.status == "wrong" and record.stage == "run", record.line()
