"""The query path (a version's rows in an index, `leaderboard.index`) against the in-memory path it replaced
(`results_frame` -> `split_by_task` -> `select_view`, the table rendered from the whole view): the same rows
in the same order with the same stars, the same page HTML, callout, figures and downloads, for every filter,
search, sort and page, on a store read through SQL and on one read through `Store.version_results`."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pandas as pd
import pytest

from leaderboard.exports import version_json
from leaderboard.plots import energy_per_model, energy_vs_parameters, energy_vs_quality
from leaderboard.render import callout_html, table_html
from leaderboard.table import (
    ALL_CLASSES,
    OTHER_HARDWARE,
    RATED_HARDWARE,
    SORT_COLUMNS,
    energy_spread,
    filter_class,
    filter_hardware,
    results_frame,
    select_view,
    split_by_task,
)
from leaderboard.views import MAX_PLOT_POINTS, Leaderboard, task_scope
from shared.method.tasks import get_task
from shared.records import ResultRecord
from shared.store.models import RatedResult, VersionInfo, now_utc
from shared.store.sqlite import RESULT_INSERT, SQLiteStore, ids_for, result_row, sha256_hex

TASK_IDS = ("text_generation", "image_classification", "asr")
MODELS = [f"{org}/{name}" for org in ("acme", "Qwen", "meta-llama", "bigco") for name in ("small", "mid-7b", "Large")]


def records(n: int, seed: int = 3) -> list[ResultRecord]:
    """Results made to tie: few energies, repeated models (runs told apart), missing values, other GPUs."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        task = TASK_IDS[i % len(TASK_IDS)]
        cls = rng.choice(["A", "A", "B", "C", None]) if task == "text_generation" else None
        energy = rng.choice([0.5, 1.0, 1.0, 2.5, 7.0, 40.0, 120.0]) * (1 + (i % 4) / 1000 if i % 5 else 1)
        out.append(
            ResultRecord(
                task_id=task,
                model_id=rng.choice(MODELS) + (f"-{i % 40}" if i % 3 else ""),
                gpu_energy_wh_per_1k=energy,
                model_class=cls,
                parameters=rng.choice([None, 300_000_000, 7_000_000_000, 7_000_000_000, 70_000_000_000]),
                quality_score=rng.choice([None, None, 40.0, 55.5, 70.0]),
                ci95_low_wh_per_1k=energy * 0.97 if i % 4 else None,
                ci95_high_wh_per_1k=energy * 1.04 if i % 4 else None,
                repetitions=10 if i % 4 else 1,
                precision=rng.choice(["", "bfloat16", "float16", "float32"]),
                created_utc=rng.choice(["2026-11-20T10:30:00+00:00", "2026-10-01T08:00:00+00:00", ""]),
                hardware=rng.choice(["NVIDIA H100 80GB HBM3"] * 4 + ["NVIDIA H200"]),
                random_weights=i % 7 == 0,
            )
        )
    return out


def sqlite_store(path: Path, recs: list[ResultRecord]) -> SQLiteStore:
    """A SQLite store holding the records approved and published as one version (stars by the store)."""
    store = SQLiteStore(path)
    stamp = now_utc()
    subs, rows = [], []
    for i, rec in enumerate(recs):
        bundle = json.dumps({"parity": i}).encode()
        digest = sha256_hex(bundle)
        sub_id, res_id = ids_for(digest)
        subs.append((sub_id, digest, bundle, f"p{i}.zip", "tester", stamp, stamp, "approved", stamp))
        rows.append(result_row(res_id, sub_id, rec))
    with store._tx() as db:
        db.executemany(
            "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name, attested_at, created_at,"
            " status, reviewed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            subs,
        )
        db.executemany(RESULT_INSERT, rows)
    store.publish_version("v1", "Version 1")
    return store


class ListStore:
    """A store that is not SQLite: one version of given results (read through `version_results`)."""

    def __init__(self, results: list[RatedResult]) -> None:
        self.results = results
        self.info = VersionInfo("v1", "Version 1", "2026-12-01T00:00:00+00:00", "", len(results))

    def versions(self) -> list[VersionInfo]:
        return [self.info]

    def version_results(self, version_id: str) -> list[RatedResult]:
        return list(self.results)

    def get_result(self, result_id: str, version_id: str | None = None) -> RatedResult | None:
        return next((r for r in self.results if r.result_id == result_id), None)


def list_store(recs: list[ResultRecord]) -> ListStore:
    # Stars as given (not recalibrated), some missing: the query path must carry them as they are.
    return ListStore(
        [
            RatedResult(f"res_{i:04d}", f"sub_{i:04d}", f"{i:064x}", rec, None if i % 11 == 0 else 1 + i % 5, "v1")
            for i, rec in enumerate(recs)
        ]
    )


