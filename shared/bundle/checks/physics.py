"""Checks that the measured energy is physically possible on the GPUs the run names.

A consistent forgery (every counter delta scaled, every total re-derived) passes the arithmetic;
it cannot also keep every window's mean power between the GPU's own idle power and its power
limit, or above the least energy the workload's arithmetic needs. Margins: shared.bundle.checks.margins.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.bundle.checks import margins
from shared.bundle.checks.context import NativeBundle
from shared.bundle.checks.counters import windows
from shared.bundle.checks.timeline import trace_idle_power_w
from shared.bundle.gpus import max_power_w
from shared.bundle.problems import Problem
from shared.bundle.schema import ENVIRONMENT_FILE, REPORT_FILE, Phase

_AS_WRITTEN = "Submit the bundle as the runner wrote it."


def power_limit_w(b: NativeBundle) -> float | None:
    """The run's power limit summed over its GPUs, W: each GPU's enforced limit, capped at its product's
    maximum, else that maximum; None when a GPU has neither."""
    assert b.env is not None
    total = 0.0
    for g in b.env.gpus:
        product = max_power_w(g.name)
        declared = g.power_limit_w if g.power_limit_w is not None and g.power_limit_w > 0 else None
        limit = min(x for x in (product, declared) if x is not None) if (product or declared) else None
        if limit is None:
            return None
        total += limit
    return total or None


def idle_w(b: NativeBundle) -> float:
    """The idle power the floor is tied to (summed over GPUs), W: environment.json's, else the trace's
    idle window, else the least any H100 or H200 idles at."""
    assert b.env is not None
    for value in (b.env.idle_power_w, trace_idle_power_w(b)):
        if value is not None and value > 0:
            return value
    return margins.IDLE_MIN_W_PER_GPU * max(len(b.env.gpus), 1)


def _update_period_s(b: NativeBundle) -> float:
    assert b.env is not None
    ms = b.env.counter_update_period_ms
    if ms is None or not ms > 0:
        return margins.DEFAULT_UPDATE_PERIOD_S
    return min(ms / 1000.0, margins.MAX_UPDATE_PERIOD_S)


def _energy_j(p: Phase) -> float:
    return sum(e - s for s, e in zip(p.counter_start_mj, p.counter_end_mj, strict=False)) / 1000.0


def power_limit_declared(b: NativeBundle) -> Iterator[Problem]:
    """A declared power limit is positive and within the product's maximum board power."""
    assert b.env is not None
    for g in b.env.gpus:
        product = max_power_w(g.name)
        if g.power_limit_w is None:
            continue
        if not g.power_limit_w > 0 or (product is not None and g.power_limit_w > product * 1.0001):
            yield Problem(
                "power_limit_implausible",
                f"environment.json gives GPU {g.index} ({g.name[:60]}) a power limit of {g.power_limit_w} W; the "
                f"product allows at most {product} W. {_AS_WRITTEN}",
                ENVIRONMENT_FILE,
            )


def idle_plausible(b: NativeBundle) -> Iterator[Problem]:
    """The idle power is that of a real GPU and agrees with the trace's idle window."""
    assert b.env is not None
    idle, n = b.env.idle_power_w, max(len(b.env.gpus), 1)
    if idle is None:
        return
    limit = power_limit_w(b)
    if idle < margins.IDLE_MIN_W_PER_GPU * n or (limit is not None and idle > limit):
        yield Problem(
            "idle_implausible",
            f"environment.json says the {n} GPU(s) idled at {idle:.1f} W in all, over their power limit or under "
            f"{margins.IDLE_MIN_W_PER_GPU:.0f} W per GPU; an H100 idles at 60-120 W, and no datacenter GPU the checks "
            f"know idles under {margins.IDLE_MIN_W_PER_GPU:.0f} W. {_AS_WRITTEN}",
            ENVIRONMENT_FILE,
        )
        return
    traced = trace_idle_power_w(b)
    if traced is not None and abs(traced - idle) > margins.IDLE_TRACE_REL * traced:
        yield Problem(
            "idle_mismatch",
            f"environment.json says the idle power was {idle:.1f} W but the idle window of the counter trace "
            f"gives {traced:.1f} W; the idle power was edited. {_AS_WRITTEN}",
            ENVIRONMENT_FILE,
        )


def power_in_range(b: NativeBundle) -> Iterator[Problem]:
    """Every window's mean power lies between a share of the idle power and the power limit."""
    idle, limit, slack = idle_w(b), power_limit_w(b), margins.COUNTER_STEPS_SLACK * _update_period_s(b)
    low: list[str] = []
    high: list[str] = []
    for label, p in windows(b):
        if not p.duration_s > 0:
            continue  # zero_duration's finding
        energy = _energy_j(p)
        said = f"the {label} phase {energy / p.duration_s:,.1f} W"
        if energy < margins.IDLE_FLOOR_FRACTION * idle * max(p.duration_s - slack, 0.0):
            low.append(said)
        elif limit is not None and energy > margins.LIMIT_MARGIN * limit * (p.duration_s + slack):
            high.append(said)
    if low:
        yield Problem(
            "power_below_idle",
            f"On average {_listed(low)}: below the GPUs' own idle power ({idle:,.1f} W). A working GPU cannot "
            f"draw less than an idle one, so the counter readings were scaled down. {_AS_WRITTEN}",
            REPORT_FILE,
        )
    if high:
        yield Problem(
            "power_above_limit",
            f"On average {_listed(high)}: above the GPUs' power limit ({limit or 0:,.0f} W). No GPU can, so the "
            f"counter readings were scaled up. {_AS_WRITTEN}",
            REPORT_FILE,
        )


def _listed(items: list[str], shown: int = 3) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def above_compute_floor(b: NativeBundle) -> Iterator[Problem]:
    """Each counted pass used at least the energy its arithmetic needs on the most efficient GPU."""
    assert b.run is not None
    params = b.run.model.parameters
    for rep in b.run.repetitions:
        for p in rep.phases:
            if not p.in_total:
                continue
            tokens = max((p.input_tokens or 0) + (p.output_tokens or 0), p.samples)
            floor = margins.compute_floor_j(params, tokens)
            if _energy_j(p) < floor:
                yield Problem(
                    "below_compute_floor",
                    f"Repetition {rep.index} measured {_energy_j(p):,.3f} J for {tokens:,} tokens through "
                    f"{params:,} parameters; even the most efficient GPU needs {floor:,.3f} J for that arithmetic "
                    f"(docs/THREAT_MODEL.md). The energy or the parameter count is wrong. {_AS_WRITTEN}",
                    REPORT_FILE,
                )
                return
