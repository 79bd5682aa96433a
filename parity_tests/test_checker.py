"""The learners' checker (``python -m experiments check``, ``experiments.checker.check``).

Held to: the reference itself (every course function right), the mistake
catalogue (each mistake, run as a learner's function, named by its own
diagnosis), deliberately wrong learner notebooks and modules in
``learner_fixtures/`` (the right function named, the right mistake), broken
notebooks (a cell that does not parse, functions that raise, loop or print a
lot), the command line's exit codes and its JSON.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from experiments.checker import check, check_path, cli, core, mistakes, specs
from experiments.checker.core import Options
from experiments.checker.loader import LoadError, load

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "learner_fixtures"
COURSE = ROOT / "scratch" / "course"
QUICK = Options(runs=None, time_limit=2.0)

_RECORDS = {}


def records_of(name):
    """The checker's records for one fixture file (checked once per session, no whole runs)."""
    if name not in _RECORDS:
        _RECORDS[name] = check_path(FIXTURES / name, options=QUICK, quiet=True)
    return _RECORDS[name]


def record(name, function):
    found = [r for r in records_of(name) if r.function == function]
    assert found, f"{function} not found in {name}: {[r.function for r in records_of(name)]}"
    return found[0]


# -- the reference itself -----------------------------------------------------------------------
@pytest.mark.parametrize("assignment", specs.ASSIGNMENTS)
def test_reference_module_is_right(assignment):
    records = check_path(COURSE / f"{assignment}.py", options=QUICK, quiet=True)
    names = {r.function for r in records}
    assert names == {name for (a, name) in specs.specs() if a == assignment}
    assert all(r.status == "right" for r in records), [r.line() for r in records if r.status != "right"]
    assert all(r.assignment == assignment for r in records)


@pytest.mark.parametrize("key", sorted(specs.specs()), ids=lambda k: ".".join(k))
def test_kit_without_mistakes_is_the_reference(key):
    """The catalogue's compositions, with no mistake put in, return what the reference returns."""
    spec = specs.specs()[key]
    for case in spec.cases():
        value, error = mistakes.run_kit(*key, case)
        assert error is None, f"{case.label}: {error!r}"
        assert core._compare_result(spec, core._reference_call(spec, case), value) is None, case.label


# The step-by-step mistakes are also catalogued for the application, whose model functions
# call those functions; they are held to their diagnosis where they are written.
CATALOGUE = [m for m in mistakes.catalogue()
             if (m.assignment, m.where) in specs.specs() or m.assignment != "deep_application"
             or m.where == "initialize_parameters_deep"]


@pytest.mark.parametrize("mistake", CATALOGUE, ids=lambda m: f"{m.assignment}:{m.key}")
def test_each_catalogued_mistake_is_named(mistake):
    """The reference run with the mistake, checked as a learner's function, gets its diagnosis.

    A mistake in a helper the learner does not write in that assignment (the
    application's initialize_parameters_deep, the step-by-step functions it calls)
    is checked through the first model function that calls it.
    """
    name = mistake.where
    if (mistake.assignment, name) not in specs.specs():
        name = next(n for (a, n) in specs.specs()
                    if a == mistake.assignment and mistakes.reaches(n, mistake.where))
    learner = getattr(mistakes.Kit(mistake.assignment, mistake.patch), name)
    [verdict] = core.check_functions({name: learner}, {},
                                     Options(runs=None, assignment=mistake.assignment))
    assert verdict.status == "wrong"
    assert verdict.message == mistake.message


def test_check_one_function_and_a_namespace(capsys):
    from scratch.course import deep_step_by_step

    [verdict] = check(deep_step_by_step.L_model_backward, runs=False)
    assert verdict.status == "right" and verdict.function == "L_model_backward"
    out = capsys.readouterr().out
    assert "L_model_backward" in out and "check: 1 function right, 0 wrong, 0 not checked" in out

    namespace = {"__name__": "__main__"}
    exec(textwrap.dedent("""
        import numpy as np
        from scratch.course.deep_step_by_step import linear_forward   # imported: not checked
        def linear_backward(dZ, cache):
            A_prev, W, b = cache
            m = A_prev.shape[1]
            dW = np.dot(dZ, A_prev.T)
            db = np.sum(dZ, axis=1, keepdims=True) / m
            return np.dot(W.T, dZ), dW, db
        def helper(x):
            return x
    """), namespace)
    records = check(namespace, runs=False, quiet=True)
    assert [(r.function, r.status) for r in records] == [("linear_backward", "wrong")]
    assert records[0].message.startswith("dW differs") or "dW" in records[0].message


