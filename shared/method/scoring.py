"""Five 20%-band star scoring, per task (and class for text generation) and leaderboard version.

Rule (docs/METHODOLOGY.md §2): split [Emin, Emax] into five equal-width bands; the lowest-energy band gets
5 stars, the highest 1:  stars = 5 - min(4, floor(5 * (E - Emin) / (Emax - Emin))).

Edge cases, as we define them (docs/METHOD_CHOICES.md):
- empty input -> empty list;
- one result, or all results equal -> every result gets 5 stars (nothing is worse than it);
- a value exactly on a band edge belongs to the band above it (the floor of the formula), except
  Emax itself, which is capped into the 1-star band; the arithmetic is exact (fractions of the
  float values), so scaling every energy by a power of two never moves a result across an edge;
- NaN, infinite or negative energy -> ValueError: such a value never passes bundle validation, so
  seeing one here is a bug, not a result to hide.

Only H100 results are rated (docs/METHODOLOGY.md §1): a result measured on another GPU
(shared.method.hardware) has no scoring group, so it is never rated with H100 results and gets no stars.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from fractions import Fraction
from typing import TypeVar

MAX_STARS = 5
BANDS = 5

K = TypeVar("K", bound=Hashable)
# A scoring group: (task id, class), the class '' for tasks without classes.
Group = tuple[str, str]


def _check(energies: Sequence[float]) -> None:
    for i, e in enumerate(energies):
        if not isinstance(e, (int, float)) or not math.isfinite(e) or e < 0:
            raise ValueError(f"Energy #{i} is {e!r}: star scoring needs finite, non-negative Wh values.")


def assign_stars(energies: Sequence[float]) -> list[int]:
    """Stars (1-5) for each energy, in input order; lower energy gets more stars."""
    _check(energies)
    if not energies:
        return []
    lo, hi = min(energies), max(energies)
    if lo == hi:
        return [MAX_STARS] * len(energies)
    span = Fraction(hi) - Fraction(lo)
    stars = []
    for e in energies:
        band = math.floor(BANDS * (Fraction(e) - Fraction(lo)) / span)
        stars.append(MAX_STARS - min(BANDS - 1, band))
    return stars


def band_edges(energies: Sequence[float]) -> list[float]:
    """The six band edges [Emin, ..., Emax] of a group, for display (empty if no energies)."""
    _check(energies)
    if not energies:
        return []
    lo, hi = min(energies), max(energies)
    return [lo + (hi - lo) * k / BANDS for k in range(BANDS + 1)]


def scoring_group(task_id: str, model_class: str | None, has_classes: bool, rated: bool = True) -> Group | None:
    """The group a result is rated in: (task, class) for tasks with classes, (task, '') otherwise; None for
    a result that is not rated (`rated` False: measured on a GPU other than the H100), which no group holds."""
    if not rated:
        return None
    return (task_id, (model_class or "") if has_classes else "")


def stars_by_group(items: Iterable[tuple[K, Group | None, float]]) -> dict[K, int]:
    """Stars for many results at once: items are (result key, scoring group, energy Wh/1k). An item without
    a group (not rated) gets no stars: it is absent from the result and moves no other result's stars."""
    groups: dict[Group, list[tuple[K, float]]] = defaultdict(list)
    for key, group, energy in items:
        if group is not None:
            groups[group].append((key, energy))
    out: dict[K, int] = {}
    for members in groups.values():
        for (key, _), s in zip(members, assign_stars([e for _, e in members]), strict=True):
            out[key] = s
    return out
