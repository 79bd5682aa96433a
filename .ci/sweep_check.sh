#!/bin/bash
# The NumPy sweep's scaling with cores, in at most 90 s, from the project's root: the course's
# shallow-planar-hidden-sweep at --jobs 1 and --jobs N (default 16) three times in turn, the
# medians of their wall seconds and the ratio, then one --jobs N run with a timeline of the
# parent process (seconds since it started: imports, forking, each run's end, the sweep's
# figure) and its own profile (the workers not profiled). The project goes on PYTHONPATH;
# jsonargparse is taken from /tmp/site, or installed there from .whl/ (see .ci/gpu_check.sh).
# Usage: bash .ci/sweep_check.sh [N]
JOBS=${1:-16}
PY=${PYTHON:-python3}
export PYTHONPATH=$PWD:/tmp/site PYTHONWARNINGS=ignore
if ! "$PY" -c "import jsonargparse" 2>/dev/null && ls .whl/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
fi
[ -d .gpu ] && export NNDL_DATA_DIR=${NNDL_DATA_DIR:-$PWD/.gpu}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
echo "cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
sweep() { rm -rf "$WORK/out"
  /usr/bin/time -f "%e" -o "$WORK/t" "$PY" -m experiments run shallow-planar-hidden-sweep \
    --backend numpy --jobs "$1" --quiet --out "$WORK/out" > "$WORK/log" 2>&1 \
    || { echo "the sweep at --jobs $1 failed:"; tail -n 5 "$WORK/log"; exit 1; }
  tail -n 1 "$WORK/t"; }
one=(); many=()
for round in 1 2 3; do
  one+=("$(sweep 1)"); many+=("$(sweep "$JOBS")")
  echo "round $round: --jobs 1 ${one[-1]} s, --jobs $JOBS ${many[-1]} s"
done
"$PY" - "${one[@]}" "${many[@]}" "$JOBS" <<'PYEOF'
import statistics, sys
*seconds, jobs = sys.argv[1:]
one, many = map(float, seconds[:3]), map(float, seconds[3:])
one, many = statistics.median(one), statistics.median(many)
print(f"median: --jobs 1 {one:.2f} s, --jobs {jobs} {many:.2f} s, ratio {one / many:.2f}x")
PYEOF
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== the parent at --jobs $JOBS: timeline (s since start), then its own profile"
cat > "$WORK/timeline.py" <<'PYEOF'
import contextlib, cProfile, functools, os, pstats, runpy, sys, time
ticks = os.sysconf("SC_CLK_TCK")
started = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / ticks
T0 = time.time() - (float(open("/proc/uptime").read().split()[0]) - started)
PID, marks = os.getpid(), []
def mark(name):
    if os.getpid() == PID:
        marks.append((time.time() - T0, name))
mark("interpreter up")
profile = cProfile.Profile()
os.register_at_fork(after_in_child=profile.disable)  # the workers run unprofiled
profile.enable()
import experiments.runner as runner, experiments.workers as workers
mark("experiments.runner imported")
def timed(owner, name):
    function = getattr(owner, name)
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        mark(f"{name} starts")
        try:
            return function(*args, **kwargs)
        finally:
            mark(f"{name} ends")
    setattr(owner, name, wrapper)
for name in ("prepare", "train_runs", "sweep_figures", "write_summary"):
    timed(runner.Runner, name)
run_parallel = workers.run_parallel
def traced(make_runner, specs, jobs, threads, on_entry, **kwargs):
    mark(f"workers start ({jobs} jobs, {threads} threads each)")
    def entry(label, value):
        mark(f"run {label} done")
        on_entry(label, value)
    return run_parallel(make_runner, specs, jobs, threads, entry, **kwargs)
workers.run_parallel = traced
sys.argv = ["experiments"] + sys.argv[1:]
with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
    try:
        runpy.run_module("experiments", run_name="__main__")
    except SystemExit:
        pass
profile.disable()
mark("end")
for seconds, name in marks:
    if "write_summary" not in name:
        print(f"{seconds:7.3f}  {name}")
writes = [t for t, n in marks if n == "write_summary starts"]
print(f"summary.json written {len(writes)} times")
stats = pstats.Stats(profile)
stats.sort_stats("cumulative").print_stats(20)
stats.sort_stats("tottime").print_stats(12)  # the parent's own time, waiting included
PYEOF
rm -rf "$WORK/out"
"$PY" "$WORK/timeline.py" run shallow-planar-hidden-sweep --backend numpy --jobs "$JOBS" --quiet \
  --out "$WORK/out" 2>&1 | grep -v "^$\|^ *Ordered by\|^ *List reduced" | cut -c1-150 | head -n 75
