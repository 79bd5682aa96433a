"""Fault injection: run folders, resume, signals, configs and the environment under bad input.

Each test damages something a run reads (a file of the run folder, the
experiment's config, a flag, an environment variable) or stops a run with a
signal, then asserts the exit status, the one-line message, and that nothing
already written was lost or changed.
"""

import builtins
import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from experiments import cli, config, interrupt
from experiments.run_folder import RunFolder

REPO = Path(__file__).resolve().parents[1]
ITERATIONS = 6


def run(argv, capsys):
    status = cli.main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line(err):
    """The error output is exactly one line, and no traceback."""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def snapshot(folder):
    """Every file of a run folder (but the lock) and its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(Path(folder).rglob("*"))
            if path.is_file() and path.name != ".lock"}


def summary(folder):
    return json.loads((Path(folder) / "summary.json").read_text())


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A complete shallow-planar run of ITERATIONS iterations, both backends."""
    out = tmp_path_factory.mktemp("finished") / "run"
    assert cli.main(["run", "shallow-planar", "--iterations", str(ITERATIONS), "--quiet",
                     "--out", str(out), "--jobs", "1"]) == 0
    return out


@pytest.fixture
def copy_of(tmp_path):
    def copy(folder):
        target = tmp_path / "copy"
        shutil.copytree(folder, target)
        return target

    return copy


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """A private copy of the experiments' configs that a test may edit."""
    folder = tmp_path / "configs"
    shutil.copytree(config.CONFIG_DIR, folder)
    monkeypatch.setattr(config, "CONFIG_DIR", folder)
    return folder


def edit_config(folder, name, edit):
    path = folder / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data))


# ---------------------------------------------------------------------------------------
# damaged run folders: a refused resume changes nothing
# ---------------------------------------------------------------------------------------

DAMAGE = {
    "result.json truncated": ("torch/result.json", lambda data: data[:20]),
    "result.json not JSON": ("numpy/result.json", lambda data: b"\x00\x01garbage"),
    "run.json truncated": ("run.json", lambda data: data[: len(data) // 3]),
    "checkpoint.npz emptied": ("numpy/checkpoint.npz", lambda data: b""),
    "last.ckpt truncated": ("torch/checkpoints/last.ckpt", lambda data: data[: len(data) // 2]),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_refuses_the_resume_and_changes_nothing(damage, finished, copy_of,
                                                               capsys):
    out = copy_of(finished)
    name, cut = DAMAGE[damage]
    path = out / name
    path.write_bytes(cut(path.read_bytes()))
    before = snapshot(out)
    # More iterations, so that every backend must read its checkpoint or result.
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--iterations",
                          ITERATIONS + 2, "--quiet"], capsys)
    assert status == 1
    one_line(err)
    assert Path(name).name in err
    assert snapshot(out) == before  # summary.json of the finished run is untouched


def test_a_damaged_result_of_a_finished_backend_refuses_even_a_same_length_resume(
        finished, copy_of, capsys):
    out = copy_of(finished)
    (out / "numpy" / "params.npz").write_bytes(b"PK\x03\x04 not a zip")
    before = snapshot(out)
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
    assert status == 1 and "params.npz" in one_line(err)
    assert snapshot(out) == before
    assert summary(out)["status"] == "complete"


def test_a_second_writer_is_refused_naming_the_holder(finished, copy_of, capsys):
    out = copy_of(finished)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from experiments.run_folder import RunFolder; "
         f"folder = RunFolder({str(out)!r}); folder.lock(); print('locked', flush=True); "
         "time.sleep(60)"],
        cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = snapshot(out)
        status, _, err = run(["run", "shallow-planar", "--resume", out, "--iterations",
                              ITERATIONS + 2, "--quiet"], capsys)
        assert status == 1
        assert f"in use by process {holder.pid}" in one_line(err)
        assert snapshot(out) == before
    finally:
        holder.kill()
        holder.wait()
    # Once the holder is gone the folder can be resumed.
    assert run(["run", "shallow-planar", "--resume", out, "--iterations", ITERATIONS + 2,
                "--quiet"], capsys)[0] == 0
    assert summary(out)["status"] == "complete"


# ---------------------------------------------------------------------------------------
# what a resumed run uses: the settings and the config it started with
# ---------------------------------------------------------------------------------------


def test_a_config_edited_after_the_start_does_not_reach_the_resumed_run(config_dir, tmp_path,
                                                                       capsys):
    reference = tmp_path / "reference"
    assert run(["run", "shallow-planar", "--iterations", 2 * ITERATIONS, "--quiet", "--out",
                reference], capsys)[0] == 0
    out = tmp_path / "run"
    assert run(["run", "shallow-planar", "--iterations", ITERATIONS, "--quiet", "--out", out],
               capsys)[0] == 0
    recorded_rate = yaml.safe_load((out / "config.yaml").read_text())["model"]["init_args"][
        "learning_rate"]
    edit_config(config_dir, "shallow-planar",
                lambda data: data["model"]["init_args"].update(learning_rate=0.05))

    status, _, err = run(["run", "shallow-planar", "--resume", out, "--iterations",
                          2 * ITERATIONS, "--quiet"], capsys)
    assert status == 0
    assert "has changed since this run started" in err
    done = summary(out)
    assert done["runs"][0]["params"]["learning_rate"] == 1.2
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["model"]["init_args"]["learning_rate"] == recorded_rate == 1.2
    expected = summary(reference)["runs"][0]["backends"]
    for backend, result in done["runs"][0]["backends"].items():
        assert result["costs"] == expected[backend]["costs"], backend


@pytest.mark.parametrize("flag, value", [("--seed", 7), ("--dtype", "float32"),
                                         ("--backend", "numpy"), ("--log-every", 3)])
def test_asking_a_resume_for_other_settings_is_refused_naming_the_option(
        flag, value, finished, copy_of, capsys):
    out = copy_of(finished)
    before = snapshot(out)
    status, _, err = run(["run", "shallow-planar", "--resume", out, flag, value, "--quiet"],
                         capsys)
    assert status == 2
    assert flag in one_line(err) and "keeps its settings" in err
    assert snapshot(out) == before


@pytest.mark.parametrize("key, value", [("iterations", "abc"), ("backend", "gpu"),
                                        ("dtype", "float16"), ("seed", -3)])
def test_a_tampered_run_json_is_named_and_refused(key, value, finished, copy_of, capsys):
    out = copy_of(finished)
    settings = json.loads((out / "run.json").read_text())
    settings[key] = value
    (out / "run.json").write_text(json.dumps(settings))
    before = snapshot(out)
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
    assert status == 1
    assert "run.json is damaged" in one_line(err) and key in err
    assert snapshot(out) == before


def test_a_resume_of_another_experiment_is_refused(finished, copy_of, capsys):
    out = copy_of(finished)
    status, _, err = run(["run", "house-price", "--resume", out, "--quiet"], capsys)
    assert status == 1 and "'shallow-planar'" in one_line(err)


# ---------------------------------------------------------------------------------------
# signals: a status that says what happened, non-zero exit, the command that resumes
# ---------------------------------------------------------------------------------------


@pytest.fixture
def sighup_default():
    """SIGHUP as a terminal leaves it: a suite started under nohup inherits it ignored, and a
    run keeps an inherited SIG_IGN (on purpose), so these tests set the default for a while."""
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGHUP, previous)


