"""Recovery and what users read, held to the uninterrupted run and to the stored files.

* Every way a run can stop (a crash by SIGKILL between two periodic checkpoints, SIGINT,
  SIGTERM), in either engine, then ``--resume``: the cost curves and ``params.npz`` are
  exactly those of the uninterrupted run. Both engines are exact here: a resumed run
  restarts from parameters saved bit for bit, on the same full batch, through the same
  operations, so nothing rounds differently.
* Every column of the end-of-run table and of a sweep's table, and every field of
  ``summary.json``, recomputed in the test from the stored curves (``result.json``) and
  parameters (``params.npz``, through a forward pass of the NumPy model), so that a
  swapped, shifted or stale column fails.
"""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import scratch
from experiments import backends, cli, config, interrupt
from experiments.backends import get_backend
from experiments.data import load_data

REPO = Path(__file__).resolve().parents[1]
TOTAL = 12
EVERY = 5  # periodic checkpoints at 5 and 10
CRASH_AT = 7  # 0-based: the 8th iteration, between the checkpoints at 5 and 10


def run(argv, capsys=None):
    status = cli.main([str(arg) for arg in argv])
    if capsys is None:
        return status, "", ""
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def load_summary(out):
    return json.loads((Path(out) / "summary.json").read_text())


def stored(folder, backend, name="result.json"):
    path = Path(folder) / backend / name
    if name.endswith(".json"):
        return json.loads(path.read_text())
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


# ---------------------------------------------------------------------------------------
# recovery
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("uninterrupted") / "run"
    assert run(["run", "shallow-planar", "--iterations", TOTAL, "--quiet", "--out", out])[0] == 0
    return out


def assert_same_as_uninterrupted(out, reference):
    done = load_summary(out)
    assert done["status"] == "complete"
    for backend in ("numpy", "torch"):
        got, want = stored(out, backend), stored(reference, backend)
        assert len(got["costs"]) == TOTAL, backend  # no iteration repeated or skipped
        assert got["costs"] == want["costs"], backend
        assert got["train_accuracy"] == want["train_accuracy"], backend
        assert done["runs"][0]["backends"][backend]["costs"] == want["costs"], backend
        got_params, want_params = stored(out, backend, "params.npz"), stored(
            reference, backend, "params.npz")
        assert set(got_params) == set(want_params)
        for name, value in want_params.items():
            np.testing.assert_array_equal(got_params[name], value, err_msg=f"{backend} {name}")


CRASHING = """
import os, signal, sys
from experiments import backends, cli, interrupt

backends.CHECKPOINT_EVERY = int(sys.argv[1])
engine, at = sys.argv[2], int(sys.argv[3])


def crash(backend, iteration):
    if backend == engine and iteration == at:
        os.kill(os.getpid(), signal.SIGKILL)


interrupt.on_iteration = crash
sys.exit(cli.main(sys.argv[4:]))
"""


@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_a_crash_between_checkpoints_resumes_to_the_uninterrupted_run(engine, uninterrupted,
                                                                      tmp_path, monkeypatch):
    """SIGKILL after 8 iterations, with the last periodic checkpoint at 5: the resumed run
    redoes iterations 6 to 8 from that checkpoint, once, and ends as if never stopped."""
    out = tmp_path / "run"
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHING, str(EVERY), engine, str(CRASH_AT), "run",
         "shallow-planar", "--iterations", str(TOTAL), "--quiet", "--out", str(out),
         "--iterations-per-batch", "1"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
        text=True, timeout=300)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert get_backend(engine).iterations_done(out / engine) == EVERY
    assert not (out / engine / "result.json").exists()

    monkeypatch.setattr(backends, "CHECKPOINT_EVERY", EVERY)
    assert run(["run", "shallow-planar", "--resume", out, "--quiet"])[0] == 0
    assert_same_as_uninterrupted(out, uninterrupted)
    if engine == "numpy":
        # The NumPy engine writes its TensorBoard points with each checkpoint, so those
        # after the last one died with the process: every iteration is logged exactly once.
        assert sorted(cost_steps(out / "numpy")) == list(range(TOTAL))


