"""Importing published leaderboard figures (the official AI Energy Score ratings) as a frozen version.

    python -m shared.store.reference_import --store FILE data/reference/aes_v1_feb2025 \\
        --version aes-v1-2025-02 --name "AI Energy Score v1, February 2025"

reads every `*.csv` of the folder (or one CSV file), checks all of it, and stores it as one published,
frozen leaderboard version whose results carry the provenance "published figure, reference runner, no
raw readings". Stars are computed by our rule over that version alone; the stars a file publishes are
kept beside them (`ResultRecord.stars_published`) and every difference is reported.

Three layouts are read (the header decides, column order aside):

- v1 per-task CSV (`<task>.csv`: model, total_gpu_energy, energy_score[, class]): the task is the
  file name (`question_answering` is extractive QA); `total_gpu_energy` is kWh per 1,000 queries.
- v2 `reasoning.csv` (the v1 columns, class, and the run's tokens, durations and energy figures):
  the same energy column and unit, task `reasoning`.
- the reference runner's `master_results.csv` (model_name, model_class, task, reasoning_state, ...,
  gpu_energy_wh, ...): `gpu_energy_wh` is the run's total over `successful_prompts` prompts, so the
  rated number is gpu_energy_wh x 1,000 / successful_prompts (or `wh_per_1000_queries` where the
  newer runner writes it); it publishes no stars.

An unknown layout, a missing or non-numeric energy, an unknown task or class, or a failed run is an
error naming file and line, and nothing is imported. Importing a version id that exists is refused
(versions are frozen): it is not idempotent, so a repeated command says so instead of doing nothing.

The store layer: never imports the bundle code.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol, runtime_checkable

from shared.method.tasks import TASKS
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import Store, StoreError, VersionInfo

LAYOUT_V1 = "v1 per-task CSV"
LAYOUT_V2_REASONING = "v2 reasoning.csv"
LAYOUT_MASTER = "reference runner master_results.csv"

V1_COLUMNS = frozenset({"model", "total_gpu_energy", "energy_score"})
V2_COLUMNS = frozenset(
    {
        "model",
        "total_gpu_energy",
        "energy_score",
        "class",
        "test date",
        "total_duration_seconds",
        "avg_latency_seconds",
        "total_tokens",
        "total_prompt_tokens",
        "total_completion_tokens",
        "throughput_tokens_per_second",
        "gpu_energy_wh",
        "co2_emissions_g",
        "tokens_per_joule",
        "avg_energy_per_prompt_wh",
    }
)
MASTER_REQUIRED = frozenset(
    {
        "model_name",
        "model_class",
        "task",
        "reasoning_state",
        "successful_prompts",
        "gpu_energy_wh",
        "error_message",
    }
)
# Every column the runner's versions have written (avg_latency_seconds was later renamed
# avg_total_time; time to first token and the per-prompt spread came later still).
MASTER_KNOWN = MASTER_REQUIRED | {
    "total_prompts",
    "failed_prompts",
    "total_duration_seconds",
    "avg_latency_seconds",
    "avg_total_time",
    "avg_time_to_first_token",
    "total_tokens",
    "total_prompt_tokens",
    "total_completion_tokens",
    "throughput_tokens_per_second",
    "wh_per_1000_queries",
    "energy_per_prompt_min_wh",
    "energy_per_prompt_max_wh",
    "energy_per_prompt_std_wh",
    "co2_emissions_g",
    "tokens_per_joule",
    "avg_energy_per_prompt_wh",
    "timestamp",
}

# File names (v1, v2) and task names (master_results.csv) the reference uses for our task ids.
TASK_ALIASES = {
    "question_answering": "extractive_qa",
    "text_gen": "text_generation",
    "image_gen": "image_generation",
    "text_class": "text_classification",
    "image_class": "image_classification",
    "sentence_sim": "sentence_similarity",
}
MAX_MODEL_ID_CHARS = 200  # Hub ids are at most 96; a longer cell is not a model id
REASONING_OFF = frozenset({"", "off", "n/a", "na", "none", "false", "no", "0"})
KWH_TO_WH = Decimal(1000)
PER_1K = Decimal(1000)
REFERENCE_HARDWARE = "NVIDIA H100 80GB"
RUNNER_V1 = "reference runner (optimum-benchmark energy_star, CodeCarbon)"
RUNNER_MASTER = "reference runner (batch runner, master_results.csv)"
IMPORT_SUBMITTER = "AI Energy Score (published figures)"
MAX_CSV_BYTES = 5_000_000  # far above any published leaderboard; keeps a wrong file from filling memory


class ReferenceImportError(StoreError):
    """The input cannot be imported; `problems` lists every reason, each naming file and line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        more = f"\n... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__("Nothing was imported:\n" + "\n".join(f"- {p}" for p in shown) + more)


