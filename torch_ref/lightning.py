"""Full-batch gradient descent through Lightning, step for step like ``scratch.train``.

    module = fit(ShallowNetwork(2, 4), PlanarDataModule(), learning_rate=1.2, num_iterations=200)
    module.costs                        # the cost of every step, before its update

or, by hand::

    module = CourseModule(twin, learning_rate=1.2)
    make_trainer(max_steps=200).fit(module, datamodule=PlanarDataModule())

One training step is one course iteration: the cost on the whole training set,
autograd's gradients, then ``theta := theta - learning_rate * dtheta`` with
plain SGD. ``make_trainer(..., devices=N, strategy="ddp", num_nodes=K)`` runs the
same steps data-parallel, each process on its share of the examples, with the
gradient and the cost of the whole training set at every step (see
:mod:`torch_ref.distributed`). With LightningCLI the twin is a nested
``class_path`` argument::

    model:
      class_path: torch_ref.CourseModule
      init_args:
        learning_rate: 1.2
        model:
          class_path: torch_ref.ShallowNetwork
          init_args: {n_x: 2, n_h: 4}
"""

import contextlib

import lightning as L
import torch

from scratch import models as scratch_models
from scratch.training import DivergenceCheck
from scratch.validation import check_positive
from torch_ref import distributed
from torch_ref.data import ArrayDataModule
from torch_ref.models import Network


# The costs (and the logged metrics) stay on the device and are read from it in one block,
# with one copy, at the first batch end at or past every this many steps, at the end of
# every epoch and when the costs are asked for; each block is then checked for divergence
# and written to the loggers. A diverged run stops soon; no step waits for the device.
DIVERGENCE_CHECK_EVERY = 100


def check_training_arguments(model, learning_rate, iterations_per_batch, num_iterations=None):
    """Refuse, in one line naming the argument, what :class:`CourseModule` cannot train with.

    Raises
    ------
    TypeError
        ``model`` is not a twin from :mod:`torch_ref.models`, or a number has
        the wrong type.
    ValueError
        ``learning_rate``, ``iterations_per_batch`` or ``num_iterations`` (when
        given) is not positive.
    """
    if not isinstance(model, Network):
        kind = f"{type(model).__module__}.{type(model).__qualname__}"
        if isinstance(model, scratch_models.Network):
            kind += " (a NumPy model: torch_ref.from_scratch(model) gives its twin)"
        raise TypeError(
            "model must be a twin from torch_ref.models (LogisticRegression, "
            f"ShallowNetwork, DeepNetwork or RegressionNetwork), got {kind}"
        )
    check_positive("learning_rate", learning_rate)
    check_positive("iterations_per_batch", iterations_per_batch, integer=True)
    if num_iterations is not None:
        check_positive("num_iterations", num_iterations, integer=True)


