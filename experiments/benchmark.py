"""Timing the backends on the same work, in one process, as ratios.

``python -m experiments bench`` runs each workload through:

* ``numpy``: this project's model (``scratch``);
* ``course-loop``: the course's assignment code (:mod:`experiments.course_loops`),
  the baseline learners write;
* ``torch-loop``: a plain PyTorch loop (autograd, SGD), float64 and float32;
* ``lightning``: this project's Lightning run (``torch_ref``).

and prints medians over ``--repeat`` runs with ratios between rows, plus each
row's time over the *floor*: the work of one iteration (floating-point
operations, bytes that must cross memory) divided by the rates this machine
reached in the same run on a large matrix product and a large copy.
Shared machines are noisy: read the ratios, not the absolute times.

Two more rows time whole commands, as a user waits for them, each in a fresh
process (:func:`time_command`):

* ``cli``: ``run shallow-planar`` (both backends, the torch one on ``--device``)
  and, with the cat files, ``run deepL-cats`` (the NumPy backend; both on
  ``--device cuda``): the whole command's seconds against the backends' own
  seconds (``summary.json``), the NumPy backend's against the bare model
  (``scratch.train`` on the same data and iterations), the Lightning backend's
  against the ``lightning`` row's run on the same device (the ratio ``run``
  pays over it), and what is left once the compute and ``import lightning``
  are taken away;
* ``sweep``: ``run shallow-planar-hidden-sweep --backend numpy`` at the course's
  length, at ``--jobs 1`` and at ``--jobs N`` (the cores), and their ratio (only
  when asked: ``--backends sweep``);
* ``startup``: the start-up of NumPy-only commands (``list``, and ``run
  shallow-planar --backend numpy`` for one iteration), and whether any of their
  processes imported torch or Lightning (:data:`IMPORT_WATCH`).

Torch rows train a small model on one thread, as ``run`` does
(:func:`experiments.backends.lightning_backend.training_threads`).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import scratch
from experiments import config, course_loops
from experiments.errors import ExperimentError
from scratch.data import CAT_FILES, load_cat_dataset, load_digits_binary, make_flower
from scratch.errors import DatasetNotFoundError

# The timing rows, then the command rows ``cli``, ``sweep`` and ``startup``; the default runs
# all but the sweep (two whole sweeps per repeat, about a minute more on two cores).
TIMING_ROWS = ("numpy", "course-loop", "torch-loop", "lightning")
DEFAULT_ROWS = TIMING_ROWS + ("cli", "startup")
# Iterations of the command rows when --iterations is not given (the sweep: the course's).
CLI_ITERATIONS = 2000
CLI_IMAGE_ITERATIONS = 100
SWEEP = "shallow-planar-hidden-sweep"
# NumPy-only commands whose start-up the ``startup`` rows time.
STARTUP_COMMANDS = (["list"],
                    ["run", "shallow-planar", "--backend", "numpy", "--iterations", "1"])
# ``python -c`` source that notes, in the file $NNDL_IMPORT_LOG, every process (forked sweep
# workers too) that imports torch or Lightning, then runs ``python -m experiments ARGS``.
IMPORT_WATCH = """
import os, runpy, sys
LOG = os.environ["NNDL_IMPORT_LOG"]

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name in ("torch", "lightning"):
            with open(LOG, "a") as log:
                log.write(f"{os.getpid()} {name}\\n")
        return None

sys.meta_path.insert(0, Watch())
sys.argv = ["experiments", *sys.argv[1:]]
runpy.run_module("experiments", run_name="__main__")
"""


@dataclass
class Workload:
    """One model on one data set, with the course's hyperparameters."""

    name: str
    X: np.ndarray
    Y: np.ndarray
    layer_dims: list
    hidden_activation: str
    learning_rate: float
    seed: int
    scale: object
    iterations: int

    def scratch_model(self, dtype):
        return scratch.DeepNetwork(
            self.layer_dims, self.hidden_activation, init="course", seed=self.seed,
            scale=self.scale, dtype=dtype,
        )

    def flops_per_iteration(self):
        """Multiply-adds x 2 of forward, dW and dA[l-1] for l > 1 (dA[0] is not needed)."""
        m = self.X.shape[1]
        total = 0
        for l in range(1, len(self.layer_dims)):
            matmul = 2 * self.layer_dims[l] * self.layer_dims[l - 1] * m
            total += matmul * (2 if l == 1 else 3)
        return total

    def bytes_per_iteration(self, itemsize):
        """X read twice (forward, then dW1), the parameters read and written once."""
        n_params = sum(a * b + a for a, b in zip(self.layer_dims[1:], self.layer_dims[:-1]))
        return (2 * self.X.size + 2 * n_params) * itemsize