def stop_at(monkeypatch, backend, iteration, signum, times=1):
    def send(name, index):
        if name == backend and index == iteration:
            for _ in range(times):
                os.kill(os.getpid(), signum)

    monkeypatch.setattr(interrupt, "on_iteration", send)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_in_either_phase_stops_cleanly_and_resumes(backend, signum, finished,
                                                            tmp_path, monkeypatch, capsys,
                                                            sighup_default):
    out = tmp_path / "run"
    stop_at(monkeypatch, backend, 2, signum)
    status, _, err = run(["run", "shallow-planar", "--iterations", ITERATIONS, "--quiet",
                          "--out", out, "--iterations-per-batch", 1], capsys)
    name = signal.Signals(signum).name
    assert status == 128 + signum
    assert f"stopped by {name}" in one_line(err)
    assert f"--resume {out}" in err
    stopped = summary(out)
    assert stopped["status"] == "interrupted"
    assert stopped["interrupted"]["signal"] == name
    assert stopped["interrupted"]["backend"] == backend
    assert stopped["interrupted"]["iteration"] == 3
    sessions = json.loads((out / "run.json").read_text())["sessions"]
    assert sessions[-1]["outcome"]["status"] == "interrupted"

    monkeypatch.setattr(interrupt, "on_iteration", lambda backend, iteration: None)
    assert run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)[0] == 0
    done, expected = summary(out), summary(finished)
    assert done["status"] == "complete"
    for name, result in done["runs"][0]["backends"].items():
        assert result["costs"] == expected["runs"][0]["backends"][name]["costs"], name


