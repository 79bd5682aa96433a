"""Timing the backends on the same work, in one process, as ratios.

``python -m experiments bench`` runs each workload through:

* ``numpy``: this project's model (``scratch``);
* ``course-loop``: the course's assignment code (:mod:`experiments.course_style`),
  the baseline learners write;
* ``torch-loop``: a plain PyTorch loop (autograd, SGD), float64 and float32;
* ``lightning``: this project's Lightning run (``torch_ref``).

and prints medians over ``--repeat`` runs with ratios between rows, plus each
row's time over the *floor*: the work of one iteration (floating-point
operations, bytes that must cross memory) divided by the rates this machine
reached in the same run on a large matrix product and a large copy.
Shared machines are noisy: read the ratios, not the absolute times.
"""

import statistics
import time
from dataclasses import dataclass, field

import numpy as np

import scratch
from experiments import course_style
from scratch.data import load_cat_dataset, load_digits_binary, make_flower
from scratch.errors import DatasetNotFoundError


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

    @property
    def median(self):
        return statistics.median(self.seconds)


def workloads(data_dir=None, iterations=None):
    """deep2 and deepL on the cat images (the digits where absent), shallow on the flower."""
    try:
        cats = load_cat_dataset(data_dir)
        X, Y, images = cats.X_train, cats.Y_train, "cats"
    except DatasetNotFoundError:
        digits = load_digits_binary()
        X, Y, images = digits.X_train, digits.Y_train, "digits"
    n_x = X.shape[0]
    Xf, Yf = make_flower()
    return [
        Workload(f"deep2-{images}", X, Y, [n_x, 7, 1], "relu", 0.0075, 1, 0.01,
                 iterations or 100),
        Workload(f"deepL-{images}", X, Y, [n_x, 20, 7, 5, 1], "relu", 0.0075, 1, "lecun",
                 iterations or 100),
        Workload("shallow-planar", Xf, Yf, [2, 4, 1], "tanh", 1.2, 2, 0.01,
                 iterations or 1000),
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
    return _timed(lambda: course_style.L_layer_model(
        X, Y, work.layer_dims, work.learning_rate, work.iterations, work.seed, work.scale,
        work.hidden_activation,
    ))


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

    return _timed(loop)


# The Lightning row's settings, printed with the table: many iterations per training_step
# pay Lightning's per-step bookkeeping once, and the cost curve goes to TensorBoard every
# LIGHTNING_LOG_EVERY iterations.
LIGHTNING_ITERATIONS_PER_BATCH = 100
LIGHTNING_LOG_EVERY = 10


def run_lightning(work, dtype, device):
    """This project's Lightning run, logging its cost curve to TensorBoard in a scratch folder."""
    import tempfile

    from lightning.pytorch.loggers import TensorBoardLogger

    import torch_ref

    twin = torch_ref.from_scratch(work.scratch_model(dtype), device=device)
    X, Y = work.X.astype(dtype), work.Y.astype(dtype)
    with tempfile.TemporaryDirectory() as log_dir:
        logger = TensorBoardLogger(log_dir, name="", default_hp_metric=False)
        return _timed(lambda: torch_ref.fit_arrays(
            twin, X, Y, work.learning_rate, work.iterations,
            iterations_per_batch=LIGHTNING_ITERATIONS_PER_BATCH,
            accelerator="gpu" if device == "cuda" else "cpu",
            logger=logger, log_every_n_steps=LIGHTNING_LOG_EVERY,
        ))


def benchmark(iterations=None, repeat=3, device="cpu", data_dir=None, backends=None,
              echo=print):
    """Time every backend on every workload; return the rows with medians and floors."""
    rows = []
    rates = {dtype: measure_rates(dtype) for dtype in (np.float64, np.float32)}
    for dtype, (flops, bandwidth) in rates.items():
        echo(f"rates {np.dtype(dtype).name}: matmul {flops / 1e9:.1f} GFLOP/s, "
             f"copy {bandwidth / 1e9:.1f} GB/s")
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
    for work in workloads(data_dir, iterations):
        for backend, dtype, dev, runner in plan:
            row = Row(work.name, backend, np.dtype(dtype).name, dev, work.iterations)
            flops, bandwidth = rates[dtype]
            row.floor = work.iterations * max(
                work.flops_per_iteration() / flops,
                work.bytes_per_iteration(np.dtype(dtype).itemsize) / bandwidth,
            )
            args = (work, dtype) if backend in ("numpy", "course-loop") else (work, dtype, dev)
            for _ in range(repeat):
                row.seconds.append(runner(*args))
            echo(f"  {work.name:<16} {backend:<12} {row.dtype:<8} {row.median:8.3f} s")
            rows.append(row)
    return rows


def format_table(rows):
    """One table: medians, and ratios to the course loop, the torch loop and the floor."""
    by_key = {(r.workload, r.backend, r.dtype): r for r in rows}
    header = (f"{'workload':<16} {'backend':<12} {'dtype':<8} {'device':<6} {'median s':>9} "
              f"{'ms/iter':>8} {'/course':>8} {'/torch':>8} {'/floor':>8}")
    lines = [header, "-" * len(header)]
    for r in rows:
        course = by_key.get((r.workload, "course-loop", "float64"))
        torch_loop = by_key.get((r.workload, "torch-loop", r.dtype))
        ratio_course = f"{r.median / course.median:8.2f}" if course else f"{'-':>8}"
        ratio_torch = f"{r.median / torch_loop.median:8.2f}" if torch_loop else f"{'-':>8}"
        lines.append(
            f"{r.workload:<16} {r.backend:<12} {r.dtype:<8} {r.device:<6} {r.median:9.3f} "
            f"{1000 * r.median / r.iterations:8.3f} {ratio_course} {ratio_torch} "
            f"{r.median / r.floor:8.2f}"
        )
    return "\n".join(lines)



def command_bench(args):
    """``python -m experiments bench``: run :func:`benchmark` and print the table."""
    import platform

    import torch

    import torch_ref  # noqa: F401  (Lightning sets its log level on import: import it first)
    from experiments.backends.lightning_backend import quiet_lightning
    from experiments.errors import ExperimentError

    if args.device == "cuda" and not torch.cuda.is_available():
        raise ExperimentError("--device cuda: no CUDA GPU is available on this machine")
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else platform.processor()
    print(f"{time.strftime('%Y-%m-%d')}  {platform.platform()}  {device_name or 'cpu'}")
    print(f"numpy {np.__version__}, torch {torch.__version__}, torch threads "
          f"{torch.get_num_threads()}; median of {args.repeat} runs; lightning: "
          f"{LIGHTNING_ITERATIONS_PER_BATCH} iterations per training_step, TensorBoard every "
          f"{LIGHTNING_LOG_EVERY} iterations")
    with quiet_lightning(True):
        rows = benchmark(args.iterations, args.repeat, args.device, args.data_dir, args.backends)
    print()
    print(format_table(rows))
    return 0
