"""Validator checks of the performance figures (shared.bundle.perf_fields) of a bundle of our format.

The figures are optional: a bundle without them passes. When present, each pass's per-query records
must fit its measured window (as many queries as samples, latencies that fit in the window's wall
time, output tokens that add up to the phase's), and every stated figure must equal the one
recomputed from the records and the counter-derived energy (throughput = queries / duration, energy
per token = pass energy / tokens, ...). A figure that disagrees was altered: the bundle is refused.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.bundle.endpoint_fields import GPU_CHECK_USER
from shared.bundle.perf_fields import (
    TIME_DECIMALS,
    PassPerformance,
    PerfFigures,
    RunPerformance,
    derive_figures,
)
from shared.bundle.problems import Notice, Problem
from shared.bundle.schema import ENVIRONMENT_FILE, REPORT_FILE, Environment, Phase, RunReport

# Stored figures are floats written by the same arithmetic: they must agree to float rounding.
FIGURE_REL_TOL = 1e-9
FIGURE_ABS_TOL = 1e-12
# Each per-query time is rounded to 1e-6 s, so a sum of n of them may differ by n * 0.5e-6 s; the
# window also holds the clock reads around each query (microseconds): 1 ms of slack covers both.
WINDOW_SLACK_S = 1e-3
ROUNDING_S = 0.5 * 10.0**-TIME_DECIMALS
MIB = 1024 * 1024
RECREATE = "Re-create the bundle with `python -m runner bundle`."


def _parse(raw: Any, cls: type[PassPerformance] | type[RunPerformance]) -> tuple[Any, str | None]:
    """(the block as `cls`, None) or (None, why it cannot be read)."""
    if raw is None or isinstance(raw, cls):
        return raw, None
    try:
        return cls.model_validate(raw), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        return None, f"{where}: {first.get('msg', 'invalid')}"


def _figure_mismatches(stated: PerfFigures, derived: PerfFigures) -> list[str]:
    """Names of the figures whose stated value differs from the recomputed one."""
    bad = []
    for name in type(derived).model_fields:
        a, c = getattr(stated, name), getattr(derived, name)
        if a is None and c is None:
            continue
        if (
            a is None
            or c is None
            or not math.isclose(float(a), float(c), rel_tol=FIGURE_REL_TOL, abs_tol=FIGURE_ABS_TOL)
        ):
            bad.append(f"{name} = {a} (recomputed: {c})")
    return bad


def _pass_problems(where: str, phase: Phase, perf: PassPerformance) -> Iterator[Problem]:
    """Problems of one pass's performance block against its measured window."""
    q = perf.queries
    n = len(q.latency_s)
    if n != phase.samples:
        yield Problem(
            "bad_performance",
            f"{where} times {n} queries but the window processed {phase.samples} samples. {RECREATE}",
            REPORT_FILE,
        )
        return
    for name, values in (("ttft_s", q.ttft_s), ("output_tokens", q.output_tokens)):
        if values is not None and len(values) != n:
            yield Problem(
                "bad_performance",
                f"{where} has {len(values)} values of {name} for {n} queries. {RECREATE}",
                REPORT_FILE,
            )
            return
    if q.ttft_s is not None and any(t > lat + ROUNDING_S * 2 for t, lat in zip(q.ttft_s, q.latency_s, strict=True)):
        yield Problem(
            "bad_performance",
            f"{where} has a query whose first token came after its last (time to first token > latency).",
            REPORT_FILE,
        )
    concurrency = perf.figures.concurrency
    slack = WINDOW_SLACK_S + n * ROUNDING_S
    total = math.fsum(q.latency_s)
    if total > concurrency * phase.duration_s + slack or max(q.latency_s) > phase.duration_s + slack:
        yield Problem(
            "altered_performance",
            f"{where}: the queries' latencies add up to {total:.3f} s, more than the measured window holds "
            f"({phase.duration_s:.3f} s with {concurrency} in flight): the timings were altered.",
            REPORT_FILE,
        )
    if q.output_tokens is not None and phase.output_tokens is not None and sum(q.output_tokens) != phase.output_tokens:
        yield Problem(
            "altered_performance",
            f"{where}: the queries' output tokens add up to {sum(q.output_tokens)} but the phase says "
            f"{phase.output_tokens}: the counts were altered.",
            REPORT_FILE,
        )
    if q.ttft_s is not None and phase.prefill_time_s is not None:
        ttft_sum = math.fsum(q.ttft_s)
        if abs(ttft_sum - phase.prefill_time_s) > slack:
            yield Problem(
                "altered_performance",
                f"{where}: the times to first token add up to {ttft_sum:.6f} s but the phase's prefill time "
                f"is {phase.prefill_time_s:.6f} s: the timings were altered.",
                REPORT_FILE,
            )
    derived = derive_figures([q], phase.duration_s, phase.gpu_energy_wh, concurrency)
    bad = _figure_mismatches(perf.figures, derived)
    if bad:
        yield Problem(
            "altered_performance",
            f"{where}: figures disagree with the per-query records and the measured energy: {'; '.join(bad[:3])}.",
            REPORT_FILE,
        )


