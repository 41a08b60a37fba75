"""GPU energy measurement: one device interface (NVML, or simulated for --dry-run) and the
measurement-window API the runner uses at phase boundaries.

Why it is built this way (facts from docs/MEASUREMENT.md §1-§3, read on the H100):
- Energy is the difference of NVML's cumulative counter (mJ), never integrated power.
- The counter advances only every ~100 ms and one read costs ~3.9 ms. A window's two ends could
  each be off by up to one 100 ms step, so the meter *aligns every boundary on a counter update*:
  after `torch.cuda.synchronize()` it polls until the counter changes (at most ~26 reads, only at
  phase boundaries) and stamps the boundary at that change. The window's energy is then exact for
  [edge, edge]; what remains is the post-work tail of at most one step, spent near idle power and
  recorded (`tail_s`) so it can be checked.
- Nothing is read inside the inference loop except the progress bar's "Wh so far", which reads the
  counter without synchronizing at most once every `progress_interval_s` (2 s: ~0.2% of the time at
  3.9 ms a read), so the meter does not slow batch-1 inference (benchmarks/runner_meter_overhead.py).
- No counter means a clear MeterError, never a zero.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from runner.errors import MeterError
from shared.bundle.schema import METER_NVML, METER_SIMULATED
from shared.method.units import mj_to_wh

# NVML's energy counter is an unsigned 64-bit number of mJ.
COUNTER_WRAP_MJ = 2**64
# The counter's update period measured on the H100 (docs/MEASUREMENT.md §1); edges are waited for up to
# 2.5 periods so that one missed update does not fail a boundary.
NOMINAL_UPDATE_PERIOD_S = 0.1
EDGE_WAIT_S = 0.25
PROGRESS_INTERVAL_S = 2.0
# A window may start on the previous window's closing edge if it opens within this time of it.
CHAIN_GAP_S = 0.05
SIMULATED_GPU_NAME = "NVIDIA H100 80GB HBM3 (simulated, --dry-run)"


@dataclass(frozen=True)
class GpuStatic:
    """Facts about one GPU that do not change during a run.

    Attributes:
        index: NVML index.
        name: Marketing name.
        uuid_sha256: sha256 of the board UUID.
        memory_total_mib: Board memory in MiB.
        power_limit_w: Enforced power limit in W.
        sm_clock_max_mhz: Maximum SM clock in MHz.
        mem_clock_max_mhz: Maximum memory clock in MHz.
    """

    index: int
    name: str
    uuid_sha256: str | None = None
    memory_total_mib: float | None = None
    power_limit_w: float | None = None
    sm_clock_max_mhz: float | None = None
    mem_clock_max_mhz: float | None = None


@dataclass(frozen=True)
class GpuProcess:
    """A process seen on a GPU.

    Attributes:
        gpu_index: NVML index of the GPU.
        pid: Process id as NVML reports it (host namespace in containers).
        used_memory_mib: GPU memory it holds, MiB, if known.
        name: Process name, if it can be read.
    """

    gpu_index: int
    pid: int
    used_memory_mib: float | None = None
    name: str | None = None


class GpuDevice(Protocol):
    """The one interface the runner uses to talk to its GPUs (real NVML or simulated)."""

    meter: str
    indices: list[int]

    def read_energy_mj(self) -> list[int]:
        """Raw cumulative energy counters in mJ, one per GPU of the run, in `indices` order."""
        ...

    def static_info(self) -> list[GpuStatic]:
        """Name, UUID hash, memory, power limit and clocks of each GPU."""
        ...

    def temperatures_c(self) -> list[float | None]:
        """Current temperature of each GPU in degrees C."""
        ...

    def clocks_mhz(self) -> list[dict[str, float | None]]:
        """Current SM and memory clocks of each GPU in MHz."""
        ...

    def processes(self) -> list[GpuProcess]:
        """Compute and graphics processes on the run's GPUs."""
        ...

    def driver_version(self) -> str | None:
        """Driver version string."""
        ...

    def close(self) -> None:
        """Release the library."""
        ...


def _nvml() -> Any:
    try:
        import pynvml
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise MeterError(
            "nvidia-ml-py is not installed, so the GPU energy counter cannot be read. "
            "Install it (pip install nvidia-ml-py) or use --dry-run."
        ) from exc
    return pynvml