def test_a_second_signal_stops_at_once_and_says_so(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    stop_at(monkeypatch, "numpy", 2, signal.SIGINT, times=2)
    status, _, err = run(["run", "shallow-planar", "--iterations", ITERATIONS, "--quiet",
                          "--out", out], capsys)
    assert status == 130
    assert "second signal" in one_line(err) and f"--resume {out}" in err
    assert summary(out)["status"] == "interrupted"


def test_a_signal_between_the_runs_of_a_sweep(tmp_path, monkeypatch, capsys):
    """Sent as the first run's last iteration ends: that run finishes, the next never starts."""
    out = tmp_path / "run"
    stop_at(monkeypatch, "torch", ITERATIONS - 1, signal.SIGTERM)
    status, _, err = run(["run", "activations-planar", "--iterations", ITERATIONS, "--quiet",
                          "--out", out, "--jobs", 1, "--iterations-per-batch", 1], capsys)
    assert status == 128 + signal.SIGTERM
    stopped = summary(out)
    assert stopped["status"] == "interrupted"
    assert [entry["label"] for entry in stopped["runs"]] == ["sigmoid"]
    assert stopped["interrupted"]["run"] == "tanh"
    monkeypatch.setattr(interrupt, "on_iteration", lambda backend, iteration: None)
    assert run(["run", "activations-planar", "--resume", out, "--quiet"], capsys)[0] == 0
    assert [entry["label"] for entry in summary(out)["runs"]] == [
        "sigmoid", "tanh", "relu", "leaky_relu"]


def test_a_signal_while_extending_a_finished_run_keeps_its_report(finished, copy_of,
                                                                  monkeypatch, capsys):
    out = copy_of(finished)
    report = (out / "summary.json").read_bytes()
    stop_at(monkeypatch, "numpy", ITERATIONS + 1, signal.SIGTERM)
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--iterations",
                          ITERATIONS + 4, "--quiet"], capsys)
    assert status == 128 + signal.SIGTERM
    assert (out / "summary.json").read_bytes() == report
    sessions = json.loads((out / "run.json").read_text())["sessions"]
    assert sessions[-1]["outcome"]["status"] == "interrupted"


def test_sigterm_to_a_real_process_during_lightning(tmp_path):
    """A real SIGTERM from outside, while the Lightning backend trains a long run."""
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "experiments", "run", "shallow-planar", "--backend", "torch",
         "--iterations", "200000", "--iterations-per-batch", "10", "--quiet", "--out", str(out)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Wait until Lightning has taken its first steps (its event file exists).
        deadline = 120
        import time

        began = time.monotonic()
        while not list((out / "torch").glob("events.out.tfevents*")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() - began < deadline
            time.sleep(0.2)
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in one_line(err)
    stopped = summary(out)
    assert stopped["status"] == "interrupted" and stopped["interrupted"]["signal"] == "SIGTERM"
    assert (out / "torch" / "checkpoints" / "last.ckpt").is_file()


# ---------------------------------------------------------------------------------------
# the environment, the run folder's path, the project's configs
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["LOCAL_RANK", "SLURM_PROCID", "RANK", "NODE_RANK"])
def test_a_stray_rank_variable_does_not_silence_a_one_process_run(variable, tmp_path,
                                                                  monkeypatch, capsys):
    monkeypatch.setenv(variable, "1")
    out = tmp_path / "run"
    status, table, err = run(["run", "house-price", "--iterations", 2, "--quiet", "--out", out],
                             capsys)
    assert status == 0
    assert f"ignoring {variable}=1" in err
    assert "single-neuron" in table
    assert (out / "run.json").is_file() and summary(out)["status"] == "complete"


def test_a_stray_rank_variable_does_not_hide_a_failure(config_dir, tmp_path, monkeypatch,
                                                       capsys):
    edit_config(config_dir, "shallow-planar",
                lambda d: d["model"]["init_args"].update(learning_rate=1e6))
    monkeypatch.setenv("LOCAL_RANK", "1")
    status, _, err = run(["run", "shallow-planar", "--iterations", 300, "--quiet", "--out",
                          tmp_path / "run", "--backend", "numpy"], capsys)
    assert status == 1 and "training diverged" in err


@pytest.mark.parametrize("value", ["abc", "0", "-2"])
def test_a_bad_jobs_variable_is_a_usage_error(value, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cli.JOBS_ENV, value)
    status, _, err = run(["run", "house-price", "--iterations", 2, "--out", tmp_path / "run"],
                         capsys)
    assert status == 2 and cli.JOBS_ENV in one_line(err)
    assert not (tmp_path / "run").exists()


def test_out_under_a_regular_file(tmp_path, capsys):
    (tmp_path / "file").write_text("not a folder")
    status, _, err = run(["run", "house-price", "--iterations", 2, "--out",
                          tmp_path / "file" / "run"], capsys)
    assert status == 1 and "is a file" in one_line(err)


