"""The sweep's other jobs on the same host ("neighbours"), recorded in environment.json.

Neighbours are not contamination: they run on other GPUs (Ray gives each job its own), and a job
reads and checks only its own GPUs. But they share the host's CPUs, memory bandwidth and power, and
at batch 1 the host's pace sets the energy, so a reviewer should see them.

How: before starting `runner run`, the sweep's job function writes a registration
(`<dir>/<job id>.json`: job id, model, task, GPU UUID hashes, pid, start time) into a per-host folder,
and marks it finished when the run ends. The run finds the folder through AIES_SWEEP_NEIGHBOURS_DIR and
its own id through AIES_SWEEP_JOB_ID, and when it writes environment.json it lists every other job
whose registration overlaps its own time span.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from shared.bundle.schema import Neighbour

ENV_DIR = "AIES_SWEEP_NEIGHBOURS_DIR"
ENV_JOB_ID = "AIES_SWEEP_JOB_ID"
REGISTRATION_SCHEMA_VERSION = 1


@dataclass
class Registration:
    """One job's presence on a host.

    Attributes:
        job_id: The sweep job id.
        model: Model of the job.
        task: Task of the job.
        gpu_uuid_sha256: sha256 of the UUIDs of the job's GPUs.
        pid: PID of the job function's process (to tell a live job from one left by a killed sweep).
        started_unix_s: When the job started, seconds since the epoch.
        finished_unix_s: When it ended (None while running).
        schema_version: Version of this file's layout.
    """

    job_id: str
    model: str
    task: str
    gpu_uuid_sha256: list[str]
    pid: int
    started_unix_s: float
    finished_unix_s: float | None = None
    schema_version: int = REGISTRATION_SCHEMA_VERSION


def _write_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def register(folder: Path, reg: Registration) -> Path:
    """Write a job's registration (atomically); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{reg.job_id}.json"
    _write_atomic(path, asdict(reg))
    return path


def finish(path: Path) -> None:
    """Mark a registration finished now (nothing if it vanished)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    data["finished_unix_s"] = time.time()
    _write_atomic(path, data)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def neighbours_of(folder: Path, job_id: str, now_unix_s: float | None = None) -> list[Neighbour]:
    """Other jobs of `folder` whose time span overlaps `job_id`'s (its start to now).

    A registration left 'running' by a killed sweep (its pid gone) is ignored.
    """
    now = time.time() if now_unix_s is None else now_unix_s
    regs: dict[str, dict[str, Any]] = {}
    for p in sorted(folder.glob("*.json")):
        try:
            data = json.loads(p.read_text())
            regs[str(data["job_id"])] = data
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a half-written or foreign file is not a neighbour
    mine = regs.get(job_id)
    start = float(mine["started_unix_s"]) if mine else now
    out = []
    for jid, r in regs.items():
        if jid == job_id:
            continue
        ended = r.get("finished_unix_s")
        if ended is None and not _alive(int(r.get("pid", 0))):
            continue
        began = float(r["started_unix_s"])
        if began <= now and (ended is None or float(ended) >= start):
            until = now if ended is None else min(now, float(ended))
            out.append(
                Neighbour(
                    job_id=jid,
                    model=r.get("model"),
                    task=r.get("task"),
                    gpu_uuid_sha256=[str(h) for h in r.get("gpu_uuid_sha256", [])],
                    overlap_s=round(max(0.0, until - max(start, began)), 3),
                )
            )
    return out


def neighbours_from_env() -> list[Neighbour] | None:
    """The run's neighbours when it runs inside a sweep (AIES_SWEEP_* set), else None (not a sweep job)."""
    folder, job_id = os.environ.get(ENV_DIR), os.environ.get(ENV_JOB_ID)
    if not folder or not job_id:
        return None
    return neighbours_of(Path(folder), job_id)
