#!/usr/bin/env bash
# Runs the measurement jobs of one job list (benchmarks/sessions/*/jobs_*.txt) one after another (never
# two at once: a second process on the GPU would flag the runs as contaminated).
#   bash benchmarks/gpu_harness/run_jobs.sh JOBFILE WORKDIR DATA REPLICAS
# Each line of JOBFILE: name|task|replica config name|extra `runner run` options.
# A name starting with bench_ runs benchmarks/runner_meter_overhead.py instead, jitter_
# benchmarks/runner_pass_jitter.py, split_ benchmarks/runner_split_pairs.py.
set -u
JOBS=$1; W=$2; DATA=$3; REP=$4
mkdir -p "$W/runs" "$W/bundles"
while IFS='|' read -r name task cfg extra; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  ds="$DATA/$task.jsonl"
  [[ "$task" == image_classification || "$task" == image_captioning || "$task" == object_detection ]] && ds="$DATA/images"
  [[ "$task" == asr ]] && ds="$DATA/audio"
  [[ "$task" == reasoning ]] && ds="$DATA/text_generation.jsonl"
  echo "=== $name start $(date +%T)" >> "$W/log.txt"
  if [[ "$name" == bench_* || "$name" == jitter_* || "$name" == split_* ]]; then
    script=benchmarks/runner_meter_overhead.py; [[ "$name" == jitter_* ]] && script=benchmarks/runner_pass_jitter.py
    [[ "$name" == split_* ]] && script=benchmarks/runner_split_pairs.py
    # shellcheck disable=SC2086
    PYTHONPATH=.:${PYTHONPATH:-} python3 "$script" --task "$task" --model "$REP/$cfg" --dataset "$ds" $extra >> "$W/log.txt" 2>&1
  else
    # shellcheck disable=SC2086
    python3 -m runner run --task "$task" --model "$REP/$cfg" --dataset "$ds" --out "$W/runs/$name" --no-progress $extra >> "$W/log.txt" 2>&1
    python3 -m runner bundle "$W/runs/$name" -o "$W/bundles/$name.zip" >> "$W/log.txt" 2>&1
  fi
  echo "=== $name end $(date +%T)" >> "$W/log.txt"
done < "$JOBS"
echo ALLDONE >> "$W/log.txt"