def test_out_with_a_name_too_long_for_the_file_system(tmp_path, capsys):
    status, _, err = run(["run", "house-price", "--iterations", 2, "--out",
                          tmp_path / ("x" * 300)], capsys)
    assert status == 1 and "too long" in one_line(err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_out_in_a_folder_that_cannot_be_written(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    status, _, err = run(["run", "house-price", "--iterations", 2, "--out", locked / "run"],
                         capsys)
    assert status == 1 and "permission" in one_line(err).lower()


BAD_CONFIGS = {
    "missing learning rate": (lambda d: d["model"]["init_args"].pop("learning_rate"),
                              "learning_rate"),
    "mistyped learning rate": (lambda d: d["model"]["init_args"].update(learning_rate="fast"),
                               "learning_rate"),
    "negative learning rate": (lambda d: d["model"]["init_args"].update(learning_rate=-1),
                               "learning_rate"),
    "unknown activation": (lambda d: d["model"]["init_args"]["model"]["init_args"].update(
        hidden_activation="swish"), "swish"),
    "unknown model argument": (lambda d: d["model"]["init_args"]["model"]["init_args"].update(
        n_hidden=4), "n_hidden"),
    "zero iterations per batch": (lambda d: d["model"]["init_args"].update(
        iterations_per_batch=0), "iterations_per_batch"),
    "features that do not match the data": (
        lambda d: d["model"]["init_args"]["model"]["init_args"].update(n_x=3), "n_x = 3"),
    "no max_steps": (lambda d: d["trainer"].pop("max_steps"), "max_steps"),
    "unknown data module": (lambda d: d["data"].update(class_path="torch_ref.NoSuchData"),
                            "NoSuchData"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_a_bad_project_config_is_one_line_and_leaves_no_folder(case, config_dir, tmp_path,
                                                              capsys):
    edit, named = BAD_CONFIGS[case]
    edit_config(config_dir, "shallow-planar", edit)
    out = tmp_path / "run"
    status, _, err = run(["run", "shallow-planar", "--iterations", 2, "--out", out], capsys)
    assert status == 1
    assert named in one_line(err)
    assert not out.exists()


# CourseModule has a default learning rate; LightningCLI fills it in when the file has none.
FIT_CASES = [case for case in BAD_CONFIGS if case not in ("no max_steps", "missing learning rate")]


@pytest.mark.parametrize("case", FIT_CASES)
def test_fit_with_a_bad_config_ends_on_one_line_naming_the_value(case, config_dir, tmp_path,
                                                                 capsys):
    edit, named = BAD_CONFIGS[case]
    edit_config(config_dir, "shallow-planar", edit)
    status, _, err = run(["fit", "--config", config_dir / "shallow-planar.yaml",
                          "--trainer.max_steps=2", f"--trainer.default_root_dir={tmp_path}",
                          "--trainer.enable_progress_bar=false"], capsys)
    assert status != 0
    assert named in err.strip().splitlines()[-1]


def test_fit_with_a_bad_config_prints_no_traceback(config_dir, tmp_path):
    """In a process of its own (in-process, Lightning's log handlers outlive pytest's capture)."""
    edit_config(config_dir, "shallow-planar",
                lambda d: d["model"]["init_args"]["model"]["init_args"].update(n_x=3))
    done = subprocess.run(
        [sys.executable, "-m", "experiments", "fit", "--config",
         str(config_dir / "shallow-planar.yaml"), "--trainer.max_steps=2",
         f"--trainer.default_root_dir={tmp_path}", "--trainer.enable_progress_bar=false"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
        text=True, timeout=240)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "n_x = 3" in done.stderr.strip().splitlines()[-1]


def test_a_corrupt_cat_file_is_one_line_and_leaves_no_folder(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        (data / name).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 200)
    out = tmp_path / "run"
    status, _, err = run(["run", "logreg-cats", "--iterations", 2, "--data-dir", data,
                          "--out", out], capsys)
    assert status == 1
    assert "catvnoncat.h5" in one_line(err)
    assert not out.exists()


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_diverging_classifier_is_reported_with_the_iteration(backend, config_dir, tmp_path,
                                                              capsys):
    edit_config(config_dir, "shallow-planar",
                lambda d: d["model"]["init_args"].update(learning_rate=1e6))
    out = tmp_path / "run"
    status, _, err = run(["run", "shallow-planar", "--iterations", 300, "--quiet", "--out",
                          out, "--backend", backend], capsys)
    assert status == 1
    one_line(err)
    assert "iteration" in err and "learning_rate" in err and ".costs" not in err
    failed = summary(out)
    assert failed["status"] == "failed"
    diverged = failed["diverged"]
    assert diverged["iteration"] == len(diverged["costs"]) > 0
    assert diverged["cost"] > 10 * diverged["costs"][0]


def test_several_nodes_that_never_meet_end_within_the_stated_time(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "NNDL_RENDEZVOUS_TIMEOUT": "5"}
    for name in ("RANK", "LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "MASTER_PORT"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "experiments", "run", "house-price", "--backend", "torch",
         "--iterations", "2", "--num-nodes", "2", "--strategy", "ddp", "--quiet",
         "--out", str(tmp_path / "run")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 1
    assert "did not all join within 5 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert summary(tmp_path / "run")["status"] == "failed"


def test_run_folder_lock_is_released_after_a_run(finished, copy_of):
    out = copy_of(finished)
    folder = RunFolder(out)
    folder.lock()
    folder.unlock()
    again = RunFolder(out)
    again.lock()  # raises FolderInUse if the first lock were still held
    again.unlock()


def test_npz_files_of_a_run_are_never_half_written(finished):
    """Atomic writes leave no temporary files behind."""
    leftovers = [path for path in finished.rglob("*") if path.name.endswith(".tmp")]
    assert leftovers == []
    with np.load(finished / "numpy" / "params.npz") as params:
        assert set(params.files) == {"W1", "b1", "W2", "b2"}


# ---------------------------------------------------------------------------------------
# sweeps in worker processes
# ---------------------------------------------------------------------------------------

SWEEP_ITERATIONS = 30


def strip_seconds(report):
    for entry in report["runs"]:
        for result in entry["backends"].values():
            result.pop("seconds")
    return report


@pytest.fixture(scope="module")
def sequential_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sequential") / "run"
    assert cli.main(["run", "activations-planar", "--iterations", str(SWEEP_ITERATIONS),
                     "--quiet", "--out", str(out), "--jobs", "1"]) == 0
    return out


def test_a_sweep_on_two_workers_reports_what_one_process_reports(sequential_sweep, tmp_path,
                                                                 capsys):
    out = tmp_path / "run"
    status, _, err = run(["run", "activations-planar", "--iterations", SWEEP_ITERATIONS,
                          "--out", out, "--jobs", 2], capsys)
    assert status == 0
    assert err.count("finished (") == 4  # one progress line per run
    assert strip_seconds(summary(out)) == strip_seconds(summary(sequential_sweep))
    for label in ("sigmoid", "tanh", "relu", "leaky_relu"):
        assert (out / label / "numpy" / "params.npz").read_bytes() == (
            sequential_sweep / label / "numpy" / "params.npz").read_bytes()


def test_a_sweep_starts_its_longest_runs_first():
    from experiments.runner import estimated_work

    specs = config.run_specs(config.load_config(config.config_path(
        "shallow-planar-hidden-sweep.yaml")))
    order = sorted(specs, key=lambda spec: -estimated_work(spec))
    assert [spec.label for spec in order] == [f"n_h={n}" for n in (50, 20, 5, 4, 3, 2, 1)]


def test_a_sweep_started_longest_first_reports_in_the_sweeps_order(tmp_path, capsys):
    """Runs started out of order, the sweep's figure drawn before the last runs' own:
    the same summary, parameters and figure as one process."""
    outs = {jobs: tmp_path / f"jobs{jobs}" for jobs in (1, 3)}
    for jobs, out in outs.items():
        status, _, _ = run(["run", "shallow-planar-hidden-sweep", "--iterations", 20, "--quiet",
                            "--out", out, "--jobs", jobs], capsys)
        assert status == 0
    one, three = (strip_seconds(summary(out)) for out in outs.values())
    assert [entry["label"] for entry in three["runs"]] == [
        f"n_h={n}" for n in (1, 2, 3, 4, 5, 20, 50)]
    assert three == one
    for label in ("n_h=1", "n_h=50"):
        assert (outs[3] / label / "numpy" / "params.npz").read_bytes() == (
            outs[1] / label / "numpy" / "params.npz").read_bytes()
    assert (outs[3] / "cost_curves.png").read_bytes() == (
        outs[1] / "cost_curves.png").read_bytes()


def test_a_signal_to_a_parallel_sweep_stops_every_worker_cleanly(sequential_sweep, tmp_path,
                                                                 monkeypatch, capsys):
    parent = os.getpid()
    marker = tmp_path / "sent"

    def send_once(backend, iteration):
        # From a worker, once: the signal the parent would get from a terminal or a scheduler.
        if os.getpid() != parent and backend == "numpy" and iteration == 5:
            try:
                os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                return
            os.kill(parent, signal.SIGTERM)

    monkeypatch.setattr(interrupt, "on_iteration", send_once)
    out = tmp_path / "run"
    status, _, err = run(["run", "activations-planar", "--iterations", SWEEP_ITERATIONS,
                          "--quiet", "--out", out, "--jobs", 2, "--iterations-per-batch", 1],
                         capsys)
    assert status == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in one_line(err) and f"--resume {out}" in err
    stopped = summary(out)
    assert stopped["status"] == "interrupted"
    assert stopped["interrupted"]["signal"] == "SIGTERM"

    monkeypatch.setattr(interrupt, "on_iteration", lambda backend, iteration: None)
    assert run(["run", "activations-planar", "--resume", out, "--quiet", "--jobs", 2],
               capsys)[0] == 0
    assert strip_seconds(summary(out)) == strip_seconds(summary(sequential_sweep))


# ---------------------------------------------------------------------------------------
# what a resume reads back is checked as strictly as what a user types
# ---------------------------------------------------------------------------------------


def edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def set_item(key, value, index=None):
    def edit(data):
        if index is None:
            data[key] = value
        else:
            data[key][index] = value

    return edit


DAMAGED_RESULTS = {
    "null costs": ("numpy", set_item("costs", None), "costs"),
    "a null cost": ("torch", set_item("costs", None, index=2), "costs[2]"),
    "a string cost": ("numpy", set_item("costs", "0.5", index=0), "costs[0]"),
    "a NaN cost": ("torch", set_item("costs", float("nan"), index=5), "costs[5]"),
    "a string accuracy": ("numpy", set_item("train_accuracy", "0.9"), "train_accuracy"),
    "an accuracy above 1": ("torch", set_item("train_accuracy", 53.0), "train_accuracy"),
    "no test accuracy": ("numpy", lambda data: data.pop("test_accuracy"), "test_accuracy"),
    "negative seconds": ("torch", set_item("seconds", -1), "seconds"),
    "a boolean world size": ("torch", set_item("world_size", True), "world_size"),
}


@pytest.mark.parametrize("more", [0, 2], ids=["same length", "longer"])
@pytest.mark.parametrize("damage", DAMAGED_RESULTS)
def test_a_damaged_result_is_named_and_the_finished_report_kept(damage, more, finished,
                                                                copy_of, capsys):
    out = copy_of(finished)
    backend, edit, field = DAMAGED_RESULTS[damage]
    edit_json(out / backend / "result.json", edit)
    before = snapshot(out)
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--iterations",
                          ITERATIONS + more, "--quiet"], capsys)
    assert status == 1
    assert f"{backend}/result.json is damaged: {field} " in one_line(err)
    assert "error: unexpected" not in err
    assert snapshot(out) == before
    assert summary(out)["status"] == "complete"


def rewrite_lightning_checkpoint(path, edit):
    import torch

    state = torch.load(path, weights_only=True)
    edit(state)
    torch.save(state, path)


def numpy_checkpoint_edit(edit):
    def rewrite(path):
        with np.load(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
        edit(arrays)
        np.savez(path, **arrays)
        return path.read_bytes()

    return rewrite


def set_array(name, value):
    def edit(arrays):
        arrays[name] = value

    return edit


def nan_cost(arrays):
    arrays["costs"] = arrays["costs"].copy()
    arrays["costs"][1] = np.nan


def rename_param(arrays):
    arrays["param.W9"] = arrays.pop("param.W1")


def run_state(edit):
    return lambda state: edit(state["callbacks"]["experiments.RunState"])


DAMAGED_CHECKPOINTS = {
    # NumPy's checkpoint.npz
    "npz not a zip": ("numpy/checkpoint.npz", lambda path: path.write_bytes(b"not a zip"),
                      "checkpoint.npz is damaged"),
    "npz truncated": ("numpy/checkpoint.npz",
                      lambda path: path.write_bytes(path.read_bytes()[:100]),
                      "checkpoint.npz is damaged"),
    "npz NaN cost": ("numpy/checkpoint.npz", numpy_checkpoint_edit(nan_cost), "costs[1] is nan"),
    "npz 2-D costs": ("numpy/checkpoint.npz",
                      numpy_checkpoint_edit(set_array("costs", np.zeros((2, 3)))), "costs"),
    "npz no seconds": ("numpy/checkpoint.npz",
                       numpy_checkpoint_edit(lambda arrays: arrays.pop("seconds")), "seconds"),
    "npz wrong key": ("numpy/checkpoint.npz", numpy_checkpoint_edit(rename_param),
                      "missing ['W1'], unexpected ['W9']"),
    "npz wrong shape": ("numpy/checkpoint.npz",
                        numpy_checkpoint_edit(set_array("param.W2", np.zeros((2, 4)))),
                        "W2 must have shape (1, 4)"),
    "npz NaN weight": ("numpy/checkpoint.npz",
                       numpy_checkpoint_edit(set_array("param.b2", np.full((1, 1), np.nan))),
                       "b2 contains 1 NaN"),
    # Lightning's last.ckpt
    "ckpt not a zip": ("torch/checkpoints/last.ckpt", lambda path: path.write_bytes(b"not a zip"),
                       "last.ckpt is damaged"),
    "ckpt NaN cost": ("torch/checkpoints/last.ckpt",
                      lambda path: rewrite_lightning_checkpoint(path, run_state(
                          lambda rs: rs["costs"].__setitem__(1, float("nan")))),
                      "costs[1] is nan"),
    "ckpt costs short": ("torch/checkpoints/last.ckpt",
                         lambda path: rewrite_lightning_checkpoint(path, run_state(
                             lambda rs: rs["costs"].pop())),
                         f"{ITERATIONS - 1} costs for {ITERATIONS} iterations"),
    "ckpt step a string": ("torch/checkpoints/last.ckpt",
                           lambda path: rewrite_lightning_checkpoint(
                               path, set_item("global_step", "6")), "global_step"),
    "ckpt wrong shape": ("torch/checkpoints/last.ckpt",
                         lambda path: rewrite_lightning_checkpoint(
                             path, lambda state: state["state_dict"].__setitem__(
                                 "model.W1", state["state_dict"]["model.W1"][:2])),
                         "W1 must have shape (4, 2)"),
    "ckpt wrong key": ("torch/checkpoints/last.ckpt",
                       lambda path: rewrite_lightning_checkpoint(
                           path, lambda state: state["state_dict"].__setitem__(
                               "model.W9", state["state_dict"].pop("model.W1"))),
                       "missing ['W1'], unexpected ['W9']"),
}


@pytest.mark.parametrize("damage", DAMAGED_CHECKPOINTS)
def test_a_damaged_checkpoint_is_named_in_the_users_terms(damage, finished, copy_of, capsys):
    """An interrupted run (no result.json) resumes from its checkpoint: each damage is one line
    naming the file and what is wrong, and the folder is left as it was."""
    out = copy_of(finished)
    name, damage_it, problem = DAMAGED_CHECKPOINTS[damage]
    for backend in ("numpy", "torch"):
        (out / backend / "result.json").unlink()
    damage_it(out / name)
    before = snapshot(out)
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
    assert status == 1
    assert Path(name).name in one_line(err) and problem in err
    assert "error: unexpected" not in err and "--debug" not in err
    assert snapshot(out) == before


@pytest.mark.parametrize("name", ["numpy/result.json", "numpy/checkpoint.npz", "numpy/params.npz",
                                  "torch/checkpoints/last.ckpt", "summary.json"])
def test_a_folder_where_a_file_was_expected_is_named(name, finished, copy_of, capsys):
    out = copy_of(finished)
    if name != "numpy/result.json" and name != "summary.json":
        (out / "numpy" / "result.json").unlink()
        (out / "torch" / "result.json").unlink()
    path = out / name
    path.unlink()
    path.mkdir()
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
    assert status == 1
    assert path.name in one_line(err) and "folder" in err
    assert "error: unexpected" not in err


def test_resume_of_a_folder_with_a_name_too_long(tmp_path, capsys):
    status, _, err = run(["run", "shallow-planar", "--resume", tmp_path / ("x" * 300),
                          "--quiet"], capsys)
    assert status == 1 and "too long" in one_line(err) and "error: unexpected" not in err


CODE_RUNNING_CHECKPOINT = """
import builtins, sys, torch
class Payload:
    def __reduce__(self):
        return (builtins.open, (sys.argv[2], "w"))
state = {"global_step": 3, "state_dict": {}, "payload": Payload()}
torch.save(state, sys.argv[1])
"""


def test_a_checkpoint_whose_loading_would_run_code_is_refused(finished, copy_of, tmp_path,
                                                              capsys):
    import torch

    out = copy_of(finished)
    (out / "torch" / "result.json").unlink()
    crafted = out / "torch" / "checkpoints" / "last.ckpt"
    marker = tmp_path / "code-ran"
    subprocess.run([sys.executable, "-c", CODE_RUNNING_CHECKPOINT, str(crafted), str(marker)],
                   check=True)
    # The file does what it is crafted for when unpickled without restriction ...
    probe = tmp_path / "probe.ckpt"
    shutil.copy(crafted, probe)
    torch.load(probe, weights_only=False)
    assert marker.exists()
    marker.unlink()
    # ... and a resume refuses it without running it.
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
    assert status == 1
    assert "last.ckpt is refused" in one_line(err) and "run code" in err
    assert not marker.exists()


# ---------------------------------------------------------------------------------------
# a full disk
# ---------------------------------------------------------------------------------------

class FullDisk:
    """A file whose every write fails as on a full disk (ENOSPC)."""

    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


def fill_the_disk_for(monkeypatch, target):
    """Every file opened for writing whose path matches ``target`` (a regular expression)
    fails to write."""
    real_open = builtins.open

    def full_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, bytes, os.PathLike)) and (
                re.search(target, os.fsdecode(file)) and ("w" in mode or "a" in mode)):
            return FullDisk(handle)
        return handle

    monkeypatch.setattr(builtins, "open", full_open)
    monkeypatch.setattr(io, "open", full_open)


# Files written (a part of their path) -> what the one line names, in the run folder (a
# write on an open file, rather than on a path, names its folder).
FULL_DISK_TARGETS = {
    # TensorBoard's SummaryWriter (its files have no suffix; the project's own end in .scalars)
    r"torch/events\.out\.tfevents\.[^/]*\d$": "a file in {out}/torch",
    r"numpy/events\.out\.tfevents": "a file in {out}/numpy",
    # the atomic writer of every other file (params.npz, result.json, run.json, ...)
    "checkpoint.npz": "{out}/numpy/checkpoint.npz",
    "summary.json": "{out}/summary.json",
    "decision_boundary.png": "a file in {out}",
}


# (pytest reports a thread's uncaught exception, which would print a traceback, as this warning)
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("target", FULL_DISK_TARGETS)
def test_a_full_disk_is_one_line_naming_where(target, tmp_path, monkeypatch, capsys):
    """Writes to files matching ``target`` fail as on a full disk, in any thread (TensorBoard's
    writer writes from one of its own): one line, no traceback, the summary says so."""
    out = tmp_path / "run"
    fill_the_disk_for(monkeypatch, target)
    status, _, err = run(["run", "shallow-planar", "--iterations", 4, "--quiet", "--out", out],
                         capsys)
    monkeypatch.undo()
    assert status == 1
    expected = FULL_DISK_TARGETS[target].format(out=out)
    assert f"error: cannot write {expected}: the disk is full" in one_line(err)
    if target != "summary.json":
        assert summary(out)["status"] == "failed"


# ---------------------------------------------------------------------------------------
# the lock, nohup, a sweep whose parent dies
# ---------------------------------------------------------------------------------------


def assert_lock_is_free(out):
    folder = RunFolder(out)
    folder.lock()  # raises FolderInUse when a process still holds it
    folder.unlock()


def alive(pid):
    """Whether any thread of process ``pid`` runs (a zombie main thread may wait for the
    others, which still hold the process's files)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except (FileNotFoundError, ProcessLookupError):
        return False
    for task in tasks:
        try:
            stat = Path(f"/proc/{pid}/task/{task}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
            return True
    return False


def wait_for(condition, what, seconds=120):
    import time

    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, f"still waiting for {what}"
        time.sleep(0.1)


def long_numpy_run(out, tmp_path, **popen):
    return subprocess.Popen(
        [sys.executable, "-m", "experiments", "run", "shallow-planar", "--backend", "numpy",
         "--iterations", "3000000", "--quiet", "--out", str(out)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def started_training(out, process):
    def check():
        assert process.poll() is None, process.communicate()
        try:
            return summary(out)["status"] == "running"
        except (FileNotFoundError, ValueError):
            return False

    return check


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_run_under_nohup_ignores_sighup_and_keeps_its_folder_without_lock_file(tmp_path,
                                                                                  capsys):
    """One running process, two properties: started with SIGHUP ignored (as ``nohup`` does),
    SIGHUP does not stop it; and deleting its ``.lock`` does not let a second process in."""
    out = tmp_path / "run"
    process = long_numpy_run(out, tmp_path,
                             preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    try:
        wait_for(started_training(out, process), "the run to start")
        (out / ".lock").unlink()
        status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
        assert status == 1
        assert f"in use by process {process.pid}" in one_line(err)
        process.send_signal(signal.SIGHUP)  # ignored, as nohup asked
        process.send_signal(signal.SIGTERM)  # delivered after it: SIGHUP's number is lower
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 128 + signal.SIGTERM, err
    assert "stopped by SIGTERM" in one_line(err)
    assert summary(out)["interrupted"]["signal"] == "SIGTERM"
    assert_lock_is_free(out)  # once the holder has gone


PARENT_OF_A_SWEEP = """
import os, sys, time
from experiments import cli, interrupt

marks = sys.argv[1]


def slowly(backend, iteration):
    if iteration == 2:
        open(os.path.join(marks, str(os.getpid())), "w").close()
    time.sleep(0.05)


interrupt.on_iteration = slowly
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG, /proc")
def test_workers_of_a_sweep_stop_when_its_parent_is_killed(tmp_path, capsys):
    out, marks = tmp_path / "run", tmp_path / "marks"
    marks.mkdir()
    argv = ["run", "activations-planar", "--backend", "numpy", "--iterations", "200",
            "--quiet", "--out", str(out), "--jobs", "2"]
    parent = subprocess.Popen([sys.executable, "-c", PARENT_OF_A_SWEEP, str(marks), *argv],
                              cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers = []

    def two_workers_train():
        assert parent.poll() is None, parent.communicate()
        return len(list(marks.iterdir())) >= 2

    try:
        wait_for(two_workers_train, "two workers to train")
        workers = [int(path.name) for path in marks.iterdir()]
        parent.kill()
        parent.wait()
        wait_for(lambda: not any(alive(pid) for pid in workers), "the workers to stop")
    finally:
        parent.kill()
        parent.wait()
        for pid in workers:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    # They stopped as on SIGTERM: each checkpointed its run where it was, before the end.
    done = []
    for path in out.glob("*/numpy/checkpoint.npz"):
        with np.load(path) as checkpoint:
            done.append(int(checkpoint["costs"].size))
    assert len(done) == 2 and all(0 < n < 200 for n in done), done
    assert_lock_is_free(out)
    assert run(["run", "activations-planar", "--resume", out, "--quiet", "--jobs", 2],
               capsys)[0] == 0
    assert summary(out)["status"] == "complete"


DAMAGED_RECORDS = {
    "summary: runs not a list": ("summary.json", set_item("runs", 3), "runs is int"),
    "summary: an entry without label": (
        "summary.json", lambda data: data["runs"][0].pop("label"), "runs[0] is not"),
    "summary: a null cost": (
        "summary.json", lambda data: data["runs"][0]["backends"]["numpy"]["costs"].__setitem__(
            1, None), "runs[0].backends.numpy, costs[1] is None"),
    "summary: unknown status": ("summary.json", set_item("status", "done"), "status is 'done'"),
    "run.json: sessions a string": ("run.json", set_item("sessions", "x"), "sessions"),
    "run.json: is_sweep a string": ("run.json", set_item("is_sweep", "no"), "is_sweep"),
}


@pytest.mark.parametrize("damage", DAMAGED_RECORDS)
def test_a_damaged_record_of_the_run_is_named_and_kept(damage, finished, copy_of, capsys):
    out = copy_of(finished)
    name, edit, problem = DAMAGED_RECORDS[damage]
    edit_json(out / name, edit)
    before = snapshot(out)
    status, _, err = run(["run", "shallow-planar", "--resume", out, "--quiet"], capsys)
    assert status == 1
    assert f"{name} is damaged" in one_line(err) and problem in err
    assert "error: unexpected" not in err
    assert snapshot(out) == before
