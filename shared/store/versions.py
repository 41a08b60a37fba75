"""Leaderboard versions: naming, and reproducing the stars frozen in a version.

A version is a named, dated, frozen set of results ("2026-11", "November 2026"). Publishing one
(Store.publish_version) rates every approved result anew; the stars of older versions stay as they
were frozen, and `recompute_stars` reproduces them exactly from the version's own members.
"""

from __future__ import annotations

import calendar
from datetime import date

from shared.method.scoring import stars_by_group
from shared.store.models import RatedResult, record_group


def version_for(day: date) -> tuple[str, str]:
    """(id, name) of the version published in the month of `day`: ('2026-11', 'November 2026')."""
    return f"{day.year:04d}-{day.month:02d}", f"{calendar.month_name[day.month]} {day.year}"


def recompute_stars(results: list[RatedResult]) -> dict[str, int | None]:
    """Stars of a version's results recomputed from their energies (result id -> stars); a result measured
    on another GPU than the H100 is not rated: None, as the version froze it."""
    stars = stars_by_group((r.result_id, record_group(r.record), r.record.gpu_energy_wh_per_1k) for r in results)
    return {r.result_id: stars.get(r.result_id) for r in results}
