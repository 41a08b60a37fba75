"""The steady warm-up: the rule on scripted chunk times (a fake host) and in a real dry run."""

from __future__ import annotations

import json
import random
from pathlib import Path

from runner.measure import RunConfig, run, steady_warm_up
from runner.steady import CHUNK_TARGET_S, SteadyWarmup
from runner.workloads import Prepared, SampleOutcome
from shared.bundle.schema import REPORT_FILE
from tests.runner.helpers import dry_run_cli, dry_run_config


def _feed(rule: SteadyWarmup, host: object, start_size: int = 1, samples: int = 1000) -> list[int]:
    """Run the rule on a host whose `host(size, now_s)` returns a chunk's seconds; the sizes used."""
    size, sizes, now = start_size, [], 0.0
    while not rule.done:
        seconds = host(size, now)  # type: ignore[operator]
        now += seconds
        sizes.append(size)
        size = rule.next_size(size, seconds, samples)
    return sizes


def test_a_host_that_speeds_up_for_three_minutes_is_followed_to_the_end_of_its_ramp() -> None:
    # 4.7 ms per sample at first, 2.6 ms after 180 s, as the fresh lent H100 ran DistilBERT.
    def host(size: int, now: float) -> float:
        return size * (4.7e-3 - 2.1e-3 * min(now, 180.0) / 180.0)

    rule = SteadyWarmup(max_s=600.0)
    _feed(rule, host)
    assert rule.steady
    assert rule.elapsed_s >= 180.0  # not fooled while the ramp lasts
    assert rule.elapsed_s <= 180.0 + 3 * rule.window_s  # and stops soon after it ends
    assert rule.chunk_s[-1] < 0.6 * rule.chunk_s[0]


def test_a_noisy_steady_host_stops_after_two_windows() -> None:
    rng = random.Random(1)

    def host(size: int, now: float) -> float:
        return size * 2.6e-3 * (1.0 + abs(rng.gauss(0.0, 0.03)))  # noise only ever slows a chunk down

    rule = SteadyWarmup(max_s=120.0)
    _feed(rule, host)
    assert rule.steady
    assert 2 * rule.window_s <= rule.elapsed_s <= 3 * rule.window_s + 2 * CHUNK_TARGET_S


def test_the_cap_ends_a_ramp_that_never_ends_and_says_not_steady() -> None:
    rule = SteadyWarmup(max_s=30.0)
    _feed(rule, lambda size, now: size * 5e-3 * 0.99**now)
    assert not rule.steady
    assert 30.0 <= rule.elapsed_s < 30.0 + 2 * CHUNK_TARGET_S
    rec = rule.record()
    assert rec["steady"] is False and rec["chunks"] == len(rule.chunk_s)
    assert float(rec["best_recent_s"]) < float(rec["best_earlier_s"])  # type: ignore[arg-type]


def test_chunks_grow_to_about_a_second_and_never_past_the_dataset() -> None:
    rule = SteadyWarmup(max_s=60.0)
    sizes = _feed(rule, lambda size, now: size * 2.5e-3)
    assert sizes[0] == 1 and rule.chunk_samples == sizes[-1]
    assert 0.5 * CHUNK_TARGET_S <= rule.chunk_samples * 2.5e-3 <= 1.5 * CHUNK_TARGET_S
    assert len(set(sizes)) <= 4  # a few sizing steps, then one size
    small = SteadyWarmup(max_s=60.0)
    sizes = _feed(small, lambda size, now: size * 2.5e-3, samples=20)
    assert max(sizes) == 20 and small.chunk_samples == 20


def test_off_means_no_chunk_at_all() -> None:
    rule = SteadyWarmup(max_s=0.0)
    assert rule.done and _feed(rule, lambda size, now: 1.0) == []


class _TickClock:
    """A clock that moves 1/16 s each time it is read: every chunk of the steady warm-up then takes
    exactly 1/16 s, however busy the machine is."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 0.0625
        return self.t


def test_dry_run_records_the_steady_warmup(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg = dry_run_config(tiny_models, out, samples=12, warmup_samples=RunConfig.warmup_samples)
    assert run(cfg, clock=_TickClock()).complete
    report = json.loads((out / REPORT_FILE).read_text())
    rec = report["config"]["steady_warmup"]
    assert rec["max_s"] == 0.25 and rec["elapsed_s"] >= 0.25 and rec["chunk_samples"] >= 1
    # Sizing: 10 samples in 1/16 s grow to all 12; two timed chunks of 1/16 s reach the 0.25 s cap.
    assert rec["chunk_samples"] == 12 and rec["chunk_s"] == [0.0625, 0.0625] and rec["elapsed_s"] == 0.25
    assert abs(report["timings_s"]["steady_warmup_s"] - rec["elapsed_s"]) < 1e-3
    assert report["timings_s"]["warmup_s"] >= report["timings_s"]["steady_warmup_s"]
    assert "steady warm-up" in (out / "logs" / "run.log").read_text()
    off = tmp_path / "off"
    steady_off = ["--steady-warmup-s", "0"]
    assert dry_run_cli(tiny_models, off, samples=12, warmup_samples=None, extra=steady_off) == 0
    report = json.loads((off / REPORT_FILE).read_text())
    assert report["config"]["steady_warmup"]["chunks"] == 0 and report["timings_s"]["steady_warmup_s"] == 0.0


def test_steady_warm_up_stops_once_the_host_is_steady() -> None:
    # A host whose chunks take 0.5 s flat: sizing ends at once, then two 10 s windows of equal bests.
    clock = _TickClock()
    items = [Prepared(inputs=i) for i in range(8)]

    def sample(item: Prepared) -> SampleOutcome:
        clock.t += 0.5 / 8 - 0.0625 / 8  # the chunk's two clock reads add the rest
        return SampleOutcome()

    steady = steady_warm_up(sample, lambda: None, items, 120.0, 8, clock)
    assert steady.steady and steady.chunk_samples == 8
    assert all(abs(t - 0.5) < 1e-9 for t in steady.chunk_s)
    assert steady.elapsed_s < 25.0
