"""The PyTorch engine: the twin of the run's NumPy model, trained through Lightning.

The twin comes from ``torch_ref.from_scratch`` of a freshly built NumPy model
(identical initial parameters) inside a ``torch_ref.CourseModule`` running
``spec.iterations_per_batch`` iterations per ``training_step``; the data is the
run's data module; the trainer is ``torch_ref.make_trainer`` with a
``TensorBoardLogger`` writing into the backend's folder.

Callbacks run between batches: a signal stops the run at the end of the current
batch, and the periodic checkpoint (``checkpoints/last.ckpt``) is written at the
first batch end at or past each multiple of
:data:`~experiments.backends.CHECKPOINT_EVERY`.

Bookkeeping stays off the iterations: the logger (:class:`BufferedTensorBoardLogger`)
keeps the TensorBoard points in memory and writes them in bulk at each periodic
checkpoint and at the end, and a twin of less than :data:`SMALL_WORK_FLOPS` per
iteration trains on one torch thread (:func:`training_threads`).

With ``spec.world_size`` > 1 (``--devices N --strategy ddp``) the twin trains
data-parallel: Lightning runs the whole command again in every other process,
each of which calls :meth:`LightningBackend.train` too; rank zero alone writes.
"""

import contextlib
import copy
import inspect
import logging
import os
import re
import time
import warnings
from pathlib import Path

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import TQDMProgressBar
from lightning.pytorch.loggers import TensorBoardLogger
from lightning.pytorch.utilities import rank_zero_only

import torch_ref
from experiments import backends, interrupt, logs
from experiments.backends import BackendRun, build_numpy_model, load_params_from
from experiments.errors import ExperimentError, os_error_message
from experiments.interrupt import STOP, RunInterrupted
from experiments.run_folder import PARAMS_FILE, check_costs, load_npz, save_npz
# The one-thread rule for small twins lives with fit_arrays, which follows it too.
from torch_ref.lightning import (  # noqa: F401  (SMALL_WORK_FLOPS: part of this interface)
    SMALL_WORK_FLOPS,
    flops_per_iteration,
    torch_threads,
    training_threads,
)

CHECKPOINT_PATH = Path("checkpoints") / "last.ckpt"

# Trainer settings ``run`` decides itself; the config's other trainer keys pass through.
RUN_TRAINER_KEYS = {
    "max_steps", "log_every_n_steps", "default_root_dir", "precision", "accelerator", "devices",
    "strategy", "num_nodes", "logger", "callbacks", "enable_progress_bar", "enable_checkpointing",
}


