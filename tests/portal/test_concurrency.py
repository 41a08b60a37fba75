"""Many uploads at once through the app's own submit handler: nothing lost, nothing duplicated."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from shared.store.sqlite import SQLiteStore
from submission_portal.app import PortalHandlers
from submission_portal.config import PortalConfig
from testkit.factory import make_bundle_bytes
from tests.portal.hostile import row_counts, write

DISTINCT = 35
DUPLICATES = 25  # re-uploads of some of the distinct bundles, racing their first upload
REJECTS = 5  # tampered bundles mixed in


def test_sixty_five_concurrent_submissions(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    handlers = PortalHandlers(tmp_store, PortalConfig())
    paths = [
        write(tmp_path, f"b{i}.zip", make_bundle_bytes(seed=i, model_id=f"acme/model-{i}")) for i in range(DISTINCT)
    ]
    bad = [
        write(tmp_path, f"bad{i}.zip", make_bundle_bytes(seed=100 + i, override={"GPU_ENERGY_WH.txt": b"0.1\n"}))
        for i in range(REJECTS)
    ]
    jobs = [(str(p), i) for i, p in enumerate(paths)]
    jobs += [(str(paths[i % 10]), i % 10) for i in range(DUPLICATES)]
    jobs += [(str(p), -1) for p in bad]
    barrier = threading.Barrier(len(jobs))

    def one(job: tuple[str, int]) -> tuple[int, str, str]:
        path, index = job
        barrier.wait(timeout=60)
        headline, _details, sid, _, _ = handlers.submit_clicked(
            path, True, True, True, f"Submitter {index}", f"s{index}@example.org", None
        )
        return index, sid, headline

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(one, jobs))

    assert len(results) == len(jobs) >= 50
    ids_by_bundle: dict[int, set[str]] = {}
    for index, sid, headline in results:
        if index < 0:
            assert sid == "" and "Not submitted" in headline
            continue
        assert sid, headline
        ids_by_bundle.setdefault(index, set()).add(sid)
    # Every distinct bundle got exactly one id, shared by all its uploads.
    assert all(len(ids) == 1 for ids in ids_by_bundle.values())
    assert len(ids_by_bundle) == DISTINCT
    stored_now = Counter("Submitted:" in h for i, _, h in results if i >= 0)
    assert stored_now[True] == DISTINCT  # one "Submitted" per bundle; the rest "already submitted"
    assert stored_now[False] == DUPLICATES
    assert row_counts(tmp_store) == (DISTINCT, DISTINCT)
    stored = {s.id for s in tmp_store.submissions()}
    assert stored == {next(iter(ids)) for ids in ids_by_bundle.values()}
    for sub in tmp_store.submissions():
        assert tmp_store.get_bundle(sub.id) is not None
