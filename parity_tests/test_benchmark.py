"""The benchmark runs and reports; it is never a timed test (no assertion on speed)."""

import os
import subprocess
import sys

import numpy as np
import pytest

from experiments.benchmark import Workload, format_table, Row
from experiments.cli import main


def test_work_per_iteration_counts_forward_backward_and_skips_dA0():
    work = Workload("w", np.zeros((5, 3)), np.zeros((1, 3)), [5, 4, 1], "relu", 0.1, 1, 0.01, 1)
    # layer 1: forward and dW (2 products of 2*4*5*3); layer 2: forward, dW, dA1 (3 of 2*1*4*3)
    assert work.flops_per_iteration() == 2 * (2 * 4 * 5 * 3) + 3 * (2 * 1 * 4 * 3)
    # X read twice, every parameter read and written once
    assert work.bytes_per_iteration(8) == (2 * 15 + 2 * (4 * 5 + 4 + 1 * 4 + 1)) * 8


def test_table_ratios_compare_rows_of_one_workload():
    rows = [
        Row("w", "course-loop", "float64", "cpu", 10, [2.0, 4.0, 3.0], floor=1.0),
        Row("w", "torch-loop", "float64", "cpu", 10, [1.5], floor=1.0),
        Row("w", "numpy", "float64", "cpu", 10, [1.0, 1.2, 0.9], floor=0.5),
    ]
    table = format_table(rows).splitlines()
    numpy_row = table[-1].split()
    # median 1.0 s: 100 ms per iteration, 1/3 of the course loop, 1/1.5 of torch, 2x the floor;
    # no torch threads for a NumPy row
    assert numpy_row[4:] == ["1.000", "100.000", "0.33", "0.67", "2.00", "-"]


