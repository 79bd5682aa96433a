"""Data-parallel training (Lightning's ``ddp``, gloo on CPU) gives the one-process run.

A run is described once (twin, data module, learning rate, steps); the same
description is trained in this process with ``CourseModule`` + ``make_trainer``
and by ``python -m experiments fit --config C --trainer.devices N
--trainer.strategy ddp`` started as a subprocess, which Lightning then runs again
in N - 1 more processes, the way ``ddp`` always runs. Both must give the same cost at every step, the same
final parameters, the same ``trainer.test`` metrics and the same TensorBoard
curves, written once.

Each data-parallel run costs about 10 s here (two interpreters importing torch
and Lightning one after the other); the three-process run is marked ``slow``.
"""

import importlib
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import yaml
from lightning.pytorch.loggers import TensorBoardLogger
from lightning.pytorch.strategies.launchers.subprocess_script import _SubprocessScriptLauncher
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import torch_ref
from helpers import assert_dicts_close, event_file_pid, run_tolerance
from scratch import data as scratch_data
from experiments import cli
from torch_ref import distributed

# -- tolerance ------------------------------------------------------------------------------
# The processes compute what one process computes, on their own columns, and add the
# shards' sums in an all-reduce: the only difference is the order of the additions, a
# rounding difference of about one eps per step, carried into the next steps: the
# suite's per-step model, run_tolerance(steps) (helpers.py): 31 eps at 30 steps. Measured
# on the runs below (2 and 3 processes, gloo, CPU), as |ddp - one process| over the
# array's largest |entry|: at most 4.8 eps after 30 flower steps, 1.0 after 40 on the cats
# and digits; 34 eps after 1000 flower steps. One example counted twice or dropped out of
# 400 changes the first gradient by about 1/400, 1e13 eps.
# -- the runs -------------------------------------------------------------------------------
# id: (twin class, twin args, data module class path, data args, learning rate, steps), the
# hyperparameters of the experiments of the same name; "shallow-planar-3-outputs" is
# shallow-planar with three labels per point (multi_output_data.py), so that the cost's
# mean over m, not over m times n_y, is checked across processes too.
PARITY_TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(PARITY_TESTS)
RUNS = {
    "shallow-planar": (
        "ShallowNetwork",
        dict(n_x=2, n_h=4, hidden_activation="tanh", init="course", seed=2, scale=0.01),
        "torch_ref.PlanarDataModule", dict(dataset="flower", m=400, seed=1), 1.2, 30,
    ),
    "shallow-planar-3-outputs": (
        "ShallowNetwork",
        dict(n_x=2, n_h=4, n_y=3, hidden_activation="tanh", init="course", seed=2, scale=0.01),
        "multi_output_data.MultiLabelPlanarDataModule", dict(dataset="flower", m=400, seed=1),
        1.2, 30,
    ),
    "deep-digits": (
        "DeepNetwork",
        dict(layer_dims=[64, 20, 7, 5, 1], init="course", seed=1, scale="lecun"),
        "torch_ref.DigitsDataModule", dict(positive_digit=0, seed=0), 0.0075, 40,
    ),
    "deepL-cats": (
        "DeepNetwork",
        dict(layer_dims=[12288, 20, 7, 5, 1], init="course", seed=1, scale="lecun"),
        "torch_ref.CatDataModule", {}, 0.0075, 40,
    ),
}


def data_module_class(class_path):
    module_name, _, name = class_path.rpartition(".")
    return getattr(importlib.import_module(module_name), name)


def write_config(path, run_id, data_dir=None):
    """The LightningCLI config of a run, as ``experiments/configs`` writes them."""
    twin, twin_args, data, data_args, learning_rate, steps = RUNS[run_id]
    if data_dir is not None:
        data_args = dict(data_args, data_dir=str(data_dir))
    config = {
        "model": {"class_path": "torch_ref.CourseModule",
                  "init_args": {"learning_rate": learning_rate,
                                "model": {"class_path": f"torch_ref.{twin}",
                                          "init_args": twin_args}}},
        "data": {"class_path": data, "init_args": data_args},
        "trainer": {"max_steps": steps, "precision": "64-true"},
    }
    path.write_text(yaml.safe_dump(config))
    return path


