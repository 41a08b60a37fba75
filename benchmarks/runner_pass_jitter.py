"""Pass-to-pass jitter: how much do the wall time and the energy of the same measured pass vary, and
does keeping the inference thread on one core (`--pin-cpu`) make them steadier?

    PYTHONPATH=. python3 benchmarks/runner_pass_jitter.py --task text_classification --model <dir> \\
        --dataset <jsonl> --samples 1000 --rounds 12

One process, one loaded model, every shape warmed; then rounds of two passes, one per setting, in
A-B / B-A order (a slow drift cancels). Each pass is one measurement window exactly as the runner
opens it (counter edges, garbage collector paused). The table gives, per setting, the mean and the
coefficient of variation (CV) of the pass time and of Wh per 1,000 samples: the runner's
repeatability target is a CV <= 1% over 10 repetitions.
"""

from __future__ import annotations

import gc
import statistics
from typing import Any

from benchmarks.runner_bench_common import metered_pass, warmed_from_args, workload_parser
from runner.host import choose_core, pinned
from runner.nvml_meter import EnergyMeter, open_device
from shared.method.units import mean_power_w, wh_per_1k_queries


def cv_percent(values: list[float]) -> float:
    """Sample standard deviation over the mean, %."""
    return 100 * statistics.stdev(values) / statistics.fmean(values) if len(values) > 1 else 0.0


def main() -> None:
    """Warm, run the interleaved rounds and print per-pass rows and the summary table."""
    p = workload_parser(__doc__, "text_classification", 1000, 12)
    p.add_argument("--settings", default="off,auto", help="Two --pin-cpu values to compare (default off,auto).")
    a = p.parse_args()
    wl, items = warmed_from_args(a)
    meter = EnergyMeter(open_device([0], a.dry_run), sync=wl.sync)
    settings = a.settings.split(",")
    cores = {s: None if a.dry_run else choose_core(s) for s in settings}
    results: dict[str, list[tuple[float, float]]] = {s: [] for s in settings}

    def one_pass(setting: str) -> tuple[float, float]:
        with pinned(cores[setting]):
            return metered_pass(meter, "pass", items, wl.run)

    gc.collect()
    gc.freeze()
    print(
        f"\nPass jitter, {a.task}, {a.model} (random weights if a replica), "
        f"{len(items)} samples per pass, {a.rounds} rounds, cores {cores}"
    )
    print("| round | setting | pass s (work) | Wh / 1,000 | mean W over the work |")
    print("|---|---|---|---|---|")
    for r in range(a.rounds):
        order: list[Any] = settings if r % 2 == 0 else settings[::-1]
        for s in order:
            dt, pass_wh = one_pass(s)
            wh = wh_per_1k_queries(pass_wh, len(items))
            results[s].append((dt, wh))
            print(f"| {r} | {s} | {dt:.3f} | {wh:.4f} | {mean_power_w(pass_wh, dt):.1f} |", flush=True)
    print(
        "\n| --pin-cpu | passes | pass s, mean | pass s, CV % | Wh / 1,000, mean | Wh / 1,000, CV % "
        "| CV % of the first 10 |"
    )
    print("|---|---|---|---|---|---|---|")
    for s in settings:
        times = [x[0] for x in results[s]]
        whs = [x[1] for x in results[s]]
        print(
            f"| {s} (core {cores[s]}) | {len(whs)} | {statistics.fmean(times):.3f} | {cv_percent(times):.2f} | "
            f"{statistics.fmean(whs):.4f} | {cv_percent(whs):.2f} | {cv_percent(whs[:10]):.2f} |"
        )


if __name__ == "__main__":
    main()
