"""Data-parallel full-batch gradient descent with Lightning's ``ddp`` strategy.

With ``make_trainer(max_steps, devices=N, strategy="ddp", num_nodes=K)`` the
same training runs in ``W = N * K`` processes, one per device:

* **data**: process ``r`` holds a contiguous block of the m columns of X and
  Y, ``shard_columns(m, W, r)``; the blocks are those of ``np.array_split``
  (sizes differ by at most one: 209 examples on 2 processes are 105 + 104), and
  together they hold every column exactly once. Nothing is padded: Lightning
  only injects a ``DistributedSampler`` (which repeats examples to make the
  shards equal) into ``torch.utils.data.DataLoader`` objects, and
  :class:`~torch_ref.data.FullBatchLoader` is not one (``make_trainer`` also
  turns ``use_distributed_sampler`` off).
* **gradient**: process ``r`` back-propagates ``W * S_r / m``, where ``S_r`` is
  the loss summed over its own examples. DistributedDataParallel averages the
  processes' gradients, ``(1/W) * sum_r W * dS_r / m = d(sum_r S_r) / m``: the
  gradient of the cost over all m examples, whatever the split.
* **cost and accuracy**: the sums over each shard (loss, correct predictions)
  are added across processes (one all-reduce per step) and divided by m, so
  every process records the global cost in ``CourseModule.costs`` and logs the
  global ``train/cost`` and ``train/accuracy``; loggers write from rank zero
  only, so TensorBoard gets one curve.

The only difference from one process is the order of the additions (each
shard's sum, then the all-reduce): a rounding difference of a few units in the
last place per step (measured in ``parity_tests/test_ddp.py``).
"""

import os

STRATEGIES = ("auto", "ddp")
"""The strategies :func:`torch_ref.make_trainer` accepts by name: "auto" (one process, or
Lightning's choice, ``ddp``, for several devices) and "ddp" (one process per device,
started by Lightning, ``torchrun`` or SLURM)."""

_GPU_ACCELERATORS = ("gpu", "cuda")
# The launchers' rank variables: Lightning's ddp (LOCAL_RANK, NODE_RANK), torchrun (RANK,
# GROUP_RANK), SLURM (SLURM_PROCID).
RANK_VARIABLES = ("RANK", "LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "SLURM_PROCID")


def shard_bounds(m, world_size):
    """``[(start, stop), ...]``: the columns of each of ``world_size`` processes.

    Contiguous blocks in rank order, as ``np.array_split(range(m), world_size)``:
    the first ``m % world_size`` blocks hold one column more than the others.
    """
    check_world_size(m, world_size)
    size, extra = divmod(m, world_size)
    bounds, start = [], 0
    for rank in range(world_size):
        stop = start + size + (rank < extra)
        bounds.append((start, stop))
        start = stop
    return bounds


def shard_columns(m, world_size, rank):
    """The slice of the m columns (examples) that process ``rank`` trains on."""
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
    return slice(*shard_bounds(m, world_size)[rank])


def check_world_size(m, world_size):
    """Every process needs at least one example: raise ValueError when ``world_size > m``."""
    if world_size > m:
        raise ValueError(
            f"{world_size} processes for {m} training examples: each process needs at least "
            f"one example; use at most {m} devices x nodes"
        )


def check_enough_examples(trainer, datamodule):
    """Before a data-parallel ``trainer.fit``: ValueError when there are more processes
    than training examples (loads a data module that has ``X_train`` (n_x, m) first)."""
    processes = trainer.num_devices * trainer.num_nodes
    if processes > 1 and hasattr(datamodule, "X_train"):
        datamodule.setup("fit")  # a FullBatchDataModule loads once; setup is then a no-op
        check_world_size(datamodule.X_train.shape[1], processes)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def check_trainer_options(accelerator="auto", devices=1, strategy="auto", num_nodes=1):
    """Reject, with a one-line ValueError, what :func:`torch_ref.make_trainer` cannot run.

    An unknown strategy name; ``num_nodes`` or an integer ``devices`` below 1
    (-1, Lightning's "every device", is allowed); a GPU accelerator on a
    machine without CUDA, or more CUDA devices than it has. A strategy object
    (``lightning.pytorch.strategies.DDPStrategy(...)``) is passed on unchecked.
    """
    import torch

    if isinstance(strategy, str) and strategy not in STRATEGIES:
        raise ValueError(
            f"unknown strategy {strategy!r}; choose one of: {', '.join(STRATEGIES)}"
        )
    if not _is_int(num_nodes) or num_nodes < 1:
        raise ValueError(f"num_nodes must be a positive integer, got {num_nodes!r}")
    if _is_int(devices) and devices < 1 and devices != -1:
        raise ValueError(f"devices must be a positive integer (or -1 for all), got {devices!r}")
    if accelerator in _GPU_ACCELERATORS:
        if not torch.cuda.is_available():
            raise ValueError(
                f"accelerator {accelerator!r}: no CUDA device is available on this machine; "
                "use accelerator 'cpu' (processes talk through gloo)"
            )
        count = torch.cuda.device_count()
        if _is_int(devices) and devices > count:
            raise ValueError(
                f"{devices} CUDA devices asked for, this machine has {count}; "
                f"use devices <= {count} per node (num_nodes for more machines)"
            )


def stray_ranks():
    """The rank variables of the environment with a value other than 0, by name."""
    return {name: os.environ[name] for name in RANK_VARIABLES if os.environ.get(name, "0") != "0"}


def is_global_zero(world_size=None):
    """Whether this process reports and writes: the one answer to "is this rank zero?".

    True unless this process is a worker started by a launcher with a rank other than 0,
    read from the environment (:data:`RANK_VARIABLES`), before any trainer exists. A
    command that does more than train (writing a run folder, training the NumPy model
    too) does that extra work only where this is True: Lightning's ``ddp`` re-runs the
    whole command in every other process of the node. Inside ``fit``,
    ``trainer.is_global_zero`` says the same.

    Parameters
    ----------
    world_size : int, optional
        Processes of the run, when known: with 1, rank variables mean nothing (a stray
        one left in the environment) and the answer is True.
    """
    return world_size == 1 or not stray_ranks()
