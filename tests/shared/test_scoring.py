"""Star scoring (shared/method/scoring.py): the formula, the documented edge cases and its properties."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.method.scoring import assign_stars, band_edges, scoring_group, stars_by_group

REPO = Path(__file__).resolve().parents[2]

energy = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
energies = st.lists(energy, min_size=1, max_size=30)
PROPS = settings(max_examples=300, deadline=None)


def formula(es: list[float]) -> list[int]:
    """docs/METHODOLOGY.md §2: stars = 5 - min(4, floor(5 * (E - Emin) / (Emax - Emin))), exactly."""
    lo, hi = min(es), max(es)
    if lo == hi:
        return [5] * len(es)
    return [5 - min(4, math.floor(5 * (Fraction(e) - Fraction(lo)) / (Fraction(hi) - Fraction(lo)))) for e in es]


def test_done_when_command() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from shared.method.scoring import assign_stars; print(assign_stars([1, 2, 3, 4, 5, 6]))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stars = eval(out)  # a printed list of ints
    assert isinstance(stars, list) and len(stars) == 6 and all(type(s) is int for s in stars)
    assert stars[0] == 5 and stars[-1] == 1
    assert stars == sorted(stars, reverse=True)
    assert stars == [5, 4, 3, 2, 1, 1]


# --- edge cases ------------------------------------------------------------------------------------


def test_empty() -> None:
    assert assign_stars([]) == []
    assert band_edges([]) == []


def test_one_result_gets_five() -> None:
    assert assign_stars([3.7]) == [5]
    assert assign_stars([0.0]) == [5]


def test_all_equal_get_five() -> None:
    assert assign_stars([2.5, 2.5, 2.5]) == [5, 5, 5]


def test_band_edges_go_to_the_band_above() -> None:
    # range [0, 10]: edges at 2, 4, 6, 8; a value on an edge takes the lower star count
    assert assign_stars([0, 2, 4, 6, 8, 10]) == [5, 4, 3, 2, 1, 1]
    assert assign_stars([0, 1.999999, 2, 2.000001, 10]) == [5, 5, 4, 4, 1]
    assert assign_stars([0, 7.999999, 8, 10]) == [5, 2, 1, 1]


def test_max_is_capped_into_one_star() -> None:
    assert assign_stars([1, 1, 9]) == [5, 5, 1]
    assert assign_stars([5, 1]) == [1, 5]


def test_two_results() -> None:
    assert assign_stars([1.31, 8500.0]) == [5, 1]


def test_band_edges_for_display() -> None:
    assert band_edges([10, 0, 5]) == [0, 2, 4, 6, 8, 10]
    assert band_edges([3, 3]) == [3] * 6


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), -0.5, "2.0", None])
def test_invalid_energy_raises(bad: object) -> None:
    with pytest.raises(ValueError, match="finite, non-negative"):
        assign_stars([1.0, bad, 3.0])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        band_edges([1.0, bad])  # type: ignore[list-item]


def test_input_order_kept_and_ints_accepted() -> None:
    assert assign_stars([10, 0, 5]) == [1, 5, 3]
    assert all(type(s) is int for s in assign_stars([0.1, 0.7, 0.3]))


# --- properties ------------------------------------------------------------------------------------


@PROPS
@given(energies)
def test_matches_the_formula_and_range(es: list[float]) -> None:
    stars = assign_stars(es)
    assert stars == formula(es)
    assert len(stars) == len(es) and all(1 <= s <= 5 for s in stars)


@PROPS
@given(energies)
def test_lower_energy_never_gets_fewer_stars(es: list[float]) -> None:
    stars = assign_stars(es)
    for e1, s1 in zip(es, stars, strict=True):
        for e2, s2 in zip(es, stars, strict=True):
            if e1 < e2:
                assert s1 >= s2


@PROPS
@given(energies)
def test_min_gets_five_and_max_one_when_they_differ(es: list[float]) -> None:
    stars = assign_stars(es)
    lo, hi = min(es), max(es)
    for e, s in zip(es, stars, strict=True):
        if e == lo:
            assert s == 5
        if e == hi and lo != hi:
            assert s == 1


@PROPS
@given(energies, st.integers(min_value=-30, max_value=30))
def test_scaling_by_powers_of_two_changes_nothing(es: list[float], k: int) -> None:
    scaled = [math.ldexp(e, k) for e in es]
    assert all(math.ldexp(s, -k) == e for s, e in zip(scaled, es, strict=True))  # exact
    assert assign_stars(scaled) == assign_stars(es)


@PROPS
@given(energies, st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_by_any_factor_changes_nothing_away_from_band_edges(es: list[float], factor: float) -> None:
    lo, hi = min(es), max(es)
    assume(hi - lo > 1e-9 * hi)
    for e in es:
        if e not in (lo, hi):  # min and max stay min and max whatever the factor
            x = 5 * (e - lo) / (hi - lo)
            assume(abs(x - round(x)) > 1e-6)
    assert assign_stars([e * factor for e in es]) == assign_stars(es)


@PROPS
@given(energies, st.randoms(use_true_random=False))
def test_order_does_not_matter(es: list[float], rnd: random.Random) -> None:
    idx = list(range(len(es)))
    rnd.shuffle(idx)
    stars = assign_stars(es)
    assert assign_stars([es[i] for i in idx]) == [stars[i] for i in idx]


@PROPS
@given(energies)
def test_band_edges_are_increasing_from_min_to_max(es: list[float]) -> None:
    edges = band_edges(es)
    assert len(edges) == 6 and edges[0] == min(es) and math.isclose(edges[-1], max(es))
    assert edges == sorted(edges)


# --- grouping --------------------------------------------------------------------------------------


def test_scoring_group() -> None:
    assert scoring_group("text_generation", "A", True) == ("text_generation", "A")
    assert scoring_group("text_generation", None, True) == ("text_generation", "")
    assert scoring_group("asr", "A", False) == ("asr", "")
    assert scoring_group("asr", None, False) == ("asr", "")


def test_stars_by_group_rates_each_group_alone() -> None:
    items = [
        ("tg-a-1", scoring_group("text_generation", "A", True), 1.0),
        ("tg-a-2", scoring_group("text_generation", "A", True), 2.0),
        ("tg-b-1", scoring_group("text_generation", "B", True), 50.0),
        ("tg-b-2", scoring_group("text_generation", "B", True), 10.0),
        ("asr-1", scoring_group("asr", "C", False), 100.0),
        ("asr-2", scoring_group("asr", None, False), 0.5),
        ("rs-a-1", scoring_group("reasoning", "A", True), 1000.0),
    ]
    stars = stars_by_group(items)
    assert stars == {
        "tg-a-1": 5,
        "tg-a-2": 1,  # class A alone, not against class B
        "tg-b-1": 1,
        "tg-b-2": 5,
        "asr-1": 1,
        "asr-2": 5,  # no classes for ASR: both in one group
        "rs-a-1": 5,  # reasoning is its own task
    }


@PROPS
@given(st.lists(st.tuples(st.sampled_from([("t1", ""), ("t2", "A"), ("t2", "B")]), energy), max_size=25))
def test_stars_by_group_equals_assign_stars_per_group(rows: list[tuple[tuple[str, str], float]]) -> None:
    items = [(i, g, e) for i, (g, e) in enumerate(rows)]
    stars = stars_by_group(items)
    assert set(stars) == set(range(len(rows)))
    for group in {g for g, _ in rows}:
        members = [(i, e) for i, g, e in items if g == group]
        assert [stars[i] for i, _ in members] == assign_stars([e for _, e in members])
