"""What makes a run's number checkable later: GPUs, driver, CUDA, clocks, temperatures, idle power,
other processes on the GPU (which flag the run as contaminated), software versions and the host."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from dataclasses import dataclass, field

from runner import RUNNER_NAME, __version__
from runner.host import HostSnapshot, host_snapshot
from runner.nvml_meter import GpuDevice, GpuProcess, GpuStatic
from runner.sweep.neighbours import neighbours_from_env
from shared.bundle.schema import SCHEMA_VERSION, Environment, GpuClocks, GpuInfo

SOFTWARE = (
    "torch",
    "transformers",
    "diffusers",
    "datasets",
    "nvidia-ml-py",
    "pydantic",
    "tokenizers",
    "safetensors",
    "numpy",
)


def software_versions() -> dict[str, str]:
    """Versions of Python, the runner and the packages that shape the measurement."""
    out = {"python": platform.python_version(), RUNNER_NAME: __version__}
    for name in SOFTWARE:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    torch = sys.modules.get("torch")
    if torch is not None:
        out["torch_cuda"] = str(torch.version.cuda)
        cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
        if cudnn:
            out["cudnn"] = str(cudnn)
    return out


@dataclass
class ProcessWatch:
    """Tracks which GPU processes are the runner's own and which are others.

    NVML reports host PIDs, which differ from os.getpid() inside a container. So the processes
    present before the runner touched CUDA are others; those that appear when the runner initialises
    CUDA are taken as its own when its PID is not listed; anything else seen later is another process.

    Attributes:
        own_pids: PIDs taken as the runner's.
        before: Processes present before CUDA was initialised.
        others: Other processes seen at any check (pid -> process).
    """

    own_pids: set[int] = field(default_factory=lambda: {os.getpid()})
    before: list[GpuProcess] = field(default_factory=list)
    others: dict[int, GpuProcess] = field(default_factory=dict)

    def baseline(self, device: GpuDevice) -> None:
        """Record the processes present before the runner initialises CUDA."""
        self.before = [p for p in device.processes() if p.pid not in self.own_pids]
        for p in self.before:
            self.others[p.pid] = p

    def adopt_new(self, device: GpuDevice) -> None:
        """After CUDA init: new processes are the runner's own when its PID is not visible to NVML."""
        now = device.processes()
        if any(p.pid in self.own_pids for p in now):
            return
        known = {p.pid for p in self.before}
        self.own_pids |= {p.pid for p in now if p.pid not in known}

    def check(self, device: GpuDevice) -> list[GpuProcess]:
        """Processes now on the GPUs that are not the runner's; remembered for the report."""
        found = [p for p in device.processes() if p.pid not in self.own_pids]
        for p in found:
            self.others[p.pid] = p
        return found

    @property
    def contaminated(self) -> bool:
        """True when another process was seen on the run's GPUs."""
        return bool(self.others)


def gpu_infos(static: list[GpuStatic], temps_start: list[float | None], temps_end: list[float | None]) -> list[GpuInfo]:
    """GpuInfo blocks of the run's GPUs, with start and end temperatures."""
    out = []
    for s, t0, t1 in zip(static, temps_start, temps_end, strict=True):
        info = GpuInfo(
            index=s.index,
            name=s.name,
            uuid_sha256=s.uuid_sha256,
            memory_total_mib=s.memory_total_mib,
            power_limit_w=s.power_limit_w,
            temperature_start_c=t0,
            temperature_end_c=t1,
            sm_clock_max_mhz=s.sm_clock_max_mhz,
            mem_clock_max_mhz=s.mem_clock_max_mhz,
        )
        out.append(info)
    return out


def build_environment(
    device: GpuDevice,
    static: list[GpuStatic],
    temps_start: list[float | None],
    idle_power_w: float | None,
    update_period_ms: float | None,
    watch: ProcessWatch,
    clocks_start: list[dict[str, float | None]],
    host_start: HostSnapshot | None = None,
) -> Environment:
    """environment.json for the run, read at its end (end temperatures, the host's load and a last
    process check)."""
    watch.check(device)
    host_end = host_snapshot()
    temps_end = device.temperatures_c()
    torch = sys.modules.get("torch")
    return Environment(
        schema_version=SCHEMA_VERSION,
        meter=device.meter,  # type: ignore[arg-type]
        gpus=gpu_infos(static, temps_start, temps_end),
        driver_version=device.driver_version(),
        cuda_version=str(torch.version.cuda) if torch is not None and torch.version.cuda else None,
        idle_power_w=idle_power_w,
        counter_update_period_ms=update_period_ms,
        other_processes=[
            {"pid": p.pid, "name": p.name or "?", "gpu_index": p.gpu_index, "used_memory_mib": p.used_memory_mib}
            for p in watch.others.values()
        ],
        contaminated=watch.contaminated,
        software=software_versions(),
        platform=platform.platform(),
        host_cpu_model=host_end.cpu_model,
        host_cpus=host_end.cpus,
        host_load_1min_start=host_start.load_1min if host_start else None,
        host_load_1min_end=host_end.load_1min,
        # Other jobs of a sweep on this host (other GPUs: recorded, not contamination); None outside a sweep.
        neighbours=neighbours_from_env(),
        clocks_start_mhz=[GpuClocks.model_validate(c) for c in clocks_start],
        clocks_end_mhz=[GpuClocks.model_validate(c) for c in device.clocks_mhz()],
    )
