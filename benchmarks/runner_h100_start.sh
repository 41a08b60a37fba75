#!/usr/bin/env bash
# First command on the H100 machine: carried wheels, environment, `runner check`, data and replicas,
# then the job list started in the background (it survives this command; collect with
# benchmarks/runner_h100_collect.sh in later commands).
#   bash benchmarks/runner_h100_start.sh [JOBFILE [WAIT_S [REPLICA ...]]]   (from the repository root)
# JOBFILE defaults to benchmarks/runner_h100_jobs.txt; REPLICA names (runner/replica_configs/*.json)
# default to all; WAIT_S: seconds to wait before returning (keeps the machine busy), default 20.
# Wheels, check, data and replicas: benchmarks/runner_h100_setup.sh.
set -u
JOBS=${1:-benchmarks/runner_h100_jobs.txt}; WAIT=${2:-20}; shift $(( $# > 2 ? 2 : $# ))
rm -rf /tmp/job && mkdir -p /tmp/job && cp -r . /tmp/job/src && cd /tmp/job/src || exit 1
# shellcheck source=benchmarks/runner_h100_setup.sh
source benchmarks/runner_h100_setup.sh "$@"
rm -rf /tmp/job/src/.whl
setsid nohup bash benchmarks/runner_h100_jobs.sh "$JOBS" /tmp/job /tmp/data /tmp/rep > /tmp/job/nohup.log 2>&1 < /dev/null &
sleep "$WAIT"
grep -v -E "Loading weights|it/s\]|sample/s" /tmp/job/log.txt | tail -20
