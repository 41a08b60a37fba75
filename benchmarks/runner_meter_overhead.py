"""Meter overhead: throughput of the same pass with the meter (boundary reads at the counter's edges
plus the progress bar's "Wh so far" reads) and without any meter at all, alternated to cancel drift.

    PYTHONPATH=. python3 benchmarks/runner_meter_overhead.py --task text_generation --model <dir> --dataset <jsonl> --samples 200 --rounds 3

Prints a table; the target is a throughput loss <= 1%.
"""

from __future__ import annotations

import argparse
import statistics
import time

from runner.datasets_io import load_samples
from runner.models import resolve_source
from runner.nvml_meter import EnergyMeter, open_device
from runner.progress import Progress
from runner.workloads import make_workload
from shared.tasks import get_task


def main() -> None:
    """Run the alternating passes and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--task", default="text_generation")
    p.add_argument("--model", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--dry-run", action="store_true", help="CPU and simulated meter (to try the script).")
    a = p.parse_args()
    task = get_task(a.task)
    device = "cpu" if a.dry_run else "cuda"
    wl = make_workload(task, resolve_source(a.model), "auto", device, False, 0, "off")
    wl.load()
    items = wl.preprocess(load_samples(a.dataset, task, a.samples).rows)
    # Warm every input shape once (the first call per prompt length is much slower in eager PyTorch).
    for item in items:
        wl.run(item)
    meter = EnergyMeter(open_device([0], a.dry_run), sync=wl.sync)

    def metered() -> float:
        w = meter.start("bench")
        t = time.perf_counter()
        with Progress(len(items), "metered", meter, w, enabled=True) as bar:
            for item in items:
                wl.run(item)
                bar.step()
        wl.sync()
        dt = time.perf_counter() - t
        meter.stop(w)
        return dt

    def bare() -> float:
        wl.sync()
        t = time.perf_counter()
        for item in items:
            wl.run(item)
        wl.sync()
        return time.perf_counter() - t

    rows = []
    for r in range(a.rounds):
        # Alternate the order so that a slow drift (clocks, temperature) does not favour one side.
        first, second = (metered, bare) if r % 2 == 0 else (bare, metered)
        t1, t2 = first(), second()
        tm, tb = (t1, t2) if first is metered else (t2, t1)
        rows.append((r, len(items) / tm, len(items) / tb))
    print(f"\nMeter overhead, {a.task}, {a.model} (random weights if a replica), {len(items)} samples per pass")
    print("| round | metered samples/s | unmetered samples/s | loss % |")
    print("|---|---|---|---|")
    for r, m, b in rows:
        print(f"| {r} | {m:.3f} | {b:.3f} | {100 * (1 - m / b):+.2f} |")
    m = statistics.fmean(x[1] for x in rows)
    b = statistics.fmean(x[2] for x in rows)
    print(f"| mean | {m:.3f} | {b:.3f} | {100 * (1 - m / b):+.2f} |")


if __name__ == "__main__":
    main()
