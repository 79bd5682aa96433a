"""Does the suite catch typical bugs? Inject them one at a time into a copy and see.

Run on demand, not in CI (it is not a test file, so pytest does not collect it)::

    python parity_tests/mutation_check.py            # each bug against the tests that should see it
    python parity_tests/mutation_check.py --full     # each bug against the whole default suite
    python parity_tests/mutation_check.py --only he-scale-sqrt-1-over-n tanh-slope-1-minus-A
    python parity_tests/mutation_check.py --only twin-cost-mean-over-outputs-too \
        --tests "parity_tests/test_lightning.py -k multi_output"   # does this test see it?
    python parity_tests/mutation_check.py --list

The project (without .git, .venv and run folders) is copied to a temporary folder
once; each bug is a text replacement in one or more of the copy's files, made, tested
with ``pytest -x`` in the copy (which comes first on ``PYTHONPATH``), and undone. The
working tree is never touched. A bug is *caught* when a test fails, *missed* when the
tests pass; *not injected* means the code it edits has changed since the bug was
written here (update the ``old`` text), which is reported, not hidden.

Exit status: 0 when every injected bug was caught, 1 otherwise.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORED = shutil.ignore_patterns(".git", ".venv", "venv", "runs", "lightning_logs", "__pycache__",
                                 "*.egg-info", ".pytest_cache", ".hypothesis", "build", "dist",
                                 "datasets")


@dataclass
class Bug:
    """One typical bug: where it goes, what it replaces, which tests should see it."""

    id: str
    description: str
    path: str
    edits: list  # [(old, new)], each old text found exactly once in path
    tests: list = field(default_factory=list)  # pytest arguments: the relevant tests


PARITY = "parity_tests/test_torch_parity.py"
GRADIENTS = "parity_tests/test_scratch_gradients.py"
LIGHTNING = "parity_tests/test_lightning.py"
DDP = "parity_tests/test_ddp.py"
INIT = "parity_tests/test_initializers.py"
COSTS = "parity_tests/test_costs.py"
EXPERIMENTS = "parity_tests/test_experiments.py"
ORACLES = "parity_tests/test_checker_oracles.py"
THRESHOLDS = "parity_tests/test_thresholds.py"
MADE_UP_CATS = [f"parity_tests/test_data.py::test_made_up_cat_files_{name}" for name in
                ("load_in_the_courses_layout_and_scale", "through_the_twins_data_module")]

BUGS = [
    Bug("db-without-1-over-m", "linear_backward forgets to divide db by m",
        "scratch/layers.py", [("    db /= m\n", "")], [GRADIENTS, PARITY]),
    Bug("leaky-relu-slope-sign", "leaky ReLU's backward uses -negative_slope for z < 0",
        "scratch/activations.py", [("dA, dA * negative_slope)", "dA, dA * -negative_slope)")],
        [GRADIENTS, PARITY]),
    Bug("tanh-slope-1-minus-A", "tanh's derivative written as 1 - A instead of 1 - A^2",
        "scratch/activations.py", [("(1 - A * A)", "(1 - A)")], [GRADIENTS, PARITY]),
    Bug("tanh-slope-off-by-450-eps", "tanh's derivative off by a relative 1e-13 (450 eps)",
        "scratch/activations.py", [("(1 - A * A)", "(1 - A * A) * (1 + 1e-13)")], [PARITY]),
    Bug("relu-slope-1-at-zero", "ReLU's derivative taken as 1 at exactly z = 0 (z >= 0)",
        "scratch/activations.py", [('as_floating("cache", cache) > 0))',
                                    'as_floating("cache", cache) >= 0))')],
        [GRADIENTS, PARITY]),
    Bug("he-scale-sqrt-1-over-n", "He initialisation scaled by sqrt(1/n) instead of sqrt(2/n)",
        "scratch/initializers.py", [("np.sqrt(2.0 / n_prev)", "np.sqrt(1.0 / n_prev)")],
        [INIT, PARITY, LIGHTNING]),
    Bug("course-biases-random", "the course initialiser draws random biases",
        "scratch/initializers.py",
        [('params[f"b{l}"] = np.zeros((n_l, 1), dtype=dtype)',
          'params[f"b{l}"] = (draw(n_l, 1) * 0.01 if init == "course" '
          'else np.zeros((n_l, 1))).astype(dtype)')],
        [INIT, PARITY]),
    Bug("lecture-bce-without-1-over-m", "the lecture-form cross-entropy forgets 1/m",
        "scratch/costs.py", [("(1 - Y) * np.log(1 - AL)).sum() / m)",
                              "(1 - Y) * np.log(1 - AL)).sum())")], [COSTS, PARITY]),
    Bug("mse-mean-over-outputs-too", "the mean squared error divides by n_y m, not m",
        "scratch/costs.py", [("return float((diff * diff).sum() / m)",
                              "return float((diff * diff).mean())")], [COSTS, PARITY]),
    Bug("twin-cost-mean-over-outputs-too", "the twin's cost averages over outputs as well",
        "torch_ref/models.py", [('summed / Y.shape[1]', 'summed / Y.numel()')],
        [PARITY, LIGHTNING]),
    Bug("ddp-cost-mean-over-outputs-too",
        "a data-parallel step averages the cost over outputs as well as examples",
        "torch_ref/lightning.py",
        [('metrics = {"cost": totals[0] / m_total}',
          'metrics = {"cost": totals[0] / (m_total * Y.shape[0])}'),
         ("loss = summed / m_total * self.trainer.world_size",
          "loss = summed / (m_total * Y.shape[0]) * self.trainer.world_size")],
        [DDP]),
    Bug("lightning-skips-last-parameter", "the optimizer is handed every parameter but the last",
        "torch_ref/lightning.py",
        [("torch.optim.SGD(self.model.parameters(),",
          "torch.optim.SGD(list(self.model.parameters())[:-1],")],
        [LIGHTNING]),
    Bug("ddp-divides-by-world-size-twice",
        "data-parallel loss not scaled by W, so DDP's mean divides by W twice",
        "torch_ref/lightning.py",
        [("loss = summed / m_total * self.trainer.world_size", "loss = summed / m_total")],
        [DDP]),
    Bug("runner-reports-no-difference", "the runner reports the backends' cost difference as 0",
        "experiments/runner.py",
        [("    return float(np.max(np.abs(first[:n] - second[:n]))) if n else None",
          "    return 0.0 if n else None")],
        [EXPERIMENTS + "::test_experiment_runs_both_backends_and_reports"]),
    # -- the checker's oracles: tolerances, per-input loops, what finite differences go through --
    Bug("checker-values-rtol-1000x", "the checker's value comparison loosened 1000x (RTOL)",
        "experiments/checker/compare.py", [("RTOL = 1e-6\n", "RTOL = 1e-3\n")], [ORACLES]),
    Bug("checker-values-atol-1000x", "the checker's value comparison loosened 1000x (ATOL)",
        "experiments/checker/compare.py", [("ATOL = 1e-9\n", "ATOL = 1e-6\n")], [ORACLES]),
    Bug("checker-fd-tolerance-1000x", "the finite-difference oracle's tolerance loosened 1000x",
        "experiments/checker/oracles.py", [("FD_TOLERANCE = 1e-5 ", "FD_TOLERANCE = 1e-2 ")],
        [ORACLES]),
    Bug("checker-autograd-tolerance-1000x", "the autograd oracle's tolerance loosened 1000x",
        "experiments/checker/oracles.py",
        [("AUTOGRAD_TOLERANCE = 1e-8\n", "AUTOGRAD_TOLERANCE = 1e-5\n")], [ORACLES]),
    Bug("checker-flower-run-rtol-1000x", "the flower's whole run held to 1000x its rtol",
        "experiments/checker/oracles.py",
        [("RUN_TOLERANCE_LOOSE = (1e-3, ", "RUN_TOLERANCE_LOOSE = (1.0, ")], [ORACLES]),
    Bug("checker-cat-run-rtol-1000x", "the cat images' whole runs held to 1000x their rtol",
        "experiments/checker/oracles.py",
        [("RUN_TOLERANCE = (1e-5, ", "RUN_TOLERANCE = (1e-2, ")], [ORACLES]),
    Bug("checker-values-first-input-only", "the values are compared on the first input only",
        "experiments/checker/core.py",
        [("zip(cases, outcomes, expected):", "zip(cases[:1], outcomes, expected):")], [ORACLES]),
    Bug("checker-stops-after-first-return", "the learner's function is called until one returns",
        "experiments/checker/core.py",
        [("            if outcome.timed_out or outcome.problem:\n                break",
          "            if outcome.timed_out or outcome.problem or outcome.ok:\n                break")],
        [ORACLES]),
    Bug("checker-gradients-first-input-only", "the gradient oracles look at the first input only",
        "experiments/checker/core.py",
        [("for case, outcome in zip(cases, outcomes):",
          "for case, outcome in zip(cases[:1], outcomes):")], [ORACLES]),
    Bug("checker-run-first-cost-only", "a whole run's costs compared at the first record only",
        "experiments/checker/oracles.py",
        [("zip(expected, got):", "zip(expected[:1], got[:1]):")], [ORACLES]),
    Bug("checker-fd-learner-against-itself",
        "the finite-difference oracle compares the learner's gradient with itself",
        "experiments/checker/oracles.py",
        [("to_fd = relative_difference(got, fd)", "to_fd = relative_difference(got, got)")],
        [ORACLES]),
    Bug("checker-fd-through-the-reference",
        "finite differences taken through the reference's forward, not the learner's",
        "experiments/checker/core.py",
        [("out[name] = value if callable(value) else getattr(",
          "out[name] = getattr(")], [ORACLES]),
    Bug("checker-autograd-ignored", "a gradient that agrees with finite differences passes",
        "experiments/checker/oracles.py",
        [("if to_fd <= FD_TOLERANCE and to_autograd <= AUTOGRAD_TOLERANCE:",
          "if to_fd <= FD_TOLERANCE:")], [ORACLES]),
    Bug("checker-in-place-change-unseen", "an argument changed in place goes unnoticed",
        "experiments/checker/core.py", [("        if changed is not None:\n",
                                         "        if False:\n")], [ORACLES]),
    Bug("checker-oracles-in-float32", "the gradient oracles compute in float32",
        "experiments/checker/oracles.py",
        [("    return np.array(array, dtype=np.float64)",
          "    return np.array(array, dtype=np.float32)")], [ORACLES]),
    # -- the oracle of the oracles ----------------------------------------------------------------
    Bug("gradient-check-compares-norms", "gradient_check's error compares the gradients' norms",
        "scratch/gradient_check.py",
        [("return float(np.linalg.norm(a - b) / denominator)",
          "return float(abs(np.linalg.norm(a) - np.linalg.norm(b)) / denominator)")],
        [GRADIENTS]),
    Bug("gradient-check-sums-entries", "gradient_check's error compares the gradients' sums",
        "scratch/gradient_check.py",
        [("return float(np.linalg.norm(a - b) / denominator)",
          "return float(abs(np.sum(a) - np.sum(b)) / denominator)")], [GRADIENTS]),
    # -- thresholds at exactly 0.5 and 0 ----------------------------------------------------------
    Bug("models-predict-half-as-1", "the NumPy models predict class 1 at exactly 0.5",
        "scratch/models.py", [("return (AL > 0.5).astype(np.int64)",
                               "return (AL >= 0.5).astype(np.int64)")], [THRESHOLDS]),
    Bug("models-accuracy-half-as-1", "classification_accuracy counts exactly 0.5 as class 1",
        "scratch/models.py", [("np.mean((AL > 0.5) == Y)", "np.mean((AL >= 0.5) == Y)")],
        [THRESHOLDS]),
    Bug("twin-predict-half-as-1", "the torch twins predict class 1 at exactly 0.5",
        "torch_ref/models.py", [("return (AL > 0.5).to(torch.int64)",
                                 "return (AL >= 0.5).to(torch.int64)")], [THRESHOLDS]),
    Bug("twin-accuracy-half-as-1", "the torch twins' accuracy counts exactly 0.5 as class 1",
        "torch_ref/models.py", [("(self._forward(X)[0] > 0.5)", "(self._forward(X)[0] >= 0.5)")],
        [THRESHOLDS]),
    Bug("log-accuracy-half-as-1", "the training log's accuracy counts exactly 0.5 as class 1",
        "experiments/logs.py", [("(np.stack(self._outputs) > 0.5)",
                                 "(np.stack(self._outputs) >= 0.5)")], [THRESHOLDS]),
    Bug("course-logreg-predict-half-as-1", "logistic regression's predict: 1 at exactly 0.5",
        "scratch/course/logistic_regression.py",
        [("return (A > 0.5).astype(np.float64)", "return (A >= 0.5).astype(np.float64)")],
        [THRESHOLDS]),
    Bug("course-planar-predict-half-as-1", "the planar predict: 1 at exactly 0.5",
        "scratch/course/planar.py", [("return A2 > 0.5", "return A2 >= 0.5")], [THRESHOLDS]),
    Bug("course-deep-predict-half-as-1", "the deep application's predict: 1 at exactly 0.5",
        "scratch/course/deep_application.py", [("p = (probas > 0.5)", "p = (probas >= 0.5)")],
        [THRESHOLDS]),
    Bug("leaky-relu-slope-1-at-zero", "leaky ReLU's derivative taken as 1 at exactly z = 0",
        "scratch/activations.py",
        [('np.where(as_floating("cache", cache) > 0, dA, dA * negative_slope)',
          'np.where(as_floating("cache", cache) >= 0, dA, dA * negative_slope)')], [THRESHOLDS]),
    # -- the cat images' scale and dtype, seen on made-up files -----------------------------------
    Bug("cat-scale-dropped", "the cat images are not divided by 255", "scratch/data.py",
        [(".T.astype(dtype) / dtype.type(255)", ".T.astype(dtype)")], MADE_UP_CATS),
    Bug("cat-scale-twice", "the cat images are divided by 255 twice", "scratch/data.py",
        [(".T.astype(dtype) / dtype.type(255)",
          ".T.astype(dtype) / dtype.type(255) / dtype.type(255)")], MADE_UP_CATS),
    Bug("cat-float32-asked-float64-given", "the cat images come in float64 when float32 is asked",
        "scratch/data.py", [(".T.astype(dtype) / dtype.type(255)",
                             ".T.astype(np.float64) / 255.0")], MADE_UP_CATS),
    Bug("cat-labels-a-column", "the cat labels come as a column (m, 1), not a row",
        "scratch/data.py", [("return y.reshape(1, -1).astype(dtype)",
                             "return y.reshape(-1, 1).astype(dtype)")], MADE_UP_CATS),
    # -- recovery (the crash-resume comparison's bug; its tests are the recovery tests) ----------
    Bug("numpy-crash-resume-repeats-iteration",
        "a NumPy resume after a crash repeats an iteration (periodic checkpoint a cost short)",
        "experiments/backends/numpy_backend.py",
        [("                if done % checkpoint_every == 0 and done < end:\n"
          "                    save(done)\n",
          "                if done % checkpoint_every == 0 and done < end:\n"
          "                    save(done - 1)\n")],
        [EXPERIMENTS + "::test_a_crash_resumes_from_the_periodic_checkpoint",
         "parity_tests/test_run_reports.py::test_a_crash_between_checkpoints_resumes_to_the_"
         "uninterrupted_run"]),
]


def copy_project(destination):
    shutil.copytree(ROOT, destination, ignore=IGNORED, symlinks=True)
    return Path(destination)


def inject(copy, bug):
    """Apply the bug's edits to the copy; return the original text, or None if not found."""
    path = copy / bug.path
    original = path.read_text()
    text = original
    for old, new in bug.edits:
        if text.count(old) != 1:
            return None
        text = text.replace(old, new)
    path.write_text(text)
    return original