def test_check_refuses_a_function_the_course_does_not_have():
    def my_helper(x):
        return x

    with pytest.raises(ValueError, match="my_helper is not one of the course's functions"):
        check(my_helper, quiet=True)


# -- learners' mistakes ----------------------------------------------------------------------
# (fixture, function, catalogue key or None, words the line must hold)
WRONG = [
    ("basics_sigmoid_sign.py", "sigmoid", "sigmoid/sign", "minus sign"),
    ("basics_sigmoid_derivative_of_x.py", "sigmoid_derivative", "sigmoid_derivative/of x", "x (1 - x)"),
    ("basics_image2vector_rank1.py", "image2vector", None, "rank-1 array; the course's is (18, 1)"),
    ("basics_normalize_whole.py", "normalizeRows", "normalizeRows/whole", "whole matrix"),
    ("basics_softmax_axis.ipynb", "softmax", "softmax/axis 0", "row-wise"),
    ("basics_L1_no_abs.ipynb", "L1", "L1/no abs", "absolute value"),
    ("logreg_propagate_no_1m.py", "propagate", "propagate/no 1/m", "m times too large"),
    ("logreg_cost_sign.py", "propagate", "propagate/cost sign", "wrong sign"),
    ("logreg_b_int.ipynb", "initialize_with_zeros", None, "b is the int 0; the course's is a Python float"),
    ("logreg_optimize_ascent.py", "optimize", "optimize/ascent", "up the gradient"),
    ("logreg_optimize_ascent.py", "model", "optimize/ascent", "up the gradient"),
    ("logreg_predict_no_sigmoid.py", "predict", "predict/no sigmoid", "apply sigmoid"),
    ("logreg_model_defaults.ipynb", "model", "model/defaults", "num_iterations and learning_rate"),
    ("planar_layer_sizes_shape1.py", "layer_sizes", "layer_sizes/shape[1]", "X.shape[0]"),
    ("planar_hidden_sigmoid.py", "forward_propagation", "forward_propagation/hidden sigmoid", "np.tanh"),
    ("planar_cost_no_1m.py", "compute_cost", "compute_cost/no 1/m", "1/m missing in compute_cost"),
    ("planar_tanh_derivative.ipynb", "backward_propagation", "backward_propagation/1 - A", "1 - A1**2"),
    ("planar_tanh_derivative.ipynb", "nn_model", "backward_propagation/1 - A", "1 - A1**2"),
    ("planar_db_no_keepdims.py", "backward_propagation", "backward_propagation/db rank-1", "keepdims=True"),
    ("planar_update_in_place.ipynb", "update_parameters", None, 'changes its argument parameters["W1"] in place'),
    ("planar_nn_model_never_updated.py", "nn_model", "nn_model/never updated", "never updates"),
    ("planar_predict_no_threshold.py", "predict", "predict/no threshold", "A2 > 0.5"),
    ("deep_linear_backward_no_1m.py", "linear_backward", "linear_backward/no 1/m",
     "dW and db are m times too large: is the 1/m missing in linear_backward?"),
    ("deep_linear_backward_no_1m.py", "L_model_backward", "linear_backward/no 1/m", "linear_backward"),
    ("deep_db_no_axis.ipynb", "linear_backward", "linear_backward/db no axis", "axis=1, keepdims=True"),
    ("deep_W_not_T.py", "linear_backward", "linear_backward/W not T", "W.T"),
    ("deep_dAL_sign.py", "L_model_backward", "L_model_backward/dAL sign", "dAL has the wrong sign"),
    ("deep_backward_loop_short.py", "L_model_backward", "L_model_backward/loop short", "one layer short"),
    ("deep_output_relu.ipynb", "L_model_forward", "L_model_forward/output relu", "SIGMOID"),
    ("deep_update_last_layer.py", "update_parameters", "update_parameters/last layer", "never updated"),
    ("deep_init_no_001.py", "initialize_parameters_deep", "initialize_parameters_deep/no 0.01", "0.01"),
    ("deep_cost_not_squeezed.py", "compute_cost", None, "shape (1, 1)"),
    ("deep_relu_backward_mask.py", "relu_backward", "relu_backward/mask dA", "dZ[Z <= 0] = 0"),
    ("deep_sigmoid_backward_of_Z.ipynb", "sigmoid_backward", "sigmoid_backward/of Z", "applies s (1 - s) to Z"),
    ("deep_sigmoid_cache_A.py", "sigmoid", "sigmoid/cache A", "cache is Z"),
    ("app_init_001.ipynb", "L_layer_model", "initialize_parameters_deep/0.01, seed 3", "np.sqrt(layers_dims[l-1])"),
    ("app_L_layer_never_updated.py", "L_layer_model", "L_layer_model/never updated", "never updates"),
    ("app_two_layer_stale_weights.py", "two_layer_model", "two_layer_model/stale weights", "read back"),
    ("app_costs_every_iteration.py", "L_layer_model", "L_layer_model/every iteration", "i % 100 == 0"),
]


