"""The host side of a run: which CPU core drives the GPU, and what the host was (its CPU, how many
cores the runner may use, how busy it was at the start and the end of the run).

Batch-1 eager inference is bound by the Python thread that launches the kernels (docs/MEASUREMENT.md §3;
the H100 sits at 120-280 W), so the pass's wall time, and with it the energy, follows how fast that
one thread runs. Letting the scheduler move it between cores costs cache refills and lands it on
cores shared with other work. `--pin-cpu` keeps the inference thread on one core for the warm-up
and the measured passes. Only the calling thread is pinned: CUDA's and NVML's own threads keep the
other cores. It is off by default: on the lent H100 machines (virtual machines), pinned and
unpinned passes of the same process varied alike (benchmarks/RESULTS.md, session 3), so it is an
option for hosts where it helps, not a default.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from runner.errors import RunnerError

PIN_OFF = "off"
PIN_AUTO = "auto"


def allowed_cores() -> list[int]:
    """The CPU cores this thread may run on (all cores where affinity is not supported)."""
    if not hasattr(os, "sched_getaffinity"):
        return list(range(os.cpu_count() or 1))
    return sorted(os.sched_getaffinity(0))


def choose_core(spec: str) -> int | None:
    """The core `--pin-cpu` asks for: None for "off"; for "auto" the highest allowed core (core 0
    usually serves most interrupts); else the given core number, which must be allowed.

    Raises RunnerError for a core that is not a number or not available to this process.
    """
    if spec == PIN_OFF or not hasattr(os, "sched_setaffinity"):
        return None
    cores = allowed_cores()
    if spec == PIN_AUTO:
        return cores[-1] if len(cores) > 1 else None
    try:
        core = int(spec)
    except ValueError:
        raise RunnerError(f"--pin-cpu takes auto, off or a CPU core number, not {spec!r}.") from None
    if core not in cores:
        raise RunnerError(
            f"--pin-cpu {core}: this process may use cores {cores[0]}-{cores[-1]} only ({len(cores)} cores). "
            "Pick one of them, or auto."
        )
    return core


@contextmanager
def pinned(core: int | None) -> Iterator[None]:
    """Run the body with the calling thread on `core` alone (nothing when None); restore after."""
    if core is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


@dataclass(frozen=True)
class HostSnapshot:
    """The host at one moment.

    Attributes:
        cpu_model: The CPU's model name (/proc/cpuinfo), None where it cannot be read.
        cpus: Cores this process may run on.
        load_1min: The 1-minute load average (runnable threads), None where the OS has none.
    """

    cpu_model: str | None
    cpus: int
    load_1min: float | None


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str | None:
    """The first `model name` of /proc/cpuinfo (Linux), else the platform's processor string."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    import platform

    return platform.processor() or None


def host_snapshot() -> HostSnapshot:
    """The host now. At batch 1 the host's pace sets the pass time and so the energy
    (benchmarks/RESULTS.md, session 6), so the bundle says which host it was and how busy."""
    try:
        load: float | None = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = None
    return HostSnapshot(cpu_model=cpu_model(), cpus=len(allowed_cores()), load_1min=load)
