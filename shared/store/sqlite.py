"""The embedded SQLite store (WAL, foreign keys, every write in one transaction, so a failure
leaves nothing half-written)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from shared.method.scoring import stars_by_group
from shared.method.tasks import TASKS
from shared.records import ResultRecord
from shared.store.models import (
    DEFAULT_STORE_PATH,
    PRIVATE_FILE_MODE,
    STATUS_APPROVED,
    STATUS_PENDING,
    STATUS_REJECTED,
    STORE_ENV,
    STORE_SCHEMA_VERSION,
    Attestation,
    Quota,
    RatedResult,
    StoreError,
    Submission,
    Submitter,
    VersionInfo,
    now_utc,
    record_group,
)
from shared.store.quota import SubmitterKey, check_quota, window_start


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
    stars INTEGER CHECK (stars IS NULL OR stars BETWEEN 1 AND 5),
    PRIMARY KEY (version_id, result_id)
);
-- Results imported as published figures (shared/store/reference_import.py): they live in a frozen
-- version of their own, so they are never candidates of a version we publish, nor queue entries.
CREATE TABLE IF NOT EXISTS published_imports(
    submission_id TEXT PRIMARY KEY REFERENCES submissions(id),
    version_id TEXT NOT NULL REFERENCES versions(id)
);
"""
# Keeps imported published figures out of the review queue and of the next published version.
_NOT_IMPORTED = "s.id NOT IN (SELECT submission_id FROM published_imports)"

_SUB_COLS = """s.id, s.bundle_sha256, s.filename, s.submitter_name, s.submitter_contact, s.hf_username,
    s.attested_at, s.created_at, s.status, s.review_reason, s.reviewed_by, s.reviewed_at,
    r.id, r.task_id, r.model_id, r.gpu_energy_wh_per_1k, s.warnings_json,
    COALESCE(json_extract(r.record_json, '$.hardware'), '')"""