def test_bench_command_prints_every_row(capsys):
    status = main(["bench", "--iterations", "2", "--repeat", "1",
                   "--backends", "numpy", "course-loop", "torch-loop", "lightning"])
    out = capsys.readouterr().out
    assert status == 0
    for workload in ("deep2-", "deepL-", "shallow-planar"):
        for backend in ("numpy", "course-loop", "torch-loop", "lightning"):
            assert any(line.startswith(workload) and f" {backend} " in line
                       for line in out.splitlines()), (workload, backend)
    assert "GPU available" not in out


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_bench_on_cuda_without_gpu_is_one_line_error(capsys):
    assert main(["bench", "--device", "cuda"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no CUDA GPU" in err[0]


@pytest.mark.parametrize("folder, why", [("no-such-folder", "no such folder"),
                                         (".", "missing train_catvnoncat.h5")])
def test_bench_with_a_data_dir_without_the_cat_files_is_one_line_error(tmp_path, capsys,
                                                                       folder, why):
    # Named explicitly, a folder is never replaced by the digits or $NNDL_DATA_DIR.
    path = tmp_path / folder
    assert main(["bench", "--data-dir", path, "--backends", "numpy", "--repeat", "1"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and why in err[0]
    assert "rates" not in captured.out  # nothing was timed


def _summary(seconds):
    return {"runs": [{"label": label, "backends": {name: {"seconds": value}
                                                   for name, value in backends.items()}}
                     for label, backends in seconds.items()]}


def test_command_rows_report_wall_time_against_the_backends_compute():
    from experiments import benchmark

    calls = []

    def fake_run(argv, env=None):
        calls.append(argv)
        jobs = argv[argv.index("--jobs") + 1] if "--jobs" in argv else None
        if jobs is None:
            return 10.0, _summary({"main": {"numpy": 1.0, "torch": 3.0}})
        # two runs of a sweep, 2 s and 4 s of compute; twice as fast with two jobs
        return (8.0 if jobs == "1" else 4.0), _summary({"a": {"numpy": 2.0}, "b": {"numpy": 4.0}})

    sweep = benchmark.sweep_rows(iterations=3, repeat=2, jobs=2, echo=lambda *_: None,
                                 run=fake_run)
    assert [row.command for row in sweep] == [
        f"run {benchmark.SWEEP} --backend numpy --iterations 3 --jobs 1",
        f"run {benchmark.SWEEP} --backend numpy --iterations 3 --jobs 2"]
    # alternately, so that a passing load weighs on both
    assert [call[-1] for call in calls] == ["1", "2", "1", "2"]
    assert sweep[0].backends == {"numpy": [6.0, 6.0]}
    single = benchmark.CommandRow("run shallow-planar --iterations 3", [10.0, 12.0, 9.0],
                                  {"numpy": [1.0, 1.0, 1.0], "torch": [3.0, 3.0, 3.0]},
                                  {"numpy": ("bare model", [0.5, 0.5, 0.5])})
    text = benchmark.format_commands([single, *sweep], import_seconds=5.0).splitlines()
    # median wall 10 s over 4 s of compute; NumPy twice its bare model; 10 - 4 - 5 s left
    assert "whole command    10.00 s" in text[1] and "wall / compute   2.50" in text[1]
    assert "bare model" in text[2] and text[2].endswith("ratio  2.00")
    assert text[3].split()[:4] == ["torch", "backend", "3.000", "s"]
    assert "import lightning   5.00 s" in text[4] and text[4].endswith("1.00 s")
    assert text[-1] == "sweep: --jobs 1 / --jobs 2 = 2.00 (8.00 s / 4.00 s)"


def test_startup_rows_time_numpy_only_commands_and_name_what_they_imported():
    from experiments import benchmark

    calls = []

    def fake_run(argv):
        calls.append(argv)
        return (0.5, []) if argv == ["list"] else (2.0, ["torch"])

    rows = benchmark.startup_rows(repeat=3, echo=lambda *_: None, run=fake_run)
    assert len(calls) == 3 * len(benchmark.STARTUP_COMMANDS)
    text = benchmark.format_startup(rows).splitlines()
    assert text[0] == ("start-up of python -m experiments list: 0.50 s (median of 3); "
                       "imported: neither torch nor lightning")
    assert text[1].endswith("2.00 s (median of 3); imported: torch")


def test_the_import_watch_sees_torch_where_it_is_imported(tmp_path):
    # The watch behind the startup rows (and the NumPy-path tests) can fail.
    from experiments import benchmark

    wall, imported = benchmark.time_watched(["--help"])
    assert imported == []
    log = tmp_path / "log"
    done = subprocess.run([sys.executable, "-c", benchmark.IMPORT_WATCH, "bench", "--help"],
                          env={**os.environ, "NNDL_IMPORT_LOG": str(log)}, capture_output=True)
    assert done.returncode == 0
    script = benchmark.IMPORT_WATCH.replace('runpy.run_module("experiments", run_name="__main__")',
                                            "import torch")
    subprocess.run([sys.executable, "-c", script], check=True,
                   env={**os.environ, "NNDL_IMPORT_LOG": str(log)})
    assert "torch" in log.read_text().split()


# The fast paths that keep bookkeeping off the training loop: TensorBoard records written in
# bulk, and one torch thread for a small model.


@pytest.mark.parametrize("length", [0, 1, 9, 55, 300])
def test_bulk_record_checksums_are_tensorboards(length):
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    from experiments import logs

    rows = np.random.default_rng(length).integers(0, 256, (6, length), dtype=np.uint8)
    assert logs.masked_crc32c_rows(rows).tolist() == [masked_crc32c(row.tobytes())
                                                      for row in rows]


@pytest.mark.parametrize("length", [257, 4099, 100_003])
def test_a_long_record_checksum_is_tensorboards(length):
    # One record of an image: cut into pieces checksummed side by side, then combined.
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    from experiments import logs

    row = np.random.default_rng(length).integers(0, 256, (1, length), dtype=np.uint8)
    assert logs.masked_crc32c_rows(row).tolist() == [masked_crc32c(row.tobytes())]


def test_bulk_scalar_events_read_back_as_written(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    from experiments import logs

    # steps whose varints take 1, 2 and 3 bytes, step 0 included
    steps = [0, 1, 127, 128, 5000, 16383, 16384, 20000]
    values = np.array([[0.5 + i, 1.0 / (i + 1)] for i in range(len(steps))])
    events = logs.EventFile(tmp_path)
    events.write_scalars(steps, [1.0e9 + i for i in range(len(steps))],
                         ("train/cost", "train/accuracy"), values)
    events.close()
    accumulator = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    accumulator.Reload()
    for column, tag in enumerate(("train/cost", "train/accuracy")):
        read = accumulator.Scalars(tag)
        assert [e.step for e in read] == steps
        assert [e.value for e in read] == values[:, column].astype(np.float32).tolist()
    # byte for byte what tensorboard's own writer makes of the same events (from step 1:
    # protobuf leaves a zero step out, where the bulk encoder writes it)
    expected = tmp_path / "expected"
    with open(expected, "wb") as handle:
        writer = RecordWriter(handle)
        for i, step in enumerate(steps[1:], start=1):
            event = event_pb2.Event(wall_time=1.0e9 + i, step=step)
            for column, tag in enumerate(("train/cost", "train/accuracy")):
                event.summary.value.add(tag=tag, simple_value=values[i, column])
            writer.write(event.SerializeToString())
    assert logs.scalar_event_records(
        steps[1:], [1.0e9 + i for i in range(1, len(steps))], ("train/cost", "train/accuracy"),
        values[1:]) == expected.read_bytes()


def test_small_models_train_on_one_torch_thread_and_the_count_is_restored():
    import torch

    from experiments.backends.lightning_backend import (
        SMALL_WORK_FLOPS, torch_threads, training_threads)

    assert training_threads(6 * 400 * 17) == 1  # shallow-planar: 17 parameters, 400 examples
    assert training_threads(SMALL_WORK_FLOPS * 30) is None  # deepL-cats: left as set
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(before + 1):  # never raised
        assert torch.get_num_threads() == before
