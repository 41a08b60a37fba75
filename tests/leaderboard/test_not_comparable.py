"""A published figure set beside one of ours in the detail view says "not comparable" where the reference's
workload for the task differs from ours (summarization, sentence similarity), and only there."""

from __future__ import annotations

import pytest

from leaderboard.detail import OtherFigure, other_figures_html
from shared.method.tasks import TASKS
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import RatedResult


def _rated(task: str, published: bool, rid: str) -> RatedResult:
    rec = ResultRecord(task_id=task, model_id="org/model", gpu_energy_wh_per_1k=1.5, hardware="NVIDIA H100 80GB HBM3")
    if published:
        rec.source_format, rec.provenance = FORMAT_PUBLISHED, PROVENANCE_PUBLISHED
    return RatedResult(rid, rid, rid, rec, 3, "v")


@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_warning_follows_the_tasks_reference_difference(task: str) -> None:
    html = other_figures_html(_rated(task, False, "a"), "demo", [OtherFigure(_rated(task, True, "b"), "official")])
    differs = TASKS[task].reference_differs
    assert ("Not comparable" in html) == bool(differs)
    if differs:
        assert differs.split(";")[0] in html


def test_summarization_and_sentence_similarity_differ() -> None:
    assert TASKS["summarization"].reference_differs and TASKS["sentence_similarity"].reference_differs
    assert not TASKS["text_generation"].reference_differs


def test_two_figures_of_the_same_runner_get_no_warning() -> None:
    html = other_figures_html(
        _rated("summarization", False, "a"), "demo", [OtherFigure(_rated("summarization", False, "b"), "v2")]
    )
    assert "Not comparable" not in html