def run_one_process(run_id, log_dir, data_dir=None):
    """The reference: ``CourseModule`` and ``make_trainer`` in this process."""
    twin, twin_args, data, data_args, learning_rate, steps = RUNS[run_id]
    if data_dir is not None:
        data_args = dict(data_args, data_dir=str(data_dir))
    module = torch_ref.CourseModule(getattr(torch_ref, twin)(**twin_args), learning_rate)
    datamodule = data_module_class(data)(**data_args, steps_per_epoch=steps)
    logger = TensorBoardLogger(str(log_dir), name="", version="", default_hp_metric=False)
    trainer = torch_ref.make_trainer(steps, accelerator="cpu", logger=logger)
    trainer.fit(module, datamodule=datamodule)
    (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
    params = torch_ref.to_numpy_params(module.model)
    return {"costs": module.costs, **{f"param.{name}": value for name, value in params.items()},
            **{f"metric.{name}": float(value) for name, value in metrics.items()}}


def run_data_parallel(config, devices, output, log_dir, timeout=180):
    """``python -m experiments fit`` on ``devices`` processes in a subprocess; its
    ``--output`` as a dict."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("RANK", "LOCAL_RANK", "NODE_RANK", "WORLD_SIZE", "GROUP_RANK",
                          "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID", "SLURM_NTASKS")}
    env["OMP_NUM_THREADS"] = "1"  # two processes on a small machine: one thread each
    # multi_output_data's data module, for every process Lightning starts.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [PARITY_TESTS, env.get("PYTHONPATH")]))
    env["PYTHONPATH"] = os.pathsep.join([REPO, env["PYTHONPATH"]])
    command = [sys.executable, "-m", "experiments", "fit", "--config", str(config),
               f"--trainer.devices={devices}", "--trainer.strategy=ddp",
               "--trainer.accelerator=cpu", "--trainer.log_every_n_steps=1",
               "--trainer.enable_progress_bar=false", "--trainer.enable_checkpointing=false",
               "--trainer.enable_model_summary=false",
               "--trainer.logger=lightning.pytorch.loggers.TensorBoardLogger",
               f"--trainer.logger.save_dir={log_dir}", "--trainer.logger.name=",
               "--trainer.logger.version=", f"--output={output}"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=log_dir.parent)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-3000:]}"
    with np.load(output) as result:
        assert int(result["world_size"]) == devices
        return {key: result[key] for key in result.files if key != "world_size"}


def scalars(log_dir, tag):
    """(steps, values) of one TensorBoard tag in ``log_dir``, written by one process."""
    # events.out.tfevents.TIME.HOST.PID.N: one file for fit, one for test, both rank zero's.
    files = [name for name in os.listdir(log_dir) if name.startswith("events.out.tfevents")]
    writers = {event_file_pid(name) for name in files}
    assert len(writers) == 1, f"event files from more than one process: {files}"
    events = EventAccumulator(str(log_dir))
    events.Reload()
    points = events.Scalars(tag)
    return [point.step for point in points], np.array([point.value for point in points])


def check_same_run(run_id, devices, tmp_path, data_dir=None):
    expected = run_one_process(run_id, tmp_path / "one", data_dir)
    config = write_config(tmp_path / f"{run_id}.yaml", run_id, data_dir)
    actual = run_data_parallel(config, devices, tmp_path / "ddp.npz", tmp_path / "ddp")
    steps = RUNS[run_id][-1]
    assert len(actual["costs"]) == steps
    assert_dicts_close(f"{run_id} on {devices} processes vs one", expected, actual,
                       **run_tolerance(steps))
    for tag in ("train/cost", "train/accuracy"):
        one_steps, one_values = scalars(tmp_path / "one", tag)
        ddp_steps, ddp_values = scalars(tmp_path / "ddp", tag)
        # Every step once; a data set without a test split adds trainer.test's point at `steps`.
        assert ddp_steps == one_steps, tag
        assert ddp_steps[:steps] == list(range(steps)) and len(ddp_steps) <= steps + 1, tag
        # TensorBoard stores float32: the float64 values may round to neighbouring floats.
        np.testing.assert_allclose(ddp_values, one_values, rtol=2 * np.finfo(np.float32).eps,
                                   err_msg=tag)


# -- whole runs -----------------------------------------------------------------------------
def test_shallow_planar_with_3_outputs_on_two_processes_is_the_one_process_run(tmp_path):
    check_same_run("shallow-planar-3-outputs", 2, tmp_path)  # 200 + 200 examples


def test_deep_digits_on_two_unequal_shards_is_the_one_process_run(tmp_path):
    check_same_run("deep-digits", 2, tmp_path)  # 719 + 718 examples


def test_deepL_cats_on_two_unequal_shards_is_the_one_process_run(tmp_path, cat_data_dir):
    check_same_run("deepL-cats", 2, tmp_path, cat_data_dir)  # 105 + 104 examples


@pytest.mark.slow
def test_shallow_planar_on_three_processes_is_the_one_process_run(tmp_path):
    # 134 + 133 + 133 examples; W = 3 scales the loss by a factor that is not a power of 2.
    check_same_run("shallow-planar", 3, tmp_path)


# -- shards ---------------------------------------------------------------------------------
@pytest.mark.parametrize("m, world_size", [(209, 2), (209, 3), (400, 2), (1437, 4), (5, 5),
                                           (7, 1)])
def test_shards_cover_every_column_once(m, world_size):
    bounds = distributed.shard_bounds(m, world_size)
    columns = np.concatenate([np.arange(m)[distributed.shard_columns(m, world_size, rank)]
                              for rank in range(world_size)])
    np.testing.assert_array_equal(columns, np.arange(m))  # in order: no duplicate, none lost
    sizes = [stop - start for start, stop in bounds]
    assert sizes == [len(part) for part in np.array_split(np.arange(m), world_size)]


def test_cat_sized_shards_are_105_and_104():
    assert distributed.shard_bounds(209, 2) == [(0, 105), (105, 209)]


@pytest.mark.parametrize("loader", ["train_dataloader", "test_dataloader"])
def test_data_module_serves_each_process_its_own_columns(loader):
    data = scratch_data.load_digits_binary()
    datamodule = torch_ref.DigitsDataModule()
    datamodule.setup("fit")
    shards = []
    for rank in range(3):
        datamodule.trainer = SimpleNamespace(world_size=3, global_rank=rank)
        ((X, Y),) = list(getattr(datamodule, loader)())
        shards.append((X.numpy(), Y.numpy()))
    X_all, Y_all = ((data.X_train, data.Y_train) if loader == "train_dataloader"
                    else (data.X_test, data.Y_test))
    np.testing.assert_array_equal(np.concatenate([X for X, _ in shards], axis=1), X_all)
    np.testing.assert_array_equal(np.concatenate([Y for _, Y in shards], axis=1), Y_all)


def test_rank_zero_is_read_from_the_launchers_environment(monkeypatch):
    for name in ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID"):
        monkeypatch.delenv(name, raising=False)
    assert distributed.is_global_zero()
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert distributed.is_global_zero()
    monkeypatch.setenv("NODE_RANK", "1")  # the first process of the second machine
    assert not distributed.is_global_zero()
    monkeypatch.setenv("NODE_RANK", "0")
    monkeypatch.setenv("RANK", "3")  # torchrun
    assert not distributed.is_global_zero()


# -- bad input: one line, before any process starts ------------------------------------------
@pytest.fixture
def no_process_starts(monkeypatch):
    """Fail, rather than run pytest again in child processes, if a check let ddp launch."""

    def refuse(self):
        raise AssertionError("a ddp launch was attempted; the check should have stopped it")

    monkeypatch.setattr(_SubprocessScriptLauncher, "_call_children_scripts", refuse)


def _gpu_devices_beyond_this_machine():
    return torch.cuda.device_count() + 1


BAD_OPTIONS = [
    pytest.param(dict(strategy="fsdp"), "unknown strategy 'fsdp'", id="unknown-strategy"),
    pytest.param(dict(accelerator="gpu", devices=_gpu_devices_beyond_this_machine()),
                 "CUDA", id="cuda-devices-not-here"),
    pytest.param(dict(num_nodes=0), "num_nodes", id="no-nodes"),
]


@pytest.mark.parametrize("options, message", BAD_OPTIONS)
def test_make_trainer_rejects_bad_options_in_one_line(options, message, no_process_starts):
    with pytest.raises(ValueError, match=message) as error:
        torch_ref.make_trainer(1, **options)
    assert "\n" not in str(error.value)


def test_fit_rejects_more_processes_than_examples(no_process_starts):
    X, Y = scratch_data.make_flower(m=4)
    twin = torch_ref.ShallowNetwork(2, 4)
    with pytest.raises(ValueError, match="5 processes for 4 training examples") as error:
        torch_ref.fit_arrays(twin, X, Y, 1.2, 3, accelerator="cpu", devices=5, strategy="ddp")
    assert "\n" not in str(error.value)


def test_data_module_rejects_more_processes_than_examples():
    # What a launch by torchrun or LightningCLI, which skip fit's early check, runs into.
    datamodule = torch_ref.PlanarDataModule(m=2)
    datamodule.setup("fit")
    datamodule.trainer = SimpleNamespace(world_size=3, global_rank=0)
    with pytest.raises(ValueError, match="3 processes for 2 training examples"):
        datamodule.train_dataloader()


@pytest.mark.parametrize(
    "arguments, message",
    [
        pytest.param(["--trainer.devices=2", "--trainer.strategy=deepspeed"],
                     "unknown strategy", id="unknown-strategy"),
        pytest.param([f"--trainer.devices={_gpu_devices_beyond_this_machine()}",
                      "--trainer.accelerator=gpu"], "CUDA", id="cuda-devices-not-here"),
        pytest.param(["--trainer.devices=3", "--trainer.strategy=ddp",
                      "--trainer.accelerator=cpu"],
                     "3 processes for 2 training examples", id="more-processes-than-examples"),
    ],
)
def test_command_reports_bad_input_in_one_line(arguments, message, tmp_path, capsys,
                                                no_process_starts):
    config = write_config(tmp_path / "tiny.yaml", "shallow-planar")
    text = yaml.safe_load(config.read_text())
    text["data"]["init_args"]["m"] = 2
    config.write_text(yaml.safe_dump(text))
    status = cli.main(["fit", "--config", str(config), "--trainer.max_steps=2",
                       "--trainer.enable_progress_bar=false", *arguments])
    assert status == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert message in err.strip().splitlines()[-1], err
