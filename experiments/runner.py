"""The runner: every run of an experiment with each backend, then the summary.

For each run (one, or one per variant of a sweep) :class:`Runner` loads the
data once, trains each backend (:mod:`experiments.backends`), draws the
figures and collects the run's entry of ``summary.json``::

    {"label": "main", "params": {...},
     "backends": {"numpy": {"costs": [...], "train_accuracy": 0.99, "test_accuracy": 0.7,
                            "seconds": 4.1},
                  "torch": {..., "device": "cpu", "world_size": 1}},
     "max_abs_cost_diff": 3.1e-15}

Experiments with something to add (a baseline, a symmetry check, parameter
counts) give an :class:`~experiments.extras.Extra`.

``summary.json`` says what happened: ``status`` is "running", "complete",
"interrupted" (with the signal and where) or "failed" (with the error). A
resumed session starts from the entries the folder already reports and never
replaces the report of a finished run with a failure: when a resume of a
complete run fails, ``summary.json`` is left as it was.

In a data-parallel run (``--devices N --strategy ddp``) Lightning runs the
whole command again in every other process. There the runner only trains the
Lightning backend, in step with rank zero (:meth:`Runner.run_worker`): no
NumPy backend, no folder, no figure, no summary.
"""

import dataclasses
import json
import sys
from dataclasses import dataclass, field

import numpy as np
import yaml

from experiments import logs, plots, report
from experiments.backends import TrainJob, get_backend
from experiments.config import check_data_fits_model
from experiments.data import data_key, load_data
from experiments.errors import ExperimentError, UsageError, os_error_message, writing_in
from experiments.extras import Extra
from experiments.interrupt import STOP, RunInterrupted
from experiments.run_folder import RunFolder
from scratch.errors import TrainingDivergedError

# The TensorBoard folder of what compares the engines (beside numpy/ and torch/ of a run).
COMPARISON_LOGS = "numpy-vs-torch"


@dataclass
class RunOptions:
    """How the runs train (already checked).

    Attributes
    ----------
    backends : tuple of str
        ("numpy",), ("torch",) or ("numpy", "torch").
    dtype : str
        "float64" or "float32".
    device : str
        "cpu" or "cuda" (resolved from "auto").
    quiet : bool
    resume : bool
        Continue the runs found in the folder.
    rank_zero : bool
        False in the other processes of a data-parallel run, which only train the
        Lightning backend alongside rank zero and write nothing.
    jobs : int
        Runs of a sweep trained at once, each in a worker process
        (:mod:`experiments.workers`); 1 trains them one after the other here.
    """

    backends: tuple = ("numpy", "torch")
    dtype: str = "float64"
    device: str = "cpu"
    quiet: bool = False
    resume: bool = False
    rank_zero: bool = True
    jobs: int = 1


def max_abs_cost_diff(results):
    """Largest |J_numpy - J_torch| over the iterations both ran; None with one backend."""
    if len(results) < 2:
        return None
    first, second = (np.asarray(r["costs"], dtype=np.float64) for r in results.values())
    n = min(len(first), len(second))
    return float(np.max(np.abs(first[:n] - second[:n]))) if n else None


@dataclass
class RunPlan:
    """What a run still needs: per backend, a finished result or the iterations done."""

    finished: dict = field(default_factory=dict)
    done: dict = field(default_factory=dict)


def estimated_work(spec):
    """A run's work, to start a sweep's longest runs first: iterations x the sum of the
    model's sizes (its integer arguments, seeds aside, and lists of them: n_h, layer_dims)."""
    def sizes(value):
        if isinstance(value, bool):
            return 0
        if isinstance(value, int):
            return value
        if isinstance(value, (list, tuple)):
            return sum(sizes(item) for item in value)
        return 0
    size = sum(sizes(value) for name, value in spec.model_args.items() if "seed" not in name)
    return spec.iterations * max(size, 1)


def import_for_workers():
    """Import here, once, what each run imports on first use (TensorBoard's protocol
    buffers, PIL's PNG writer, matplotlib's contouring), so that forked workers share it
    rather than each importing it again."""
    import PIL.PngImagePlugin  # noqa: F401
    import contourpy  # noqa: F401
    from tensorboard.compat.proto import summary_pb2  # noqa: F401
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2  # noqa: F401


