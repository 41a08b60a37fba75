"""Results measured on another GPU than the H100, on the store the suite's first start seeds (the demo
version holds two real H200 bundles: our runner loading the model, and a serving engine's API): listed
under "Other GPUs (not rated)" with the GPU named and no stars, the backend as an optional column and a
search term, named in the detail view, exported without stars, labelled "Not rated"."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from label_generator.badge import badge_message
from label_generator.data import label_for_result
from label_generator.layout import build_layout
from label_generator.render import not_rated_layout, read_metadata, render_png
from label_generator.svg import render_svg
from leaderboard.backend import backend_text
from leaderboard.export import main as export_main
from leaderboard.exports import view_csv
from leaderboard.render import table_html
from leaderboard.table import OTHER_HARDWARE, RATED_HARDWARE, results_frame, select_view
from leaderboard.views import Leaderboard
from seed import OTHER_HARDWARE_BUNDLES, REFERENCE_VERSION_ID, seed_demo
from shared.method.tasks import TASKS
from shared.store.models import RatedResult
from shared.store.sqlite import SQLiteStore

TG = "text_generation"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SQLiteStore, str]:
    """(store file, store, demo version id) as the first start leaves them."""
    path = tmp_path_factory.mktemp("other-hw") / "store.sqlite3"
    store = SQLiteStore(path)
    out = seed_demo(store, reference=True)
    assert out.skipped == [], out.skipped
    return path, store, out.version_id


def h200_results(store: SQLiteStore, version_id: str) -> list[RatedResult]:
    return [r for r in store.version_results(version_id) if r.record.hardware == "NVIDIA H200"]


def test_the_first_start_seeds_both_h200_bundles_without_stars(seeded: Any) -> None:
    _, store, vid = seeded
    h200 = h200_results(store, vid)
    assert len(h200) == len(OTHER_HARDWARE_BUNDLES) == 2
    assert all(r.stars is None and not r.rated_hardware for r in h200)
    assert sorted(backend_text(r.record) for r in h200) == ["endpoint: uvicorn", "transformers"]
    # The H100 results of the version keep their stars, rated among themselves.
    assert all(r.stars in range(1, 6) for r in store.version_results(vid) if r.rated_hardware)


def test_the_frame_marks_them_other_hardware_with_their_backend(seeded: Any) -> None:
    _, store, vid = seeded
    frame = results_frame(store.version_results(vid))
    other = select_view(frame[frame["task_id"] == TG], hardware=OTHER_HARDWARE)
    assert len(other) == 2 and set(other["rating"]) == {"not rated (H200)"}
    assert other["stars"].isna().all()
    rated = select_view(frame[frame["task_id"] == TG], hardware=RATED_HARDWARE)
    assert "NVIDIA H200" not in set(rated["hardware"])
    endpoint = select_view(frame[frame["task_id"] == TG], query="backend:endpoint", hardware=OTHER_HARDWARE)
    assert list(endpoint["backend_shown"]) == ["endpoint: uvicorn"]
    own = select_view(frame[frame["task_id"] == TG], query="llama backend:transformers", hardware=OTHER_HARDWARE)
    assert list(own["backend_shown"]) == ["transformers"]
    # Older bundles state no backend: shown as what they ran on (the runner's transformers), offered no column.
    assert set(rated["backend_shown"]) == {"transformers"} and rated["backend"].isna().all()


def test_the_leaderboard_lists_them_apart_with_gpu_backend_and_no_stars(seeded: Any) -> None:
    _, store, vid = seeded
    lb = Leaderboard(store)
    tv = lb.table(vid, TG, "All", "", "energy", False, 0, OTHER_HARDWARE)
    assert tv.rows == 2
    html = tv.table
    assert "not rated (H200)" in html and "lb-stars" not in html and "H200" in html
    assert 'lb-opt-backend"' in html and "endpoint: uvicorn" in html and ">transformers<" in html
    assert ("Backend", "backend") in lb.perf_columns(vid, TG)
    assert ("Backend", "backend") not in lb.perf_columns(REFERENCE_VERSION_ID, TG)  # published: no backend stated
    # The search box selects by backend, on the query path too.
    view = lb.view(vid, TG, "All", "backend:endpoint", hardware=OTHER_HARDWARE)
    assert list(view["backend_shown"]) == ["endpoint: uvicorn"]
    assert lb.view(vid, TG, "All", "backend:vllm", hardware=OTHER_HARDWARE).empty
    # The rated view holds none of them.
    rated = lb.view(vid, TG, "All", "", hardware=RATED_HARDWARE)
    assert "NVIDIA H200" not in set(rated["hardware"])


def test_table_html_renders_backend_for_published_rows_as_reference_runner(seeded: Any) -> None:
    _, store, _ = seeded
    frame = results_frame(store.version_results(REFERENCE_VERSION_ID)[:3])
    assert set(frame["backend_shown"]) == {"reference runner"} and frame["backend"].isna().all()
    html = table_html(frame, TASKS[frame.iloc[0]["task_id"]], 1.0, "energy", False)
    assert "lb-opt" not in html  # no stated backend, no figures: no optional column


def test_the_detail_names_the_gpu_the_backend_and_the_server(seeded: Any) -> None:
    _, store, vid = seeded
    endpoint = next(r for r in h200_results(store, vid) if r.record.config.get("backend") == "endpoint")
    html = Leaderboard(store).detail(vid, endpoint.result_id)
    assert "Measured on NVIDIA H200, not an NVIDIA H100" in html and "without stars" in html
    assert "Backend" in html and "endpoint: uvicorn" in html and "Serving engine" in html
    assert "not rated: measured on NVIDIA H200" in html and "not rated (H200)" in html
    # In words, without the measuring machine's paths and addresses or raw records.
    assert "uvicorn (the HTTP server&#x27;s name: the API named no engine)" in html
    assert "/tmp/" not in html and "127.0.0.1" not in html and "{" not in html.split("Configuration", 1)[1]
    assert "completions API, streamed; 1 request at a time; a server on the measuring machine" in html
    assert "max new tokens 10, min new tokens 10" in html
    assert "10 chunks of 10 queries in 21.7 s: not steady after the 20 s cap" in html
    assert "Standard deviation" in html and "n/a (single repetition)" in html
    published = store.version_results(REFERENCE_VERSION_ID)[0]
    assert "reference runner" in Leaderboard(store).detail(REFERENCE_VERSION_ID, published.result_id)


def test_export_writes_unrated_rows_with_empty_stars(seeded: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path, store, vid = seeded
    assert export_main(["--store", str(path), "--version", vid, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    h200 = [r for r in rows if r["hardware"] == "NVIDIA H200"]
    assert len(h200) == 2 and {r["stars"] for r in h200} == {""}
    assert {r["rating"] for r in h200} == {"not rated (H200)"}
    assert {r["backend"] for r in h200} == {"transformers", "endpoint: uvicorn"}
    assert all(r["stars"] and r["rating"] == "rated" for r in rows if r["hardware"] != "NVIDIA H200")
    assert export_main(["--store", str(path), "--version", vid, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["stars"] for r in doc["rows"] if r["hardware"] == "NVIDIA H200"] == [None, None]
    # The leaderboard's own downloads: the view as CSV, the version as JSON.
    lb = Leaderboard(store)
    text = view_csv(lb.view(vid, TG, "All", "", hardware=OTHER_HARDWARE))
    down = list(csv.DictReader(io.StringIO(text)))
    assert {(r["stars"], r["rating"]) for r in down} == {("", "not rated (H200)")}
    assert {r["backend"] for r in down} == {"transformers", "endpoint: uvicorn"}
    json_path = lb.version_json_path(vid)
    assert json_path is not None
    results = json.loads(json_path.read_text())["results"]
    unrated = [r for r in results if r["record"]["hardware"] == "NVIDIA H200"]
    assert [(r["stars"], r["rating"]) for r in unrated] == [(None, "not rated (H200)")] * 2


def test_the_label_of_an_h200_result_says_not_rated(seeded: Any) -> None:
    _, store, vid = seeded
    rated = h200_results(store, vid)[0]
    label = label_for_result(store, rated.result_id, vid)
    assert label.stars == 0 and label.hardware == "NVIDIA H200" and label.linked
    layout = not_rated_layout(build_layout(label))
    words = " ".join(line.text for line in layout.lines("not_rated"))
    assert words == "Not rated: measured on NVIDIA H200"
    assert layout.star_centres == ()  # no star is drawn: no stars is not zero stars
    meta = read_metadata(render_png(label))
    assert meta["aienergy:rating"] == "not rated (H200)" and meta["aienergy:stars"] == ""
    svg = render_svg(label)
    assert all(line.text in svg for line in layout.lines("not_rated")) and svg.count("<polygon") < render_svg(
        label_for_result(store, next(r for r in store.version_results(vid) if r.rated_hardware).result_id, vid)
    ).count("<polygon")
    assert badge_message(label).startswith("not rated (H200) ") and "☆" not in badge_message(label)
    # A rated H100 result's label keeps its five stars.
    h100 = next(r for r in store.version_results(vid) if r.rated_hardware)
    assert not_rated_layout(build_layout(label_for_result(store, h100.result_id, vid))).star_centres


def test_a_replica_meets_the_published_figure_of_its_renamed_hub_model(seeded: Any) -> None:
    # The official board lists meta-llama/Meta-Llama-3.1-8B; the Hub has since renamed it meta-llama/Llama-3.1-8B,
    # the name our 8B replica copies: the detail still sets the two figures side by side.
    from shared.records import ResultRecord

    renamed = ResultRecord("text_generation", "meta-llama/Meta-Llama-3.1-8B", 17.38)
    replica = ResultRecord("text_generation", "meta-llama/Llama-3.1-8B-replica", 23.33, random_weights=True)
    assert renamed.architecture_key == replica.architecture_key == "meta-llama/llama-3.1-8b"
    assert ResultRecord("text_generation", "meta-llama/Meta-Llama-3-8B", 1.0).architecture_key == (
        "meta-llama/meta-llama-3-8b"  # Llama 3 kept its name
    )
    _, store, vid = seeded
    ours = next(r for r in store.version_results(vid) if r.record.model_id == "meta-llama/Llama-3.1-8B-replica")
    html = Leaderboard(store).detail(vid, ours.result_id)
    assert "AI Energy Score v1, February 2025" in html and "17.38" in html