def _add_content_identity(db: sqlite3.Connection) -> None:
    """Migrate a store without `content_sha256` (the identity of a bundle's files, whatever the zip).

    Idempotent. Existing rows keep their ids and get NULL, which the unique index allows many times:
    they are still found by their zip's sha256, and `SQLiteStore.fill_content_sha256` can fill them.
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(submissions)")}
    if "content_sha256" not in columns:
        db.execute("ALTER TABLE submissions ADD COLUMN content_sha256 TEXT")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS submissions_content ON submissions(content_sha256)")
    # The quota counts a submitter's recent submissions: keep that lookup off a full scan.
    db.execute("CREATE INDEX IF NOT EXISTS submissions_created ON submissions(created_at)")


# Schema version 1 held `version_results.stars INTEGER NOT NULL`: every result of a version was rated.
_VERSION_RESULTS_V2 = """CREATE TABLE version_results_v2(
    version_id TEXT NOT NULL REFERENCES versions(id),
    result_id TEXT NOT NULL REFERENCES results(id),
    stars INTEGER CHECK (stars IS NULL OR stars BETWEEN 1 AND 5),
    PRIMARY KEY (version_id, result_id)
)"""


def _stars_nullable(db: sqlite3.Connection) -> bool:
    """True when `version_results.stars` accepts NULL (schema version 2 and later)."""
    return not any(row[1] == "stars" and row[3] for row in db.execute("PRAGMA table_info(version_results)"))


def _migrate(db: sqlite3.Connection, found: int) -> None:
    """Bring a store of an older schema version to STORE_SCHEMA_VERSION, inside the caller's transaction.

    1 -> 2: `version_results.stars` becomes nullable (results measured on another GPU than the H100 are
    published without stars). SQLite cannot drop a NOT NULL constraint in place, so the table is rebuilt
    (create, copy every row, drop, rename): all or nothing, since the caller's transaction holds it.
    Nothing references version_results, so the foreign keys stay as they are.
    """
    if not _stars_nullable(db):
        before = db.execute("SELECT COUNT(*) FROM version_results").fetchone()[0]
        db.execute(_VERSION_RESULTS_V2)
        db.execute(
            "INSERT INTO version_results_v2(version_id, result_id, stars)"
            " SELECT version_id, result_id, stars FROM version_results"
        )
        db.execute("DROP TABLE version_results")
        db.execute("ALTER TABLE version_results_v2 RENAME TO version_results")
        after = db.execute("SELECT COUNT(*) FROM version_results").fetchone()[0]
        if after != before:  # cannot happen; the transaction is rolled back rather than lose a row
            raise StoreError(f"Migrating the store lost rows ({before} -> {after}); nothing was changed.")
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(STORE_SCHEMA_VERSION),))


def _private(path: Path) -> None:
    """Create `path` readable by its owner only, or tighten it: the store holds submitters' contacts.

    SQLite gives its -wal and -shm files the mode of the database file, and they are tightened too.
    """
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE))
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if file.exists() and (file.stat().st_mode & 0o777) != PRIVATE_FILE_MODE:
                os.chmod(file, PRIVATE_FILE_MODE)
        except OSError:
            pass  # not ours to change (e.g. a read-only copy): reading it must still work


def ids_for(bundle_sha256: str) -> tuple[str, str]:
    """(submission id, result id) of a bundle: derived from its hash, so links are stable."""
    return f"sub_{bundle_sha256[:12]}", f"res_{bundle_sha256[:12]}"


RESULT_INSERT = (
    "INSERT INTO results(id, submission_id, task_id, model_id, model_class,"
    " gpu_energy_wh_per_1k, record_json) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def result_row(res_id: str, sub_id: str, record: ResultRecord) -> tuple[object, ...]:
    """The values of `RESULT_INSERT` for one result record."""
    return (
        res_id,
        sub_id,
        record.task_id,
        record.model_id,
        record.model_class,
        record.gpu_energy_wh_per_1k,
        record.to_json(),
    )


def _submission(row: tuple) -> Submission:
    *head, warnings_json, hardware = row
    return Submission(*head, warnings=tuple(json.loads(warnings_json)), hardware=str(hardware))  # type: ignore[misc]


class SQLiteStore:
    """The embedded SQLite store. Safe to share between threads: each call opens its own connection."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path or os.environ.get(STORE_ENV) or DEFAULT_STORE_PATH)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _private(self.path)
        with self._read() as db:
            # executescript commits on its own, so the schema is created outside _tx(); every
            # statement is idempotent (IF NOT EXISTS).
            db.executescript(_SCHEMA)
            _add_content_identity(db)
        _private(self.path)
        with self._tx() as db:
            # A new store is born at this version; an older one says its own, and is migrated below.
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(STORE_SCHEMA_VERSION),),
            )
            found = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
            try:
                version = int(found)
            except ValueError:
                version = -1
            # The table's own shape decides too: a file whose meta row went missing was just stamped current.
            if 1 <= version < STORE_SCHEMA_VERSION or (version == STORE_SCHEMA_VERSION and not _stars_nullable(db)):
                _migrate(db, version)
        if not 1 <= version <= STORE_SCHEMA_VERSION:
            raise StoreError(
                f"The store at {self.path} has schema version {found}; this code reads versions 1 to "
                f"{STORE_SCHEMA_VERSION}. Point {STORE_ENV} at a store of such a version, or update the code."
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
        content_sha256: str | None = None,
        quota: Quota | None = None,
    ) -> tuple[Submission, bool]:
        """Store a validated bundle and its record in one transaction.

        Returns (submission, True) when stored now, (existing submission, False) when the same bundle
        was stored before: the same zip bytes, or the same files (`content_sha256`, the identity of the
        bundle's files that the caller computes) zipped again. Raises StoreError when the attestation
        is incomplete or the submitter is unnamed, and QuotaExceeded (a StoreError) when storing it
        would pass the submitter's `quota`; nothing is stored then.
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
            row = db.execute(
                "SELECT id FROM submissions WHERE bundle_sha256 = ? OR (? IS NOT NULL AND content_sha256 = ?)"
                " ORDER BY created_at LIMIT 1",
                (digest, content_sha256, content_sha256),
            ).fetchone()
            if row is None and quota is not None:
                # Inside the transaction (BEGIN IMMEDIATE): concurrent uploads cannot all pass the check.
                check_quota(quota, *self._usage(db, SubmitterKey.of(submitter), window_start()), len(bundle))
            if row is None:
                db.execute(
                    "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name,"
                    " submitter_contact, hf_username, attested_at, created_at, status, warnings_json,"
                    " content_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
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
                        content_sha256,
                    ),
                )
                db.execute(RESULT_INSERT, result_row(res_id, sub_id, record))
        existing = self.get_submission(row[0] if row else sub_id)
        assert existing is not None
        return existing, row is None

    @staticmethod
    def _usage(db: sqlite3.Connection, key: SubmitterKey, since: str) -> tuple[int, int]:
        """(submissions, bundle bytes) stored by `key` since `since` (an ISO timestamp)."""
        if key.hf_username:
            where, arg = "lower(hf_username) = ?", key.hf_username
        else:
            # Anonymous submitters are counted by contact, or by name when they gave no contact.
            who = "CASE WHEN submitter_contact != '' THEN submitter_contact ELSE submitter_name END"
            where = f"hf_username = '' AND lower({who}) = ?"
            arg = key.contact
        count, size = db.execute(
            f"SELECT COUNT(*), COALESCE(SUM(length(bundle)), 0) FROM submissions WHERE created_at >= ? AND {where}",
            (since, arg),
        ).fetchone()
        return int(count), int(size)

    def usage(self, submitter: Submitter, since: str | None = None) -> tuple[int, int]:
        """(submissions, bundle bytes) the submitter stored in the last 24 hours (or since `since`)."""
        with self._read() as db:
            return self._usage(db, SubmitterKey.of(submitter), since or window_start())

    def fill_content_sha256(self, identity: Callable[[bytes], str | None]) -> int:
        """Fill `content_sha256` of rows stored before it existed; returns how many were filled.

        `identity` maps bundle bytes to their content identity (the store cannot read bundles itself:
        it never imports shared.bundle). A row whose content is already stored under another id keeps
        NULL: both ids stay valid, and a new upload of that content finds the older one.
        """
        with self._read() as db:
            todo = [r[0] for r in db.execute("SELECT id FROM submissions WHERE content_sha256 IS NULL")]
        filled = 0
        for sid in todo:
            data = self.get_bundle(sid)
            content = identity(data) if data is not None else None
            if not content:
                continue
            with self._tx() as db:
                if db.execute("SELECT 1 FROM submissions WHERE content_sha256 = ?", (content,)).fetchone():
                    continue
                db.execute(
                    "UPDATE submissions SET content_sha256 = ? WHERE id = ? AND content_sha256 IS NULL", (content, sid)
                )
                filled += 1
        return filled

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
        sql = f"SELECT {_SUB_COLS} FROM submissions s JOIN results r ON r.submission_id = s.id WHERE {_NOT_IMPORTED}"
        args: tuple = ()
        if status:
            sql += " AND s.status = ?"
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
            f" JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'approved' AND {_NOT_IMPORTED}"
            " ORDER BY r.id",
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
                "SELECT r.id, r.record_json FROM results r"
                f" JOIN submissions s ON s.id = r.submission_id WHERE s.status = 'approved' AND {_NOT_IMPORTED}"
            ).fetchall()
            if not rows:
                raise StoreError("There is no approved result to publish.")
            records = {rid: ResultRecord.from_json(rec) for rid, rec in rows}
            # A result measured on another GPU than the H100 has no group: it joins the version without stars
            # (NULL), and no H100 result's stars depend on it.
            rated = stars_by_group((rid, record_group(r), r.gpu_energy_wh_per_1k) for rid, r in records.items())
            stars = {rid: rated.get(rid) for rid in records}
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

    def import_published_version(
        self,
        version_id: str,
        name: str,
        notes: str,
        items: Sequence[tuple[bytes, str, ResultRecord]],
        source_name: str,
    ) -> VersionInfo:
        """Store published figures as a new frozen version of their own, in one transaction.

        `items` are (source bytes, file name, record): the bytes identify the figure (its version, file,
        line and text) and give its stable ids, as a bundle's bytes do. Each figure is kept as an approved
        submission of `source_name`, marked imported, so it never enters the review queue or a version we
        publish. Stars are computed now by our rule, per scoring group, over these figures only (a
        different runner's numbers are never rated together with ours). Raises StoreError, importing
        nothing, if the version exists, a task is unknown, an energy is not positive or a figure repeats.
        """
        version_id, name = version_id.strip(), name.strip()
        if not version_id or not name:
            raise StoreError("A version needs an id (e.g. aes-v1-2025-02) and a name.")
        if not items:
            raise StoreError("There is no published figure to import.")
        rows = []
        for data, filename, record in items:
            if record.task_id not in TASKS:
                raise StoreError(f"Unknown task {record.task_id!r} ({filename}).")
            if not record.gpu_energy_wh_per_1k > 0:
                raise StoreError(f"{filename}: energy must be positive, got {record.gpu_energy_wh_per_1k!r}.")
            rows.append((*ids_for(sha256_hex(data)), sha256_hex(data), data, filename, record))
        if len({r[0] for r in rows}) != len(rows):
            raise StoreError("Two figures have the same source bytes: each must name its own file and line.")
        stars = stars_by_group(
            (res_id, record_group(rec), rec.gpu_energy_wh_per_1k) for _, res_id, _, _, _, rec in rows
        )
        stamp = now_utc()
        with self._tx() as db:
            if db.execute("SELECT 1 FROM versions WHERE id = ?", (version_id,)).fetchone():
                raise StoreError(
                    f"Version {version_id} already exists; versions are frozen once published, so nothing "
                    "was imported. Choose another version id to import these figures again."
                )
            db.execute(
                "INSERT INTO versions(id, name, published_at, notes) VALUES (?, ?, ?, ?)",
                (version_id, name, stamp, notes),
            )
            for sub_id, res_id, digest, data, filename, rec in rows:
                if db.execute("SELECT 1 FROM submissions WHERE id = ?", (sub_id,)).fetchone():
                    raise StoreError(f"{filename}: this figure is already stored ({sub_id}); nothing was imported.")
                db.execute(
                    "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name, attested_at,"
                    " created_at, status, review_reason, reviewed_by, reviewed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'approved', ?, 'reference-import', ?)",
                    (sub_id, digest, data, filename[:255], source_name[:200], stamp, stamp, rec.provenance, stamp),
                )
                db.execute(RESULT_INSERT, result_row(res_id, sub_id, rec))
                db.execute(
                    "INSERT INTO published_imports(submission_id, version_id) VALUES (?, ?)", (sub_id, version_id)
                )
                db.execute(
                    "INSERT INTO version_results(version_id, result_id, stars) VALUES (?, ?, ?)",
                    (version_id, res_id, stars.get(res_id)),
                )
        return VersionInfo(version_id, name, stamp, notes, len(rows))
