"""The Lightning training loop reads its costs and logged metrics from the device in blocks.

Every read of a tensor's value on the host (``.cpu()``, ``.item()``, ``.tolist()``,
``float()``, ``bool()``, ...) waits for the device to finish all the work queued before
it; one per iteration would hold a GPU at the host's pace. These tests count such reads
during a whole ``fit`` on the CPU, where the code path is the same, and check that the
loggers and the costs still see every iteration.
"""

import collections

import pytest
import torch
from lightning.pytorch.loggers import Logger

import scratch
import torch_ref
from helpers import DEVICES, accelerator
from scratch.data import make_flower
from torch_ref.lightning import DIVERGENCE_CHECK_EVERY

HOST_READS = ("cpu", "item", "tolist", "numpy", "__float__", "__bool__", "__int__")


class RecordingLogger(Logger):
    """Keeps every (step, metrics) it is given."""

    name = "recording"
    version = 0

    def __init__(self):
        super().__init__()
        self.points = []

    def log_metrics(self, metrics, step=None):
        self.points.append((step, dict(metrics)))

    def log_hyperparams(self, *args, **kwargs):
        pass


@pytest.fixture
def host_reads(monkeypatch):
    """A counter of the host reads of tensor values made while it is installed."""
    counts = collections.Counter()
    for name in HOST_READS:
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return counts


@pytest.mark.parametrize("device", DEVICES)
def test_no_host_read_per_iteration_and_every_iteration_logged(device, host_reads):
    # One iteration per batch, every iteration logged: where a read per step would show most.
    iterations, iterations_per_batch = 500, 1
    X, Y = make_flower()
    twin = torch_ref.from_scratch(scratch.ShallowNetwork(2, 4, seed=2), device=device)
    logger = RecordingLogger()
    module = torch_ref.fit_arrays(twin, X, Y, 1.2, iterations,
                                  iterations_per_batch=iterations_per_batch, logger=logger,
                                  log_every_n_steps=1, accelerator=accelerator(device))
    reads = sum(host_reads.values())
    # A block per DIVERGENCE_CHECK_EVERY iterations, plus the input checks at the start
    # (a read per iteration, or per logged one, would be hundreds).
    assert DIVERGENCE_CHECK_EVERY <= 100
    assert reads <= iterations // 10, dict(host_reads)
    costs = module.costs
    assert len(costs) == iterations
    training = [(step, metrics) for step, metrics in logger.points if "train/cost" in metrics]
    assert [step for step, _ in training] == list(range(iterations))
    assert [metrics["train/cost"] for _, metrics in training] == costs
    assert all(0.0 <= metrics["train/accuracy"] <= 1.0 for _, metrics in training)
    assert module.last_cost == costs[-1]
