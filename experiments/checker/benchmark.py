"""How long the checker takes on a whole application notebook: the default against the former.

``python -m experiments.checker.benchmark [NOTEBOOK] [--repeats N]`` checks the
notebook (default: the right application fixture) in one process, alternating

* ``former``: the whole runs as they were, 300 iterations on all 209 cat images
  with BLAS's own number of threads, and
* ``default``: the whole runs of today's default (200 iterations on the first 64,
  one BLAS thread),

and prints each one's median wall and CPU seconds (CPU time, all threads, is the
steadier figure on a shared machine), their ratios, and that both verdicts agree.
Needs the cat files (``NNDL_DATA_DIR``).
"""

import argparse
import statistics
import time
from pathlib import Path
from unittest import mock

FIXTURE = (Path(__file__).resolve().parents[2] / "parity_tests" / "learner_fixtures"
           / "right_deep_application.ipynb")


def _former_data(kind, data_dir=None, runs="full"):
    from experiments.checker import oracles

    if oracles.RUNS[kind].data == "flower":
        from scratch.data import make_flower

        return make_flower()
    from scratch.data import load_cat_dataset

    return load_cat_dataset(data_dir)


def _check(path, former):
    from experiments.checker import check_path
    from experiments.checker.core import Options

    if former:
        with mock.patch("experiments.checker.oracles.load_run_data", _former_data), \
                mock.patch("experiments.checker.core.WHOLE_RUN_BLAS_THREADS", None):
            options = Options(runs="short", iterations=300)
            start, cpu = time.perf_counter(), time.process_time()
            records = check_path(path, options=options, quiet=True)
    else:
        start, cpu = time.perf_counter(), time.process_time()
        records = check_path(path, options=Options(), quiet=True)
    return ((time.perf_counter() - start, time.process_time() - cpu),
            [(r.function, r.status) for r in records])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default=str(FIXTURE))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    import experiments.checker.core  # noqa: F401 - the imports, timed apart
    print(f"imports: {time.perf_counter() - start:.1f} s")
    seconds = {"former": [], "default": []}
    verdicts = {}
    for _ in range(args.repeats):
        for name in ("former", "default"):
            spent, verdicts[name] = _check(args.notebook, name == "former")
            seconds[name].append(spent)
            print(f"{name:8s} wall {spent[0]:7.1f} s, CPU {spent[1]:7.1f} s  {verdicts[name]}")
    for i, what in enumerate(("wall", "CPU")):
        former, default = (statistics.median(s[i] for s in seconds[n])
                           for n in ("former", "default"))
        print(f"median {what}: former {former:.1f} s, default {default:.1f} s, "
              f"ratio {former / default:.1f}x")
    print(f"same verdicts: {verdicts['former'] == verdicts['default']}")


if __name__ == "__main__":
    main()