@pytest.mark.parametrize("fixture, function, key, words", WRONG,
                         ids=[f"{w[0]}:{w[1]}" for w in WRONG])
def test_learner_mistake_is_found_and_named(fixture, function, key, words):
    verdict = record(fixture, function)
    assert verdict.status == "wrong", verdict.line()
    assert verdict.mistake == key, verdict.line()
    assert words in verdict.message, verdict.line()


@pytest.mark.parametrize("fixture", sorted({w[0] for w in WRONG}))
def test_only_the_mistaken_function_and_its_callers_are_wrong(fixture):
    """Functions that neither hold the mistake nor call the one that does are judged right."""
    records = records_of(fixture)
    wrong = [r for r in records if r.status == "wrong"]
    places = {r.function for r in wrong}
    for r in records:
        if r.status != "wrong":
            assert r.status == "right", r.line()
    named = {w[1] for w in WRONG if w[0] == fixture}
    assert named <= places
    # every wrong function is the named one or calls it (directly or not)
    for r in wrong:
        assert any(mistakes.reaches(r.function, n) or r.function == n
                   or (r.mistake and mistakes.reaches(r.function, r.mistake.split("/")[0]))
                   for n in named), r.line()


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("right_*")))
def test_right_learner_work_is_judged_right(fixture):
    records = records_of(fixture)
    assert len(records) >= 2
    assert all(r.status == "right" for r in records), [r.line() for r in records if r.status != "right"]


def test_fixtures_cover_every_assignment_in_both_forms():
    assert len({w[0] for w in WRONG}) >= 25
    prefixes = {"basics", "logreg", "planar", "deep", "app"}
    assert {w[0].split("_")[0] for w in WRONG} == prefixes
    assert {Path(w[0]).suffix for w in WRONG} == {".py", ".ipynb"}


# -- broken notebooks --------------------------------------------------------------------------
def test_cell_that_does_not_parse_is_reported_and_the_rest_checked():
    records = records_of("broken_syntax.ipynb")
    problems = [r for r in records if r.function is None]
    assert [p.message for p in problems] == [
        "cell 12 does not parse (line 3: expected ':'); its definitions were not checked"]
    by_name = {r.function: r for r in records if r.function}
    # The function whose cell does not parse gets its own line, and is wrong (exit 1).
    assert by_name["linear_forward"].status == "wrong"
    assert by_name["linear_forward"].message.startswith("cell 12 does not parse")
    assert by_name["linear_backward"].status == "right"
    assert by_name["L_model_forward"].status == "not checked"
    assert ("it needs linear_forward, whose cell 12 does not parse"
            in by_name["L_model_forward"].message)


