"""The Ray executor: one Ray task per job attempt, asking Ray for the job's GPUs (num_gpus) and CPUs.

Ray sets CUDA_VISIBLE_DEVICES for the task from its assignment; the task reads the ids
(`ray.get_gpu_ids()`: indices, or UUIDs where the node's CUDA_VISIBLE_DEVICES holds UUIDs) and hands
them to `jobs.run_job`, which resolves them to NVML devices by UUID (devices.py) and starts
`python -m runner run` on exactly those boards. Retries are the driver's (max_retries=0 here), so every
attempt's message is kept.

Ray is imported only when this executor is created; `pip install 'ray==2.60.0'` (requirements-runner.txt).
With --address the jobs' --out folder must be on storage every node shares (runner/README.md).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runner.errors import RunnerError
from runner.sweep.driver import StartCallback
from runner.sweep.jobs import JobOptions, JobResult, job_dir, run_job
from runner.sweep.plan import JobSpec


def _job_task(spec: dict[str, Any], out: str, attempt: int, options: dict[str, Any]) -> dict[str, Any]:
    """Body of the Ray task (runs on a worker): the job function on the GPUs Ray assigned."""
    import ray

    gpu_ids = [str(g) for g in ray.get_gpu_ids()]
    return run_job(JobSpec(**spec), Path(out), attempt, gpu_ids, JobOptions(**options)).to_dict()


def _package_roots() -> list[str]:
    import runner
    import shared

    return [str(Path(m.__file__ or "").resolve().parent) for m in (runner, shared)]


class RayExecutor:
    """Submits attempts as Ray tasks to a local Ray instance (started here) or an existing cluster.

    Args:
        out: The sweep folder.
        options: How jobs start.
        address: A Ray address ("ray://head:10001", "auto"); None starts a local instance.
        num_cpus: CPUs to declare for a local instance (None: Ray detects them).
        num_gpus: GPUs to declare for a local instance (None: Ray detects them; pretend GPUs for dry runs).
        cpus_per_job: CPUs each job asks for (batch-1 inference drives the GPU from one thread).
    """

    name = "ray"

    def __init__(
        self,
        out: Path,
        options: JobOptions | None = None,
        address: str | None = None,
        num_cpus: int | None = None,
        num_gpus: int | None = None,
        cpus_per_job: float = 1.0,
    ) -> None:
        try:
            import ray
        except ImportError:
            raise RunnerError(
                "Ray is not installed: pip install 'ray==2.60.0' (requirements-runner.txt), "
                "or run the sweep without Ray: --no-ray."
            ) from None
        self._ray = ray
        self.out = out
        self.options = options or JobOptions()
        self.address = address
        self.cpus_per_job = cpus_per_job
        self._own_instance = address is None
        if self._own_instance:
            # Workers of a local instance import the runner and shared from this checkout.
            roots = [str(Path(r).parent) for r in _package_roots()]
            paths = [*dict.fromkeys(roots), *filter(None, [os.environ.get("PYTHONPATH")])]
            runtime_env: dict[str, Any] = {"env_vars": {"PYTHONPATH": os.pathsep.join(paths)}}
            ray.init(
                num_cpus=num_cpus,
                num_gpus=num_gpus,
                runtime_env=runtime_env,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        else:
            if num_cpus is not None or num_gpus is not None:
                raise RunnerError("--pretend-gpus is for a local Ray instance only; a cluster declares its own GPUs.")
            # Ship this runner and shared library to the cluster's workers (their Python needs the
            # packages of requirements-runner.txt installed).
            ray.init(address=address, runtime_env={"py_modules": _package_roots()}, log_to_driver=False)
        self._task = ray.remote(max_retries=0)(_job_task)
        self._refs: dict[Any, tuple[JobSpec, int, StartCallback]] = {}
        self._started: set[tuple[str, int]] = set()

    def max_gpus_per_node(self) -> int:
        """GPUs of the largest live node."""
        nodes = [n for n in self._ray.nodes() if n.get("Alive")]
        return int(max((n.get("Resources", {}).get("GPU", 0) for n in nodes), default=0))

    def describe(self) -> str:
        """In words."""
        return f"the Ray cluster at {self.address}" if self.address else "the local Ray instance"

    def submit(self, spec: JobSpec, attempt: int, on_start: StartCallback) -> None:
        """Submit one attempt as a Ray task asking for the job's GPUs."""
        fn = self._task.options(num_gpus=spec.gpus, num_cpus=self.cpus_per_job, name=f"aies:{spec.id}:{attempt}")
        ref = fn.remote(spec.to_dict(), str(self.out), attempt, self.options.__dict__)
        self._refs[ref] = (spec, attempt, on_start)

    def _note_started(self) -> None:
        """Report attempts whose start marker appeared (a queued task got its GPUs)."""
        for spec, attempt, on_start in self._refs.values():
            key = (spec.id, attempt)
            marker = job_dir(self.out, spec.id) / "logs" / f"attempt-{attempt}.started.json"
            if key not in self._started and marker.exists():
                self._started.add(key)
                try:
                    import json

                    gpu_ids = [str(g) for g in json.loads(marker.read_text()).get("gpu_ids", [])]
                except (OSError, ValueError):
                    gpu_ids = []
                on_start(spec.id, attempt, gpu_ids)

    def wait(self, timeout_s: float) -> list[JobResult]:
        """Attempts that ended within `timeout_s`; a task that died (worker crash) is a failed attempt."""
        self._note_started()
        if not self._refs:
            return []
        ready, _ = self._ray.wait(list(self._refs), num_returns=len(self._refs), timeout=timeout_s)
        self._note_started()
        out = []
        for ref in ready:
            spec, attempt, _cb = self._refs.pop(ref)
            try:
                out.append(JobResult(**self._ray.get(ref)))
            except Exception as exc:  # the Ray task itself failed: worker killed, node lost, ...
                out.append(
                    JobResult(
                        job_id=spec.id,
                        attempt=attempt,
                        ok=False,
                        message=f"the Ray task failed: {type(exc).__name__}: {str(exc).strip().splitlines()[-1:]}",
                        gpu_ids=[],
                        host="?",
                        started_utc="",
                        finished_utc="",
                        wall_s=0.0,
                    )
                )
        return out

    def outstanding(self) -> int:
        """Tasks submitted and not yet returned."""
        return len(self._refs)

    def shutdown(self) -> None:
        """Cancel what is still in flight (its runs are killed with their worker) and leave Ray."""
        for ref in list(self._refs):
            try:
                self._ray.cancel(ref, force=True)
            except Exception:  # already finished or gone: nothing to cancel
                continue
        self._refs.clear()
        self._ray.shutdown()
