"""The checker against hostile and odd learner files: their code runs in a limited worker.

Each file in ``learner_fixtures/hostile/`` holds a right ``sigmoid``, an ``L1``
missing its absolute value, and an ``L2`` that does what a hostile or broken
submission does (patches NumPy, the reference or ``print``; exits; forks; writes
files, forged report lines or without end; eats memory; loops past the time
limit; crashes). Whatever ``L2`` does, the other verdicts stay what they are,
``L2`` is judged wrong or its limit named, the checker's own process and report
are untouched and no file appears outside the worker's folder.
"""

import builtins
import csv
import inspect
import json
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import scratch.course.basics as course_basics
from experiments.checker import check, check_path, cli, sandbox
from experiments.checker.core import Options
from experiments.checker.loader import load

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "learner_fixtures"
HOSTILE = FIXTURES / "hostile"
QUICK = Options(runs=None, time_limit=2.0)
SECRET = "a-secret-the-worker-never-sees"

# fixture -> (L2's status, the beginning of its message)
EXPECTED = {
    "patch_in_body.py": ("right", ""),
    "patch_in_default.py": ("right", ""),
    "patch_in_annotation.py": ("right", ""),
    "forge_output.py": ("right", ""),
    "write_outside.py": ("right", ""),
    "exit_process.py": ("wrong", "the process running it died (exit status 0)"),
    "sys_exit.py": ("wrong", "raises SystemExit: 3"),
    "keyboard_interrupt.py": ("wrong", "raises KeyboardInterrupt"),
    "fork.py": ("wrong", "loss is a str"),
    "memory.py": ("wrong", "stopped: used more than 2 GiB of memory"),
    "loop_catching_everything.py": ("wrong", "did not return within 2 s"),
    "ignore_alarm.py": ("wrong", "did not return within 2 s"),
    "long_c_call.py": ("wrong", "did not return within 2 s"),
    "print_without_end.py": ("wrong", "stopped: wrote more than 64 MiB"),
    "segfault.py": ("wrong", "the process running it died (signal 11, segmentation fault)"),
    "read_environment.py": ("wrong", "loss is a str"),
    "returns_an_object.py": ("wrong", "its result holds something the checker does not read"),
    "shell_command.py": ("wrong", "raises PermissionError"),
    "network.py": ("wrong", "raises "),
}


def test_every_hostile_fixture_has_an_expectation():
    assert sorted(EXPECTED) == sorted(p.name for p in HOSTILE.glob("*.py"))


def _learner_folder(tmp_path, *fixtures):
    folder = tmp_path / "learner"
    folder.mkdir()
    for fixture in fixtures:
        shutil.copy(fixture, folder / Path(fixture).name)
    (folder / "keep.txt").write_text("the learner's own file")
    return folder


def _escaped(tmp_path):
    """Files a worker could have left outside its folder."""
    places = [tmp_path / "learner" / "escaped.txt", Path("/tmp/nndl-escaped.txt"),
              Path.home() / "escaped.txt"]
    return [str(p) for p in places if p.exists()]


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("NNDL_TEST_SECRET", SECRET)


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_hostile_function_changes_no_other_verdict(fixture, tmp_path, capfd):
    allclose, assert_allclose, reference_L1, printer = (
        np.allclose, np.testing.assert_allclose, course_basics.L1, builtins.print)
    folder = _learner_folder(tmp_path, HOSTILE / fixture)
    records = check_path(folder / fixture, options=QUICK, quiet=True)
    verdicts = {r.function: r for r in records if r.function}

    assert list(verdicts) == ["sigmoid", "L1", "L2"], [r.line() for r in records]
    assert verdicts["sigmoid"].status == "right"
    assert verdicts["L1"].status == "wrong" and verdicts["L1"].mistake == "L1/no abs"
    status, message = EXPECTED[fixture]
    assert verdicts["L2"].status == status, verdicts["L2"].line()
    assert verdicts["L2"].message.startswith(message), verdicts["L2"].line()
    # this process untouched
    assert (np.allclose, np.testing.assert_allclose, course_basics.L1, builtins.print) == (
        allclose, assert_allclose, reference_L1, printer)
    # nothing written outside the worker's folder, nothing of the learner's removed
    assert _escaped(tmp_path) == []
    assert (folder / "keep.txt").read_text() == "the learner's own file"
    # the secret never reaches a report, and the worker's streams are not this process's
    assert SECRET not in json.dumps([r.line() for r in records])
    captured = capfd.readouterr()
    assert "check: 3 functions right" not in captured.out + captured.err
    assert "x" * 1000 not in captured.out + captured.err


