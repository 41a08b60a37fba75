"""Read-only queries for views that show a few results out of many: the landing page and the label app.

Neither may read every result on a request: the landing page lists the published versions (one small
query) and counts what each holds once (`version_counts`); the label app keeps, per version, only the
model ids and result ids of each task (`version_models`, no record parsed) and reads the one result it
shows with `Store.get_result`.

A published version never changes (publishing and importing create a new version; nothing edits one),
so what is read of a version may be kept by its id for the life of the process.

A `SQLiteStore` is read straight from its file with SQL; any other `Store` (the Hugging Face dataset
store keeps its own refresh logic) through its public interface (`versions`, `version_results`), which
parses the version's records once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.method.tasks import TASKS
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED
from shared.store.models import Store

# Ordered as `Store.versions()` orders them (newest first; ties within a second: the later one first).
_HEADS_SQL = "SELECT id, name, published_at, notes FROM versions ORDER BY published_at DESC, rowid DESC"
# A record without a key has its dataclass default (ResultRecord.from_json): not published, not a replica.
# A result without stars (NULL, store schema 2) was measured on another GPU than the H100: not rated, so it
# counts apart and in none of the rated figures.
_COUNTS_SQL = """SELECT COUNT(*), COALESCE(SUM(vr.stars IS NULL), 0),
    COUNT(DISTINCT CASE WHEN vr.stars IS NOT NULL THEN r.task_id END),
    COALESCE(SUM(vr.stars IS NOT NULL AND (json_extract(r.record_json, '$.source_format') = ?
                 OR json_extract(r.record_json, '$.provenance') = ?)), 0),
    COALESCE(SUM(vr.stars IS NOT NULL AND COALESCE(json_extract(r.record_json, '$.random_weights'), 0) != 0), 0)
    FROM version_results vr JOIN results r ON r.id = vr.result_id WHERE vr.version_id = ?"""
_MODELS_SQL = """SELECT r.task_id, r.model_id, r.id, vr.stars,
    COALESCE(json_extract(r.record_json, '$.random_weights'), 0) != 0
    FROM version_results vr JOIN results r ON r.id = vr.result_id WHERE vr.version_id = ? ORDER BY r.id"""
# The results of one model of one task in any published version, newest version first (a one-off look-up:
# the label app finds them in its `VersionModels` instead).
_FIND_SQL = """SELECT vr.version_id, r.id FROM results r
    JOIN version_results vr ON vr.result_id = r.id JOIN versions v ON v.id = vr.version_id
    WHERE r.task_id = ? AND r.model_id = ? ORDER BY v.published_at DESC, v.rowid DESC, r.id"""


def sqlite_path(store: Store) -> Path | None:
    """The file of an embedded SQLite store; None for any other store."""
    from shared.store.sqlite import SQLiteStore

    return store.path if isinstance(store, SQLiteStore) else None


@contextmanager
def _reader(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that cannot write (these queries never do), closed on exit."""
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    try:
        db.execute("PRAGMA query_only = ON")
        yield db
    finally:
        db.close()


@dataclass(frozen=True)
class VersionHead:
    """A published version as listed, without counting its results."""

    id: str
    name: str
    published_at: str
    notes: str = ""


def version_heads(store: Store) -> list[VersionHead]:
    """The published versions, newest first: one query on the versions table alone (no result is
    counted, so its cost does not grow with the number of results)."""
    path = sqlite_path(store)
    if path is None:
        return [VersionHead(v.id, v.name, v.published_at, v.notes) for v in store.versions()]
    with _reader(path) as db:
        return [VersionHead(*row) for row in db.execute(_HEADS_SQL)]


@dataclass(frozen=True)
class VersionCounts:
    """What one version holds, counted.

    Attributes:
        results: Its results, rated or not (as `VersionInfo.result_count`).
        unrated: Results without stars: measured on another GPU than the H100 (other hardware, not rated).
        tasks: Tasks with at least one rated result in it.
        published_figures: Rated results imported as published figures (no bundle, no raw readings here).
        replicas: Rated results measured on random-weight replicas.
    """

    results: int
    unrated: int
    tasks: int
    published_figures: int
    replicas: int


def version_counts(store: Store, version_id: str) -> VersionCounts:
    """Count what a version holds: one aggregate query (SQLite), no record parsed in Python."""
    path = sqlite_path(store)
    if path is None:
        results = store.version_results(version_id)
        rated = [r.record for r in results if r.stars is not None]
        return VersionCounts(
            len(results),
            len(results) - len(rated),
            len({r.task_id for r in rated}),
            sum(r.is_published_figure for r in rated),
            sum(bool(r.random_weights) for r in rated),
        )
    with _reader(path) as db:
        n, unrated, tasks, published, replicas = db.execute(
            _COUNTS_SQL, (FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, version_id)
        ).fetchone()
    return VersionCounts(int(n), int(unrated), int(tasks), int(published), int(replicas))


def _task_order(task_id: str) -> int:
    order = list(TASKS)
    return order.index(task_id) if task_id in order else len(order)


@dataclass(frozen=True)
class VersionModels:
    """The model ids and result ids of one version, per task: what the label app's pickers need.

    Attributes:
        version_id: The version.
        results: task id -> model id -> the model's result ids in this version (usually one), tasks in
            the registry's order, models sorted case-blind.
        best_real: (task id, model id, result id) of the version's best-rated real model (not a
            random-weight replica) of the first task that has one; None when it holds none.
    """

    version_id: str
    results: dict[str, dict[str, tuple[str, ...]]]
    best_real: tuple[str, str, str] | None


def version_models(store: Store, version_id: str) -> VersionModels:
    """Read a version's model ids and result ids (SQLite: one query of ids, stars and the replica flag;
    no record is parsed in Python)."""
    path = sqlite_path(store)
    if path is None:
        rows: list[tuple[str, str, str, int | None, bool]] = [
            (r.record.task_id, r.record.model_id, r.result_id, r.stars, bool(r.record.random_weights))
            for r in store.version_results(version_id)
        ]
    else:
        with _reader(path) as db:
            rows = db.execute(_MODELS_SQL, (version_id,)).fetchall()
    found: dict[str, dict[str, list[str]]] = {}
    best: tuple[int, int, str, str, str, str] | None = None
    for task_id, model_id, result_id, stars, replica in rows:
        found.setdefault(task_id, {}).setdefault(model_id, []).append(result_id)
        if not replica:
            rank = (_task_order(task_id), -(stars or 0), model_id.lower(), task_id, model_id, result_id)
            best = rank if best is None or rank < best else best
    results = {
        task_id: {m: tuple(found[task_id][m]) for m in sorted(found[task_id], key=str.lower)}
        for task_id in sorted(found, key=_task_order)
    }
    return VersionModels(version_id, results, best[3:] if best else None)


def find_published(store: Store, task_id: str, model_id: str) -> list[tuple[str, str]]:
    """(version id, result id) of every published result of `model_id` in `task_id`, newest version first."""
    path = sqlite_path(store)
    if path is None:
        return [
            (v.id, r.result_id)
            for v in store.versions()
            for r in store.version_results(v.id)
            if r.record.task_id == task_id and r.record.model_id == model_id
        ]
    with _reader(path) as db:
        return [(str(v), str(r)) for v, r in db.execute(_FIND_SQL, (task_id, model_id))]
