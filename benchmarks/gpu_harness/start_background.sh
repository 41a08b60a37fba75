#!/usr/bin/env bash
# First command on the GPU machine: carried wheels, environment, `runner check`, data and replicas,
# then the job list started in the background (it survives this command; collect with
# benchmarks/gpu_harness/collect.sh in later commands).
#   bash benchmarks/gpu_harness/start_background.sh JOBFILE [WAIT_S [REPLICA ...]]   (from the repository root)
# JOBFILE: a job list, e.g. benchmarks/sessions/2026-11-24-h100-s1/jobs_1.txt; REPLICA
# names (runner/replica_configs/*.json) default to all; WAIT_S: seconds to wait before returning
# (keeps the machine busy), default 20.
# Wheels, check, data and replicas: benchmarks/gpu_harness/setup.sh.
set -u
JOBS=${1:?usage: start_background.sh JOBFILE [WAIT_S [REPLICA ...]]}; WAIT=${2:-20}; shift $(( $# > 2 ? 2 : $# ))
rm -rf /tmp/job && mkdir -p /tmp/job && cp -r . /tmp/job/src && cd /tmp/job/src || exit 1
# shellcheck source=benchmarks/gpu_harness/setup.sh
source benchmarks/gpu_harness/setup.sh "$@"
rm -rf /tmp/job/src/.whl
setsid nohup bash benchmarks/gpu_harness/run_jobs.sh "$JOBS" /tmp/job /tmp/data /tmp/rep > /tmp/job/nohup.log 2>&1 < /dev/null &
sleep "$WAIT"
grep -v -E "Loading weights|it/s\]|sample/s" /tmp/job/log.txt | tail -20
