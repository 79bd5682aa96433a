"""Profile the torch side of ``run`` and count host-device round trips per iteration.

    python .ci/profile_training.py --device cuda --out DIR [--experiment shallow-planar]

Runs ``run EXPERIMENT --backend torch`` in this process under ``torch.profiler``
twice, at two lengths (``--iterations``, then three times as many), and reports
per iteration the difference between the two: what a longer run adds, without
the constant start-up and end. Counted: the CUDA runtime's copies and
synchronisations (``cudaMemcpy*``, ``cud*Synchronize``), and aten's
``_local_scalar_dense`` (``.item()``, ``float()``, ``bool()`` of a tensor) and
``copy_`` (``.cpu()``, ``.to()``). Writes ``profile.txt`` (the counts and the top
operators of the longer run) into ``--out``; prints the counts.
"""

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from experiments import cli

# Counted besides every cudaMemcpy* and *Synchronize call of the CUDA runtime.
COUNTED = ("aten::_local_scalar_dense", "aten::copy_", "aten::item", "aten::to")


def profiled_run(experiment, device, iterations, extra):
    """(event counts, torch seconds, profiler) of one ``run`` under the profiler."""
    activities = [ProfilerActivity.CPU]
    if device == "cuda":
        activities.append(ProfilerActivity.CUDA)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        with profile(activities=activities) as prof:
            status = cli.main(["run", experiment, "--backend", "torch", "--device", device,
                               "--iterations", str(iterations), "--quiet", "--out", str(out),
                               *extra])
            if device == "cuda":
                torch.cuda.synchronize()
        if status != 0:
            sys.exit(f"run {experiment} failed with status {status}")
        summary = json.loads((out / "summary.json").read_text())
    counts = collections.Counter()
    for event in prof.events():
        name = event.name
        if name in COUNTED or name.startswith("cudaMemcpy") or name.endswith("Synchronize"):
            counts[name] += 1
    seconds = sum(entry["backends"]["torch"]["seconds"] for entry in summary["runs"])
    return counts, seconds, prof


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cpu", "cuda"])
    parser.add_argument("--experiment", default="shallow-planar")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument("--iterations-per-batch", type=int, default=None)
    parser.add_argument("--out", default=".")
    args = parser.parse_args(argv)
    extra = ([] if args.iterations_per_batch is None
             else ["--iterations-per-batch", str(args.iterations_per_batch)])
    short, long_ = args.iterations, 3 * args.iterations
    profiled_run(args.experiment, args.device, 50, extra)  # first-use costs, not counted
    started = time.perf_counter()
    counts_short, seconds_short, _ = profiled_run(args.experiment, args.device, short, extra)
    counts_long, seconds_long, prof = profiled_run(args.experiment, args.device, long_, extra)
    lines = [f"run {args.experiment} --backend torch --device {args.device} "
             f"{' '.join(extra)}: profiled at {short} and {long_} iterations "
             f"({time.perf_counter() - started:.1f} s with the profiler)",
             f"torch seconds under the profiler: {seconds_short:.3f} s / {seconds_long:.3f} s; "
             f"per added iteration {1e3 * (seconds_long - seconds_short) / (long_ - short):.4f} ms",
             "per added iteration (count at the longer run minus the shorter, over the "
             "iterations added):"]
    for name in sorted(set(counts_short) | set(counts_long)):
        per = (counts_long[name] - counts_short[name]) / (long_ - short)
        lines.append(f"  {name:<28} {per:8.4f}   (totals {counts_short[name]} / "
                     f"{counts_long[name]})")
    sort_by = "self_device_time_total" if args.device == "cuda" else "self_cpu_time_total"
    table = prof.key_averages().table(sort_by=sort_by, row_limit=20)
    text = "\n".join(lines)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "profile.txt").write_text(text + "\n\ntop operators of the longer run:\n" + table)
    top = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12)
    (out / "profile.txt").open("a").write("\n\nby host time:\n" + top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