def test_forged_output_does_not_reach_the_report_and_the_exit_status_is_honest(tmp_path):
    folder = _learner_folder(tmp_path, HOSTILE / "forge_output.py", HOSTILE / "exit_process.py",
                             HOSTILE / "sys_exit.py")
    done = subprocess.run([sys.executable, "-m", "experiments", "check", str(folder), "--json",
                           "--no-runs", "--time-limit", "2"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    records = json.loads(done.stdout)  # only the checker's JSON, no forged line around it
    assert [(Path(r["file"]).name, r["function"], r["status"]) for r in records] == [
        (name, function, status)
        for name, l2 in (("exit_process.py", "wrong"), ("forge_output.py", "right"),
                         ("sys_exit.py", "wrong"))
        for function, status in (("sigmoid", "right"), ("L1", "wrong"), ("L2", l2))]
    assert "functions right" not in done.stderr
    assert "learner code ran in a worker process" in done.stderr


def test_a_module_beside_the_notebook_runs_only_in_the_worker(tmp_path):
    folder = tmp_path / "learner"
    folder.mkdir()
    (folder / "nndl_mylib_probe.py").write_text(textwrap.dedent("""
        import builtins
        builtins.NNDL_MYLIB_RAN = True
        def absolute(v):
            import numpy as np
            return np.abs(v)
    """))
    (folder / "work.py").write_text(textwrap.dedent("""
        import numpy as np
        from nndl_mylib_probe import absolute
        def L1(yhat, y):
            return np.sum(absolute(y - yhat))
    """))
    records = check_path(folder / "work.py", options=QUICK, quiet=True)
    assert [(r.function, r.status) for r in records] == [("L1", "right")]
    assert "nndl_mylib_probe" not in sys.modules
    assert not hasattr(builtins, "NNDL_MYLIB_RAN")


def test_a_proxy_calls_like_the_function(tmp_path):
    module = tmp_path / "work.py"
    module.write_text(textwrap.dedent("""
        import numpy as np
        def draw(n, scale=0.01, *, name="W"):
            return np.random.randn(n) * scale
        def fails(x):
            return undefined_name + x
        def axis(x):
            return np.sum(x, axis=3)
        def scale_in_place(parameters):
            parameters["W"] *= 2
            parameters["seen"] = True
    """))
    with load(module, sandbox.Limits(time_limit=2.0)) as submission:
        draw, fails, axis, in_place = (submission.functions[n] for n in
                                       ("draw", "fails", "axis", "scale_in_place"))
        assert str(inspect.signature(draw)) == "(n, scale=0.01, *, name='W')"
        # NumPy's global random state goes to the worker and comes back
        np.random.seed(1)
        got = draw(3)
        after = np.random.randn()
        np.random.seed(1)
        assert np.array_equal(got, np.random.randn(3) * 0.01) and after == np.random.randn()
        with pytest.raises(NameError) as raised:
            fails(1)
        assert raised.value.name == "undefined_name"
        with pytest.raises(ValueError) as raised:  # NumPy's AxisError, rebuilt as a ValueError
            axis(np.ones(2))
        assert isinstance(raised.value, sandbox.LearnerException)
        outcome = sandbox.call(fails, (1,))
        assert not outcome.ok and outcome.error.startswith(
            "NameError: name 'undefined_name' is not defined (work.py, line 6)")
        parameters = {"W": np.ones((2, 2))}
        original = parameters["W"]
        in_place(parameters)  # changed in the worker, and so here, as a call in place would
        assert parameters["seen"] is True and parameters["W"] is original
        assert np.array_equal(original, 2 * np.ones((2, 2)))


def test_what_comes_back_is_plain_data_only():
    state = np.random.get_state()
    for value in (np.arange(6.0).reshape(2, 3), np.float64(1.5), np.int64(2), 1 + 2j,
                  np.array([1.0, 2.5], dtype=object), {"W1": [np.ones(2)], "n": (1, None)},
                  state):
        again = sandbox.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert type(again) is type(value)
    for value in (print, np.random.RandomState(0), sandbox.Limits()):
        with pytest.raises(sandbox.RefusedData):
            sandbox.loads(pickle.dumps(value))


def test_learner_exceptions_are_rebuilt_by_name_only():
    error = sandbox.rebuild_exception({"type": "ZeroDivisionError", "message": "division by zero"})
    assert type(error) is ZeroDivisionError
    exiting = sandbox.rebuild_exception({"type": "SystemExit", "message": "3",
                                         "bases": ["SystemExit", "BaseException", "object"]})
    assert isinstance(exiting, sandbox.LearnerException) and not isinstance(exiting, SystemExit)
    assert type(exiting).__name__ == "SystemExit"


@pytest.mark.parametrize("option, value", [("--time-limit", "nan"), ("--time-limit", "inf"),
                                           ("--time-limit", "1e300"), ("--time-limit", "0"),
                                           ("--time-limit", "-1"), ("--iterations", "0"),
                                           ("--iterations", "-5"), ("--jobs", "0")])
def test_options_out_of_range_are_refused_by_name(option, value, capsys):
    arguments = [str(HOSTILE / "sys_exit.py"), option, value]
    if option == "--jobs":
        arguments.append("--class")
    assert cli.main(arguments) == cli.EXIT_USAGE
    assert f"error: {option} must be" in capsys.readouterr().err


@pytest.mark.parametrize("keywords", [{"time_limit": float("nan")}, {"time_limit": "2"},
                                      {"time_limit": float("inf")}, {"iterations": 0},
                                      {"iterations": -1}])
def test_check_refuses_options_out_of_range(keywords):
    name = next(iter(keywords))
    with pytest.raises(ValueError, match=f"^{name} must be"):
        check(str(HOSTILE / "sys_exit.py"), runs=False, quiet=True, **keywords)


BODY = ("import numpy as np\n\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n\n\n"
        "def L1(yhat, y):\n    # la perte é\n    return np.sum(np.abs(y - yhat))\n")


def _notebook4(cells):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": source} for source in cells]})


def _notebook3(cells):
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [
        {"cells": [{"cell_type": "code", "language": "python", "input": source, "outputs": []}
                   for source in cells]}]})


