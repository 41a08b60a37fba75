"""Leaderboard versions: publishing recalibrates stars; older versions stay exactly as frozen."""

from __future__ import annotations

from datetime import date

import pytest

from shared.store.models import StoreError
from shared.store.sqlite import SQLiteStore
from shared.store.versions import recompute_stars, version_for
from tests.shared.test_store import add


def approve(store: SQLiteStore, *args, **kw) -> str:
    sub, _ = add(store, *args, **kw)
    store.review(sub.id, True, "", "rev")
    return sub.result_id


def frozen(store: SQLiteStore, version_id: str) -> dict[str, int]:
    return {r.result_id: r.stars for r in store.version_results(version_id)}


def test_version_for() -> None:
    assert version_for(date(2026, 11, 3)) == ("2026-11", "November 2026")
    assert version_for(date(2025, 2, 28)) == ("2025-02", "February 2025")


def test_publish_recalibrates_and_keeps_old_versions(tmp_store: SQLiteStore) -> None:
    a1 = approve(tmp_store, "acme/a1", 1.0)
    a2 = approve(tmp_store, "acme/a2", 2.0)
    a3 = approve(tmp_store, "acme/a3", 3.0)
    b1 = approve(tmp_store, "acme/b1", 40.0, cls="B")
    s1 = approve(tmp_store, "acme/asr1", 5.0, task="asr", cls=None)
    s2 = approve(tmp_store, "acme/asr2", 10.0, task="asr", cls=None)
    pending, _ = add(tmp_store, "acme/pending", 0.1)
    rejected, _ = add(tmp_store, "acme/rejected", 0.2)
    tmp_store.review(rejected.id, False, "bad", "rev")

    info = tmp_store.publish_version("2026-05", "May 2026", "first")
    assert (info.id, info.name, info.notes, info.result_count) == ("2026-05", "May 2026", "first", 6)
    v1 = frozen(tmp_store, "2026-05")
    assert v1 == {a1: 5, a2: 3, a3: 1, b1: 5, s1: 5, s2: 1}
    assert pending.result_id not in v1 and rejected.result_id not in v1
    v1_results = tmp_store.version_results("2026-05")
    assert recompute_stars(v1_results) == v1

    # new results arrive: a lower and a higher one in class A
    a0 = approve(tmp_store, "acme/a0", 0.5)
    a9 = approve(tmp_store, "acme/a9", 5.5)
    tmp_store.review(pending.id, True, "", "rev")  # 0.1 Wh, also class A
    tmp_store.publish_version("2026-11", "November 2026")

    v2 = frozen(tmp_store, "2026-11")
    assert len(v2) == 9
    assert v2[a1] != v1[a1] or v2[a3] != v1[a3]  # recalibrated
    assert v2[a9] == 1 and v2[pending.result_id] == 5 and v2[a3] == 3 and v1[a3] == 1
    assert recompute_stars(tmp_store.version_results("2026-11")) == v2

    # the older version is exactly as frozen, and reproducible from its own members
    assert frozen(tmp_store, "2026-05") == v1
    assert tmp_store.version_results("2026-05") == v1_results
    assert recompute_stars(tmp_store.version_results("2026-05")) == v1

    # versions newest first; get_result picks the newest version unless one is named
    assert [v.id for v in tmp_store.versions()] == ["2026-11", "2026-05"]
    assert [v.result_count for v in tmp_store.versions()] == [9, 6]
    assert tmp_store.get_result(a3).stars == v2[a3] and tmp_store.get_result(a3).version_id == "2026-11"
    old = tmp_store.get_result(a3, "2026-05")
    assert (old.stars, old.version_id) == (v1[a3], "2026-05")
    assert tmp_store.get_result(a0, "2026-05") is None
    assert tmp_store.get_result("res_missing") is None


def test_newest_version_wins_within_the_same_second(tmp_store: SQLiteStore) -> None:
    """Versions published in the same second (ids that sort the other way): the later one is newest."""
    r1 = approve(tmp_store, "acme/1", 1.0)
    r2 = approve(tmp_store, "acme/2", 2.0)
    tmp_store.publish_version("b-first", "First")
    approve(tmp_store, "acme/3", 3.0)
    tmp_store.publish_version("a-second", "Second")
    versions = tmp_store.versions()
    if versions[0].published_at == versions[1].published_at:
        assert [v.id for v in versions] == ["a-second", "b-first"]
    newest = tmp_store.get_result(r2)
    assert (newest.version_id, newest.stars) == ("a-second", 3)
    assert tmp_store.get_result(r2, "b-first").stars == 1
    assert tmp_store.get_result(r1).version_id == "a-second"


def test_unpublished_result_has_no_stars(tmp_store: SQLiteStore) -> None:
    rid = approve(tmp_store, "acme/1", 1.0)
    got = tmp_store.get_result(rid)
    assert got is not None and got.stars is None and got.version_id is None


def test_publish_refusals(tmp_store: SQLiteStore) -> None:
    with pytest.raises(StoreError, match="no approved result"):
        tmp_store.publish_version("2026-11", "November 2026")
    approve(tmp_store, "acme/1", 1.0)
    with pytest.raises(StoreError, match="needs an id"):
        tmp_store.publish_version("  ", "November 2026")
    with pytest.raises(StoreError, match="needs an id"):
        tmp_store.publish_version("2026-11", "")
    tmp_store.publish_version("2026-11", "November 2026")
    with pytest.raises(StoreError, match="already exists"):
        tmp_store.publish_version("2026-11", "Again")
    assert len(tmp_store.versions()) == 1


def test_recompute_stars_groups_by_task_and_class(tmp_store: SQLiteStore) -> None:
    approve(tmp_store, "acme/tg-a", 1.0)
    approve(tmp_store, "acme/tg-b", 100.0, cls="B")
    approve(tmp_store, "acme/rs-a", 50.0, task="reasoning")
    tmp_store.publish_version("v", "V")
    assert set(recompute_stars(tmp_store.version_results("v")).values()) == {5}
