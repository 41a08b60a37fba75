"""Table building, class filter, search, sort and the energy-difference callout (pure functions)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from leaderboard.table import (
    FRAME_COLUMNS,
    SORT_COLUMNS,
    energy_spread,
    filter_class,
    has_quality,
    results_frame,
    search,
    select_view,
    sort_view,
    split_by_task,
)
from shared.records import ResultRecord
from shared.store.models import RatedResult


def rated(
    model_id: str,
    energy: float,
    stars: int | None = 5,
    task: str = "text_generation",
    cls: str | None = "A",
    params: int | None = None,
    quality: float | None = None,
    ci: tuple[float, float] | None = None,
) -> RatedResult:
    """A RatedResult built directly (the store is not needed for pure table logic)."""
    rec = ResultRecord(
        task_id=task,
        model_id=model_id,
        gpu_energy_wh_per_1k=energy,
        model_class=cls,
        parameters=params,
        quality_score=quality,
        ci95_low_wh_per_1k=ci[0] if ci else None,
        ci95_high_wh_per_1k=ci[1] if ci else None,
        repetitions=10 if ci else 1,
        created_utc="2026-11-20T10:30:00+00:00",
        hardware="NVIDIA H100 80GB HBM3",
    )
    return RatedResult(f"res_{model_id.replace('/', '_')}", "sub_x", "ab" * 32, rec, stars, "v1")


@pytest.fixture
def frame() -> pd.DataFrame:
    return results_frame(
        [
            rated("Meta-Llama/Llama-3-8B", 8.0, 3, params=8_000_000_000, quality=60.0, ci=(7.6, 8.4)),
            rated("qwen/Qwen2-1.5B", 1.5, 5, params=1_500_000_000, ci=(1.45, 1.55)),
            rated("qwen/Qwen2-72B", 70.0, 1, cls="C", params=None),
            rated("acme/tiny", 2.0, 5, params=100_000_000, quality=30.0),
            rated("google/vit", 2.6, 5, task="image_classification", cls=None),
        ]
    )


def test_frame_has_one_row_per_result_with_every_column(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert len(frame) == 5
    row = frame[frame["model_id"] == "Meta-Llama/Llama-3-8B"].iloc[0]
    assert row["provider"] == "Meta-Llama" and row["model_name"] == "Llama-3-8B"
    assert row["search_key"] == "meta-llama/llama-3-8b"
    assert row["date"] == "2026-11-20"
    assert row["ci_rel_width"] == pytest.approx(0.1)
    assert math.isnan(frame[frame["model_id"] == "qwen/Qwen2-72B"].iloc[0]["parameters"])


def test_empty_frame_keeps_columns() -> None:
    empty = results_frame([])
    assert empty.empty and list(empty.columns) == list(FRAME_COLUMNS)
    assert select_view(empty, "A", "x").empty
    assert energy_spread(empty) is None and not has_quality(empty)


def test_split_by_task_orders_each_task_by_energy(frame: pd.DataFrame) -> None:
    parts = split_by_task(frame)
    assert set(parts) == {"text_generation", "image_classification"}
    assert list(parts["text_generation"]["energy"]) == [1.5, 2.0, 8.0, 70.0]


def test_class_filter(frame: pd.DataFrame) -> None:
    assert set(filter_class(frame, "C")["model_id"]) == {"qwen/Qwen2-72B"}
    assert len(filter_class(frame, "All")) == len(filter_class(frame, None)) == 5
    assert filter_class(frame, "B").empty


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("qwen", {"qwen/Qwen2-1.5B", "qwen/Qwen2-72B"}),
        ("QWEN2-7", {"qwen/Qwen2-72B"}),  # any case
        ("meta-llama", {"Meta-Llama/Llama-3-8B"}),  # provider
        ("qwen 1.5b", {"qwen/Qwen2-1.5B"}),  # every term must match; '.' is not a regex
        ("  ", None),  # blank: everything
        ("nothing-like-this", set()),
    ],
)
def test_search(frame: pd.DataFrame, query: str, expected: set[str] | None) -> None:
    found = set(search(frame, query)["model_id"])
    assert found == (set(frame["model_id"]) if expected is None else expected)


def test_sort_by_energy_both_ways(frame: pd.DataFrame) -> None:
    tg = frame[frame["task_id"] == "text_generation"]
    assert list(sort_view(tg, "energy")["energy"]) == [1.5, 2.0, 8.0, 70.0]
    assert list(sort_view(tg, "energy", descending=True)["energy"]) == [70.0, 8.0, 2.0, 1.5]


def test_sort_puts_missing_values_last_in_both_directions(frame: pd.DataFrame) -> None:
    for descending in (False, True):
        order = list(sort_view(frame, "parameters", descending)["model_id"])
        assert order[-1] == "qwen/Qwen2-72B"
    assert list(sort_view(frame, "quality", True)["model_id"])[:2] == ["Meta-Llama/Llama-3-8B", "acme/tiny"]


def test_sort_by_model_is_case_insensitive_and_stars_tie_break_by_energy(frame: pd.DataFrame) -> None:
    assert list(sort_view(frame, "model")["model_id"])[:2] == ["acme/tiny", "google/vit"]
    five = list(sort_view(frame, "stars", descending=True)["model_id"])[:3]
    assert five == ["qwen/Qwen2-1.5B", "acme/tiny", "google/vit"]


def test_every_sort_key_works_and_unknown_raises(frame: pd.DataFrame) -> None:
    for key in SORT_COLUMNS:
        assert len(sort_view(frame, key)) == 5
    with pytest.raises(KeyError, match="energy"):
        sort_view(frame, "colour")


def test_select_view_filters_searches_then_sorts(frame: pd.DataFrame) -> None:
    view = select_view(frame, "A", "qwen", "energy", False)
    assert list(view["model_id"]) == ["qwen/Qwen2-1.5B"]


def test_energy_spread_is_max_over_min(frame: pd.DataFrame) -> None:
    spread = energy_spread(frame[frame["task_id"] == "text_generation"])
    assert spread is not None
    assert spread.ratio == pytest.approx(70.0 / 1.5)
    assert (spread.low_model, spread.high_model, spread.count) == ("qwen/Qwen2-1.5B", "qwen/Qwen2-72B", 4)