@dataclass
class Row:
    workload: str
    backend: str
    dtype: str
    device: str
    iterations: int
    seconds: list = field(default_factory=list)
    floor: float = float("nan")
    threads: int = 0  # torch's intra-op threads of a torch row (0: not a torch row)

    @property
    def median(self):
        return statistics.median(self.seconds)


def check_data_dir(data_dir):
    """One line naming ``--data-dir`` when it does not hold both cat files (never a fallback).

    Raises
    ------
    ExperimentError
        The folder does not exist, is not a folder, or lacks a cat file.
    """
    if data_dir is None:
        return
    folder = Path(data_dir).expanduser()
    if not folder.exists():
        raise ExperimentError(f"--data-dir {data_dir}: no such folder")
    if not folder.is_dir():
        raise ExperimentError(f"--data-dir {data_dir}: not a folder")
    missing = [name for name in CAT_FILES if not (folder / name).is_file()]
    if missing:
        raise ExperimentError(
            f"--data-dir {data_dir}: missing {' and '.join(missing)}; name the folder that "
            "holds both cat files, or leave --data-dir out to time the image workloads on the "
            "cats found by $NNDL_DATA_DIR or ./datasets (else the digits)")


def load_images(data_dir=None):
    """(X, Y, name) of the image workloads: the cats, the digits only when no folder was named."""
    if data_dir is not None:
        check_data_dir(data_dir)
        cats = load_cat_dataset(data_dir)
        return cats.X_train, cats.Y_train, "cats"
    try:
        cats = load_cat_dataset()
        return cats.X_train, cats.Y_train, "cats"
    except DatasetNotFoundError:
        digits = load_digits_binary()
        return digits.X_train, digits.Y_train, "digits"


def course_workload(experiment, name, X, Y, iterations):
    """The :class:`Workload` of ``experiment``'s config (its first run) on X, Y.

    Layer sizes, activation, learning rate, seed and scale are the config's
    (``experiments/configs/EXPERIMENT.yaml``); n_x is X's, so that the digits can stand
    in for the cats. ``iterations`` is the benchmark's own.
    """
    from experiments.backends import build_numpy_model

    spec = config.read_run_specs(experiment)[0]
    model = build_numpy_model(spec, "float64")
    return Workload(name, X, Y, [X.shape[0], *model.layer_dims[1:]], model.hidden_activation,
                    spec.learning_rate, spec.model_args["seed"], spec.model_args["scale"],
                    iterations)


def workloads(data_dir=None, iterations=None):
    """deep2 and deepL on the cat images (the digits when no cat files are found and no
    ``data_dir`` was named), shallow on the flower, with the hyperparameters of the
    experiments deep2-cats, deepL-cats and shallow-planar."""
    X, Y, images = load_images(data_dir)
    Xf, Yf = make_flower()
    return [
        course_workload("deep2-cats", f"deep2-{images}", X, Y, iterations or 100),
        course_workload("deepL-cats", f"deepL-{images}", X, Y, iterations or 100),
        course_workload("shallow-planar", "shallow-planar", Xf, Yf, iterations or 1000),
    ]


