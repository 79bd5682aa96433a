"""The benchmark runs and reports; it is never a timed test (no assertion on speed)."""

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
    # median 1.0 s: 100 ms per iteration, 1/3 of the course loop, 1/1.5 of torch, 2x the floor
    assert numpy_row[4:] == ["1.000", "100.000", "0.33", "0.67", "2.00"]


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
