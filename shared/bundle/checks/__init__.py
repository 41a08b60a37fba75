"""Validation as a list of small named checks.

A check is a function of the bundle being validated that yields `Problem`s (a `Notice` for a
warning). Checks run in stages: a stage whose `gate` is set stops validation when one of its checks
found an error, because the later stages assume what it checked (the counters cannot be judged
before the manifest hashes match). Adding a check is adding a function to a stage's list in
`shared.bundle.checks.native` or to `REFERENCE_CHECKS` in `shared.bundle.reference_format`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from shared.bundle.problems import Problem, ValidationReport

T = TypeVar("T")
Check = Callable[[T], Iterable[Problem]]


@dataclass(frozen=True)
class Stage(Generic[T]):
    """Checks that run together.

    Attributes:
        name: What the stage checks, for docs and debugging.
        checks: The checks, run in order.
        gate: Stop after this stage when one of its checks found an error.
    """

    name: str
    checks: Sequence[Check[T]]
    gate: bool = True


def run_stages(stages: Sequence[Stage[T]], bundle: T, report: ValidationReport) -> bool:
    """Run the checks of `stages` on `bundle` into `report`; False when a gate stopped them."""
    for stage in stages:
        errors = 0
        for check in stage.checks:
            errors += report.extend(check(bundle))
        if stage.gate and errors:
            return False
    return True
