"""The two engines behind ``run``: the NumPy model and its Lightning-trained twin.

Both backends take the same :class:`~experiments.config.RunSpec` and the same
arrays, build their model from the same description (the twin through
``torch_ref.from_scratch`` of a NumPy model, so both start from identical
parameters), and leave the same things in their folder (``RUN/numpy`` or
``RUN/torch``):

* TensorBoard event files with ``train/cost``, ``train/accuracy`` every
  ``log_every`` iterations, ``test/accuracy`` once, the HPARAMS session;
* a checkpoint to resume from (``checkpoint.npz``; Lightning's
  ``checkpoints/last.ckpt``) and the final parameters (``params.npz``);
* ``result.json``, the backend's entry of ``summary.json``, once it has finished.

A Ctrl-C (see :mod:`experiments.interrupt`) stops either backend between two
iterations; it saves its checkpoint and raises
:class:`~experiments.interrupt.RunInterrupted`.

The Lightning backend runs ``spec.iterations_per_batch`` iterations in each
``training_step`` (:class:`torch_ref.CourseModule`), which pays Lightning's
per-step bookkeeping once per batch rather than once per iteration. Its
callbacks run between batches: a Ctrl-C stops it at the end of the current
batch (at most ``iterations_per_batch - 1`` iterations after the one it came
in), and the periodic checkpoint is written at the first batch end at or past
each multiple of ``CHECKPOINT_EVERY``. Every iteration, its cost and its
TensorBoard point are the same whatever the batch size.

With ``spec.world_size`` > 1 (``--devices N --strategy ddp``) the twin trains
data-parallel: Lightning runs the whole command again in every other process,
each of which calls :func:`run_torch` too; rank zero alone writes (folder,
checkpoints, event files with the global cost, ``params.npz``, ``result.json``).
"""

import contextlib
import json
import logging
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

import scratch
from scratch.models import classification_accuracy
from experiments import interrupt, logs
from experiments.errors import ExperimentError
from experiments.interrupt import STOP, RunInterrupted

# Iterations between two periodic checkpoints (a Ctrl-C also saves one, at once); the
# Lightning backend saves at the first batch end at or past each multiple.
CHECKPOINT_EVERY = 500
RESULT_FILE = "result.json"


@dataclass
class BackendRun:
    """What one backend produced for one run.

    Attributes
    ----------
    result : dict
        The backend's entry of ``summary.json``: ``costs``, ``train_accuracy``,
        ``test_accuracy``, ``seconds`` (and ``device`` for torch).
    params : dict of ndarray
        The trained parameters, by course name.
    predict : callable
        ``X (n_x, k) ndarray -> A[L] (n_y, k) ndarray`` of the trained model.
    writer_dir : Path
        The backend's TensorBoard folder.
    earlier : bool
        True when the backend finished in an earlier session of a resumed run.
    """

    result: dict
    params: dict
    predict: Callable
    writer_dir: Path
    earlier: bool = False


def build_numpy_model(spec, dtype):
    """The NumPy model a spec describes (also the description the twin is built from)."""
    try:
        model_class = scratch.MODELS[spec.model_name]
    except KeyError:
        raise ExperimentError(
            f"run {spec.label}: unknown model {spec.model_name!r}; "
            f"known: {', '.join(scratch.MODELS)}"
        ) from None
    return model_class(**spec.model_args, dtype=np.dtype(dtype))


def _write_json(path, data):
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def read_result(folder, iterations):
    """The finished result in ``folder`` if it covers ``iterations``, else None."""
    path = Path(folder) / RESULT_FILE
    if not path.is_file():
        return None
    result = json.loads(path.read_text())
    return result if len(result.get("costs", ())) == iterations else None


def iterations_done(folder, backend):
    """Iterations a backend's folder has checkpointed (0 when it has not started)."""
    folder = Path(folder)
    if backend == "numpy":
        checkpoint = folder / "checkpoint.npz"
        if not checkpoint.is_file():
            return 0
        with np.load(checkpoint) as state:
            return len(state["costs"])
    last = folder / "checkpoints" / "last.ckpt"
    if not last.is_file():
        return 0
    import torch

    return int(torch.load(last, map_location="cpu", weights_only=False)["global_step"])