@runtime_checkable
class PublishedVersionStore(Store, Protocol):
    """A store that can keep published figures as a frozen version (SQLite and the Hub dataset store)."""

    def import_published_version(
        self,
        version_id: str,
        name: str,
        notes: str,
        items: list[tuple[bytes, str, ResultRecord]],
        source_name: str,
    ) -> VersionInfo:
        """See SQLiteStore.import_published_version."""


@dataclass(frozen=True)
class PublishedFigure:
    """One published row, ready for the store.

    Attributes:
        record: The row as a record (Wh per 1,000 queries, provenance, published stars).
        source_bytes: What identifies the row (version, file, line, values): its stable ids derive from it.
        file_name: The CSV it was read from.
    """

    record: ResultRecord
    source_bytes: bytes
    file_name: str


@dataclass
class ImportOutcome:
    """What an import did.

    Attributes:
        version: The version stored.
        files: CSV files read.
        rows_imported: Results stored.
        stars_published: Rows whose file gave stars.
        stars_reproduced: Of those, rows where our stars equal the published ones.
        mismatches: One sentence per row whose stars differ.
        seconds: Wall time of reading, checking and storing.
    """

    version: VersionInfo
    files: list[str] = field(default_factory=list)
    rows_imported: int = 0
    stars_published: int = 0
    stars_reproduced: int = 0
    mismatches: list[str] = field(default_factory=list)
    seconds: float = 0.0


def task_for(name: str) -> str | None:
    """Our task id for a reference file or task name, or None if there is none."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = TASK_ALIASES.get(key, key)
    return key if key in TASKS else None


def layout_of(header: Sequence[str]) -> str | None:
    """Which known layout a header is (column order aside), or None."""
    cols = set(header)
    if len(cols) != len(header):
        return None
    if cols in (V1_COLUMNS, V1_COLUMNS | {"class"}):
        return LAYOUT_V1
    if cols == V2_COLUMNS:
        return LAYOUT_V2_REASONING
    if MASTER_REQUIRED <= cols <= MASTER_KNOWN:
        return LAYOUT_MASTER
    return None


def _number(text: str | None, column: str, where: str, problems: list[str]) -> Decimal | None:
    """The finite decimal in a cell, or None with a problem recorded."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(f"{where}: {column} is {text!r}, not a number.")
        return None
    return value


def _energy(value: Decimal | None, column: str, where: str, problems: list[str]) -> float | None:
    """The energy as a float, or None with a problem recorded."""
    if value is None:
        return None
    energy = float(value)
    # Checked after the conversion: 1e400 is a finite Decimal but an infinite float, 1e-400 a zero one.
    if not (math.isfinite(energy) and energy > 0):
        problems.append(f"{where}: {column} gives {value} Wh per 1,000 queries; an energy must be positive and finite.")
        return None
    return energy


