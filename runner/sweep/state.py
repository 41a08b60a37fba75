"""The sweep's state file (sweep_state.json in --out), summary.csv and the status text.

Only the sweep's driver writes the state file, and always atomically (a temporary file renamed over
it), so a sweep killed at any moment leaves the previous or the new state, never half of one; resuming
and `--status` read it. What is *done* is decided by the job's bundle on disk (runner/sweep/jobs.py),
not by this file alone, so a lost update costs at most a re-check, never a result.

schema_version 2 added each job's `repetitions` and `submission` (`sweep --submit`); a version 1 file
is read as version 2 with both unknown, and written back as version 2.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runner.errors import RunnerError
from runner.sweep.plan import JobSpec

STATE_SCHEMA_VERSION = 2
# Older layouts this runner still reads (each upgraded in `_upgrade`).
READABLE_SCHEMA_VERSIONS = (1, 2)
STATE_FILE = "sweep_state.json"
SUMMARY_CSV = "summary.csv"
JOBS_DIR = "jobs"
NEIGHBOURS_DIR = "neighbours"

JobStateName = Literal["pending", "queued", "running", "done", "failed"]
# Order of the states in the status line.
STATES: tuple[JobStateName, ...] = ("done", "running", "queued", "failed", "pending")


def utc_now() -> str:
    """Now, UTC, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


SubmissionStateName = Literal["submitted", "rejected", "not_sent"]


class SubmissionRecord(BaseModel):
    """What became of a job's bundle at the portal (`sweep --submit`), for its last upload attempt.

    Attributes:
        state: submitted (stored pending review, or found stored from before), rejected (the portal
            refused it: `message` holds its reasons) or not_sent (the portal could not be reached or
            did not answer: `message` says why).
        url: The portal it went to.
        submission_id: The portal's submission id (submitted only).
        message: The portal's text (its rejection, or a note such as "already submitted"), or why it was
            not sent.
        bundle_sha256: Digest of the bundle uploaded (a job run again has a new bundle: it is sent again).
        attempts: Upload attempts for this job so far.
        utc: When the last attempt ended.
    """

    model_config = ConfigDict(extra="forbid")

    state: SubmissionStateName
    url: str
    submission_id: str | None = None
    message: str | None = None
    bundle_sha256: str | None = None
    attempts: int = 1
    utc: str = Field(default_factory=utc_now)

    def summary(self) -> str:
        """One line for summary.csv and the table: the id, or the outcome and its text."""
        text = (self.message or "").strip().replace("\n", " | ")
        if self.state == "submitted":
            return self.submission_id or ""
        label = "rejected" if self.state == "rejected" else "not sent"
        return f"{label}: {text}" if text else label


