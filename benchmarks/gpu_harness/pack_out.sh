#!/usr/bin/env bash
# At most 8 files come back from a GPU call's $OUT (and no deeper than two folders): when there are more, pack them all
# into $OUT/results.tgz (unpack with `tar xzf results.tgz -C <session folder>`).
#   bash benchmarks/gpu_harness/pack_out.sh
set -u
cd "${OUT:?}" || exit 1
if [ "$(find . -type f | wc -l)" -gt 8 ] || [ -n "$(find . -mindepth 3 -type f | head -1)" ]; then
  tar czf /tmp/results.tgz . && find . -mindepth 1 -delete && mv /tmp/results.tgz results.tgz
  echo "packed into \$OUT/results.tgz"
fi