def test_functions_that_raise_give_the_exception_and_where():
    raises = record("broken_raises.ipynb", "compute_cost")
    assert raises.status == "wrong"
    assert raises.message.startswith("raises NotImplementedError: compute_cost (cell 21, line 5)")
    # m is bound nowhere in the file: the function's own mistake, not a missing cell.
    undefined = record("broken_raises.ipynb", "linear_backward")
    assert undefined.status == "wrong"
    assert undefined.message.startswith("raises NameError: name 'm' is not defined (cell 24, line 5)")
    caller = record("broken_raises.ipynb", "linear_activation_backward")
    assert caller.status == "wrong" and "it calls your linear_backward" in caller.message


def test_function_that_never_returns_is_stopped():
    verdict = record("broken_loops.ipynb", "L_model_forward")
    assert verdict.status == "wrong"
    assert verdict.message.startswith("did not return within 2 s")
    assert record("broken_loops.ipynb", "compute_cost").status == "right"


def test_function_that_prints_a_lot_is_still_judged(capsys):
    verdict = record("broken_prints.ipynb", "linear_forward")
    assert verdict.status == "right"
    assert verdict.notes == ["it printed 3000 lines, left out of this report"]
    assert "debug" not in capsys.readouterr().out


def test_loader_takes_definitions_only(tmp_path):
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%matplotlib inline\n", "import numpy as np\n", "!pip install nothing\n",
                    "layers_dims = [3, 2, 1]\n", "X = np.load('absent.npy')\n",
                    "raise SystemExit('a cell that runs would stop here')\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "%%bash\nrm -rf /\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "def f(x):\n    return layers_dims[0] * x\nf(1) / 0\n"},
    ]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(notebook))
    submission = load(path)
    assert list(submission.functions) == ["f"]
    assert submission.functions["f"](2) == 6
    assert "X" not in submission.namespace
    assert submission.problems == []


# -- whole runs ---------------------------------------------------------------------------------
def test_whole_run_on_the_flower_reports_where_costs_part(tmp_path):
    module = tmp_path / "late.py"
    module.write_text(textwrap.dedent("""
        import numpy as np
        from scratch.course.planar import (layer_sizes, initialize_parameters, forward_propagation,
                                           compute_cost, backward_propagation, update_parameters)
        def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
            np.random.seed(3)
            n_x, _, n_y = layer_sizes(X, Y)
            parameters = initialize_parameters(n_x, n_h, n_y)
            for i in range(num_iterations):
                A2, cache = forward_propagation(X, parameters)
                cost = compute_cost(A2, Y)
                grads = backward_propagation(parameters, cache, X, Y)
                if i < 500:          # stops learning after 500 iterations
                    parameters = update_parameters(parameters, grads)
                if print_cost and i % 1000 == 0:
                    print("Cost after iteration %i: %f" % (i, cost))
            return parameters
    """))
    [verdict] = check_path(module, options=Options(runs="short"), quiet=True)
    assert verdict.status == "wrong" and verdict.stage == "run"
    assert verdict.message.startswith(
        "2000 iterations on the flower: the cost parts from the reference's at iteration 1000")


def test_cat_runs_say_not_checked_without_the_files(tmp_path):
    [verdict] = check_path(FIXTURES / "right_logistic_regression.py",
                           options=Options(runs="short", data_dir=str(tmp_path), only=("model",)),
                           quiet=True)
    assert verdict.status == "right"
    assert any(note.startswith("whole run on the cat images not checked") for note in verdict.notes)


def test_cat_run_short(cat_data_dir):
    [verdict] = check_path(FIXTURES / "logreg_model_defaults.ipynb",
                           options=Options(runs="short", data_dir=str(cat_data_dir), only=("model",),
                                           iterations=101),
                           quiet=True)
    assert verdict.status == "wrong" and verdict.mistake == "model/defaults"
    [verdict] = check_path(FIXTURES / "right_logistic_regression.py",
                           options=Options(runs="short", data_dir=str(cat_data_dir), only=("model",),
                                           iterations=101),
                           quiet=True)
    assert verdict.status == "right", verdict.line()
    assert verdict.notes == ["same costs as the reference over 101 iterations on the cat images"]


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["right_logistic_regression.py", "right_planar.ipynb",
                                     "right_deep_application.ipynb"])