def pass_figures(run: RunReport) -> Iterator[Problem]:
    """Every pass's performance block fits its window and its figures equal the recomputed ones."""
    for rep in run.repetitions:
        for phase in rep.phases:
            perf, why = _parse(getattr(phase, "performance", None), PassPerformance)
            where = f"Repetition {rep.index}, phase {phase.name[:40]}"
            if why is not None:
                yield Problem(
                    "bad_performance", f"{where}: its performance block is malformed ({why}). {RECREATE}", REPORT_FILE
                )
            elif perf is not None:
                yield from _pass_problems(where, phase, perf)


def run_figures(run: RunReport, env: Environment | None, pass_phase: str) -> Iterator[Problem]:
    """The report's pooled figures equal those recomputed from the counted passes; memory fits the GPUs."""
    perf, why = _parse(getattr(run, "performance", None), RunPerformance)
    if why is not None:
        yield Problem(
            "bad_performance", f"The report's performance block is malformed ({why}). {RECREATE}", REPORT_FILE
        )
        return
    if perf is None:
        return
    counted = [p for rep in run.repetitions for p in rep.phases if p.in_total and p.name == perf.pass_phase]
    if perf.pass_phase != pass_phase or not counted:
        yield Problem(
            "bad_performance",
            f"The report's performance block pools {perf.pass_phase!r} passes but the task's counted pass is "
            f"{pass_phase!r}. {RECREATE}",
            REPORT_FILE,
        )
        return
    blocks = []
    for phase in counted:
        block, _ = _parse(getattr(phase, "performance", None), PassPerformance)
        if block is None:
            yield Problem(
                "bad_performance",
                f"The report states pooled performance figures but a counted {phase.name} pass has no per-query "
                f"records to derive them from. {RECREATE}",
                REPORT_FILE,
            )
            return
        blocks.append(block.queries)
    if perf.passes != len(counted):
        yield Problem(
            "altered_performance", f"The report pools {perf.passes} passes but has {len(counted)}.", REPORT_FILE
        )
    derived = derive_figures(
        blocks,
        math.fsum(p.duration_s for p in counted),
        math.fsum(p.gpu_energy_wh for p in counted),
        perf.figures.concurrency,
    )
    bad = _figure_mismatches(perf.figures, derived)
    if bad:
        yield Problem(
            "altered_performance",
            f"The report's pooled performance figures disagree with its passes: {'; '.join(bad[:3])}.",
            REPORT_FILE,
        )
    totals = [g.memory_total_mib for g in env.gpus] if env is not None else []
    if totals and all(t is not None for t in totals):
        board_mib = math.fsum(t for t in totals if t is not None)
        used = perf.peak_memory_used_mib
        allocated = perf.peak_memory_allocated_bytes
        if (used is not None and used > board_mib * 1.001) or (allocated is not None and allocated > board_mib * MIB):
            yield Problem(
                "altered_performance",
                f"The report's peak GPU memory exceeds the {board_mib:.0f} MiB its GPUs have: the figure was altered.",
                REPORT_FILE,
            )


def performance(b: Any) -> Iterator[Problem]:
    """The validator's check (a `shared.bundle.checks.context.NativeBundle`): pass and pooled figures."""
    if b.run is None or b.task is None:
        return
    yield from pass_figures(b.run)
    yield from run_figures(b.run, b.env, b.task.pass_phase)


def endpoint_run(b: Any) -> Iterator[Problem]:
    """A run measured through a serving engine: named in a warning; more than one request in flight is
    not the method's batch-1 workload (refused, like a short sample count); a server matched to the
    GPUs only by the user's word is a warning."""
    if b.run is None:
        return
    config = b.run.config if isinstance(b.run.config, dict) else {}
    endpoint = config.get("endpoint") if isinstance(config.get("endpoint"), dict) else None
    if config.get("backend") != "endpoint" and endpoint is None:
        return
    server: Any = getattr(b.env, "server", None) if b.env is not None else None
    raw: dict[str, Any] = {}
    if isinstance(server, BaseModel):
        raw = server.model_dump()
    elif isinstance(server, dict):  # a reader whose Environment does not declare `server` keeps it raw
        raw = server
    software = str(raw.get("software") or "software not reported")[:100]
    yield Notice(
        "endpoint_backend",
        f"Measured through a serving engine ({software}): the energy is that of the engine's work on the "
        "measured GPUs, batching and scheduling included.",
        REPORT_FILE,
    )
    concurrency = endpoint.get("concurrency", 1) if endpoint is not None else 1
    if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency != 1:
        yield Problem(
            "not_batch_1",
            f"The run kept {concurrency} requests in flight at once; the standard workload sends one at a time "
            "(batch size 1). Run again with --concurrency 1 to rate the model.",
            REPORT_FILE,
        )
    if raw.get("gpu_check") == GPU_CHECK_USER:
        yield Notice(
            "server_gpu_unverified",
            "NVML did not show the server's process on the measured GPUs; the submitter stated it runs there "
            "(--server-pid).",
            ENVIRONMENT_FILE,
        )
