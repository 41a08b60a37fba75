"""Every task of the registry end to end on the CPU with --dry-run: replica -> run -> bundle ->
validation, which must refuse the bundle for the simulated meter (and the short sample count) only."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from runner.cli import main
from runner.samples import write_samples
from shared.bundle.schema import REPORT_FILE
from shared.bundle.validate import validate_bundle
from shared.method.tasks import TASKS
from tests.runner.helpers import dry_run_cli


@pytest.mark.parametrize("task", list(TASKS))
def test_task_dry_run_bundle(task: str, tiny_models: dict[str, Path], tmp_path: Path) -> None:
    out, zip_path = tmp_path / "run", tmp_path / "run.zip"
    assert dry_run_cli(tiny_models, out, task=task, samples=3, repetitions=2) == 0
    assert main(["bundle", str(out), "-o", str(zip_path)]) == 0
    check = validate_bundle(zip_path)
    assert {p.code for p in check.problems} == {"simulated_meter", "sample_count"}
    report = json.loads(zipfile.ZipFile(zip_path).read(REPORT_FILE))
    assert report["status"] == "complete" and report["model"]["random_weights"] is True
    assert len(report["repetitions"]) == 2
    phases = [p["name"] for p in report["repetitions"][0]["phases"]]
    assert phases == [TASKS[task].pass_phase]
    gen = TASKS[task].generation
    if gen.max_new_tokens == gen.min_new_tokens and gen.max_new_tokens:
        # Fixed-length generation really generates its tokens (summarization included).
        assert report["repetitions"][0]["phases"][0]["output_tokens"] == 3 * gen.max_new_tokens
    if TASKS[task].has_classes:
        assert report["model"]["model_class"] == "A"


def test_standard_sample_count_is_refused_only_for_the_simulated_meter(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    write_samples(data, rows=1050, images=0, audio=0)
    out, zip_path = tmp_path / "run", tmp_path / "run.zip"
    dataset = ["--dataset", str(data / "text_classification.jsonl")]
    assert dry_run_cli(tiny_models, out, samples=None, repetitions=2, warmup_samples=None, extra=dataset) == 0
    assert main(["bundle", str(out), "-o", str(zip_path)]) == 0
    check = validate_bundle(zip_path)
    assert [p.code for p in check.problems] == ["simulated_meter"]


def test_two_pass_records_prefill_pass_outside_the_total(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    two_pass = ["--phase-split", "two-pass"]
    assert dry_run_cli(tiny_models, out, task="text_generation", samples=3, repetitions=2, extra=two_pass) == 0
    report = json.loads((out / REPORT_FILE).read_text())
    reps = [{p["name"]: p for p in rep["phases"]} for rep in report["repetitions"]]
    for phases in reps:
        assert phases["prefill_pass"]["in_total"] is False and phases["generate"]["in_total"] is True
        assert phases["prefill_pass"]["output_tokens"] == 3
    # Every generate pass (the counted total) runs before any prefill pass, as in single-pass.
    assert reps[0]["prefill_pass"]["counter_start_mj"][0] >= reps[1]["generate"]["counter_end_mj"][0]
    assert reps[1]["prefill_pass"]["counter_start_mj"][0] >= reps[0]["prefill_pass"]["counter_end_mj"][0]
    assert report["split"]["method"] == "two-pass"
    assert "split_single_pass_prefill_wh" in report
