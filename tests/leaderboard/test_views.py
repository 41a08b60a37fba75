"""The app's logic on a store filled through the portal's path: versions, views, downloads, links."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import gradio as gr
import pytest

from leaderboard.app import build_demo
from leaderboard.views import Leaderboard, next_sort
from tests.leaderboard.conftest import Filled, Spec, fill_store, submit


@pytest.fixture
def lb(filled: Filled) -> Leaderboard:
    return Leaderboard(filled.store)


def test_latest_version_is_the_default_and_older_ones_are_listed(lb: Leaderboard) -> None:
    assert lb.version_choices() == [("November 2026 (published last)", "2026-11"), ("May 2026", "2026-05")]
    start = lb.initial_state({})
    assert (start.version_id, start.task_id, start.result_id) == ("2026-11", "text_generation", "")


def test_older_version_keeps_its_own_frozen_stars(lb: Leaderboard) -> None:
    def stars(version: str) -> dict[str, int]:
        view = lb.view(version, "text_generation")
        return dict(zip(view["model_id"], view["stars"].astype(int), strict=True))

    assert stars("2026-05")["bigco/huge-30b"] == 1
    assert stars("2026-11")["bigco/huge-30b"] == 3
    assert "zeta/mid-1b" not in stars("2026-05")


def test_table_view_and_its_csv(lb: Leaderboard) -> None:
    tv = lb.table("2026-11", "text_generation", "A", "", "energy", False)
    assert tv.rows == 3 and "Energy difference of 5.0 x" in tv.callout and "class A" in tv.callout
    assert tv.csv_path is None  # written only when asked for
    path = lb.csv_path("2026-11", "text_generation", "A", "", "energy", False)
    assert path is not None
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["model_id"] for r in rows] == ["acme/frugal-1b", "zeta/mid-1b", "acme/hungry-1b"]
    assert [r["stars"] for r in rows] == ["5", "3", "1"]
    assert rows[1]["random_weights"] == "True" and rows[1]["quality_score"] == "55"
    assert {r["class"] for r in rows} == {"A"} and {r["version"] for r in rows} == {"2026-11"}


def test_search_and_no_match(lb: Leaderboard) -> None:
    assert lb.table("2026-11", "text_generation", "All", "BIGCO").rows == 3
    none = lb.table("2026-11", "text_generation", "C", "bigco")
    assert none.rows == 0 and none.csv_path is None and "No result" in none.table


def test_empty_task_shows_how_to_submit(lb: Leaderboard) -> None:
    tv = lb.table("2026-11", "reasoning")
    assert tv.rows == 0 and tv.callout == "" and "/submit" in tv.table


def test_page_is_clamped(lb: Leaderboard) -> None:
    assert lb.table("2026-11", "text_generation", page=7).page == 0


def test_version_json_holds_every_result_with_frozen_stars(lb: Leaderboard, filled: Filled) -> None:
    path = lb.version_json_path("2026-05")
    assert path is not None and lb.version_json_path("2026-05") == path
    doc = json.loads(path.read_text())
    assert doc["version"]["name"] == "May 2026" and len(doc["results"]) == 5
    huge = next(r for r in doc["results"] if r["record"]["model_id"] == "bigco/huge-30b")
    assert huge["stars"] == 1 and huge["result_id"] == filled.ids["bigco/huge-30b"]
    assert "submitter_contact" not in path.read_text()


def test_result_link_opens_its_version_task_and_detail(lb: Leaderboard, filled: Filled) -> None:
    rid = filled.ids["google/vit-base-patch16-224"]
    start = lb.initial_state({"result": rid})
    assert (start.version_id, start.task_id, start.result_id) == ("2026-11", "image_classification", rid)
    older = lb.initial_state({"result": rid, "version": "2026-05"})
    assert older.version_id == "2026-05"
    new_only = lb.initial_state({"result": filled.ids["zeta/mid-1b"], "version": "2026-05"})
    assert new_only.version_id == "2026-11"  # not in May: opens the version that holds it
    assert "google/vit-base-patch16-224" in lb.detail("2026-11", rid)


def test_unpublished_result_is_not_shown(tmp_path: Path) -> None:
    store = fill_store(tmp_path / "store.sqlite3").store
    pending = submit(store, Spec("summarization", "acme/approved-not-published", 1.0), 99)
    lb = Leaderboard(store)
    start = lb.initial_state({"result": pending})
    assert start.result_id == "" and "not yet" in start.notice
    assert "No published result" in lb.detail("2026-11", pending)
    assert lb.initial_state({"task": "nope", "version": "nope"}).task_id == "text_generation"


def test_model_choices_and_calculator(lb: Leaderboard, filled: Filled) -> None:
    view = lb.view("2026-11", "text_generation")
    choices = lb.model_choices(view)
    assert choices[0][1] == filled.ids["acme/frugal-1b"] and "Wh/1k" in choices[0][0]
    asr = filled.ids["openai/whisper-large-v3"]
    assert lb.model_choices(view, keep=asr)[0][1] == asr
    html = lb.calculator("2026-11", filled.ids["acme/frugal-1b"], 1_000_000, 402.49, 1.0)
    assert "acme/frugal-1b" in html and "kWh" in html


def test_next_sort() -> None:
    assert next_sort("energy", False, "energy") == ("energy", True)
    assert next_sort("energy", True, "stars") == ("stars", True)
    assert next_sort("energy", False, "model") == ("model", False)
    assert next_sort("energy", False, "bogus") == ("energy", False)


def test_build_demo_on_an_empty_store(tmp_store: object) -> None:
    demo = build_demo(tmp_store)  # type: ignore[arg-type]
    assert isinstance(demo, gr.Blocks)
    lb = Leaderboard(tmp_store)  # type: ignore[arg-type]
    assert lb.version_choices() == []
    assert "No leaderboard version is published yet" in lb.table(None, "text_generation").table


def test_plots_of_a_view(lb: Leaderboard) -> None:
    figs = lb.plots("2026-11", "text_generation", "B")
    assert sum(len(t.x) for t in figs.energy.data) == 3 and figs.quality is not None
    assert "class B" in figs.energy.layout.title.text
    assert lb.plots("2026-11", "image_classification").quality is None  # no quality score: no Pareto plot
