"""What a newcomer meets: the official version by default, provenance of published figures, a model's
figures across versions, other hardware apart, classes named beside the stars, runs told apart, plain
detail labels, compact plots, and responses whose size does not grow with the number of results."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path

import gradio as gr
import pytest

from leaderboard.app import FAVICON, LeaderboardBlocks, build_demo
from leaderboard.detail import detail_html, provenance, public_value
from leaderboard.exports import view_csv
from leaderboard.handlers import LeaderboardHandlers
from leaderboard.plots import energy_per_model, energy_vs_latency, energy_vs_parameters
from leaderboard.render import table_html
from leaderboard.table import (
    OTHER_HARDWARE,
    RATED_HARDWARE,
    perf_present,
    results_frame,
    select_view,
    split_by_task,
)
from leaderboard.views import MAX_MODEL_CHOICES, Leaderboard
from seed import REFERENCE_VERSION_ID, seed_demo
from shared.method.tasks import TASKS
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED
from shared.store.models import RatedResult
from shared.store.sqlite import SQLiteStore
from tests.leaderboard.test_table import rated


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Leaderboard:
    """The store as the suite's first start leaves it: the demo version, then the official one."""
    store = SQLiteStore(tmp_path_factory.mktemp("seeded") / "store.sqlite3")
    seed_demo(store, reference=True)
    return Leaderboard(store)


def _demo_id(lb: Leaderboard) -> str:
    return next(v.id for v in lb.data.versions() if v.id != REFERENCE_VERSION_ID)


def published(model_id: str, energy: float, stars: int, stars_published: int | None) -> RatedResult:
    """A figure imported from a published leaderboard."""
    base = rated(model_id, energy, stars)
    rec = dataclasses.replace(
        base.record,
        source_format=FORMAT_PUBLISHED,
        provenance=PROVENANCE_PUBLISHED,
        source_note="aes_v1_feb2025/text_generation.csv, line 7",
        source_file="text_generation.csv",
        source_line=7,
        stars_published=stars_published,
        hardware="NVIDIA H100 80GB",
    )
    return dataclasses.replace(base, record=rec)


# ---- 1. provenance ----------------------------------------------------------------------------


def test_published_figure_detail_names_its_source_and_stars() -> None:
    r = published("acme/official-7b", 3.0, 4, 5)
    flat = {k: v for rows in provenance(r).sections.values() for k, v in rows}
    assert flat["Measured from"] == "Published figure, reference runner, no raw readings"
    assert flat["Source"] == "aes_v1_feb2025/text_generation.csv, line 7"
    assert flat["Source file"] == "text_generation.csv" and flat["Source line"].startswith("7")
    assert flat["Stars published"] == "5 of 5" and flat["Stars check"] == "Published with 5 stars; our rule gives 4."
    # No bundle behind it: the hash is named for what it is.
    assert "Bundle sha256" not in flat and flat["Source row sha256"] == r.bundle_sha256
    assert "Bundle format" not in flat
    html = detail_html(r)
    assert "Bundle sha256" not in html and "published-figure" not in html and "no raw readings" in html


def test_published_stars_that_agree_say_so() -> None:
    flat = {k: v for rows in provenance(published("a/b", 1.0, 5, 5)).sections.values() for k, v in rows}
    assert flat["Stars check"] == "the same as our rule gives"


def test_view_csv_has_a_provenance_column() -> None:
    frame = results_frame([published("acme/official-7b", 3.0, 4, 5), rated("acme/ours", 2.0)])
    rows = list(csv.DictReader(io.StringIO(view_csv(frame))))
    by_model = {r["model_id"]: r for r in rows}
    assert by_model["acme/official-7b"]["provenance"] == PROVENANCE_PUBLISHED
    assert by_model["acme/official-7b"]["source_note"] == "aes_v1_feb2025/text_generation.csv, line 7"
    assert by_model["acme/official-7b"]["stars_published"] == "5"
    assert by_model["acme/ours"]["provenance"] == "measured from a validated bundle"


