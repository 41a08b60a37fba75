"""Performance figures beside energy: per-query timings of a measured pass and the figures derived
from them (latency percentiles, throughput, energy per token, tokens per joule, energy-delay product).

The runner records every query's latency (and, for generation, time to first token and output
tokens) in the pass's `Phase.performance`; the run's pooled figures are in `RunReport.performance`.
Every derived figure is computed here by one function the runner and the validator share, so the
validator recomputes them from the per-query lists and the phase's counter-derived energy, exactly
as it does for energies. All fields are optional on the report: bundles written before they existed
still validate.

Units are in the field names: `_s` seconds, `_wh` watt-hours, `_j` joules, `_bytes`, `_mib`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt

from shared.method.units import J_PER_WH

# Version of the performance blocks (inside the report's schema version 1: the blocks are optional).
PERF_SCHEMA_VERSION = 1
# Per-query times are stored rounded to a microsecond: 10,000 queries stay under ~100 kB a list.
TIME_DECIMALS = 6
PERCENTILES = (50, 90, 99)
BACKEND_TRANSFORMERS = "transformers"
BACKEND_ENDPOINT = "endpoint"


class _PerfModel(BaseModel):
    # As shared.bundle.schema._Model: unknown keys kept when reading, NaN/inf refused.
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class QueryTimings(_PerfModel):
    """Per-query records of one measured pass, in the order the queries were sent.

    Attributes:
        latency_s: Time from sending the query (calling the model) to its last output, s.
        ttft_s: Time from sending the query to its first new token, s (generation tasks), else None.
        output_tokens: New tokens of each query (generation tasks), else None.
    """

    latency_s: list[NonNegativeFloat]
    ttft_s: list[NonNegativeFloat] | None = None
    output_tokens: list[NonNegativeInt] | None = None


class PerfFigures(_PerfModel):
    """Figures derived from per-query timings and the measured energy of the same queries.

    Attributes:
        queries: Queries the figures cover.
        duration_s: Wall time of the measured windows they ran in, s (summed over passes).
        energy_wh: GPU energy of those windows, Wh (counter-derived; the pass phases only, no preprocess).
        concurrency: Queries in flight at once (1: one at a time, the method's batch-1 workload).
        latency_mean_s: Mean latency, s.
        latency_p50_s: Median latency, s (linear interpolation between ranks, as numpy's default).
        latency_p90_s: 90th percentile of latency, s.
        latency_p99_s: 99th percentile of latency, s.
        ttft_mean_s: Mean time to first token, s (generation tasks).
        ttft_p50_s: Median time to first token, s.
        ttft_p90_s: 90th percentile of time to first token, s.
        ttft_p99_s: 99th percentile of time to first token, s.
        output_tokens: New tokens over all queries (generation tasks).
        mean_output_tokens: Mean response length, tokens per query.
        throughput_queries_per_s: Queries / duration, per s.
        throughput_output_tokens_per_s: Output tokens / duration, per s.
        energy_per_query_wh: Energy / queries, Wh.
        energy_per_output_token_wh: Energy / output tokens, Wh (generation tasks with tokens).
        output_tokens_per_j: Output tokens / energy in joules (generation tasks with tokens).
        energy_delay_product_wh_s: Energy per query (Wh) x mean latency (s): lower is better on both axes.
    """

    queries: NonNegativeInt
    duration_s: NonNegativeFloat
    energy_wh: NonNegativeFloat
    concurrency: int = Field(default=1, ge=1)
    latency_mean_s: NonNegativeFloat
    latency_p50_s: NonNegativeFloat
    latency_p90_s: NonNegativeFloat
    latency_p99_s: NonNegativeFloat
    ttft_mean_s: NonNegativeFloat | None = None
    ttft_p50_s: NonNegativeFloat | None = None
    ttft_p90_s: NonNegativeFloat | None = None
    ttft_p99_s: NonNegativeFloat | None = None
    output_tokens: NonNegativeInt | None = None
    mean_output_tokens: NonNegativeFloat | None = None
    throughput_queries_per_s: NonNegativeFloat
    throughput_output_tokens_per_s: NonNegativeFloat | None = None
    energy_per_query_wh: NonNegativeFloat
    energy_per_output_token_wh: NonNegativeFloat | None = None
    output_tokens_per_j: NonNegativeFloat | None = None
    energy_delay_product_wh_s: NonNegativeFloat


class PassPerformance(_PerfModel):
    """`Phase.performance` of a measured pass: its per-query records and the figures derived from them.

    Attributes:
        schema_version: PERF_SCHEMA_VERSION.
        queries: The per-query records.
        figures: Figures of this pass (recomputed by the validator from `queries` and the phase).
    """

    schema_version: int = PERF_SCHEMA_VERSION
    queries: QueryTimings
    figures: PerfFigures


class RunPerformance(_PerfModel):
    """`RunReport.performance`: the counted passes of every repetition pooled, and the memory peaks.

    Attributes:
        schema_version: PERF_SCHEMA_VERSION.
        backend: "transformers" (the runner loads the model) or "endpoint" (a serving engine).
        pass_phase: Name of the pooled phases ("generate", "forward", "call").
        passes: Pooled passes (one per repetition).
        figures: The pooled figures (recomputed by the validator from the passes' records).
        peak_memory_allocated_bytes: torch.cuda.max_memory_allocated over the measured passes, summed
            over the run's GPUs (None on CPU, and for an endpoint: the server's allocator is not ours).
        peak_memory_used_mib: Highest NVML used memory read at the end of a measured pass, summed over
            the run's GPUs, MiB (the whole board: the CUDA context and the allocator's cache included;
            None when not read, e.g. a dry run).
    """

    schema_version: int = PERF_SCHEMA_VERSION
    backend: str = BACKEND_TRANSFORMERS
    pass_phase: str
    passes: NonNegativeInt
    figures: PerfFigures
    peak_memory_allocated_bytes: NonNegativeInt | None = None
    peak_memory_used_mib: NonNegativeFloat | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default).

    Raises ValueError for no values or q outside 0-100.
    """
    if not values:
        raise ValueError("A percentile needs at least one value.")
    if not 0 <= q <= 100:
        raise ValueError(f"A percentile is between 0 and 100, got {q}.")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def round_time(seconds: float) -> float:
    """A per-query time as stored (microseconds)."""
    return round(seconds, TIME_DECIMALS)


def derive_figures(
    timings: Sequence[QueryTimings], duration_s: float, energy_wh: float, concurrency: int = 1
) -> PerfFigures:
    """The figures of queries pooled from one or more passes, given the windows' summed wall time and
    counter-derived energy. Raises ValueError when there is no query or no positive duration.

    Token figures are None unless every pass counted output tokens; time-to-first-token figures are
    None unless every pass timed them (a figure over a part of the queries would mislead).
    """
    latencies = [x for t in timings for x in t.latency_s]
    if not latencies:
        raise ValueError("Performance figures need at least one timed query.")
    if duration_s <= 0:
        raise ValueError(f"Performance figures need a positive pass duration, got {duration_s} s.")
    n = len(latencies)
    ttft_lists = [t.ttft_s for t in timings if t.ttft_s is not None]
    ttfts = [x for ts in ttft_lists for x in ts] if len(ttft_lists) == len(timings) else None
    token_lists = [t.output_tokens for t in timings if t.output_tokens is not None]
    tokens = sum(sum(ts) for ts in token_lists) if len(token_lists) == len(timings) else None
    latency_mean = math.fsum(latencies) / n
    energy_per_query = energy_wh / n
    energy_j = energy_wh * J_PER_WH
    return PerfFigures(
        queries=n,
        duration_s=duration_s,
        energy_wh=energy_wh,
        concurrency=concurrency,
        latency_mean_s=latency_mean,
        latency_p50_s=percentile(latencies, 50),
        latency_p90_s=percentile(latencies, 90),
        latency_p99_s=percentile(latencies, 99),
        ttft_mean_s=math.fsum(ttfts) / len(ttfts) if ttfts else None,
        ttft_p50_s=percentile(ttfts, 50) if ttfts else None,
        ttft_p90_s=percentile(ttfts, 90) if ttfts else None,
        ttft_p99_s=percentile(ttfts, 99) if ttfts else None,
        output_tokens=tokens,
        mean_output_tokens=tokens / n if tokens is not None else None,
        throughput_queries_per_s=n / duration_s,
        throughput_output_tokens_per_s=tokens / duration_s if tokens is not None else None,
        energy_per_query_wh=energy_per_query,
        energy_per_output_token_wh=energy_wh / tokens if tokens else None,
        output_tokens_per_j=tokens / energy_j if tokens and energy_j > 0 else None,
        energy_delay_product_wh_s=energy_per_query * latency_mean,
    )


def pass_performance(
    timings: QueryTimings, duration_s: float, energy_wh: float, concurrency: int = 1
) -> PassPerformance:
    """`Phase.performance` of one measured pass."""
    return PassPerformance(queries=timings, figures=derive_figures([timings], duration_s, energy_wh, concurrency))


def run_performance(
    passes: Sequence[tuple[PassPerformance, float, float]],
    pass_phase: str,
    backend: str = BACKEND_TRANSFORMERS,
    peak_memory_allocated_bytes: int | None = None,
    peak_memory_used_mib: float | None = None,
) -> RunPerformance:
    """`RunReport.performance`: `passes` are (performance, duration_s, energy_wh) of each counted pass.

    Raises ValueError when there is no pass.
    """
    if not passes:
        raise ValueError("Run performance needs at least one measured pass.")
    concurrency = max(p.figures.concurrency for p, _, _ in passes)
    figures = derive_figures(
        [p.queries for p, _, _ in passes],
        math.fsum(d for _, d, _ in passes),
        math.fsum(e for _, _, e in passes),
        concurrency,
    )
    return RunPerformance(
        backend=backend,
        pass_phase=pass_phase,
        passes=len(passes),
        figures=figures,
        peak_memory_allocated_bytes=peak_memory_allocated_bytes,
        peak_memory_used_mib=peak_memory_used_mib,
    )


def figures_text(f: PerfFigures) -> str:
    """One line for the run log and the console."""
    parts = [
        (
            f"latency p50/p90/p99 {f.latency_p50_s * 1000:.1f}/{f.latency_p90_s * 1000:.1f}/"
            f"{f.latency_p99_s * 1000:.1f} ms"
        ),
        f"{f.throughput_queries_per_s:.2f} queries/s",
    ]
    if f.ttft_p50_s is not None:
        parts.append(f"time to first token p50 {f.ttft_p50_s * 1000:.1f} ms")
    if f.throughput_output_tokens_per_s is not None and f.mean_output_tokens is not None:
        parts.append(f"{f.throughput_output_tokens_per_s:.1f} tokens/s, {f.mean_output_tokens:.1f} tokens/query")
    if f.energy_per_output_token_wh is not None and f.output_tokens_per_j is not None:
        parts.append(f"{f.energy_per_output_token_wh * 1000:.4f} mWh/token ({f.output_tokens_per_j:.2f} tokens/J)")
    parts.append(f"EDP {f.energy_delay_product_wh_s:.3g} Wh*s")
    return ", ".join(parts)
