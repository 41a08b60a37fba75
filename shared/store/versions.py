"""Leaderboard versions: naming, and reproducing the stars frozen in a version.

A version is a named, dated, frozen set of results ("2026-11", "November 2026"). Publishing one
(Store.publish_version) rates every approved result anew; the stars of older versions stay as they
were frozen, and `recompute_stars` reproduces them exactly from the version's own members.
"""

from __future__ import annotations

import calendar
from datetime import date

from shared.method.scoring import scoring_group, stars_by_group
from shared.method.tasks import TASKS
from shared.store.models import RatedResult


def version_for(day: date) -> tuple[str, str]:
    """(id, name) of the version published in the month of `day`: ('2026-11', 'November 2026')."""
    return f"{day.year:04d}-{day.month:02d}", f"{calendar.month_name[day.month]} {day.year}"


def recompute_stars(results: list[RatedResult]) -> dict[str, int]:
    """Stars of a version's results recomputed from their energies (result id -> stars)."""
    return stars_by_group(
        (
            r.result_id,
            scoring_group(r.record.task_id, r.record.model_class, TASKS[r.record.task_id].has_classes),
            r.record.gpu_energy_wh_per_1k,
        )
        for r in results
    )
