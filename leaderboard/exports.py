"""Downloads: the current view as CSV, a whole version as JSON (public data only, no contact details)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from leaderboard.table import rating_text
from shared.records import ResultRecord
from shared.store.models import RatedResult, VersionInfo
from shared.web.csv_safe import safe_frame

# CSV column -> frame column, in the order written.
CSV_COLUMNS: dict[str, str] = {
    "result_id": "result_id",
    "model_id": "model_id",
    "provider": "provider",
    "task": "task_id",
    "class": "model_class",
    "gpu_energy_wh_per_1k": "energy",
    "stars": "stars",
    "ci95_low_wh_per_1k": "ci_low",
    "ci95_high_wh_per_1k": "ci_high",
    "std_wh_per_1k": "std",
    "repetitions": "repetitions",
    "samples": "samples",
    "parameters": "parameters",
    "precision": "precision",
    "hardware": "hardware",
    "gpu_count": "gpu_count",
    "date": "date",
    "random_weights": "random_weights",
    "quality_score": "quality",
    "version": "version_id",
    "submission_id": "submission_id",
    "bundle_sha256": "bundle_sha256",
    "provenance": "provenance",
    "source_note": "source_note",
    "stars_published": "stars_published",
    "rating": "rating",  # "rated", or "not rated (H200)" where stars are empty (another GPU than the H100)
    "backend": "backend_shown",
}


def view_csv(view: pd.DataFrame) -> str:
    """The rows of a view, in its order, as CSV text (header first).

    `provenance` says what each number is ("measured from a validated bundle", or "published figure,
    reference runner, no raw readings" with its `source_note`); `bundle_sha256` of a published figure
    is the hash of its source row, not of a bundle.
    """
    out = view[list(CSV_COLUMNS.values())].rename(columns={v: k for k, v in CSV_COLUMNS.items()})
    out = out.astype({"stars": "Int64", "parameters": "Int64", "stars_published": "Int64"})
    # Model ids and other text come from submitters: never let a spreadsheet run them as formulas.
    return safe_frame(out).to_csv(index=False, float_format="%.6g")


def _record_dict(record: ResultRecord) -> dict[str, Any]:
    """The record's fields (a shallow copy: its nested values are JSON-ready already)."""
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def _result_dict(r: RatedResult) -> dict[str, Any]:
    return {
        "result_id": r.result_id,
        "submission_id": r.submission_id,
        "bundle_sha256": r.bundle_sha256,
        "stars": r.stars,
        "rating": rating_text(r.record),  # says why stars are null: measured on another GPU than the H100
        "record": _record_dict(r.record),
    }


def _json_order(r: RatedResult) -> tuple[str, float, str]:
    return r.record.task_id, r.record.gpu_energy_wh_per_1k, r.result_id


def version_json(info: VersionInfo, results: list[RatedResult]) -> str:
    """A whole version as JSON: its metadata and every result with its frozen stars and full record."""
    doc = {"version": dataclasses.asdict(info), "results": [_result_dict(r) for r in sorted(results, key=_json_order)]}
    return json.dumps(doc)


def version_json_chunks(info: VersionInfo, batches: Iterable[Sequence[RatedResult]]) -> Iterator[str]:
    """`version_json`'s text in pieces, from the version's results already in its order (task, energy, result
    id) a batch at a time: a version of 100,000 results is written without holding them all."""
    yield '{"version": ' + json.dumps(dataclasses.asdict(info)) + ', "results": ['
    first = True
    for batch in batches:
        for r in batch:
            yield ("" if first else ", ") + json.dumps(_result_dict(r))
            first = False
    yield "]}"


def safe_name(text: str) -> str:
    """A file-name-safe form of a version or task id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


class DownloadFolder:
    """Writes download files once per content: same content, same path (so repeated views are free)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root or tempfile.mkdtemp(prefix="aienergy-leaderboard-"))
        self.root.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, text: str) -> Path:
        """Path of a file named `name` holding `text`, written unless it already exists."""
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        path = self.root / digest / safe_name(name)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        return path

    def write_chunks(self, name: str, chunks: Iterable[str]) -> Path:
        """`write` for text given in pieces: streamed to disk while hashed, then kept under its hash."""
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for chunk in chunks:
                    digest.update(chunk.encode())
                    fh.write(chunk)
            path = self.root / digest.hexdigest()[:16] / safe_name(name)
            if path.exists():
                tmp.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return path
