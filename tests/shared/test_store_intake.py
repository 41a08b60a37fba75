"""The store's intake rules: content identity of a bundle, per-submitter quota, private file mode."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.records import ResultRecord
from shared.store.models import Attestation, Quota, StoreError, Submission, Submitter
from shared.store.quota import QuotaExceeded, SubmitterKey, check_quota, window_start
from shared.store.sqlite import SQLiteStore

TERMS = Attestation(True, True, True)
ALICE = Submitter(name="Alice", contact="Alice@Example.org")


def record(model: str = "acme/model", energy: float = 1.0) -> ResultRecord:
    """A minimal record of a task the store knows."""
    return ResultRecord(task_id="text_generation", model_id=model, gpu_energy_wh_per_1k=energy, model_class="A")


def add(
    store: SQLiteStore, data: bytes, content: str | None = None, who: Submitter = ALICE, quota: Quota | None = None
) -> tuple[Submission, bool]:
    """add_submission with the usual terms; returns (submission, created)."""
    return store.add_submission(data, "b.zip", record(), who, TERMS, [], content_sha256=content, quota=quota)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- content identity ----------------------------------------------------------------------------


def test_same_content_other_zip_is_a_duplicate(tmp_store: SQLiteStore) -> None:
    first, created = add(tmp_store, b"zip one", "c" * 64)
    again, created_again = add(tmp_store, b"zip two (other compression)", "c" * 64)
    assert created and not created_again
    assert again.id == first.id
    assert len(tmp_store.submissions()) == 1


def test_other_content_is_stored(tmp_store: SQLiteStore) -> None:
    add(tmp_store, b"zip one", "a" * 64)
    _, created = add(tmp_store, b"zip two", "b" * 64)
    assert created and len(tmp_store.submissions()) == 2


def test_ids_still_come_from_the_zip_sha(tmp_store: SQLiteStore) -> None:
    import hashlib

    sub, _ = add(tmp_store, b"zip one", "a" * 64)
    assert sub.id == f"sub_{hashlib.sha256(b'zip one').hexdigest()[:12]}"


def test_content_sha_is_unique_in_the_table(tmp_store: SQLiteStore) -> None:
    add(tmp_store, b"zip one", "a" * 64)
    with sqlite3.connect(tmp_store.path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE submissions SET content_sha256 = NULL")
        db.execute(
            "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name, attested_at, created_at,"
            " status, content_sha256) VALUES ('x', 'y', x'00', 'f', 'n', 't', 't', 'pending', ?)",
            ("a" * 64,),
        )
        db.execute(
            "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name, attested_at, created_at,"
            " status, content_sha256) VALUES ('x2', 'y2', x'00', 'f', 'n', 't', 't', 'pending', ?)",
            ("a" * 64,),
        )


def test_old_store_is_migrated_and_keeps_its_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    sub, _ = add(store, b"old zip")
    # Make it look like a store from before the column: drop the index and the column.
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX submissions_content")
        db.execute("ALTER TABLE submissions DROP COLUMN content_sha256")
    reopened = SQLiteStore(path)
    with sqlite3.connect(path) as db:
        assert "content_sha256" in {r[1] for r in db.execute("PRAGMA table_info(submissions)")}
    assert reopened.get_submission(sub.id) is not None
    # The zip's own sha still finds it; after filling, so does its content.
    assert add(reopened, b"old zip")[0].id == sub.id
    assert reopened.fill_content_sha256(lambda data: "d" * 64 if data == b"old zip" else None) == 1
    again, created = add(reopened, b"old zip, re-zipped", "d" * 64)
    assert not created and again.id == sub.id


# --- quota ----------------------------------------------------------------------------------------


def test_quota_counts_submissions_per_contact(tmp_store: SQLiteStore) -> None:
    quota = Quota(submissions_per_day=2, bytes_per_day=10**9)
    add(tmp_store, b"one", "1" * 64, quota=quota)
    add(tmp_store, b"two", "2" * 64, quota=quota)
    with pytest.raises(QuotaExceeded, match="Daily limit reached: you stored 2 submission"):
        add(tmp_store, b"three", "3" * 64, quota=quota)
    assert len(tmp_store.submissions()) == 2
    # The contact is compared case-blind; another submitter has their own allowance.
    with pytest.raises(QuotaExceeded):
        add(tmp_store, b"four", "4" * 64, who=Submitter("A.", "alice@example.ORG"), quota=quota)
    add(tmp_store, b"five", "5" * 64, who=Submitter("Bob", "bob@example.org"), quota=quota)
    # A duplicate is not stored, so the quota does not stop it.
    _sub, created = add(tmp_store, b"one", "1" * 64, quota=quota)
    assert not created


def test_quota_counts_bytes(tmp_store: SQLiteStore) -> None:
    quota = Quota(submissions_per_day=100, bytes_per_day=1000)
    add(tmp_store, b"x" * 600, "1" * 64, quota=quota)
    with pytest.raises(QuotaExceeded, match="over the limit of 0 MB"):
        add(tmp_store, b"y" * 600, "2" * 64, quota=quota)
    assert isinstance(QuotaExceeded("x"), StoreError)  # the service reports it like any refusal


def test_quota_is_keyed_by_hf_user_when_logged_in(tmp_store: SQLiteStore) -> None:
    quota = Quota(submissions_per_day=1, bytes_per_day=10**9)
    add(tmp_store, b"one", "1" * 64, who=Submitter("Alice", "a@x.org", "alice-hf"), quota=quota)
    # Another contact does not help a logged-in user.
    with pytest.raises(QuotaExceeded):
        add(tmp_store, b"two", "2" * 64, who=Submitter("Alice", "other@x.org", "Alice-HF"), quota=quota)
    assert SubmitterKey.of(Submitter("n", "c", "U")) == SubmitterKey(hf_username="u")
    assert SubmitterKey.of(Submitter("N", "")) == SubmitterKey(contact="n")


def test_quota_window_is_a_rolling_day(tmp_store: SQLiteStore) -> None:
    quota = Quota(submissions_per_day=1, bytes_per_day=10**9)
    add(tmp_store, b"one", "1" * 64, quota=quota)
    old = (datetime.now(UTC) - timedelta(hours=25)).isoformat(timespec="seconds")
    with sqlite3.connect(tmp_store.path) as db:
        db.execute("UPDATE submissions SET created_at = ?", (old,))
    add(tmp_store, b"two", "2" * 64, quota=quota)  # yesterday's does not count any more
    assert tmp_store.usage(ALICE) == (1, 3)
    assert window_start(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-01T00:00:00+00:00"


def test_check_quota_messages() -> None:
    check_quota(Quota(2, 100), 1, 50, 50)
    with pytest.raises(QuotaExceeded, match="limit is 2"):
        check_quota(Quota(2, 100), 2, 0, 1)
    with pytest.raises(QuotaExceeded, match="Nothing was stored"):
        check_quota(Quota(2, 100), 0, 60, 41)


# --- file mode ------------------------------------------------------------------------------------


def test_new_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "store.sqlite3"
    store = SQLiteStore(path)
    add(store, b"one", "1" * 64)
    assert mode(path) == 0o600
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            assert mode(side) & 0o077 == 0


def test_existing_store_is_tightened_on_open(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    SQLiteStore(path)
    os.chmod(path, 0o644)
    SQLiteStore(path)
    assert mode(path) == 0o600


def test_created_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "store.sqlite3"
        SQLiteStore(path)
    finally:
        os.umask(old)
    assert mode(path) == 0o600