class BufferedTensorBoardLogger(TensorBoardLogger):
    """Lightning's ``TensorBoardLogger`` with its scalars written in bulk.

    ``log_metrics`` keeps the points in memory (:class:`experiments.logs.ScalarBuffer`);
    :meth:`flush_scalars` writes them into an :class:`experiments.logs.EventFile` of the
    logger's folder, at each periodic checkpoint and at the end, instead of one
    ``SummaryWriter.add_scalar`` (about 140 us of Python) per point. Everything else
    (hyperparameters, graph, images) goes through the ``SummaryWriter`` as before.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._buffers = {}
        self._events = None

    @rank_zero_only
    def log_metrics(self, metrics, step=None):
        plain = {}
        for name, value in metrics.items():
            if isinstance(value, torch.Tensor):
                value = value.item()
            if isinstance(value, dict) or self._prefix:
                super().log_metrics({name: value}, step)
            else:
                plain[name] = float(value)
        if plain:
            tags = tuple(plain)
            buffer = self._buffers.get(tags)
            if buffer is None:
                buffer = self._buffers[tags] = logs.ScalarBuffer(tags)
            buffer.add(int(step or 0), *plain.values())

    @rank_zero_only
    def flush_scalars(self):
        """Write the points logged so far into the event file."""
        if not any(self._buffers.values()):
            return
        if self._events is None:
            self._events = logs.EventFile(self.log_dir)
        for buffer in self._buffers.values():
            buffer.write(self._events)

    @rank_zero_only
    def log_session(self, params, metrics, step):
        """This run's row of the HPARAMS tab, written as the NumPy backend writes its own
        (:func:`experiments.logs.log_hparams`); ``hparams.yaml`` still gets ``params``."""
        self.hparams.update(params)
        self.flush_scalars()
        if self._events is None:
            self._events = logs.EventFile(self.log_dir)
        logs.log_hparams(self._events, params, metrics, step=step)

    def finalize(self, status):
        self.flush_scalars()
        super().finalize(status)

    def close_scalars(self):
        """Flush and close the event file (a later point opens a new one)."""
        self.flush_scalars()
        if self._events is not None:
            self._events.close()
            self._events = None


class RunState(L.Callback):
    """Carries the costs and seconds of earlier sessions through the checkpoint."""

    state_key = "experiments.RunState"

    def __init__(self):
        self.previous_costs = []
        self.previous_seconds = 0.0
        self.began = self.ended = None
        self.module = None

    def setup(self, trainer, pl_module, stage):
        self.module = pl_module

    def on_train_start(self, trainer, pl_module):
        self.began, self.ended = time.perf_counter(), None

    def on_train_end(self, trainer, pl_module):
        # The last block of costs read first: the device has then done every iteration
        # (callbacks' hooks run before the module's, which would read it).
        _ = pl_module.costs
        self.ended = time.perf_counter()

    def seconds(self):
        if self.began is None:
            return self.previous_seconds
        return self.previous_seconds + (self.ended or time.perf_counter()) - self.began

    def costs(self):
        return self.previous_costs + (list(self.module.costs) if self.module else [])

    def state_dict(self):
        return {"costs": self.costs(), "seconds": self.seconds()}

    def load_state_dict(self, state_dict):
        self.previous_costs = list(state_dict["costs"])
        self.previous_seconds = float(state_dict["seconds"])


class BatchCallback(L.Callback):
    """Knows the iterations of the batch that just ended: [batch_start, global_step)."""

    batch_start = 0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.batch_start = trainer.global_step


class StopOnSignal(BatchCallback):
    """Ends ``fit`` after the current batch when a signal asked any process to stop."""

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        for iteration in range(self.batch_start, trainer.global_step):
            interrupt.on_iteration("torch", iteration)
        requested = STOP.requested
        if trainer.world_size > 1:
            # All processes stop after the same batch; one that went on would wait
            # forever for the others in the next iteration's all-reduce.
            requested = trainer.strategy.reduce_boolean_decision(requested, all=False)
        if requested:
            trainer.should_stop = True


def save_checkpoint(trainer, path):
    """``trainer.save_checkpoint(path)`` through a temporary file and a rename, like every
    file of a run folder: a full disk or a crash while saving leaves the previous one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        trainer.save_checkpoint(tmp, weights_only=False)
        if trainer.is_global_zero:
            os.replace(tmp, path)
    except OSError as exc:
        if trainer.is_global_zero:
            tmp.unlink(missing_ok=True)
        exc.filename = None  # the temporary file: name the checkpoint itself
        raise ExperimentError(os_error_message(exc, "write", path)) from None


class PeriodicCheckpoint(BatchCallback):
    """``last.ckpt`` at the first batch end at or past each multiple of backends.CHECKPOINT_EVERY.

    Not at the end of training: :meth:`LightningBackend.train` saves that one itself.
    """

    def __init__(self, path):
        self.path = path

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step = trainer.global_step
        if (step // backends.CHECKPOINT_EVERY > self.batch_start // backends.CHECKPOINT_EVERY
                and step < trainer.max_steps):
            save_checkpoint(trainer, self.path)
            # The TensorBoard points up to the checkpoint, as the NumPy backend writes them.
            if isinstance(trainer.logger, BufferedTensorBoardLogger):
                trainer.logger.flush_scalars()


class IterationProgressBar(TQDMProgressBar):
    """Lightning's bar counting iterations (``global_step``) instead of batches, as the
    NumPy backend's bar does; rank zero's only."""

    def __init__(self, description):
        super().__init__()
        self.description = description

    @property
    def train_description(self):
        return self.description

    def on_train_epoch_start(self, trainer, *args):
        if self._leave:
            self.train_progress_bar = self.init_train_tqdm()
        bar = self.train_progress_bar
        bar.reset(total=trainer.max_steps)
        bar.initial = bar.n = trainer.global_step  # the rate counts this session only
        bar.refresh()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        bar = self.train_progress_bar
        if bar is not None and not bar.disable:
            bar.n = trainer.global_step
            bar.set_postfix(self.get_metrics(trainer, pl_module))  # also redraws

    def get_metrics(self, trainer, pl_module):
        metrics = super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)  # the logger's version: "torch", cut to "orch"
        return metrics


