"""Read-only queries that stream a version's results in batches, for readers that must not hold a whole
version in memory at once (the leaderboard's index, the version's JSON download).

A `SQLiteStore` is read straight from its file with SQL, a batch at a time; any other `Store` (a Hugging
Face dataset store keeps its own refresh logic) is read through `Store.version_results` and cut into
batches (its results are then in memory at once).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from shared.records import ResultRecord
from shared.store.models import RatedResult, Store

BATCH = 2000
# The orders a version's results can be streamed in: by result id (`Store.version_results`' order), or
# by (task, energy, result id) (the version JSON's order).
ORDERS = {"id": "r.id", "task_energy": "r.task_id, r.gpu_energy_wh_per_1k, r.id"}
_VERSION_SQL = (
    "SELECT r.id, s.id, s.bundle_sha256, r.record_json, vr.stars, vr.version_id"
    " FROM version_results vr JOIN results r ON r.id = vr.result_id"
    " JOIN submissions s ON s.id = r.submission_id WHERE vr.version_id = ? ORDER BY {order}"
)


def sqlite_path(store: Store) -> Path | None:
    """The file of an embedded SQLite store; None for any other store."""
    from shared.store.sqlite import SQLiteStore

    return store.path if isinstance(store, SQLiteStore) else None


def _sort_key(r: RatedResult) -> tuple[str, float, str]:
    return r.record.task_id, r.record.gpu_energy_wh_per_1k, r.result_id


def iter_version_results(
    store: Store, version_id: str, order: str = "id", batch: int = BATCH
) -> Iterator[list[RatedResult]]:
    """A version's results with the stars frozen in it, `batch` at a time, in `order` (a key of ORDERS).

    For a SQLite-backed store only one batch of parsed records is in memory at a time.
    """
    if order not in ORDERS:
        raise KeyError(f"Unknown order {order!r}; use one of: {', '.join(ORDERS)}.")
    path = sqlite_path(store)
    if path is None:
        found = store.version_results(version_id)
        if order == "task_energy":
            found = sorted(found, key=_sort_key)
        for i in range(0, len(found), batch):
            yield found[i : i + batch]
        return
    db = sqlite3.connect(path, timeout=30, check_same_thread=False)
    try:
        db.execute("PRAGMA query_only = ON")  # readers of a version never write the store
        cursor = db.execute(_VERSION_SQL.format(order=ORDERS[order]), (version_id,))
        while rows := cursor.fetchmany(batch):
            yield [
                RatedResult(rid, sid, sha, ResultRecord.from_json(rec), stars, vid)
                for rid, sid, sha, rec, stars, vid in rows
            ]
    finally:
        db.close()
