"""The label app reads only what a view needs: the pickers' index per version, one result per label.

- `shared.store.label_queries` gives the same answers by SQL as through the `Store` interface;
- building the app and showing labels never parses a version's records (`version_results`);
- a version's index is read once, and a version published later shows on the next event;
- choosing a model sends neither the task nor the model picker again, and each dropdown fires one event.
"""

from __future__ import annotations

from typing import Any

import pytest

from label_generator.app import build_demo
from label_generator.catalog import LabelIndex
from label_generator.data import label_for_result, match_result, typed
from label_generator.handlers import LabelHandlers
from shared.store import label_queries
from shared.store.label_queries import find_published, version_counts, version_heads, version_models
from shared.store.models import RatedResult
from shared.store.sqlite import SQLiteStore
from tests.conftest import CountingStore
from tests.label.conftest import LINKS
from tests.label.test_marks_and_speed import OFFICIAL, add_measured, published_figures


class NoRecordsStore(SQLiteStore):
    """A SQLite store whose whole-version read fails: what must not be called to show a label."""

    def version_results(self, version_id: str) -> list[RatedResult]:
        raise AssertionError("a version's records were read")


def two_versions(store: SQLiteStore) -> None:
    """December 2026 (a real model and a replica, measured), then the official figures (newest)."""
    add_measured(store, "acme/Real-model", 2.0)
    add_measured(store, "acme/big-replica", 9.0, random_weights=True)
    store.publish_version("2026-12", "December 2026")
    published_figures(store, OFFICIAL, ["zeta/real-model", "Alpha/real-model", "acme/Real-model"])


def test_sql_answers_match_the_store_interface(tmp_store: SQLiteStore) -> None:
    two_versions(tmp_store)
    generic = CountingStore(tmp_store)  # not a SQLiteStore: read through versions() / version_results()
    assert version_heads(tmp_store) == version_heads(generic)  # type: ignore[arg-type]
    assert [h.id for h in version_heads(tmp_store)] == [v.id for v in tmp_store.versions()]
    for v in tmp_store.versions():
        sql = version_counts(tmp_store, v.id)
        assert sql == version_counts(generic, v.id)  # type: ignore[arg-type]
        assert sql.results == v.result_count
        assert version_models(tmp_store, v.id) == version_models(generic, v.id)  # type: ignore[arg-type]
    assert version_counts(tmp_store, OFFICIAL[0]).published_figures == 3
    assert version_counts(tmp_store, "2026-12").replicas == 1
    official = version_models(tmp_store, OFFICIAL[0])
    assert list(official.results["text_generation"]) == ["acme/Real-model", "Alpha/real-model", "zeta/real-model"]
    assert version_models(tmp_store, "2026-12").best_real is not None
    assert version_models(tmp_store, "2026-12").best_real[1] == "acme/Real-model"  # type: ignore[index]
    found = find_published(tmp_store, "text_generation", "acme/Real-model")
    assert [v for v, _ in found] == [OFFICIAL[0], "2026-12"]  # newest version first
    assert found == find_published(generic, "text_generation", "acme/Real-model")  # type: ignore[arg-type]


def test_labels_are_shown_without_reading_a_version(tmp_path: Any) -> None:
    store = NoRecordsStore(tmp_path / "s.sqlite3")
    two_versions(store)
    demo = build_demo(store, LINKS)
    h: LabelHandlers = demo.label_handlers  # type: ignore[attr-defined]
    first = h.pick(None, None, None)
    assert "Published figure" in first[-1]
    out = h.pick_model("text_generation", "acme/Real-model")
    versions = out[2].get_config()["choices"]
    assert [v[0] for v in versions] == [OFFICIAL[1], "December 2026"]
    rid = find_published(store, "text_generation", "acme/Real-model")[1][1]
    measured = label_for_result(store, rid, "2026-12", LINKS)
    # The self-reported tab finds the result among the model's candidates, not by reading versions.
    same = typed("acme/Real-model", "text_generation", 2.0, measured.stars, "December 2026", links=LINKS)
    match = match_result(store, same, LINKS)
    assert match is not None and match.result_id == rid
    info = h.on_typed("acme/Real-model", "text_generation", 2.0, measured.stars, "December 2026", "")[-1]
    assert f"These values match the approved result `{rid}`" in info


def test_a_version_is_read_once_and_a_new_one_shows_at_once(
    tmp_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    published_figures(tmp_store, OFFICIAL, ["org/a", "org/b"])
    reads: list[str] = []
    real = label_queries.version_models

    def counting(store: Any, version_id: str) -> Any:
        reads.append(version_id)
        return real(store, version_id)

    monkeypatch.setattr("label_generator.catalog.version_models", counting)
    index = LabelIndex(tmp_store)
    for _ in range(3):
        assert index.current().models("text_generation") == ("org/a", "org/b")
    assert reads == [OFFICIAL[0]]
    add_measured(tmp_store, "acme/new-model")
    tmp_store.publish_version("2026-12", "December 2026")
    view = index.current()
    assert view.models("text_generation") == ("acme/new-model", "org/a", "org/b")
    assert reads == [OFFICIAL[0], "2026-12"]  # the new version only
    assert view.entries("text_generation", "acme/new-model")[0].version_name == "December 2026"


def test_search_counts_and_lists_matches(tmp_store: SQLiteStore) -> None:
    published_figures(tmp_store, OFFICIAL, [f"Org/Model-{k:03d}" for k in range(120)])
    view = LabelIndex(tmp_store).current()
    shown, total = view.search("text_generation", "model-01")
    assert total == 10 and shown[0] == "Org/Model-010" and len(shown) == 10
    assert view.search("text_generation", "MODEL-01") == (shown, total)  # case-blind, and kept
    shown, total = view.search("text_generation", "")
    assert total == 120 and len(shown) == 50


def test_choosing_a_model_sends_only_what_changes(tmp_store: SQLiteStore) -> None:
    published_figures(tmp_store, OFFICIAL, [f"org/model-{k:03d}" for k in range(80)])
    h = LabelHandlers(tmp_store, LINKS)
    out = h.pick_model("text_generation", "org/model-042")
    assert out[0] == {"__type__": "update"} and out[1] == {"__type__": "update"}  # gr.skip(): left as shown
    assert out[2].get_config()["value"].startswith(OFFICIAL[0] + "|")
    assert "org/model-042" in out[-1] or "Published figure" in out[-1]
    # A model the pickers do not hold (e.g. typed in the page's state by hand) moves them.
    moved = h.pick_model("text_generation", "org/none")
    assert moved[1].get_config()["value"] == "org/model-000"


def test_each_dropdown_choice_fires_one_event(tmp_store: SQLiteStore) -> None:
    published_figures(tmp_store, OFFICIAL, ["org/a"])
    demo = build_demo(tmp_store, LINKS)
    config = demo.get_config_file()
    ids = {c["props"].get("elem_id"): c["id"] for c in config["components"]}
    triggers = {
        (target_id, event)
        for dep in config["dependencies"]
        for target_id, event in dep["targets"]
        if target_id in {ids["label-task"], ids["label-model"], ids["label-version"]}
    }
    # gradio's dropdown fires `input` twice per choice: only `select` is listened to.
    assert {event for _, event in triggers} == {"select"}
    assert len(triggers) == 3
