"""Units, normalisation, CO2e, PUE, equivalents (shared/method/units.py) and repetition statistics
(shared/method/stats.py)."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.method.stats import spread, t_quantile_975
from shared.method.units import (
    US_2024_GRID_G_PER_KWH,
    co2e_g,
    everyday_equivalents,
    format_energy,
    j_to_wh,
    kwh_to_wh,
    mean_power_w,
    mj_to_wh,
    server_estimate_wh,
    wh_per_1k_queries,
    wh_to_kwh,
    with_pue,
    yearly_workload,
)


def test_conversions() -> None:
    assert j_to_wh(3600) == 1.0
    assert mj_to_wh(3_600_000) == 1.0  # NVML counts millijoules
    assert mj_to_wh(1) == pytest.approx(2.7777777e-7)
    assert wh_to_kwh(18_990) == pytest.approx(18.99)
    assert kwh_to_wh(0.002) == pytest.approx(2.0)


@settings(max_examples=200)
@given(st.floats(min_value=0, max_value=1e12))
def test_conversions_round_trip(x: float) -> None:
    assert kwh_to_wh(wh_to_kwh(x)) == pytest.approx(x)
    assert j_to_wh(x * 3600) == pytest.approx(x)


def test_per_1k_normalisation() -> None:
    assert wh_per_1k_queries(2.0, 1000) == 2.0
    assert wh_per_1k_queries(0.0131, 10) == pytest.approx(1.31)  # the reference's 10-prompt file
    assert wh_per_1k_queries(5.0, 2000) == pytest.approx(2.5)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="at least one query"):
            wh_per_1k_queries(1.0, bad)


def test_mean_power() -> None:
    # session 6's single-pass run on the H200: 8.7509 Wh over a 226.4 s pass
    assert mean_power_w(8.7509, 226.4) == pytest.approx(139.15, abs=0.01)
    assert mean_power_w(1.0, 3600.0) == pytest.approx(1.0)
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="positive duration"):
            mean_power_w(1.0, bad)


def test_co2e_default_and_override() -> None:
    assert US_2024_GRID_G_PER_KWH == 402.49
    assert co2e_g(1000) == pytest.approx(402.49)  # 1 kWh on the US 2024 grid
    assert co2e_g(2.37) == pytest.approx(2.37 / 1000 * 402.49)
    assert co2e_g(1000, grid_g_per_kwh=50) == pytest.approx(50)
    assert co2e_g(1000, grid_g_per_kwh=0) == 0
    with pytest.raises(ValueError, match="negative"):
        co2e_g(1000, grid_g_per_kwh=-1)


def test_pue_and_server_estimate() -> None:
    assert with_pue(10.0) == pytest.approx(12.0)  # default 1.2
    assert with_pue(10.0, 1.0) == 10.0
    assert with_pue(10.0, 1.58) == pytest.approx(15.8)
    with pytest.raises(ValueError, match=r"at least 1\.0"):
        with_pue(10.0, 0.9)
    assert server_estimate_wh(2.37) == pytest.approx(4.74)


def test_everyday_equivalents_of_one_kwh() -> None:
    eq = everyday_equivalents(1000.0)
    assert eq.microwave_hours == pytest.approx(1.0)  # 1 hour of a 1,000 W microwave
    assert (eq.ebike_miles_low, eq.ebike_miles_high) == pytest.approx((20.0, 40.0))
    assert eq.led_bulb_hours == pytest.approx(100.0)  # 100 hours of a 10 W bulb
    half = everyday_equivalents(500.0)
    assert half.microwave_hours == pytest.approx(0.5) and half.led_bulb_hours == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("wh", "text"),
    [
        (2.37, "2.37 Wh"),
        (1234, "1,234 Wh"),
        (1234.4, "1,234 Wh"),
        (9999, "9,999 Wh"),
        (18_990, "18.99 kWh"),
        (10_000, "10.00 kWh"),
        (9_999.6, "10.00 kWh"),  # would print as 10,000 Wh: the unit follows the printed value
        (999.996, "1,000 Wh"),
        (999.994, "999.99 Wh"),
        (8_500_000, "8,500.00 kWh"),
        (0, "0.00 Wh"),
        (0.01, "0.01 Wh"),
        (0.0042, "0.0042 Wh"),
        (float("nan"), "n/a"),
        (float("inf"), "n/a"),
    ],
)
def test_format_energy(wh: float, text: str) -> None:
    assert format_energy(wh) == text


def test_yearly_workload() -> None:
    w = yearly_workload(2.0, 1_000_000)  # 2 Wh per 1,000 queries, a million queries a day
    wh_year = 2.0 * 1000 * 365
    assert w.kwh_per_year == pytest.approx(wh_year / 1000)  # 730 kWh
    assert w.co2e_kg_per_year == pytest.approx(730 * 402.49 / 1000)
    assert w.equivalents.microwave_hours == pytest.approx(730)
    with_overhead = yearly_workload(2.0, 1_000_000, grid_g_per_kwh=100, pue=1.2)
    assert with_overhead.kwh_per_year == pytest.approx(730 * 1.2)
    assert with_overhead.co2e_kg_per_year == pytest.approx(730 * 1.2 * 100 / 1000)
    assert yearly_workload(2.0, 0).kwh_per_year == 0
    for bad in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="Queries per day"):
            yearly_workload(2.0, bad)
    with pytest.raises(ValueError, match="PUE"):
        yearly_workload(2.0, 10, pue=0.5)


# --- stats ----------------------------------------------------------------------------------------------


def test_spread_known_values() -> None:
    s = spread([1.0, 2.0, 3.0, 4.0, 5.0])
    assert s.n == 5 and s.mean == 3.0
    assert s.std == pytest.approx(math.sqrt(2.5))  # sample std (n - 1)
    half = 2.776 * math.sqrt(2.5) / math.sqrt(5)  # t(0.975, 4) = 2.776
    assert (s.ci95_low, s.ci95_high) == pytest.approx((3.0 - half, 3.0 + half))
    assert half == pytest.approx(1.9629, abs=1e-4)


def test_spread_two_values() -> None:
    s = spread([10.0, 12.0])
    assert (s.mean, s.std) == pytest.approx((11.0, math.sqrt(2)))
    assert s.ci95_high - s.mean == pytest.approx(12.706 * math.sqrt(2) / math.sqrt(2))


def test_spread_ten_repetitions() -> None:
    values = [2.0, 2.1, 1.9, 2.05, 1.95, 2.02, 1.98, 2.01, 1.99, 2.0]
    s = spread(values)
    assert s.mean == pytest.approx(statistics.fmean(values))
    assert s.std == pytest.approx(statistics.stdev(values))
    assert s.ci95_high - s.mean == pytest.approx(2.262 * s.std / math.sqrt(10))


def test_spread_single_and_constant_values() -> None:
    assert spread([4.2]) == type(spread([4.2]))(4.2, 0.0, 4.2, 4.2, 1)
    s = spread([3.0, 3.0, 3.0])
    assert (s.std, s.ci95_low, s.ci95_high) == (0.0, 3.0, 3.0)
    with pytest.raises(ValueError, match="at least one"):
        spread([])


def test_t_quantiles() -> None:
    assert t_quantile_975(1) == 12.706
    assert t_quantile_975(9) == 2.262
    assert t_quantile_975(30) == 2.042
    assert t_quantile_975(31) == 1.96 and t_quantile_975(1000) == 1.96
    with pytest.raises(ValueError):
        t_quantile_975(0)


@settings(max_examples=200)
@given(st.lists(st.floats(min_value=0.001, max_value=1e4), min_size=1, max_size=40))
def test_ci_contains_the_mean(values: list[float]) -> None:
    s = spread(values)
    assert s.ci95_low <= s.mean + 1e-9 and s.mean <= s.ci95_high + 1e-9
    assert s.std >= 0 and s.n == len(values)