def _accuracy_or_none(model, X, Y):
    return None if X is None or model.task != "classification" else model.accuracy(X, Y)


# ---------------------------------------------------------------------------------------
# NumPy
# ---------------------------------------------------------------------------------------


def _save_npz(path, arrays):
    """``np.savez`` to a temporary file, then renamed: a Ctrl-C never leaves half a file."""
    tmp = Path(f"{path}.tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(tmp, path)


def _save_numpy_checkpoint(path, model, costs, seconds):
    arrays = {f"param.{name}": value for name, value in model.params.items()}
    arrays["costs"] = np.asarray(costs, dtype=np.float64)
    arrays["seconds"] = np.asarray(seconds)
    _save_npz(path, arrays)


def _load_numpy_checkpoint(path):
    with np.load(path) as state:
        params = {key[len("param."):]: state[key]
                  for key in state.files if key.startswith("param.")}
        return params, state["costs"].tolist(), float(state["seconds"])


class _Stop(Exception):
    """Raised from the training callback to leave ``scratch.train`` after an iteration."""


def numpy_predictor(model):
    return lambda X: model.forward(X)[0]


def run_numpy(spec, arrays, folder, *, dtype="float64", quiet=False, resume=False, hparams=None):
    """Train the NumPy model of ``spec`` with ``scratch.train``, logging as Lightning would.

    Parameters
    ----------
    spec : experiments.config.RunSpec
    arrays : experiments.datasets.Arrays
    folder : Path
        The backend's folder (``RUN/numpy``).
    dtype : str
    quiet : bool
        No progress bar.
    resume : bool
        Continue from ``folder/checkpoint.npz`` when it exists.
    hparams : dict, optional
        Hyperparameters for the HPARAMS tab (``spec.params()`` by default).

    Returns
    -------
    BackendRun
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = build_numpy_model(spec, dtype)
    checkpoint = folder / "checkpoint.npz"
    costs, seconds = [], 0.0
    if resume and checkpoint.is_file():
        params, costs, seconds = _load_numpy_checkpoint(checkpoint)
        model.load_params(params)
    start, end = len(costs), spec.iterations
    X, Y = arrays.X_train, arrays.Y_train
    classify = model.task == "classification"
    every = spec.log_every

    writer = logs.open_writer(folder)
    try:
        began = time.perf_counter()

        def callback(iteration, cost, model, AL):
            costs.append(cost)
            if logs.should_log(iteration, every):
                writer.add_scalar(logs.TRAIN_COST, cost, iteration)
                if classify:
                    # AL is from before this iteration's update, as in Lightning's training_step.
                    writer.add_scalar(logs.TRAIN_ACCURACY, classification_accuracy(AL, Y),
                                      iteration)
            done = iteration + 1
            if done % CHECKPOINT_EVERY == 0 and done < end:
                _save_numpy_checkpoint(checkpoint, model, costs,
                                       seconds + time.perf_counter() - began)
            interrupt.on_iteration("numpy", iteration)
            if STOP.requested and done < end:
                raise _Stop

        if start < end:
            try:
                scratch.train(model, X, Y, spec.learning_rate, end - start, progress=not quiet,
                              callback=callback, start_iteration=start)
            except _Stop:
                _save_numpy_checkpoint(checkpoint, model, costs,
                                       seconds + time.perf_counter() - began)
                raise RunInterrupted("numpy", len(costs)) from None
        seconds += time.perf_counter() - began
        _save_numpy_checkpoint(checkpoint, model, costs, seconds)
        _save_npz(folder / "params.npz", model.params)

        result = {
            "costs": [float(c) for c in costs],
            "train_accuracy": _accuracy_or_none(model, X, Y),
            "test_accuracy": _accuracy_or_none(model, arrays.X_test, arrays.Y_test),
            "seconds": seconds,
        }
        if arrays.has_test and classify:
            # Lightning logs trainer.test's metrics at the step count after training.
            writer.add_scalar(logs.TEST_ACCURACY, result["test_accuracy"], end)
        params = dict(hparams or spec.params(), backend="numpy")
        logs.log_hparams(writer, params, logs.final_metrics(result), step=end)
    finally:
        writer.close()
    _write_json(folder / RESULT_FILE, result)
    return BackendRun(result, {k: v.copy() for k, v in model.params.items()},
                      numpy_predictor(model), folder)


def load_numpy_run(spec, folder, result, dtype="float64"):
    """The :class:`BackendRun` of a NumPy backend that finished in an earlier session."""
    model = build_numpy_model(spec, dtype)
    with np.load(Path(folder) / "params.npz") as params:
        model.load_params({name: params[name] for name in params.files})
    return BackendRun(result, dict(model.params), numpy_predictor(model), Path(folder),
                      earlier=True)


# ---------------------------------------------------------------------------------------
# PyTorch through Lightning
# ---------------------------------------------------------------------------------------


def torch_device(name):
    """Resolve ``--device`` ("auto", "cpu", "cuda") to "cpu" or "cuda"; error without a GPU."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ExperimentError(
            "--device cuda: no CUDA GPU is available to PyTorch here; use --device cpu or auto"
        )
    if name not in ("cpu", "cuda"):
        raise ExperimentError(f"--device must be auto, cpu or cuda, got {name!r}")
    return name


