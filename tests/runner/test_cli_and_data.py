"""The CLI's help, and the dataset loaders (local files, folders, empty rows, first N)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import build_parser, main
from runner.datasets_io import load_samples
from runner.errors import RunnerError
from runner.samples import write_samples
from shared.method.tasks import get_task

RUN_OPTIONS = (
    "--task",
    "--model",
    "--out",
    "--dataset",
    "--pin-cpu",
    "--samples",
    "--repetitions",
    "--dtype",
    "--reasoning",
    "--phase-split",
    "--device-ids",
    "--dry-run",
)


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help([], capsys)
    for cmd in ("check", "run", "bundle", "replica"):
        assert cmd in text


def test_run_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(["run"], capsys)
    for opt in RUN_OPTIONS:
        assert opt in text
    assert "1,000" in text and "two-pass" in text and "simulated" in text


@pytest.mark.parametrize("cmd", ["check", "bundle", "replica"])
def test_subcommand_help(cmd: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert "usage" in _help([cmd], capsys)


def test_bad_device_ids_are_rejected() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--task", "asr", "--model", "x", "--out", "o", "--device-ids", "0,0"])


def test_jsonl_drops_empty_rows_and_takes_first_n(tmp_path: Path) -> None:
    write_samples(tmp_path, rows=30, images=0, audio=0)
    ds = load_samples(str(tmp_path / "text_generation.jsonl"), get_task("text_generation"), 26)
    assert len(ds.rows) == 26 and ds.dropped_empty == 1  # row 24 of every 25 is empty
    again = load_samples(str(tmp_path / "text_generation.jsonl"), get_task("text_generation"), 26)
    assert again.sha256 == ds.sha256
    fewer = load_samples(str(tmp_path / "text_generation.jsonl"), get_task("text_generation"), 5)
    assert fewer.sha256 != ds.sha256


def test_too_few_rows_is_a_clear_error(tmp_path: Path) -> None:
    write_samples(tmp_path, rows=5, images=0, audio=0)
    with pytest.raises(RunnerError, match="only 5 non-empty samples"):
        load_samples(str(tmp_path / "summarization.jsonl"), get_task("summarization"), 10)


def test_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"question": "a"}) + "\n")
    with pytest.raises(RunnerError, match="no column 'context'"):
        load_samples(str(path), get_task("extractive_qa"), 1)


def test_parquet_image_and_audio_folders(tmp_path: Path) -> None:
    import pandas as pd

    write_samples(tmp_path, rows=4, images=3, audio=2)
    pd.DataFrame([{"text": "a b c"}, {"text": ""}, {"text": "d e"}]).to_parquet(tmp_path / "t.parquet")
    assert len(load_samples(str(tmp_path / "t.parquet"), get_task("text_classification"), 2).rows) == 2
    images = load_samples(str(tmp_path / "images"), get_task("image_classification"), 3)
    assert images.rows[0]["image"].size[1] == 96
    audio = load_samples(str(tmp_path / "audio"), get_task("asr"), 2)
    assert audio.rows[0]["audio"]["sampling_rate"] == 16000 and len(audio.rows[0]["audio"]["array"]) > 1000
