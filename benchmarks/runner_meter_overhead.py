"""Meter overhead: does measuring slow inference down? The same pass is timed as the runner runs it
(measurement window, progress bar reading "Wh so far" from the counter, first-token timer with its
synchronize) and bare (the model's own generate / forward call, no meter, no timer, no bar).

    PYTHONPATH=. python3 benchmarks/runner_meter_overhead.py --task text_generation --model <dir> \\
        --dataset <jsonl> --samples 30 --rounds 8

Design (batch-1 eager inference is CPU-bound, so pass-to-pass jitter is several %):
- every input shape is warmed first (one prefill per shape, then one full pass), so neither side pays
  eager PyTorch's one-off cost per new shape;
- rounds are interleaved A-B / B-A (ABBA) so a slow drift (clocks, temperature) cancels, and each
  round gives one paired loss; the table gives their mean with a 95% t-interval;
- the meter's direct cost is also instrumented: the wall time spent inside the meter's calls during
  the metered passes, as a share of those passes (noise-free; the target is <= 1%).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from benchmarks.runner_bench_common import warmed_from_args, workload_parser
from runner.host import choose_core, pinned
from runner.nvml_meter import EnergyMeter, open_device
from runner.progress import Progress
from runner.workloads import _Generating
from shared.method.stats import spread


class TimedMeter(EnergyMeter):
    """The runner's meter, adding up the wall time spent in its in-loop call."""

    spent_s: float = 0.0

    def energy_so_far_wh(self, window: Any) -> float:
        t = time.perf_counter()
        try:
            return super().energy_so_far_wh(window)
        finally:
            self.spent_s += time.perf_counter() - t


def main() -> None:
    """Warm, run the interleaved rounds and print the tables."""
    p = workload_parser(__doc__, "text_generation", 30, 8)
    p.add_argument("--pin-cpu", default="off", help="As `runner run --pin-cpu` (auto, off or a core).")
    a = p.parse_args()
    wl, items = warmed_from_args(a)
    meter = TimedMeter(open_device([0], a.dry_run), sync=wl.sync)

    def bare_call(item: Any) -> None:
        if isinstance(wl, _Generating):
            import torch

            with torch.inference_mode():
                wl.model.generate(**wl._to_device(item.inputs), generation_config=wl.gen_full)
        else:
            wl.run(item)

    def metered() -> tuple[float, float]:
        w = meter.start("bench")
        spent0 = meter.spent_s
        t = time.perf_counter()
        with Progress(len(items), "metered", meter, w, enabled=True) as bar:
            for item in items:
                wl.run(item)
                bar.step()
        wl.sync()
        dt = time.perf_counter() - t
        meter.stop(w)
        return dt, meter.spent_s - spent0

    def bare() -> tuple[float, float]:
        wl.sync()
        t = time.perf_counter()
        for item in items:
            bare_call(item)
        wl.sync()
        return time.perf_counter() - t, 0.0

    rows = []
    with pinned(None if a.dry_run else choose_core(a.pin_cpu)):
        for r in range(a.rounds):
            first, second = (metered, bare) if r % 2 == 0 else (bare, metered)
            (t1, s1), (t2, s2) = first(), second()
            (tm, spent), tb = ((t1, s1), t2) if first is metered else ((t2, s2), t1)
            rows.append((r, len(items) / tm, len(items) / tb, spent / tm))
    print(
        f"\nMeter overhead, {a.task}, {a.model} (random weights if a replica), "
        f"{len(items)} samples per pass, {a.rounds} rounds ABBA"
    )
    print("| round | order | metered samples/s | bare samples/s | loss % | meter's own calls, % of pass |")
    print("|---|---|---|---|---|---|")
    for r, m, b, share in rows:
        print(
            f"| {r} | {'M-B' if r % 2 == 0 else 'B-M'} | {m:.3f} | {b:.3f} "
            f"| {100 * (1 - m / b):+.2f} | {100 * share:.3f} |"
        )
    losses = spread([100 * (1 - m / b) for _, m, b, _ in rows])
    m = statistics.fmean(x[1] for x in rows)
    b = statistics.fmean(x[2] for x in rows)
    direct = statistics.fmean(x[3] for x in rows)
    print(
        f"| mean | | {m:.3f} | {b:.3f} "
        f"| {losses.mean:+.2f} (95% CI {losses.ci95_low:+.2f} .. {losses.ci95_high:+.2f}) | {100 * direct:.3f} |"
    )


if __name__ == "__main__":
    main()
