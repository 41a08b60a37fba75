"""The runner's own method choices: the untracked shape warm-up, the idle window that overlaps the
CPU-only set-up and yields the counter's update period, and the garbage collector paused in windows."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from runner.measure import overhead_s, run
from runner.nvml_meter import IDLE_POLL_GRACE_S, EnergyMeter, IdleMeasurement, SimulatedDevice, _period_ms, poll_updates
from runner.workloads import Prepared, new_shape_items, shape_keys
from shared.bundle.schema import REPORT_FILE
from tests.runner.fake_time import FakeTime
from tests.runner.helpers import dry_run_cli, dry_run_config


def _t(*shape: int) -> object:
    import torch

    return torch.zeros(shape, dtype=torch.long)


def test_shape_keys_cover_every_model_call() -> None:
    one = {"input_ids": _t(1, 5), "attention_mask": _t(1, 5)}
    assert shape_keys(one) == frozenset({(("attention_mask", (1, 5)), ("input_ids", (1, 5)))})
    pair = ({"input_ids": _t(1, 3)}, {"input_ids": _t(1, 4)})
    assert len(shape_keys(pair)) == 2
    assert shape_keys("a prompt") == frozenset()


def test_new_shape_items_keeps_the_first_of_each_unseen_shape() -> None:
    items = [Prepared({"input_ids": _t(1, n)}, n) for n in (3, 4, 3, 5, 4, 6)]
    seen = set(shape_keys(items[0].inputs))  # the warm-up saw length 3
    todo = new_shape_items(items, seen)
    assert [i.input_tokens for i in todo] == [4, 5, 6]
    assert new_shape_items(items, seen) == []  # every shape is now seen
    # A pair is warmed when either of its sentences has a new shape.
    pairs = [Prepared(({"input_ids": _t(1, a)}, {"input_ids": _t(1, b)})) for a, b in ((2, 3), (3, 2), (3, 7))]
    assert len(new_shape_items(pairs, set())) == 2


class _PacedDevice(SimulatedDevice):
    """A simulated counter on simulated time whose reads cost what an NVML read costs (~4 ms)."""

    def __init__(self, clock: FakeTime, power_w: float = 120.0) -> None:
        super().__init__(power_w=power_w, clock=clock)
        self.time = clock

    def read_energy_mj(self) -> list[int]:
        self.time.spend(0.004)
        return super().read_energy_mj()


def _idle(clock: FakeTime, dev: SimulatedDevice, seconds: float) -> tuple[EnergyMeter, IdleMeasurement]:
    meter = EnergyMeter(dev, clock=clock)
    idle = IdleMeasurement.begin(meter, seconds, sleep=clock.sleep)
    clock.release = idle._stop  # the poller runs free once the window is closing
    return meter, idle


def test_idle_window_yields_power_and_update_period() -> None:
    clock = FakeTime()
    meter, idle = _idle(clock, _PacedDevice(clock), 0.3)
    clock.sleep(0.1)  # CPU-only set-up would run here
    power, period, cost = idle.finish(meter)
    assert idle.window is not None and idle.window.duration_s >= 0.3
    assert power == pytest.approx(120.0, rel=0.05)
    assert period == pytest.approx(100.0, abs=15.0)
    assert cost is not None and cost >= 0.0
    assert IdleMeasurement.begin(meter, 0.0).finish(meter) == (None, None, None)


def test_update_period_is_polled_during_the_setup_not_after_it() -> None:
    clock = FakeTime()
    meter, idle = _idle(clock, _PacedDevice(clock), 0.3)
    clock.sleep(1.2)  # a set-up longer than the window and than the ~0.8 s the period needs
    t = clock()
    power, period, _ = idle.finish(meter)
    # Only the closing edge is left to wait for (one 100 ms counter step at most); polling for the
    # period after the set-up took >= 0.8 s.
    assert clock() - t < 0.15
    assert period == pytest.approx(100.0, abs=1.5)
    assert power == pytest.approx(120.0, rel=0.05)


def test_a_counter_that_does_not_move_does_not_hold_the_run() -> None:
    # No change is ever placed, so the poller never times its periods: it used to read on until
    # IDLE_POLL_MAX_S (600 s) after the set-up. Now it gives up IDLE_POLL_GRACE_S after the window closes.
    clock = FakeTime()
    meter, idle = _idle(clock, _PacedDevice(clock, power_w=0.0), 0.2)
    clock.sleep(0.3)
    t = clock()
    power, period, _ = idle.finish(meter)
    assert clock() - t < IDLE_POLL_GRACE_S + 0.5  # not 600 s
    assert period is None and power == 0.0


def test_poll_updates_stops_after_enough_updates() -> None:
    clock = FakeTime()
    t = clock()
    period, cost = poll_updates(_PacedDevice(clock), 0.0, min_periods=4, max_s=3.0, clock=clock)
    assert period == pytest.approx(100.0, abs=1.5)
    assert clock() - t < 1.0
    assert cost == pytest.approx(4.0, abs=0.1)


def test_run_records_shape_warmup_and_timings(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert dry_run_cli(tiny_models, out, task="text_generation", samples=6, repetitions=1) == 0
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["config"]["shape_warmup"] is True
    assert report["config"]["gc_paused_in_windows"] is True
    n = report["config"]["shape_warmup_samples"]
    assert 1 <= n <= 5
    for key in ("setup_s", "dataset_load_s", "model_load_s", "warmup_s", "shape_warmup_s", "total_s"):
        assert key in report["timings_s"]
    assert "shape warm-up" in (out / "logs" / "run.log").read_text()
    off = tmp_path / "off"
    assert (
        dry_run_cli(tiny_models, off, task="text_generation", samples=6, repetitions=1, extra=["--no-shape-warmup"])
        == 0
    )
    report = json.loads((off / REPORT_FILE).read_text())
    assert report["config"]["shape_warmup"] is False and report["config"]["shape_warmup_samples"] == 0
    assert "shape_warmup_s" not in report["timings_s"]


def test_overhead_split_counts_setup_both_ways(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    cfg = dry_run_config(tiny_models, tmp_path / "r", samples=4, repetitions=2)
    o = overhead_s(run(cfg).report)
    assert o["setup_s"] > 0
    assert o["overhead_share_strict"] == pytest.approx(o["overhead_share"] + o["setup_s"] / o["total_s"])
    parts = o["setup_s"] + o["model_load_s"] + o["warmup_s"] + o["measured_s"] + o["overhead_s"]
    assert parts == pytest.approx(o["total_s"])


def test_gc_is_enabled_again_after_the_run(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    cfg = dry_run_config(tiny_models, tmp_path / "r", samples=3, repetitions=1)
    assert run(cfg).complete
    assert gc.isenabled()


class _StallingDevice(SimulatedDevice):
    """A counter whose reads are sometimes held up (as by another thread holding the GIL)."""

    def __init__(self, clock: FakeTime) -> None:
        super().__init__(clock=clock)
        self.time = clock
        self.n = 0

    def read_energy_mj(self) -> list[int]:
        self.n += 1
        if self.n % 7 == 0:
            self.time.spend(0.03 + 0.25 * (self.n % 3 == 0))  # 30 ms, and now and then 280 ms: updates are missed
        else:
            self.time.spend(0.004)  # an NVML read's cost
        return super().read_energy_mj()


class _LateReturningDevice(SimulatedDevice):
    """A counter read that samples promptly but sometimes returns late (the NVML call is done, but the
    reading thread waits for the GIL): the value it returns is already stale when it is timed. The
    likely cause of the previous estimator's 13.8-52.2 ms on the H100 (`runner check`: 100.0 ms)."""

    def __init__(self, clock: FakeTime) -> None:
        super().__init__(clock=clock)
        self.time = clock
        self.n = 0

    def read_energy_mj(self) -> list[int]:
        self.n += 1
        self.time.spend(0.002)
        value = super().read_energy_mj()
        self.time.spend(0.002 + (0.02 + 0.013 * (self.n // 6 % 6) if self.n % 6 == 0 else 0.0))  # 20-85 ms late
        return value


def test_update_period_is_not_biased_by_delayed_reads_or_missed_updates() -> None:
    # Most updates land in a held-up read and are not placed sharply: a few seconds keep enough sharp ones.
    clock = FakeTime()
    period, _ = poll_updates(_StallingDevice(clock), 6.0, clock=clock)
    assert period == pytest.approx(100.0, abs=1.5)


def test_one_badly_placed_change_does_not_set_the_period() -> None:
    # (time the change was seen, changes seen so far): updates every 100 ms, the one at 0.3 s placed
    # 86 ms late (14 ms before the next), those at 0.6 and 0.7 s seen as one change, not sharply (so
    # three periods lie between the sharp changes at 0.5 and 0.8 s).
    # The shortest gap used to seed the count, which made the period ~14 ms.
    sharp = [(0.0, 1), (0.1, 2), (0.2, 3), (0.386, 4), (0.4, 5), (0.5, 6), (0.8, 8), (0.9, 9), (1.0, 10)]
    assert _period_ms(sharp) == pytest.approx(100.0, abs=1.5)
    assert _period_ms(sharp[:3]) is None  # two periods are not enough


def test_update_period_is_not_biased_by_reads_that_return_late() -> None:
    # A change seen right after a late read happened anywhere since that read's sample, not since it returned.
    clock = FakeTime()
    period, _ = poll_updates(_LateReturningDevice(clock), 4.0, clock=clock)
    assert period == pytest.approx(100.0, abs=1.5)


def test_repetitions_start_on_the_previous_repetitions_closing_edge(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "run"
    assert dry_run_cli(tiny_models, out, samples=4, repetitions=3) == 0
    trace = json.loads((out / "logs" / "counter_trace.json").read_text())
    chained = [i for i, t in enumerate(trace) if t.get("chained_to")]
    assert chained, "back-to-back repetitions should share a counter edge"
    for i in chained:  # the entry before a chained start is the closing edge it starts on
        assert trace[i - 1]["label"] == f"{trace[i]['chained_to']}:end"
        assert trace[i]["counters_mj"] == trace[i - 1]["counters_mj"] and trace[i]["gap_s"] <= 0.05
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["config"]["cpu_pin"] is None  # never pinned in a dry run
