"""Energy arithmetic of a run report: the one place both the runner (writing) and the validator
(checking) derive phase energies, per-repetition totals and the summary from counter readings."""

from __future__ import annotations

import math

from shared.bundle.schema import Phase, PhaseSplit, RunReport, Summary
from shared.method.stats import spread
from shared.method.tasks import PASS_GENERATE, PREPROCESS_PHASE, Task
from shared.method.units import mj_to_wh, wh_per_1k_queries

# Relative tolerance for "the stored number equals the recomputed one": floats survive JSON exactly
# (repr round-trips), so anything beyond rounding noise means the file was edited.
REL_TOL = 1e-9
ABS_TOL_WH = 1e-9


def counters_energy_wh(start_mj: list[int], end_mj: list[int]) -> float:
    """Energy in Wh from per-GPU cumulative counter readings (sum over GPUs of end - start).

    Raises ValueError when the lists differ in length or a counter went backwards.
    """
    if len(start_mj) != len(end_mj):
        raise ValueError(f"{len(start_mj)} start readings but {len(end_mj)} end readings; one per GPU is needed.")
    if not start_mj:
        raise ValueError("no counter readings; the run recorded no GPU.")
    total = 0
    for i, (a, b) in enumerate(zip(start_mj, end_mj, strict=True)):
        if b < a:
            raise ValueError(f"GPU #{i}'s counter went backwards ({a} -> {b} mJ).")
        total += b - a
    return mj_to_wh(total)


def same(a: float, b: float, rel: float = REL_TOL, abs_: float = ABS_TOL_WH) -> bool:
    """True when two energies agree up to float rounding."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def repetition_total_wh(preprocess: Phase, phases: list[Phase]) -> float:
    """Preprocess energy plus the in-total phases of one repetition, in Wh."""
    return preprocess.gpu_energy_wh + sum(p.gpu_energy_wh for p in phases if p.in_total)


def summarize(report: RunReport, task: Task) -> Summary:
    """The summary block of a complete report, recomputed from its phases."""
    samples = report.dataset.samples
    per_1k = [wh_per_1k_queries(rep.gpu_energy_wh, samples) for rep in report.repetitions]
    s = spread(per_1k)
    pre = wh_per_1k_queries(report.preprocess.gpu_energy_wh, samples)
    phases: dict[str, float] = {PREPROCESS_PHASE: pre}
    pass_mean = s.mean - pre
    if task.pass_phase == PASS_GENERATE and report.split is not None:
        phases["prefill"] = report.split.prefill_wh
        phases["decode"] = report.split.decode_wh
    else:
        phases[task.pass_phase] = max(pass_mean, 0.0)
    return Summary(
        gpu_energy_wh_per_1k_mean=s.mean,
        gpu_energy_wh_per_1k_std=s.std,
        ci95_low_wh_per_1k=s.ci95_low,
        ci95_high_wh_per_1k=s.ci95_high,
        repetitions=s.n,
        phases_wh_per_1k=phases,
    )


def split_from_prefill_share(report: RunReport, prefill_wh_per_1k: float, method: str) -> PhaseSplit:
    """A PhaseSplit whose two parts add up exactly to the mean generate energy per 1,000 queries."""
    samples = report.dataset.samples
    gen = [
        wh_per_1k_queries(sum(p.gpu_energy_wh for p in rep.phases if p.name == PASS_GENERATE), samples)
        for rep in report.repetitions
    ]
    gen_mean = sum(gen) / len(gen)
    prefill = min(max(prefill_wh_per_1k, 0.0), gen_mean)
    return PhaseSplit(method=method, prefill_wh=prefill, decode_wh=gen_mean - prefill)  # type: ignore[arg-type]


def summary_file(summary: Summary) -> dict[str, float | str]:
    """GPU_ENERGY_SUMMARY.json content: the reference's keys, per 1,000 queries."""
    out: dict[str, float | str] = {"units": "Wh", "per_queries": 1000, "total": summary.gpu_energy_wh_per_1k_mean}
    for name, wh in summary.phases_wh_per_1k.items():
        out[f"{name}_wh"] = wh
    return out


def energy_wh_text(summary: Summary) -> str:
    """GPU_ENERGY_WH.txt content: the rated number with two decimals."""
    return f"{summary.gpu_energy_wh_per_1k_mean:.2f}\n"
