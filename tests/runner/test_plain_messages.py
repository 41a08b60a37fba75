"""Documented commands work as written, and what the runner prints is plain text: the README's dry
run needs no --samples, a dry run's log says "n/a" rather than "None", and a Hub id fails fast offline."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from runner.cli import EXIT_USAGE, main
from runner.datasets_io import load_samples, sample_set_size
from runner.errors import RunnerError
from runner.hub import hub_reachable, require_hub
from runner.measure import idle_power_text, steady_text
from shared.bundle.schema import REPORT_FILE, SteadyWarmupRecord
from shared.method.tasks import get_task


def test_the_readme_dry_run_works_without_samples(
    tiny_models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "try"
    args = ["run", "--task", "text_classification", "--model", str(tiny_models["text_classification"])]
    assert main([*args, "--out", str(out), "--dry-run", "--repetitions", "1", "--no-progress"]) == 0
    n = sample_set_size(get_task("text_classification"))
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["config"]["samples"] == n == report["dataset"]["samples"]
    err = capsys.readouterr().err
    assert f"{n} samples per repetition" in err and "pass --samples" in err
    log = (out / "logs" / "run.log").read_text()
    assert "idle power n/a (simulated meter)" in log
    assert "None" not in log


def test_missing_figures_are_written_in_words() -> None:
    assert idle_power_text(None, "simulated") == "n/a (simulated meter)"
    assert idle_power_text(None, "nvml") == "n/a (not measured)"
    assert idle_power_text(61.234, "nvml") == "61.2 W"
    rec = SteadyWarmupRecord(
        max_s=0.25, window_s=10, tolerance=0.01, chunk_samples=0, chunks=0, elapsed_s=0.3, steady=False
    )
    assert steady_text(rec) == "no timed chunk, too few chunks to compare two windows"
    rec = rec.model_copy(update={"first_chunk_s": 1.2, "best_earlier_s": 1.0, "best_recent_s": 0.99})
    assert steady_text(rec) == "first 1.2 s, best 1.0 -> 0.99 s"


def test_a_hub_model_fails_fast_when_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t = time.monotonic()
    rc = main(["run", "--task", "text_classification", "--model", "nobody/no-such-model", "--out", str(tmp_path / "r")])
    assert time.monotonic() - t < 10.0  # no ~26 s of retries
    assert rc == EXIT_USAGE
    err = capsys.readouterr().err
    assert "HF_HUB_OFFLINE" in err and "local path" in err and "nobody/no-such-model" in err
    assert not (tmp_path / "r" / REPORT_FILE).exists()


def test_a_hub_dataset_fails_fast_when_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "true")
    with pytest.raises(RunnerError, match=r"HF_HUB_OFFLINE is set.*--dataset a local path"):
        load_samples("nobody/no-such-set", get_task("text_classification"), 3)


def test_an_unreachable_hub_is_named_with_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(RunnerError, match=r"cannot be reached.*give --model a local path"):
        require_hub("model", "nobody/no-such-model", probe=lambda: False)
    require_hub("model", "nobody/no-such-model", probe=lambda: True)  # reachable: the library fetches it


def test_the_probe_says_no_quickly_for_a_closed_port(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    t = time.monotonic()
    assert hub_reachable("http://127.0.0.1:9", timeout_s=2.0) is False  # the discard port: nothing listens
    assert time.monotonic() - t < 5.0