def measure_rates(dtype, repeat=5):
    """Matrix-product FLOP/s and copy bytes/s (read + write) reached on this machine now."""
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(dtype)
    big = np.ones(8 * 1024 * 1024 // np.dtype(dtype).itemsize * 8, dtype=dtype)
    out = np.empty_like(big)
    a @ a
    np.copyto(out, big)
    matmul, copy = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        a @ a
        matmul.append(time.perf_counter() - start)
        start = time.perf_counter()
        np.copyto(out, big)
        copy.append(time.perf_counter() - start)
    return 2 * 1024**3 / statistics.median(matmul), 2 * big.nbytes / statistics.median(copy)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_numpy(work, dtype):
    model = work.scratch_model(dtype)
    X, Y = work.X.astype(dtype), work.Y.astype(dtype)
    return _timed(lambda: scratch.train(model, X, Y, work.learning_rate, work.iterations,
                                        progress=False))


def run_course_loop(work, dtype):
    X, Y = work.X.astype(dtype), work.Y.astype(dtype)
    return _timed(lambda: course_loops.L_layer_model(
        X, Y, work.layer_dims, work.learning_rate, work.iterations, work.seed, work.scale,
        work.hidden_activation,
    ))


def torch_row_threads(work):
    """Torch threads of a torch row: those ``run`` trains this workload's twin with."""
    import torch

    from experiments.backends.lightning_backend import training_threads

    threads = training_threads(work.flops_per_iteration())
    return min(threads or torch.get_num_threads(), torch.get_num_threads())


def run_torch_loop(work, dtype, device):
    """A plain PyTorch loop as a PyTorch user writes it: autograd, SGD, no framework."""
    import torch

    torch_dtype = getattr(torch, np.dtype(dtype).name)
    params = {name: torch.tensor(value, dtype=torch_dtype, device=device, requires_grad=True)
              for name, value in work.scratch_model(np.float64).params.items()}
    X = torch.tensor(work.X, dtype=torch_dtype, device=device)
    Y = torch.tensor(work.Y, dtype=torch_dtype, device=device)
    activation = {"relu": torch.relu, "tanh": torch.tanh}[work.hidden_activation]
    L = len(work.layer_dims) - 1
    optimizer = torch.optim.SGD(params.values(), lr=work.learning_rate)

    def loop():
        for _ in range(work.iterations):
            A = X
            for l in range(1, L):
                A = activation(params[f"W{l}"] @ A + params[f"b{l}"])
            Z = params[f"W{L}"] @ A + params[f"b{L}"]
            cost = torch.nn.functional.binary_cross_entropy_with_logits(Z, Y)
            optimizer.zero_grad(set_to_none=True)
            cost.backward()
            optimizer.step()
        if device != "cpu":
            torch.cuda.synchronize()

    from experiments.backends.lightning_backend import torch_threads

    with torch_threads(torch_row_threads(work)):
        return _timed(loop)


# The Lightning row's settings, printed with the table: many iterations per training_step
# pay Lightning's per-step bookkeeping once, and the cost curve goes to TensorBoard every
# LIGHTNING_LOG_EVERY iterations.
LIGHTNING_ITERATIONS_PER_BATCH = 100
LIGHTNING_LOG_EVERY = 10


def run_lightning(work, dtype, device):
    """This project's Lightning run, logging its cost curve to TensorBoard in a scratch folder."""
    import torch_ref
    from experiments.backends.lightning_backend import BufferedTensorBoardLogger, torch_threads

    twin = torch_ref.from_scratch(work.scratch_model(dtype), device=device)
    X, Y = work.X.astype(dtype), work.Y.astype(dtype)
    with tempfile.TemporaryDirectory() as log_dir, torch_threads(torch_row_threads(work)):
        # run's logger: the points kept in memory, written in bulk when fit ends
        logger = BufferedTensorBoardLogger(log_dir, name="", default_hp_metric=False)
        seconds = _timed(lambda: torch_ref.fit_arrays(
            twin, X, Y, work.learning_rate, work.iterations,
            iterations_per_batch=LIGHTNING_ITERATIONS_PER_BATCH,
            accelerator="gpu" if device == "cuda" else "cpu",
            logger=logger, log_every_n_steps=LIGHTNING_LOG_EVERY,
        ))
        logger.close_scalars()
        return seconds


def benchmark(iterations=None, repeat=3, device="cpu", data_dir=None, backends=None,
              echo=print):
    """Time every backend on every workload; return the rows with medians and floors."""
    plan = [
        ("numpy", np.float64, "cpu", run_numpy),
        ("numpy", np.float32, "cpu", run_numpy),
        ("course-loop", np.float64, "cpu", run_course_loop),
        ("torch-loop", np.float64, device, run_torch_loop),
        ("torch-loop", np.float32, device, run_torch_loop),
        ("lightning", np.float64, device, run_lightning),
        ("lightning", np.float32, device, run_lightning),
    ]
    if backends:
        plan = [entry for entry in plan if entry[0] in backends]
    if not plan:
        return []
    rows = []
    rates = {dtype: measure_rates(dtype) for dtype in (np.float64, np.float32)}
    for dtype, (flops, bandwidth) in rates.items():
        echo(f"rates {np.dtype(dtype).name}: matmul {flops / 1e9:.1f} GFLOP/s, "
             f"copy {bandwidth / 1e9:.1f} GB/s")
    for work in workloads(data_dir, iterations):
        for backend, dtype, dev, runner in plan:
            row = Row(work.name, backend, np.dtype(dtype).name, dev, work.iterations)
            flops, bandwidth = rates[dtype]
            row.floor = work.iterations * max(
                work.flops_per_iteration() / flops,
                work.bytes_per_iteration(np.dtype(dtype).itemsize) / bandwidth,
            )
            args = (work, dtype) if backend in ("numpy", "course-loop") else (work, dtype, dev)
            if backend in ("torch-loop", "lightning"):
                row.threads = torch_row_threads(work)
            for _ in range(repeat):
                row.seconds.append(runner(*args))
            echo(f"  {work.name:<16} {backend:<12} {row.dtype:<8} {row.median:8.3f} s")
            rows.append(row)
    return rows


def format_table(rows):
    """One table: medians, and ratios to the course loop, the torch loop and the floor."""
    by_key = {(r.workload, r.backend, r.dtype): r for r in rows}
    header = (f"{'workload':<16} {'backend':<12} {'dtype':<8} {'device':<6} {'median s':>9} "
              f"{'ms/iter':>8} {'/course':>8} {'/torch':>8} {'/floor':>8} {'threads':>7}")
    lines = [header, "-" * len(header)]
    for r in rows:
        course = by_key.get((r.workload, "course-loop", "float64"))
        torch_loop = by_key.get((r.workload, "torch-loop", r.dtype))
        ratio_course = f"{r.median / course.median:8.2f}" if course else f"{'-':>8}"
        ratio_torch = f"{r.median / torch_loop.median:8.2f}" if torch_loop else f"{'-':>8}"
        threads = f"{r.threads:7d}" if r.threads else f"{'-':>7}"
        lines.append(
            f"{r.workload:<16} {r.backend:<12} {r.dtype:<8} {r.device:<6} {r.median:9.3f} "
            f"{1000 * r.median / r.iterations:8.3f} {ratio_course} {ratio_torch} "
            f"{r.median / r.floor:8.2f} {threads}"
        )
    return "\n".join(lines)


# -- whole commands -----------------------------------------------------------------------------
def time_command(argv, env=None):
    """Run ``python -m experiments ARGV --quiet --out TMP`` in a fresh process.

    Returns
    -------
    wall : float
        Seconds from starting the process to its end, as a user waits for it.
    summary : dict
        The run folder's ``summary.json``.

    Raises
    ------
    ExperimentError
        The command failed; the message is its last line on standard error.
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [sys.executable, "-m", "experiments", *argv, "--quiet", "--out", str(out)]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True,
                              env=None if env is None else {**os.environ, **env})
        wall = time.perf_counter() - start
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise ExperimentError(f"'python -m experiments {' '.join(argv)}' failed with "
                                  f"status {done.returncode}: {last}")
        return wall, json.loads((out / "summary.json").read_text())


def time_import(module="lightning"):
    """Seconds of ``python -c 'import MODULE'`` in a fresh process (start-up included)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    return time.perf_counter() - start


def backend_seconds(summary):
    """Each backend's seconds summed over the runs of a summary: {name: seconds}."""
    seconds = {}
    for entry in summary["runs"]:
        for name, result in entry["backends"].items():
            seconds[name] = seconds.get(name, 0.0) + float(result["seconds"])
    return seconds


@dataclass
class CommandRow:
    """One command timed ``repeat`` times: its wall time and the backends' own seconds.

    Attributes
    ----------
    command : str
        The arguments after ``python -m experiments``.
    wall : list of float
    backends : dict
        Backend name -> list of its reported seconds (summed over the runs).
    references : dict
        Backend name -> (what, list of seconds) of the same work outside the command:
        the bare model for "numpy", the ``lightning`` row for "torch".
    """

    command: str
    wall: list = field(default_factory=list)
    backends: dict = field(default_factory=dict)
    references: dict = field(default_factory=dict)

    def compute(self):
        """Median of the backends' seconds, summed."""
        return sum(statistics.median(v) for v in self.backends.values())


def _flower_work(iterations):
    return next(w for w in workloads(None, iterations) if w.name == "shallow-planar")


def _images_work(data_dir, iterations):
    return next(w for w in workloads(data_dir, iterations) if w.name.startswith("deepL-"))


def cli_rows(iterations=None, repeat=3, data_dir=None, echo=print, run=time_command,
             device="cpu"):
    """The ``cli`` rows: ``run shallow-planar`` and, with the cat files, ``run deepL-cats``
    (NumPy backend; both backends on CUDA), each against its backends' compute outside the
    command, the torch backend's against the ``lightning`` row on ``device``."""
    from experiments.backends.lightning_backend import quiet_lightning

    flower = iterations or CLI_ITERATIONS
    images = iterations or CLI_IMAGE_ITERATIONS
    env = {} if data_dir is None else {"NNDL_DATA_DIR": str(Path(data_dir).resolve())}
    plan = [(["run", "shallow-planar", "--device", device, "--iterations", str(flower)],
             _flower_work(flower))]
    X, _, name = load_images(data_dir)
    if name == "cats":
        backend = "both" if device == "cuda" else "numpy"
        plan.append((["run", "deepL-cats", "--backend", backend, "--device", device,
                      "--iterations", str(images)], _images_work(data_dir, images)))
    rows = []
    for argv, work in plan:
        row = CommandRow(" ".join(argv))
        for _ in range(repeat):
            wall, summary = run(argv, env)
            row.wall.append(wall)
            for backend, seconds in backend_seconds(summary).items():
                row.backends.setdefault(backend, []).append(seconds)
        if "numpy" in row.backends:
            row.references["numpy"] = ("bare model", [run_numpy(work, np.float64)
                                                      for _ in range(repeat)])
        if "torch" in row.backends:
            with quiet_lightning():
                run_lightning(work, np.float64, device)  # the device's first-use costs
                row.references["torch"] = (f"lightning row ({device})", [
                    run_lightning(work, np.float64, device) for _ in range(repeat)])
        echo(f"  {row.command:<48} {statistics.median(row.wall):8.2f} s")
        rows.append(row)
    return rows


def sweep_rows(iterations=None, repeat=3, jobs=None, echo=print, run=time_command):
    """The ``sweep`` rows: the NumPy sweep (at the course's length unless ``iterations``)
    at ``--jobs 1`` and at ``--jobs N`` (the cores), timed alternately, so that a load
    that comes and goes on a shared machine weighs on both alike."""
    from experiments.workers import default_jobs

    jobs = jobs or default_jobs()
    length = [] if iterations is None else ["--iterations", str(iterations)]
    rows = [CommandRow(" ".join(["run", SWEEP, "--backend", "numpy", *length, "--jobs", str(n)]))
            for n in (1, jobs)]
    for _ in range(repeat):
        for row in rows:
            wall, summary = run(row.command.split())
            row.wall.append(wall)
            for backend, seconds in backend_seconds(summary).items():
                row.backends.setdefault(backend, []).append(seconds)
    for row in rows:
        echo(f"  {row.command:<48} {statistics.median(row.wall):8.2f} s")
    return rows


def time_watched(argv):
    """Run ``python -m experiments ARGV`` in a fresh process watched by :data:`IMPORT_WATCH`.

    A ``run`` gets ``--quiet --out TMP``. Returns the wall seconds and the sorted names
    among torch and lightning that any of its processes imported.

    Raises
    ------
    ExperimentError
        The command failed; the message is its last line on standard error.
    """
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "imports.log"
        extra = ["--quiet", "--out", str(Path(tmp) / "run")] if argv[0] == "run" else []
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", IMPORT_WATCH, *argv, *extra],
                              capture_output=True, text=True,
                              env={**os.environ, "NNDL_IMPORT_LOG": str(log)})
        wall = time.perf_counter() - start
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise ExperimentError(f"'python -m experiments {' '.join(argv)}' failed with "
                                  f"status {done.returncode}: {last}")
        lines = log.read_text().split() if log.exists() else []
        return wall, sorted(set(lines[1::2]))


