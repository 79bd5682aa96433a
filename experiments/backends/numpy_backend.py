"""The NumPy engine: ``scratch.train`` on the model, logged as Lightning would log it.

Bookkeeping stays off the hot path: the costs go into a preallocated array,
the TensorBoard points of the logged iterations are kept in memory and written
in bulk at each checkpoint and at the end (:class:`experiments.logs.EventFile`,
no ``SummaryWriter`` and its per-point Python), and the checkpoint
(``checkpoint.npz``: parameters, costs, seconds) is written every
:data:`~experiments.backends.CHECKPOINT_EVERY` iterations and when a signal
stops the run.
"""

import time
from pathlib import Path

import numpy as np

import scratch
from experiments import backends, interrupt, logs
from experiments.backends import (
    BackendRun,
    accuracy_or_none,
    build_numpy_model,
    load_params_from,
)
from experiments.errors import ExperimentError
from experiments.interrupt import STOP, RunInterrupted
from experiments.run_folder import PARAMS_FILE, check_costs, load_npz, save_npz

CHECKPOINT_FILE = "checkpoint.npz"


class _Stop(Exception):
    """Raised from the training callback to leave ``scratch.train`` after an iteration."""


def _predictor(model):
    return lambda X: model.forward(X)[0]


class NumpyBackend:
    """Trains the NumPy model of a run with :func:`scratch.train`."""

    name = "numpy"

    def iterations_done(self, folder, job=None):
        path = Path(folder) / CHECKPOINT_FILE
        if not path.exists():
            return 0
        params, costs, _ = self._read_checkpoint(path)
        if job is not None:
            load_params_from(path, build_numpy_model(job.spec, job.dtype), params)
        return len(costs)

    @staticmethod
    def _read_checkpoint(path):
        state = load_npz(path, "NumPy checkpoint")
        if "costs" not in state or "seconds" not in state:
            raise ExperimentError(f"{path} is damaged: it is not a NumPy checkpoint (no costs "
                                  "or seconds)")
        costs = np.asarray(check_costs(path, state["costs"]), dtype=np.float64)
        seconds = state["seconds"]
        if (seconds.shape != () or not np.issubdtype(seconds.dtype, np.floating)
                or not np.isfinite(seconds) or seconds < 0):
            raise ExperimentError(f"{path} is damaged: seconds is {seconds!r}, expected a "
                                  "number of seconds")
        params = {key[len("param."):]: value for key, value in state.items()
                  if key.startswith("param.")}
        return params, costs, float(seconds)

    @staticmethod
    def _write_checkpoint(path, model, costs, seconds):
        arrays = {f"param.{name}": value for name, value in model.params.items()}
        arrays["costs"] = np.asarray(costs, dtype=np.float64)
        arrays["seconds"] = np.asarray(seconds)
        save_npz(path, arrays)

    def train(self, job):
        spec, data, folder = job.spec, job.data, Path(job.folder)
        folder.mkdir(parents=True, exist_ok=True)
        model = build_numpy_model(spec, job.dtype)
        checkpoint = folder / CHECKPOINT_FILE
        end = spec.iterations
        costs = np.empty(end, dtype=np.float64)
        start, seconds = 0, 0.0
        if job.resume and checkpoint.exists():
            params, earlier, seconds = self._read_checkpoint(checkpoint)
            load_params_from(checkpoint, model, params)
            start = len(earlier)
            if start > end:
                raise ExperimentError(f"{checkpoint} holds {start} iterations, past the {end} "
                                      "asked for; a resumed run can go on, not back")
            costs[:start] = earlier
        X, Y = data.X_train, data.Y_train
        classify = model.task == "classification"
        every = spec.log_every
        checkpoint_every = backends.CHECKPOINT_EVERY
        points = logs.ScalarPoints(classify)
        events = logs.EventFile(folder)
        try:
            began = time.perf_counter()

            def save(done):
                points.write(events)
                self._write_checkpoint(checkpoint, model, costs[:done],
                                       seconds + time.perf_counter() - began)

            def callback(iteration, cost, model, AL):
                # Called after every iteration: the least Python that logging, checkpoints
                # and a clean stop on a signal need.
                costs[iteration] = cost
                done = iteration + 1
                if done % every == 0:
                    # AL is from before this iteration's update, as in Lightning's training_step.
                    points.add(iteration, cost, AL, Y)
                if done % checkpoint_every == 0 and done < end:
                    save(done)
                interrupt.on_iteration("numpy", iteration)
                if STOP.requested and done < end:
                    raise _Stop(done)

            if start < end:
                try:
                    scratch.train(model, X, Y, spec.learning_rate, end - start,
                                  progress=not job.quiet, callback=callback,
                                  start_iteration=start)
                except _Stop as stop:
                    save(stop.args[0])
                    raise RunInterrupted("numpy", stop.args[0]) from None
            points.write(events)
            seconds += time.perf_counter() - began
            self._write_checkpoint(checkpoint, model, costs, seconds)
            save_npz(folder / PARAMS_FILE, model.params)

            result = {
                "costs": costs.tolist(),
                "train_accuracy": accuracy_or_none(model, X, Y),
                "test_accuracy": accuracy_or_none(model, data.X_test, data.Y_test),
                "seconds": seconds,
            }
            if data.has_test and classify:
                # Lightning logs trainer.test's metrics at the step count after training.
                events.write_scalars([end], [time.time()], [logs.TEST_ACCURACY],
                                     [[result["test_accuracy"]]])
            params = dict(job.hparams or spec.params(), backend=self.name)
            logs.log_hparams(events, params, logs.final_metrics(result), step=end)
        finally:
            events.close()
        return BackendRun(result, {k: v.copy() for k, v in model.params.items()},
                          _predictor(model), folder)

    def load(self, job, result):
        model = build_numpy_model(job.spec, job.dtype)
        path = Path(job.folder) / PARAMS_FILE
        load_params_from(path, model, load_npz(path, "NumPy parameters"))
        return BackendRun(result, dict(model.params), _predictor(model), Path(job.folder),
                          earlier=True)
