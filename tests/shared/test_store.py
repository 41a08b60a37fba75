"""The embedded SQLite store (shared/store/sqlite.py): pragmas, submissions, review, atomic writes, threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import shared.store.sqlite as store_mod
from shared.bundle.make import sha256_hex
from shared.bundle.validate import validate_bundle
from shared.records import ResultRecord
from shared.store.factory import open_store
from shared.store.models import (
    DEFAULT_STORE_PATH,
    STATUS_APPROVED,
    STATUS_PENDING,
    STATUS_REJECTED,
    STORE_ENV,
    Attestation,
    StoreError,
    Submitter,
)
from shared.store.sqlite import SQLiteStore, ids_for
from testkit.factory import make_bundle_bytes

YES = Attestation(True, True, True)
ME = Submitter(name="Ada", contact="ada@example.org", hf_username="ada")


def record(
    model: str = "acme/m", energy: float = 2.0, task: str = "text_generation", cls: str | None = "A"
) -> ResultRecord:
    return ResultRecord(task_id=task, model_id=model, gpu_energy_wh_per_1k=energy, model_class=cls, samples=1000)


def add(store: SQLiteStore, model: str = "acme/m", energy: float = 2.0, **kw):
    """Store a synthetic submission (the store does not validate bundles; the portal does)."""
    bundle = f"bundle of {model} {energy} {kw}".encode()
    return store.add_submission(bundle, f"{model}.zip", record(model, energy, **kw), ME, YES)


def count(store: SQLiteStore, table: str) -> int:
    with sqlite3.connect(store.path) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_wal_and_foreign_keys(tmp_store: SQLiteStore) -> None:
    db = tmp_store._connect()
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        db.close()
    with sqlite3.connect(tmp_store.path) as raw:  # WAL is a property of the file
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_foreign_keys_are_enforced(tmp_store: SQLiteStore) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), tmp_store._tx() as db:
        db.execute(
            "INSERT INTO results(id, submission_id, task_id, model_id, gpu_energy_wh_per_1k, record_json)"
            " VALUES ('r', 'no-such-submission', 'asr', 'm', 1.0, '{}')"
        )
    assert count(tmp_store, "results") == 0


def test_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "elsewhere" / "store.sqlite3"
    monkeypatch.setenv(STORE_ENV, str(target))
    store = SQLiteStore()
    assert store.path == target and target.exists()
    assert isinstance(open_store(tmp_path / "x.sqlite3"), SQLiteStore)


def test_default_path_is_under_data() -> None:
    assert DEFAULT_STORE_PATH.parts[-3:] == ("data", "store", "aienergy.sqlite3")


def test_schema_version_mismatch_refused(tmp_store: SQLiteStore) -> None:
    with sqlite3.connect(tmp_store.path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        SQLiteStore(tmp_store.path)


def test_reopening_keeps_data(tmp_store: SQLiteStore) -> None:
    sub, _ = add(tmp_store)
    assert SQLiteStore(tmp_store.path).get_submission(sub.id) == sub


def test_add_and_get_a_real_bundle(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes()
    rep = validate_bundle(data)
    sub, new = tmp_store.add_submission(data, "run.zip", rep.record, ME, YES, ["a warning"])
    assert new
    assert (sub.id, sub.result_id) == ids_for(sha256_hex(data))
    assert sub.bundle_sha256 == sha256_hex(data) == rep.bundle_sha256
    assert (sub.status, sub.filename, sub.submitter_name, sub.submitter_contact, sub.hf_username) == (
        STATUS_PENDING,
        "run.zip",
        "Ada",
        "ada@example.org",
        "ada",
    )
    assert sub.attested_at and sub.created_at and sub.review_reason == ""
    assert sub.warnings == ("a warning",)
    assert (sub.task_id, sub.model_id, sub.gpu_energy_wh_per_1k) == (
        "text_generation",
        "acme/tiny-model",
        rep.record.gpu_energy_wh_per_1k,
    )
    assert tmp_store.get_bundle(sub.id) == data
    assert tmp_store.get_submission(sub.id) == sub
    assert tmp_store.get_submission(" " + sub.id + " ") == sub
    assert tmp_store.get_submission("sub_nope") is None and tmp_store.get_bundle("sub_nope") is None
    # the record survives the round trip
    stored = tmp_store.get_result(sub.result_id)
    assert stored is not None and stored.record == rep.record and stored.stars is None


def test_same_bundle_is_stored_once(tmp_store: SQLiteStore) -> None:
    first, new1 = add(tmp_store)
    again, new2 = add(tmp_store)
    assert (new1, new2) == (True, False)
    assert again == first
    assert count(tmp_store, "submissions") == count(tmp_store, "results") == 1


def test_incomplete_attestation_refused(tmp_store: SQLiteStore) -> None:
    for attestation in (Attestation(False, True, True), Attestation(True, False, True), Attestation(True, True, False)):
        assert not attestation.complete
        with pytest.raises(StoreError, match="attestation"):
            tmp_store.add_submission(b"x", "x.zip", record(), ME, attestation)
    assert count(tmp_store, "submissions") == 0


def test_anonymous_submitter_and_unknown_task_refused(tmp_store: SQLiteStore) -> None:
    with pytest.raises(StoreError, match="who submits"):
        tmp_store.add_submission(b"x", "x.zip", record(), Submitter(name="  "), YES)
    with pytest.raises(StoreError, match="Unknown task 'poetry'"):
        tmp_store.add_submission(b"x", "x.zip", record(task="poetry"), ME, YES)
    assert tmp_store.add_submission(b"y", "y.zip", record(), Submitter(name="", hf_username="bob"), YES)[1]
    assert count(tmp_store, "submissions") == 1


def test_failure_inside_the_write_leaves_nothing(tmp_store: SQLiteStore) -> None:
    """The results row violates CHECK (energy > 0) after the submissions row was inserted: the whole
    transaction is rolled back, so no orphan submission remains."""
    add(tmp_store, "acme/ok")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        add(tmp_store, "acme/zero", 0.0)
    assert count(tmp_store, "submissions") == count(tmp_store, "results") == 1
    assert [s.model_id for s in tmp_store.submissions()] == ["acme/ok"]


def test_failure_while_publishing_leaves_no_version(tmp_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    sub, _ = add(tmp_store)
    tmp_store.review(sub.id, True, "", "rev")
    # stars outside 1..5 break CHECK on version_results after the versions row was inserted
    monkeypatch.setattr(store_mod, "stars_by_group", lambda items: {rid: 7 for rid, _, _ in items})
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        tmp_store.publish_version("2026-11", "November 2026")
    assert count(tmp_store, "versions") == count(tmp_store, "version_results") == 0
    assert tmp_store.versions() == []


def test_review_queue(tmp_store: SQLiteStore) -> None:
    a, _ = add(tmp_store, "acme/a")
    b, _ = add(tmp_store, "acme/b")
    c, _ = add(tmp_store, "acme/c")
    assert {s.id for s in tmp_store.submissions(STATUS_PENDING)} == {a.id, b.id, c.id}
    approved = tmp_store.review(a.id, True, "", "reviewer-1")
    assert approved.status == STATUS_APPROVED and approved.reviewed_by == "reviewer-1" and approved.reviewed_at
    rejected = tmp_store.review(b.id, False, "  Counter trace missing.  ", "reviewer-2")
    assert rejected.status == STATUS_REJECTED and rejected.review_reason == "Counter trace missing."
    assert [s.id for s in tmp_store.submissions(STATUS_PENDING)] == [c.id]
    assert [s.id for s in tmp_store.submissions(STATUS_APPROVED)] == [a.id]
    assert [s.id for s in tmp_store.submissions(STATUS_REJECTED)] == [b.id]
    assert len(tmp_store.submissions()) == 3
    assert [r.result_id for r in tmp_store.approved_results()] == [a.result_id]


def test_rejection_needs_a_reason(tmp_store: SQLiteStore) -> None:
    sub, _ = add(tmp_store)
    for reason in ("", "   "):
        with pytest.raises(StoreError, match="reason"):
            tmp_store.review(sub.id, False, reason, "rev")
    assert tmp_store.get_submission(sub.id).status == STATUS_PENDING


def test_review_only_once_and_only_known(tmp_store: SQLiteStore) -> None:
    sub, _ = add(tmp_store)
    tmp_store.review(sub.id, True, "fine", "rev")
    with pytest.raises(StoreError, match="already approved"):
        tmp_store.review(sub.id, False, "changed my mind", "rev")
    with pytest.raises(StoreError, match="No submission"):
        tmp_store.review("sub_missing", True, "", "rev")


def test_threads_share_one_store(tmp_store: SQLiteStore) -> None:
    """Writers and readers in parallel: every write lands once, nobody sees an error."""
    errors: list[BaseException] = []
    fresh: list[bool] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            for i in range(4):
                add(tmp_store, f"acme/t{n}-{i}", 1.0 + i)
                tmp_store.submissions()
            _, new = add(tmp_store, "acme/everyone", 3.0)  # the same bundle from every thread
            with lock:
                fresh.append(new)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert fresh.count(True) == 1 and len(fresh) == 6
    assert count(tmp_store, "submissions") == count(tmp_store, "results") == 6 * 4 + 1


def test_record_json_round_trip_ignores_unknown_keys() -> None:
    rec = record()
    text = rec.to_json()
    assert '"record_schema_version": 1' in text
    assert ResultRecord.from_json(text) == rec
    assert ResultRecord.from_json(text[:-1] + ', "from_the_future": 1}') == rec
    assert (rec.provider, rec.model_name) == ("acme", "m")
    assert (ResultRecord("asr", "whisper", 1.0).provider, ResultRecord("asr", "whisper", 1.0).model_name) == (
        "",
        "whisper",
    )
