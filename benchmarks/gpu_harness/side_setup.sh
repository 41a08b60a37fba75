#!/usr/bin/env bash
# Sourced by the side-by-side scripts (from the repository root): our runner's wheels in /tmp/site, the reference
# stack in /tmp/refsite (benchmarks/README.md lists the download command for .refwhl), the prompts, and the
# Llama-3.2-1B replica saved with its weights (the reference loads weights from disk). Idempotent: a later call on
# the same warm machine skips what is there.
if [ ! -f /tmp/site/.done ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && touch /tmp/site/.done
fi
if [ ! -f /tmp/refsite/.done ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/refsite .refwhl/*.whl \
    && touch /tmp/refsite/.done
fi
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
nvidia-smi --query-gpu=name,driver_version,power.limit,temperature.gpu --format=csv
python3 -m runner check | tail -4
[ -f /tmp/data/text_generation.jsonl ] || python3 -m runner.samples --out /tmp/data --rows 1100 --images 0 --audio 0
if [ ! -f /tmp/rep_w/llama-3.2-1b/model.safetensors ]; then
  python3 -m runner replica --config runner/replica_configs/llama-3.2-1b.json --out /tmp/rep_w/llama-3.2-1b \
    --task text_generation --model-id meta-llama/Llama-3.2-1B-replica
fi
echo "set-up done at $(date +%T), ${SECONDS} s"