def _model_id(text: str, column: str, where: str, problems: list[str]) -> str:
    """The model id of a row, or '' with a problem recorded (empty, too long, or with control characters)."""
    if not text:
        problems.append(f"{where}: {column} is empty.")
    elif len(text) > MAX_MODEL_ID_CHARS or not text.isprintable():
        problems.append(f"{where}: {column} {text[:60]!r} is not a model id (printable, at most {MAX_MODEL_ID_CHARS}).")
    else:
        return text
    return ""


def _stars(text: str, where: str, problems: list[str]) -> int | None:
    value = _number(text, "energy_score", where, problems)
    if value is None:
        return None
    if value != value.to_integral_value() or not 1 <= value <= 5:
        problems.append(f"{where}: energy_score is {text!r}; stars are whole numbers from 1 to 5.")
        return None
    return int(value)


def _model_class(task_id: str, text: str | None, where: str, problems: list[str]) -> str | None:
    """The class of a row: A/B/C for a task rated per class, else None (other tasks ignore it)."""
    if not TASKS[task_id].has_classes:
        return None
    cls = (text or "").strip().upper()
    if cls not in ("A", "B", "C"):
        shown = "missing" if text is None else repr(text)
        problems.append(f"{where}: class is {shown}; {task_id} is rated per class, so give A, B or C.")
        return None
    return cls


def _figure(
    version_id: str, label: str, file_name: str, line: int, row: dict[str, str], record: ResultRecord
) -> PublishedFigure:
    source = {"version": version_id, "file": f"{label}/{file_name}", "line": line, "row": row}
    return PublishedFigure(record, json.dumps(source, sort_keys=True).encode(), file_name)


def _record(
    task_id: str,
    model: str,
    energy_wh_per_1k: float,
    model_class: str | None,
    samples: int,
    runner: str,
    created_utc: str | None,
    config: dict[str, object],
    stars_published: int | None = None,
) -> ResultRecord:
    """The record of a published row; what the source does not give stays at the record's defaults
    (one repetition, no interval, no parameter count)."""
    return ResultRecord(
        task_id=task_id,
        model_id=model,
        gpu_energy_wh_per_1k=energy_wh_per_1k,
        model_class=model_class,
        samples=samples,
        hardware=REFERENCE_HARDWARE,
        source_format=FORMAT_PUBLISHED,
        runner=runner,
        created_utc=created_utc,
        config=config,
        provenance=PROVENANCE_PUBLISHED,
        stars_published=stars_published,
    )


def read_csv(path: Path, version_id: str, problems: list[str], label: str = "") -> list[PublishedFigure]:
    """Every row of one published CSV as figures; problems are appended to `problems`."""
    label = label or path.parent.name
    if path.stat().st_size > MAX_CSV_BYTES:
        problems.append(f"{path.name}: {path.stat().st_size:,} bytes, over the {MAX_CSV_BYTES:,} allowed.")
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start}).")
        return []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        problems.append(f"{path.name}: empty file, no header.")
        return []
    header = [h.strip() for h in rows[0]]
    layout = layout_of(header)
    if layout is None:
        problems.append(
            f"{path.name}: unknown column layout {header}. Known: {LAYOUT_V1} ({', '.join(sorted(V1_COLUMNS))}"
            f"[, class]); {LAYOUT_V2_REASONING}; {LAYOUT_MASTER} (at least {', '.join(sorted(MASTER_REQUIRED))})."
        )
        return []
    file_task = task_for(path.stem)
    if layout != LAYOUT_MASTER and file_task is None:
        problems.append(
            f"{path.name}: unknown task {path.stem!r}; name the file after a task ({', '.join(TASKS)}"
            f" or {', '.join(TASK_ALIASES)})."
        )
        return []
    out = []
    for line, cells in enumerate(rows[1:], start=2):
        where = f"{path.name} line {line}"
        if not any(c.strip() for c in cells):
            continue  # a blank line, e.g. at the end of a hand-edited file
        if len(cells) != len(header):
            problems.append(f"{where}: {len(cells)} cells for {len(header)} columns.")
            continue
        row = dict(zip(header, (c.strip() for c in cells), strict=True))
        n_before = len(problems)
        if layout == LAYOUT_MASTER:
            fig = _master_row(row, where, problems)
        else:
            assert file_task is not None
            fig = _published_row(file_task, layout, row, where, problems)
        if fig is not None and len(problems) == n_before:
            note = f"{label}/{path.name}, line {line}"
            record = dataclasses.replace(fig, source_note=note, source_file=path.name, source_line=line)
            out.append(_figure(version_id, label, path.name, line, row, record))
    if not out and not problems:
        problems.append(f"{path.name}: a header but no rows.")
    return out