class CourseModule(L.LightningModule):
    """Trains a twin from :mod:`torch_ref.models` by full-batch gradient descent.

    Parameters
    ----------
    model : torch_ref.models.Network
        The twin to train (LogisticRegression, ShallowNetwork, DeepNetwork or
        RegressionNetwork); it is trained in place.
    learning_rate : float
        alpha, a positive number.
    iterations_per_batch : int
        Gradient-descent iterations each ``training_step`` runs on its batch
        (the whole training set). 1 by default: one Lightning step per course
        iteration. A larger value pays Lightning's per-step bookkeeping once
        for many iterations; every iteration is still one optimizer step
        (``trainer.global_step`` and ``max_steps`` count iterations) and its
        cost is still recorded and logged, so the run is the same.

    Attributes
    ----------
    costs : list of float
        The cost of every training step this module has run, computed before
        that step's update (the course's convention, as in ``scratch.train``).
        A run resumed from a checkpoint starts the list afresh.

    Raises
    ------
    scratch.errors.TrainingDivergedError
        From ``trainer.fit``, within ``DIVERGENCE_CHECK_EVERY`` steps (or at the
        end of the epoch) after the cost became NaN or inf, or climbed and
        stayed high, judged by ``scratch.train``'s rule
        (:class:`scratch.training.DivergenceCheck`): costs are read from the
        device in batches, not at every step. ``.iteration`` is the trainer's
        step at which it happened and ``.costs`` the costs before it. Unlike
        ``scratch.train``, the few steps after it have run, so the parameters
        may be NaN. A run resumed from a checkpoint measures from its first
        cost after the resume.

    Logged metrics
    --------------
    ``train/cost`` and, for classification, ``train/accuracy`` at every step, over the
    whole training set also in a data-parallel run (logged by rank zero only);
    ``test/cost`` and ``test/accuracy`` in ``trainer.test``. A data module
    whose ``test_split`` is ``"train"`` (a data set with no test split, such as
    the planar sets) is evaluated on its training set by ``trainer.test``, and
    the metrics are then logged as ``train/cost`` and ``train/accuracy``, so a
    training-set figure is never reported under a ``test/`` name.
    """

    def __init__(
        self, model: torch.nn.Module, learning_rate: float = 0.01, iterations_per_batch: int = 1
    ):
        super().__init__()
        check_training_arguments(model, learning_rate, iterations_per_batch)
        # The twin is an nn.Module, stored by Lightning as a submodule; LightningCLI
        # keeps its class_path and init_args in the run's config.yaml.
        self.save_hyperparameters(ignore=["model"])
        self.model = model
        self.learning_rate = learning_rate
        self.iterations_per_batch = iterations_per_batch
        # Each optimizer step is one course iteration, so trainer.global_step and
        # max_steps count iterations however many of them a training_step runs.
        self.automatic_optimization = False
        self._costs = []
        # One entry per training_step not yet read from the device: (values, number of
        # costs, [(step, metric names) of the logged iterations]), values a 1-d tensor on
        # the device holding the step's costs, then the logged metrics. Turning each
        # value into a float as it comes would wait for the device at every step.
        self._pending = []
        self._pending_steps = 0
        self.last_cost = None  # the latest cost read from the device, a float
        self._checked_costs = 0  # costs[:_checked_costs] have been fed to _divergence
        self._divergence = DivergenceCheck()
        self._first_step = 0  # the trainer's step number of costs[0]
        self._checked_batch = None

    # -- costs ------------------------------------------------------------------------------
    @property
    def costs(self):
        """The cost of every training step so far, as Python floats."""
        self._read_pending()
        return self._costs

    def _read_pending(self):
        """Read the pending block from the device (one copy): costs, then logged metrics.

        Returns True when there was something to read. The logged iterations go to the
        loggers here, in step order. Lightning's rule for ``log_every_n_steps`` n is kept:
        iteration s is logged, at step s, when (s + 1) % n == 0; loggers write on rank
        zero only.
        """
        if not self._pending:
            return False
        pending, self._pending, self._pending_steps = self._pending, [], 0
        values = torch.cat([values for values, _, _ in pending]).cpu().tolist()
        at = 0
        for _, count, logged in pending:
            self._costs.extend(values[at:at + count])
            at += count
            for step, names in logged:
                record = dict(zip(names, values[at:at + len(names)]))
                at += len(names)
                for logger in self.loggers:
                    logger.log_metrics(record, step=step)
        self.last_cost = self._costs[-1]
        return True

    def _raise_if_diverged(self):
        costs = self.costs
        for index in range(self._checked_costs, len(costs)):
            self._checked_costs = index + 1
            if self._divergence.diverged(costs[index]):
                # One step is one course iteration: both engines say "iteration".
                raise self._divergence.error(
                    self._first_step + index, costs[index], costs[:index], self.learning_rate)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        if self._pending_steps < DIVERGENCE_CHECK_EVERY:
            return
        self._raise_if_diverged()
        if self.trainer.progress_bar_callback is not None:
            # A host tensor: the bar reads it without waiting for the device.
            self.log("train/cost", torch.tensor(self.last_cost, dtype=torch.float64),
                     prog_bar=True, logger=False)

    def on_train_epoch_end(self):
        self._raise_if_diverged()

    def on_train_end(self):
        self._raise_if_diverged()

    # -- batches ----------------------------------------------------------------------------
    def _checked(self, batch):
        """(X, Y, m_total) after the twin's input checks, run once per distinct batch.

        m_total is the number of examples over all processes of a data-parallel
        run (one all-reduce per distinct batch), None in a single process.
        """
        X, Y = batch
        checked = self._checked_batch
        if checked is not None and checked[0] is X and checked[1] is Y:
            return checked[2]
        X_checked, Y_checked = self.model.check_inputs(X, Y)
        m_total = None
        if self.trainer.world_size > 1:
            m = torch.tensor(X_checked.shape[1], dtype=torch.int64, device=X_checked.device)
            m_total = int(self.trainer.strategy.reduce(m, reduce_op="sum"))
        result = (X_checked, Y_checked, m_total)
        self._checked_batch = (X, Y, result)
        return result

    # -- steps ------------------------------------------------------------------------------
    def _common_step(self, batch, accuracy=True):
        """The loss to back-propagate and the metrics on one batch X (n_x, m), Y (n_y, m).

        ``accuracy=False`` leaves the accuracy out of the metrics (training
        iterations that are not logged skip its cost).

        In one process the loss is the cost J. In a data-parallel run of W
        processes, where this batch is one shard of m_total examples, the loss
        is W * (this shard's summed loss) / m_total: DistributedDataParallel
        averages the W gradients, which makes their mean the gradient of J over
        all m_total examples. The metrics are then the global ones, from one
        all-reduce of the shards' sums, the same on every process.
        """
        X, Y, m_total = self._checked(batch)
        classify = accuracy and self.model.task == "classification"
        if m_total is None:
            AL, cost = self.model.forward_and_cost(X, Y)
            metrics = {"cost": cost.detach()}
            if classify:
                metrics["accuracy"] = ((AL.detach() > 0.5) == Y).to(AL.dtype).mean()
            return cost, metrics, X.shape[1]

        AL, summed = self.model.forward_and_cost(X, Y, reduction="sum")
        sums = [summed.detach()]
        if classify:
            sums.append(((AL.detach() > 0.5) == Y).to(AL.dtype).sum())
        # Counts of correct predictions are whole numbers, exact in float32 up to 2**24.
        totals = self.trainer.strategy.reduce(torch.stack(sums), reduce_op="sum")
        metrics = {"cost": totals[0] / m_total}
        if classify:
            metrics["accuracy"] = totals[1] / (m_total * Y.shape[0])
        loss = summed / m_total * self.trainer.world_size
        return loss, metrics, m_total

    def training_step(self, batch, batch_idx):
        first = self.global_step
        if not (self._costs or self._pending):
            # A run resumed from a checkpoint numbers its steps from the trainer's count.
            self._first_step = first
        iterations = self.iterations_per_batch
        if self.trainer.max_steps > 0:
            iterations = min(iterations, self.trainer.max_steps - first)
        optimizer = self.optimizers()
        every = self.trainer.log_every_n_steps
        history = []
        for step in range(first, first + iterations):
            logged = bool(self.loggers) and (step + 1) % every == 0
            loss, metrics, _ = self._common_step(batch, accuracy=logged)
            optimizer.zero_grad()
            self.manual_backward(loss)
            optimizer.step()
            history.append((step, logged, metrics))
        if not history:
            return
        # The step's costs and logged metrics in one tensor on the device (one kernel),
        # read later with the other steps of the block (see _read_pending).
        logged = [(step, metrics) for step, is_logged, metrics in history if is_logged]
        values = [metrics["cost"] for _, _, metrics in history]
        values += [value for _, metrics in logged for value in metrics.values()]
        self._pending.append((torch.stack(values), len(history),
                              [(step, [f"train/{name}" for name in metrics])
                               for step, metrics in logged]))
        self._pending_steps += len(history)

    def test_step(self, batch, batch_idx):
        _, metrics, m = self._common_step(batch)
        split = getattr(self.trainer.datamodule, "test_split", "test")
        # The values are global already; sync_dist only because Lightning warns without it
        # in a data-parallel run: the weighted mean over the processes is the same value.
        for name, value in metrics.items():
            self.log(f"{split}/{name}", value, on_epoch=True, batch_size=m, sync_dist=True)

    def on_test_epoch_end(self):
        # Lightning's documented way to set the x-axis of what it logs: without a "step",
        # evaluation metrics land at its count of training batches, which is not the
        # iteration count of the train/ curves when iterations_per_batch > 1.
        self.log("step", float(self.global_step), sync_dist=True)

    def configure_optimizers(self):
        return torch.optim.SGD(self.model.parameters(), lr=self.learning_rate)