@dataclass
class StartupRow:
    """A NumPy-only command's start-up: wall seconds, and what heavy modules it imported."""

    command: str
    wall: list = field(default_factory=list)
    imported: list = field(default_factory=list)


def startup_rows(repeat=3, echo=print, run=time_watched):
    """The ``startup`` rows: each of :data:`STARTUP_COMMANDS`, ``repeat`` times."""
    rows = []
    for argv in STARTUP_COMMANDS:
        row = StartupRow(" ".join(argv))
        for _ in range(repeat):
            wall, imported = run(list(argv))
            row.wall.append(wall)
            row.imported = sorted(set(row.imported) | set(imported))
        echo(f"  {row.command:<48} {statistics.median(row.wall):8.2f} s")
        rows.append(row)
    return rows


def format_startup(rows):
    """One line per NumPy-only command: median wall seconds and whether torch/Lightning came."""
    lines = []
    for row in rows:
        heavy = ", ".join(row.imported) if row.imported else "neither torch nor lightning"
        lines.append(f"start-up of python -m experiments {row.command}: "
                     f"{statistics.median(row.wall):.2f} s (median of {len(row.wall)}); "
                     f"imported: {heavy}")
    return "\n".join(lines)


def format_commands(rows, import_seconds=None):
    """The command rows: wall time, the backends' compute, and the ratios a user feels.

    Per command: the median wall time, each backend's median seconds as reported
    (and its reference outside the command, with the ratio), the wall time over
    the compute, and what is left beyond the compute and ``import lightning`` (for a
    command with the torch backend; a NumPy-only command does not import it).
    For a pair of sweep rows (``--jobs 1`` then ``--jobs N``), the speed-up.
    """
    lines = []
    for row in rows:
        wall = statistics.median(row.wall)
        compute = row.compute()
        lines.append(f"python -m experiments {row.command}")
        lines.append(f"  whole command {wall:8.2f} s   backends' compute {compute:8.2f} s   "
                     f"wall / compute {wall / compute:6.2f}")
        for backend, seconds in row.backends.items():
            line = f"  {backend:<6} backend {statistics.median(seconds):8.3f} s"
            if backend in row.references:
                what, reference = row.references[backend]
                reference = statistics.median(reference)
                line += f"   {what} {reference:8.3f} s   ratio {statistics.median(seconds) / reference:5.2f}"
            lines.append(line)
        if import_seconds is not None and " --jobs " not in row.command:
            if "torch" in row.backends:
                lines.append(f"  import lightning {import_seconds:6.2f} s   the rest (start-up, "
                             f"figures, reports) {wall - compute - import_seconds:6.2f} s")
            else:  # a NumPy-only command imports neither torch nor Lightning
                lines.append(f"  the rest (start-up, figures, reports) {wall - compute:6.2f} s")
    sweeps = [row for row in rows if " --jobs " in row.command]
    if len(sweeps) == 2:
        first, second = (statistics.median(row.wall) for row in sweeps)
        jobs = sweeps[1].command.rsplit(" ", 1)[-1]
        lines.append(f"sweep: --jobs 1 / --jobs {jobs} = {first / second:.2f} "
                     f"({first:.2f} s / {second:.2f} s)")
    return "\n".join(lines)


