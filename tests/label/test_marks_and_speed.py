"""What a new user tripped over in the label app, and its speed at many results.

- replicas carry a "random weights" mark (label, metadata, badge, info);
- the energy unit says "queries" and the hardware the name the rest of the suite uses;
- imported official figures get a linked label that says where the figure comes from, not "verified";
- the first label is a real model of the newest version, not a replica;
- an event reads the version list and the one result it shows, and a response does not grow with the
  number of results (the model picker lists the first matches; its search box finds the others);
- gradio's run history is off;
- in chromium at 1400 px: the label sits in a narrow column beside the rest (no empty half-column),
  and the search box finds a model that is not listed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from label_generator.app import build_demo
from label_generator.badge import badge_markdown
from label_generator.catalog import MAX_MODEL_CHOICES
from label_generator.data import STATUS_PUBLISHED, display_hardware, label_for_result
from label_generator.handlers import LabelHandlers, describe
from label_generator.layout import ENERGY_UNIT, build_layout
from label_generator.render import read_metadata, render_png
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from tests.conftest import CountingStore, serve
from tests.label.conftest import LINKS

OFFICIAL = ("aes-v1-2025-02", "AI Energy Score v1, February 2025")


def published_figures(
    store: SQLiteStore, version: tuple[str, str], models: list[str], task: str = "text_generation"
) -> None:
    """Import `models` as published figures of `version` (fast: no bundle to validate)."""
    items = []
    for k, model in enumerate(models):
        rec = ResultRecord(
            task_id=task,
            model_id=model,
            gpu_energy_wh_per_1k=0.5 + k * 0.01,
            model_class="A" if task == "text_generation" else None,
            hardware="NVIDIA H100 80GB HBM3",
            source_format=FORMAT_PUBLISHED,
            provenance=PROVENANCE_PUBLISHED,
            source_note=f"text_generation.csv line {k + 2}",
        )
        items.append((f"{version[0]}|{task}|{model}|{k}".encode(), f"{task}.csv", rec))
    store.import_published_version(version[0], version[1], "official", items, "AI Energy Score")


def add_measured(store: SQLiteStore, model: str, energy: float = 1.0, random_weights: bool = False) -> str:
    """Store and approve a measured result with this record (the store keeps bundle bytes as given)."""
    rec = ResultRecord(
        task_id="text_generation",
        model_id=model,
        gpu_energy_wh_per_1k=energy,
        model_class="A",
        hardware="NVIDIA H100 80GB HBM3",
        random_weights=random_weights,
    )
    sub, _ = store.add_submission(
        f"bundle of {model}".encode(), "run.zip", rec, Submitter(name="tester"), Attestation(True, True, True)
    )
    store.review(sub.id, True, "", "reviewer")
    return sub.result_id


def outputs_json(outputs: list[Any]) -> str:
    """The pickers' part of a handler's response, as gradio would send it (the label files left out)."""
    return json.dumps([o if isinstance(o, (str, type(None))) else o.get_config() for o in outputs[:3]], default=str)


# --- the marks ------------------------------------------------------------------------------------


def test_replica_is_marked_everywhere(tmp_store: SQLiteStore) -> None:
    rid = add_measured(tmp_store, "acme/big-8b-replica", random_weights=True)
    tmp_store.publish_version("2026-12", "December 2026")
    data = label_for_result(tmp_store, rid, links=LINKS)
    assert data.random_weights and data.verified
    layout = build_layout(data)
    note = " ".join(t.text for t in layout.lines("note"))
    assert "Random weights" in note
    # Under the name, never on it.
    assert min(t.baseline for t in layout.lines("note")) > max(t.baseline for t in layout.lines("name"))
    meta = read_metadata(render_png(data))
    assert meta["aienergy:random_weights"] == "true"
    assert "random%20weights" in badge_markdown(data)
    assert "random-weight replica" in describe(data)


def test_unit_and_hardware_read_as_in_the_rest_of_the_suite() -> None:
    assert ENERGY_UNIT == "(Wh) per 1k queries"
    assert display_hardware("NVIDIA H100 80GB HBM3") == "NVIDIA H100 80GB HBM3"
    assert display_hardware("NVIDIA  H100 80GB HBM3", 2) == "2 x NVIDIA H100 80GB HBM3"


def test_official_figure_says_where_it_comes_from(tmp_store: SQLiteStore) -> None:
    published_figures(tmp_store, OFFICIAL, ["meta-llama/Llama-3.1-8B-Instruct"])
    rid = tmp_store.version_results(OFFICIAL[0])[0].result_id
    data = label_for_result(tmp_store, rid, links=LINKS)
    assert data.linked and not data.verified and data.status == STATUS_PUBLISHED
    assert data.provenance == "published figure, AI Energy Score v1, February 2025, reference runner"
    png = render_png(data)
    meta = read_metadata(png)
    assert meta["aienergy:status"] == STATUS_PUBLISHED and meta["aienergy:url"] == LINKS.result_url(rid)
    assert "reference runner" in meta["aienergy:provenance"]
    note = " ".join(t.text for t in build_layout(data).lines("note"))
    assert "Published figure" in note
    info = describe(data)
    assert info.startswith("**Published figure**") and "Verified" not in info
    hardware = " ".join(t.text for t in build_layout(data).lines("hardware"))
    assert hardware == "NVIDIA H100 80GB HBM3"


def test_first_label_is_a_real_model_of_the_newest_version(tmp_store: SQLiteStore) -> None:
    # The demo version (a 1-star replica among others), then the official one, newest.
    add_measured(tmp_store, "acme/big-8b-replica", 9.0, random_weights=True)
    add_measured(tmp_store, "acme/small-replica", 1.0, random_weights=True)
    tmp_store.publish_version("2026-12", "December 2026")
    published_figures(tmp_store, OFFICIAL, ["zeta/real-model", "alpha/real-model"])
    h = LabelHandlers(tmp_store, LINKS)
    _task, model, version, *_rest, info = h.pick(None, None, None)
    assert model.get_config()["value"] in ("zeta/real-model", "alpha/real-model")
    assert version.get_config()["value"].startswith(OFFICIAL[0] + "|")
    assert "Published figure" in info


# --- speed and size ------------------------------------------------------------------------------


def test_an_event_reads_only_the_result_it_shows(tmp_store: SQLiteStore) -> None:
    published_figures(tmp_store, OFFICIAL, [f"org/model-{k:04d}" for k in range(200)])
    counting = CountingStore(tmp_store)
    h = LabelHandlers(counting, LINKS)  # type: ignore[arg-type]
    h.pick(None, None, None)  # builds the catalog once
    counting.calls.clear()
    h.pick_model("text_generation", "org/model-0150")
    assert counting.calls.get("version_results", 0) == 0
    assert counting.calls.get("get_result") == 1


@pytest.mark.parametrize("query", ["", "model-00"])
def test_response_size_does_not_grow_with_the_result_count(tmp_path: Path, query: str) -> None:
    sizes = []
    for n in (120, 1200):
        store = SQLiteStore(tmp_path / f"s{n}.sqlite3")
        published_figures(store, OFFICIAL, [f"org/model-{k:04d}" for k in range(n)])
        h = LabelHandlers(store, LINKS)
        out = h.search("text_generation", query)
        choices = out[1].get_config()["choices"]
        assert len(choices) <= MAX_MODEL_CHOICES
        sizes.append(len(outputs_json(out)))
    assert sizes[1] <= sizes[0] * 1.05, sizes


def test_search_finds_a_model_that_is_not_listed(tmp_store: SQLiteStore) -> None:
    published_figures(tmp_store, OFFICIAL, [f"org/model-{k:04d}" for k in range(300)])
    h = LabelHandlers(tmp_store, LINKS)
    first = h.pick("text_generation", None, None)
    assert "org/model-0277" not in [c[0] for c in first[1].get_config()["choices"]]
    out = h.search("text_generation", "MODEL-0277")
    assert out[1].get_config()["value"] == "org/model-0277"
    assert "1 of 300 models match" in out[1].get_config()["info"]
    assert "org/model-0277" in out[-1] or out[0] is not None


def test_run_history_is_off(tmp_store: SQLiteStore) -> None:
    demo = build_demo(tmp_store, LINKS)
    demo.run_history = True  # what launch() sets from GRADIO_RUN_HISTORY
    assert demo.run_history is False
    assert demo.get_config_file()["run_history"] is False


# --- in the browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_layout_and_search_in_browser(tmp_store: SQLiteStore, page: Any) -> None:
    from playwright.sync_api import expect

    published_figures(tmp_store, OFFICIAL, [f"org/model-{k:04d}" for k in range(120)])
    url, demo = serve(build_demo(tmp_store, LINKS))
    try:
        page.goto(url + "/")
        expect(page.locator("#label-info")).to_contain_text("Published figure", timeout=60_000)
        preview = page.locator("#label-preview-col").bounding_box()
        badge = page.locator("#label-badge").bounding_box()
        assert preview is not None and badge is not None
        # The label's column is narrow, and the badge's column reaches it: no empty half-column.
        assert preview["width"] <= 360, preview
        assert 0 <= preview["x"] - (badge["x"] + badge["width"]) <= 60, (preview, badge)
        # Typed key by key, as a person does (gradio's input event follows keystrokes).
        page.locator("#label-search textarea, #label-search input").first.press_sequentially("model-0111", delay=30)
        expect(page.locator("#label-info")).to_contain_text("Published figure", timeout=30_000)
        expect(page.get_by_label("Model", exact=True).first).to_have_value("org/model-0111", timeout=30_000)
    finally:
        demo.close()
