"""The server behind an endpoint: its identity as the API reports it, and proof that it runs on the
GPUs the runner measures.

The runner measures the GPUs named by --device-ids, not the server. A server on other GPUs (or on a
CPU) would leave the measured GPUs idle and the run would rate idle power as the model's energy, so
the run is refused unless NVML shows a process on those GPUs (the --server-pid, or one of its
children, when given), or the user names the server's PID with --server-pid where NVML cannot show
it (PIDs hidden in another container's namespace).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from runner.endpoint.client import EndpointClient
from runner.environment import ProcessWatch
from runner.errors import RefusedRun
from runner.nvml_meter import GpuProcess
from shared.bundle.endpoint_fields import (
    GPU_CHECK_DRY_RUN,
    GPU_CHECK_NVML_PID,
    GPU_CHECK_NVML_PROCESSES,
    GPU_CHECK_USER,
    ServerInfo,
)

MAX_LISTED_MODELS = 20


@dataclass
class GpuOwnership:
    """How the measured GPUs were matched to the server.

    Attributes:
        check: One of the GPU_CHECK_* values.
        pids: NVML PIDs taken as the server's.
        note: One sentence for the run log.
    """

    check: str
    pids: list[int] = field(default_factory=list)
    note: str = ""


def probe_identity(client: EndpointClient) -> ServerInfo:
    """What the server says about itself (/v1/models, /version); never raises: a server that lists
    nothing is recorded as such (transformers serve's /v1/models scans the Hub cache and may fail)."""
    info = ServerInfo(gpu_check=GPU_CHECK_DRY_RUN)
    status, obj, headers = client.get_json("/v1/models")
    if headers is not None:
        info.server_header = headers.get("server")
    data = obj.get("data") if obj is not None else None
    if status == 200 and isinstance(data, list):
        ids = [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id") is not None]
        info.models = ids[:MAX_LISTED_MODELS]
        owners = {str(m.get("owned_by")) for m in data if isinstance(m, dict) and m.get("owned_by")}
        info.owned_by = ", ".join(sorted(owners)) or None
    else:
        info.models_error = f"HTTP {status}" if status else "no answer"
    status, obj, _ = client.get_json("/version")
    if status == 200 and obj is not None and obj.get("version") is not None:
        info.version = str(obj["version"])[:100]
    return info


def software_name(info: ServerInfo, stated: str | None) -> str | None:
    """The serving software as recorded: the user's statement, else what the API tells."""
    if stated:
        return stated
    owner = info.owned_by if info.owned_by and info.owned_by not in ("system", "organization-owner") else None
    name = owner or info.server_header
    if name and info.version:
        return f"{name} {info.version}"
    return name


def descendants(pid: int, proc: Path = Path("/proc")) -> set[int]:
    """`pid` and every process below it (read from /proc; just `pid` where /proc cannot be read)."""
    children: dict[int, list[int]] = {}
    try:
        entries = list(proc.iterdir())
    except OSError:
        return {pid}
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (2nd field) is in parentheses and may hold spaces: split after its ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1 and fields[1].isdigit():
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def pid_exists(pid: int) -> bool:
    """True when a process with this PID exists in the runner's namespace."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def check_server_gpus(
    processes: list[GpuProcess], device_ids: list[int], server_pid: int | None, dry_run: bool
) -> GpuOwnership:
    """Match the server to the measured GPUs (module docstring). Raises RefusedRun when it cannot."""
    if dry_run:
        return GpuOwnership(GPU_CHECK_DRY_RUN, [], "dry run: the server's GPUs are not checked (nothing is measured)")
    gpus = ", ".join(str(i) for i in device_ids)
    listed = sorted({p.pid for p in processes})
    if server_pid is not None:
        if server_pid <= 0 or not pid_exists(server_pid):
            raise RefusedRun(f"--server-pid {server_pid}: no such process on this machine. Give the server's PID.")
        tree = descendants(server_pid)
        matched = sorted(set(listed) & tree)
        if matched:
            return GpuOwnership(GPU_CHECK_NVML_PID, matched, f"server PID {server_pid} runs on GPU(s) {gpus} (NVML)")
        if listed:
            # NVML shows host PIDs; inside a container the server's PID differs from them. The user named
            # the server, and these are the only processes on the GPUs: take them as the server's.
            return GpuOwnership(
                GPU_CHECK_USER,
                listed,
                f"NVML lists PIDs {listed} on GPU(s) {gpus}, not --server-pid {server_pid} (another PID "
                "namespace?); taken as the server's because --server-pid names it",
            )
        return GpuOwnership(
            GPU_CHECK_USER,
            [],
            f"NVML lists no process on GPU(s) {gpus}; the server (PID {server_pid}) is taken to run there "
            "because --server-pid names it",
        )
    if listed:
        return GpuOwnership(
            GPU_CHECK_NVML_PROCESSES, listed, f"NVML lists PIDs {listed} on GPU(s) {gpus}: taken as the server's"
        )
    raise RefusedRun(
        f"NVML lists no process on GPU(s) {gpus}, so the server is not running on the GPUs this run would "
        "measure (or its processes are hidden from the runner). Start the server on those GPUs, pass the "
        "--device-ids it uses, or confirm where it runs with --server-pid PID."
    )


def adopt_server(watch: ProcessWatch, ownership: GpuOwnership) -> None:
    """Count the server's processes as the run's own, so they do not flag the run contaminated; any
    other process that appears on the GPUs later still does."""
    pids = set(ownership.pids)
    if ownership.check == GPU_CHECK_USER and not pids:
        return
    watch.own_pids |= pids
    watch.before = [p for p in watch.before if p.pid not in pids]
    for pid in pids:
        watch.others.pop(pid, None)


def server_info(identity: ServerInfo, ownership: GpuOwnership, stated_software: str | None) -> ServerInfo:
    """environment.json's `server`: identity, software name and the GPU check together."""
    return identity.model_copy(
        update={
            "software": software_name(identity, stated_software),
            "pids": list(ownership.pids),
            "gpu_check": ownership.check,
        }
    )