def command_bench(args):
    """``python -m experiments bench``: run :func:`benchmark` and print the table."""
    import platform

    check_data_dir(args.data_dir)  # before anything is timed or imported
    import torch

    import torch_ref  # noqa: F401  (Lightning sets its log level on import: import it first)
    from experiments.backends.lightning_backend import quiet_lightning

    if args.device == "cuda" and not torch.cuda.is_available():
        raise ExperimentError("--device cuda: no CUDA GPU is available on this machine")
    selected = args.backends or DEFAULT_ROWS
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor()
    print(f"{time.strftime('%Y-%m-%d')}  {platform.platform()}  {device_name or 'cpu'}  "
          f"{os.cpu_count()} cores")
    print(f"numpy {np.__version__}, torch {torch.__version__}, lightning "
          f"{__import__('lightning').__version__}, torch threads {torch.get_num_threads()} "
          f"(1 for small models, as run trains them); median of {args.repeat} runs; "
          f"lightning: {LIGHTNING_ITERATIONS_PER_BATCH} iterations per training_step, "
          f"TensorBoard every {LIGHTNING_LOG_EVERY} iterations")
    with quiet_lightning():
        rows = benchmark(args.iterations, args.repeat, args.device, args.data_dir, selected)
    if rows:
        print()
        print(format_table(rows))
    commands = []
    if "cli" in selected:
        print()
        print("whole commands (each in a fresh process):")
        commands += cli_rows(args.iterations, args.repeat, args.data_dir, device=args.device)
    if "sweep" in selected:
        if "cli" not in selected:
            print()
        commands += sweep_rows(args.iterations, args.repeat)
    startup = []
    if "startup" in selected:
        if not commands:
            print()
        startup = startup_rows(args.repeat)
    if commands:
        print()
        print(format_commands(commands, time_import() if "cli" in selected else None))
    if startup:
        print()
        print(format_startup(startup))
    if not args.backends:
        print()
        print("(--backends sweep times a sweep at --jobs 1 against --jobs N; "
              "--backends ROW ... picks rows)")
    return 0
