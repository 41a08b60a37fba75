"""The workload calculator: queries per day with one model -> kWh per year, CO2e, everyday equivalents.

All arithmetic is shared.method.units' (`yearly_workload`); this module only validates the inputs, adds the
method's optional whole-server estimate (2 x GPU) and renders the answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leaderboard.render import esc
from shared.method.units import SERVER_TO_GPU_FACTOR, US_2024_GRID_G_PER_KWH, Workload, format_energy, yearly_workload

DEFAULT_QUERIES_PER_DAY = 100_000
DEFAULT_PUE = 1.0


@dataclass(frozen=True)
class Estimate:
    """A yearly footprint and the inputs it came from.

    Attributes:
        model_id: The model.
        wh_per_1k: Its rated GPU energy, Wh per 1,000 queries.
        queries_per_day: Queries served every day.
        grid_g_per_kwh: Grid carbon intensity, gCO2e per kWh.
        pue: Data-centre power usage effectiveness applied.
        whole_server: True when the method's 2 x GPU server estimate is applied.
        workload: kWh/year, kg CO2e/year and everyday equivalents.
    """

    model_id: str
    wh_per_1k: float
    queries_per_day: float
    grid_g_per_kwh: float
    pue: float
    whole_server: bool
    workload: Workload


def estimate(
    model_id: str,
    wh_per_1k: float,
    queries_per_day: float = DEFAULT_QUERIES_PER_DAY,
    grid_g_per_kwh: float = US_2024_GRID_G_PER_KWH,
    pue: float = DEFAULT_PUE,
    whole_server: bool = False,
) -> Estimate:
    """Yearly footprint of serving `queries_per_day` queries with a model rated `wh_per_1k`.

    Raises ValueError with a visitor-readable message for a negative or non-finite input, or a PUE
    below 1.
    """
    for name, value in (("Queries per day", queries_per_day), ("Grid intensity", grid_g_per_kwh)):
        if value is None or not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a number of 0 or more.")
    if pue is None or not math.isfinite(pue) or pue < 1:
        raise ValueError("PUE is at least 1.0 (1.0 = GPU energy only; about 1.2 for a good data centre).")
    energy = wh_per_1k * (SERVER_TO_GPU_FACTOR if whole_server else 1.0)
    work = yearly_workload(energy, queries_per_day, grid_g_per_kwh, pue)
    return Estimate(model_id, wh_per_1k, queries_per_day, grid_g_per_kwh, pue, whole_server, work)


def _num(value: float, digits: int = 3) -> str:
    """A readable number: thousands separators, `digits` significant digits below 1,000."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}g}"


def estimate_html(est: Estimate) -> str:
    """The calculator's answer as HTML."""
    w, eq = est.workload, est.workload.equivalents
    scope = "whole-server estimate (2 × GPU)" if est.whole_server else "GPU energy"
    return (
        f'<div class="lb-calc"><p>Serving <b>{est.queries_per_day:,.0f}</b> queries a day with '
        f"<b>{esc(est.model_id)}</b> ({esc(format_energy(est.wh_per_1k))} per 1,000 queries), for a year, "
        f"{scope}, PUE {est.pue:g}:</p>"
        f'<div class="lb-kpis">'
        f'<div class="lb-kpi"><div class="v">{_num(w.kwh_per_year)} kWh</div><div class="k">energy per year</div></div>'
        f'<div class="lb-kpi"><div class="v">{_num(w.co2e_kg_per_year)} kg</div>'
        f'<div class="k">CO2e per year at {est.grid_g_per_kwh:g} g/kWh</div></div></div>'
        f"<p>That is about the same energy as:</p><ul>"
        f"<li>{_num(eq.microwave_hours)} hours of a 1,000 W microwave</li>"
        f"<li>{_num(eq.ebike_miles_low)} to {_num(eq.ebike_miles_high)} miles on an e-bike</li>"
        f"<li>{_num(eq.led_bulb_hours)} hours of a 10 W LED bulb</li></ul>"
        f'<p class="lb-muted">The rating measures GPU energy only; CPU, memory, network and cooling come on top '
        f"(PUE adds data-centre overhead; the whole-server option doubles the GPU figure, as the method suggests). "
        f"402.49 gCO2e/kWh is the US 2024 grid average.</p></div>"
    )


def calculator_html(
    model_id: str | None,
    wh_per_1k: float | None,
    queries_per_day: float | None,
    grid_g_per_kwh: float | None,
    pue: float | None,
    whole_server: bool = False,
) -> str:
    """The calculator's answer, a prompt to choose a model, or the input error, as HTML."""
    if not model_id or wh_per_1k is None:
        return '<p class="lb-muted">Choose a model (or click “Details” on a row) to estimate its yearly footprint.</p>'
    try:
        est = estimate(
            model_id,
            wh_per_1k,
            math.nan if queries_per_day is None else float(queries_per_day),
            math.nan if grid_g_per_kwh is None else float(grid_g_per_kwh),
            math.nan if pue is None else float(pue),
            whole_server,
        )
    except ValueError as exc:
        return f'<p class="lb-empty">{esc(exc)}</p>'
    return estimate_html(est)
