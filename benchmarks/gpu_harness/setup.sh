#!/usr/bin/env bash
# Sourced by the GPU harness scripts (from the repository root): carried wheels, `runner check`, sample data
# and config-only replicas. Idempotent, so a later call on the same warm machine skips what is there
# and a call on a fresh machine rebuilds it.
#   source benchmarks/gpu_harness/setup.sh REPLICA ...      (env: ROWS, IMAGES, AUDIO; CHECK_LOG)
# Wheels: .whl/*.whl (pydantic and its needs) and .whl/diff/*.whl (diffusers) are installed into
# /tmp/site; .whl/tf/*.whl (transformers 5.x) only when the machine's transformers is not 5.x.
if compgen -G ".whl/*.whl" > /dev/null && [ ! -f /tmp/site/.done ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl $(compgen -G ".whl/diff/*.whl") \
    && touch /tmp/site/.done
fi
[ -f /tmp/site/.done ] && export PYTHONPATH=/tmp/site
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
python3 -m runner check | tee -a "${CHECK_LOG:-/dev/null}"
data_mark="/tmp/data/.done_${ROWS:-1100}_${IMAGES:-1000}_${AUDIO:-0}"
if [ ! -f "$data_mark" ]; then
  python3 -m runner.samples --out /tmp/data --rows "${ROWS:-1100}" --images "${IMAGES:-1000}" --audio "${AUDIO:-0}" --image-size 224 && touch "$data_mark"
fi
names=("$@")
[ ${#names[@]} -eq 0 ] && mapfile -t names < <(ls runner/replica_configs | sed 's/\.json$//')
for name in "${names[@]}"; do
  [ -f "/tmp/rep/$name/config.json" ] || bash benchmarks/gpu_harness/build_replicas.sh /tmp/rep "$name" > "/tmp/replica_$name.log" 2>&1 \
    || tail -5 "/tmp/replica_$name.log"
done
