"""The landing page: what is true of each version, and a cost that does not grow with the results."""

from __future__ import annotations

from typing import Any

import pytest

from app import LandingFacts, landing_html
from seed import DEMO_DIR, OTHER_HARDWARE_BUNDLES, seed_demo
from shared.method.tasks import TASKS
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from tests.conftest import CountingStore


def record(model: str, task: str = "text_generation", **kw: Any) -> ResultRecord:
    """A text-generation record of class A with this model id."""
    return ResultRecord(
        task_id=task, model_id=model, gpu_energy_wh_per_1k=1.0 + len(model) / 100, model_class="A", **kw
    )


def official(store: SQLiteStore, n: int) -> None:
    """Import n published figures as the official version."""
    items = [
        (
            f"official|{k}".encode(),
            "text_generation.csv",
            record(f"org/m{k}", source_format=FORMAT_PUBLISHED, provenance=PROVENANCE_PUBLISHED),
        )
        for k in range(n)
    ]
    store.import_published_version("aes-v1-2025-02", "AI Energy Score v1, February 2025", "", items, "AES")


def measured(store: SQLiteStore) -> None:
    """Two measured results (one on a random-weight replica) published as December 2026."""
    for model, replica in (("acme/real", False), ("acme/big-replica", True)):
        sub, _ = store.add_submission(
            model.encode(),
            "b.zip",
            record(model, task="image_classification", random_weights=replica),
            Submitter("t"),
            Attestation(True, True, True),
        )
        store.review(sub.id, True, "", "r")
    store.publish_version("2026-12", "December 2026")


def test_each_version_says_what_stands_behind_it(tmp_store: SQLiteStore) -> None:
    measured(tmp_store)
    official(tmp_store, 3)
    page = landing_html(tmp_store)
    assert "Every rating comes from a bundle" not in page
    official_line, demo_line = page.split('<ul class="versions">')[1].split("</li>")[:2]
    assert "AI Energy Score v1" in official_line and "3 published figures" in official_line
    assert "no raw readings are held" in official_line and "re-checked here" in official_line
    assert "December 2026" in demo_line and "portal re-checked" in demo_line
    assert "1 of them on random-weight replicas" in demo_line and f"1 of {len(TASKS)} tasks" in demo_line


def test_results_on_other_hardware_are_counted_apart_from_the_rated_ones(tmp_store: SQLiteStore) -> None:
    # The first start's store: the official figures, and the demo version whose H200 bundles have no stars.
    out = seed_demo(tmp_store)
    demo = tmp_store.version_results(out.version_id)
    unrated = sum(r.stars is None for r in demo)
    assert unrated == len(OTHER_HARDWARE_BUNDLES) > 0 and len(demo) == len(sorted(DEMO_DIR.glob("*.zip"))) + unrated
    page = landing_html(tmp_store)
    official_line, demo_line = page.split('<ul class="versions">')[1].split("</li>")[:2]
    assert "<b>AI Energy Score v1, February 2025</b>: 166 rated results in" in official_line
    assert "other hardware" not in official_line
    rated = len(demo) - unrated
    tasks = len({r.record.task_id for r in demo if r.stars is not None})
    assert f"{rated} rated results in {tasks} of {len(TASKS)} tasks, and {unrated} on other hardware (not rated" in (
        demo_line
    )
    # The breakdown is of the rated results: every rated demo result is a replica measured from a bundle.
    assert f"{rated} measured from run bundles" in demo_line
    assert f"{rated} of them on random-weight replicas" in demo_line
    # Counted by SQL; the store interface (the Hugging Face dataset store's path) gives the same page.
    assert landing_html(CountingStore(tmp_store)) == page  # type: ignore[arg-type]


def test_a_request_reads_no_result_once_versions_are_counted(tmp_store: SQLiteStore) -> None:
    official(tmp_store, 50)
    counting = CountingStore(tmp_store)
    facts = LandingFacts(counting)  # type: ignore[arg-type]
    landing_html(counting, facts=facts)  # type: ignore[arg-type]
    assert counting.calls == {"versions": 1, "version_results": 1}
    counting.calls.clear()
    for _ in range(3):
        assert "50 rated results" in landing_html(counting, facts=facts)  # type: ignore[arg-type]
    assert counting.calls == {"versions": 3}  # one small query a request, whatever the result count
    # A new version is counted once, on the request that first sees it.
    measured(tmp_store)
    counting.calls.clear()
    assert "December 2026" in landing_html(counting, facts=facts)  # type: ignore[arg-type]
    assert counting.calls == {"versions": 1, "version_results": 1}


def test_counts_are_read_by_sql_once_per_version_and_fresh_after_a_publish(
    tmp_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app as suite

    official(tmp_store, 40)
    counted: list[str] = []
    real = suite.version_counts

    def counting(store: Any, version_id: str) -> Any:
        counted.append(version_id)
        return real(store, version_id)

    monkeypatch.setattr(suite, "version_counts", counting)
    # The page never parses a record: a store whose whole-version read fails still serves it.
    monkeypatch.setattr(tmp_store, "version_results", lambda version_id: pytest.fail("read a version"))
    facts = LandingFacts(tmp_store)
    for _ in range(3):
        assert "40 rated results" in landing_html(tmp_store, facts=facts)
    assert counted == ["aes-v1-2025-02"]
    measured(tmp_store)
    page = landing_html(tmp_store, facts=facts)
    assert "<b>December 2026</b>: 2 rated results" in page and "40 rated results" in page
    assert counted == ["aes-v1-2025-02", "2026-12"]