class Runner:
    """Trains each run of an experiment with each backend and writes the report.

    Parameters
    ----------
    experiment : experiments.registry.Experiment
    specs : list of experiments.config.RunSpec
    options : RunOptions
    folder : experiments.run_folder.RunFolder
    """

    def __init__(self, experiment, specs, options, folder):
        self.experiment = experiment
        self.specs = specs
        self.options = options
        self.folder = folder
        self.extra = experiment.extra() if experiment.extra else Extra()
        self._data = {}
        self.plans = {}
        self.interrupted_entry = None
        self.preserve_report = False
        self.outcome = None  # how this session ended: {"status": ..., ...}
        self.summary = {"experiment": experiment.name, "status": "running", "runs": []}
        # The iterations of the experiment's config (the course's), when --iterations differs.
        self.course_iterations = None
        self._sweep_curves_drawn = None  # the curves of OUT/cost_curves.png, once drawn

    @property
    def is_sweep(self):
        return len(self.specs) > 1 or self.specs[0].label != "main"

    def run_params(self, spec):
        """The hyperparameters reported in summary.json and in the HPARAMS tab."""
        return dict(spec.params(), dtype=self.options.dtype)

    def effective_config(self, spec):
        """The run's LightningCLI config as it ran: ``fit --config`` on it trains the twin."""
        cfg = json.loads(json.dumps(spec.config))  # a deep copy of plain data
        cfg["model"]["init_args"]["model"]["init_args"]["dtype"] = self.options.dtype
        cfg["data"]["init_args"]["dtype"] = self.options.dtype
        trainer = cfg.setdefault("trainer", {})
        trainer["precision"] = "64-true" if self.options.dtype == "float64" else "32-true"
        trainer["accelerator"] = "gpu" if self.options.device == "cuda" else "cpu"
        trainer.pop("default_root_dir", None)
        return cfg

    def data(self, spec):
        """The run's data, loaded once per distinct data description, checked against the model."""
        key = data_key(spec)
        if key not in self._data:
            self._data[key] = load_data(spec, self.options.dtype)
        data = self._data[key]
        check_data_fits_model(spec, data.X_train, data.Y_train)
        if spec.world_size > 1:
            from torch_ref import distributed

            try:
                distributed.check_world_size(data.X_train.shape[1], spec.world_size)
            except ValueError as exc:
                raise UsageError(f"{self._where(spec)}{exc}") from None
        return data

    def _where(self, spec):
        return f"run {spec.label}: " if self.is_sweep else ""

    # -- before anything is written ----------------------------------------------------------
    def prepare(self):
        """Load every run's data and, when resuming, read everything the folder holds.

        Everything that can fail on input (data files, damaged results, parameters
        or checkpoints, a backend already past the iterations asked for) fails
        here, before the run writes anything.
        """
        for spec in self.specs:
            self.data(spec)
        if not self.options.resume:
            return
        for spec in self.specs:
            plan = RunPlan()
            for name in self.options.backends:
                backend = get_backend(name)
                result = self.folder.read_result(spec.label, name, spec.iterations)
                job = self.job(spec, name)
                if result is not None:
                    try:
                        plan.finished[name] = backend.load(job, result)
                    except (KeyError, ValueError, TypeError) as exc:
                        raise ExperimentError(
                            f"{job.folder}: its parameters do not fit the run "
                            f"({' '.join(str(exc).split())})") from None
                    continue
                done = backend.iterations_done(job.folder, job)
                if done > spec.iterations:
                    raise ExperimentError(
                        f"{self._where(spec)}the {name} backend is already at iteration {done}, "
                        f"past the {spec.iterations} asked for; a resumed run can go on, not back")
                plan.done[name] = done
            self.plans[spec.label] = plan

    def job(self, spec, backend):
        options = self.options
        hparams = self.run_params(spec)
        if self.is_sweep:
            hparams["run"] = spec.label  # a sweep's rows in the HPARAMS tab, by name
        return TrainJob(spec, self.data(spec), self.folder.backend_dir(spec.label, backend),
                        dtype=options.dtype, device=options.device, quiet=options.quiet,
                        resume=options.resume, hparams=hparams)

    # -- running ----------------------------------------------------------------------------
    def run(self, previous=None):
        """Train every run; returns the summary (also written to ``summary.json``).

        Parameters
        ----------
        previous : dict, optional
            The folder's summary from an earlier session. Its entries are kept until
            this session replaces them. When it reported a complete run, this session
            writes ``summary.json`` only once it is complete itself: a signal or a
            failure leaves the finished run's report as it was (the session's outcome
            is in :attr:`outcome`, which the command records in ``run.json``).
        """
        if not self.options.rank_zero:
            return self.run_worker()
        earlier_entries = {entry.get("label"): entry for entry in (previous or {}).get("runs", [])
                           if isinstance(entry, dict)}
        self.preserve_report = (previous or {}).get("status") == "complete"
        entries = {}

        def current_runs():
            labels = [spec.label for spec in self.specs]
            return [entries.get(label) or earlier_entries[label]
                    for label in labels if label in entries or label in earlier_entries]

        def finished(label, entry):
            entries[label] = entry
            self.summary["runs"] = current_runs()
            self.write_summary()

        def stopped(status, **details):
            self.summary["runs"] = current_runs()
            self.summary["status"] = status
            self.summary.update(details)
            self.outcome = {"status": status, **details}
            self.write_summary()

        self.write_summary()
        try:
            self.train_runs(finished)
            self.summary["runs"] = current_runs()
            self.summary.update(self.extra.summary_fields(self, self.summary["runs"]))
            if self.is_sweep:
                self.sweep_figures()
        except RunInterrupted as exc:
            stopped("interrupted", interrupted={
                "signal": exc.signal_name, "run": exc.run_label, "backend": exc.backend,
                "iteration": exc.iteration})
            raise
        except KeyboardInterrupt:
            stopped("interrupted", interrupted={
                "signal": "a second signal",
                "note": "stopped at once; the last periodic checkpoints are the ones to "
                        "resume from"})
            raise
        except BaseException as exc:
            message = os_error_message(exc) if isinstance(exc, OSError) else str(exc)
            details = {"error": " ".join(message.split()) or type(exc).__name__}
            if isinstance(exc, TrainingDivergedError):
                details["diverged"] = {"iteration": exc.iteration, "cost": exc.cost,
                                       "costs": [float(cost) for cost in exc.costs]}
            try:
                stopped("failed", **details)
            except ExperimentError:
                pass  # (a full disk) the failure itself is what the user must hear of
            raise
        self.summary["status"] = "complete"
        self.outcome = {"status": "complete"}
        self.preserve_report = False
        self.write_summary()
        return self.summary

    def train_runs(self, finished):
        """Train every run, calling ``finished(label, entry)`` as each ends.

        The runs of a sweep go to ``options.jobs`` worker processes when there are
        several runs and several jobs (and no run is data-parallel itself).
        """
        jobs = min(self.options.jobs, len(self.specs))
        if jobs <= 1 or any(spec.world_size > 1 for spec in self.specs):
            for spec in self.specs:
                entries = {}
                try:
                    finished(spec.label, self.run_one(spec, entries))
                except RunInterrupted:
                    if spec.label in entries:
                        finished(spec.label, entries[spec.label])
                    raise
            return
        from experiments import workers

        threads = max(1, workers.default_jobs() // jobs)
        import_for_workers()
        done = 0
        costs = {}

        def trained(label, run_costs):
            # Once every run is trained, the sweep's figure is drawn here while the last
            # workers still draw their runs' own.
            costs[label] = run_costs
            if len(costs) == len(self.specs) and not STOP.requested:
                self.sweep_figures({spec.label: costs[spec.label] for spec in self.specs})

        def report(label, entry):
            nonlocal done
            done += 1
            if not self.options.quiet:
                print(f"run {label} finished ({done}/{len(self.specs)})", file=sys.stderr,
                      flush=True)
            finished(label, entry)

        # The longest runs first (a stable sort: equal runs in the sweep's order); the
        # summary lists the runs in the sweep's order whatever the order they end in.
        order = sorted(range(len(self.specs)), key=lambda i: -estimated_work(self.specs[i]))
        workers.run_parallel(self.worker_runner, self.specs, jobs, threads, report,
                             first_backend=self.options.backends[0], order=order,
                             on_trained=trained if self.is_sweep else None)

    def worker_runner(self, spec):
        """A runner for ``spec`` alone, to be used in a worker process."""
        runner = Runner(self.experiment, [spec], dataclasses.replace(self.options, quiet=True,
                                                                     jobs=1),
                        RunFolder(self.folder.path, self.is_sweep))
        runner._data = self._data  # already loaded here; the forked worker shares it
        return runner

    def run_worker(self):
        """Train the Lightning backend of every run alongside rank zero; write nothing.

        The same sequence of ``trainer.fit``/``trainer.test`` calls as rank zero:
        a run whose torch backend finished in an earlier session is skipped by both,
        a signal stops both after the same batch.
        """
        if "torch" not in self.options.backends:
            return None
        backend = get_backend("torch")
        for spec in self.specs:
            job = self.job(spec, "torch")
            if STOP.requested:
                raise RunInterrupted("torch", backend.iterations_done(job.folder))
            if self.options.resume and "torch" in self.plans.get(spec.label, RunPlan()).finished:
                continue
            backend.train(job)
        return None

    def write_summary(self):
        """Write ``summary.json``, unless it holds a finished run's report to preserve."""
        if not self.preserve_report:
            self.folder.write_summary(self.summary)

    def table(self, summary):
        """The end-of-run table, from the summary alone."""
        ran = {spec.iterations for spec in self.specs}
        iterations = None
        if self.course_iterations is not None and ran != {self.course_iterations}:
            iterations = (", ".join(map(str, sorted(ran))), self.course_iterations)
        return report.training_table(summary, self.extra, self.experiment.course, iterations)

    def run_one(self, spec, entries, trained=None):
        """Train one run with every backend; returns its summary entry.

        ``trained({backend: costs})``, when given, is called once every backend has
        trained, before the run's figures are drawn.
        """
        self.folder.write_config(spec.label, yaml.safe_dump(
            self.effective_config(spec), sort_keys=False, default_flow_style=None))
        data = self.data(spec)
        plan = self.plans.get(spec.label, RunPlan())
        runs = {}
        for name in self.options.backends:
            job = self.job(spec, name)
            try:
                if STOP.requested:
                    # A signal came between two trainings (while drawing, testing, ...).
                    raise RunInterrupted(name, plan.done.get(name, 0) if name not in runs
                                         else spec.iterations)
                if name in plan.finished:
                    runs[name] = plan.finished[name]
                else:
                    with writing_in(job.folder):
                        runs[name] = get_backend(name).train(job)
                    self.folder.write_result(spec.label, name, runs[name].result)
            except RunInterrupted as exc:
                exc.run_label = spec.label
                if runs:
                    # The summary of an interrupted run keeps what did finish.
                    entries[spec.label] = self.interrupted_entry = self.entry(
                        spec, runs, status="interrupted")
                raise
            runs[name].result.update(self.extra.backend_fields(spec, data, runs[name]))
        if trained is not None:
            trained({name: run.result["costs"] for name, run in runs.items()})
        extra = self.extra.run_extra(self, spec, data, runs)
        entry = self.entry(spec, runs)
        entry.update(extra.fields)
        if not all(run.earlier for run in runs.values()):
            # (a run that finished in an earlier session already has its figures)
            with writing_in(self.folder.run_dir(spec.label)):
                self.figures(spec, data, runs, extra.predictors)
        return entry

    def entry(self, spec, runs, status=None):
        results = {name: run.result for name, run in runs.items()}
        entry = {"label": spec.label, "params": self.run_params(spec), "backends": results,
                 "max_abs_cost_diff": max_abs_cost_diff(results)}
        if status:
            entry["status"] = status
        return entry

    # -- figures ----------------------------------------------------------------------------
    def figures(self, spec, data, runs, extra_predictors):
        """Cost curves, their difference and the data's own figure, as PNG and in TensorBoard."""
        title = f"{self.experiment.name}" + ("" if spec.label == "main" else f" [{spec.label}]")
        costs = {name: run.result["costs"] for name, run in runs.items()}
        images = [("cost_curves", plots.cost_curves({spec.label: costs}, title))]
        if len(costs) == 2:
            images.append(("cost_difference", plots.cost_difference(
                *costs.values(), f"{title}: |J_numpy - J_torch| per iteration",
                labels=tuple(costs))))
        predictors = {name: run.predict for name, run in runs.items()}
        if data.kind == "planar":
            images.append(("decision_boundary", plots.decision_boundaries(
                data.X_train, data.Y_train, {**predictors, **extra_predictors}, title)))
        elif data.kind == "images" and data.has_test:
            predictions = {name: (predict(data.X_test) > 0.5).astype(np.int64)
                           for name, predict in predictors.items()}
            images.append(("misclassified", plots.misclassified_images(
                data.X_test, data.Y_test, predictions, data.image_shape,
                data.classes, f"{title}: misclassified test images")))
        elif data.kind == "regression":
            images.append(("regression_fit", plots.regression_fit(
                data.X_train, data.Y_train, predictors, title)))
        rendered = [(name, plots.render(fig)) for name, fig in images]
        folder = self.folder.run_dir(spec.label)
        for name, pixels in rendered:
            plots.save_pixels(pixels, folder / f"{name}.png")
        # Each figure once per run (its panels show every engine), with the engines'
        # |dJ| per logged iteration, in a TensorBoard run of their own beside the engines'.
        if len(runs) == 2:
            log_dir = folder / COMPARISON_LOGS
            logs.log_cost_difference(log_dir, *costs.values(), log_every=spec.log_every)
        else:
            log_dir = next(iter(runs.values())).log_dir
        logs.write_images(log_dir, [(f"figures/{name}", pixels) for name, pixels in rendered],
                          spec.iterations)

    def sweep_figures(self, curves=None):
        """All the runs' cost curves in one figure, ``OUT/cost_curves.png``.

        ``curves`` (``{label: {backend: costs}}``) by default from the summary's runs;
        a figure drawn already of the same curves is not drawn again.
        """
        if curves is None:
            curves = {entry["label"]: {name: result["costs"]
                                       for name, result in entry["backends"].items()}
                      for entry in self.summary["runs"]}
        if curves == self._sweep_curves_drawn:
            return
        self._sweep_curves_drawn = curves
        figure = plots.cost_curves(curves, self.experiment.name)
        plots.save_pixels(plots.render(figure), self.folder.path / "cost_curves.png")
