"""One sweep job: `python -m runner run` and `runner bundle` in a subprocess, on the GPUs it was given.

Both executors (Ray and local) call `run_job`, so a job runs the same code path as `runner run` by
hand, in its own process: a crash, an out-of-memory kill or a CUDA error of one model ends only that
job. Files of a job, under the sweep folder:
  jobs/<id>/run/                      the run directory (`runner run --out`)
  jobs/<id>/bundle.zip                its bundle (`runner bundle`)
  jobs/<id>/logs/attempt-N.stdout|.stderr|.started.json
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runner.errors import RunnerError
from runner.sweep import neighbours
from runner.sweep.devices import NvmlGpu, map_visible, nvml_gpus, pretend_gpu
from runner.sweep.plan import JobSpec
from runner.sweep.state import JOBS_DIR, NEIGHBOURS_DIR, utc_now
from shared.bundle.schema import REPORT_FILE
from shared.method.tasks import DEFAULT_SAMPLES

BUNDLE_NAME = "bundle.zip"
RUN_DIR_NAME = "run"
STDERR_TAIL_LINES = 8
# Validation findings that follow from the job's own settings rather than from a broken run; a bundle
# with only these counts as done (it is what the job asked for). not_h100: a node whose GPU the checks do
# not know (a workstation card, say) measures honestly but its bundle cannot be accepted; the portal says
# so when it is submitted. A known non-H100 GPU (H200, A100, ...) is no problem: only the warning
# `other_hardware` (accepted, shown without stars).
EXPECTED_IF_DRY_RUN = "simulated_meter"
EXPECTED_IF_SHORT = "sample_count"
EXPECTED_ALWAYS = ("not_h100",)


@dataclass
class JobOptions:
    """How jobs are started (the same for every job of a sweep).

    Attributes:
        runner_cmd: The command that runs the runner (default: this Python, `-m runner`); e.g. a container
            wrapper such as ["apptainer", "exec", "img.sif", "python", "-m", "runner"].
        timeout_s: Wall-clock limit of one attempt's run, s (None: none).
        cwd: Folder the runs start in: the driver's, so relative paths in plan.csv mean the same to every job
            (a Ray worker's own folder is elsewhere); ignored on a node where it does not exist.
    """

    runner_cmd: list[str] = field(default_factory=lambda: [sys.executable, "-m", "runner"])
    timeout_s: float | None = None
    cwd: str = field(default_factory=os.getcwd)


@dataclass
class BundleCheck:
    """Whether a job's bundle counts as done, and its figures.

    Attributes:
        done: True when the bundle exists and its only validation findings are expected ones.
        problem: Why it does not count (None when done or when there is no bundle).
        accepted_problems: The expected findings it has.
        wh_per_1k_mean, ci95_low_wh_per_1k, ci95_high_wh_per_1k: Its figures, Wh per 1,000 queries.
        repetitions: Repetitions it measured (None when its summary lacks the count).
    """

    done: bool
    problem: str | None = None
    accepted_problems: list[str] = field(default_factory=list)
    wh_per_1k_mean: float | None = None
    ci95_low_wh_per_1k: float | None = None
    ci95_high_wh_per_1k: float | None = None
    repetitions: int | None = None


@dataclass
class JobResult:
    """What one attempt did (plain data: it crosses from a Ray worker to the driver).

    Attributes:
        job_id: The job.
        attempt: Attempt number (1-based).
        ok: True when the attempt left a bundle that counts as done.
        message: Why it failed (last lines of its stderr, or the bundle's problems), else a note.
        gpu_ids: GPU ids it was given (CUDA_VISIBLE_DEVICES entries).
        host: Host it ran on.
        started_utc: Start, UTC.
        finished_utc: End, UTC.
        wall_s: Wall time of run and bundle, s.
        bundle: Bundle path relative to the sweep folder (None when none was made).
        check: The bundle check, as a dict (None when no bundle).
    """

    job_id: str
    attempt: int
    ok: bool
    message: str | None
    gpu_ids: list[str]
    host: str
    started_utc: str
    finished_utc: str
    wall_s: float
    bundle: str | None = None
    check: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict."""
        return asdict(self)


def job_dir(out: Path, job_id: str) -> Path:
    """A job's folder in the sweep folder."""
    return out / JOBS_DIR / job_id


def bundle_path(out: Path, job_id: str) -> Path:
    """A job's bundle."""
    return job_dir(out, job_id) / BUNDLE_NAME


def expected_problems(spec: JobSpec) -> set[str]:
    """Validation codes that follow from the job's own settings (see EXPECTED_*)."""
    codes = set(EXPECTED_ALWAYS)
    if spec.dry_run:
        codes.add(EXPECTED_IF_DRY_RUN)
    if spec.samples_or_default < DEFAULT_SAMPLES:
        codes.add(EXPECTED_IF_SHORT)
    return codes


def check_bundle(spec: JobSpec, path: Path) -> BundleCheck:
    """Validate a job's bundle (shared.bundle.validate.validate_bundle) and read its figures.

    Counts as done when it exists, is for the job's task and every finding is expected from the job's
    settings; anything else (a damaged zip, an altered file, a contaminated run) makes the job run again.
    """
    from shared.bundle.validate import validate_bundle

    if not path.exists():
        return BundleCheck(done=False)
    report = validate_bundle(path)
    allowed = expected_problems(spec)
    unexpected = [p for p in report.problems if p.code not in allowed]
    accepted = sorted({p.code for p in report.problems if p.code in allowed})
    if unexpected:
        return BundleCheck(done=False, problem="; ".join(f"{p.code}: {p.message}" for p in unexpected[:3]))
    try:
        data = json.loads(zipfile.ZipFile(path).read(REPORT_FILE))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        return BundleCheck(done=False, problem=f"its {REPORT_FILE} cannot be read ({exc})")
    if data.get("task") != spec.task:
        return BundleCheck(done=False, problem=f"it is a {data.get('task')!r} bundle, not {spec.task!r}")
    s = data.get("summary") or {}
    return BundleCheck(
        done=True,
        accepted_problems=accepted,
        wh_per_1k_mean=s.get("gpu_energy_wh_per_1k_mean"),
        ci95_low_wh_per_1k=s.get("ci95_low_wh_per_1k"),
        ci95_high_wh_per_1k=s.get("ci95_high_wh_per_1k"),
        repetitions=s.get("repetitions") if isinstance(s.get("repetitions"), int) else None,
    )


def resolve_gpus(spec: JobSpec, gpu_ids: list[str]) -> list[NvmlGpu]:
    """The job's GPUs as NVML devices. A dry run has no NVML: its ids become stand-ins."""
    ids = gpu_ids or [str(i) for i in range(spec.gpus)]
    if len(ids) != spec.gpus:
        raise RunnerError(f"job {spec.id} needs {spec.gpus} GPU(s) but was given {len(ids)} ({','.join(ids)}).")
    if spec.dry_run:
        return [pretend_gpu(e) for e in ids]
    return map_visible(ids, nvml_gpus())


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: the run is killed when the job's process dies (a killed sweep or Ray worker leaves no orphan
    holding a GPU)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def _child_env(spec: JobSpec, gpus: list[NvmlGpu], neighbours_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    # The run must import this runner and shared library even where Ray unpacked them elsewhere.
    import runner
    import shared

    roots = [str(Path(m.__file__ or "").resolve().parent.parent) for m in (runner, shared)]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*roots, *filter(None, [env.get("PYTHONPATH")])]))
    env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
    if not spec.dry_run:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(g.index) for g in gpus)
    env[neighbours.ENV_DIR] = str(neighbours_dir)
    env[neighbours.ENV_JOB_ID] = spec.id
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    kept = [ln.rstrip() for ln in text.splitlines() if ln.strip() and "\r" not in ln]
    return "\n".join(kept[-lines:])