class JobRecord(BaseModel):
    """One job's state.

    Attributes:
        id: Job id (plan.csv's id column or derived).
        row: Row of plan.csv.
        model: Model of the job.
        task: Task of the job.
        gpus: GPUs the job needs.
        state: pending (not started in this sweep), queued (submitted, waiting for GPUs), running,
            done (a bundle that counts exists) or failed (every attempt failed).
        attempts: Attempts started so far (over every invocation of the sweep).
        message: Why the last attempt failed (the last lines of its stderr), or a note on a done job.
        gpu_ids: GPU ids the last attempt was given (as CUDA_VISIBLE_DEVICES held them).
        host: Host of the last attempt.
        started_utc: When the last attempt started.
        finished_utc: When the last attempt ended.
        wall_s: Wall time of the last attempt (run and bundle), s.
        wh_per_1k_mean: The rated figure, Wh per 1,000 queries (mean of repetitions).
        ci95_low_wh_per_1k: Lower bound of its 95% confidence interval, Wh per 1,000 queries.
        ci95_high_wh_per_1k: Upper bound, Wh per 1,000 queries.
        repetitions: Repetitions the bundle measured (one has no confidence interval); None when unknown.
        bundle: The bundle, relative to the sweep folder.
        accepted_problems: Validation findings expected from the job's own settings (a dry run's
            simulated meter, a short workload, a non-H100 GPU) that did not stop it counting as done.
        submission: Its upload to the portal (`--submit`); None when never attempted.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    row: int
    model: str
    task: str
    gpus: int = Field(ge=1)
    state: JobStateName = "pending"
    attempts: int = 0
    message: str | None = None
    gpu_ids: list[str] = Field(default_factory=list)
    host: str | None = None
    started_utc: str | None = None
    finished_utc: str | None = None
    wall_s: float | None = None
    wh_per_1k_mean: float | None = None
    ci95_low_wh_per_1k: float | None = None
    ci95_high_wh_per_1k: float | None = None
    repetitions: int | None = None
    bundle: str | None = None
    accepted_problems: list[str] = Field(default_factory=list)
    submission: SubmissionRecord | None = None

    def has_interval(self) -> bool:
        """Whether its 95% CI means something: two repetitions or more. One repetition has no spread
        (the bundle gives low = high = mean); a state of version 1 lacks the count, so there a
        zero-width interval is taken for one repetition."""
        if self.ci95_low_wh_per_1k is None or self.ci95_high_wh_per_1k is None:
            return False
        if self.repetitions is not None:
            return self.repetitions >= 2
        return self.ci95_low_wh_per_1k != self.ci95_high_wh_per_1k


class SweepState(BaseModel):
    """sweep_state.json.

    Attributes:
        schema_version: Layout version of this file.
        plan: Path of plan.csv as given.
        plan_sha256: Digest of plan.csv when the sweep last started.
        executor: "ray" or "local".
        address: The Ray address (None for a local Ray instance or the local executor).
        driver_host: Host of the driver that last wrote the file.
        driver_pid: Its PID (a running state with a dead driver is shown as interrupted).
        started_utc: When the sweep (last invocation) started.
        updated_utc: When the file was last written.
        finished_utc: When the last invocation ended (None while running or when it was killed).
        jobs: Job id -> record, in plan order.
    """

    model_config = ConfigDict(extra="forbid")

    schema_version: int = STATE_SCHEMA_VERSION
    plan: str
    plan_sha256: str
    executor: str
    address: str | None = None
    driver_host: str = Field(default_factory=socket.gethostname)
    driver_pid: int = Field(default_factory=os.getpid)
    started_utc: str = Field(default_factory=utc_now)
    updated_utc: str = Field(default_factory=utc_now)
    finished_utc: str | None = None
    jobs: dict[str, JobRecord] = Field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Jobs per state."""
        out: dict[str, int] = dict.fromkeys(STATES, 0)
        for j in self.jobs.values():
            out[j.state] += 1
        return out

    def driver_alive(self) -> bool:
        """Whether the driver that wrote the file still runs (unknowable on another host: assumed yes)."""
        if self.finished_utc is not None:
            return False
        if self.driver_host != socket.gethostname():
            return True
        try:
            os.kill(self.driver_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def state_path(out: Path) -> Path:
    """The state file of a sweep folder."""
    return out / STATE_FILE


def save_state(out: Path, state: SweepState) -> None:
    """Write the state atomically (temporary file, fsync, rename)."""
    state.updated_utc = utc_now()
    out.mkdir(parents=True, exist_ok=True)
    target = state_path(out)
    tmp = target.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(state.model_dump_json(indent=1))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)


