#!/usr/bin/env bash
# Later commands on the H100 machine: wait, then bring back the job log and the bundles so far.
#   bash benchmarks/runner_h100_collect.sh SECONDS
sleep "${1:-0}"
grep -E "^===|Wh per 1,000|wall |INCOMPLETE|error|Error|\| " /tmp/job/log.txt | tail -60
cp /tmp/job/log.txt "$OUT/job_log.txt"
(cd /tmp/job && zip -qr "$OUT/bundles.zip" bundles runs -x '*.tmp') 2>/dev/null || python3 -c "
import shutil; shutil.make_archive('$OUT/bundles', 'zip', '/tmp/job', 'bundles')"
ls -la "$OUT"
