"""``python -m experiments run NAME --devices N --strategy ddp``: the twin trained data-parallel.

Lightning's ``ddp`` runs the whole command again in every other process, so
these runs are real ``python -m experiments`` subprocesses (about 10 s each
here: two interpreters importing torch and Lightning one after the other).
What they must give: the costs of the NumPy model and of a one-process run
(to ``test_ddp``'s tolerance: the order of the additions differs), one run
folder written by rank zero alone, and one TensorBoard curve of the global
cost. Bad input is refused in one line before any other process starts.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from lightning.pytorch.strategies.launchers.subprocess_script import _SubprocessScriptLauncher
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from experiments import cli, config
from experiments.registry import EXPERIMENTS
from experiments.run_folder import RUN_FOLDER_ENV
from experiments.runner import RunOptions, Runner
from helpers import event_file_pid, run_tolerance

REPO = Path(__file__).resolve().parents[1]
DDP_ITERATIONS = 30
# Variables of a launcher (and of this project's run folder hand-over) that must not leak
# from the test's environment into a run that starts its own processes.
LAUNCH_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "GROUP_RANK", "MASTER_ADDR",
                    "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS", RUN_FOLDER_ENV)


def experiments_command(args, cwd, timeout=240, **popen):
    """``python -m experiments ARGS`` in a subprocess started in ``cwd``."""
    env = {key: value for key, value in os.environ.items() if key not in LAUNCH_VARIABLES}
    env["PYTHONPATH"] = str(REPO)
    env["OMP_NUM_THREADS"] = "1"  # two processes on a small machine: one thread each
    command = [sys.executable, "-m", "experiments", *[str(arg) for arg in args]]
    if popen:
        return subprocess.Popen(command, cwd=cwd, env=env, text=True, **popen)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def in_process(args):
    """A one-process run through ``experiments.cli.main``; returns its summary."""
    out = Path(args[args.index("--out") + 1])
    assert cli.main([str(arg) for arg in args]) == 0
    return json.loads((out / "summary.json").read_text())


def load_summary(out):
    return json.loads((Path(out) / "summary.json").read_text())


def scalars(folder, tag, sessions=1):
    """(steps, values) of one tag; the event files must come from one process per session."""
    files = [path.name for path in Path(folder).glob("events.out.tfevents.*")]
    writers = {event_file_pid(name) for name in files}
    assert len(writers) == sessions, f"event files of more than one process: {files}"
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    points = accumulator.Scalars(tag)
    return [point.step for point in points], [point.value for point in points]


def assert_ddp_close(what, actual, expected, steps=DDP_ITERATIONS):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), err_msg=what,
                               **run_tolerance(steps))


def assert_same_params(folder, reference):
    with np.load(folder / "params.npz") as got, np.load(reference / "params.npz") as want:
        assert set(got.files) == set(want.files)
        for name in want.files:
            assert_ddp_close(name, got[name], want[name])


# -- whole runs ------------------------------------------------------------------------------
def test_shallow_planar_on_two_processes_matches_numpy_and_one_process(tmp_path):
    out = tmp_path / "run"
    done = experiments_command(
        ["run", "shallow-planar", "--backend", "both", "--devices", 2, "--strategy", "ddp",
         "--iterations", DDP_ITERATIONS, "--out", out, "--quiet"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    # One report, by rank zero; the other process prints nothing and makes no folder.
    assert done.stdout.count("max |dJ|") == 1 and done.stdout.count("run folder:") == 1
    assert "Traceback" not in done.stderr and "error" not in done.stderr, done.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]

    entry = load_summary(out)["runs"][0]
    numpy_result, torch_result = entry["backends"]["numpy"], entry["backends"]["torch"]
    assert torch_result["world_size"] == 2
    assert len(torch_result["costs"]) == DDP_ITERATIONS
    assert_ddp_close("costs: ddp vs numpy", torch_result["costs"], numpy_result["costs"])
    assert torch_result["train_accuracy"] == numpy_result["train_accuracy"]

    reference = in_process(["run", "shallow-planar", "--backend", "torch", "--iterations",
                            DDP_ITERATIONS, "--out", tmp_path / "one", "--quiet"])
    one = reference["runs"][0]["backends"]["torch"]
    assert one["world_size"] == 1
    assert_ddp_close("costs: ddp vs one process", torch_result["costs"], one["costs"])
    assert_same_params(out / "torch", tmp_path / "one" / "torch")

    # TensorBoard: rank zero's curve of the global cost, every iteration once.
    for tag in ("train/cost", "train/accuracy"):
        steps, values = scalars(out / "torch", tag)
        assert steps == list(range(DDP_ITERATIONS)), tag
    np.testing.assert_allclose(scalars(out / "torch", "train/cost")[1], torch_result["costs"],
                               rtol=2 * np.finfo(np.float32).eps)  # events hold float32
    settings = json.loads((out / "run.json").read_text())
    assert (settings["devices"], settings["strategy"]) == (2, "ddp")
    trainer = yaml.safe_load((out / "config.yaml").read_text())["trainer"]
    assert (trainer["devices"], trainer["strategy"]) == (2, "ddp")  # fit --config runs alike


def test_deep_digits_on_two_processes_shares_the_default_folder_and_tests_once(tmp_path):
    """No --out: rank zero picks runs/NAME/<timestamp> and the other process uses it too.
    The digits' 1437 examples split 719 + 718; trainer.test runs on both processes."""
    iterations = 20
    done = experiments_command(
        ["run", "deep-digits", "--backend", "torch", "--devices", 2, "--strategy", "ddp",
         "--iterations", iterations, "--iterations-per-batch", 8, "--quiet"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    (folder,) = (tmp_path / "runs" / "deep-digits").iterdir()
    assert f"run folder: {Path('runs') / 'deep-digits' / folder.name}" in done.stdout
    result = load_summary(folder)["runs"][0]["backends"]["torch"]
    assert result["world_size"] == 2

    reference = in_process(["run", "deep-digits", "--backend", "torch", "--iterations",
                            iterations, "--out", tmp_path / "one", "--quiet"])
    one = reference["runs"][0]["backends"]["torch"]
    assert_ddp_close("costs: ddp vs one process", result["costs"], one["costs"])
    assert_same_params(folder / "torch", tmp_path / "one" / "torch")
    assert (result["train_accuracy"], result["test_accuracy"]) == (
        one["train_accuracy"], one["test_accuracy"])
    steps, (value,) = scalars(folder / "torch", "test/accuracy")
    assert steps == [iterations]  # once, after the last iteration
    assert value == pytest.approx(result["test_accuracy"], rel=1e-6)
    assert scalars(folder / "torch", "train/cost")[0] == list(range(iterations))


@pytest.mark.slow
def test_ctrl_c_to_rank_zero_stops_both_processes_and_resumes(tmp_path):
    """A SIGINT to the first process alone (not the terminal's process group): both stop
    after the same batch, rank zero reports, and --resume ends like one process."""
    out = tmp_path / "run"
    process = experiments_command(
        ["run", "shallow-planar", "--backend", "torch", "--devices", 2, "--strategy", "ddp",
         "--iterations", 100_000, "--out", out, "--quiet"], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        # The periodic checkpoint at iteration 500 shows that both processes train.
        while not (out / "torch" / "checkpoints" / "last.ckpt").is_file():
            assert process.poll() is None, process.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no checkpoint at iteration 500 after 120 s"
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 128 + signal.SIGINT, err
    assert err.count("\n") == 1 and f"--resume {out}" in err
    stopped = load_summary(out)["interrupted"]["iteration"]
    assert stopped % 100 == 0 and stopped >= 500  # at a batch end (100 iterations per batch)
    # (communicate() returned: every process holding the pipes, the other rank too, ended.)

    total = stopped + 100
    done = experiments_command(["run", "shallow-planar", "--resume", out, "--iterations", total,
                                "--quiet"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = load_summary(out)["runs"][0]["backends"]["torch"]
    reference = in_process(["run", "shallow-planar", "--backend", "torch", "--iterations", total,
                            "--out", tmp_path / "one", "--quiet"])
    assert_ddp_close("costs: interrupted ddp vs one process", result["costs"],
                     reference["runs"][0]["backends"]["torch"]["costs"])
    steps, _ = scalars(out / "torch", "train/cost", sessions=2)
    assert steps == list(range(total))


# -- bad input: one line, before any process starts -----------------------------------------
@pytest.fixture
def no_process_starts(monkeypatch):
    """Fail, rather than run pytest again in child processes, if a check let ddp launch."""

    def refuse(self):
        raise AssertionError("a ddp launch was attempted; the checks should have stopped it")

    monkeypatch.setattr(_SubprocessScriptLauncher, "_call_children_scripts", refuse)


CUDA_DEVICES_BEYOND_THIS_MACHINE = torch.cuda.device_count() + 1

BAD_INPUT = [
    pytest.param(["--devices", 401, "--strategy", "ddp"], "401 processes for 400 training examples",
                 id="more-processes-than-examples"),
    pytest.param(["--devices", 201, "--num-nodes", 2, "--strategy", "ddp"],
                 "402 processes for 400 training examples", id="devices-times-nodes"),
    pytest.param(["--devices", 2, "--strategy", "fsdp"], "unknown strategy 'fsdp'",
                 id="unknown-strategy"),
    pytest.param(["--devices", 0], "positive integer", id="no-devices"),
    pytest.param(["--num-nodes", 0], "positive integer", id="no-nodes"),
    pytest.param(["--device", "cuda", "--devices", CUDA_DEVICES_BEYOND_THIS_MACHINE,
                  "--strategy", "ddp"],
                 "no CUDA GPU" if not torch.cuda.is_available() else "CUDA devices asked for",
                 id="cuda-devices-not-here"),
    pytest.param(["--backend", "numpy", "--devices", 2, "--strategy", "ddp"],
                 "train the torch backend only", id="numpy-alone"),
    pytest.param(["--devices", 2, "--strategy", "ddp"], "start a data-parallel run from a shell",
                 id="not-from-the-command-line"),
]


@pytest.mark.parametrize("options, message", BAD_INPUT)
def test_bad_data_parallel_input_gives_one_line(options, message, tmp_path, capsys,
                                                 no_process_starts):
    status = cli.main(["run", "shallow-planar", "--out", str(tmp_path / "run"), "--quiet",
                       *[str(option) for option in options]])
    err = capsys.readouterr().err
    assert status != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not (tmp_path / "run").exists()  # nothing was started


def test_a_strategy_torch_ref_does_not_know_is_a_usage_error_before_any_folder(
        tmp_path, capsys, no_process_starts):
    """The command line takes any name; torch_ref.distributed's one list judges it."""
    status = cli.main(["run", "house-price", "--strategy", "deepspeed", "--out",
                       str(tmp_path / "run")])
    assert status == 2 and "unknown strategy 'deepspeed'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_an_experiment_that_does_not_train_refuses_devices(capsys, no_process_starts):
    assert cli.main(["run", "vectorization", "--devices", "2", "--strategy", "ddp"]) == 2
    assert "does not train through Lightning" in capsys.readouterr().err


def test_the_config_s_trainer_section_sets_the_processes(tmp_path, no_process_starts):
    """trainer.devices / strategy / num_nodes of a config are the defaults of run, and are
    checked the same way: here 3 processes for the 2 examples of a tiny flower."""
    path = tmp_path / "tiny.yaml"
    cfg = yaml.safe_load((REPO / "experiments" / "configs" / "shallow-planar.yaml").read_text())
    cfg["data"]["init_args"]["m"] = 2
    cfg["trainer"].update(devices=3, strategy="ddp")
    path.write_text(yaml.safe_dump(cfg))
    experiment = EXPERIMENTS["shallow-planar"]

    specs = config.run_specs(config.load_config(path))
    spec = specs[0]
    assert (spec.devices, spec.strategy, spec.num_nodes, spec.world_size) == (3, "ddp", 1, 3)
    runner = Runner(experiment, specs, RunOptions(), folder=None)
    with pytest.raises(cli.ExperimentError, match="3 processes for 2 training examples"):
        runner.prepare()
    # The command line's options win over the config's.
    specs = config.run_specs(config.load_config(path), devices=2, strategy="auto")
    assert specs[0].world_size == 2
    Runner(experiment, specs, RunOptions(), folder=None).prepare()
    cfg["trainer"]["strategy"] = "deepspeed"
    path.write_text(yaml.safe_dump(cfg))
    specs = config.run_specs(config.load_config(path))
    with pytest.raises(cli.ExperimentError, match="unknown strategy 'deepspeed'"):
        cli._check_trainer(experiment, specs, ("numpy", "torch"), "cpu")


def test_a_refused_command_starts_no_process_and_makes_no_folder(tmp_path):
    done = experiments_command(["run", "house-price", "--devices", 101, "--strategy", "ddp"],
                               cwd=tmp_path, timeout=120)
    assert done.returncode == 2  # a usage error
    assert "101 processes for 100 training examples" in done.stderr
    assert done.stderr.count("\n") == 1 and done.stdout == ""
    assert list(tmp_path.iterdir()) == []
