"""`python -m leaderboard export`: a published version's rows on stdout, as CSV or JSON.

    python -m leaderboard export --store FILE --list-versions
    python -m leaderboard export --store FILE --version aes-v1-2025-02 --format csv

One row per result: model, task, class, GPU energy in Wh per 1,000 queries, the stars frozen in the
version, the stars the source published (imported figures only) and the provenance; then the GPU, the
rating ("rated", or "not rated (H200)" for a result measured on another GPU than the H100, whose stars
are empty) and the backend that ran the model. Rows of
imported figures keep the order of their source files (file, then line), so the official version's
CSV lines up with the shipped files row for row; other rows are ordered by task, energy and model.

The store is only read: a missing store file is an error, never created.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from leaderboard.backend import backend_text
from leaderboard.table import rating_text
from shared.store.models import STORE_ENV, RatedResult, Store, StoreError, VersionInfo
from shared.web.csv_safe import safe_cell

CSV_FIELDS = (
    "model",
    "task",
    "class",
    "energy_wh_per_1k",
    "stars",
    "stars_published",
    "provenance",
    "source",
    "result_id",
    "hardware",
    "rating",
    "backend",
)
MEASURED = "measured: bundle validated by this suite"


@dataclass(frozen=True)
class ExportRow:
    """One exported result.

    Attributes:
        model: Hub id.
        task: Task id.
        model_class: A/B/C, or "" for tasks without classes.
        energy_wh_per_1k: GPU energy, Wh per 1,000 queries.
        stars: Stars frozen in the version.
        stars_published: Stars the source published, or None.
        provenance: What the number is (MEASURED for a validated bundle).
        source: File and line of an imported figure, else "".
        result_id: The result's id in the store.
        hardware: GPU the result was measured on, as recorded.
        rating: 'rated', or 'not rated (<GPU>)' for a result measured on another GPU than the H100.
        backend: What ran the model ('transformers', 'endpoint: <server>', 'reference runner').
    """

    model: str
    task: str
    model_class: str
    energy_wh_per_1k: float
    stars: int | None
    stars_published: int | None
    provenance: str
    source: str
    result_id: str
    hardware: str = ""
    rating: str = ""
    backend: str = ""

    def as_dict(self) -> dict[str, object]:
        """The row with the CSV's field names."""
        return {
            "model": self.model,
            "task": self.task,
            "class": self.model_class,
            "energy_wh_per_1k": self.energy_wh_per_1k,
            "stars": self.stars,
            "stars_published": self.stars_published,
            "provenance": self.provenance,
            "source": self.source,
            "result_id": self.result_id,
            "hardware": self.hardware,
            "rating": self.rating,
            "backend": self.backend,
        }


def _order(r: RatedResult) -> tuple[int, str, int, str, float, str]:
    """Imported figures first, in source order (file, line); then by task, energy and model."""
    rec = r.record
    if rec.source_file:
        return (0, rec.source_file, rec.source_line or 0, "", 0.0, r.result_id)
    return (1, "", 0, rec.task_id, rec.gpu_energy_wh_per_1k, rec.model_id)


def export_rows(results: Sequence[RatedResult]) -> list[ExportRow]:
    """A version's results as export rows, in export order."""
    return [
        ExportRow(
            model=r.record.model_id,
            task=r.record.task_id,
            model_class=r.record.model_class or "",
            energy_wh_per_1k=r.record.gpu_energy_wh_per_1k,
            stars=r.stars,
            stars_published=r.record.stars_published,
            provenance=r.record.provenance or MEASURED,
            source=r.record.source_note,
            result_id=r.result_id,
            hardware=r.record.hardware,
            rating=rating_text(r.record),
            backend=backend_text(r.record),
        )
        for r in sorted(results, key=_order)
    ]


def to_csv(rows: Sequence[ExportRow]) -> str:
    """CSV text, header first; energies as Python's shortest exact float text (19.010862, not 19.01)."""
    buf = io.StringIO()
    # RFC 4180 line ends: the writer then also quotes a cell holding a bare CR, which "\n" alone would not.
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(CSV_FIELDS)
    for row in rows:
        cells = row.as_dict()
        out.writerow(_cell(cells[name]) for name in CSV_FIELDS)
    return buf.getvalue()


def _cell(value: object) -> str:
    """A CSV cell: '' for None, text made inert for spreadsheets, numbers as their shortest exact text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return str(safe_cell(value))  # a model id like =HYPERLINK(...) gets a leading apostrophe
    return repr(value)


def to_json(info: VersionInfo, rows: Sequence[ExportRow]) -> str:
    """JSON text: the version's metadata and its rows."""
    doc = {
        "version": {"id": info.id, "name": info.name, "published_at": info.published_at, "notes": info.notes},
        "rows": [row.as_dict() for row in rows],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def find_version(store: Store, wanted: str) -> VersionInfo:
    """The version whose id (or, failing that, exact name) is `wanted`; StoreError naming the known ids."""
    found = store.versions()
    for v in found:
        if v.id == wanted.strip():
            return v
    for v in found:
        if v.name == wanted.strip():
            return v
    known = ", ".join(v.id for v in found) or "none published"
    raise StoreError(f"No version {wanted!r} in the store (versions: {known}).")


def _open(path: Path | None) -> Store:
    from shared.store.factory import open_store

    if path is not None and not path.is_file():
        raise StoreError(f"No store file at {path}.")
    if path is None and not os.environ.get(STORE_ENV) and not os.environ.get("AIENERGY_STORE_BACKEND"):
        from shared.store.models import DEFAULT_STORE_PATH

        if not DEFAULT_STORE_PATH.is_file():
            raise StoreError(f"No store file at {DEFAULT_STORE_PATH}; pass --store FILE.")
    return open_store(path)


def main(argv: list[str] | None = None) -> int:
    """Write a published version's rows (model, task, class, Wh per 1,000 queries, stars, provenance)."""
    ap = argparse.ArgumentParser(prog="python -m leaderboard export", description=main.__doc__)
    ap.add_argument("--store", type=Path, help=f"SQLite file (default: ${STORE_ENV} or data/store/aienergy.sqlite3)")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--version", help="version id (or exact name) to export")
    what.add_argument("--list-versions", action="store_true", help="print the version ids, newest first, one a line")
    ap.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default: csv)")
    args = ap.parse_args(argv)
    try:
        store = _open(args.store)
        if args.list_versions:
            sys.stdout.write("".join(f"{v.id}\n" for v in store.versions()))
            return 0
        info = find_version(store, args.version)
        rows = export_rows(store.version_results(info.id))
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(to_csv(rows) if args.format == "csv" else to_json(info, rows))
    return 0
