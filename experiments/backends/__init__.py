"""The engines behind ``run``, each behind one small protocol.

A backend trains the model of a :class:`~experiments.config.RunSpec` on a
:class:`~experiments.data.RunData` into its own folder (``RUN/numpy``,
``RUN/torch``) and hands back a :class:`BackendRun`::

    backend = BACKENDS["numpy"]
    run = backend.train(job)                  # trains (or continues) and returns the run
    run = backend.load(job, result)           # one that finished in an earlier session
    backend.iterations_done(folder, job)      # iterations its checkpoint holds, checked

Both leave the same things in their folder: TensorBoard event files with the
tags of :mod:`experiments.logs`, a checkpoint to resume from and the final
parameters (``params.npz``). The runner writes ``result.json``. Both stop
between two iterations when a signal asks them to (:mod:`experiments.interrupt`),
save a checkpoint of a consistent state and raise
:class:`~experiments.interrupt.RunInterrupted`.

Adding an engine is one file here and one entry in :data:`BACKENDS`.
"""

import contextlib
import datetime
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Protocol

import numpy as np

import scratch
from experiments.errors import ExperimentError

# Iterations between two periodic checkpoints (a signal also saves one, at once).
CHECKPOINT_EVERY = 500
# Seconds the processes of a data-parallel run wait for each other to join, at most.
RENDEZVOUS_ENV = "NNDL_RENDEZVOUS_TIMEOUT"
DEFAULT_RENDEZVOUS_SECONDS = 300


@dataclass
class TrainJob:
    """One backend's share of one run.

    Attributes
    ----------
    spec : experiments.config.RunSpec
    data : experiments.data.RunData
    folder : Path
        The backend's folder.
    dtype : str
        "float64" or "float32".
    device : str
        "cpu" or "cuda" (the torch backend).
    quiet : bool
        No progress bar.
    resume : bool
        Continue from the folder's checkpoint when there is one.
    hparams : dict
        Hyperparameters for TensorBoard's HPARAMS tab.
    """

    spec: object
    data: object
    folder: Path
    dtype: str = "float64"
    device: str = "cpu"
    quiet: bool = False
    resume: bool = False
    hparams: Optional[dict] = None


@dataclass
class BackendRun:
    """What one backend produced for one run.

    Attributes
    ----------
    result : dict
        The backend's entry of ``summary.json``: ``costs``, ``train_accuracy``,
        ``test_accuracy``, ``seconds`` (and ``device``, ``world_size`` for torch).
    params : dict of ndarray
        The trained parameters, by course name.
    predict : callable
        ``X (n_x, k) ndarray -> A[L] (n_y, k) ndarray`` of the trained model.
    log_dir : Path
        The backend's TensorBoard folder.
    earlier : bool
        True when the backend finished in an earlier session of a resumed run.
    """

    result: dict
    params: dict
    predict: Callable
    log_dir: Path
    earlier: bool = False


class Backend(Protocol):
    """What the runner needs of an engine."""

    name: str

    def train(self, job: TrainJob) -> Optional[BackendRun]:
        """Train (or continue) ``job``; None in a data-parallel process other than rank zero."""

    def load(self, job: TrainJob, result: dict) -> BackendRun:
        """The run of a backend that finished in an earlier session, from its folder."""

    def iterations_done(self, folder: Path, job: Optional[TrainJob] = None) -> int:
        """Iterations the folder's checkpoint holds (0 when it has not started).

        Given ``job``, the checkpoint is also checked against the job's model (names,
        shapes, finite values), so that a resume refuses a damaged one before it writes.
        """


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


def load_params_from(path, model, params):
    """``model.load_params(params)`` (a NumPy model or a twin) for parameters read from ``path``.

    Wrong names, shapes, dtypes or values become one line naming the file: parameters
    read back from a run folder are checked as strictly as a user's.
    """
    try:
        model.load_params(params)
    except (KeyError, ValueError, TypeError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise ExperimentError(f"{path} does not hold this run's parameters: "
                              f"{' '.join(str(message).split())}") from None
    return model


def accuracy_or_none(model, X, Y):
    """``model.accuracy(X, Y)`` for a classifier with data, else None."""
    return None if X is None or model.task != "classification" else model.accuracy(X, Y)


def rendezvous_seconds():
    """``$NNDL_RENDEZVOUS_TIMEOUT`` (checked) or :data:`DEFAULT_RENDEZVOUS_SECONDS`."""
    text = os.environ.get(RENDEZVOUS_ENV, "")
    if text == "":
        return DEFAULT_RENDEZVOUS_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ExperimentError(f"{RENDEZVOUS_ENV}={text!r}: expected a positive number of seconds")
    return seconds


def trainer_strategy(spec):
    """The Lightning strategy of ``spec``: its name for one process; for several, ``ddp``
    whose processes give up waiting for each other after :func:`rendezvous_seconds`."""
    if spec.world_size == 1:
        return spec.strategy
    from lightning.pytorch.strategies import DDPStrategy

    return DDPStrategy(timeout=datetime.timedelta(seconds=rendezvous_seconds()))


@contextlib.contextmanager
def rendezvous_errors(spec):
    """Turn a data-parallel run's failed rendezvous into one line that says what to do."""
    try:
        yield
    except Exception as exc:
        text = str(exc)
        if spec.world_size == 1 or not ("clients joined" in text or "Timed out" in text
                                        or type(exc).__name__ in ("DistStoreError",
                                                                  "DistNetworkError")):
            raise
        raise ExperimentError(
            f"the {spec.world_size} processes of this run ({spec.devices} per node on "
            f"{spec.num_nodes} node(s)) did not all join within {rendezvous_seconds():g} s: "
            "start the same command on every node with NODE_RANK=1..K-1 and MASTER_ADDR and "
            f"MASTER_PORT pointing at node 0 (or raise {RENDEZVOUS_ENV})") from None


def _numpy_backend():
    from experiments.backends.numpy_backend import NumpyBackend

    return NumpyBackend()


def _lightning_backend():
    from experiments.backends.lightning_backend import LightningBackend

    return LightningBackend()


# Backend name (as on the command line) -> factory; each imports its engine only when used.
BACKENDS = {"numpy": _numpy_backend, "torch": _lightning_backend}


def get_backend(name):
    """The backend called ``name`` ("numpy" or "torch")."""
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ExperimentError(f"unknown backend {name!r}; choose one of: "
                              f"{', '.join(BACKENDS)}") from None