def test_course_length_runs(fixture, cat_data_dir):
    records = check_path(FIXTURES / fixture, options=Options(runs="full", data_dir=str(cat_data_dir)),
                         quiet=True)
    runs = [r for r in records if r.function in ("model", "nn_model", "two_layer_model", "L_layer_model")]
    assert runs and all(r.status == "right" for r in runs), [r.line() for r in runs]
    assert all(r.notes and r.notes[0].startswith("same costs as the reference over") for r in runs)


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["right_deep_application.ipynb", "revisions/app_2019_20.py"])
def test_application_default_runs_take_a_slice_of_the_cats(fixture, cat_data_dir):
    """The default runs: 200 iterations on 64 images; a 2019-20 model's costs read from its printing."""
    records = check_path(FIXTURES / fixture, options=Options(data_dir=str(cat_data_dir)),
                         quiet=True)
    assert [r.status for r in records] == ["right", "right"], [r.line() for r in records]
    for r in records:
        assert r.notes == ["same costs as the reference over 200 iterations on the cat images "
                           "(the first 64 of the 209 training images; --full for all)"]


# -- assignment inference ------------------------------------------------------------------------
def test_shared_names_follow_the_rest_of_the_file():
    owners = specs.infer_assignments({"compute_cost": lambda AL, Y: 0, "L_model_forward": None})
    assert owners == {"compute_cost": "deep_step_by_step", "L_model_forward": "deep_step_by_step"}
    owners = specs.infer_assignments({"compute_cost": lambda A2, Y: 0, "nn_model": None})
    assert owners["compute_cost"] == "planar"
    assert specs.infer_assignments({"sigmoid": lambda z: z})["sigmoid"] == "logistic_regression"
    assert specs.infer_assignments({"sigmoid": lambda Z: Z})["sigmoid"] == "deep_step_by_step"


def test_initialize_parameters_alone_is_told_apart_by_its_behaviour(tmp_path):
    module = tmp_path / "init.py"
    module.write_text(textwrap.dedent("""
        import numpy as np
        def initialize_parameters(n_x, n_h, n_y):
            np.random.seed(1)
            return {"W1": np.random.randn(n_h, n_x) * 0.01, "b1": np.zeros((n_h, 1)),
                    "W2": np.random.randn(n_y, n_h) * 0.01, "b2": np.zeros((n_y, 1))}
    """))
    [verdict] = check_path(module, options=QUICK, quiet=True)
    assert (verdict.assignment, verdict.status) == ("deep_step_by_step", "right")
    [forced] = check_path(module, options=Options(runs=None, assignment="planar"), quiet=True)
    assert (forced.assignment, forced.status) == ("planar", "wrong")


