"""The embedded SQLite store (WAL, foreign keys, every write in one transaction, so a failure
leaves nothing half-written)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.method.scoring import scoring_group, stars_by_group
from shared.method.tasks import TASKS
from shared.records import ResultRecord
from shared.store.models import (
    DEFAULT_STORE_PATH,
    STATUS_APPROVED,
    STATUS_PENDING,
    STATUS_REJECTED,
    STORE_ENV,
    STORE_SCHEMA_VERSION,
    Attestation,
    RatedResult,
    StoreError,
    Submission,
    Submitter,
    VersionInfo,
    now_utc,
)


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions(
    id TEXT PRIMARY KEY,
    bundle_sha256 TEXT NOT NULL UNIQUE,
    bundle BLOB NOT NULL,
    filename TEXT NOT NULL,
    submitter_name TEXT NOT NULL,
    submitter_contact TEXT NOT NULL DEFAULT '',
    hf_username TEXT NOT NULL DEFAULT '',
    attested_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at TEXT NOT NULL DEFAULT '',
    warnings_json TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS results(
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id),
    task_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    model_class TEXT,
    gpu_energy_wh_per_1k REAL NOT NULL CHECK (gpu_energy_wh_per_1k > 0),
    record_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS results_task ON results(task_id);
CREATE TABLE IF NOT EXISTS versions(
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    published_at TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS version_results(
    version_id TEXT NOT NULL REFERENCES versions(id),
    result_id TEXT NOT NULL REFERENCES results(id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    PRIMARY KEY (version_id, result_id)
);
"""

_SUB_COLS = """s.id, s.bundle_sha256, s.filename, s.submitter_name, s.submitter_contact, s.hf_username,
    s.attested_at, s.created_at, s.status, s.review_reason, s.reviewed_by, s.reviewed_at,
    r.id, r.task_id, r.model_id, r.gpu_energy_wh_per_1k, s.warnings_json"""


def ids_for(bundle_sha256: str) -> tuple[str, str]:
    """(submission id, result id) of a bundle: derived from its hash, so links are stable."""
    return f"sub_{bundle_sha256[:12]}", f"res_{bundle_sha256[:12]}"


def _submission(row: tuple) -> Submission:
    *head, warnings_json = row
    return Submission(*head, warnings=tuple(json.loads(warnings_json)))  # type: ignore[misc]