def cost_steps(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    return [event.step for event in accumulator.Scalars("train/cost")]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("engine", ["numpy", "torch"])
def test_a_signal_between_checkpoints_resumes_to_the_uninterrupted_run(
        engine, signum, uninterrupted, tmp_path, monkeypatch, capsys):
    def send(backend, iteration):
        if backend == engine and iteration == CRASH_AT:
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(backends, "CHECKPOINT_EVERY", EVERY)
    monkeypatch.setattr(interrupt, "on_iteration", send)
    out = tmp_path / "run"
    status, _, _ = run(["run", "shallow-planar", "--iterations", TOTAL, "--quiet", "--out", out,
                        "--iterations-per-batch", 1], capsys)
    assert status == 128 + signum
    # The signal's own checkpoint, after the iteration it came in.
    assert get_backend(engine).iterations_done(out / engine) == CRASH_AT + 1

    monkeypatch.setattr(interrupt, "on_iteration", lambda backend, iteration: None)
    assert run(["run", "shallow-planar", "--resume", out, "--quiet"])[0] == 0
    assert_same_as_uninterrupted(out, uninterrupted)


# ---------------------------------------------------------------------------------------
# every column a user reads
# ---------------------------------------------------------------------------------------


def table_rows(text):
    """The rows of the end-of-run table as lists of cells (an empty first cell kept)."""
    lines = text.splitlines()
    dashes = next(i for i, line in enumerate(lines) if line and set(line) == {"-"})
    header = re.split(r"\s{2,}", lines[dashes - 1].strip())
    rows = []
    for line in lines[dashes + 1:]:
        if not line.strip() or ":" in line.split("  ")[0]:
            break  # the notes under the table
        cells = re.split(r"\s{2,}", line.strip())
        if line.startswith(" "):
            cells.insert(0, "")
        cells += [""] * (len(header) - len(cells))
        rows.append(cells)
    return header, rows


def recomputed_accuracy(spec, data, params, X, Y):
    """The accuracy of ``params`` on (X, Y) by a forward pass of the NumPy model."""
    if X is None or spec.model_name == "RegressionNetwork":
        return None
    model = scratch.MODELS[spec.model_name](**spec.model_args)
    model.load_params(params)
    AL = model.forward(X)[0]
    return float(np.mean((AL > 0.5) == Y))


def expected_entries(name, out, iterations):
    """Per run and backend, everything the table and summary.json report, from the files."""
    specs = config.run_specs(config.load_config(config.config_path(name)), iterations=iterations)
    sweep = len(specs) > 1
    expected = []
    for spec in specs:
        folder = out / spec.label if sweep else out
        data = load_data(spec, "float64")
        results = {backend: stored(folder, backend) for backend in ("numpy", "torch")}
        curves = [np.array(result["costs"]) for result in results.values()]
        backends_expected = {}
        for backend, result in results.items():
            params = stored(folder, backend, "params.npz")
            backends_expected[backend] = {
                "costs": result["costs"],
                "final cost": result["costs"][-1],
                "train_accuracy": recomputed_accuracy(spec, data, params, data.X_train,
                                                      data.Y_train),
                "test_accuracy": recomputed_accuracy(spec, data, params, data.X_test,
                                                     data.Y_test),
                "seconds": result["seconds"],
            }
        expected.append({"label": spec.label, "iterations": iterations,
                         "backends": backends_expected,
                         "max_abs_cost_diff": float(np.max(np.abs(curves[0] - curves[1])))})
    return expected


def percent(value):
    return "-" if value is None else f"{100 * value:.2f} %"


def assert_table_and_summary(name, out, iterations, table):
    expected = expected_entries(name, out, iterations)
    header, rows = table_rows(table)
    sweep = len(expected) > 1
    columns = ["backend", "final cost", "train acc", "test acc", "seconds", "max |dJ|"]
    assert header == (["run"] if sweep else []) + columns
    wanted_rows = []
    for entry in expected:
        for index, (backend, values) in enumerate(entry["backends"].items()):
            row = [backend, f"{values['final cost']:.6f}", percent(values["train_accuracy"]),
                   percent(values["test_accuracy"]), f"{values['seconds']:.2f}",
                   f"{entry['max_abs_cost_diff']:.1e}" if index == 0 else ""]
            wanted_rows.append(([entry["label"] if index == 0 else ""] if sweep else []) + row)
    assert rows == wanted_rows

    summary = load_summary(out)
    assert summary["status"] == "complete"
    assert [entry["label"] for entry in summary["runs"]] == [e["label"] for e in expected]
    for entry, wanted in zip(summary["runs"], expected):
        assert entry["params"]["iterations"] == wanted["iterations"]
        assert entry["max_abs_cost_diff"] == wanted["max_abs_cost_diff"]
        assert set(entry["backends"]) == set(wanted["backends"])
        for backend, values in wanted["backends"].items():
            result = entry["backends"][backend]
            assert result["costs"] == values["costs"]
            assert len(result["costs"]) == wanted["iterations"]
            assert result["train_accuracy"] == values["train_accuracy"], backend
            assert result["test_accuracy"] == values["test_accuracy"], backend
            assert result["seconds"] == values["seconds"]
    return expected


def test_every_column_of_the_run_table_and_summary_is_what_the_files_hold(tmp_path, capsys):
    """deep-digits has a test set; at 40 iterations its train and test accuracies differ,
    and so do the two engines' seconds, so no two columns can be swapped unnoticed."""
    out = tmp_path / "run"
    status, table, _ = run(["run", "deep-digits", "--iterations", 40, "--quiet", "--out", out],
                           capsys)
    assert status == 0
    expected = assert_table_and_summary("deep-digits", out, 40, table)
    numpy_values = expected[0]["backends"]["numpy"]
    assert numpy_values["train_accuracy"] != numpy_values["test_accuracy"]
    assert numpy_values["test_accuracy"] is not None


def test_every_column_of_the_sweep_table_and_summary_is_what_the_files_hold(tmp_path, capsys):
    out = tmp_path / "run"
    status, table, _ = run(["run", "activations-planar", "--iterations", 30, "--quiet",
                            "--out", out, "--jobs", 1], capsys)
    assert status == 0
    expected = assert_table_and_summary("activations-planar", out, 30, table)
    # The runs differ, so a row given another run's values fails.
    finals = [entry["backends"]["numpy"]["final cost"] for entry in expected]
    assert len(set(finals)) == len(finals)