def make_trainer(
    max_steps,
    *,
    accelerator="auto",
    devices=1,
    strategy="auto",
    num_nodes=1,
    precision="64-true",
    logger=False,
    callbacks=None,
    enable_progress_bar=False,
    **trainer_kwargs,
):
    """A ``lightning.Trainer`` for ``max_steps`` full-batch steps on a small model.

    Defaults suit these runs: no sanity validation, no model summary, no
    checkpoints, every step logged. Any ``Trainer`` argument in
    ``trainer_kwargs`` overrides them (``enable_model_summary=True``, ...).

    Parameters
    ----------
    max_steps : int
        Number of gradient-descent steps (course iterations).
    accelerator : str
        "auto" picks the GPU where there is one; "cpu", "gpu"/"cuda".
    devices : int
        Devices (processes) per node: more than one trains data-parallel.
    strategy : str
        "auto" (one process; Lightning's ``ddp`` for several devices) or
        "ddp": one process per device, each on its share of the examples,
        with the full-batch gradient and cost of the one-process run at every
        step (:mod:`torch_ref.distributed`). On CPU the processes talk
        through gloo, on CUDA through NCCL.
    num_nodes : int
        Machines taking part, each running ``devices`` processes.
    precision : str
        "64-true" (float64, the NumPy side's default) or "32-true". Under
        "64-true" Lightning converts the model and the batches to float64.
    logger : bool or lightning logger
        False (default) logs nothing; pass e.g. ``TensorBoardLogger(dir)``.

    Raises
    ------
    ValueError
        One line, for an unknown strategy or a GPU accelerator without CUDA
        devices (:func:`torch_ref.distributed.check_trainer_options`).
    """
    check_positive("max_steps", max_steps, integer=True)
    distributed.check_trainer_options(accelerator, devices, strategy, num_nodes)
    options = dict(
        num_sanity_val_steps=0,
        enable_model_summary=False,
        enable_checkpointing=False,
        log_every_n_steps=1,
        # Our loaders are not torch DataLoaders, which Lightning would give a padding
        # DistributedSampler; off all the same, so that no example is ever repeated.
        use_distributed_sampler=False,
    )
    options.update(trainer_kwargs)
    return L.Trainer(
        max_steps=max_steps,
        accelerator=accelerator,
        devices=devices,
        strategy=strategy,
        num_nodes=num_nodes,
        precision=precision,
        logger=logger,
        callbacks=callbacks,
        enable_progress_bar=enable_progress_bar,
        **options,
    )


