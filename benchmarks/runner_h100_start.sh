#!/usr/bin/env bash
# First command on the H100 machine: carried wheels, environment, `runner check`, data and replicas,
# then the job list started in the background (it survives this command; collect with
# benchmarks/runner_h100_collect.sh in later commands).
#   bash benchmarks/runner_h100_start.sh [JOBFILE [WAIT_S [REPLICA ...]]]   (from the repository root)
# JOBFILE defaults to benchmarks/runner_h100_jobs.txt; REPLICA names (runner/replica_configs/*.json)
# default to all; WAIT_S: seconds to wait before returning (keeps the machine busy), default 20.
# Wheels: .whl/*.whl (pydantic and its needs) and .whl/diff/*.whl (diffusers, for image generation) are always installed; .whl/tf/*.whl (transformers 5.x
# and its needs) only when the machine's transformers is not 5.x and the carried one imports.
set -u
JOBS=${1:-benchmarks/runner_h100_jobs.txt}; WAIT=${2:-20}; shift $(( $# > 2 ? 2 : $# ))
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl $(compgen -G ".whl/diff/*.whl") \
    && export PYTHONPATH=/tmp/site
fi
if ! python3 -c "import sys, transformers; sys.exit(0 if transformers.__version__.startswith('5.') else 1)" 2>/dev/null \
   && compgen -G ".whl/tf/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site_tf .whl/tf/*.whl
  if PYTHONPATH=/tmp/site_tf:${PYTHONPATH:-} python3 -c "import transformers" 2>/dev/null; then
    export PYTHONPATH=/tmp/site_tf:${PYTHONPATH:-}
  else
    echo "carried transformers does not import here; using the machine's"
  fi
fi
python3 -c "import torch, transformers, pydantic; print('torch', torch.__version__, 'transformers', transformers.__version__, 'pydantic', pydantic.__version__)"
nvidia-smi --query-gpu=name,driver_version,power.limit,temperature.gpu --format=csv
python3 -m runner check
rm -rf /tmp/job && mkdir -p /tmp/job && cp -r . /tmp/job/src && cd /tmp/job/src || exit 1
rm -rf /tmp/job/src/.whl
python3 -m runner.samples --out /tmp/data --rows 1100 --images "${IMAGES:-1000}" --audio "${AUDIO:-0}" --image-size 224
bash benchmarks/runner_h100_replicas.sh /tmp/rep "$@" > /tmp/job/replicas.log 2>&1 || tail -5 /tmp/job/replicas.log
setsid nohup bash benchmarks/runner_h100_jobs.sh "$JOBS" /tmp/job /tmp/data /tmp/rep > /tmp/job/nohup.log 2>&1 < /dev/null &
sleep "$WAIT"
grep -v -E "Loading weights|it/s\]|sample/s" /tmp/job/log.txt | tail -20