def _published_row(
    task_id: str, layout: str, row: dict[str, str], where: str, problems: list[str]
) -> ResultRecord | None:
    """A v1 or v2 row: energy in kWh per 1,000 queries, stars as published."""
    model = _model_id(row["model"], "model", where, problems)
    kwh = _number(row["total_gpu_energy"], "total_gpu_energy", where, problems)
    # kWh per 1,000 queries -> Wh per 1,000 queries; Decimal keeps the published digits exact.
    energy = _energy(None if kwh is None else kwh * KWH_TO_WH, "total_gpu_energy", where, problems)
    stars = _stars(row["energy_score"], where, problems)
    cls = _model_class(task_id, row.get("class"), where, problems)
    if not model or energy is None or stars is None:
        return None
    extra = {k: v for k, v in row.items() if k not in V1_COLUMNS | {"class"}}
    return _record(
        task_id,
        model,
        energy,
        model_class=cls,
        samples=TASKS[task_id].samples,
        runner=RUNNER_V1,
        stars_published=stars,
        created_utc=row.get("test date") or None,
        config={"published_columns": extra, "layout": layout} if extra else {"layout": layout},
    )


def _master_row(row: dict[str, str], where: str, problems: list[str]) -> ResultRecord | None:
    """A master_results.csv row: the run's total over its successful prompts, per 1,000; no stars."""
    model = _model_id(row["model_name"], "model_name", where, problems)
    if row["error_message"]:
        problems.append(f"{where}: the run failed ({row['error_message'][:200]}); remove its row.")
        return None
    task_id = task_for(row["task"])
    reasoning_on = row["reasoning_state"].strip().lower() not in REASONING_OFF
    if task_id == "text_generation" and reasoning_on:
        task_id = "reasoning"  # reasoning is rated as a task of its own (docs/METHOD_CHOICES.md)
    if task_id is None:
        problems.append(f"{where}: unknown task {row['task']!r}.")
        return None
    if reasoning_on and task_id != "reasoning":
        problems.append(
            f"{where}: reasoning_state {row['reasoning_state']!r} on {task_id}: only text generation reasons."
        )
        return None
    cls = _model_class(task_id, row["model_class"], where, problems)
    prompts = _number(row["successful_prompts"], "successful_prompts", where, problems)
    if prompts is not None and (prompts <= 0 or prompts != prompts.to_integral_value()):
        problems.append(f"{where}: successful_prompts is {row['successful_prompts']!r}; a rated run has some.")
        prompts = None
    if row.get("wh_per_1000_queries"):
        per_1k = _number(row["wh_per_1000_queries"], "wh_per_1000_queries", where, problems)
        energy = _energy(per_1k, "wh_per_1000_queries", where, problems)
    else:
        total = _number(row["gpu_energy_wh"], "gpu_energy_wh", where, problems)
        per_1k = None if total is None or prompts is None else total * PER_1K / prompts
        energy = _energy(per_1k, "gpu_energy_wh", where, problems)
    if not model or energy is None or prompts is None:
        return None
    extra = {k: v for k, v in row.items() if k not in {"model_name", "model_class", "task", "error_message"}}
    return _record(
        task_id,
        model,
        energy,
        model_class=cls,
        samples=int(prompts),
        runner=RUNNER_MASTER,
        created_utc=row.get("timestamp") or None,
        config={"published_columns": extra, "layout": LAYOUT_MASTER},
    )


