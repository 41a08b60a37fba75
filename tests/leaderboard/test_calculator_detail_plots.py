"""Workload calculator, detail view (provenance) and plots."""

from __future__ import annotations

import dataclasses
import math

import pytest

from leaderboard.calculator import calculator_html, estimate
from leaderboard.detail import detail_html, phase_shares, provenance
from leaderboard.plots import (
    MAX_BARS,
    STAR_COLORS,
    energy_per_model,
    energy_vs_parameters,
    energy_vs_quality,
    pareto_frontier,
)
from leaderboard.table import results_frame
from shared.records import FORMAT_REFERENCE
from shared.store.models import RatedResult
from tests.leaderboard.conftest import Filled
from tests.leaderboard.test_table import rated

# ---- calculator -------------------------------------------------------------------------------


def test_yearly_energy_and_co2() -> None:
    est = estimate("acme/a", 2.0, queries_per_day=100_000, grid_g_per_kwh=402.49)
    # 2 Wh per 1,000 queries x 100 (thousands a day) x 365 days = 73,000 Wh = 73 kWh.
    assert est.workload.kwh_per_year == pytest.approx(73.0)
    assert est.workload.co2e_kg_per_year == pytest.approx(73.0 * 0.40249)
    assert est.workload.equivalents.microwave_hours == pytest.approx(73.0)
    assert est.workload.equivalents.led_bulb_hours == pytest.approx(7300.0)
    assert (est.workload.equivalents.ebike_miles_low, est.workload.equivalents.ebike_miles_high) == (
        pytest.approx(1460.0),
        pytest.approx(2920.0),
    )


def test_pue_and_whole_server_scale_the_energy() -> None:
    base = estimate("m", 2.0, 1000).workload.kwh_per_year
    assert estimate("m", 2.0, 1000, pue=1.2).workload.kwh_per_year == pytest.approx(base * 1.2)
    assert estimate("m", 2.0, 1000, whole_server=True).workload.kwh_per_year == pytest.approx(base * 2)
    assert estimate("m", 2.0, 1000, grid_g_per_kwh=0).workload.co2e_kg_per_year == 0


@pytest.mark.parametrize(("qpd", "grid", "pue"), [(-1, 400, 1), (math.nan, 400, 1), (10, -5, 1), (10, 400, 0.9)])
def test_bad_inputs_are_refused_with_a_message(qpd: float, grid: float, pue: float) -> None:
    with pytest.raises(ValueError):
        estimate("m", 2.0, qpd, grid, pue)
    assert "lb-empty" in calculator_html("m", 2.0, qpd, grid, pue)


def test_calculator_html() -> None:
    html = calculator_html("acme/a", 2.0, 100_000, 402.49, 1.0)
    assert "73 kWh" in html and "29.4 kg" in html and "microwave" in html and "acme/a" in html
    assert "Choose a model" in calculator_html(None, None, 1000, 402.49, 1.0)
    assert "lb-empty" in calculator_html("acme/a", 2.0, None, 402.49, 1.0)


# ---- detail -----------------------------------------------------------------------------------


def test_provenance_lists_every_fact_behind_the_number(filled: Filled) -> None:
    rid = filled.ids["bigco/large-30b"]
    r = filled.store.get_result(rid)
    assert r is not None
    prov = provenance(r, "November 2026")
    facts = {k: v for rows in prov.sections.values() for k, v in rows}
    assert facts["Submission id"] == r.submission_id and facts["Bundle sha256"] == r.bundle_sha256
    assert facts["Repetitions"] == "3" and facts["Queries per repetition"] == "1,000"
    assert facts["Stars"] == "5 of 5 in class B in November 2026" and facts["Class"] == "B"
    assert facts["Batch size"] == "1"  # configuration, in plain words
    assert facts["Dataset"] == "AIEnergyScore/text_generation"  # dataset: a Hub id stays as it is
    assert facts["NVIDIA driver"] == "580.159.04" and facts["torch"] == "2.11.0"
    assert "–" in facts["95% confidence interval"]
    assert [p.name for p in prov.phases] == ["preprocess", "prefill", "decode"]
    assert prov.links["Generate its label"] == f"/label?result={rid}"
    html = detail_html(r, "November 2026")
    assert r.bundle_sha256 in html and f'href="/label?result={rid}"' in html and "Phase breakdown" in html


def test_phase_shares_sum_to_the_total() -> None:
    shares = phase_shares({"preprocess": 0.1, "forward": 0.9}, 1.0)
    assert sum(s.share or 0 for s in shares) == pytest.approx(1.0)
    assert phase_shares({"forward": 1.0}, 0.0)[0].share is None


def test_detail_of_a_sparse_reference_record() -> None:
    base = rated("acme/a", 1.0)
    rec = dataclasses.replace(
        base.record, source_format=FORMAT_REFERENCE, environment={}, config={}, dataset={}, repetitions=1
    )
    facts = provenance(RatedResult(base.result_id, "sub", "ff" * 32, rec, None, None))
    flat = {k: v for rows in facts.sections.values() for k, v in rows}
    assert flat["Configuration"] == "not recorded" and flat["Stars"] == "unrated"
    assert flat["95% confidence interval"].startswith("n/a") and "Coefficient of variation" not in flat
    assert "reference runner (converted)" in flat["Measured from"]