def test_default_version_is_the_newest_holding_real_models(seeded: Leaderboard) -> None:
    assert seeded.initial_state({}).version_id == REFERENCE_VERSION_ID


def test_a_newer_version_of_replicas_only_does_not_become_the_default(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    seed_demo(store, reference=True)
    # Publish the demo replicas again, now the newest version: still not the newcomer's first view.
    seed_demo(store, only_if_empty=False, reference=False)
    lb = Leaderboard(store)
    newest = lb.data.versions()[0].id
    assert newest != REFERENCE_VERSION_ID and not lb.data.version(newest).real_models  # type: ignore[union-attr]
    assert lb.initial_state({}).version_id == REFERENCE_VERSION_ID


def test_a_model_in_both_versions_shows_both_figures(seeded: Leaderboard) -> None:
    demo = _demo_id(seeded)
    view = seeded.view(demo, "object_detection")
    rid = view[view["model_id"] == "facebook/detr-resnet-101-replica"]["result_id"].iloc[0]
    html = seeded.detail(demo, rid)
    assert "This model in other leaderboard versions" in html
    assert "Published figure, reference runner, AI Energy Score v1, February 2025" in html
    assert "Measured by aienergyscore-runner" in html and "random-weight replica" in html
    # Each figure's stars are those of its own version only; nothing compares them.
    assert html.count("in its own version") == 2 and "not rated against each other" in html
    # And the other way round: the official figure lists the replica measured by our runner.
    official = seeded.view(REFERENCE_VERSION_ID, "object_detection")
    oid = official[official["model_id"] == "facebook/detr-resnet-101"]["result_id"].iloc[0]
    assert "facebook/detr-resnet-101-replica" in seeded.detail(REFERENCE_VERSION_ID, oid)


def test_a_model_in_one_version_has_no_side_by_side(seeded: Leaderboard) -> None:
    demo = _demo_id(seeded)
    view = seeded.view(demo, "image_generation")
    html = seeded.detail(demo, view["result_id"].iloc[0])
    assert "other leaderboard versions" not in html


# ---- 3.9 detail: no developer paths, plain labels, rounding -----------------------------------


def test_detail_hides_local_paths_and_internal_names(seeded: Leaderboard) -> None:
    demo = _demo_id(seeded)
    view = seeded.view(demo, "text_generation")
    rid = view[view["model_id"] == "meta-llama/Llama-3.1-8B-replica"]["result_id"].iloc[0]
    text = re.sub(r"<[^>]+>", " ", seeded.detail(demo, rid))
    assert "/tmp/" not in text and "gc_paused_in_windows" not in text and "max_new_tokens" not in text
    assert "text_generation.jsonl (local file)" in text
    assert "Python garbage collection paused while measuring" in text
    idle = re.search(r"Idle power \(W\)\s+([\d.,]+)", text)
    assert idle is not None and re.fullmatch(r"\d+\.\d", idle.group(1))


def test_public_value_keeps_hub_ids_and_cuts_paths() -> None:
    assert public_value("AIEnergyScore/text_generation") == "AIEnergyScore/text_generation"
    assert public_value("/tmp/rep/llama-3.1-8b") == "llama-3.1-8b (local file)"
    assert public_value("C:\\data\\x.jsonl") == "x.jsonl (local file)"


# ---- 2. other hardware ------------------------------------------------------------------------


def _mixed_hardware() -> list[RatedResult]:
    h200 = rated("acme/on-h200", 0.5)
    h200 = dataclasses.replace(h200, record=dataclasses.replace(h200.record, hardware="NVIDIA H200"))
    return [rated("acme/a", 1.0), rated("acme/b", 2.0, 1), h200]


def test_other_hardware_stays_out_of_the_rated_view_and_is_listed_apart() -> None:
    frame = split_by_task(results_frame(_mixed_hardware()))["text_generation"]
    rated_view = select_view(frame)
    assert list(rated_view["model_id"]) == ["acme/a", "acme/b"]
    other = select_view(frame, hardware=OTHER_HARDWARE)
    assert list(other["model_id"]) == ["acme/on-h200"]
    html = table_html(other, TASKS["text_generation"], 2.0, "energy", False)
    assert "not rated (H200)" in html and "lb-stars" not in html and "H200" in html


def test_published_figures_count_as_rated_h100() -> None:
    frame = results_frame([published("acme/official", 1.0, 5, 5)])
    assert list(select_view(frame, hardware=RATED_HARDWARE)["model_id"]) == ["acme/official"]


# ---- 3.1 classes beside the stars, grouped rows and bars --------------------------------------


def _classes() -> list[RatedResult]:
    return [rated("a/small", 1.0, 5, cls="A"), rated("b/big", 0.5, 5, cls="B"), rated("a/mid", 3.0, 1, cls="A")]


def test_all_classes_view_is_grouped_by_class_and_names_the_class_of_the_stars() -> None:
    frame = split_by_task(results_frame(_classes()))["text_generation"]
    view = select_view(frame)
    assert list(view["model_id"]) == ["a/small", "a/mid", "b/big"]  # class A, then B; by energy within
    html = table_html(view, TASKS["text_generation"], 3.0, "energy", False)
    assert html.count('class="lb-group"') == 2 and "stars compare models of this class only" in html
    assert "in class A" in html and "in class B" in html


def test_energy_plot_of_mixed_classes_is_coloured_by_class_with_a_legend() -> None:
    fig = energy_per_model(results_frame(_classes()))
    assert [t.name for t in fig.data] == ["Class A", "Class B"]
    assert "Class" in fig.layout.legend.title.text
    # One class: coloured by stars, as before.
    assert [t.name for t in energy_per_model(results_frame(_classes()[:1])).data] == ["★★★★★ (5)"]


# ---- 3.5 two runs of one model ----------------------------------------------------------------


def test_two_runs_of_one_model_are_told_apart() -> None:
    one = rated("acme/twice", 1.0)
    two = dataclasses.replace(
        rated("acme/twice", 1.1),
        result_id="res_second_run_9f8e7d",
        record=dataclasses.replace(rated("acme/twice", 1.1).record, repetitions=3, created_utc="2026-11-28T09:00:00"),
    )
    view = select_view(split_by_task(results_frame([one, two, rated("acme/once", 2.0)]))["text_generation"])
    html = table_html(view, TASKS["text_generation"], 2.0, "energy", False)
    runs = re.findall(r'<span class="lb-run"[^>]*>([^<]*)</span>', html)
    assert len(runs) == 2 and runs[0] != runs[1]
    assert "2026-11-28" in runs[1] and "7d" in runs[1] and "3 reps" in runs[1] and "H100" in runs[1]


# ---- 3.10 few results, empty task -------------------------------------------------------------


def test_one_result_draws_a_modest_bar_and_a_decade_wide_log_axis() -> None:
    frame = results_frame([rated("acme/one", 2.0, params=1_000_000_000)])
    fig = energy_per_model(frame)
    lo, hi = fig.layout.xaxis.range
    assert hi - lo >= 3  # one category in an axis of four: the bar takes a quarter of the width
    params = energy_vs_parameters(frame)
    assert params.layout.xaxis.dtick == 1 and params.layout.xaxis.range[1] - params.layout.xaxis.range[0] == 1


def test_an_empty_task_shows_one_short_note_instead_of_figures(seeded: Leaderboard) -> None:
    h = LeaderboardHandlers(seeded)
    out = h.plots(REFERENCE_VERSION_ID, "reasoning", "All", "", RATED_HARDWARE, "")
    assert all(fig.visible is False for fig in out[:4])
    assert out[4].visible is True and "No results to plot" in out[4].value


# ---- 5. speed: bounded responses, no resent plots, no run history -----------------------------


def test_plots_are_not_resent_when_their_rows_did_not_change(seeded: Leaderboard) -> None:
    h = LeaderboardHandlers(seeded)
    first = h.plots(REFERENCE_VERSION_ID, "text_generation", "All", "", RATED_HARDWARE, "")
    key = first[5]
    again = h.plots(REFERENCE_VERSION_ID, "text_generation", "All", "  ", RATED_HARDWARE, key)
    assert all(isinstance(v, type(gr.skip())) and v == gr.skip() for v in again)
    other = h.plots(REFERENCE_VERSION_ID, "text_generation", "B", "", RATED_HARDWARE, key)
    assert other[5] != key


def _many(n: int) -> list[RatedResult]:
    return [rated(f"org{i % 37}/model-{i}", 1.0 + i / 10, (i % 5) + 1) for i in range(n)]


class _Fixed:
    """A store holding one version of given results (only what the leaderboard reads)."""

    def __init__(self, results: list[RatedResult]) -> None:
        from shared.store.models import VersionInfo

        self.results = results
        self.info = VersionInfo("v1", "Version 1", "2026-12-01T00:00:00+00:00", "", len(results))

    def versions(self) -> list[object]:
        return [self.info]

    def version_results(self, version_id: str) -> list[RatedResult]:
        return self.results

    def get_result(self, result_id: str) -> RatedResult | None:
        return next((r for r in self.results if r.result_id == result_id), None)


@pytest.mark.parametrize("n", [200, 5_000])
def test_a_filter_response_size_does_not_grow_with_the_results(n: int) -> None:
    h = LeaderboardHandlers(Leaderboard(_Fixed(_many(n))))  # type: ignore[arg-type]
    out = h.on_filter("v1", "text_generation", "All", "", "energy", False, RATED_HARDWARE, None, None)
    picker, compare_picker = out[4], out[5]
    assert len(picker.choices) <= MAX_MODEL_CHOICES and len(compare_picker.choices) <= MAX_MODEL_CHOICES
    size = len(json.dumps([v if isinstance(v, (str, int)) else str(v) for v in out[:4]]))
    size += len(json.dumps(picker.choices)) + len(json.dumps(compare_picker.choices))
    assert size < 200_000  # one page of 100 rows and 50 choices, whatever the number of results


def test_the_csv_is_written_only_when_asked_for(seeded: Leaderboard) -> None:
    before = set(seeded.downloads.root.rglob("*.csv"))
    seeded.table(REFERENCE_VERSION_ID, "text_generation", "B")
    assert set(seeded.downloads.root.rglob("*.csv")) == before
    path = seeded.csv_path(REFERENCE_VERSION_ID, "text_generation", "B")
    assert path is not None and path.exists()
    assert {r["class"] for r in csv.DictReader(io.StringIO(path.read_text()))} == {"B"}


def test_run_history_is_off_and_a_favicon_is_served(seeded: Leaderboard) -> None:
    demo = build_demo(seeded.data.store, warm_up=False)
    assert isinstance(demo, LeaderboardBlocks)
    demo.run_history = True  # what a launcher may ask
    assert demo.run_history is False
    demo.favicon_path = None  # what launch() and mount_gradio_app() set when not given one
    assert demo.favicon_path == str(FAVICON) and FAVICON.read_text().lstrip().startswith("<svg")


# ---- 4. performance figures as optional columns -----------------------------------------------


def with_perf(model_id: str, energy: float, p50: float, cls: str = "A") -> RatedResult:
    """A result carrying the runner's performance block (as `shared.bundle.perf_fields` writes it)."""
    base = rated(model_id, energy, cls=cls)
    block = {
        "figures": {
            "latency_p50_s": p50,
            "latency_p90_s": p50 * 1.5,
            "throughput_queries_per_s": 1 / p50,
            "energy_per_output_token_wh": 0.002,
        },
        "peak_memory_used_mib": 2048.0,
    }
    rec = dataclasses.replace(base.record, environment={**base.record.environment, "performance": block})
    return dataclasses.replace(base, record=rec)


def test_performance_figures_become_optional_columns() -> None:
    frame = results_frame([with_perf("a/fast", 2.0, 0.1), rated("a/plain", 1.0)])
    row = frame.set_index("model_id").loc["a/fast"]
    assert row["latency_p50_s"] == pytest.approx(0.1) and row["peak_memory_gib"] == pytest.approx(2.0)
    assert row["energy_per_output_token_wh"] == pytest.approx(2.0)  # shown in mWh
    assert perf_present(frame) == [
        "latency_p50_s",
        "latency_p90_s",
        "throughput_queries_per_s",
        "peak_memory_gib",
        "energy_per_output_token_wh",
    ]
    html = table_html(frame, TASKS["text_generation"], 2.0, "energy", False)
    assert 'class="lb-opt lb-opt-latency_p50_s"' in html and "Latency p50 (s)" in html
    # No figures anywhere: no optional column at all.
    assert "lb-opt" not in table_html(
        results_frame([rated("a/plain", 1.0)]), TASKS["text_generation"], 1.0, "energy", False
    )


def test_column_picker_is_hidden_when_no_result_has_figures(seeded: Leaderboard) -> None:
    h = LeaderboardHandlers(seeded)
    assert h.column_picker(REFERENCE_VERSION_ID, "text_generation", []).visible is False
    lb = Leaderboard(_Fixed([with_perf("a/fast", 2.0, 0.1), rated("a/plain", 1.0)]))  # type: ignore[arg-type]
    picker = LeaderboardHandlers(lb).column_picker("v1", "text_generation", ["latency_p50_s", "gone"])
    assert picker.visible is True and picker.value == ["latency_p50_s"]
    assert ("Latency p50 (s)", "latency_p50_s") in picker.choices


def test_energy_against_latency_marks_the_pareto_frontier() -> None:
    frame = results_frame(
        [
            with_perf("a/fast-hungry", 5.0, 0.1),
            with_perf("a/slow-frugal", 1.0, 1.0),
            with_perf("a/dominated", 6.0, 2.0),
            rated("a/no-latency", 3.0),
        ]
    )
    fig = energy_vs_latency(frame)
    assert fig is not None
    front = next(t for t in fig.data if t.name == "Pareto frontier")
    assert list(front.text) == ["a/fast-hungry", "a/slow-frugal"]
    assert energy_vs_latency(results_frame([rated("a/b", 1.0)])) is None


def test_the_suite_serves_the_favicon_at_its_root_and_under_the_leaderboard(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from app import build_app

    client = TestClient(build_app(SQLiteStore(tmp_path / "s.sqlite3"), seed=False))
    for path in ("/favicon.ico", "/leaderboard/favicon.ico"):
        resp = client.get(path)
        assert resp.status_code == 200 and b"<svg" in resp.content, path


def test_a_replica_stands_for_the_architecture_it_copies() -> None:
    from shared.records import ResultRecord

    replica = ResultRecord("asr", "openai/whisper-tiny-replica", 1.0, random_weights=True)
    assert replica.architecture_id == "openai/whisper-tiny" and not replica.is_published_figure
    # A trained model whose name happens to end so is its own model.
    assert ResultRecord("asr", "acme/x-replica", 1.0).architecture_id == "acme/x-replica"


def test_performance_figures_are_read_from_the_records_performance_block() -> None:
    from leaderboard.table import perf_figures
    from shared.records import ResultRecord

    rec = ResultRecord("text_generation", "a/b", 1.0)
    if not hasattr(rec, "performance"):
        pytest.skip("this checkout's ResultRecord has no performance field yet")
    rec = dataclasses.replace(rec, performance={"figures": {"latency_p99_s": 0.5}, "peak_memory_used_mib": 1024.0})
    assert perf_figures(rec) == {"latency_p99_s": 0.5, "peak_memory_gib": 1.0}