@pytest.fixture(scope="module", params=["sqlite", "list"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Leaderboard, dict]:
    """(the app over a store, the old path's per-task frames of the same version)."""
    recs = records(360)
    if request.param == "sqlite":
        store = sqlite_store(tmp_path_factory.mktemp("parity") / "store.sqlite3", recs)
    else:
        store = list_store(recs)  # type: ignore[assignment]
    results = store.version_results("v1")
    return Leaderboard(store), split_by_task(results_frame(results))  # type: ignore[arg-type]


def old_view(tasks: dict, task: str, cls: str, query: str, sort: str, desc: bool, hw: str) -> pd.DataFrame:
    frame = tasks.get(task, results_frame([]))
    return select_view(frame, cls, query, sort, desc, hw).reset_index(drop=True)


STATES = [
    (task, hw, cls, query)
    for task in TASK_IDS
    for hw in (RATED_HARDWARE, OTHER_HARDWARE)
    for cls in ((ALL_CLASSES, "A", "B", "C") if task == "text_generation" else (ALL_CLASSES,))
    for query in ("", "qwen", "ACME  mid", "zzz")
]


def test_rows_order_and_stars_match_the_in_memory_path(pair: tuple[Leaderboard, dict]) -> None:
    lb, tasks = pair
    checked = 0
    for task, hw, cls, query in STATES:
        for sort in SORT_COLUMNS:
            for desc in (False, True):
                old = old_view(tasks, task, cls, query, sort, desc, hw)
                new = lb.view("v1", task, cls, query, sort, desc, hw).reset_index(drop=True)
                assert list(new["result_id"]) == list(old["result_id"]), (task, hw, cls, query, sort, desc)
                assert new["stars"].fillna(0).tolist() == old["stars"].fillna(0).tolist()
                if sort == "energy" and not desc:  # every column, every value, once per state
                    pd.testing.assert_frame_equal(new[old.columns], old, check_dtype=False, obj=f"{task} {query}")
                checked += len(old)
    assert checked > 2_000  # the states above really select rows


def test_pages_callout_and_counts_match(pair: tuple[Leaderboard, dict]) -> None:
    lb, tasks = pair
    for task, hw, cls, query in STATES:
        for sort, desc in (("energy", False), ("parameters", True), ("stars", True)):
            old = old_view(tasks, task, cls, query, sort, desc, hw)
            part = tasks.get(task, results_frame([]))
            for page in (0, 1, 2):
                tv = lb.table("v1", task, cls, query, sort, desc, page, hw)
                assert tv.rows == len(old)
                if filter_hardware(part, hw).empty or old.empty:
                    continue
                assert tv.table == table_html(old, get_task(task), float(part["energy"].max()), sort, desc, tv.page)
                spread = energy_spread(filter_class(filter_hardware(part, hw), cls))
                assert tv.callout == callout_html(spread, task_scope(task, cls))


def test_plots_match_and_large_views_keep_their_frontier(pair: tuple[Leaderboard, dict]) -> None:
    lb, tasks = pair
    for task, hw, cls, query in STATES:
        old = old_view(tasks, task, cls, query, "energy", False, hw)
        figs = lb.plots("v1", task, cls, query, hw)
        if old.empty:
            assert figs.empty
            continue
        if len(old) <= MAX_PLOT_POINTS:
            scope = task_scope(task, cls)
            assert figs.energy.to_json() == energy_per_model(old, f"GPU energy per model: {scope}").to_json()
            assert (
                figs.parameters.to_json()
                == energy_vs_parameters(old, f"GPU energy against parameters: {scope}").to_json()
            )
        if old["quality"].notna().any():
            assert figs.quality is not None
            front_new = figs.quality.data[-1]
            front_old = energy_vs_quality(old).data[-1]
            assert list(front_new.x) == list(front_old.x) and list(front_new.y) == list(front_old.y)


def test_a_large_view_is_drawn_thinned_with_its_whole_frontier(tmp_path: Path) -> None:
    recs = [dataclasses.replace(r, task_id="text_generation", model_class="A") for r in records(700, seed=5)]
    lb = Leaderboard(list_store(recs))  # type: ignore[arg-type]
    tasks = split_by_task(results_frame(lb.data.store.version_results("v1")))
    old = old_view(tasks, "text_generation", "A", "", "energy", False, RATED_HARDWARE)
    figs = lb.plots("v1", "text_generation", "A")
    drawn = sum(len(t.x) for t in figs.energy.data)
    assert (
        len(old) > MAX_PLOT_POINTS
        and drawn < len(old)
        and f"of {len(old):,} results drawn" in figs.energy.layout.title.text
    )
    ranks = sorted(x for t in figs.energy.data for x in t.x)
    assert ranks[0] == 1 and ranks[-1] == len(old)  # the view's own ranks, both ends kept
    front_old = energy_vs_quality(old).data[-1]
    assert list(figs.quality.data[-1].x) == list(front_old.x)  # type: ignore[union-attr]
    assert len(json.dumps(figs.energy.to_plotly_json(), default=str)) < 100_000


def test_downloads_match(pair: tuple[Leaderboard, dict], tmp_path: Path) -> None:
    lb, tasks = pair
    store = lb.data.store
    path = lb.version_json_path("v1")
    assert path is not None
    assert path.read_text() == version_json(store.versions()[0], store.version_results("v1"))
    csv_path = lb.csv_path("v1", "text_generation", "B", "", "parameters", True)
    assert csv_path is not None
    from leaderboard.exports import view_csv

    assert csv_path.read_text() == view_csv(
        old_view(tasks, "text_generation", "B", "", "parameters", True, RATED_HARDWARE)
    )


def test_detail_and_compare_read_single_results(pair: tuple[Leaderboard, dict]) -> None:
    lb, tasks = pair
    ids = list(tasks["text_generation"]["result_id"][:3])
    chosen = lb.compare_selection("v1", "text_generation", ids)
    assert [r.result_id for r in chosen] == ids
    stars = dict(zip(tasks["text_generation"]["result_id"], tasks["text_generation"]["stars"], strict=True))
    for r in chosen:
        assert (r.stars is None and pd.isna(stars[r.result_id])) or r.stars == stars[r.result_id]
    assert ids[0] in lb.detail("v1", ids[0])