# ---- plots ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("energy", "quality", "expected"),
    [
        ([1, 2, 3], [10, 20, 30], [0, 1, 2]),  # each costs more and is better: all optimal
        ([1, 2, 3], [30, 20, 10], [0]),  # the cheapest is also the best
        ([1, 1, 2], [10, 20, 20], [1]),  # same energy: the better one; same quality: the cheaper one
        ([1, math.nan, 3], [10, 50, 40], [0, 2]),  # NaN ignored
        ([], [], []),
    ],
)
def test_pareto_frontier(energy: list[float], quality: list[float], expected: list[int]) -> None:
    assert pareto_frontier(energy, quality) == expected


def test_energy_per_model_log_scale_coloured_by_stars() -> None:
    frame = results_frame([rated("acme/a", 1.0, 5), rated("acme/b", 50.0, 1), rated("acme/c", 2.0, 5)])
    fig = energy_per_model(frame)
    assert fig.layout.yaxis.type == "log"
    assert tuple(fig.layout.yaxis.range) == pytest.approx((0.0, math.log10(50.0) + 0.1))  # every bar from 1 Wh
    colours = {t.marker.color: list(t.x) for t in fig.data}
    assert colours == {STAR_COLORS[5]: ["acme/a", "acme/c"], STAR_COLORS[1]: ["acme/b"]}
    assert list(fig.layout.xaxis.categoryarray) == ["acme/a", "acme/c", "acme/b"]


def test_two_runs_of_one_model_get_a_bar_each() -> None:
    # The same replica measured by the runner and through a serving engine: one bar must not hide the other.
    own, served = rated("acme/a", 6.83, None), rated("acme/a", 9.81, None)
    served = dataclasses.replace(served, result_id="res_endpoint")
    fig = energy_per_model(results_frame([own, served, rated("acme/b", 2.0, None)]))
    names = list(fig.layout.xaxis.categoryarray)
    assert names == ["acme/b", "acme/a · acme_a", "acme/a · dpoint"]
    assert sorted(x for t in fig.data for x in t.x) == sorted(names)


def test_close_energies_get_bars_from_zero_on_a_linear_axis() -> None:
    # 1.34 vs 1.77 Wh on a log axis starting near 1.3 would draw a 1.3x gap as a 20x longer bar.
    fig = energy_per_model(results_frame([rated("acme/a", 1.34, 5), rated("acme/b", 1.77, 1)]))
    assert fig.layout.yaxis.type == "linear" and fig.layout.yaxis.rangemode == "tozero"
    assert "log" not in fig.layout.yaxis.title.text


def test_many_models_become_points_by_rank() -> None:
    frame = results_frame([rated(f"acme/m{i}", 1.0 + i, 5) for i in range(MAX_BARS + 1)])
    fig = energy_per_model(frame)
    assert {t.type for t in fig.data} == {"scattergl"} and len(fig.data[0].x) == MAX_BARS + 1


def test_energy_vs_parameters_skips_unknown_counts() -> None:
    frame = results_frame([rated("acme/a", 1.0, params=10**9), rated("acme/b", 2.0, params=None)])
    fig = energy_vs_parameters(frame)
    assert fig.layout.xaxis.type == "log" and sum(len(t.x) for t in fig.data) == 1


def test_energy_vs_quality_marks_the_frontier() -> None:
    frame = results_frame(
        [
            rated("acme/cheap", 1.0, 5, quality=40.0),
            rated("acme/waste", 5.0, 3, quality=35.0),
            rated("acme/best", 8.0, 1, quality=80.0),
            rated("acme/unscored", 2.0, 5),
        ]
    )
    fig = energy_vs_quality(frame)
    frontier = next(t for t in fig.data if t.name == "Pareto frontier")
    assert list(frontier.text) == ["acme/cheap", "acme/best"]
    assert sum(len(t.x) for t in fig.data if t.name != "Pareto frontier") == 3


def test_empty_views_give_a_note_not_an_error() -> None:
    empty = results_frame([])
    for fig in (energy_per_model(empty), energy_vs_parameters(empty), energy_vs_quality(empty)):
        assert not fig.data and fig.layout.annotations
        assert fig.layout.height < 200  # a line of text, not a chart-sized empty box


def test_long_names_are_cut_on_the_axis_and_margins_grow_for_titles() -> None:
    long_id = "CohereForAI/c4ai-command-r-plus-08-2024-with-a-long-suffix"
    fig = energy_per_model(results_frame([rated(long_id, 30.0, 1), rated("acme/b", 1.0, 5)]))
    assert fig.layout.xaxis.automargin and fig.layout.yaxis.automargin
    short = dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext, strict=True))
    assert short["acme/b"] == "acme/b" and short[long_id] == long_id[:31] + "…"
    assert fig.data[0].customdata[0][0] in (long_id, "acme/b")  # the hover keeps whole ids