class SQLiteStore:
    """The embedded SQLite store. Safe to share between threads: each call opens its own connection."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or os.environ.get(STORE_ENV) or DEFAULT_STORE_PATH)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._read() as db:
            # executescript commits on its own, so the schema is created outside _tx(); every
            # statement is idempotent (IF NOT EXISTS).
            db.executescript(_SCHEMA)
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(STORE_SCHEMA_VERSION),),
            )
            found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
        if int(found) != STORE_SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.path} has schema version {found}; this code reads "
                f"{STORE_SCHEMA_VERSION}. Point {STORE_ENV} at a store of this version."
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA busy_timeout=30000")
        return db

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole or rolled back whole."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # BEGIN itself may have failed (e.g. locked): keep that error
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            yield db
        finally:
            db.close()

    def add_submission(
        self,
        bundle: bytes,
        filename: str,
        record: ResultRecord,
        submitter: Submitter,
        attestation: Attestation,
        warnings: list[str] | None = None,
    ) -> tuple[Submission, bool]:
        """Store a validated bundle and its record in one transaction.

        Returns (submission, True) when stored now, (existing submission, False) when the same bundle
        was stored before. Raises StoreError when the attestation is incomplete or the submitter is
        unnamed.
        """
        if not attestation.complete:
            raise StoreError("All three attestation terms must be accepted before submitting.")
        if not submitter.name.strip() and not submitter.hf_username.strip():
            raise StoreError("Say who submits: log in with Hugging Face, or give a name.")
        if record.task_id not in TASKS:
            raise StoreError(f"Unknown task {record.task_id!r}.")
        digest = sha256_hex(bundle)
        sub_id, res_id = ids_for(digest)
        stamp = now_utc()
        with self._tx() as db:
            row = db.execute("SELECT id FROM submissions WHERE bundle_sha256 = ?", (digest,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name,"
                    " submitter_contact, hf_username, attested_at, created_at, status, warnings_json)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                    (
                        sub_id,
                        digest,
                        bundle,
                        filename[:255],
                        submitter.name.strip()[:200],
                        submitter.contact.strip()[:200],
                        submitter.hf_username.strip()[:100],
                        stamp,
                        stamp,
                        json.dumps(warnings or []),
                    ),
                )
                db.execute(
                    "INSERT INTO results(id, submission_id, task_id, model_id, model_class,"
                    " gpu_energy_wh_per_1k, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        res_id,
                        sub_id,
                        record.task_id,
                        record.model_id,
                        record.model_class,
                        record.gpu_energy_wh_per_1k,
                        record.to_json(),
                    ),
                )
        existing = self.get_submission(row[0] if row else sub_id)
        assert existing is not None
        return existing, row is None

    def get_submission(self, submission_id: str) -> Submission | None:
        """One submission by id, or None."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {_SUB_COLS} FROM submissions s JOIN results r ON r.submission_id = s.id WHERE s.id = ?",
                (submission_id.strip(),),
            ).fetchone()
        return _submission(row) if row else None

    def get_bundle(self, submission_id: str) -> bytes | None:
        """The stored bundle bytes, or None."""
        with self._read() as db:
            row = db.execute("SELECT bundle FROM submissions WHERE id = ?", (submission_id,)).fetchone()
        return bytes(row[0]) if row else None

    def submissions(self, status: str | None = None) -> list[Submission]:
        """Submissions, newest first, optionally only those of one status."""
        sql = f"SELECT {_SUB_COLS} FROM submissions s JOIN results r ON r.submission_id = s.id"
        args: tuple = ()
        if status:
            sql += " WHERE s.status = ?"
            args = (status,)
        with self._read() as db:
            rows = db.execute(sql + " ORDER BY s.created_at DESC, s.id", args).fetchall()
        return [_submission(r) for r in rows]

    def review(self, submission_id: str, approve: bool, reason: str, reviewer: str) -> Submission:
        """Approve or reject a pending submission; a rejection needs a reason."""
        if not approve and not reason.strip():
            raise StoreError("Give the reason for the rejection: the submitter will read it.")
        with self._tx() as db:
            row = db.execute("SELECT status FROM submissions WHERE id = ?", (submission_id,)).fetchone()
            if row is None:
                raise StoreError(f"No submission {submission_id!r}.")
            if row[0] != STATUS_PENDING:
                raise StoreError(f"Submission {submission_id} is already {row[0]}.")
            db.execute(
                "UPDATE submissions SET status = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ?",
                (
                    STATUS_APPROVED if approve else STATUS_REJECTED,
                    reason.strip()[:2000],
                    reviewer[:200],
                    now_utc(),
                    submission_id,
                ),
            )
        sub = self.get_submission(submission_id)
        assert sub is not None
        return sub

    def _rated(self, sql: str, args: tuple) -> list[RatedResult]:
        with self._read() as db:
            rows = db.execute(sql, args).fetchall()
        return [
            RatedResult(rid, sid, sha, ResultRecord.from_json(rec), stars, vid)
            for rid, sid, sha, rec, stars, vid in rows
        ]

    def approved_results(self) -> list[RatedResult]:
        """Every approved result, unrated: the candidates of the next version."""
        return self._rated(
            "SELECT r.id, s.id, s.bundle_sha256, r.record_json, NULL, NULL FROM results r"
            " JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'approved' ORDER BY r.id",
            (),
        )

    def publish_version(self, version_id: str, name: str, notes: str = "") -> VersionInfo:
        """Freeze all approved results into version `version_id`, with stars computed per group now.

        Older versions keep the stars frozen in them. Raises StoreError if the id is taken or there is
        nothing approved to publish.
        """
        version_id = version_id.strip()
        if not version_id or not name.strip():
            raise StoreError("A version needs an id (e.g. 2026-11) and a name (e.g. November 2026).")
        with self._tx() as db:
            if db.execute("SELECT 1 FROM versions WHERE id = ?", (version_id,)).fetchone():
                raise StoreError(f"Version {version_id} already exists; versions are frozen once published.")
            rows = db.execute(
                "SELECT r.id, r.task_id, r.model_class, r.gpu_energy_wh_per_1k FROM results r"
                " JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'approved'"
            ).fetchall()
            if not rows:
                raise StoreError("There is no approved result to publish.")
            stars = stars_by_group(
                (rid, scoring_group(task, cls, TASKS[task].has_classes), e) for rid, task, cls, e in rows
            )
            stamp = now_utc()
            db.execute(
                "INSERT INTO versions(id, name, published_at, notes) VALUES (?, ?, ?, ?)",
                (version_id, name.strip(), stamp, notes),
            )
            db.executemany(
                "INSERT INTO version_results(version_id, result_id, stars) VALUES (?, ?, ?)",
                [(version_id, rid, s) for rid, s in stars.items()],
            )
        return VersionInfo(version_id, name.strip(), stamp, notes, len(stars))

    def versions(self) -> list[VersionInfo]:
        """Published versions, newest first (ties within one second: the later publication first)."""
        with self._read() as db:
            rows = db.execute(
                "SELECT v.id, v.name, v.published_at, v.notes, COUNT(vr.result_id) FROM versions v"
                " LEFT JOIN version_results vr ON vr.version_id = v.id GROUP BY v.id"
                " ORDER BY v.published_at DESC, v.rowid DESC"
            ).fetchall()
        return [VersionInfo(*r) for r in rows]

    def version_results(self, version_id: str) -> list[RatedResult]:
        """The results of a version with the stars frozen in it."""
        return self._rated(
            "SELECT r.id, s.id, s.bundle_sha256, r.record_json, vr.stars, vr.version_id"
            " FROM version_results vr JOIN results r ON r.id = vr.result_id"
            " JOIN submissions s ON s.id = r.submission_id WHERE vr.version_id = ? ORDER BY r.id",
            (version_id,),
        )

    def get_result(self, result_id: str, version_id: str | None = None) -> RatedResult | None:
        """One result with its stars in `version_id`, or in the newest version that holds it."""
        version_clause = "AND vr.version_id = ?" if version_id else ""
        args: tuple = (result_id, version_id) if version_id else (result_id,)
        rows = self._rated(
            "SELECT r.id, s.id, s.bundle_sha256, r.record_json, vr.stars, vr.version_id FROM results r"
            " JOIN submissions s ON s.id = r.submission_id"
            " LEFT JOIN version_results vr ON vr.result_id = r.id"
            " LEFT JOIN versions v ON v.id = vr.version_id"
            f" WHERE r.id = ? {version_clause} ORDER BY v.published_at DESC, v.rowid DESC LIMIT 1",
            args,
        )
        return rows[0] if rows else None
