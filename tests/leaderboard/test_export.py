"""`python -m leaderboard export`: a version's rows as CSV or JSON; the official version's CSV matches
the shipped files row for row; spreadsheet formulas are neutralised."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from leaderboard.export import CSV_FIELDS, ExportRow, main, to_csv
from shared.records import PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import Attestation, Submitter
from shared.store.reference_import import import_published
from shared.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "reference" / "aes_v1_feb2025"
VID = "aes-v1-2025-02"


@pytest.fixture
def official(tmp_path: Path) -> Path:
    """A store holding the official version, then a version of our own (so the official one is older)."""
    db = tmp_path / "store.sqlite3"
    store = SQLiteStore(db)
    import_published(store, SHIPPED, VID, "AI Energy Score v1, February 2025")
    rec = ResultRecord(task_id="asr", model_id="=cmd|' /C calc'!A0", gpu_energy_wh_per_1k=3.0)
    sub, _ = store.add_submission(b"b", "b.zip", rec, Submitter(name="Ada"), Attestation(True, True, True))
    store.review(sub.id, True, "", "rev")
    store.publish_version("2026-12", "December 2026")
    return db


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_official_csv_matches_the_shipped_files_row_for_row(official: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, text, _ = _run(capsys, "--store", str(official), "--version", VID, "--format", "csv")
    assert rc == 0
    exported = list(csv.DictReader(io.StringIO(text)))
    assert tuple(exported[0]) == CSV_FIELDS
    shipped = []
    for path in sorted(SHIPPED.glob("*.csv")):
        with path.open(newline="") as f:
            shipped += [(path.name, line, row) for line, row in enumerate(csv.DictReader(f), start=2)]
    assert len(exported) == len(shipped) == 166
    for got, (name, line, row) in zip(exported, shipped, strict=True):
        assert got["source"] == f"aes_v1_feb2025/{name}, line {line}"
        assert got["model"] == row["model"]
        # Wh per 1,000 queries in the export; kWh per 1,000 queries in the files: the same digits.
        assert Decimal(got["energy_wh_per_1k"]) == Decimal(row["total_gpu_energy"]) * 1000
        assert got["stars"] == got["stars_published"] == row["energy_score"]
        assert got["class"] == row.get("class", "")
        assert got["provenance"] == PROVENANCE_PUBLISHED
        expected_task = "extractive_qa" if name == "question_answering.csv" else name.removesuffix(".csv")
        assert got["task"] == expected_task


def test_json_export(official: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, text, _ = _run(capsys, "--store", str(official), "--version", VID, "--format", "json")
    doc = json.loads(text)
    assert rc == 0 and doc["version"]["id"] == VID and len(doc["rows"]) == 166
    first = doc["rows"][0]
    assert first["model"] == "distil-whisper/distil-large-v2" and first["energy_wh_per_1k"] == 21.521125
    assert first["stars"] == first["stars_published"] == 4
    # The version may also be named by its display name.
    rc, by_name, _ = _run(capsys, "--store", str(official), "--version", "AI Energy Score v1, February 2025")
    assert rc == 0 and len(by_name.splitlines()) == 167


def test_list_versions_newest_first(official: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "--store", str(official), "--list-versions") == (0, f"2026-12\n{VID}\n", "")


def test_measured_rows_and_formula_neutralisation(official: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, text, _ = _run(capsys, "--store", str(official), "--version", "2026-12")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rc == 0 and len(rows) == 1
    assert rows[0]["model"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["stars"] == "5" and rows[0]["stars_published"] == ""
    assert rows[0]["provenance"].startswith("measured")


@pytest.mark.parametrize("model", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_get_an_apostrophe(model: str) -> None:
    row = ExportRow(model, "asr", "", 0.5, 3, None, "p", "", "res_1")
    header, cells = csv.reader(io.StringIO(to_csv([row]), newline=""))
    assert header[0] == "model" and cells[0] == "'" + model


def test_numbers_are_not_neutralised() -> None:
    row = ExportRow("m", "asr", "", 0.5, 3, None, "-p", "", "res_1")
    line = to_csv([row]).splitlines()[1]
    assert line == "m,asr,,0.5,3,,'-p,,res_1,,,"  # hardware, rating and backend: empty here


def test_errors(official: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _run(capsys, "--store", str(official), "--version", "1999-01")
    assert rc == 2 and "No version '1999-01'" in err and VID in err
    missing = tmp_path / "missing.sqlite3"
    rc, _, err = _run(capsys, "--store", str(missing), "--list-versions")
    assert rc == 2 and "No store file" in err and not missing.exists()
    with pytest.raises(SystemExit):
        main(["--store", str(official)])  # neither --version nor --list-versions
    capsys.readouterr()


def test_python_dash_m_leaderboard_export(official: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "leaderboard", "export", "--store", str(official), "--list-versions"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"2026-12\n{VID}\n"