def environment(copy):
    """os.environ with the copy first on PYTHONPATH (ahead of an editable install)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(copy), os.environ.get("PYTHONPATH")])))
    env.pop("NNDL_TOLERANCE_LOG", None)
    return env


def imports_the_copy(copy):
    """True when Python started in the copy imports the copy's packages."""
    done = subprocess.run(
        [sys.executable, "-c", "import scratch, torch_ref; print(scratch.__file__); "
                               "print(torch_ref.__file__)"],
        cwd=copy, env=environment(copy), capture_output=True, text=True)
    paths = done.stdout.split()
    return len(paths) == 2 and all(Path(p).resolve().is_relative_to(copy.resolve())
                                   for p in paths)


def run_tests(copy, arguments, timeout):
    """pytest in the copy: (exit status, node ids of failed tests), (None, []) on timeout."""
    env = environment(copy)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]
    try:
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, []
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, flags=re.M)
    return done.returncode, failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="run the whole default suite against each bug")
    parser.add_argument("--only", nargs="+", metavar="ID", help="only these bugs")
    parser.add_argument("--tests", help="pytest arguments to run against each bug instead "
                                        "of its own, e.g. \"parity_tests/test_lightning.py -k "
                                        "multi_output\"")
    parser.add_argument("--list", action="store_true", help="list the bugs and exit")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per bug")
    args = parser.parse_args(argv)
    bugs = BUGS
    if args.tests is not None:
        bugs = [Bug(bug.id, bug.description, bug.path, bug.edits, shlex.split(args.tests))
                for bug in BUGS]
    if args.only:
        unknown = set(args.only) - {bug.id for bug in BUGS}
        if unknown:
            parser.error(f"unknown bug {', '.join(sorted(unknown))}; see --list")
        bugs = [bug for bug in bugs if bug.id in args.only]
    if args.list:
        for bug in bugs:
            print(f"{bug.id:38s} {bug.path:26s} {bug.description}")
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="nndl-mutants-") as folder:
        copy = copy_project(Path(folder) / "project")
        if not imports_the_copy(copy):
            print("Python started in the copy imports another scratch or torch_ref; "
                  "stopping rather than testing the wrong code")
            return 2
        # Tests that already fail on the unchanged code say nothing about a bug: find them
        # once and leave them out of every run below.
        if args.full:
            baseline = []
        elif args.tests is not None:
            baseline = shlex.split(args.tests)
        else:  # every bug's own tests are test files
            baseline = list(dict.fromkeys(path for bug in bugs for path in bug.tests))
        status, already_failing = run_tests(copy, baseline, args.timeout)
        if status not in (0, 1):
            print(f"the unchanged project's tests did not run (pytest exit {status})")
            return 2
        if already_failing:
            print(f"failing without any bug, left out: {', '.join(already_failing)}")
        deselect = [arg for test in already_failing for arg in ("--deselect", test)]
        for bug in bugs:
            original = inject(copy, bug)
            if original is None:
                results.append((bug, "not injected", "the code to edit has changed", 0.0))
                print(f"{bug.id}: not injected", flush=True)
                continue
            start = time.perf_counter()
            try:
                status, failed = run_tests(copy, ["-x", *deselect,
                                                  *([] if args.full else bug.tests)],
                                           args.timeout)
            finally:
                (copy / bug.path).write_text(original)
            seconds = time.perf_counter() - start
            verdict = {0: "MISSED", 1: "caught"}.get(status, f"error (pytest exit {status})")
            first = failed[0] if failed else ""
            results.append((bug, verdict, first, seconds))
            print(f"{bug.id}: {verdict} in {seconds:.0f} s {first}", flush=True)

    print()
    print(f"{'bug':38s} {'verdict':10s} {'s':>5s}  first failing test")
    for bug, verdict, first, seconds in results:
        print(f"{bug.id:38s} {verdict:10s} {seconds:5.0f}  {first}")
    missed = [bug.id for bug, verdict, _, _ in results if verdict != "caught"]
    caught = len(results) - len(missed)
    print(f"\n{caught} of {len(results)} bugs caught"
          + (f"; not caught: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