def _import_class(class_path):
    import importlib

    module_name, _, name = class_path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError):
        raise ExperimentError(f"cannot import data module {class_path!r}") from None


def batches_per_run(spec):
    """Lightning batches (training steps) of a run: ceil(iterations / iterations_per_batch)."""
    return -(-spec.iterations // spec.iterations_per_batch)


def build_datamodule(spec, dtype):
    """The Lightning data module the spec's ``data`` section describes.

    Unless the config says otherwise, one Lightning epoch holds all the run's
    batches (``steps_per_epoch``, where the module has it, is
    :func:`batches_per_run`): Lightning's per-epoch work is paid once.
    """
    import inspect

    data_class = _import_class(spec.data_class_path)
    args = dict(spec.data_args)
    if "steps_per_epoch" in inspect.signature(data_class).parameters:
        args.setdefault("steps_per_epoch", batches_per_run(spec))
    return data_class(**args, dtype=dtype)


def _check_same_data(datamodule, arrays, label):
    """Both backends must train on the same numbers; a drift between loaders is a bug."""
    pairs = [("X_train", arrays.X_train), ("Y_train", arrays.Y_train)]
    if arrays.has_test:
        pairs += [("X_test", arrays.X_test), ("Y_test", arrays.Y_test)]
    for name, expected in pairs:
        tensor = getattr(datamodule, name, None)
        if tensor is None or not np.array_equal(tensor.detach().cpu().numpy(), expected):
            raise ExperimentError(
                f"run {label}: {type(datamodule).__name__}.{name} differs from the NumPy "
                "backend's data; the two loaders disagree"
            )


def _make_callbacks(checkpoint_path, description, progress_bar):
    """The Lightning callbacks ``run`` adds.

    Returns (run_state, callbacks): the cost history across resumes, Ctrl-C,
    the periodic checkpoint and, with ``progress_bar``, a bar that counts
    iterations. All of them act between batches, at the same ``global_step`` in
    every process of a data-parallel run (their collectives must match).
    """
    import lightning as L
    from lightning.pytorch.callbacks import TQDMProgressBar

    class RunState(L.Callback):
        """Carries the costs and seconds of earlier sessions through the checkpoint."""

        def __init__(self):
            self.previous_costs = []
            self.previous_seconds = 0.0
            self.began = self.ended = None
            self.module = None

        @property
        def state_key(self):
            return "experiments.RunState"

        def setup(self, trainer, pl_module, stage):
            self.module = pl_module

        def on_train_start(self, trainer, pl_module):
            self.began, self.ended = time.perf_counter(), None

        def on_train_end(self, trainer, pl_module):
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

    class StopOnCtrlC(BatchCallback):
        """Ends ``fit`` after the current batch when Ctrl-C was pressed in any process."""

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

    class PeriodicCheckpoint(BatchCallback):
        """``last.ckpt`` at the first batch end at or past each multiple of CHECKPOINT_EVERY.

        Not at the end of training: ``run_torch`` saves that one itself.
        """

        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            step = trainer.global_step
            if (step // CHECKPOINT_EVERY > self.batch_start // CHECKPOINT_EVERY
                    and step < trainer.max_steps):
                trainer.save_checkpoint(checkpoint_path, weights_only=False)

    class IterationProgressBar(TQDMProgressBar):
        """Lightning's bar counting iterations (``global_step``) instead of batches, as
        the NumPy backend's bar does; rank zero's only."""

        @property
        def train_description(self):
            return description

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

    state = RunState()
    callbacks = [state, StopOnCtrlC(), PeriodicCheckpoint()]
    if progress_bar:
        callbacks.append(IterationProgressBar())
    return state, callbacks


@contextlib.contextmanager
def quiet_lightning(quiet):
    """Hide Lightning's banner lines (GPU available, Initializing distributed, ...) and
    known noise in quiet mode."""
    loggers = [logging.getLogger(name) for name in ("lightning.pytorch", "lightning.fabric")]
    levels = [logger.level for logger in loggers]
    if quiet:
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


# Trainer settings ``run`` decides itself; the config's other trainer keys pass through.
_RUN_TRAINER_KEYS = {
    "max_steps", "log_every_n_steps", "default_root_dir", "precision", "accelerator", "devices",
    "strategy", "num_nodes", "logger", "callbacks", "enable_progress_bar", "enable_checkpointing",
}


def _example_input(twin, X):
    """A few training examples, the input traced for TensorBoard's GRAPHS tab."""
    import torch

    return torch.as_tensor(X[:, : min(8, X.shape[1])], dtype=twin.dtype, device=twin.device)


def _module_has_forward(module):
    from lightning import LightningModule

    return type(module).forward is not LightningModule.forward


def _log_twin_graph(logger, twin, example):
    """The twin's graph, for a LightningModule without a ``forward`` to trace."""
    with warnings.catch_warnings():
        # The twin's input checks read the values through NumPy; the tracer warns that
        # they become constants of the trace, which is what we want here.
        warnings.simplefilter("ignore")
        logger.experiment.add_graph(twin, example.to(twin.device))


def torch_predictor(twin):
    import torch

    def predict(X):
        with torch.no_grad():
            return twin(torch.as_tensor(X, dtype=twin.dtype, device=twin.device)).cpu().numpy()

    return predict


def run_torch(spec, arrays, folder, *, dtype="float64", device="cpu", quiet=False, resume=False,
              hparams=None):
    """Train the twin of ``spec``'s NumPy model through Lightning.

    The twin comes from ``torch_ref.from_scratch`` of a freshly built NumPy
    model (identical initial parameters), in a ``torch_ref.CourseModule`` running
    ``spec.iterations_per_batch`` iterations per training step; the data from
    the config's data module, checked equal to ``arrays``; the trainer from
    ``torch_ref.make_trainer`` (``spec.devices``, ``spec.strategy``,
    ``spec.num_nodes``) with a ``TensorBoardLogger`` writing into ``folder``.
    Arguments as :func:`run_numpy`, plus ``device`` ("cpu" or "cuda": gloo or
    NCCL between the processes of a data-parallel run).

    In a data-parallel run every process calls this function with the same
    arguments; rank zero alone writes anything and returns the
    :class:`BackendRun`, the other processes return None after the test.
    """
    from lightning.pytorch.loggers import TensorBoardLogger

    import torch_ref
    from torch_ref import distributed

    folder = Path(folder)
    if distributed.is_global_zero():
        folder.mkdir(parents=True, exist_ok=True)
    twin = torch_ref.from_scratch(build_numpy_model(spec, dtype), dtype=dtype, device=device)
    module = torch_ref.CourseModule(twin, spec.learning_rate, spec.iterations_per_batch)
    datamodule = build_datamodule(spec, dtype)
    datamodule.setup("fit")
    _check_same_data(datamodule, arrays, spec.label)

    example = _example_input(twin, arrays.X_train)
    # Lightning logs the graph at the start of fit (logger.log_graph with the module's
    # example input) when the module has a forward to trace; otherwise it is done below.
    lightning_graph = _module_has_forward(module)
    if lightning_graph:
        module.example_input_array = example
    logger = TensorBoardLogger(save_dir=str(folder.parent), name="", version=folder.name,
                               default_hp_metric=False, log_graph=lightning_graph)
    last = folder / "checkpoints" / "last.ckpt"
    state, callbacks = _make_callbacks(last, f"{type(twin).__name__} (Lightning)",
                                       progress_bar=not quiet)
    extra = {k: v for k, v in spec.trainer_args.items() if k not in _RUN_TRAINER_KEYS}
    # Every process decides alike: they read the same folder (same machine or shared disk).
    ckpt_path = str(last) if resume and last.is_file() else None
    with quiet_lightning(quiet):
        trainer = torch_ref.make_trainer(
            spec.iterations,
            accelerator="gpu" if device == "cuda" else "cpu",
            devices=spec.devices,
            strategy=spec.strategy,
            num_nodes=spec.num_nodes,
            precision="64-true" if np.dtype(dtype) == np.float64 else "32-true",
            logger=logger,
            callbacks=callbacks,
            enable_progress_bar=not quiet,
            # No ModelCheckpoint: the periodic one is ours, the final one is saved below.
            enable_checkpointing=False,
            log_every_n_steps=spec.log_every,
            **extra,
        )
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
        # Saved by hand so that last.ckpt is the state at the very end (or at the Ctrl-C).
        # Every process calls it (it synchronises them); rank zero writes the file.
        trainer.save_checkpoint(last, weights_only=False)
        if trainer.world_size > 1 and trainer.strategy.reduce_boolean_decision(
                STOP.requested, all=False):
            STOP.request()  # every process then stops before the next backend or run alike
        if trainer.global_step < spec.iterations:
            raise RunInterrupted("torch", trainer.global_step)
        costs = state.costs()
        seconds = state.seconds()

        test_accuracy = None
        if arrays.has_test and twin.task == "classification":
            (metrics,) = trainer.test(module, datamodule=datamodule, verbose=False)
            test_accuracy = float(metrics["test/accuracy"])
    if not trainer.is_global_zero:
        return None
    twin.to(device)
    train_accuracy = (
        twin.accuracy(datamodule.X_train, datamodule.Y_train)
        if twin.task == "classification" else None
    )
    result = {
        "costs": [float(c) for c in costs],
        "train_accuracy": train_accuracy,
        "test_accuracy": test_accuracy,
        "seconds": seconds,
        "device": str(device),
        "world_size": trainer.world_size,
    }
    if not lightning_graph:
        _log_twin_graph(logger, twin, example)
    params = dict(hparams or spec.params(), backend="torch")
    logger.log_hyperparams(logs.tensorboard_hparams(params), logs.final_metrics(result),
                           step=spec.iterations)
    logger.finalize("success")
    params_np = torch_ref.to_numpy_params(twin)
    _save_npz(folder / "params.npz", params_np)
    _write_json(folder / RESULT_FILE, result)
    return BackendRun(result, params_np, torch_predictor(twin), folder)


def load_torch_run(spec, folder, result, dtype="float64", device="cpu"):
    """The :class:`BackendRun` of a torch backend that finished in an earlier session."""
    import torch_ref

    twin = torch_ref.from_scratch(build_numpy_model(spec, dtype), dtype=dtype, device=device)
    with np.load(Path(folder) / "params.npz") as params:
        torch_ref.load_numpy_params(twin, {name: params[name] for name in params.files})
    return BackendRun(result, torch_ref.to_numpy_params(twin), torch_predictor(twin),
                      Path(folder), earlier=True)


BACKENDS = ("numpy", "torch")