@pytest.mark.parametrize("name, content", [
    ("bom.py", b"\xef\xbb\xbf" + BODY.encode("utf-8")),
    ("latin.py", ("# -*- coding: latin-1 -*-\n" + BODY).encode("latin-1")),
    ("bom.ipynb", b"\xef\xbb\xbf" + _notebook3([BODY]).encode("utf-8")),
    ("version3.ipynb", _notebook3([
        ["np.dot?\n", "?np.sum\n", "files = !ls\n", "%time\n", "import numpy as np\n"],
        ["%time y = 1\n", "def sigmoid(x):\n", "    return 1 / (1 + np.exp(-x))\n"],
        "L1 = lambda yhat, y: np.sum(np.abs(y - yhat))\n"]).encode()),
])
def test_files_are_read_as_python_and_jupyter_read_them(name, content, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    records = check_path(path, options=QUICK, quiet=True)
    assert [(r.function, r.status) for r in records] == [("sigmoid", "right"), ("L1", "right")]


def test_a_cell_nested_too_deeply_is_one_line(tmp_path):
    path = tmp_path / "deep.ipynb"
    path.write_text(_notebook3([BODY, "w = " + "1+" * 100_000 + "1\n"]))
    records = check_path(path, options=QUICK, quiet=True)
    assert [r.message for r in records if r.function is None] == [
        "cell 2 is nested too deeply for Python to read; its definitions were not checked"]
    assert [(r.function, r.status) for r in records if r.function] == [
        ("sigmoid", "right"), ("L1", "right")]


def test_a_complex_result_is_wrong(tmp_path):
    path = tmp_path / "complex.py"
    path.write_text(BODY.replace("np.abs(y - yhat))", "np.abs(y - yhat)) + 0.5j"))
    verdict = {r.function: r for r in check_path(path, options=QUICK, quiet=True)}["L1"]
    assert verdict.status == "wrong" and "complex" in verdict.message


def test_a_class_at_once(tmp_path, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    # the patcher comes first: its patch must not make the next learner's mistake right
    shutil.copy(HOSTILE / "patch_in_body.py", folder / "ada.py")
    (folder / "ben.ipynb").write_text(_notebook4([BODY.replace("np.abs(y - yhat)", "y - yhat")]))
    (folder / "cleo.py").write_text(BODY)
    shutil.copy(HOSTILE / "segfault.py", folder / "dan.py")
    (folder / "eve").mkdir()
    shutil.copy(HOSTILE / "ignore_alarm.py", folder / "eve" / "loops.py")
    (folder / "eve" / "basics.ipynb").write_text(_notebook4([BODY]))
    (folder / "fay.py").write_text("def L1(yhat, y:\n    return 0\n")
    out = tmp_path / "report"
    arguments = [str(folder), "--class", "--no-runs", "--time-limit", "2", "--jobs", "2"]
    assert cli.main(arguments + ["--out", str(out)]) == cli.EXIT_WRONG

    with open(out / "gradebook.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    verdicts = {(r["submission"], r["function"]): r["status"] for r in rows if r["function"]}
    assert {k: v for k, v in verdicts.items() if k[1] == "L1"} == {
        ("ada", "L1"): "wrong", ("ben", "L1"): "wrong", ("cleo", "L1"): "right",
        ("dan", "L1"): "wrong", ("eve", "L1"): "wrong",
        ("fay", "L1"): "wrong"}  # its cell does not parse
    assert verdicts[("ada", "L2")] == "right" and verdicts[("dan", "L2")] == "wrong"
    assert all(v == "right" for (who, _), v in verdicts.items() if who == "cleo")
    assert ("fay", "") in {(r["submission"], r["function"]) for r in rows}
    assert any(r["submission"] == "fay" and r["status"] == "problem" and
               "does not parse" in r["message"] for r in rows)

    book = json.loads((out / "gradebook.json").read_text())
    assert book["containment"] == sandbox.containment()
    assert [s["submission"] for s in book["submissions"]] == ["ada", "ben", "cleo", "dan", "eve",
                                                              "fay"]
    assert book["common_mistakes"][0] == {
        "count": 4, "of": 6, "function": "L1",
        "message": "L1 is missing the absolute value: np.sum(np.abs(y - yhat))"}
    summary = (out / "summary.txt").read_text()
    assert "4 of 6: L1: L1 is missing the absolute value" in summary
    feedback = (out / "feedback" / "ben.txt").read_text().splitlines()
    assert feedback[-1] == "check: 1 function right, 1 wrong, 0 not checked"
    assert any(line.startswith("L1") and "wrong: L1 is missing" in line for line in feedback)

    # never over an existing gradebook: refused when named, a new folder by default
    assert cli.main(arguments + ["--out", str(out)]) == cli.EXIT_USAGE
    monkeypatch.chdir(tmp_path)
    (tmp_path / "check-report").mkdir()
    (tmp_path / "check-report" / "old.csv").write_text("kept")
    assert cli.main([str(folder / "eve"), "--class", "--no-runs", "--time-limit", "2"]) == 1
    assert (tmp_path / "check-report" / "old.csv").read_text() == "kept"
    assert (tmp_path / "check-report-2" / "gradebook.csv").exists()


def test_containment_in_force_is_named():
    assert sandbox.containment() in (sandbox.FULL_CONTAINMENT, sandbox.LIMITS_ONLY)


def test_a_definition_that_loops_or_exits_is_left_out_alone(tmp_path):
    path = tmp_path / "at_definition.py"
    path.write_text(textwrap.dedent("""
        import sys
        import numpy as np

        def sigmoid(x):
            return 1 / (1 + np.exp(-x))

        def L2(yhat, y, _=[0 for _ in iter(int, 1)]):
            return np.sum((y - yhat) ** 2)

        def basic_sigmoid(x, _=sys.exit(4)):
            return 0

        def L1(yhat, y, _=print("printed at definition")):
            return np.sum(np.abs(y - yhat))
    """))
    records = check_path(path, options=QUICK, quiet=True)
    assert [r.message for r in records if r.function is None] == [
        "at_definition.py, line 8: did not finish within 2 s; not taken",
        "at_definition.py, line 11: SystemExit: 4"]
    assert [(r.function, r.status) for r in records if r.function] == [
        ("sigmoid", "right"), ("L1", "right")]
