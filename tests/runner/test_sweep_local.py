"""The sweep without Ray (the path used where Ray cannot be installed), with a stand-in runner
(tests/runner/sweep_fake_runner.py) so the tests take seconds: a failing job retried then reported
failed, resume after the sweep is killed mid-way (no finished job run twice, none lost), the class rule
before anything runs, and the CLI's status and messages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from runner.cli import main
from runner.sweep.driver import run_sweep
from runner.sweep.jobs import JobOptions
from runner.sweep.local import LocalExecutor
from runner.sweep.plan import PlanError
from runner.sweep.state import load_state
from tests.runner.tiny_configs import TINY

FAKE = Path(__file__).with_name("sweep_fake_runner.py")
ROOT = Path(__file__).resolve().parents[2]
COLUMNS = "model,task,samples,repetitions,warmup_samples,idle_seconds,steady_warmup_s,dry_run\n"


def plan_row(model: str, task: str = "text_classification") -> str:
    """A dry-run plan row of a tiny workload."""
    return f"{model},{task},3,2,1,0,0,true\n"


@pytest.fixture(scope="module")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real dry-run run directory (text_classification), which the stand-in runner copies."""
    from runner.replica import build_replica

    root = tmp_path_factory.mktemp("sweep_template")
    cfg = root / "cfg.json"
    cfg.write_text(json.dumps(TINY["text_classification"]))
    model = build_replica(cfg, root / "model", "text_classification", "test/tiny-sweep")
    args = ["run", "--task", "text_classification", "--model", str(model), "--out", str(root / "run")]
    args += ["--samples", "3", "--repetitions", "2", "--warmup-samples", "1", "--idle-seconds", "0"]
    assert main([*args, "--steady-warmup-s", "0", "--dry-run", "--no-progress"]) == 0
    return root / "run"


