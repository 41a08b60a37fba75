"""The executor without Ray (`sweep --no-ray`): jobs one after another on this machine, through the same
job function as the Ray executor. For machines where Ray cannot be installed, and for a few jobs.

Each job gets the first `gpus` ids of the local GPU list (from --gpus, else CUDA_VISIBLE_DEVICES, else
every GPU NVML sees; a plan of dry runs only may use pretend GPUs).
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from runner.errors import RunnerError
from runner.sweep.devices import nvml_gpus, parse_visible
from runner.sweep.driver import StartCallback
from runner.sweep.jobs import JobOptions, JobResult, run_job
from runner.sweep.plan import JobSpec


def local_gpu_ids(requested: list[str] | None, pretend: int | None) -> list[str]:
    """The GPU ids jobs may use here: `requested` (--gpus), else `pretend` stand-ins, else
    CUDA_VISIBLE_DEVICES, else every GPU NVML lists (by index)."""
    if requested:
        return list(requested)
    if pretend is not None:
        return [str(i) for i in range(pretend)]
    visible = parse_visible(os.environ.get("CUDA_VISIBLE_DEVICES"))
    if visible:
        return visible
    try:
        return [str(g.index) for g in nvml_gpus()]
    except RunnerError as exc:
        raise RunnerError(
            f"No GPU found for the sweep ({exc}). Give --gpus, or --pretend-gpus N for a plan of dry runs."
        ) from None


class LocalExecutor:
    """Runs attempts sequentially in this process's thread (each attempt is still its own subprocess)."""

    name = "local"
    address: str | None = None

    def __init__(self, out: Path, gpu_ids: list[str], options: JobOptions | None = None) -> None:
        self.out = out
        self.gpu_ids = list(gpu_ids)
        self.options = options or JobOptions()
        self._queue: deque[tuple[JobSpec, int, StartCallback]] = deque()

    def max_gpus_per_node(self) -> int:
        """The GPUs of this machine the sweep may use."""
        return len(self.gpu_ids)

    def describe(self) -> str:
        """In words."""
        return f"this machine (GPUs {','.join(self.gpu_ids) or 'none'})"

    def submit(self, spec: JobSpec, attempt: int, on_start: StartCallback) -> None:
        """Queue an attempt."""
        self._queue.append((spec, attempt, on_start))

    def wait(self, timeout_s: float) -> list[JobResult]:
        """Run the next queued attempt to its end (the timeout does not apply: one job at a time)."""
        if not self._queue:
            return []
        spec, attempt, on_start = self._queue.popleft()
        gpus = self.gpu_ids[: spec.gpus]
        on_start(spec.id, attempt, gpus)
        return [run_job(spec, self.out, attempt, gpus, self.options)]

    def outstanding(self) -> int:
        """Queued attempts."""
        return len(self._queue)

    def shutdown(self) -> None:
        """Nothing is held."""
        self._queue.clear()
