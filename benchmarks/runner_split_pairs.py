"""Single-pass vs two-pass totals with the host's drift cancelled: one process, one warmed model,
rounds that run each mode's repetition in rotated order, compared round by round.

    PYTHONPATH=. python3 benchmarks/runner_split_pairs.py --model <dir> --dataset <jsonl> --samples 100 --rounds 6

Issue 3 asks that the single-pass default and the reference's two-pass run give the same total
within 3%. Separate runs cannot show that on the lent hosts: two single-pass runs of the same 1,000
prompts differed by 7.9% on an H200 (benchmarks/RESULTS.md, session 6), because batch-1 energy
follows the host's pace. Here every round runs, on the same prompts:
  single    the generate pass (the counted total);
  two       the generate pass, then a prefill-only pass (the runner's two-pass order since session 5);
  two-old   a prefill-only pass, then the generate pass (the order before session 5, the reference's).
The total of each is its generate pass's energy. Each round's difference to `single` is paired, so
a slow drift of the host cancels; the table gives the mean difference and its 95% t-interval.
"""

from __future__ import annotations

import gc

from benchmarks.runner_bench_common import metered_pass, warmed_from_args, workload_parser
from runner.nvml_meter import EnergyMeter, open_device
from shared.method.stats import spread
from shared.method.units import mean_power_w, wh_per_1k_queries

MODES = ("single", "two", "two-old")


def main() -> None:
    """Warm, run the rotated rounds, print the per-pass rows and the paired comparison."""
    p = workload_parser(__doc__, "text_generation", 100, 6)
    p.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"Modes to compare, the first is the reference point (from {', '.join(MODES)}).",
    )
    a = p.parse_args()
    modes = a.modes.split(",")
    if unknown := [m for m in modes if m not in MODES]:
        p.error(f"unknown mode(s) {', '.join(unknown)}: choose from {', '.join(MODES)}")
    wl, items = warmed_from_args(a)
    meter = EnergyMeter(open_device([0], a.dry_run), sync=wl.sync)

    def repetition(mode: str) -> tuple[float, float]:
        if mode == "two-old":
            metered_pass(meter, "prefill", items, wl.run_prefill)
        counted = metered_pass(meter, "generate", items, wl.run)
        if mode == "two":
            metered_pass(meter, "prefill", items, wl.run_prefill)
        return counted

    gc.collect()
    gc.freeze()
    n = len(items)
    results: dict[str, list[float]] = {m: [] for m in modes}
    print(
        f"\nSingle vs two-pass totals, {a.task}, {a.model} (random weights if a replica), "
        f"{n} prompts per pass, {a.rounds} rounds"
    )
    print("| round | mode | generate pass s | Wh / 1,000 | mean W |")
    print("|---|---|---|---|---|")
    for r in range(a.rounds):
        order = modes[r % len(modes) :] + modes[: r % len(modes)]  # each mode in each position in turn
        for m in order:
            dt, wh = repetition(m)
            results[m].append(wh_per_1k_queries(wh, n))
            print(f"| {r} | {m} | {dt:.2f} | {results[m][-1]:.4f} | {mean_power_w(wh, dt):.1f} |", flush=True)
    ref = modes[0]
    print(f"\n| mode | rounds | Wh / 1,000, mean | CV % | paired difference to {ref}, mean % | 95% CI % |")
    print("|---|---|---|---|---|---|")
    for m in modes:
        s = spread(results[m])
        cv = 100 * s.std / s.mean
        if m == ref:
            print(f"| {m} | {s.n} | {s.mean:.4f} | {cv:.2f} | - | - |")
            continue
        d = spread([100 * (x / y - 1) for x, y in zip(results[m], results[ref], strict=True)])
        print(f"| {m} | {s.n} | {s.mean:.4f} | {cv:.2f} | {d.mean:+.2f} | {d.ci95_low:+.2f} .. {d.ci95_high:+.2f} |")


if __name__ == "__main__":
    main()
