"""What keeps the leaderboard fast at scale, as behaviour (the times themselves are measured by
benchmarks/browser_views.py): no result kept in memory, downloads written on request only, figures thinned
and built only while their tab is shown, pages read from the index a page at a time."""

from __future__ import annotations

import json

import gradio as gr

from leaderboard.handlers import LeaderboardHandlers
from leaderboard.index import VersionIndex
from leaderboard.table import RATED_HARDWARE
from leaderboard.views import Leaderboard
from shared.store.queries import iter_version_results
from tests.leaderboard.conftest import Filled


def test_a_version_is_an_index_on_disk_not_results_in_memory(filled: Filled) -> None:
    lb = Leaderboard(filled.store)
    data = lb.data.version("2026-11")
    assert isinstance(data, VersionIndex) and data.path.exists() and data.path.parent == lb.data.folder
    assert not hasattr(data, "results")  # single results are read from the store when asked for
    assert data.count("text_generation", RATED_HARDWARE) == 6 and data.has(filled.ids["acme/frugal-1b"])
    assert lb.data.result(filled.ids["bigco/huge-30b"], "2026-05").stars == 1  # type: ignore[union-attr]
    assert lb.data.result(filled.ids["bigco/huge-30b"], "2026-11").stars == 3  # type: ignore[union-attr]


def test_the_store_is_streamed_in_batches(filled: Filled) -> None:
    batches = list(iter_version_results(filled.store, "2026-11", batch=3))
    assert [len(b) for b in batches] == [3, 3, 2]
    ids = [r.result_id for b in batches for r in b]
    assert ids == [r.result_id for r in filled.store.version_results("2026-11")]
    ordered = [r for b in iter_version_results(filled.store, "2026-11", "task_energy", 2) for r in b]
    keys = [(r.record.task_id, r.record.gpu_energy_wh_per_1k, r.result_id) for r in ordered]
    assert keys == sorted(keys)


def test_no_download_is_written_at_start_or_by_a_view(filled: Filled) -> None:
    lb = Leaderboard(filled.store)
    lb.warm_up()
    lb.table("2026-11", "text_generation", "B")
    assert list(lb.downloads.root.rglob("*.json")) == [] and list(lb.downloads.root.rglob("*.csv")) == []
    out = LeaderboardHandlers(lb).on_json("2026-11")
    path = lb.version_json_path("2026-11")
    assert isinstance(out, gr.DownloadButton) and path is not None
    assert len(json.loads(path.read_text())["results"]) == 8


def test_the_table_page_carries_only_its_rows(filled: Filled) -> None:
    tv = Leaderboard(filled.store).table("2026-11", "text_generation", "All", "", "energy", False)
    assert tv.rows == 6 and len(tv.view) == 6 and tv.table.count("<tr data-row=") == 6


def test_figures_wait_for_their_tab(filled: Filled) -> None:
    h = LeaderboardHandlers(Leaderboard(filled.store))
    args = ("2026-11", "text_generation", "All", "", RATED_HARDWARE, "")
    hidden = h.plots(*args, False)
    assert all(v == gr.skip() for v in hidden)  # nothing built, the key kept: the tab's selection builds them
    shown = h.plots(*args, True)
    assert shown[0].visible is True and shown[5] != ""


def test_an_index_dropped_from_the_cache_is_deleted_once_unused(filled: Filled) -> None:
    from leaderboard.data import LeaderboardData

    data = LeaderboardData(filled.store, max_versions=1)
    first = data.version("2026-05")
    assert first is not None
    path = first.path
    data.version("2026-11")  # drops 2026-05 from the cache, but `first` still answers
    assert first.has(filled.ids["bigco/huge-30b"]) and path.exists()
    del first
    assert not path.exists()
    assert data.version("2026-05") is not None  # rebuilt when asked for again
