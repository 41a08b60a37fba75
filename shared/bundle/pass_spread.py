"""Where a spread between repetitions comes from: the pass time (the host's pace) or the GPU's power.

At batch 1 a pass is mostly the host launching kernels, so a slower host makes a longer pass at
nearly the same mean power, and the energy follows the time (on the H200 in session 6: correlation
0.998 over 10 DistilBERT repetitions). Printing the three spreads side by side lets a user see that
at once instead of reading it as a fault of the meter. The runner prints it; the validator warns
(`host_drift`) when the passes drifted during the run.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from shared.bundle.schema import RunReport
from shared.method.units import mean_power_w

DRIFT_NOTE_PCT = 10.0  # a drift this large is named in the console line (H200, session 6: +55%)


@dataclass(frozen=True)
class PassSpread:
    """Spread of the counted passes over the repetitions of one run.

    Attributes:
        repetitions: Number of repetitions compared.
        energy_cv_pct: Coefficient of variation of the counted passes' energy, %.
        time_cv_pct: Coefficient of variation of their wall time, %.
        power_cv_pct: Coefficient of variation of their mean power (energy / time), %.
        time_energy_corr: Pearson correlation of time and energy (nan when either is constant).
        time_drift_pct: Mean pass time of the last half of the repetitions over that of the first
            half, minus 1, in % (the middle one left out when odd; nan below four repetitions). A
            host that slows or speeds up during the run shows here, not as scatter.
    """

    repetitions: int
    energy_cv_pct: float
    time_cv_pct: float
    power_cv_pct: float
    time_energy_corr: float
    time_drift_pct: float

    def describe(self) -> str:
        """One line for the console."""
        line = (
            f"spread over {self.repetitions} repetitions: pass energy CV {self.energy_cv_pct:.1f}%, pass time CV "
            f"{self.time_cv_pct:.1f}%, mean power CV {self.power_cv_pct:.1f}%"
        )
        if self.time_energy_corr > 0.9 and self.power_cv_pct < self.energy_cv_pct:
            line += (
                f"; energy follows pass time (correlation {self.time_energy_corr:.3f}): the host's pace varied, "
                "not the GPU's power"
            )
        drift = self.drift()
        if drift:
            line += f"; {drift}: a quieter host gives a tighter figure"
        return line

    def drift(self) -> str | None:
        """A sentence naming a drift of the pass time of DRIFT_NOTE_PCT or more, else None."""
        if not abs(self.time_drift_pct) >= DRIFT_NOTE_PCT:  # also None for nan
            return None
        way = "slowed" if self.time_drift_pct > 0 else "sped up"
        return (
            f"the passes {way} during the run ({self.time_drift_pct:+.0f}% pass time from the first half of "
            "the repetitions to the second)"
        )


def _cv_pct(values: list[float]) -> float:
    mean = statistics.fmean(values)
    return 100 * statistics.stdev(values) / mean if mean else 0.0


def _drift_pct(values: list[float]) -> float:
    half = len(values) // 2
    if half < 2:
        return float("nan")
    return 100 * (statistics.fmean(values[-half:]) / statistics.fmean(values[:half]) - 1)


def counted_passes(report: RunReport) -> list[tuple[float, float]]:
    """(energy in Wh, wall time in s) of each repetition's counted passes: not the shared
    preprocess window, nor a two-pass run's prefill-only pass."""
    out = []
    for rep in report.repetitions:
        counted = [p for p in rep.phases if p.in_total]
        out.append((sum(p.gpu_energy_wh for p in counted), sum(p.duration_s for p in counted)))
    return out


def pass_spread(report: RunReport) -> PassSpread | None:
    """The spread of the counted passes of `report`; None below two repetitions or when a pass
    has no duration."""
    passes = counted_passes(report)
    energy = [e for e, _ in passes]
    time_s = [t for _, t in passes]
    if len(passes) < 2 or min(time_s) <= 0:
        return None
    try:
        corr = statistics.correlation(time_s, energy)
    except statistics.StatisticsError:  # a constant series has no correlation
        corr = float("nan")
    return PassSpread(
        repetitions=len(energy),
        energy_cv_pct=_cv_pct(energy),
        time_cv_pct=_cv_pct(time_s),
        power_cv_pct=_cv_pct([mean_power_w(e, t) for e, t in zip(energy, time_s, strict=True)]),
        time_energy_corr=corr,
        time_drift_pct=_drift_pct(time_s),
    )