def load_state(out: Path) -> SweepState | None:
    """The sweep's state, or None when the folder has none. Raises RunnerError for an unreadable one."""
    path = state_path(out)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunnerError(f"{path} cannot be read ({exc}); move it aside to start the sweep afresh.") from None
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version not in READABLE_SCHEMA_VERSIONS:
        readable = ", ".join(map(str, READABLE_SCHEMA_VERSIONS))
        raise RunnerError(
            f"{path} has schema_version {version!r}; this runner reads {readable}. "
            "Use the runner version that wrote it, or move the file aside (bundles on disk are kept and re-checked)."
        )
    return SweepState.model_validate(_upgrade(data))


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A state of any readable version in the current layout.

    Version 1 -> 2: jobs gained `repetitions` and `submission`, both optional, so a version 1 job is a
    valid version 2 job with them unknown; only the version number changes."""
    if data.get("schema_version") == 1:
        data = {**data, "schema_version": 2}
    return data


def merge_jobs(state: SweepState, jobs: list[JobSpec]) -> None:
    """Make the state's jobs those of the plan (in plan order), keeping what is known of each.

    A job of the plan that the state lacks is added as pending; a job that the plan dropped is removed
    from the state (its files stay on disk)."""
    old = state.jobs
    state.jobs = {}
    for j in jobs:
        rec = old.get(j.id) or JobRecord(id=j.id, row=j.row, model=j.model, task=j.task, gpus=j.gpus)
        rec.row, rec.model, rec.task, rec.gpus = j.row, j.model, j.task, j.gpus
        state.jobs[j.id] = rec


SUMMARY_COLUMNS = (
    "job",
    "model",
    "task",
    "gpus",
    "state",
    "attempts",
    "wh_per_1k_mean",
    "ci95_low_wh_per_1k",
    "ci95_high_wh_per_1k",
    "wall_s",
    "bundle",
    "message",
    # Added by schema_version 2, at the end so readers of the older columns by position keep working.
    "repetitions",
    "submission",
)


def summary_rows(state: SweepState) -> list[dict[str, str]]:
    """One row per job for summary.csv and the printed table (numbers as text, '' when unknown)."""

    def num(v: float | None, digits: int) -> str:
        return "" if v is None else f"{v:.{digits}f}"

    def ci(j: JobRecord, v: float | None) -> str:
        # One repetition has no interval: leave the bounds empty rather than repeat the mean.
        return num(v, 4) if j.has_interval() else ""

    return [
        {
            "job": j.id,
            "model": j.model,
            "task": j.task,
            "gpus": str(j.gpus),
            "state": j.state,
            "attempts": str(j.attempts),
            "wh_per_1k_mean": num(j.wh_per_1k_mean, 4),
            "ci95_low_wh_per_1k": ci(j, j.ci95_low_wh_per_1k),
            "ci95_high_wh_per_1k": ci(j, j.ci95_high_wh_per_1k),
            "wall_s": num(j.wall_s, 1),
            "bundle": j.bundle or "",
            "message": (j.message or "").replace("\n", " | "),
            "repetitions": "" if j.repetitions is None else str(j.repetitions),
            "submission": j.submission.summary() if j.submission else "",
        }
        for j in state.jobs.values()
    ]


def write_summary_csv(out: Path, state: SweepState) -> Path:
    """summary.csv in the sweep folder (atomically); returns its path."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(SUMMARY_COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows(summary_rows(state))
    path = out / SUMMARY_CSV
    tmp = path.with_name(f".{SUMMARY_CSV}.{os.getpid()}.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else "..." + text[-(width - 3) :]


def summary_table(state: SweepState, message_width: int = 60) -> str:
    """The summary as an aligned text table: job, task, state, Wh/1k with its 95% CI ("n/a" for a single
    repetition), wall time, message, and the portal's answer when the sweep submits."""
    submitting = any(j.submission for j in state.jobs.values())
    head: tuple[str, ...] = ("job", "task", "gpus", "state", "tries", "Wh/1k", "95% CI", "wall s", "message")
    if submitting:
        head += ("submission",)
    lines: list[tuple[str, ...]] = [head]
    for j, r in zip(state.jobs.values(), summary_rows(state), strict=True):
        if j.has_interval():
            ci = f"{r['ci95_low_wh_per_1k']}..{r['ci95_high_wh_per_1k']}"
        else:
            ci = "n/a" if j.wh_per_1k_mean is not None else ""
        row: tuple[str, ...] = (r["job"], r["task"], r["gpus"], r["state"], r["attempts"], r["wh_per_1k_mean"], ci)
        row += (r["wall_s"], _clip(r["message"], message_width))
        if submitting:
            row += (_clip(r["submission"], message_width),)
        lines.append(row)
    widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in lines)


def status_text(state: SweepState) -> str:
    """`sweep --status`: counts per state (a running state of a dead driver is called interrupted) and the table."""
    c = state.counts()
    alive = state.driver_alive()
    active = c["running"] + c["queued"]
    left = c["pending"] + (0 if alive else active)
    parts = [f"done {c['done']}", f"running {c['running'] if alive else 0}", f"failed {c['failed']}", f"left {left}"]
    note = f" ({active} interrupted: the sweep is not running; run it again to resume)" if not alive and active else ""
    when = f"finished {state.finished_utc}" if state.finished_utc else f"updated {state.updated_utc}"
    return f"{len(state.jobs)} jobs: " + ", ".join(parts) + f"{note}; {when}\n" + summary_table(state)
