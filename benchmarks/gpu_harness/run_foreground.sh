#!/usr/bin/env bash
# One self-contained call on the GPU machine: set-up (benchmarks/gpu_harness/setup.sh, skipped where
# a warm machine already has it), then the job list in the foreground, its log and bundles written
# straight into $OUT/w, so that nothing is lost if the machine goes back after the call.
#   bash benchmarks/gpu_harness/run_foreground.sh JOBFILE REPLICA ...   (env: ROWS, IMAGES, AUDIO)
set -u
JOBS=$1; shift
mkdir -p "$OUT/w"
CHECK_LOG="$OUT/w/check.txt"
# shellcheck source=benchmarks/gpu_harness/setup.sh
source benchmarks/gpu_harness/setup.sh "$@"
echo "set-up done at $(date +%T), ${SECONDS} s"
bash benchmarks/gpu_harness/run_jobs.sh "$JOBS" "$OUT/w" /tmp/data /tmp/rep
rm -rf "$OUT/w/runs"/*/logs/*.tmp
grep -a -E "^===|Wh per 1,000|wall |steady warm-up|update period|INCOMPLETE|rror" "$OUT/w/log.txt" | tail -40
