"""Tables from real runner bundles: energy, repeatability, runner overhead, and the single-pass vs
two-pass prefill/decode comparison.

    PYTHONPATH=. python3 benchmarks/runner_bundles_table.py data/demo_bundles/*.zip benchmarks/sessions/*/*.zip

Every figure comes from the bundles' own reports (counter readings and wall times measured on the H100).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from runner.measure import overhead_s
from shared.bundle.pass_spread import counted_passes, pass_spread
from shared.bundle.schema import RunReport
from shared.method.units import mean_power_w


def _load(path: Path) -> tuple[RunReport, dict[str, Any]]:
    z = zipfile.ZipFile(path)
    return RunReport.model_validate_json(z.read("benchmark_report.json")), json.loads(z.read("environment.json"))


def main(paths: list[str]) -> None:
    """Print the tables for the given bundle files."""
    runs = [(Path(p).name, *_load(Path(p))) for p in paths]
    print(
        "| bundle | task | model (random weights) | Wh / 1,000 queries | std | CV % | pass time CV % | reps "
        "| counted passes s | mean W | GPU | wall s | runner overhead % |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, rep, env in runs:
        s = rep.summary
        assert s is not None
        o = overhead_s(rep)
        cv = 100 * s.gpu_energy_wh_per_1k_std / s.gpu_energy_wh_per_1k_mean if s.repetitions > 1 else float("nan")
        passes = counted_passes(rep)
        pass_s = sum(t for _, t in passes)
        watts = mean_power_w(sum(e for e, _ in passes), pass_s) if pass_s > 0 else float("nan")
        spread = pass_spread(rep)
        time_cv = f"{spread.time_cv_pct:.1f}" if spread else "-"
        print(
            f"| {name} | {rep.task} | {rep.model.id} | {s.gpu_energy_wh_per_1k_mean:.4f} "
            f"| {s.gpu_energy_wh_per_1k_std:.4f} | {cv:.1f} | {time_cv} | {s.repetitions} | {pass_s:.1f} "
            f"| {watts:.1f} | {env['gpus'][0]['name']} | {o['total_s']:.1f} | {100 * o['overhead_share']:.1f} |"
        )
    gen = [(n, r) for n, r, _ in runs if r.split is not None]
    if gen:
        print(
            "\n| bundle | split method | generate s | prefill pass s | wall ratio single/two | total Wh/1k "
            "| prefill Wh/1k (reported) | single-pass estimate Wh/1k |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for name, r in gen:
            g = sum(p.duration_s for rep in r.repetitions for p in rep.phases if p.name == "generate")
            pp = sum(p.duration_s for rep in r.repetitions for p in rep.phases if p.name == "prefill_pass")
            ratio = f"{g / (g + pp):.3f}" if pp else "-"
            est = r.split_single_pass_prefill_wh if r.split_single_pass_prefill_wh is not None else float("nan")
            assert r.summary is not None and r.split is not None
            print(
                f"| {name} | {r.split.method} | {g:.1f} | {pp:.1f} | {ratio} "
                f"| {r.summary.gpu_energy_wh_per_1k_mean:.4f} | {r.split.prefill_wh:.4f} | {est:.4f} |"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