def _decode(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlDevice:
    """The run's GPUs through NVML. Raises MeterError when NVML or the energy counter is missing."""

    meter = METER_NVML

    def __init__(self, indices: list[int]) -> None:
        self.indices = list(indices)
        self._nv = _nvml()
        try:
            self._nv.nvmlInit()
        except self._nv.NVMLError as exc:
            raise MeterError(
                f"NVML could not start ({exc}): no NVIDIA driver is reachable, so GPU energy cannot be "
                "measured. Run on a machine with an NVIDIA GPU, or use --dry-run to try the pipeline."
            ) from exc
        try:
            count = self._nv.nvmlDeviceGetCount()
            bad = [i for i in self.indices if not 0 <= i < count]
            if bad:
                raise MeterError(f"GPU index {bad} does not exist: this machine has {count} GPU(s) (0..{count - 1}).")
            self._handles = [self._nv.nvmlDeviceGetHandleByIndex(i) for i in self.indices]
        except self._nv.NVMLError as exc:
            raise MeterError(f"NVML failed while opening the GPUs: {exc}.") from exc
        self.read_energy_mj()  # fail now, not in the middle of a run

    def read_energy_mj(self) -> list[int]:
        """Raw cumulative counters (mJ)."""
        out = []
        for idx, h in zip(self.indices, self._handles, strict=True):
            try:
                out.append(int(self._nv.nvmlDeviceGetTotalEnergyConsumption(h)))
            except self._nv.NVMLError_NotSupported as exc:
                raise MeterError(
                    f"GPU {idx} has no cumulative energy counter (NVML: not supported; it needs a Volta or "
                    "newer data-centre GPU). The runner never reports a zero: run on an H100."
                ) from exc
            except self._nv.NVMLError as exc:
                raise MeterError(f"NVML failed to read GPU {idx}'s energy counter: {exc}.") from exc
        return out

    def _safe(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except self._nv.NVMLError:
            return None

    def static_info(self) -> list[GpuStatic]:
        """Static facts of each GPU (fields NVML does not support are None)."""
        nv = self._nv
        out = []
        for idx, h in zip(self.indices, self._handles, strict=True):
            uuid = self._safe(nv.nvmlDeviceGetUUID, h)
            mem = self._safe(nv.nvmlDeviceGetMemoryInfo, h)
            limit = self._safe(nv.nvmlDeviceGetEnforcedPowerLimit, h)
            sm = self._safe(nv.nvmlDeviceGetMaxClockInfo, h, nv.NVML_CLOCK_SM)
            memclk = self._safe(nv.nvmlDeviceGetMaxClockInfo, h, nv.NVML_CLOCK_MEM)
            out.append(
                GpuStatic(
                    index=idx,
                    name=_decode(nv.nvmlDeviceGetName(h)),
                    uuid_sha256=hashlib.sha256(_decode(uuid).encode()).hexdigest() if uuid else None,
                    memory_total_mib=mem.total / 2**20 if mem else None,
                    power_limit_w=limit / 1000 if limit else None,
                    sm_clock_max_mhz=float(sm) if sm else None,
                    mem_clock_max_mhz=float(memclk) if memclk else None,
                )
            )
        return out

    def temperatures_c(self) -> list[float | None]:
        """Current temperatures."""
        t = self._nv.NVML_TEMPERATURE_GPU
        return [self._safe(self._nv.nvmlDeviceGetTemperature, h, t) for h in self._handles]

    def clocks_mhz(self) -> list[dict[str, float | None]]:
        """Current SM and memory clocks."""
        nv = self._nv
        return [
            {
                "sm_mhz": self._safe(nv.nvmlDeviceGetClockInfo, h, nv.NVML_CLOCK_SM),
                "mem_mhz": self._safe(nv.nvmlDeviceGetClockInfo, h, nv.NVML_CLOCK_MEM),
            }
            for h in self._handles
        ]

    def power_w(self) -> list[float | None]:
        """NVML's power reading (a 1 s average on the H100), W; for information only."""
        vals = [self._safe(self._nv.nvmlDeviceGetPowerUsage, h) for h in self._handles]
        return [v / 1000 if v is not None else None for v in vals]

    def processes(self) -> list[GpuProcess]:
        """Compute and graphics processes on the run's GPUs."""
        nv = self._nv
        seen: dict[tuple[int, int], GpuProcess] = {}
        for idx, h in zip(self.indices, self._handles, strict=True):
            for fn in (nv.nvmlDeviceGetComputeRunningProcesses, nv.nvmlDeviceGetGraphicsRunningProcesses):
                for p in self._safe(fn, h) or []:
                    used = getattr(p, "usedGpuMemory", None)
                    name = self._safe(nv.nvmlSystemGetProcessName, p.pid)
                    seen[(idx, p.pid)] = GpuProcess(
                        gpu_index=idx,
                        pid=int(p.pid),
                        used_memory_mib=used / 2**20 if isinstance(used, int) and used < 2**62 else None,
                        name=_decode(name) if name else None,
                    )
        return list(seen.values())

    def driver_version(self) -> str | None:
        """Driver version."""
        v = self._safe(self._nv.nvmlSystemGetDriverVersion)
        return _decode(v) if v else None

    def close(self) -> None:
        """Shut NVML down."""
        try:
            self._nv.nvmlShutdown()
        except self._nv.NVMLError:
            pass


class SimulatedDevice:
    """A stand-in GPU for --dry-run: its counter grows at a fixed power in 100 ms steps, like NVML's.

    Its meter is "simulated", so a bundle made from it is always refused by validation.
    """

    meter = METER_SIMULATED

    def __init__(self, gpus: int = 1, power_w: float = 300.0, clock: Callable[[], float] = time.perf_counter) -> None:
        self.indices = list(range(gpus))
        self._power_w = power_w
        self._clock = clock
        self._t0 = clock()

    def read_energy_mj(self) -> list[int]:
        """Counter = power x elapsed time, quantised to 100 ms steps, starting at 1e9 mJ."""
        steps = int((self._clock() - self._t0) / NOMINAL_UPDATE_PERIOD_S)
        mj = 1_000_000_000 + int(self._power_w * 1000 * steps * NOMINAL_UPDATE_PERIOD_S)
        return [mj for _ in self.indices]

    def static_info(self) -> list[GpuStatic]:
        """A simulated H100 (named as such)."""
        return [
            GpuStatic(index=i, name=SIMULATED_GPU_NAME, power_limit_w=700.0, memory_total_mib=81559.0)
            for i in self.indices
        ]

    def temperatures_c(self) -> list[float | None]:
        """No sensor."""
        return [None for _ in self.indices]

    def clocks_mhz(self) -> list[dict[str, float | None]]:
        """No clocks."""
        return [{"sm_mhz": None, "mem_mhz": None} for _ in self.indices]

    def power_w(self) -> list[float | None]:
        """The simulated power."""
        return [self._power_w for _ in self.indices]

    def processes(self) -> list[GpuProcess]:
        """A simulated GPU runs nothing else."""
        return []

    def driver_version(self) -> str | None:
        """No driver."""
        return None

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class Reading:
    """One boundary reading.

    Attributes:
        time_s: perf_counter time of the reading, s.
        counters_mj: Unwrapped cumulative counters, one per GPU, mJ.
        raw_mj: The counters exactly as the device returned them, mJ.
    """

    time_s: float
    counters_mj: tuple[int, ...]
    raw_mj: tuple[int, ...]


@dataclass
class Window:
    """A measured window between two counter readings.

    Attributes:
        name: Phase name.
        start: Reading at the start boundary.
        end: Reading at the end boundary (None while open).
        work_end_s: When the measured work finished (synchronized), before waiting for a counter edge.
    """

    name: str
    start: Reading
    end: Reading | None = None
    work_end_s: float | None = None

    @property
    def energy_mj(self) -> int:
        """Energy of the window summed over GPUs, mJ."""
        if self.end is None:
            raise ValueError(f"window {self.name!r} is still open")
        return sum(b - a for a, b in zip(self.start.counters_mj, self.end.counters_mj, strict=True))

    @property
    def energy_wh(self) -> float:
        """Energy of the window, Wh."""
        return mj_to_wh(self.energy_mj)

    @property
    def duration_s(self) -> float:
        """Edge-to-edge duration, s."""
        if self.end is None:
            raise ValueError(f"window {self.name!r} is still open")
        return self.end.time_s - self.start.time_s

    @property
    def tail_s(self) -> float:
        """Time between the end of the work and the counter edge that closed the window, s."""
        if self.end is None or self.work_end_s is None:
            return 0.0
        return max(0.0, self.end.time_s - self.work_end_s)


@dataclass
class EnergyMeter:
    """Reads a GpuDevice's counters at phase boundaries.

    Attributes:
        device: The GPUs of the run.
        sync: Called before every boundary reading (torch.cuda.synchronize for CUDA runs).
        wrap_mj: Modulus of the counter (2**64 for NVML).
        edge_wait_s: Longest wait for a counter update at a boundary, s.
        progress_interval_s: Least time between two progress reads, s.
        clock: Time source (perf_counter).
        trace: Every boundary reading, for the bundle's logs.
    """

    device: GpuDevice
    sync: Callable[[], None] = lambda: None
    wrap_mj: int = COUNTER_WRAP_MJ
    edge_wait_s: float = EDGE_WAIT_S
    progress_interval_s: float = PROGRESS_INTERVAL_S
    clock: Callable[[], float] = time.perf_counter
    trace: list[dict[str, Any]] = field(default_factory=list)
    _last_raw: list[int] | None = None
    _offset: list[int] | None = None
    _progress_t: float = -1e18
    _progress_wh: float = 0.0

    @property
    def meter(self) -> str:
        """ "nvml" or "simulated"."""
        return self.device.meter

    def _unwrap(self, raw: list[int]) -> list[int]:
        """Extend the counters past a wraparound; a backwards jump that is no wrap is an error."""
        if self._last_raw is None or self._offset is None:
            self._last_raw, self._offset = list(raw), [0] * len(raw)
        out = []
        for i, value in enumerate(raw):
            last = self._last_raw[i]
            if value < last:
                if last < self.wrap_mj // 2:
                    raise MeterError(
                        f"GPU #{i}'s energy counter went backwards ({last} -> {value} mJ): the driver was "
                        "probably reloaded during the run. Run again."
                    )
                self._offset[i] += self.wrap_mj
            self._last_raw[i] = value
            out.append(value + self._offset[i])
        return out

    def _read(self, label: str, sync: bool = True) -> Reading:
        if sync:
            self.sync()
        t = self.clock()
        raw = list(self.device.read_energy_mj())
        reading = Reading(t, tuple(self._unwrap(raw)), tuple(raw))
        if label:
            self.trace.append({"label": label, "time_s": t, "counters_mj": list(reading.counters_mj), "raw_mj": raw})
        return reading

    def read_at_edge(self, label: str) -> Reading:
        """Synchronize, then poll until the counter advances, and return that first new reading.

        The boundary then sits on a counter update, so no partial 100 ms step is lost. If the counter
        does not move within `edge_wait_s` (a simulated or stalled counter), the last reading is used.
        """
        first = self._read("", sync=True)
        deadline = first.time_s + self.edge_wait_s
        reading = first
        while reading.counters_mj == first.counters_mj and self.clock() < deadline:
            reading = self._read("", sync=False)
        self.trace.append(
            {
                "label": label,
                "time_s": reading.time_s,
                "counters_mj": list(reading.counters_mj),
                "raw_mj": list(reading.raw_mj),
            }
        )
        return reading

    def start(self, name: str, after: Window | None = None) -> Window:
        """Open a window at the next counter edge, or, when `after` closed less than
        CHAIN_GAP_S ago, at `after`'s closing edge.

        Back-to-back windows (repetitions, a prefill pass then its generate pass) then share one
        edge instead of waiting ~50 ms for a new one each: the few ms of bookkeeping between them
        (GPU idle, synchronized) fall into the later window, which the trace records as `gap_s`.
        """
        if after is not None and after.end is not None:
            gap = self.clock() - after.end.time_s
            if gap <= CHAIN_GAP_S:
                edge = after.end
                self.trace.append(
                    {
                        "label": f"{name}:start",
                        "time_s": edge.time_s,
                        "counters_mj": list(edge.counters_mj),
                        "raw_mj": list(edge.raw_mj),
                        "chained_to": after.name,
                        "gap_s": round(gap, 6),
                    }
                )
                return Window(name=name, start=edge)
        return Window(name=name, start=self.read_at_edge(f"{name}:start"))

    def stop(self, window: Window) -> Window:
        """Close a window: synchronize, note the end of the work, then read at the next counter edge."""
        self.sync()
        window.work_end_s = self.clock()
        window.end = self.read_at_edge(f"{window.name}:end")
        return window

    @contextmanager
    def window(self, name: str) -> Iterator[Window]:
        """Measure the body as one window (closed only if the body succeeds)."""
        w = self.start(name)
        yield w
        self.stop(w)

    def energy_so_far_wh(self, window: Window) -> float:
        """Approximate energy since the window opened, for the progress bar only.

        Reads the counter without synchronizing, and at most once per `progress_interval_s`;
        in between it returns the previous value, so the inference loop is not slowed.
        """
        now = self.clock()
        if now - self._progress_t >= self.progress_interval_s:
            self._progress_t = now
            counters = self._unwrap(list(self.device.read_energy_mj()))
            self._progress_wh = mj_to_wh(sum(b - a for a, b in zip(window.start.counters_mj, counters, strict=True)))
        return self._progress_wh


def poll_updates(
    device: GpuDevice,
    min_s: float,
    min_periods: int = 0,
    max_s: float | None = None,
    stop: threading.Event | None = None,
    grace_s: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float | None, float]:
    """Read the counter back to back for at least `min_s` seconds and until `min_periods` whole
    periods were timed and `stop` (if given) is set, but no longer than `max_s`, nor longer than
    `grace_s` after `stop` was first seen set. Returns (update period in ms, or None if fewer than 3
    periods were timed; mean cost of one read in ms).

    A read samples the counter somewhere inside the call and may return late (another thread, such
    as the set-up's imports, holds the GIL), so a change seen by read k happened somewhere after the
    previous read's sample, i.e. after read k-2 returned. A change is placed sharply only when those
    two reads together were prompt. Between two sharp changes lie at least as many periods as changes
    were seen (more where one late read hid several updates); `_period_ms` counts them, so neither
    late reads nor missed updates bias the period, and no single gap sets it. `clock` is the time
    source (tests drive a fake one, so their timing does not depend on the machine's load)."""
    sharp: list[tuple[float, int]] = []  # (time the read that saw it returned, changes seen so far)
    seen = 0
    reads = 0
    t0 = clock()
    limit = max(min_s, max_s if max_s is not None else min_s)
    last = device.read_energy_mj()
    t_prev = clock()
    intervals: list[float] = []
    span_prev = 0.0
    stopped_at: float | None = None
    while True:
        elapsed = clock() - t0
        if elapsed >= limit or (elapsed >= min_s and len(sharp) > min_periods and (stop is None or stop.is_set())):
            break
        if stop is not None and grace_s is not None and stop.is_set():
            stopped_at = elapsed if stopped_at is None else stopped_at
            if elapsed - stopped_at >= grace_s:
                break
        value = device.read_energy_mj()
        now = clock()
        reads += 1
        interval, t_prev = now - t_prev, now
        intervals.append(interval)
        span, span_prev = interval + span_prev, interval  # since the previous read's sample, at most
        if value != last:
            seen += 1
            last = value
            if span <= 3 * _recent_median(intervals):
                sharp.append((now, seen))
    cost_ms = (clock() - t0) * 1000 / max(reads, 1)
    return _period_ms(sharp), cost_ms


# Candidate periods for `_period_ms`: 20 ms to 2 s in 0.5% steps.
_PERIOD_GRID_S = [0.02 * 1.005**j for j in range(924)]


def _period_ms(sharp: list[tuple[float, int]]) -> float | None:
    """The counter's period from sharply placed changes (see `poll_updates`), ms; None below 3 gaps.

    Each gap between two sharp changes holds a whole number of periods, at least as many as changes
    were seen in it. The period is the one that most gaps fit (a half or a third of it fits as many,
    so the longest such wins), refined as the gaps' total span over their total count of periods."""
    pairs = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(sharp)]

    def fitting(period: float, among: list[tuple[float, int]]) -> list[tuple[float, int]]:
        counted = [(g, m, round(g / period)) for g, m in among]
        return [(g, k) for g, m, k in counted if k >= m and abs(g / period - k) <= 0.15]

    if len(pairs) < 3:
        return None
    recent = pairs[-64:]  # enough to pick the period; the whole grid over every gap of a long window is slow
    period = max(_PERIOD_GRID_S, key=lambda p: (len(fitting(p, recent)), p))
    for _ in range(3):
        kept = fitting(period, pairs)
        if len(kept) < 3:
            return None
        period = sum(g for g, _ in kept) / sum(k for _, k in kept)
    return period * 1000


def _recent_median(values: list[float]) -> float:
    """Median of the last 64 values (the read cost drifts with the host's load)."""
    tail = sorted(values[-64:])
    return tail[len(tail) // 2]


def measure_update_period_ms(device: GpuDevice, duration_s: float = 1.5) -> tuple[float | None, float]:
    """(median time between counter updates in ms, or None if it never moved; mean read cost in ms)."""
    return poll_updates(device, duration_s)


# Whole counter periods the idle window must time for the update period (0.7 s or more at 100 ms),
# and the longest the background poller reads (it stops when the window closes). The period is only
# recorded (window edges come from the counter itself), so once the set-up is over the poller may
# take at most IDLE_POLL_GRACE_S more: a counter that does not move, or a host so busy that no change
# is placed sharply, must not hold the run (the period is then None, or from fewer periods).
IDLE_MIN_PERIODS = 6
IDLE_POLL_MAX_S = 600.0
IDLE_POLL_GRACE_S = 1.0


@dataclass
class IdleMeasurement:
    """Idle power and the counter's update period, measured in one window before the model loads.

    The window opens before the CPU-only set-up (framework import, config, parameter count, dataset
    load: the GPU stays idle meanwhile, no CUDA context exists yet) and closes once it lasted
    `seconds`, so its fixed cost overlaps that set-up. The update period comes from a background
    thread that reads the counter back to back for the whole window (until it timed at least
    IDLE_MIN_PERIODS periods): each NVML read releases the GIL for its ~4 ms, so the set-up is
    barely slowed, and no polling is left to do once the set-up is over. Reads delayed by the set-up's own work do not
    bias the period (see `poll_updates`).

    The poller and the wait use the meter's `clock` and the given `sleep`, so tests can drive both.

    Attributes:
        window: The open "idle" window (None when no idle measurement is asked for).
        seconds: The least duration of the window, s.
        sleep: Waits a number of seconds (time.sleep).
    """

    window: Window | None
    seconds: float
    sleep: Callable[[float], None] = time.sleep
    _poller: threading.Thread | None = None
    _polled: tuple[float | None, float] = (None, 0.0)
    _stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def begin(cls, meter: EnergyMeter, seconds: float, sleep: Callable[[float], None] = time.sleep) -> IdleMeasurement:
        """Open the idle window now and start the update-period poller (nothing when `seconds` <= 0)."""
        if seconds <= 0:
            return cls(None, seconds, sleep)
        idle = cls(meter.start("idle"), seconds, sleep)
        args = (meter.device, meter.clock)
        idle._poller = threading.Thread(target=idle._poll, args=args, name="idle-counter-poll", daemon=True)
        idle._poller.start()
        return idle

    def _poll(self, device: GpuDevice, clock: Callable[[], float]) -> None:
        try:
            self._polled = poll_updates(
                device, 0.0, IDLE_MIN_PERIODS, IDLE_POLL_MAX_S, self._stop, IDLE_POLL_GRACE_S, clock=clock
            )
        except MeterError:
            self._polled = (None, 0.0)  # the closing read of the window raises it in the main thread

    def finish(self, meter: EnergyMeter) -> tuple[float | None, float | None, float | None]:
        """Wait out the rest of `seconds` and the poller, then close the window.
        Returns (idle power W, update period ms, read cost ms)."""
        if self.window is None:
            return None, None, None
        left = self.seconds - (meter.clock() - self.window.start.time_s)
        if left > 0:
            self.sleep(left)
        self._stop.set()
        if self._poller is not None:
            self._poller.join()
        period, cost = self._polled
        w = meter.stop(self.window)
        power = w.energy_mj / 1000 / w.duration_s if w.duration_s > 0 else None
        return power, period, cost


def measure_idle_power_w(meter: EnergyMeter, seconds: float) -> float | None:
    """Mean power of the run's GPUs (summed) over `seconds` of idling before the run, W."""
    if seconds <= 0:
        return None
    w = meter.start("idle")
    time.sleep(seconds)
    meter.stop(w)
    return w.energy_mj / 1000 / w.duration_s if w.duration_s > 0 else None


def open_device(device_ids: list[int], dry_run: bool) -> GpuDevice:
    """The NVML device for a real run, or the simulated one for --dry-run."""
    if dry_run:
        return SimulatedDevice(gpus=len(device_ids))
    # NVML and CUDA must number the GPUs alike (CUDA's default order is "fastest first").
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    return NvmlDevice(device_ids)
