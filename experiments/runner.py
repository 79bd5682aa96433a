"""The common runner: every run of an experiment, with each backend, then the report.

For each run (one, or one per variant of a sweep) :class:`CourseRunner`
loads the data once, trains each backend (:mod:`experiments.backends`),
draws the figures and collects the run's entry of ``summary.json``::

    {"label": "main", "params": {...},
     "backends": {"numpy": {"costs": [...], "train_accuracy": 0.99, "test_accuracy": 0.7,
                            "seconds": 4.1},
                  "torch": {..., "device": "cpu"}},
     "max_abs_cost_diff": 3.1e-15}

Experiments with something to add (a baseline, a symmetry check, parameter
counts) subclass it and fill in the hooks :meth:`backend_extra`,
:meth:`run_extra`, :meth:`summary_extra` and :meth:`notes`; see
:mod:`experiments.special`.

In a data-parallel run (``--devices N --strategy ddp``) Lightning runs the
whole command again in every other process. There the runner only trains the
Lightning backend, in step with rank zero (:meth:`CourseRunner.run_worker`):
no NumPy backend, no folder, no figure, no summary.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import yaml

from experiments import backends, config, datasets, logs, plots
from experiments.errors import ExperimentError
from experiments.interrupt import STOP, RunInterrupted

SUMMARY_FILE = "summary.json"


@dataclass
class RunOptions:
    """The command line's choices for one ``run`` (already checked).

    Attributes
    ----------
    backends : tuple of str
        ("numpy",), ("torch",) or ("numpy", "torch").
    out : Path
        The run folder.
    dtype : str
        "float64" or "float32".
    device : str
        "cpu" or "cuda" (resolved from "auto").
    iterations, seed, log_every : int, optional
        Replace every run's iterations / initialisation seed / TensorBoard interval.
    iterations_per_batch, devices, num_nodes : int, optional
        Replace the config's ``model.init_args.iterations_per_batch``,
        ``trainer.devices``, ``trainer.num_nodes`` (Lightning backend).
    strategy : str, optional
        Replaces ``trainer.strategy``: "auto" or "ddp".
    data_dir : str, optional
    quiet : bool
    resume : bool
        Continue the run found in ``out``.
    rank_zero : bool
        False in the other processes of a data-parallel run, which only train the
        Lightning backend alongside rank zero and write nothing.
    """

    backends: tuple
    out: Path
    dtype: str = "float64"
    device: str = "cpu"
    iterations: Optional[int] = None
    seed: Optional[int] = None
    log_every: Optional[int] = None
    iterations_per_batch: Optional[int] = None
    devices: Optional[int] = None
    strategy: Optional[str] = None
    num_nodes: Optional[int] = None
    data_dir: Optional[str] = None
    quiet: bool = False
    resume: bool = False
    rank_zero: bool = True


def max_abs_cost_diff(results):
    """Largest |J_numpy - J_torch| over the iterations both ran; None with one backend."""
    if len(results) < 2:
        return None
    first, second = (np.asarray(r["costs"], dtype=np.float64) for r in results.values())
    n = min(len(first), len(second))
    return float(np.max(np.abs(first[:n] - second[:n]))) if n else None


class CourseRunner:
    """Trains each run of an experiment with each backend and writes the report.

    Parameters
    ----------
    experiment : experiments.registry.Experiment
    options : RunOptions
    """

    # Whether the experiment trains through run_torch, and so can train data-parallel.
    data_parallel = True

    def __init__(self, experiment, options):
        self.experiment = experiment
        self.options = options
        self.config = config.load_config(config.config_path(experiment.config))
        self.section = self.config.get("experiment") or {}
        self.specs = config.run_specs(
            self.config, iterations=options.iterations, seed=options.seed,
            data_dir=options.data_dir, log_every=options.log_every,
            iterations_per_batch=options.iterations_per_batch, devices=options.devices,
            strategy=options.strategy, num_nodes=options.num_nodes,
        )
        self._arrays = {}
        self.summary = {"experiment": experiment.name, "status": "running", "runs": []}

    # -- layout -----------------------------------------------------------------------------
    @property
    def is_sweep(self):
        return len(self.specs) > 1 or self.specs[0].label != "main"

    def run_folder(self, spec):
        """``OUT`` for a single run, ``OUT/<label>`` for each run of a sweep."""
        return self.options.out if not self.is_sweep else self.options.out / spec.label

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

    # -- data -------------------------------------------------------------------------------
    def arrays(self, spec):
        """The run's data, loaded once per distinct data description."""
        key = json.dumps([spec.data_name, spec.data_args], sort_keys=True, default=str)
        if key not in self._arrays:
            self._arrays[key] = datasets.load_arrays(spec.data_name, spec.data_args,
                                                     self.options.dtype)
        return self._arrays[key]

    # -- hooks for special experiments ------------------------------------------------------
    def backend_extra(self, spec, arrays, run):
        """Extra fields for one backend's entry (``run`` is a BackendRun)."""
        return {}

    def run_extra(self, spec, arrays, runs):
        """Extra fields for a run's entry; may also return ``"_predictors"`` for the figures."""
        return {}

    def summary_extra(self, entries):
        """Extra top-level fields of summary.json, from all the runs' entries."""
        return {}

    def notes(self, summary):
        """Lines printed under the table."""
        return []

    def extra_rows(self, entry):
        """Extra table rows for a run: (name, final cost, train acc, test acc, seconds)."""
        return []

    # -- checks before anything starts -------------------------------------------------------
    def check_trainer(self):
        """Reject what the Lightning backend cannot run, in one line; returns the most processes.

        An unknown strategy, CUDA asked for where there is none (or fewer GPUs
        than ``devices``), a data-parallel run without the torch backend, and
        more processes than training examples (each process needs one).
        """
        from torch_ref import distributed

        accelerator = "gpu" if self.options.device == "cuda" else "cpu"
        most = 1
        for spec in self.specs:
            where = "" if not self.is_sweep else f"run {spec.label}: "
            try:
                distributed.check_trainer_options(accelerator, spec.devices, spec.strategy,
                                                  spec.num_nodes)
            except ValueError as exc:
                raise ExperimentError(f"{where}{exc}") from None
            if spec.world_size == 1:
                continue
            if not self.data_parallel:
                raise ExperimentError(
                    f"{self.experiment.name} does not train through Lightning: "
                    "--devices, --num-nodes and trainer.devices must be 1"
                )
            if "torch" not in self.options.backends:
                raise ExperimentError(
                    f"{spec.world_size} processes (devices x nodes) train the torch backend "
                    "only; add --backend torch or both, or use --devices 1"
                )
            try:
                distributed.check_world_size(self.arrays(spec).X_train.shape[1], spec.world_size)
            except ValueError as exc:
                raise ExperimentError(f"{where}{exc}") from None
            most = max(most, spec.world_size)
        return most

    def check_not_past(self):
        """Before resuming: no backend may already be past the iterations asked for."""
        for spec in self.specs:
            for backend in self.options.backends:
                folder = self.run_folder(spec) / backend
                done = backends.iterations_done(folder, backend)
                if done > spec.iterations:
                    where = "" if not self.is_sweep else f"run {spec.label}: "
                    raise ExperimentError(
                        f"{where}the {backend} backend is already at iteration {done}, past the "
                        f"{spec.iterations} asked for; a resumed run can go on, not back"
                    )

    # -- running ----------------------------------------------------------------------------
    def run(self):
        """Train every run; returns the summary (also written to OUT/summary.json).

        In a process other than rank zero: :meth:`run_worker`, and None.
        """
        if not self.options.rank_zero:
            return self.run_worker()
        out = self.options.out
        out.mkdir(parents=True, exist_ok=True)
        try:
            for spec in self.specs:
                self.summary["runs"].append(self.run_one(spec))
                self.write_summary()
            self.summary.update(self.summary_extra(self.summary["runs"]))
            if self.is_sweep:
                self.sweep_figures()
            self.summary["status"] = "complete"
        except RunInterrupted as exc:
            self.summary["status"] = "interrupted"
            self.summary["interrupted"] = {
                "run": exc.run_label, "backend": exc.backend, "iteration": exc.iteration,
            }
            raise
        except Exception as exc:
            self.summary["status"] = "failed"
            self.summary["error"] = " ".join(str(exc).split())
            raise
        finally:
            self.write_summary()
        return self.summary

    def run_worker(self):
        """Train the Lightning backend of every run alongside rank zero; write nothing.

        The same sequence of ``trainer.fit``/``trainer.test`` calls as rank zero:
        a run whose torch backend finished in an earlier session (resumed runs)
        is skipped by both, a Ctrl-C stops both after the same batch.
        """
        if "torch" not in self.options.backends:
            return None
        options = self.options
        for spec in self.specs:
            folder = self.run_folder(spec) / "torch"
            if STOP.requested:
                raise RunInterrupted("torch", backends.iterations_done(folder, "torch"))
            if options.resume and backends.read_result(folder, spec.iterations) is not None:
                continue
            backends.run_torch(spec, self.arrays(spec), folder, dtype=options.dtype,
                               device=options.device, quiet=options.quiet,
                               resume=options.resume, hparams=self.run_params(spec))
        return None

    def write_summary(self):
        path = self.options.out / SUMMARY_FILE
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.summary, indent=1))
        os.replace(tmp, path)

    def run_one(self, spec):
        """Train one run with every backend; returns its summary entry."""
        folder = self.run_folder(spec)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.yaml").write_text(
            yaml.safe_dump(self.effective_config(spec), sort_keys=False, default_flow_style=None)
        )
        arrays = self.arrays(spec)
        params = self.run_params(spec)
        runs = {}
        for backend in self.options.backends:
            try:
                if STOP.requested:
                    # Ctrl-C came between two trainings (while drawing, testing, ...).
                    raise RunInterrupted(backend,
                                         backends.iterations_done(folder / backend, backend))
                runs[backend] = self.run_backend(backend, spec, arrays, folder / backend, params)
            except RunInterrupted as exc:
                exc.run_label = spec.label
                # The summary of an interrupted run keeps what did finish.
                self.summary["runs"].append(self.entry(spec, params, runs, status="interrupted"))
                raise
            runs[backend].result.update(self.backend_extra(spec, arrays, runs[backend]))
        extra = self.run_extra(spec, arrays, runs)
        predictors = extra.pop("_predictors", {})
        entry = self.entry(spec, params, runs)
        entry.update(extra)
        if not all(run.earlier for run in runs.values()):
            # (a run that finished in an earlier session already has its figures)
            self.figures(spec, arrays, runs, folder, predictors)
        return entry

    def entry(self, spec, params, runs, status=None):
        results = {name: run.result for name, run in runs.items()}
        entry = {"label": spec.label, "params": params, "backends": results,
                 "max_abs_cost_diff": max_abs_cost_diff(results)}
        if status:
            entry["status"] = status
        return entry

    def run_backend(self, backend, spec, arrays, folder, params):
        """One backend's run: trained now, or taken from an earlier session when resuming."""
        options = self.options
        if options.resume:
            finished = backends.read_result(folder, spec.iterations)
            if finished is not None:
                if backend == "numpy":
                    return backends.load_numpy_run(spec, folder, finished, options.dtype)
                return backends.load_torch_run(spec, folder, finished, options.dtype,
                                               options.device)
        kwargs = dict(dtype=options.dtype, quiet=options.quiet, resume=options.resume,
                      hparams=params)
        if backend == "numpy":
            return backends.run_numpy(spec, arrays, folder, **kwargs)
        return backends.run_torch(spec, arrays, folder, device=options.device, **kwargs)

    # -- report -----------------------------------------------------------------------------
    def table(self, summary):
        """The end-of-run table: one row per (run, backend), then the notes."""
        header = ("run", "backend", "final cost", "train acc", "test acc", "seconds",
                  "max |dJ|")
        rows = []
        for entry in summary["runs"]:
            label = entry["label"]
            diff = _number(entry.get("max_abs_cost_diff"), ".1e")
            for name, result in entry["backends"].items():
                costs = result.get("costs") or []
                rows.append((label, name, _number(costs[-1] if costs else None, ".6f"),
                             _percent(result.get("train_accuracy")),
                             _percent(result.get("test_accuracy")),
                             _number(result.get("seconds"), ".2f"), diff))
                label, diff = "", ""
            for name, cost, train, test, seconds in self.extra_rows(entry):
                rows.append(("", name, _number(cost, ".6f"), _percent(train), _percent(test),
                             _number(seconds, ".2f"), ""))
        if not self.is_sweep:
            header, rows = header[1:], [row[1:] for row in rows]
        text = format_table(header, rows)
        notes = list(self.notes(summary))
        if self.experiment.course:
            notes.append(f"course: {self.experiment.course}")
        return "\n".join([text, *notes])

    # -- figures ----------------------------------------------------------------------------
    def figures(self, spec, arrays, runs, folder, extra_predictors):
        """Cost curves and the data's own figure, as PNG files and in TensorBoard."""
        title = f"{self.experiment.name}" + ("" if spec.label == "main" else f" [{spec.label}]")
        images = [("cost_curves", plots.cost_curves(
            {spec.label: {name: run.result["costs"] for name, run in runs.items()}}, title))]
        predictors = {name: run.predict for name, run in runs.items()}
        if arrays.kind == "planar":
            images.append(("decision_boundary", plots.decision_boundaries(
                arrays.X_train, arrays.Y_train, {**predictors, **extra_predictors}, title)))
        elif arrays.kind == "images" and arrays.has_test:
            predictions = {name: (predict(arrays.X_test) > 0.5).astype(np.int64)
                           for name, predict in predictors.items()}
            images.append(("misclassified", plots.misclassified_images(
                arrays.X_test, arrays.Y_test, predictions, arrays.image_shape,
                arrays.classes, f"{title}: misclassified test images")))
        elif arrays.kind == "regression":
            images.append(("regression_fit", plots.regression_fit(
                arrays.X_train, arrays.Y_train, predictors, title)))
        rendered = [(name, plots.render(fig)) for name, fig in images]
        for name, pixels in rendered:
            plots.save_pixels(pixels, folder / f"{name}.png")
        for run in runs.values():
            writer = logs.open_writer(run.writer_dir)
            try:
                for name, pixels in rendered:
                    writer.add_image(f"figures/{name}", pixels, spec.iterations,
                                     dataformats="HWC")
            finally:
                writer.close()

    def sweep_figures(self):
        """All the runs' cost curves in one figure, ``OUT/cost_curves.png``."""
        curves = {entry["label"]: {name: result["costs"]
                                   for name, result in entry["backends"].items()}
                  for entry in self.summary["runs"]}
        figure = plots.cost_curves(curves, self.experiment.name)
        plots.save_pixels(plots.render(figure), self.options.out / "cost_curves.png")


def _percent(value):
    return "-" if value is None else f"{100 * value:.2f} %"


def _number(value, spec):
    return "-" if value is None else format(value, spec)


def format_table(header, rows):
    """Left-aligned first columns, right-aligned numbers, two spaces between columns."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) if i < 2 else str(cell).rjust(width)
                 for i, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def read_run_settings(out, experiment_name):
    """The settings saved by the run to resume in ``out``; errors when there is none."""
    path = Path(out) / "run.json"
    if not path.is_file():
        raise ExperimentError(f"--resume {out}: no run.json there, so no run to resume")
    settings = json.loads(path.read_text())
    if settings.get("experiment") != experiment_name:
        raise ExperimentError(
            f"--resume {out}: that folder holds a run of {settings.get('experiment')!r}, "
            f"not {experiment_name!r}"
        )
    return settings