# -- the command line ----------------------------------------------------------------------------
def test_exit_codes(tmp_path, capsys):
    assert cli.main([str(FIXTURES / "right_deep_step_by_step.py"), "--no-runs"]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == (
        "check: 10 functions right, 0 wrong, 0 not checked; judged as the 2021 or 2024 revision "
        "(imports "
        "testCases, dnn_utils, public_tests; update_parameters(params, grads, learning_rate))")

    assert cli.main([str(FIXTURES / "deep_W_not_T.py"), "--only", "linear_backward"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "linear_backward       wrong: dA_prev uses W where W.T belongs: dA_prev = np.dot(W.T, dZ)",
        "check: 0 functions right, 1 wrong, 0 not checked; judged as the 2021 or 2024 revision "
        "(imports testCases, dnn_utils, public_tests)"]

    assert cli.main([str(tmp_path / "absent.ipynb")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"python -m experiments check: error: {tmp_path / 'absent.ipynb'}: no such file or folder")

    empty = tmp_path / "notes.py"
    empty.write_text("def my_function(x):\n    return x\n")
    assert cli.main([str(empty)]) == 2
    assert "no function of the course's assignments found" in capsys.readouterr().err

    assert cli.main([str(empty), "--assignment", "week9"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_json_output(capsys):
    assert cli.main([str(FIXTURES / "broken_raises.ipynb"), "--json", "--no-runs"]) == 1
    records = json.loads(capsys.readouterr().out)
    assert {r["status"] for r in records} == {"right", "wrong"}
    raises = next(r for r in records if r["function"] == "compute_cost")
    assert raises == {"file": str(FIXTURES / "broken_raises.ipynb"), "function": "compute_cost",
                      "assignment": "deep_step_by_step", "status": "wrong", "stage": "interface",
                      "message": raises["message"], "mistake": None, "notes": [],
                      "revision": "2021", "revision_note": raises["revision_note"]}
    assert raises["revision_note"].startswith("judged as the 2021 or 2024 revision (imports ")
    assert raises["message"].startswith("raises NotImplementedError")


def test_python_m_experiments_check_and_import_stays_light():
    done = subprocess.run(
        [sys.executable, "-c",
         "import sys, experiments.checker, scratch.course; "
         "print('torch' in sys.modules, 'lightning' in sys.modules)"],
        capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.split() == ["False", "False"]
    done = subprocess.run([sys.executable, "-m", "experiments", "check",
                           str(FIXTURES / "basics_softmax_axis.ipynb"), "--no-runs"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert "softmax               wrong: softmax normalises the columns" in done.stdout


def test_folder_reports_each_file(tmp_path, capsys):
    for name in ("basics_L1_no_abs.ipynb", "right_basics.ipynb"):
        (tmp_path / name).write_text((FIXTURES / name).read_text())
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "old.ipynb").write_text("not json")
    assert cli.main([str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert f"{tmp_path / 'basics_L1_no_abs.ipynb'}:" in lines
    assert lines[-1].startswith("check: 15 functions right, 1 wrong, 0 not checked; judged as ")


def test_load_errors(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(LoadError, match="not a Jupyter notebook"):
        load(bad)


# -- verdicts that must be true -------------------------------------------------------------------
def test_application_helpers_are_judged_as_the_application_defines_them():
    """Its own initialize_parameters_deep written as the helper module's (randn / sqrt) is right."""
    records = records_of("app_own_lecun_init.py")
    assert [(r.function, r.status) for r in records] == [
        ("initialize_parameters_deep", "right"), ("two_layer_model", "right"),
        ("L_layer_model", "right")]
    assert record("app_own_lecun_init.py", "initialize_parameters_deep").assignment == \
        "deep_application"


def test_a_name_error_on_a_typo_is_the_function_s_own_mistake():
    verdict = record("logreg_optimize_typo.py", "optimize")
    assert verdict.status == "wrong"
    assert verdict.message.startswith("raises NameError: name 'dW' is not defined")
    assert verdict.message.endswith("did you mean 'dw'?")
    caller = record("logreg_optimize_typo.py", "model")
    assert caller.status == "wrong" and "it calls your optimize" in caller.message


def test_a_graded_cell_that_does_not_parse_gives_its_function_a_line_and_exit_1(capsys):
    path = FIXTURES / "planar_cost_does_not_parse.ipynb"
    assert cli.main([str(path), "--no-runs"]) == 1
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("compute_cost "))
    assert "wrong: cell 15 does not parse (line 6" in line
    assert record("planar_cost_does_not_parse.ipynb", "nn_model").status == "not checked"


def test_an_empty_template_is_not_written_yet(capsys):
    records = records_of("planar_empty_template.ipynb")
    assert len(records) == 8
    assert all((r.status, r.message) == ("not checked", "not written yet") for r in records)


def test_a_course_name_from_another_assignment_is_a_helper_here():
    records = records_of("logreg_own_image2vector.py")
    helper = record("logreg_own_image2vector.py", "image2vector")
    assert helper.status == "not checked" and helper.message.startswith("a helper here")
    assert all(r.status == "right" for r in records if r.function != "image2vector")
    assert cli.main([str(FIXTURES / "logreg_own_image2vector.py"), "--no-runs"]) == 0


def test_model_functions_are_called_by_position_and_an_extra_cost_shows():
    swapped = record("app_two_layer_swapped_args.py", "two_layer_model")
    assert swapped.status == "wrong" and "in another order" in swapped.message
    extra = record("app_costs_extra_last.py", "L_layer_model")
    assert extra.status == "wrong" and "costs has 4 entries; the course's has 3" in extra.message
    assert record("app_costs_extra_last.py", "two_layer_model").status == "right"


def test_printing_is_not_graded(tmp_path):
    """An nn_model printing its costs in a format of its own is judged on its parameters."""
    [verdict] = check_path(FIXTURES / "planar_prints_own_format.py", options=Options(
        only=("nn_model",), iterations=300, time_limit=10.0), quiet=True)
    assert verdict.status == "right", verdict.line()
    assert any("its returned parameters were compared" in note for note in verdict.notes)


def test_a_mistake_in_a_function_the_learner_did_not_write_is_never_named(tmp_path):
    """two_layer_model never reading b1, b2 back: its own line, not linear_forward's mistake."""
    source = (FIXTURES / "right_deep_application.ipynb").read_text()
    cells = [c for c in json.loads(source)["cells"] if c["cell_type"] == "code"]
    two = next("".join(c["source"]) for c in cells if "def two_layer_model" in "".join(c["source"]))
    module = tmp_path / "stale_biases.py"
    module.write_text("import numpy as np\nfrom dnn_app_utils_v3 import *\n\n" + two.replace(
        '        b1 = parameters["b1"]\n        W2 = parameters["W2"]\n        b2 = parameters["b2"]\n'
        '        if print_cost', '        W2 = parameters["W2"]\n        if print_cost'))
    [verdict] = check_path(module, options=QUICK, quiet=True)
    assert verdict.status == "wrong"
    assert verdict.mistake is None or verdict.mistake.startswith("two_layer_model/"), verdict.line()
    assert "linear_forward" not in verdict.message


def test_notebook_output_is_a_table_and_a_hint_when_nothing_is_found(capsys):
    from scratch.course import deep_step_by_step

    records = check(deep_step_by_step.linear_backward, runs=False, quiet=True)
    assert repr(records).startswith("check: 1 function right, 0 wrong, 0 not checked")
    html = records._repr_html_()
    assert "<table>" in html and "<code>linear_backward</code>" in html and "right" in html
    nothing = check({"__name__": "__main__"}, runs=False)
    assert nothing == [] and "run the cells that define them first" in repr(nothing)
    assert "run the cells that define them first" in capsys.readouterr().out
    assert "run the cells" in nothing._repr_html_()


# -- revisions ----------------------------------------------------------------------------------
REVISIONS = FIXTURES / "revisions"


@pytest.mark.parametrize("fixture, revision", [
    ("logreg_2017_18.py", "2017-18 or 2019-20"), ("planar_2019_20.py", "2017-18 or 2019-20"),
    ("step_2017_18.py", "2017-18"), ("app_2019_20.py", "2019-20"),
    ("logreg_2024.py", "2021 or 2024"), ("planar_2024.ipynb", "2021 or 2024"),
    ("step_2024.py", "2024"), ("app_2024.py", "2024"), ("basics_2017_18.py", "2017-18 or 2019-20"),
])
def test_each_revision_is_recognised_and_judged_right(fixture, revision):
    records = check_path(REVISIONS / fixture, options=QUICK, quiet=True)
    assert len(records) >= 2
    assert all(r.status == "right" for r in records), [r.line() for r in records
                                                       if r.status != "right"]
    assert records[0].revision_note.startswith(f"judged as the {revision} revision")


# (fixture, the line changed, what it becomes, the function then wrong, words of its line)
REVISION_MISTAKES = [
    ("logreg_2017_18.py", "    dw = 1 / m * np.dot(X, (A - Y).T)\n", "    dw = np.dot(X, (A - Y).T)\n",
     "propagate", "every entry is 3 times the course's"),
    ("planar_2019_20.py", "    cost = - np.sum(logprobs) / m\n", "    cost = - np.sum(logprobs)\n",
     "compute_cost", "1/m"),
    ("planar_2019_20.py", "    np.random.seed(2) #", "    np.random.seed(1) #",
     "initialize_parameters", "W1"),
    ("step_2017_18.py", "learning_rate * grads[\"dW\" + str(l+1)]", "learning_rate * grads[\"dW\" + str(l)]",
     "update_parameters", ""),
    ("app_2019_20.py", "        parameters = update_parameters(parameters, grads, learning_rate)\n"
     "        ### END CODE HERE ###\n        if print_cost and i % 100 == 0:\n            print (",
     "        parameters = update_parameters(parameters, grads, 0.0075)\n"
     "        ### END CODE HERE ###\n        if print_cost and i % 100 == 0:\n            print (",
     "L_layer_model", "it ignores its learning_rate argument"),
    ("app_2024.py", "            costs.append(cost)\n", "            costs.append(float(cost) * 2)\n",
     "two_layer_model", "costs"),
]


@pytest.mark.parametrize("fixture, old, new, function, words", REVISION_MISTAKES,
                         ids=[f"{m[0]}:{m[3]}" for m in REVISION_MISTAKES])
def test_a_mistake_in_an_older_or_newer_revision_is_wrong(tmp_path, fixture, old, new, function,
                                                          words):
    text = (REVISIONS / fixture).read_text()
    assert old in text
    changed = tmp_path / fixture
    changed.write_text(text.replace(old, new, 1))
    records = check_path(changed, options=QUICK, quiet=True)
    verdict = next(r for r in records if r.function == function)
    assert verdict.status == "wrong", verdict.line()
    assert words in verdict.message, verdict.line()
    original = {r.function: r.revision for r in check_path(REVISIONS / fixture, options=QUICK,
                                                             quiet=True)}
    assert verdict.revision == original[function]


def test_revision_can_be_named_and_mixing_is_said(tmp_path):
    records = check_path(REVISIONS / "planar_2019_20.py",
                         options=Options(runs=None, time_limit=2.0, revision="2021"), quiet=True)
    assert records[0].revision_note == "judged as the 2021 revision (as asked)"
    assert record_named(records, "compute_cost").status == "wrong"
    mixed = tmp_path / "mixed.py"
    mixed.write_text((REVISIONS / "planar_2019_20.py").read_text()
                     + "\nfrom public_tests import *\n")
    note = check_path(mixed, options=QUICK, quiet=True)[0].revision_note
    assert "it mixes revisions" in note


def record_named(records, function):
    return next(r for r in records if r.function == function)


def test_a_course_helper_s_complaint_is_put_as_what_the_learner_passed(tmp_path):
    """initialize_parameters' arguments swapped: the line is about the call, not about A_prev."""
    module = tmp_path / "swapped_init.py"
    module.write_text((FIXTURES / "app_own_lecun_init.py").read_text().replace(
        "    parameters = initialize_parameters(n_x, n_h, n_y)",
        "    parameters = initialize_parameters(n_h, n_x, n_y)"))
    verdict = record_named(check_path(module, options=QUICK, quiet=True), "two_layer_model")
    assert verdict.status == "wrong"
    assert verdict.message.startswith(
        "what it passes to the course's linear_activation_forward does not fit together"), \
        verdict.line()
    assert "ShapeError" not in verdict.message


@pytest.mark.parametrize("got, words", [
    (lambda e: e * 3, "every entry is 3 times the course's"),
    (lambda e: -e, "wrong sign"),
    (lambda e: e / 4, "1/4 of the course's"),
    (lambda e: e + 0.5, "off by 0.5"),
    (lambda e: np.where(e > 4, np.nan, e), "2 entries of 6 are NaN where the course's are finite"),
    (lambda e: e * np.array([[1.0], [2.0]]), "row 1 of 2 differs"),
    (lambda e: e * np.array([1.0, 2.0, 1.0]), "column 1 of 3 differs"),
], ids=["factor", "sign", "fraction", "offset", "nan", "row", "column"])
def test_a_differing_value_gets_the_most_specific_pointer(got, words):
    from experiments.checker.compare import compare

    expected = np.arange(1.0, 7.0).reshape(2, 3)
    found = compare(expected, got(expected), "dW")
    assert words in found.text and "max difference" not in found.text, found.text
    square = np.random.RandomState(0).randn(3, 3)
    assert "transpose" in compare(square, square.T, "dW").text
    assert compare(0.5, float("nan"), "cost").text.endswith("(a log of 0, a division by 0 or an "
                                                            "overflow?)")
