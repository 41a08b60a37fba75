"""Units, normalisation to Wh per 1,000 queries, CO2e, PUE and everyday equivalents.

Figures of the everyday equivalents are the ones docs/METHODOLOGY.md §8 gives: 1 kWh = 1 hour of a 1,000 W
microwave, 20-40 miles of e-bike, 100 hours of a 10 W LED bulb.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

J_PER_WH = 3600.0
MJ_PER_WH = 3_600_000.0  # millijoules per Wh: NVML's counter is in mJ
WH_PER_KWH = 1000.0
QUERIES_PER_RATING = 1000
US_2024_GRID_G_PER_KWH = 402.49
DEFAULT_PUE = 1.2
SERVER_TO_GPU_FACTOR = 2.0
MICROWAVE_W = 1000.0
LED_BULB_W = 10.0
EBIKE_MILES_PER_KWH = (20.0, 40.0)


def j_to_wh(joules: float) -> float:
    """Joules to watt-hours."""
    return joules / J_PER_WH


def mj_to_wh(millijoules: float) -> float:
    """Millijoules (NVML's counter unit) to watt-hours."""
    return millijoules / MJ_PER_WH


def wh_to_kwh(wh: float) -> float:
    """Watt-hours to kilowatt-hours."""
    return wh / WH_PER_KWH


def kwh_to_wh(kwh: float) -> float:
    """Kilowatt-hours to watt-hours."""
    return kwh * WH_PER_KWH


def wh_per_1k_queries(total_wh: float, queries: int) -> float:
    """Normalise the energy of a run of `queries` queries to Wh per 1,000 queries."""
    if queries <= 0:
        raise ValueError(f"A run needs at least one query to normalise, got {queries}.")
    return total_wh * QUERIES_PER_RATING / queries


def mean_power_w(energy_wh: float, duration_s: float) -> float:
    """Mean power, in W, of a window that used `energy_wh` over `duration_s`.

    Shown beside each repetition: at batch 1 the GPU's mean power is nearly constant, so a spread
    between runs with the same mean power is a spread of their pass times (the host), not the GPU's.
    """
    if duration_s <= 0:
        raise ValueError(f"A window needs a positive duration for its mean power, got {duration_s} s.")
    return energy_wh * J_PER_WH / duration_s


def co2e_g(wh: float, grid_g_per_kwh: float = US_2024_GRID_G_PER_KWH) -> float:
    """Grams of CO2-equivalent for an energy in Wh at a grid intensity in gCO2e/kWh."""
    if grid_g_per_kwh < 0:
        raise ValueError("Grid intensity cannot be negative.")
    return wh_to_kwh(wh) * grid_g_per_kwh


def with_pue(wh: float, pue: float = DEFAULT_PUE) -> float:
    """Energy including data-centre overhead, for a power usage effectiveness >= 1."""
    if pue < 1:
        raise ValueError(f"PUE is at least 1.0 by definition, got {pue}.")
    return wh * pue


def server_estimate_wh(gpu_wh: float) -> float:
    """The method's rough whole-server estimate: twice the GPU energy."""
    return gpu_wh * SERVER_TO_GPU_FACTOR


@dataclass(frozen=True)
class Equivalents:
    """Everyday equivalents of an energy.

    Attributes:
        microwave_hours: Hours of a 1,000 W microwave.
        ebike_miles_low: Miles of e-bike riding, low estimate.
        ebike_miles_high: Miles of e-bike riding, high estimate.
        led_bulb_hours: Hours of a 10 W LED bulb.
    """

    microwave_hours: float
    ebike_miles_low: float
    ebike_miles_high: float
    led_bulb_hours: float


def everyday_equivalents(wh: float) -> Equivalents:
    """Everyday equivalents of `wh` watt-hours."""
    kwh = wh_to_kwh(wh)
    return Equivalents(
        microwave_hours=wh / MICROWAVE_W,
        ebike_miles_low=kwh * EBIKE_MILES_PER_KWH[0],
        ebike_miles_high=kwh * EBIKE_MILES_PER_KWH[1],
        led_bulb_hours=wh / LED_BULB_W,
    )


@dataclass(frozen=True)
class Workload:
    """Yearly footprint of serving a model.

    Attributes:
        kwh_per_year: GPU energy per year, with PUE applied.
        co2e_kg_per_year: CO2-equivalent per year in kg.
        equivalents: Everyday equivalents of the yearly energy.
    """

    kwh_per_year: float
    co2e_kg_per_year: float
    equivalents: Equivalents


def yearly_workload(
    wh_per_1k: float,
    queries_per_day: float,
    grid_g_per_kwh: float = US_2024_GRID_G_PER_KWH,
    pue: float = 1.0,
) -> Workload:
    """Energy, CO2e and equivalents of `queries_per_day` queries every day for 365 days."""
    if queries_per_day < 0 or not math.isfinite(queries_per_day):
        raise ValueError("Queries per day must be a finite number >= 0.")
    wh_year = with_pue(wh_per_1k * queries_per_day / QUERIES_PER_RATING * 365, pue)
    return Workload(
        kwh_per_year=wh_to_kwh(wh_year),
        co2e_kg_per_year=co2e_g(wh_year, grid_g_per_kwh) / 1000,
        equivalents=everyday_equivalents(wh_year),
    )


def format_energy(wh: float) -> str:
    """Human-readable energy: '2.37 Wh', '1,234 Wh', '18.99 kWh', '0.0042 Wh'.

    Wh up to 9,999; kWh (two decimals, thousands separators) from 10,000 Wh up.
    """
    if not math.isfinite(wh):
        return "n/a"
    # Thresholds on the value as it will print, so 9,999.6 Wh reads "10.00 kWh", not "10,000 Wh".
    if abs(wh) >= 9_999.5:
        return f"{wh_to_kwh(wh):,.2f} kWh"
    if abs(wh) >= 999.995:
        return f"{wh:,.0f} Wh"
    if abs(wh) >= 0.01 or wh == 0:
        return f"{wh:,.2f} Wh"
    return f"{wh:.2g} Wh"
