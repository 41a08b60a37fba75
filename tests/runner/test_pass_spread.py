"""The spread line: pass energy, pass time and mean power over repetitions, and whether the energy
followed the time. Scripted pass figures on a real dry-run report, and the console line of a run."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from runner.measure import run
from shared.bundle.pass_spread import counted_passes, pass_spread
from shared.bundle.schema import Phase, RunReport
from tests.runner.helpers import dry_run_cli, dry_run_config


@pytest.fixture(scope="module")
def three_reps(tiny_models: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    cfg = dry_run_config(tiny_models, tmp_path_factory.mktemp("spread") / "r", repetitions=3, steady_warmup_s=0.0)
    return run(cfg).report


def _scripted(report: RunReport, passes: list[tuple[float, float]], extra: Phase | None = None) -> RunReport:
    """`report` with each repetition's counted pass replaced by (energy Wh, time s)."""
    reps = []
    for rep, (e, t) in zip(report.repetitions, passes, strict=True):
        phases = [p.model_copy(update={"gpu_energy_wh": e, "duration_s": t}) for p in rep.phases if p.in_total]
        assert len(phases) == 1
        reps.append(rep.model_copy(update={"phases": phases + ([extra] if extra else [])}))
    return report.model_copy(update={"repetitions": reps})


def test_energy_that_follows_time_is_put_down_to_the_host(three_reps: RunReport) -> None:
    # 100 W throughout, passes of 10, 11 and 12 s
    r = _scripted(three_reps, [(100 * t / 3600, t) for t in (10.0, 11.0, 12.0)])
    s = pass_spread(r)
    assert s is not None and s.repetitions == 3
    assert s.time_cv_pct == pytest.approx(100 * 1.0 / 11.0)
    assert s.energy_cv_pct == pytest.approx(s.time_cv_pct)
    assert s.power_cv_pct == pytest.approx(0.0, abs=1e-9)
    assert s.time_energy_corr == pytest.approx(1.0)
    assert "energy follows pass time" in s.describe()


def test_a_host_that_slows_during_the_run_is_named(
    three_reps: RunReport, tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    cfg = dry_run_config(tiny_models, tmp_path / "r", repetitions=5, steady_warmup_s=0.0)
    five = run(cfg).report
    # session 6's fresh H200: 2.4-3.0 s passes, then 3.6-4.4 s, at less power
    slowing = _scripted(
        five,
        [
            (251 * 2.4 / 3600, 2.4),
            (225 * 3.0 / 3600, 3.0),
            (207 * 3.6 / 3600, 3.6),
            (191 * 4.4 / 3600, 4.4),
            (192 * 4.3 / 3600, 4.3),
        ],
    )
    s = pass_spread(slowing)
    assert s is not None
    assert s.time_drift_pct == pytest.approx(100 * ((4.4 + 4.3) / (2.4 + 3.0) - 1))  # middle pass left out
    assert "slowed during the run (+61% pass time" in s.describe()
    steady = _scripted(five, [(0.1, 2.5), (0.1, 2.4), (0.1, 2.6), (0.1, 2.5), (0.1, 2.45)])
    s2 = pass_spread(steady)
    assert s2 is not None and abs(s2.time_drift_pct) < 10 and "during the run" not in s2.describe()
    s3 = pass_spread(_scripted(three_reps, [(0.1, 1.0), (0.1, 2.0), (0.1, 3.0)]))
    assert s3 is not None and math.isnan(s3.time_drift_pct)  # below four repetitions


def test_power_spread_at_constant_time_is_not_put_down_to_the_host(three_reps: RunReport) -> None:
    r = _scripted(three_reps, [(e, 10.0) for e in (0.30, 0.33, 0.36)])
    s = pass_spread(r)
    assert s is not None
    assert s.time_cv_pct == 0.0
    assert math.isnan(s.time_energy_corr)
    assert s.power_cv_pct == pytest.approx(s.energy_cv_pct) and s.energy_cv_pct == pytest.approx(100 * 0.03 / 0.33)
    assert "follows" not in s.describe()


def test_prefill_only_pass_is_left_out(three_reps: RunReport) -> None:
    base = three_reps.repetitions[0].phases[0]
    prefill = base.model_copy(
        update={"name": "prefill_pass", "in_total": False, "gpu_energy_wh": 50.0, "duration_s": 99.0}
    )
    passes = [(0.2, 10.0), (0.3, 12.0), (0.25, 11.0)]
    assert counted_passes(_scripted(three_reps, passes, prefill)) == passes


def test_one_repetition_or_a_zero_length_pass_gives_no_spread(three_reps: RunReport) -> None:
    one = three_reps.model_copy(update={"repetitions": three_reps.repetitions[:1]})
    assert pass_spread(one) is None
    assert pass_spread(_scripted(three_reps, [(0.1, 1.0), (0.1, 0.0), (0.1, 1.0)])) is None


def test_run_prints_the_spread_line(
    tiny_models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    assert dry_run_cli(tiny_models, out, repetitions=3, extra=["--steady-warmup-s", "0"]) == 0
    printed = capsys.readouterr().out
    assert "spread over 3 repetitions: pass energy CV" in printed
    reps = [ln for ln in (out / "logs" / "run.log").read_text().splitlines() if "] repetition " in ln]
    assert len(reps) == 3 and all(ln.endswith(" W)") and ", mean " in ln for ln in reps)