@contextlib.contextmanager
def quiet_lightning():
    """Hide Lightning's information lines and known noise; its warnings still show.

    The information lines ("GPU available: False, used: False", the TPU line, a tip to
    install a cloud logger, "`Trainer.fit` stopped: `max_steps=...` reached") say nothing
    the run's own report does not.
    """
    loggers = [logging.getLogger(name) for name in ("lightning.pytorch", "lightning.fabric")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # One full batch per step: worker processes would only add start-up time.
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*number of training batches.*")
        # Lightning 2.6 internals on torch 2.13; nothing a user of this project can act on.
        warnings.filterwarnings("ignore", message=".*treespec, LeafSpec.*")
        # A resumed run restarts Lightning's epoch mid-way; harmless here, where every
        # batch is the same full training set.
        warnings.filterwarnings("ignore", message=".*from a checkpoint that ended before the epoch.*")
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def torch_device(name):
    """Resolve ``--device`` ("auto", "cpu", "cuda") to "cpu" or "cuda"; error without a GPU."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ExperimentError(
            "--device cuda: no CUDA GPU is available to PyTorch here; use --device cpu or auto")
    if name not in ("cpu", "cuda"):
        raise ExperimentError(f"--device must be auto, cpu or cuda, got {name!r}")
    return name


def _predictor(twin):
    def predict(X):
        with torch.no_grad():
            return twin(torch.as_tensor(X, dtype=twin.dtype, device=twin.device)).cpu().numpy()

    return predict


def _log_graph(logger, twin, X):
    """The twin's graph on a few training examples, for TensorBoard's GRAPHS tab."""
    example = torch.as_tensor(X[:, : min(8, X.shape[1])], dtype=twin.dtype, device=twin.device)
    with warnings.catch_warnings():
        # The twin's input checks read the values through NumPy; the tracer warns that
        # they become constants of the trace, which is what we want here.
        warnings.simplefilter("ignore")
        logger.experiment.add_graph(twin, example)


def _read_checkpoint(path, twin=None):
    """The Lightning checkpoint at ``path``, checked; one line naming the file when it is not
    one this project wrote.

    Only tensors and plain data are loaded (``weights_only=True``): a crafted checkpoint
    whose unpickling would run code is refused, and nothing of it runs. The iteration count,
    the recorded costs (finite, one per iteration) and, given ``twin``, the parameters'
    names, shapes and values are checked as strictly as a user's input.
    """
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise ExperimentError(f"{path} is a folder, not the Lightning checkpoint of this run "
                              "folder") from None
    except Exception as exc:  # truncated zip, unpickling errors, refused globals
        found = re.search(r"GLOBAL ([\w.]+)", str(exc))
        if found or "Unsupported global" in str(exc) or "Unsupported class" in str(exc):
            name = found.group(1) if found else "an object"
            raise ExperimentError(
                f"{path} is refused: loading it would call {name}, and loading a checkpoint "
                "could run code that way; only tensors and plain data are loaded (the "
                "checkpoints this project writes hold nothing else; delete it to restart that "
                "backend from its beginning)") from None
        raise ExperimentError(f"{path} is damaged ({type(exc).__name__}): cannot read the "
                              "Lightning checkpoint of this run folder") from None

    def damaged(problem):
        return ExperimentError(f"{path} is damaged: {problem}")

    if not isinstance(state, dict):
        raise damaged("it is not a Lightning checkpoint")
    step = state.get("global_step")
    if not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise damaged(f"global_step is {step!r}, expected a count of iterations")
    run_state = (state.get("callbacks") or {}).get(RunState.state_key)
    if not isinstance(run_state, dict):
        raise damaged("it holds no costs (the run's state)")
    check_costs(path, run_state.get("costs"), where="costs")
    if len(run_state["costs"]) != step:
        raise damaged(f"it holds {len(run_state['costs'])} costs for {step} iterations")
    seconds = run_state.get("seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not (
            np.isfinite(seconds) and seconds >= 0):
        raise damaged(f"seconds is {seconds!r}, expected a number of seconds")
    weights = state.get("state_dict")
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor)
                                                for v in weights.values()):
        raise damaged("it holds no parameters (state_dict)")
    if twin is not None:
        prefix = "model."
        params = {key[len(prefix):]: value for key, value in weights.items()
                  if isinstance(key, str) and key.startswith(prefix)}
        extra = sorted(key for key in weights if not str(key).startswith(prefix))
        if extra:
            raise damaged(f"unexpected entries {extra} in its state_dict")
        load_params_from(path, copy.deepcopy(twin), params)  # names, shapes, finite values
    return state


def _plain_data_only(trainer):
    """``weights_only=True`` for ``fit`` where Lightning takes it (2.5 on): tensors and plain
    data only, as :func:`_read_checkpoint` has already checked."""
    return ({"weights_only": True}
            if "weights_only" in inspect.signature(trainer.fit).parameters else {})


class LightningBackend:
    """Trains the twin of a run's NumPy model with a Lightning ``Trainer``."""

    name = "torch"

    def iterations_done(self, folder, job=None):
        path = Path(folder) / CHECKPOINT_PATH
        if not path.exists():
            return 0
        return _read_checkpoint(path, None if job is None else self._twin(job))["global_step"]

    def _twin(self, job):
        return torch_ref.from_scratch(build_numpy_model(job.spec, job.dtype), dtype=job.dtype,
                                      device=job.device)

    def train(self, job):
        spec, data, folder = job.spec, job.data, Path(job.folder)
        rank_zero = torch_ref.distributed.is_global_zero(spec.world_size)
        if rank_zero:
            folder.mkdir(parents=True, exist_ok=True)
        twin = self._twin(job)
        module = torch_ref.CourseModule(twin, spec.learning_rate, spec.iterations_per_batch)
        datamodule = data.datamodule
        logger = BufferedTensorBoardLogger(save_dir=str(folder.parent), name="",
                                           version=folder.name, default_hp_metric=False)
        last = folder / CHECKPOINT_PATH
        state = RunState()
        callbacks = [state, StopOnSignal(), PeriodicCheckpoint(last)]
        if not job.quiet:
            callbacks.append(IterationProgressBar(f"{type(twin).__name__} (Lightning)"))
        extra = {k: v for k, v in spec.trainer_args.items() if k not in RUN_TRAINER_KEYS}
        # Every process decides alike: they read the same folder (same machine or shared disk).
        ckpt_path = None
        if job.resume and last.exists():
            _read_checkpoint(last, twin)  # a damaged checkpoint is one line, before Lightning
            ckpt_path = str(last)
        threads = training_threads(flops_per_iteration(twin, data.X_train.shape[1]))
        with quiet_lightning(), torch_threads(threads):
            trainer = torch_ref.make_trainer(
                spec.iterations,
                accelerator="gpu" if job.device == "cuda" else "cpu",
                devices=spec.devices,
                strategy=backends.trainer_strategy(spec),
                num_nodes=spec.num_nodes,
                precision="64-true" if np.dtype(job.dtype) == np.float64 else "32-true",
                logger=logger,
                callbacks=callbacks,
                enable_progress_bar=not job.quiet,
                # No ModelCheckpoint: the periodic one is ours, the final one is saved below.
                enable_checkpointing=False,
                log_every_n_steps=spec.log_every,
                **extra,
            )
            with backends.rendezvous_errors(spec):
                interrupt.guard_lightning_exit(trainer.fit, module, datamodule=datamodule,
                                               ckpt_path=ckpt_path, **_plain_data_only(trainer))
            # Saved by hand so that last.ckpt is the state at the very end (or at the signal).
            # Every process calls it (it synchronises them); rank zero writes the file.
            save_checkpoint(trainer, last)
            logger.flush_scalars()  # the points up to the end (or the signal)
            if trainer.world_size > 1 and trainer.strategy.reduce_boolean_decision(
                    STOP.requested, all=False):
                STOP.request()  # every process then stops before the next backend or run alike
            if trainer.global_step < spec.iterations:
                raise RunInterrupted("torch", trainer.global_step)
            costs = state.costs()
            seconds = state.seconds()
            test_accuracy = None
            if data.has_test and twin.task == "classification":
                (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
                test_accuracy = float(metrics["test/accuracy"])
        if not trainer.is_global_zero:
            return None
        twin.to(job.device)
        train_accuracy = (twin.accuracy(datamodule.X_train, datamodule.Y_train)
                          if twin.task == "classification" else None)
        result = {
            "costs": [float(c) for c in costs],
            "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy,
            "seconds": seconds,
            "device": str(job.device),
            "world_size": trainer.world_size,
        }
        _log_graph(logger, twin, data.X_train)
        params = dict(job.hparams or spec.params(), backend=self.name)
        logger.log_session(params, logs.final_metrics(result), step=spec.iterations)
        logger.finalize("success")
        logger.close_scalars()
        params_np = torch_ref.to_numpy_params(twin)
        save_npz(folder / PARAMS_FILE, params_np)
        return BackendRun(result, params_np, _predictor(twin), folder)

    def load(self, job, result):
        twin = self._twin(job)
        path = Path(job.folder) / PARAMS_FILE
        load_params_from(path, twin, load_npz(path, "torch parameters"))
        return BackendRun(result, torch_ref.to_numpy_params(twin), _predictor(twin),
                          Path(job.folder), earlier=True)