# Floating-point operations per iteration below which the twin trains on one thread:
# its tensors are then too small for torch's intra-op threads to share any work, and
# waking them at every operation only costs time (ten times the work on a busy machine).
# One thread changes no result here (the small products and sums are not split).
SMALL_WORK_FLOPS = 10_000_000


def flops_per_iteration(twin, m):
    """About 6 m |theta|: forward, dW and dA of every weight on m examples (a twin's parameters)."""
    return 6 * m * sum(parameter.numel() for parameter in twin.parameters())


def training_threads(flops):
    """Torch's intra-op threads for ``flops`` per iteration: 1 for small work, else None (as set)."""
    return 1 if flops < SMALL_WORK_FLOPS else None


@contextlib.contextmanager
def torch_threads(threads):
    """Torch's intra-op threads (and its BLAS's) set to ``threads`` for a while; None: unchanged.

    Never raises the count (a worker of a sweep keeps its share of the cores).
    """
    before = torch.get_num_threads()
    if threads is None or threads >= before:
        yield
        return
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def fit(twin, datamodule, learning_rate, num_iterations, iterations_per_batch=1,
        **make_trainer_kwargs):
    """Train ``twin`` in place for ``num_iterations`` full-batch steps; return the module.

    The trainer's precision follows the twin's dtype ("64-true" for float64,
    "32-true" for float32) unless ``precision`` is given.

    With ``devices``/``num_nodes`` for more than one process, ``fit`` must be
    called from a script (Lightning's ``ddp`` runs the script again in every
    other process of the node); the returned module then holds, in every
    process, the costs over the whole training set.

    Returns
    -------
    CourseModule
        Its ``costs`` holds the cost of every step.

    Raises
    ------
    TypeError, ValueError
        One line, before any process starts: not a twin, a bad learning rate or
        number of iterations, more processes than training examples, or a bad
        ``make_trainer`` option.
    """
    check_training_arguments(twin, learning_rate, iterations_per_batch, num_iterations)
    make_trainer_kwargs.setdefault(
        "precision", "64-true" if twin.dtype == torch.float64 else "32-true"
    )
    module = CourseModule(twin, learning_rate, iterations_per_batch)
    trainer = make_trainer(num_iterations, **make_trainer_kwargs)
    distributed.check_enough_examples(trainer, datamodule)
    trainer.fit(module, datamodule=datamodule)
    return module


def fit_arrays(twin, X, Y, learning_rate, num_iterations, iterations_per_batch=1,
               **make_trainer_kwargs):
    """:func:`fit` on arrays in memory: X (n_x, m) and Y (n_y, m), NumPy, torch or lists.

    X and Y go through the twin's own checks first (``twin.check_inputs``),
    so they are refused exactly as ``twin.cost`` refuses them: a float32 array
    for a float64 twin (or the other way round) is an error, never a silent
    conversion; integer and list input is converted to the twin's dtype where
    ``twin.cost`` converts it. One Lightning epoch holds all
    ``num_iterations`` steps, so Lightning's per-epoch work is paid once. A twin of
    less than :data:`SMALL_WORK_FLOPS` per iteration trains on one torch thread, as
    ``python -m experiments run`` trains it (:func:`training_threads`).
    """
    check_training_arguments(twin, learning_rate, iterations_per_batch, num_iterations)
    X, Y = twin.check_inputs(X, Y)
    batches = -(-num_iterations // iterations_per_batch)
    datamodule = ArrayDataModule(X, Y, steps_per_epoch=batches)
    with torch_threads(training_threads(flops_per_iteration(twin, X.shape[1]))):
        return fit(twin, datamodule, learning_rate, num_iterations, iterations_per_batch,
                   **make_trainer_kwargs)
