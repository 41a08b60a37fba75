#!/usr/bin/env bash
# A sweep of real jobs on a GPU machine through `runner sweep --no-ray` (the job runner without the Ray
# layer: Ray's wheel is larger than what can be carried to the lent machine). From the repository root,
# carrying .whl (pydantic and its needs):
#   bash benchmarks/gpu_harness/sweep_check.sh PLAN.csv REPLICA ...      (env: ROWS, IMAGES)
# Writes the sweep folder (state, summary.csv, each job's run directory and bundle) to /tmp/sweep and
# brings it back as $OUT/sweep.tar.gz (what comes back from the machine is at most two folders deep).
set -u
PLAN=$1; shift
mkdir -p "$OUT"
CHECK_LOG="$OUT/check.txt"
# shellcheck source=benchmarks/gpu_harness/setup.sh
source benchmarks/gpu_harness/setup.sh "$@"
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD"
echo "set-up done at $(date +%T), ${SECONDS} s"
python3 -m runner sweep "$PLAN" --out /tmp/sweep --no-ray --retries 0 --no-progress 2>&1 | tee "$OUT/sweep_log.txt"
python3 -m runner sweep --status /tmp/sweep 2>&1 | tee -a "$OUT/sweep_log.txt"
find /tmp/sweep -name '*.tmp' -delete
tar -czf "$OUT/sweep.tar.gz" -C /tmp sweep
cp /tmp/sweep/summary.csv "$OUT/" 2>/dev/null || true
