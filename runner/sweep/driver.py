"""The sweep's driver loop, shared by the Ray and the local executor.

1. Read the plan and refuse, before anything runs, a job whose GPU count breaks the class rule (plan.py)
   or exceeds every node of the executor.
2. Resume: a job whose bundle on disk counts as done (jobs.check_bundle) is skipped; every other job
   (pending, failed, or running when an earlier sweep was killed) is submitted.
3. As attempts end, record them in the state file (atomically), retry a failed job up to `retries`
   times, and print one line per state change under an overall progress bar.
4. With a submitter (`--submit`), upload each done bundle to the portal: those done before this
   invocation once the jobs are queued, the others as each ends. The outcome is recorded in the job's
   state and never fails the sweep; bundles not stored yet are tried again on the next invocation.
5. Write summary.csv and print the summary table.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runner.errors import RunnerError
from runner.sweep.jobs import JobResult, bundle_path, check_bundle
from runner.sweep.plan import JobSpec, check_gpu_fit, load_plan
from runner.sweep.state import (
    JobRecord,
    SweepState,
    load_state,
    merge_jobs,
    save_state,
    summary_table,
    utc_now,
    write_summary_csv,
)

if TYPE_CHECKING:
    from runner.sweep.submit import PortalSubmitter

StartCallback = Callable[[str, int, list[str]], None]


class Executor(Protocol):
    """Runs job attempts somewhere: `local.LocalExecutor` or `ray_backend.RayExecutor`."""

    name: str
    address: str | None

    def max_gpus_per_node(self) -> int:
        """The most GPUs one job can get (the largest node's)."""
        ...

    def describe(self) -> str:
        """Where jobs run, in words (for messages)."""
        ...

    def submit(self, spec: JobSpec, attempt: int, on_start: StartCallback) -> None:
        """Queue one attempt; `on_start(job_id, attempt, gpu_ids)` is called (in the driver) when it starts."""
        ...

    def wait(self, timeout_s: float) -> list[JobResult]:
        """Attempts that ended since the last call (waits up to `timeout_s` for at least one)."""
        ...

    def outstanding(self) -> int:
        """Attempts submitted and not yet returned by `wait`."""
        ...

    def shutdown(self) -> None:
        """Release the executor (a local Ray instance is stopped; its running jobs are killed)."""
        ...


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _apply_check(rec: JobRecord, out: Path, spec: JobSpec) -> bool:
    """Mark `rec` done from its bundle on disk when that counts; returns whether it did."""
    check = check_bundle(spec, bundle_path(out, spec.id))
    if not check.done:
        return False
    rec.state = "done"
    rec.bundle = bundle_path(out, spec.id).relative_to(out).as_posix()
    rec.wh_per_1k_mean = check.wh_per_1k_mean
    rec.ci95_low_wh_per_1k = check.ci95_low_wh_per_1k
    rec.ci95_high_wh_per_1k = check.ci95_high_wh_per_1k
    rec.repetitions = check.repetitions
    rec.accepted_problems = check.accepted_problems
    return True


def run_sweep(
    plan_path: Path,
    out: Path,
    executor: Executor,
    retries: int = 1,
    progress: bool = True,
    echo: Callable[[str], None] | None = None,
    submitter: PortalSubmitter | None = None,
) -> SweepState:
    """Run (or resume) the sweep of `plan_path` into `out` on `executor`; returns the final state.

    With `submitter`, every done bundle not yet stored at its portal is uploaded (runner/sweep/submit.py).

    Raises PlanError (a RunnerError) before anything runs when the plan is malformed or a job cannot fit.
    KeyboardInterrupt leaves a consistent state file (the jobs in flight are re-run on resume).
    """
    from tqdm import tqdm

    if retries < 0:
        raise ValueError("retries must be >= 0")
    try:
        jobs = load_plan(plan_path)
        check_gpu_fit(jobs, executor.max_gpus_per_node(), executor.describe())
    except BaseException:
        executor.shutdown()  # nothing ran; do not leave a local Ray instance behind
        raise
    specs = {j.id: j for j in jobs}
    state = load_state(out) or SweepState(plan=str(plan_path), plan_sha256="", executor=executor.name)
    if state.driver_pid != os.getpid() and state.driver_host == socket.gethostname() and state.driver_alive():
        executor.shutdown()
        raise RunnerError(
            f"Another sweep (pid {state.driver_pid}) is running in {out}; two drivers would run jobs twice. "
            "Wait for it, or stop it first (`--status` shows its progress)."
        )
    fresh = SweepState(plan=str(plan_path), plan_sha256=_sha256_file(plan_path), executor=executor.name)
    # This invocation is the driver now: its host, pid and start replace the previous invocation's.
    state.plan, state.plan_sha256 = fresh.plan, fresh.plan_sha256
    state.executor, state.address = executor.name, executor.address
    state.driver_host, state.driver_pid = fresh.driver_host, fresh.driver_pid
    state.started_utc, state.finished_utc = fresh.started_utc, None
    merge_jobs(state, jobs)
    todo = []
    for j in jobs:
        rec = state.jobs[j.id]
        if not _apply_check(rec, out, j):
            if rec.state == "done":
                rec.message = "its bundle is missing or no longer counts; running it again"
            rec.state = "pending"
            todo.append(j)
    save_state(out, state)

    bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), unit="job", desc="sweep", disable=not progress)

    def say(line: str) -> None:
        if echo is not None:
            echo(line)
            return
        try:
            tqdm.write(line, file=sys.stdout)
        except BrokenPipeError:  # stdout piped into `head` and closed: the state file still records everything
            pass

    skipped = len(jobs) - len(todo)
    if skipped:
        say(f"{skipped} of {len(jobs)} job(s) already have a bundle that counts: skipped.")

    def on_start(job_id: str, attempt: int, gpu_ids: list[str]) -> None:
        rec = state.jobs[job_id]
        rec.state, rec.attempts = "running", max(rec.attempts, attempt)
        rec.gpu_ids, rec.started_utc = gpu_ids, utc_now()
        save_state(out, state)
        say(f"{utc_now()} {job_id}: running (attempt {attempt}, GPU {','.join(gpu_ids) or '-'})")

    tries: dict[str, int] = {}

    def upload(rec: JobRecord) -> None:
        if submitter is None:
            return
        from runner.sweep.submit import submit_job

        line = submit_job(submitter, rec, out)
        if line is not None:
            save_state(out, state)
            say(f"{utc_now()} {line}")

    def submit(spec: JobSpec) -> None:
        rec = state.jobs[spec.id]
        tries[spec.id] = tries.get(spec.id, 0) + 1
        rec.state = "queued"
        executor.submit(spec, rec.attempts + 1, on_start)

    try:
        for j in todo:
            submit(j)
        save_state(out, state)
        # Done before this invocation: upload now, while the queued jobs run (on Ray) or before they do.
        for rec in list(state.jobs.values()):
            upload(rec)
        while executor.outstanding():
            for res in executor.wait(timeout_s=1.0):
                rec = state.jobs[res.job_id]
                rec.attempts = max(rec.attempts, res.attempt)
                rec.gpu_ids, rec.host, rec.started_utc = res.gpu_ids, res.host, res.started_utc
                rec.finished_utc, rec.wall_s, rec.message = res.finished_utc, res.wall_s, res.message
                rec.bundle = res.bundle
                # Figures of an earlier success must not stand beside a failed attempt.
                rec.wh_per_1k_mean = rec.ci95_low_wh_per_1k = rec.ci95_high_wh_per_1k = None
                rec.repetitions = None
                if res.ok and _apply_check(rec, out, specs[res.job_id]):
                    bar.update(1)
                    wh = "?" if rec.wh_per_1k_mean is None else f"{rec.wh_per_1k_mean:.4f}"
                    say(f"{utc_now()} {res.job_id}: done, {wh} Wh/1k ({res.wall_s:.0f} s)")
                    save_state(out, state)
                    upload(rec)
                elif tries[res.job_id] <= retries:
                    say(f"{utc_now()} {res.job_id}: attempt {res.attempt} failed, retrying: {_one_line(res.message)}")
                    submit(specs[res.job_id])
                else:
                    rec.state = "failed"
                    bar.update(1)
                    say(
                        f"{utc_now()} {res.job_id}: FAILED after {tries[res.job_id]} attempt(s): "
                        f"{_one_line(res.message)}"
                    )
                save_state(out, state)
    finally:
        bar.close()
        executor.shutdown()
        save_state(out, state)  # an interrupted sweep keeps queued/running: --status reports them as interrupted
    state.finished_utc = utc_now()
    save_state(out, state)
    write_summary_csv(out, state)
    say(summary_table(state))
    return state


def _one_line(message: str | None) -> str:
    text = (message or "no message").strip().replace("\n", " | ")
    return text if len(text) <= 300 else "..." + text[-297:]
