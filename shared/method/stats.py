"""Mean, standard deviation and 95% confidence interval of repeated measurements."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

# Two-sided 95% Student-t quantiles t(0.975, df) for df = 1..30; beyond 30 the normal 1.96 is used
# (the difference is under 2%). Tabulated to avoid a scipy dependency in the apps.
_T975 = (
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
    2.080,
    2.074,
    2.069,
    2.064,
    2.060,
    2.056,
    2.052,
    2.048,
    2.045,
    2.042,
)


def t_quantile_975(df: int) -> float:
    """Two-sided 95% Student-t quantile for `df` degrees of freedom (df >= 1)."""
    if df < 1:
        raise ValueError("Degrees of freedom must be at least 1.")
    return _T975[df - 1] if df <= len(_T975) else 1.96


@dataclass(frozen=True)
class Spread:
    """Summary of repeated measurements of one quantity (same unit as the inputs).

    Attributes:
        mean: Arithmetic mean.
        std: Sample standard deviation (n - 1); 0.0 for a single value.
        ci95_low: Lower bound of the 95% confidence interval of the mean (= mean for n = 1).
        ci95_high: Upper bound of the 95% confidence interval of the mean (= mean for n = 1).
        n: Number of values.
    """

    mean: float
    std: float
    ci95_low: float
    ci95_high: float
    n: int


def spread(values: Sequence[float]) -> Spread:
    """Mean, sample standard deviation and t-based 95% CI of the mean of `values`."""
    if not values:
        raise ValueError("Need at least one value.")
    n = len(values)
    mean = statistics.fmean(values)
    if n == 1:
        return Spread(mean, 0.0, mean, mean, 1)
    std = statistics.stdev(values)
    half = t_quantile_975(n - 1) * std / math.sqrt(n)
    return Spread(mean, std, mean - half, mean + half, n)