def read_published(source: Path, version_id: str) -> tuple[list[PublishedFigure], list[str]]:
    """(figures, files read) of a folder of CSVs or one CSV; raises ReferenceImportError listing every problem."""
    if source.is_dir():
        files = sorted(source.glob("*.csv"))
    elif source.is_file():
        files = [source]
    else:
        raise ReferenceImportError([f"{source}: no such file or folder."])
    if not files:
        raise ReferenceImportError([f"{source}: no .csv file in it."])
    label = source.name if source.is_dir() else source.parent.name
    problems: list[str] = []
    figures = [fig for path in files for fig in read_csv(path, version_id, problems, label)]
    if problems:
        raise ReferenceImportError(problems)
    return figures, [p.name for p in files]


def default_notes(source: Path) -> str:
    """The version's note: what its numbers are and where they come from."""
    return (
        f"Published figures imported from {source.name} ({PROVENANCE_PUBLISHED}). Stars are computed by the "
        "suite's rule over this version alone; see SOURCE.md beside the files."
    )


def import_published(store: Store, source: Path, version_id: str, name: str, notes: str | None = None) -> ImportOutcome:
    """Read, check and store published CSVs as version `version_id`; all or nothing.

    Raises ReferenceImportError (bad input) or StoreError (version exists, store cannot import).
    """
    started = time.perf_counter()
    if not isinstance(store, PublishedVersionStore):
        raise StoreError(f"{type(store).__name__} cannot store published figures.")
    if any(v.id == version_id.strip() for v in store.versions()):
        raise StoreError(
            f"Version {version_id} already exists; versions are frozen once published, so nothing was "
            "imported. Choose another version id to import these figures again."
        )
    figures, files = read_published(source, version_id.strip())
    info = store.import_published_version(
        version_id,
        name,
        default_notes(source) if notes is None else notes,
        [(f.source_bytes, f.file_name, f.record) for f in figures],
        IMPORT_SUBMITTER,
    )
    out = ImportOutcome(info, files, rows_imported=info.result_count)
    for rated in store.version_results(info.id):
        rec = rated.record
        if rec.stars_published is None:
            continue
        out.stars_published += 1
        mismatch = rec.stars_mismatch(rated.stars)
        if mismatch:
            out.mismatches.append(f"{rec.source_note}: {rec.model_id}: {mismatch}")
        else:
            out.stars_reproduced += 1
    out.seconds = time.perf_counter() - started
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m shared.store.reference_import`: import published CSVs as a frozen leaderboard version."""
    from shared.store.factory import open_store

    ap = argparse.ArgumentParser(prog="python -m shared.store.reference_import", description=main.__doc__)
    ap.add_argument("source", type=Path, help="folder of published CSVs (or one CSV file)")
    ap.add_argument("--store", type=Path, help="SQLite file (default: $AIENERGY_STORE or data/store/aienergy.sqlite3)")
    ap.add_argument("--version", required=True, help="version id, e.g. aes-v1-2025-02")
    ap.add_argument("--name", required=True, help='version name, e.g. "AI Energy Score v1, February 2025"')
    ap.add_argument("--notes", help="version notes (default: the provenance and the source folder)")
    args = ap.parse_args(argv)
    try:
        out = import_published(open_store(args.store), args.source, args.version, args.name, args.notes)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"imported {out.rows_imported} published figures from {len(out.files)} file(s) into version "
        f"{out.version.id} ({out.version.name}) in {out.seconds:.2f} s"
    )
    if out.stars_published:
        print(f"stars reproduced: {out.stars_reproduced} of {out.stars_published} published")
    for line in out.mismatches:
        print(f"mismatch: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
