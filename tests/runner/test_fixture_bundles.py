"""The real H100 bundles: the test fixture and the demo data validate with no problem, and every field
they hold is declared by the schema (the runner refuses to write an undeclared one)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from pydantic import ValidationError

from runner.run_files import run_files
from shared.bundle.schema import (
    ENVIRONMENT_FILE,
    REPORT_FILE,
    Environment,
    ReportConfig,
    RunReport,
    undeclared_fields,
)
from shared.bundle.validate import validate_bundle

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "h100_bundle.zip"
DEMO = sorted((ROOT / "data" / "demo_bundles").glob("*.zip"))


def test_fixture_is_a_valid_h100_measurement() -> None:
    check = validate_bundle(FIXTURE)
    assert check.ok, check.text()
    rec = check.record
    assert rec is not None and rec.samples == 1000 and "H100" in rec.hardware
    assert rec.environment["meter"] == "nvml" and rec.random_weights


@pytest.mark.parametrize("path", DEMO, ids=[p.name for p in DEMO])
def test_demo_bundles_validate(path: Path) -> None:
    # Demo runs on fewer than 1,000 samples (ASR, captioning, image generation: device time) are
    # accepted as demo data with a warning; every other check applies in full.
    check = validate_bundle(path, short_workload_ok=True)
    assert check.ok, check.text()
    assert check.record is not None and check.record.random_weights and "H100" in check.record.hardware
    short = any(w.code == "short_workload" for w in check.warnings)
    assert short == (check.record.samples < 1000)


def test_demo_covers_six_tasks() -> None:
    tasks = {validate_bundle(p, short_workload_ok=True).record.task_id for p in DEMO}  # type: ignore[union-attr]
    assert len(tasks) >= 6


def _members(path: Path) -> tuple[RunReport, Environment]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()

        def read(name: str) -> bytes:
            return zf.read(next(n for n in names if n.endswith(name)))

        return RunReport.model_validate_json(read(REPORT_FILE)), Environment.model_validate_json(read(ENVIRONMENT_FILE))


@pytest.mark.parametrize("path", [FIXTURE, *DEMO], ids=["fixture", *(p.name for p in DEMO)])
def test_every_field_of_the_real_bundles_is_declared(path: Path) -> None:
    report, env = _members(path)
    assert undeclared_fields(report) == [] and undeclared_fields(env) == []
    ReportConfig.model_validate(report.config)  # the recorded config has only declared keys
    assert report.timings_s is not None and report.preprocess.tail_s is not None
    assert env.clocks_start_mhz and env.gpus[0].sm_clock_max_mhz


def test_the_runner_refuses_to_write_an_undeclared_field() -> None:
    report, env = _members(FIXTURE)
    assert run_files(report, env)  # as read: every field declared
    report.repetitions[0].phases[0].tail_seconds = 0.1  # type: ignore[attr-defined]  # a typo of tail_s
    with pytest.raises(ValueError, match=r"repetitions\[0\]\.phases\[0\]\.tail_seconds"):
        run_files(report, env)
    with pytest.raises(ValidationError, match="warmup_secs"):
        ReportConfig.model_validate({**report.config, "warmup_secs": 3})
