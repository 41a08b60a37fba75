#!/usr/bin/env bash
# One call on the GPU machine: single runs, pairs and the cost of a new key/value length, in the order given, with the
# host monitored throughout (benchmarks/reference_side_by_side.py, benchmarks/kv_length_cost.py, host_monitor.sh).
#   bash benchmarks/gpu_harness/side_runs.sh UNTIL_S SPEC...
# SPEC: cost | reference:N | reference@flash:N | ours@WARMUP:N (WARMUP: ours, reference, ours-decode, ours-prefill,
# ours-flash, reference-flash) | pairs:N:K[:WARMUP[:FIRST]] (WARMUP reference-flash: the reference's side runs flash
# too; FIRST reference or ours starts pair 1: a later call continues the alternation)
# | turn:N:B (benchmarks/turn_pace.py: both stacks' call paths taking turns, N prompts in blocks of B)
# No run starts after UNTIL_S seconds from the call's start, set-up included (87-105 s on a fresh machine, 6 s on a
# warm one; a run cut short by the call's limit measures nothing), and no single run that is expected to end after
# CALL_LIMIT_S (default 590: the estimate of reference_side_by_side.estimate_wall_s, scaled by the runs so far). Carry .whl and .refwhl
# (side_setup.sh). Single runs land in $OUT/runs, pairs in $OUT/pairs_N, the host's log in $OUT/host.
set -u
UNTIL=${1:?seconds}; shift
END_BY=${CALL_LIMIT_S:-590}  # and no single run that is expected to end after the call's limit (less packing time)
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
source benchmarks/gpu_harness/side_setup.sh
bash benchmarks/gpu_harness/host_monitor.sh start "$OUT/host"
quiet() { grep --line-buffered -v -E "it/s\]|s/it\]|examples/s\]|codecarbon WARNING|Setting .pad_token_id."; }
common=(--model /tmp/rep_w/llama-3.2-1b --data /tmp/data/text_generation.jsonl --ref-path /tmp/refsite:/tmp/site
        --ours-path /tmp/site --work /tmp/side_work)
runs=()
flush() {
  if [ ${#runs[@]} -gt 0 ]; then
    python3 benchmarks/reference_side_by_side.py sequence "${common[@]}" --out "$OUT/runs" --until-s $((UNTIL - SECONDS)) \
      --end-by-s $((END_BY - SECONDS)) "${runs[@]}" 2>&1 | quiet
    t="$OUT/runs/table" md=md  # each sequence writes its own table: keep them all
    [ -f "$t.$md" ] && mv "$t.$md" "${t}_${SECONDS}.$md"
    runs=()
  fi
}
for spec in "$@"; do
  if [ "$spec" != "${spec#reference:}" ] || [ "$spec" != "${spec#reference@}" ] || [ "$spec" != "${spec#ours@}" ]; then runs+=(--run "$spec"); continue; fi
  flush
  if [ "$SECONDS" -gt "$UNTIL" ]; then echo "skipped $spec: past $UNTIL s"; continue; fi
  echo "== $spec at $(date +%T), ${SECONDS} s"
  case $spec in
    cost)
      python3 -m benchmarks.kv_length_cost --model /tmp/rep_w/llama-3.2-1b --out "$OUT/kv_cost.json" \
        --trace "$OUT/kv_cost.txt" 2>&1 | quiet ;;
    pairs:*)
      IFS=: read -r _ n k w first <<< "$spec"
      python3 benchmarks/reference_side_by_side.py pairs "${common[@]}" --samples "$n" --pairs "$k" \
        --ours-warmup "${w:-reference}" --first "${first:-reference}" --end-by-s $((END_BY - SECONDS)) --out "$OUT/pairs_$n" 2>&1 | quiet ;;
    turn:*)
      IFS=: read -r _ n b <<< "$spec"
      python3 -m benchmarks.turn_pace --model /tmp/rep_w/llama-3.2-1b --data /tmp/data/text_generation.jsonl \
        --samples "$n" --block "$b" --stack ref=/tmp/refsite:/tmp/site --stack ours=/tmp/site --arm ref:bare \
        --arm ref:runner --arm ours:bare --arm ours:config --arm ours:runner --out "$OUT/turn_pace.json" 2>&1 | quiet ;;
    *) echo "unknown spec $spec" ;;
  esac
done
flush
bash benchmarks/gpu_harness/host_monitor.sh stop "$OUT/host"
echo "all done at $(date +%T), ${SECONDS} s"
bash benchmarks/gpu_harness/pack_out.sh
