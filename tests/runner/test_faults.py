"""Faults end with a clear message and an incomplete report that cannot be bundled; rule breaks are
refused before anything is measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import EXIT_INCOMPLETE, EXIT_USAGE, main
from runner.errors import MeterError, RefusedRun
from runner.measure import run
from runner.workloads import TextClassification
from shared.bundle.schema import ENERGY_WH_FILE, REPORT_FILE, SUMMARY_FILE
from tests.runner.helpers import dry_run_cli, dry_run_config


def _incomplete(out: Path) -> dict:
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["status"] == "incomplete"
    assert not (out / ENERGY_WH_FILE).exists() and not (out / SUMMARY_FILE).exists()
    return report


def test_failing_sample_gives_incomplete_report(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = TextClassification.run

    def flaky(self: TextClassification, item: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:  # warm-up is call 1 (no shape or steady warm-up here); fails at sample 2 of repetition 1
            raise ValueError("bad pixel")
        return original(self, item)  # type: ignore[arg-type]

    monkeypatch.setattr(TextClassification, "run", flaky)
    out = tmp_path / "run"
    outcome = run(dry_run_config(tiny_models, out, shape_warmup=False, steady_warmup_s=0.0))
    report = _incomplete(out)
    assert "sample 2 failed" in report["failure"] and "bad pixel" in report["failure"]
    assert outcome.report.status == "incomplete"
    assert (out / "logs" / "run.log").exists()
    assert main(["bundle", str(out), "-o", str(tmp_path / "x.zip")]) == EXIT_USAGE
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.parametrize(
    ("exc", "needle"), [(KeyboardInterrupt(), "Ctrl-C"), (MeterError("NVML failed to read GPU 0"), "NVML failed")]
)
def test_interrupt_and_meter_error_give_incomplete_report(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException, needle: str
) -> None:
    def boom(self: TextClassification, item: object) -> object:
        raise exc

    monkeypatch.setattr(TextClassification, "run", boom)
    out = tmp_path / "run"
    run(dry_run_config(tiny_models, out))
    assert needle in _incomplete(out)["failure"]


def test_cuda_out_of_memory_message(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    def oom(self: TextClassification, item: object) -> object:
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(TextClassification, "run", oom)
    out = tmp_path / "run"
    assert dry_run_cli(tiny_models, out, samples=3, warmup_samples=None) == EXIT_INCOMPLETE
    assert "CUDA out of memory" in _incomplete(out)["failure"]


def test_stale_result_files_are_removed(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / ENERGY_WH_FILE).write_text("1.00\n")

    def boom(self: TextClassification, item: object) -> object:
        raise RuntimeError("x")

    monkeypatch.setattr(TextClassification, "run", boom)
    run(dry_run_config(tiny_models, out))
    _incomplete(out)


def test_class_a_on_two_gpus_is_refused_up_front(
    tiny_models: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    with pytest.raises(RefusedRun, match="Class A models must run on exactly one GPU"):
        run(dry_run_config(tiny_models, out, task="text_generation", device_ids=[0, 1]))
    assert not out.exists()
    rc = main(
        [
            "run",
            "--task",
            "text_generation",
            "--model",
            str(tiny_models["text_generation"]),
            "--out",
            str(out),
            "--device-ids",
            "0,1",
            "--dry-run",
        ]
    )
    assert rc == EXIT_USAGE
    assert "exactly one GPU" in capsys.readouterr().err


def test_class_c_may_use_several_gpus_in_principle(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    # Only the rule is checked here: a class C override passes the up-front refusal.
    from runner.measure import Run

    cfg = dry_run_config(tiny_models, tmp_path / "r", task="text_generation", device_ids=[0, 1], model_class="C")
    r = Run(cfg)
    assert r.prepare_model().model_class == "C"


@pytest.mark.parametrize(
    ("task", "reasoning", "needle"),
    [("text_generation", "high", "--task reasoning"), ("reasoning", "off", "text_generation")],
)
def test_reasoning_mode_must_match_task(
    tiny_models: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    task: str,
    reasoning: str,
    needle: str,
) -> None:
    rc = main(
        [
            "run",
            "--task",
            task,
            "--model",
            str(tiny_models["text_generation"]),
            "--out",
            str(tmp_path / "r"),
            "--reasoning",
            reasoning,
            "--dry-run",
        ]
    )
    assert rc == EXIT_USAGE
    assert needle in capsys.readouterr().err


def test_bundle_of_a_non_run_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bundle", str(tmp_path), "-o", str(tmp_path / "x.zip")]) == EXIT_USAGE
    assert "not a run directory" in capsys.readouterr().err


def test_failure_in_the_shape_warm_up_names_it(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = TextClassification.run

    def flaky(self: TextClassification, item: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:  # the first sample of the shape warm-up
            raise ValueError("bad shape")
        return original(self, item)  # type: ignore[arg-type]

    monkeypatch.setattr(TextClassification, "run", flaky)
    out = tmp_path / "run"
    run(dry_run_config(tiny_models, out))
    assert "failed in the shape warm-up phase" in _incomplete(out)["failure"]
