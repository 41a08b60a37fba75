#!/usr/bin/env bash
# One call on the GPU machine: our runner side by side with the reference runner (benchmarks/reference_side_by_side.py).
#   bash benchmarks/gpu_harness/reference_side_by_side.sh SAMPLES PAIRS [OURS_WARMUP] [EXTRA]
# Carry .whl (pydantic and its needs, for our runner) and .refwhl (the reference stack: optimum-benchmark 0.6.0,
# codecarbon 3.3.2, transformers 4.57.6, huggingface_hub 0.36.2, tokenizers 0.22.1, datasets 4.4.1 and their needs
# missing on the machine; benchmarks/README.md lists the download command). EXTRA=extra adds one run of ours on the
# reference's library versions after the pairs. Records and the table land in $OUT/side, the log in $OUT/log.txt.
set -u
N=${1:-200}; PAIRS=${2:-3}; WARM=${3:-reference}; EXTRA=${4:-}
mkdir -p "$OUT/side"
exec > >(tee -a "$OUT/log.txt") 2>&1
source benchmarks/gpu_harness/side_setup.sh
bash benchmarks/gpu_harness/host_monitor.sh start "$OUT/host"
extra=()
[ "$EXTRA" = extra ] && extra=(--extra-ours-path /tmp/refsite:/tmp/site)
python3 benchmarks/reference_side_by_side.py pairs --model /tmp/rep_w/llama-3.2-1b --data /tmp/data/text_generation.jsonl \
  --samples "$N" --pairs "$PAIRS" --ref-path /tmp/refsite:/tmp/site --ours-path /tmp/site --ours-warmup "$WARM" \
  --out "$OUT/side" --work /tmp/side_work "${extra[@]}" 2>&1 | grep -v -E "it/s\]|s/it\]|examples/s\]|codecarbon WARNING"
bash benchmarks/gpu_harness/host_monitor.sh stop "$OUT/host"
echo "all done at $(date +%T), ${SECONDS} s"
bash benchmarks/gpu_harness/pack_out.sh
