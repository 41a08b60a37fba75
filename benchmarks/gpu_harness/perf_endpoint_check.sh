#!/usr/bin/env bash
# Checks performance figures and the endpoint backend on a GPU machine (from the repository root; carry .whl):
#   bash benchmarks/gpu_harness/perf_endpoint_check.sh [SAMPLES] [REPETITIONS] [PART]   (default 100 2 all;
#   PART: own, endpoint or all; on a lent machine run own and endpoint as two calls of < 10 min each)
# 1. the runner's own model: the Llama-3.2-1B replica (config-only, random weights on the GPU), with
#    performance figures; bundle + validation (an H200 is "not an H100": that problem is expected);
# 2. the endpoint backend: `transformers serve` with a saved-weights replica of the same model on GPU 0,
#    measured through /v1/completions; bundle + validation.
# Wheels: .whl/*.whl (pydantic) through setup.sh; .whl/serve/*.whl (fastapi, uvicorn, openai: transformers
# serve's extras) into /tmp/site_serve. Output: runs/perf_check/ (run directories, bundles, logs).
set -u
SAMPLES=${1:-100}
REPS=${2:-2}
PART=${3:-all}
OUT=runs/perf_check
mkdir -p "$OUT"
ROWS=1100 IMAGES=0 source benchmarks/gpu_harness/setup.sh llama-3.2-1b
if compgen -G ".whl/serve/*.whl" > /dev/null && [ ! -f /tmp/site_serve/.done ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site_serve .whl/serve/*.whl \
    && touch /tmp/site_serve/.done
fi
export PYTHONPATH=${PYTHONPATH:-}:/tmp/site_serve
DATA=/tmp/data/text_generation.jsonl
[ -f "$DATA" ] || DATA=runner/sample_data/text_generation.jsonl
COMMON=(--task text_generation --dataset "$DATA" --samples "$SAMPLES" --repetitions "$REPS" --steady-warmup-s 20 --no-progress)

if [ "$PART" != endpoint ]; then
echo "== 1. runner's own model (transformers backend) with performance figures"
python3 -m runner run --model /tmp/rep/llama-3.2-1b --out "$OUT/own" "${COMMON[@]}" 2>&1 | tee "$OUT/own.log" | tail -12
python3 -m runner bundle "$OUT/own" -o "$OUT/own.zip" | tail -8
fi

if [ "$PART" != own ]; then
echo "== 2. endpoint backend: transformers serve on GPU 0"
W=/tmp/rep_w/llama-3.2-1b
[ -f "$W/config.json" ] || python3 -m runner replica --config runner/replica_configs/llama-3.2-1b.json \
  --task text_generation --out "$W" --model-id meta-llama/Llama-3.2-1B-replica > "$OUT/replica_w.log" 2>&1
HF_HUB_OFFLINE=1 python3 -m transformers.cli.transformers serve "$W" --device cuda:0 --dtype bfloat16 \
  --host 127.0.0.1 --port 8011 > "$OUT/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 240); do
  python3 -c "import httpx,sys; sys.exit(0 if httpx.get('http://127.0.0.1:8011/health').status_code == 200 else 1)" \
    2>/dev/null && break
  kill -0 "$SERVE_PID" 2>/dev/null || { echo "transformers serve exited:"; tail -20 "$OUT/serve.log"; exit 1; }
  sleep 1
done
nvidia-smi --query-compute-apps=pid,used_memory --format=csv
FIXED='{"generation_config": "{\"min_new_tokens\": 10, \"max_new_tokens\": 10, \"do_sample\": false}"}'
python3 -m runner run --model "$W" --out "$OUT/endpoint" "${COMMON[@]}" --backend endpoint \
  --endpoint http://127.0.0.1:8011 --served-model "$W" --server-pid "$SERVE_PID" --endpoint-extra-body "$FIXED" \
  --server-software "transformers serve $(python3 -c 'import transformers; print(transformers.__version__)')" \
  2>&1 | tee "$OUT/endpoint.log" | tail -12
python3 -m runner bundle "$OUT/endpoint" -o "$OUT/endpoint.zip" | tail -8
kill "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null
fi
python3 - "$OUT" <<'EOF'
import json, sys
from pathlib import Path
for name in ("own", "endpoint"):
    p = Path(sys.argv[1]) / name / "benchmark_report.json"
    if not p.exists():
        print(name, "no report"); continue
    r = json.loads(p.read_text())
    perf = r.get("performance") or {}
    env = json.loads((p.parent / "environment.json").read_text())
    print(name, r["status"], r.get("failure"), "backend", r["config"].get("backend"),
          "server", (env.get("server") or {}).get("software"), (env.get("server") or {}).get("gpu_check"))
    print("  figures", json.dumps(perf.get("figures"), indent=None)[:900])
    print("  memory allocated", perf.get("peak_memory_allocated_bytes"), "NVML used MiB", perf.get("peak_memory_used_mib"))
EOF