@pytest.fixture
def fake_env(template_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment of the stand-in runner; returns its log (one line per `run`)."""
    log = tmp_path / "fake_runs.log"
    log.touch()
    (tmp_path / "fake_state").mkdir()
    monkeypatch.setenv("FAKE_TEMPLATE", str(template_run))
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.setenv("FAKE_STATE", str(tmp_path / "fake_state"))
    return log


def runs_per_model(log: Path) -> Counter[str]:
    """How often the stand-in ran each model."""
    return Counter(Path(line).name for line in log.read_text().split())


def fake_options() -> JobOptions:
    """Jobs run the stand-in runner."""
    return JobOptions(runner_cmd=[sys.executable, str(FAKE)])


def test_a_failing_job_is_retried_then_reported_failed(fake_env: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(COLUMNS + plan_row("fake/ok-1") + plan_row("fake/fail-1"))
    out = tmp_path / "sweep"
    lines: list[str] = []
    state = run_sweep(
        plan, out, LocalExecutor(out, ["0"], fake_options()), retries=1, progress=False, echo=lines.append
    )
    ok, bad = state.jobs["fake-ok-1__text_classification"], state.jobs["fake-fail-1__text_classification"]
    assert (ok.state, ok.attempts, ok.gpu_ids) == ("done", 1, ["0"])
    assert ok.wh_per_1k_mean is not None and ok.ci95_low_wh_per_1k is not None and ok.wall_s is not None
    assert {"simulated_meter", "sample_count"} <= set(ok.accepted_problems)
    assert (bad.state, bad.attempts) == ("failed", 2)
    assert bad.message is not None and "exited with status 3" in bad.message and "CUDA out of memory" in bad.message
    assert runs_per_model(fake_env) == {"ok-1": 1, "fail-1": 2}
    assert any("fail-1__text_classification: attempt 1 failed, retrying" in ln for ln in lines)
    assert any("fail-1__text_classification: FAILED after 2 attempt(s)" in ln for ln in lines)
    assert (out / "jobs" / "fake-fail-1__text_classification" / "logs" / "attempt-2.stderr").exists()
    summary = (out / "summary.csv").read_text().splitlines()
    assert [r.split(",")[4] for r in summary[1:]] == ["done", "failed"]
    # Run again: the done job is skipped (its bundle counts); the failed one gets its attempts again.
    state = run_sweep(
        plan, out, LocalExecutor(out, ["0"], fake_options()), retries=0, progress=False, echo=lines.append
    )
    assert runs_per_model(fake_env) == {"ok-1": 1, "fail-1": 3}
    assert state.jobs["fake-fail-1__text_classification"].attempts == 3


def test_resume_after_killing_the_sweep_runs_no_job_twice_and_loses_none(fake_env: Path, tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    models = ["fake/ok-1", "fake/ok-2", "fake/hang-once-3", "fake/ok-4"]
    plan.write_text(COLUMNS + "".join(plan_row(m) for m in models))
    out = tmp_path / "sweep"
    cmd = [sys.executable, "-m", "runner", "sweep", str(plan), "--out", str(out), "--no-ray", "--pretend-gpus", "1"]
    cmd += ["--runner-cmd", f"{sys.executable} {FAKE}", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Its own session, so the test can kill the sweep and the job it is running, and nothing else.
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    hung = tmp_path / "fake_state" / "hang-once-3.hung"
    try:
        deadline = time.monotonic() + 120
        while not hung.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hung.exists(), "the third job never started"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    state = load_state(out)
    assert state is not None
    assert [j.state for j in state.jobs.values()] == ["done", "done", "running", "queued"]
    capsys_out = subprocess.run(
        [sys.executable, "-m", "runner", "sweep", "--status", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    assert "done 2, running 0, failed 0, left 2 (2 interrupted" in capsys_out
    state = run_sweep(plan, out, LocalExecutor(out, ["0"], fake_options()), retries=0, progress=False, echo=print)
    assert [j.state for j in state.jobs.values()] == ["done"] * 4
    # The two finished jobs did not run again; the interrupted one ran again; none was lost.
    assert runs_per_model(fake_env) == {"ok-1": 1, "ok-2": 1, "hang-once-3": 2, "ok-4": 1}
    assert state.jobs["fake-hang-once-3__text_classification"].attempts == 2


def test_a_job_needing_more_gpus_than_the_machine_is_refused_before_anything_runs(
    fake_env: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "model,task,class,gpus,dry_run\nfake/ok-1,text_generation,A,1,true\nbig/c,text_generation,C,4,true\n"
    )
    out = tmp_path / "sweep"
    with pytest.raises(PlanError) as err:
        run_sweep(plan, out, LocalExecutor(out, ["0", "1"], fake_options()), progress=False)
    assert "row 3 (big-c__text_generation) needs 4" in str(err.value)
    assert not (out / "jobs").exists() and fake_env.read_text() == ""


def test_cli_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(COLUMNS + plan_row("fake/ok-1"))
    # --submit without an explicit attestation is refused before anything runs, saying why.
    assert main(["sweep", str(plan), "--out", str(tmp_path / "s"), "--submit", "https://portal"]) == 2
    err = capsys.readouterr().err
    assert "--submit needs --attest" in err and "data integrity" in err
    assert not (tmp_path / "s").exists()
    assert main(["sweep", "--status", str(tmp_path)]) == 2
    assert "holds no sweep" in capsys.readouterr().err
    plan.write_text("model,task\nm,text_generation\n")
    assert main(["sweep", str(plan), "--out", str(tmp_path / "s"), "--no-ray", "--pretend-gpus", "1"]) == 2
    assert "--pretend-gpus is for dry runs only" in capsys.readouterr().err


def test_a_second_driver_on_the_same_folder_is_refused(fake_env: Path, tmp_path: Path) -> None:
    from runner.errors import RunnerError
    from runner.sweep.state import SweepState, save_state

    plan = tmp_path / "plan.csv"
    plan.write_text(COLUMNS + plan_row("fake/ok-1"))
    out = tmp_path / "sweep"
    save_state(out, SweepState(plan=str(plan), plan_sha256="", executor="local", driver_pid=os.getppid()))
    with pytest.raises(RunnerError) as err:
        run_sweep(plan, out, LocalExecutor(out, ["0"], fake_options()), progress=False)
    assert f"Another sweep (pid {os.getppid()}) is running" in str(err.value)
    assert fake_env.read_text() == ""
