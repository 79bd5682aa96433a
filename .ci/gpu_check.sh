#!/bin/bash
# The GPU checks in one run of at most 7 minutes, from the project's root on a machine with an
# NVIDIA GPU where torch, lightning, tensorboard, h5py, matplotlib, hypothesis and pytest are
# installed but not this project (it goes on PYTHONPATH) nor jsonargparse (its wheels travel in
# .whl/). Prepare, in the project's root:
#   echo /.whl/ >> .git/info/exclude; echo /.gpu/ >> .git/info/exclude
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 -d .whl \
#       jsonargparse docstring_parser typeshed_client
#   mkdir -p .gpu && cp ../shared/datasets/*.h5 .gpu/
# and there run `bash .ci/gpu_check.sh` with .whl and .gpu brought along. Each step's log goes
# to $OUT if set, else to gpu-logs/ (and the profile to profile.txt there); a summary is printed.
# Steps run in order of importance; each has its own time limit, and a step that would end
# past the whole run's budget gets what is left (or is skipped, and says so).
LOGS=${OUT:-gpu-logs}; mkdir -p "$LOGS"
BUDGET=${GPU_CHECK_SECONDS:-400}
START=$EPOCHREALTIME
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=$PWD:/tmp/site NNDL_DATA_DIR=$PWD/.gpu PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
elapsed() { python3 -c "print(int($EPOCHREALTIME - $START))"; }
step() { local name=$1 limit=$2 lines=$3; shift 3
  local left=$((BUDGET - $(elapsed)))
  if [ "$left" -lt 15 ]; then echo "=== $name: skipped (the run's $BUDGET s are spent)"; return; fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "=== $name (limit ${limit} s)"; local t0=$EPOCHREALTIME
  timeout "$limit" "$@" > "$LOGS/$name.log" 2>&1; local rc=$?
  echo "rc=$rc seconds=$(python3 -c "print(round($EPOCHREALTIME - $t0, 2))")"
  [ "$lines" -gt 0 ] && tail -n "$lines" "$LOGS/$name.log"; }
# Each backend's seconds from a run folder's summary.json.
seconds() { python3 -c "
import json, sys
s = json.load(open(sys.argv[1] + '/summary.json'))
for e in s['runs']:
    print(' ', e['label'], '  '.join(f\"{n} {r['seconds']:.3f} s ({r.get('device', 'cpu')}) acc {r.get('train_accuracy')}\"
                                for n, r in e['backends'].items()), ' max|dJ|', e.get('max_abs_cost_diff'))
" "$1" 2>&1 | tail -n 8; }
X=(python3 -m experiments)

nvidia-smi --query-gpu=name,memory.total --format=csv,noheader; nproc
python3 -c "import torch, lightning; print('torch', torch.__version__, 'lightning', lightning.__version__)"

step cuda-tests 100 4 python3 -m pytest parity_tests -m "cuda and not slow" -q -p no:cacheprovider \
  --ignore=parity_tests/test_notebooks.py -o addopts="" -x
# NumPy-only start-up, and whether any process imported torch or Lightning.
step numpy-startup 25 3 "${X[@]}" bench --backends startup --repeat 3
step run-planar-cuda 50 0 "${X[@]}" run shallow-planar --device cuda --backend torch --out /tmp/r1 --quiet
seconds /tmp/r1
# Host-device round trips per iteration of run's CUDA loop: the config's iterations per
# batch, then one iteration per batch (where a per-step read would show most).
step profile-cuda 50 8 python3 .ci/profile_training.py --device cuda --iterations 300 --out "$LOGS"
step profile-cuda-ipb1 40 8 python3 .ci/profile_training.py --device cuda --iterations 300 \
  --iterations-per-batch 1 --out "$LOGS/ipb1"
step run-deepL-cuda 50 0 "${X[@]}" run deepL-cats --device cuda --out /tmp/r2 --quiet
seconds /tmp/r2
step sweep-jobs1 30 0 "${X[@]}" run shallow-planar-hidden-sweep --backend numpy --jobs 1 --out /tmp/s1 --quiet
seconds /tmp/s1 | tail -n 2
step sweep-jobs16 30 0 "${X[@]}" run shallow-planar-hidden-sweep --backend numpy --jobs 16 --out /tmp/s16 --quiet
# cli rows: run's torch seconds against the lightning row on CUDA (ratio); timing rows.
step bench-cuda 120 24 "${X[@]}" bench --device cuda --repeat 2 --backends numpy torch-loop lightning cli
echo "total $(elapsed) s"
