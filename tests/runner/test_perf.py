"""Performance figures beside energy: per-query records, the derived figures, and the validator's
checks that they fit the measured windows (shared.bundle.perf_fields, perf_checks; runner/perf.py)."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from runner.perf import MemoryPeaks, QueryLog, prefill_sum_s, report_performance
from runner.run_files import measured_phase, repetition
from runner.workloads import SampleOutcome
from shared.bundle.perf_checks import pass_figures, run_figures
from shared.bundle.perf_fields import (
    PassPerformance,
    QueryTimings,
    derive_figures,
    figures_text,
    pass_performance,
    percentile,
)
from shared.bundle.schema import SCHEMA_VERSION, DatasetInfo, Environment, GpuInfo, ModelInfo, Phase, RunReport
from shared.method.units import J_PER_WH, MJ_PER_WH


def test_percentile_matches_numpys_linear_method() -> None:
    np = pytest.importorskip("numpy")
    rng = random.Random(3)
    for n in (1, 2, 5, 100, 1001):
        values = [rng.random() for _ in range(n)]
        for q in (0, 50, 90, 99, 100):
            assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12, abs=1e-15)
    with pytest.raises(ValueError):
        percentile([], 50)


def test_derived_figures_follow_their_definitions() -> None:
    t = QueryTimings(latency_s=[0.1, 0.2, 0.3, 0.4], ttft_s=[0.01, 0.02, 0.03, 0.04], output_tokens=[10, 10, 10, 10])
    f = derive_figures([t], duration_s=1.25, energy_wh=0.01)
    assert f.queries == 4 and f.output_tokens == 40 and f.mean_output_tokens == 10
    assert f.throughput_queries_per_s == pytest.approx(4 / 1.25)
    assert f.throughput_output_tokens_per_s == pytest.approx(40 / 1.25)
    assert f.energy_per_query_wh == pytest.approx(0.0025)
    assert f.energy_per_output_token_wh == pytest.approx(0.01 / 40)
    assert f.output_tokens_per_j == pytest.approx(40 / (0.01 * J_PER_WH))
    assert f.latency_mean_s == pytest.approx(0.25) and f.latency_p50_s == pytest.approx(0.25)
    assert f.energy_delay_product_wh_s == pytest.approx(0.0025 * 0.25)
    assert f.ttft_p90_s == pytest.approx(0.037)
    assert "queries/s" in figures_text(f) and "tokens/J" in figures_text(f)


def test_forward_tasks_have_no_token_or_first_token_figures() -> None:
    f = derive_figures([QueryTimings(latency_s=[0.01, 0.02])], duration_s=0.05, energy_wh=0.001)
    assert f.output_tokens is None and f.energy_per_output_token_wh is None and f.ttft_p50_s is None
    assert "tokens" not in figures_text(f)


def test_query_log_times_each_call_and_keeps_partial_lists_out() -> None:
    ticks = itertools.count(0.0, 0.5)
    log = QueryLog(clock=lambda: next(ticks))
    synced: list[int] = []
    fn = log.wrap(lambda item: SampleOutcome(output_tokens=item, prefill_s=0.125), lambda: synced.append(1))
    fn(10)
    fn(12)
    t = log.timings()
    assert t.latency_s == [0.5, 0.5] and t.ttft_s == [0.125, 0.125] and t.output_tokens == [10, 12]
    assert len(synced) == 2 and prefill_sum_s(t) == 0.25
    log.record(0.3, SampleOutcome())  # a query without first-token time or tokens
    t = log.timings()
    assert t.ttft_s is None and t.output_tokens is None and len(t.latency_s) == 3
    assert QueryLog().performance(1.0, 0.1) is None


def test_memory_peaks_are_none_on_cpu() -> None:
    m = MemoryPeaks("cpu", read_nvml=False, nvml_indices=[0])
    m.reset()
    m.note_pass_end()
    assert m.allocated_peak_bytes() is None and m.used_mib_max is None


# -- a report with performance blocks, and the validator's checks on it ------------------------------

SAMPLES = 4


def _pass(index: int, latencies: list[float], duration_s: float, energy_wh: float) -> Phase:
    start = 1_000_000 * (index + 1) * 10
    end = start + round(energy_wh * MJ_PER_WH)
    log = QueryLog()
    for lat in latencies:
        log.record(lat, SampleOutcome(output_tokens=10, prefill_s=lat / 10))
    phase = measured_phase(
        "generate",
        [start],
        [end],
        duration_s=duration_s,
        samples=len(latencies),
        input_tokens=20,
        output_tokens=10 * len(latencies),
        prefill_time_s=prefill_sum_s(log.timings()),
    )
    perf = log.performance(phase.duration_s, phase.gpu_energy_wh)
    return phase.model_copy(update={"performance": perf})


def _report() -> RunReport:
    pre = measured_phase("preprocess", [0], [3600], duration_s=0.1, samples=SAMPLES)
    reps = []
    for r in range(2):
        lat = [0.2 + 0.01 * i + 0.001 * r for i in range(SAMPLES)]
        reps.append(repetition(r, pre, [_pass(r, lat, duration_s=1.0 + 0.1 * r, energy_wh=0.02 + 0.001 * r)], SAMPLES))
    passes = [(p.performance, p.duration_s, p.gpu_energy_wh) for rep in reps for p in rep.phases]
    perf = report_performance(passes, "generate", MemoryPeaks("cpu", False, [0]))  # type: ignore[arg-type]
    report = RunReport(
        schema_version=SCHEMA_VERSION,
        status="complete",
        task="text_generation",
        model=ModelInfo(id="m", parameters=10, dtype="float32"),
        dataset=DatasetInfo(id="d", samples=SAMPLES),
        preprocess=pre,
        repetitions=reps,
        performance=perf,  # type: ignore[call-arg]
    )
    return report


def _env(memory_total_mib: float = 80_000.0) -> Environment:
    return Environment(
        schema_version=SCHEMA_VERSION,
        meter="nvml",
        gpus=[GpuInfo(index=0, name="H100", memory_total_mib=memory_total_mib)],
    )


def _codes(report: RunReport, env: Environment | None = None) -> list[str]:
    found = list(pass_figures(report)) + list(run_figures(report, env or _env(), "generate"))
    return [p.code for p in found]


def test_a_consistent_report_passes_and_survives_json() -> None:
    report = _report()
    assert _codes(report) == []
    again = RunReport.model_validate_json(report.model_dump_json())
    assert _codes(again) == []
    perf = report.performance  # type: ignore[attr-defined]
    assert perf.passes == 2 and perf.figures.queries == 2 * SAMPLES
    assert perf.figures.duration_s == pytest.approx(2.1)


def _tampered_pass(report: RunReport, **figures: object) -> RunReport:
    phase = report.repetitions[0].phases[0]
    perf: PassPerformance = phase.performance  # type: ignore[attr-defined]
    changed = perf.model_copy(update={"figures": perf.figures.model_copy(update=figures)})
    report.repetitions[0].phases[0] = phase.model_copy(update={"performance": changed})
    return report


def test_altered_throughput_or_energy_per_token_is_refused() -> None:
    assert "altered_performance" in _codes(_tampered_pass(_report(), throughput_queries_per_s=99.0))
    assert "altered_performance" in _codes(_tampered_pass(_report(), energy_per_output_token_wh=1e-9))
    assert "altered_performance" in _codes(_tampered_pass(_report(), latency_p99_s=0.0))


def test_latencies_that_do_not_fit_the_window_are_refused() -> None:
    report = _report()
    phase = report.repetitions[0].phases[0]
    slow = _pass(0, [0.5] * SAMPLES, duration_s=phase.duration_s, energy_wh=phase.gpu_energy_wh)
    slow = slow.model_copy(update={"duration_s": 1.0})  # 4 x 0.5 s of latency in a 1 s window
    report.repetitions[0].phases[0] = slow
    codes = _codes(report)
    assert "altered_performance" in codes


def test_token_counts_and_query_counts_must_add_up() -> None:
    report = _report()
    phase = report.repetitions[0].phases[0]
    report.repetitions[0].phases[0] = phase.model_copy(update={"output_tokens": 999})
    assert "altered_performance" in _codes(report)
    report = _report()
    phase = report.repetitions[0].phases[0]
    report.repetitions[0].phases[0] = phase.model_copy(update={"samples": SAMPLES + 1})
    assert "bad_performance" in _codes(report)


def test_pooled_figures_and_memory_are_checked() -> None:
    report = _report()
    perf = report.performance  # type: ignore[attr-defined]
    report.performance = perf.model_copy(  # type: ignore[attr-defined]
        update={"figures": perf.figures.model_copy(update={"energy_delay_product_wh_s": 1.0})}
    )
    assert "altered_performance" in _codes(report)
    report = _report()
    report.performance = report.performance.model_copy(update={"peak_memory_used_mib": 200_000.0})  # type: ignore[attr-defined]
    assert "altered_performance" in _codes(report, _env(80_000.0))


def test_a_malformed_block_is_a_clear_problem_and_old_reports_pass() -> None:
    from shared.bundle.perf_checks import _parse

    raw = _report().model_dump(mode="json")
    block = raw["repetitions"][0]["phases"][0]["performance"]
    block["queries"]["latency_s"] = ["fast"]
    parsed, why = _parse(block, PassPerformance)
    assert parsed is None and why is not None and "latency_s" in why
    old = RunReport.model_validate({k: v for k, v in _report().model_dump(mode="json").items() if k != "performance"})
    for rep in old.repetitions:
        for i, ph in enumerate(rep.phases):
            rep.phases[i] = Phase.model_validate({k: v for k, v in ph.model_dump().items() if k != "performance"})
    assert _codes(old) == []


def test_pass_performance_of_a_window_is_deterministic() -> None:
    t = QueryTimings(latency_s=[0.1] * 3, output_tokens=[5, 5, 5])
    a, b = pass_performance(t, 0.31, 0.003), pass_performance(t, 0.31, 0.003)
    assert a == b and math.isclose(a.figures.throughput_queries_per_s, 3 / 0.31)


def test_run_samples_in_order_or_concurrently_and_stops_at_a_failure() -> None:
    from runner.perf import run_samples

    seen: list[tuple[int, int]] = []
    run_samples([5, 6, 7], lambda item, i: item * 10, lambda i, item, out: seen.append((i, out)))
    assert seen == [(0, 50), (1, 60), (2, 70)]
    seen.clear()
    run_samples(list(range(20)), lambda item, i: item + 1, lambda i, item, out: seen.append((i, out)), concurrency=4)
    assert sorted(seen) == [(i, i + 1) for i in range(20)]

    def fail_on_3(item: int, i: int) -> int:
        if item == 3:
            raise RuntimeError("sample 3 broke")
        return item

    with pytest.raises(RuntimeError, match="sample 3"):
        run_samples(list(range(8)), fail_on_3, lambda i, item, out: None, concurrency=3)
