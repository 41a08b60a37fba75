#!/usr/bin/env bash
# Later commands on the GPU machine (after start_background.sh): wait up to SECONDS (less once the
# job list is done), then bring back the job log and the bundles and run reports so far.
#   bash benchmarks/gpu_harness/collect.sh SECONDS
[ -f /tmp/job/log.txt ] || { echo "NO JOB ON THIS MACHINE (a fresh one): start again"; exit 3; }
end=$((SECONDS + ${1:-0}))
while (( SECONDS < end )) && ! grep -q ALLDONE /tmp/job/log.txt 2>/dev/null; do sleep 5; done
grep -a -E "^===|Wh per 1,000|wall |shape warm-up|model loaded|idle power|INCOMPLETE|rror|\| " /tmp/job/log.txt | tail -60
cp /tmp/job/log.txt "$OUT/job_log.txt"
(cd /tmp/job && zip -qr "$OUT/bundles.zip" bundles runs -x '*.tmp') 2>/dev/null || python3 -c "
import shutil; shutil.make_archive('$OUT/bundles', 'zip', '/tmp/job', '.')"
ls -la "$OUT"
