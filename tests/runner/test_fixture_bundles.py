"""The real H100 bundles: the test fixture and the demo data validate with no problem."""

from __future__ import annotations

from pathlib import Path

import pytest

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