def run_job(spec: JobSpec, out: Path, attempt: int, gpu_ids: list[str], options: JobOptions) -> JobResult:
    """Run one attempt of a job on `gpu_ids` (CUDA_VISIBLE_DEVICES entries: indices or UUIDs) and bundle it.

    Never raises for a failing job: the result says what went wrong. The run directory and any earlier
    bundle are replaced.
    """
    t0 = time.monotonic()
    started = utc_now()
    host = socket.gethostname()
    jdir = job_dir(out, spec.id)
    logs = jdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    bundle = jdir / BUNDLE_NAME
    bundle.unlink(missing_ok=True)  # a stale bundle must never pass for this attempt's
    stdout_path, stderr_path = logs / f"attempt-{attempt}.stdout", logs / f"attempt-{attempt}.stderr"

    def result(ok: bool, message: str | None, check: BundleCheck | None = None) -> JobResult:
        return JobResult(
            job_id=spec.id,
            attempt=attempt,
            ok=ok,
            message=message,
            gpu_ids=list(gpu_ids),
            host=host,
            started_utc=started,
            finished_utc=utc_now(),
            wall_s=round(time.monotonic() - t0, 3),
            bundle=bundle.relative_to(out).as_posix() if bundle.exists() else None,
            check=asdict(check) if check else None,
        )

    try:
        gpus = resolve_gpus(spec, gpu_ids)
    except RunnerError as exc:
        return result(False, f"GPU assignment: {exc}")
    marker = {"job_id": spec.id, "attempt": attempt, "host": host, "pid": os.getpid(), "gpu_ids": gpu_ids}
    (logs / f"attempt-{attempt}.started.json").write_text(json.dumps({**marker, "started_utc": started}))
    neighbours_dir = out / NEIGHBOURS_DIR / host
    reg = neighbours.register(
        neighbours_dir,
        neighbours.Registration(
            job_id=spec.id,
            model=spec.model,
            task=spec.task,
            gpu_uuid_sha256=[g.uuid_sha256 for g in gpus],
            pid=os.getpid(),
            started_unix_s=time.time(),
        ),
    )
    env = _child_env(spec, gpus, neighbours_dir)
    run_dir = jdir / RUN_DIR_NAME
    device_ids = ",".join(str(g.index) for g in gpus)
    steps = [
        ["run", *spec.run_args(), "--out", str(run_dir), "--device-ids", device_ids, "--no-progress"],
        ["bundle", str(run_dir), "-o", str(bundle)],
    ]
    try:
        with stdout_path.open("ab") as so, stderr_path.open("ab") as se:
            for step in steps:
                argv = [*options.runner_cmd, *step]
                se.write(f"$ {' '.join(argv)}\n".encode())
                se.flush()
                try:
                    proc = subprocess.run(
                        argv,
                        stdout=so,
                        stderr=se,
                        stdin=subprocess.DEVNULL,
                        env=env,
                        timeout=options.timeout_s,
                        cwd=options.cwd if Path(options.cwd).is_dir() else None,
                        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    return result(False, f"`runner {step[0]}` timed out after {options.timeout_s} s (killed).")
                except OSError as exc:
                    return result(False, f"could not start {argv[0]!r}: {exc.strerror}.")
                if proc.returncode != 0:
                    why = f"`runner {step[0]}` exited with status {proc.returncode}"
                    if proc.returncode < 0:
                        why += f" (signal {signal.Signals(-proc.returncode).name})"
                    tail = _tail(stderr_path)
                    return result(False, f"{why}: {tail}" if tail else why)
    finally:
        neighbours.finish(reg)
    check = check_bundle(spec, bundle)
    if not check.done:
        return result(False, f"the bundle does not count: {check.problem or 'it was not written'}", check)
    note = f"accepted with {', '.join(check.accepted_problems)}" if check.accepted_problems else None
    return result(True, note, check)
