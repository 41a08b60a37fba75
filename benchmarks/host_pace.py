"""What the host did while a counted pass ran: each window of prompts beside the GPU's clocks and load and the
CPU's counters, read from the log of benchmarks/gpu_harness/host_monitor.sh.

The same code's per-prompt pace differed up to 1.9x between runs minutes apart on the lent H200 machines
(benchmarks/RESULTS.md, sessions 8-10), and energy follows it: at batch 1 a small model's GPU waits for the CPU
to launch its kernels. This program says which candidate causes the log can see moved with the pace: the GPU's SM
clock, the VM's CPU clock (as /proc/cpuinfo reports it), time stolen by the hypervisor, other load on the
machine; a pace that moves while none of them does comes from what a VM cannot see (its host's other tenants).

    python -m benchmarks.host_pace benchmarks/sessions/2026-12-03-h200-s10/call2

FOLDER holds `host/gpu.csv`, `host/cpu.txt` and run records (any `*.json` below it with `pass_start_unix` and
`pass_times_ms`, written by benchmarks/reference_side_by_side.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WINDOW = 50  # prompts per window


@dataclass(frozen=True)
class PaceWindow:
    """One window of consecutive prompts of a counted pass and the host around it.

    Attributes:
        first_prompt: Index of the window's first prompt in the pass.
        median_ms: Median prompt time, ms.
        sm_clock_mhz: Mean SM clock over the window, MHz.
        gpu_util_pct: Mean GPU utilisation, %.
        power_w: Mean board power, W.
        cpu_mhz: Mean core clock the VM reports, MHz.
        cpu_busy_pct: Share of all cores' time spent in user and system mode, %.
        steal_pct: Share of all cores' time the hypervisor took, %.
    """

    first_prompt: int
    median_ms: float
    sm_clock_mhz: float
    gpu_util_pct: float
    power_w: float
    cpu_mhz: float
    cpu_busy_pct: float
    steal_pct: float


def read_gpu(path: Path) -> np.ndarray:
    """Rows of (unix s, SM MHz, memory MHz, W, utilisation %) from host_monitor.sh's gpu.csv (UTC timestamps)."""
    rows = []
    for line in path.read_text().splitlines()[1:]:
        parts = [x.strip() for x in line.split(",")]
        try:
            stamp = dt.datetime.strptime(parts[0], "%Y/%m/%d %H:%M:%S.%f").replace(tzinfo=dt.UTC).timestamp()
            rows.append((stamp, *(float(x) for x in parts[1:5])))
        except (ValueError, IndexError):
            continue  # a line cut off when the monitor stopped, or a field the driver calls [N/A]
    return np.array(rows).reshape(-1, 5)


def read_cpu(path: Path) -> np.ndarray:
    """Rows of (unix s, reported MHz, user+system %, steal %) between successive /proc/stat samples of cpu.txt."""
    raw = []
    for line in path.read_text().splitlines():
        f = line.split()
        if len(f) < 14 or not f[1].startswith("mhz="):
            continue
        raw.append([float(f[0]), float(f[1].split("=")[1] or "nan"), *(float(x) for x in f[6:14])])
    a = np.array(raw).reshape(-1, 10)
    if len(a) < 2:
        return np.empty((0, 4))
    d = np.diff(a[:, 2:], axis=0)  # user nice system idle iowait irq softirq steal
    total = np.maximum(d.sum(axis=1), 1e-9)
    return np.column_stack([a[1:, 0], a[1:, 1], 100 * (d[:, 0] + d[:, 2]) / total, 100 * d[:, 7] / total])


def windows(record: dict, gpu: np.ndarray, cpu: np.ndarray, size: int = WINDOW) -> list[PaceWindow]:
    """The record's pass cut into windows of `size` prompts, each with the host's means over its span."""
    times = np.asarray(record["pass_times_ms"], dtype=float) / 1000.0
    ends = float(record["pass_start_unix"]) + np.cumsum(times)
    starts = ends - times
    out = []
    for i in range(0, len(times), size):
        a, b = starts[i], ends[min(i + size, len(times)) - 1]
        g = gpu[(gpu[:, 0] >= a) & (gpu[:, 0] <= b)]
        c = cpu[(cpu[:, 0] >= a) & (cpu[:, 0] <= b)]

        def mean(x: np.ndarray, col: int) -> float:
            return float(x[:, col].mean()) if len(x) else float("nan")

        out.append(
            PaceWindow(
                i,
                float(np.median(times[i : i + size]) * 1000),
                mean(g, 1),
                mean(g, 4),
                mean(g, 3),
                mean(c, 1),
                mean(c, 2),
                mean(c, 3),
            )
        )
    return out


def report(folder: Path, size: int = WINDOW) -> str:
    """Markdown: per run, its windows, then how far each host figure moved while the pace moved."""
    gpu = read_gpu(folder / "host" / "gpu.csv")
    cpu = read_cpu(folder / "host" / "cpu.txt")
    lines = []
    for path in sorted(folder.rglob("*.json")):
        rec = json.loads(path.read_text())
        if not isinstance(rec, dict) or not rec.get("pass_start_unix") or not rec.get("pass_times_ms"):
            continue
        ws = windows(rec, gpu, cpu, size)
        lines += [
            f"### {path.relative_to(folder)}: {rec.get('runner')}, {len(rec['pass_times_ms'])} prompts",
            "",
            "| prompts from | median ms | SM MHz | GPU util % | W | CPU MHz (VM) | CPU busy % | steal % |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for w in ws:
            lines.append(
                f"| {w.first_prompt} | {w.median_ms:.0f} | {w.sm_clock_mhz:.0f} | {w.gpu_util_pct:.0f} | "
                f"{w.power_w:.1f} | {w.cpu_mhz:.0f} | {w.cpu_busy_pct:.1f} | {w.steal_pct:.2f} |"
            )
        steady = ws[2:] if len(ws) > 4 else ws  # the first windows hold the cold start, not the host's pace
        pace = [w.median_ms for w in steady]
        lines += [
            "",
            f"after the first {2 * size if len(ws) > 4 else 0} prompts the pace ranged {min(pace):.0f}-{max(pace):.0f} "
            f"ms ({max(pace) / min(pace):.2f}x) while the SM clock ranged "
            f"{min(w.sm_clock_mhz for w in steady):.0f}-{max(w.sm_clock_mhz for w in steady):.0f} MHz, the VM's "
            f"CPU clock {min(w.cpu_mhz for w in steady):.0f}-{max(w.cpu_mhz for w in steady):.0f} MHz and steal "
            f"{max(w.steal_pct for w in steady):.2f}% at most",
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="A call's folder: host/ (host_monitor.sh) and run records.")
    ap.add_argument("--window", type=int, default=WINDOW, help=f"Prompts per window (default {WINDOW}).")
    args = ap.parse_args(argv)
    print(report(args.folder, args.window))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
