#!/usr/bin/env bash
# First command on the H100 machine: environment, `runner check`, data and replicas, a short
# text-generation trial with the progress bar, then the job list started in the background.
#   bash benchmarks/runner_h100_start.sh   (from the repository root, wheels installed on PYTHONPATH)
set -u
python3 -c "import torch, transformers, pydantic; print('torch', torch.__version__, 'transformers', transformers.__version__, 'pydantic', pydantic.__version__)"
nvidia-smi --query-gpu=name,driver_version,power.limit,temperature.gpu --format=csv
python3 -m runner check
rm -rf /tmp/job && mkdir -p /tmp/job && cp -r . /tmp/job/src && cd /tmp/job/src || exit 1
python3 -m runner.samples --out /tmp/data --rows 1000 --images 1000 --audio 0 --image-size 224
bash benchmarks/runner_h100_replicas.sh /tmp/rep > /tmp/job/replicas.log 2>&1 || tail -5 /tmp/job/replicas.log
python3 -m runner run --task text_generation --model /tmp/rep/llama-3.2-1b --dataset /tmp/data/text_generation.jsonl \
  --samples 40 --repetitions 1 --warmup-samples 3 --out /tmp/job/trial 2>&1 | tr '\r' '\n' | grep -v -E "Loading weights" | tail -12
setsid nohup bash benchmarks/runner_h100_jobs.sh benchmarks/runner_h100_jobs.txt /tmp/job /tmp/data /tmp/rep > /tmp/job/nohup.log 2>&1 < /dev/null &
sleep 20
tail -5 /tmp/job/log.txt
