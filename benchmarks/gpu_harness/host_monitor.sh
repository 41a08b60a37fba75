#!/usr/bin/env bash
# What the host did while the runs ran, to explain a change of pace between runs (benchmarks/host_pace.py reads it).
#   bash benchmarks/gpu_harness/host_monitor.sh start DIR    ... runs ...    bash benchmarks/gpu_harness/host_monitor.sh stop DIR
# Once a second: the GPU's SM and memory clocks, power, utilisation, temperature and clock-event reasons
# (nvidia-smi, one long-lived process) in DIR/gpu.csv, and the CPU counters of /proc/stat (user, system, steal...),
# the mean core clock of /proc/cpuinfo and the load average in DIR/cpu.txt; every 5 s the busiest threads and the
# core each last ran on in DIR/threads.txt. Light by design: two small processes, no Python.
set -u
cmd=${1:?start or stop}; dir=${2:?folder}
if [ "$cmd" = stop ]; then
  for f in "$dir"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  exit 0
fi
mkdir -p "$dir"
{ nproc; lscpu 2>/dev/null | grep -E "Model name|Socket|Thread|NUMA|MHz"; nvidia-smi topo -m 2>/dev/null; } > "$dir/host.txt"
fields=timestamp,clocks.sm,clocks.mem,power.draw,utilization.gpu,temperature.gpu
reasons=clocks_event_reasons.active
nvidia-smi --query-gpu=$fields,$reasons --format=csv,noheader -c 1 >/dev/null 2>&1 || reasons=clocks_throttle_reasons.active
nvidia-smi --query-gpu=$fields,$reasons --format=csv,noheader -c 1 >/dev/null 2>&1 || reasons=""
echo "$fields${reasons:+,$reasons}" > "$dir/gpu.csv"
nohup nvidia-smi --query-gpu=$fields${reasons:+,$reasons} --format=csv,noheader,nounits -lms 1000 >> "$dir/gpu.csv" 2>/dev/null &
echo $! > "$dir/gpu.pid"
(
  i=0
  while true; do
    mhz=$(awk '/^cpu MHz/ {s += $4; n++} END {if (n) printf "%.0f", s / n}' /proc/cpuinfo)
    echo "$(date +%s.%N) mhz=$mhz load=$(cut -d' ' -f1-3 /proc/loadavg) $(head -1 /proc/stat)" >> "$dir/cpu.txt"
    if [ $((i % 5)) -eq 0 ]; then
      { echo "# $(date +%s.%N)"; ps -eLo pid,tid,psr,pcpu,comm --sort=-pcpu | head -8; } >> "$dir/threads.txt"
    fi
    i=$((i + 1))
    sleep 1
  done
) > /dev/null 2>&1 &
echo $! > "$dir/cpu.pid"
