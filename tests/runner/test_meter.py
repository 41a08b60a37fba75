"""The meter against scripted fake counters: boundaries on counter edges, wraparound, a counter that
goes backwards, a missing counter, the progress reads, and the contamination flag."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from runner.environment import ProcessWatch
from runner.errors import MeterError
from runner.nvml_meter import EnergyMeter, GpuProcess, NvmlDevice, SimulatedDevice


class FakeClock:
    """A clock that advances by `step_s` on every call."""

    def __init__(self, step_s: float = 0.004) -> None:
        self.t = 0.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.t += self.step_s
        return self.t


class ScriptedDevice(SimulatedDevice):
    """A device whose counter returns a scripted sequence (the last value repeats)."""

    def __init__(self, values: list[list[int]], procs: list[list[GpuProcess]] | None = None) -> None:
        super().__init__(gpus=len(values[0]))
        self._values: Iterator[list[int]] = iter(values)
        self._last = values[0]
        self._procs = iter(procs or [])
        self.reads = 0

    def read_energy_mj(self) -> list[int]:
        self.reads += 1
        self._last = next(self._values, self._last)
        return list(self._last)

    def processes(self) -> list[GpuProcess]:
        return next(self._procs, [])


def test_window_is_the_counter_difference_between_edges() -> None:
    # start: 100 (sync read), 100, 100, 150 (edge) ... end: 400 (sync read), 400, 470 (edge)
    dev = ScriptedDevice([[100], [100], [100], [150], [400], [400], [470]])
    syncs = []
    meter = EnergyMeter(dev, sync=lambda: syncs.append(1), clock=FakeClock())
    w = meter.start("forward")
    assert w.start.counters_mj == (150,)
    meter.stop(w)
    assert w.end is not None and w.end.counters_mj == (470,)
    assert w.energy_mj == 320
    assert w.energy_wh == pytest.approx(320 / 3.6e6)
    assert len(syncs) == 3  # before the start read, at the end of the work, before the end read
    assert w.tail_s > 0
    assert [t["label"] for t in meter.trace] == ["forward:start", "forward:end"]


def test_edge_wait_gives_up_on_a_stalled_counter() -> None:
    dev = ScriptedDevice([[5]])
    meter = EnergyMeter(dev, clock=FakeClock(0.01), edge_wait_s=0.1)
    w = meter.start("x")
    assert w.start.counters_mj == (5,)
    assert dev.reads <= 12


def test_wraparound_is_unwrapped() -> None:
    wrap = 2**64
    dev = ScriptedDevice([[wrap - 300], [wrap - 100], [200], [500]])
    meter = EnergyMeter(dev, clock=FakeClock())
    w = meter.start("generate")
    meter.stop(w)
    assert w.end is not None and w.end.raw_mj == (500,)
    assert w.energy_mj == 500 + wrap - (wrap - 100)


def test_counter_going_backwards_is_an_error_not_a_zero() -> None:
    dev = ScriptedDevice([[10_000], [10_500], [200]])
    meter = EnergyMeter(dev, clock=FakeClock())
    w = meter.start("forward")
    with pytest.raises(MeterError, match="backwards"):
        meter.stop(w)


def test_multi_gpu_counters_are_summed() -> None:
    dev = ScriptedDevice([[0, 0], [10, 20], [110, 320]])
    meter = EnergyMeter(dev, clock=FakeClock())
    w = meter.start("generate")
    meter.stop(w)
    assert w.energy_mj == 100 + 300


def test_progress_reads_are_rate_limited_and_do_not_sync() -> None:
    dev = ScriptedDevice([[0], [1000]] + [[1000 + 3600 * i] for i in range(1, 50)])
    syncs = []
    clock = FakeClock(0.01)
    meter = EnergyMeter(dev, sync=lambda: syncs.append(1), clock=clock, progress_interval_s=1.0)
    w = meter.start("generate")
    before_reads, before_syncs = dev.reads, len(syncs)
    for _ in range(50):  # 0.5 s of fake time at 0.01 s per call
        meter.energy_so_far_wh(w)
    assert dev.reads - before_reads == 1
    assert len(syncs) == before_syncs


def _fake_pynvml(energy_error: str | None) -> types.ModuleType:
    mod = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    class NVMLError_NotSupported(NVMLError):
        pass

    mod.NVMLError = NVMLError  # type: ignore[attr-defined]
    mod.NVMLError_NotSupported = NVMLError_NotSupported  # type: ignore[attr-defined]
    mod.nvmlInit = lambda: None  # type: ignore[attr-defined]
    mod.nvmlShutdown = lambda: None  # type: ignore[attr-defined]
    mod.nvmlDeviceGetCount = lambda: 1  # type: ignore[attr-defined]
    mod.nvmlDeviceGetHandleByIndex = lambda i: f"h{i}"  # type: ignore[attr-defined]

    def energy(h: str) -> int:
        if energy_error is not None:
            raise {"not_supported": NVMLError_NotSupported, "error": NVMLError}[energy_error]("nope")
        return 123

    mod.nvmlDeviceGetTotalEnergyConsumption = energy  # type: ignore[attr-defined]
    return mod


@pytest.mark.parametrize(
    ("kind", "message"), [("not_supported", "no cumulative energy counter"), ("error", "failed to read")]
)
def test_missing_counter_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, kind: str, message: str) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", _fake_pynvml(kind))
    with pytest.raises(MeterError, match=message):
        NvmlDevice([0])


def test_nvml_device_reads_the_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", _fake_pynvml(None))
    assert NvmlDevice([0]).read_energy_mj() == [123]


def test_missing_gpu_index_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", _fake_pynvml(None))
    with pytest.raises(MeterError, match="does not exist"):
        NvmlDevice([3])


def test_contamination_flag() -> None:
    other = GpuProcess(gpu_index=0, pid=4242, name="other-job")
    own_host_pid = GpuProcess(gpu_index=0, pid=777)  # our process, seen under its host PID
    dev = ScriptedDevice([[0]], procs=[[], [own_host_pid], [own_host_pid], [own_host_pid, other]])
    watch = ProcessWatch()
    watch.baseline(dev)
    watch.adopt_new(dev)  # CUDA initialised: the new PID is the runner's own
    assert watch.check(dev) == [] and not watch.contaminated
    assert watch.check(dev) == [other]
    assert watch.contaminated and 4242 in watch.others


def test_process_present_before_the_run_is_contamination() -> None:
    other = GpuProcess(gpu_index=0, pid=99)
    dev = ScriptedDevice([[0]], procs=[[other], [other]])
    watch = ProcessWatch()
    watch.baseline(dev)
    watch.adopt_new(dev)
    assert watch.contaminated


def test_back_to_back_windows_share_an_edge() -> None:
    # w1: start edge 150, end edge 470; w2 opens at once on 470 without reading; its end edge is 600.
    dev = ScriptedDevice([[100], [150], [400], [470], [520], [600]])
    meter = EnergyMeter(dev, clock=FakeClock())
    w1 = meter.start("prefill_pass")
    meter.stop(w1)
    reads = dev.reads
    w2 = meter.start("generate", after=w1)
    assert dev.reads == reads  # no wait for a new edge
    assert w2.start is w1.end
    meter.stop(w2)
    assert (w1.energy_mj, w2.energy_mj) == (320, 130)
    chained = [t for t in meter.trace if t.get("chained_to")]
    assert chained == [{**chained[0], "label": "generate:start", "chained_to": "prefill_pass"}]
    assert 0 <= chained[0]["gap_s"] <= 0.05


def test_a_window_after_a_long_gap_waits_for_its_own_edge() -> None:
    dev = ScriptedDevice([[100], [150], [400], [470], [470], [520]])
    clock = FakeClock()
    meter = EnergyMeter(dev, clock=clock)
    w1 = meter.start("forward")
    meter.stop(w1)
    clock.t += 1.0  # bookkeeping or other work between the windows: the GPU's energy there is not counted
    w2 = meter.start("forward", after=w1)
    assert w2.start.counters_mj == (520,)
    assert not any(t.get("chained_to") for t in meter.trace)
