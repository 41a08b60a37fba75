"""Checks that the run happened in time as a real run does: stamps, window order, trace, counts.

A forger who edits the counters and re-derives every total passes the arithmetic checks; these
catch the forgeries that break the run's time line instead: repetitions copied, windows out of
order or overlapping, a zero duration, stamps that are not dates or run backwards or ahead, a trace
whose times or readings disagree with the report, counts that differ between the phases of one pass.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from shared.bundle.checks import margins
from shared.bundle.checks.context import NativeBundle
from shared.bundle.checks.counters import windows
from shared.bundle.problems import Problem
from shared.bundle.safezip import BadJson, load_json
from shared.bundle.schema import MANIFEST_FILE, REPORT_FILE, Phase

TRACE_FILE = "logs/counter_trace.json"
MAX_TRACE_POINTS = 100_000


def parse_utc(text: object) -> datetime | None:
    """An ISO 8601 time as an aware datetime (naive means UTC), or None when it is not one."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def timestamps(b: NativeBundle) -> Iterator[Problem]:
    """started_utc, finished_utc and the manifest's created_utc are dates, in order, not in the future."""
    assert b.run is not None and b.manifest is not None
    stamps = {
        "started_utc": (b.run.started_utc, REPORT_FILE),
        "finished_utc": (b.run.finished_utc, REPORT_FILE),
        "created_utc": (b.manifest.created_utc, MANIFEST_FILE),
    }
    parsed: dict[str, datetime] = {}
    for key, (text, name) in stamps.items():
        if text is None:
            continue
        t = parse_utc(text)
        if t is None:
            yield Problem(
                "bad_timestamp",
                f"{name}'s {key} is {text[:40]!r}, not a date and time (ISO 8601, e.g. 2026-11-24T17:03:10+00:00). "
                "Submit the bundle as the runner wrote it.",
                name,
            )
        elif (t - b.now).total_seconds() > margins.FUTURE_SLACK_S:
            yield Problem(
                "future_timestamp",
                f"{name}'s {key} is {text}, in the future of this server's clock ({b.now:%Y-%m-%dT%H:%M:%SZ}); "
                "a finished run cannot be. Check the measuring machine's clock and run again.",
                name,
            )
        else:
            parsed[key] = t
    order = [("started_utc", "finished_utc"), ("finished_utc", "created_utc"), ("started_utc", "created_utc")]
    for first, then in order:
        if first in parsed and then in parsed and parsed[then] < parsed[first]:
            yield Problem(
                "time_order",
                f"{then} ({stamps[then][0]}) is before {first} ({stamps[first][0]}); a run ends after it starts and "
                "is bundled after it ends. Submit the bundle as the runner wrote it.",
                stamps[then][1],
            )
            return
    if "started_utc" in parsed and "finished_utc" in parsed:
        wall = (parsed["finished_utc"] - parsed["started_utc"]).total_seconds()
        measured = sum(p.duration_s for _, p in windows(b))
        if measured > wall + margins.WALL_SLACK_S:
            yield Problem(
                "duration_mismatch",
                f"The measured windows last {measured:,.1f} s in all, longer than the run itself "
                f"({wall:,.0f} s from started_utc to finished_utc); the durations or stamps were edited.",
                REPORT_FILE,
            )


def nonzero_windows(b: NativeBundle) -> Iterator[Problem]:
    """Every measured window lasted some time."""
    for label, p in windows(b):
        if not p.duration_s > 0:
            yield Problem(
                "zero_duration",
                f"The {label} phase lasted {p.duration_s} s; a measured window always lasts some time, so its "
                "power cannot be checked. Submit the bundle as the runner wrote it.",
                REPORT_FILE,
            )


def repetitions_distinct(b: NativeBundle) -> Iterator[Problem]:
    """Repetitions are numbered 0, 1, 2... and none repeats another's counter readings."""
    assert b.run is not None
    indices = [rep.index for rep in b.run.repetitions]
    if indices != list(range(len(indices))):
        shown = ", ".join(map(str, indices[:10])) + (" ..." if len(indices) > 10 else "")
        yield Problem(
            "repetition_index",
            f"The repetitions are numbered {shown}; the runner numbers them 0, 1, 2... once each. "
            "Submit the bundle as the runner wrote it.",
            REPORT_FILE,
        )
    seen: dict[tuple[Any, ...], int] = {}
    for pos, rep in enumerate(b.run.repetitions):
        key = tuple((tuple(p.counter_start_mj), tuple(p.counter_end_mj)) for p in rep.phases)
        if key in seen:
            yield Problem(
                "duplicate_repetition",
                f"Repetition #{pos + 1} has the same counter readings as repetition #{seen[key] + 1}; each "
                "repetition is a new measurement, so one was copied. Submit the bundle as the runner wrote it.",
                REPORT_FILE,
            )
            return
        seen[key] = pos


def _before(a: Phase, c: Phase) -> bool:
    """True when window `a` ended (on every GPU) no later than `c` started."""
    return all(e <= s for e, s in zip(a.counter_end_mj, c.counter_start_mj, strict=False))


def windows_in_order(b: NativeBundle) -> Iterator[Problem]:
    """Preprocess, then repetition 0, 1, ... in counter order; no two windows overlap."""
    assert b.run is not None
    groups: list[tuple[str, list[Phase]]] = [("the preprocess", [b.run.preprocess])]
    seen: set[tuple[Any, ...]] = set()
    for rep in b.run.repetitions:
        key = tuple((tuple(p.counter_start_mj), tuple(p.counter_end_mj)) for p in rep.phases)
        if key in seen:  # a copied repetition is duplicate_repetition's finding, not an order one
            continue
        seen.add(key)
        groups.append((f"repetition {rep.index}", sorted(rep.phases, key=lambda p: p.counter_start_mj)))
    for label, phases in groups:
        for a, c in itertools.pairwise(phases):
            if not _before(a, c):
                yield Problem(
                    "window_overlap",
                    f"In {label}, the {a.name[:40]} and {c.name[:40]} windows overlap in the energy counter; "
                    "windows are measured one after another. Submit the bundle as the runner wrote it.",
                    REPORT_FILE,
                )
                return
    for (la, pa), (lc, pc) in itertools.pairwise(groups):
        if pa and pc and not all(_before(a, c) for a in pa for c in pc):
            yield Problem(
                "window_order",
                f"The counter readings of {lc} come before (or inside) those of {la}; the energy counter only "
                "grows, so the windows are out of order. Submit the bundle as the runner wrote it.",
                REPORT_FILE,
            )
            return


def counts_agree(b: NativeBundle) -> Iterator[Problem]:
    """All windows of a run cover the dataset's samples and the same input tokens; output within max_new_tokens."""
    assert b.run is not None
    samples = b.run.dataset.samples
    for label, p in windows(b):
        if p.samples != samples:
            yield Problem(
                "phase_samples",
                f"The {label} phase processed {p.samples} samples but the dataset has {samples}; every phase of a "
                "run covers the same samples. Submit the bundle as the runner wrote it.",
                REPORT_FILE,
            )
            return
    inputs = {p.input_tokens for _, p in windows(b) if p.input_tokens is not None}
    if len(inputs) > 1:
        yield Problem(
            "token_count",
            f"The phases count different input tokens ({', '.join(map(str, sorted(inputs)[:5]))}) for the same "
            "samples; the runner counts them once. Submit the bundle as the runner wrote it.",
            REPORT_FILE,
        )
        return
    max_new = b.run.config.get("max_new_tokens")
    if isinstance(max_new, int) and not isinstance(max_new, bool) and max_new > 0:
        for label, p in windows(b):
            if p.output_tokens is not None and p.output_tokens > p.samples * max_new:
                yield Problem(
                    "token_count",
                    f"The {label} phase generated {p.output_tokens:,} tokens, more than {p.samples:,} samples x "
                    f"max_new_tokens {max_new} allow. Submit the bundle as the runner wrote it.",
                    REPORT_FILE,
                )
                return


def _trace_points(raw: object, n_gpus: int) -> list[tuple[str, float, tuple[int, ...]]] | str:
    """The trace as (label, time_s, counters) points, or why it is not a trace."""
    if not isinstance(raw, list) or not raw:
        return "it must be a non-empty list of counter readings"
    if len(raw) > MAX_TRACE_POINTS:
        return f"it holds {len(raw):,} points, over {MAX_TRACE_POINTS:,}"
    out = []
    for i, pt in enumerate(raw):
        label = pt.get("label") if isinstance(pt, dict) else None
        t = pt.get("time_s") if isinstance(pt, dict) else None
        c = pt.get("counters_mj") if isinstance(pt, dict) else None
        ok_t = isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t)
        ok_c = isinstance(c, list) and len(c) == n_gpus and all(isinstance(x, int) and x >= 0 for x in c)
        if not (isinstance(label, str) and ok_t and ok_c):
            return f"point #{i + 1} needs a label, a time_s and {n_gpus} integer counters_mj"
        out.append((label, float(t), tuple(c)))  # type: ignore[arg-type]
    return out


def load_trace(b: NativeBundle) -> Iterator[Problem]:
    """logs/counter_trace.json, when present, is a list of timed readings that never run backwards."""
    assert b.env is not None
    if TRACE_FILE not in b.files:
        # Optional (older runners wrote none): the power checks still bound every window without it.
        return
    try:
        raw = load_json(TRACE_FILE, b.files[TRACE_FILE], b.limits)
    except BadJson as exc:
        yield Problem(exc.code, f"{exc}. Submit the bundle as the runner wrote it.", TRACE_FILE)
        return
    points = _trace_points(raw, len(b.env.gpus))
    if isinstance(points, str):
        yield Problem(
            "bad_trace",
            f"{TRACE_FILE} is not a counter trace: {points}. Submit the bundle as the runner wrote it.",
            TRACE_FILE,
        )
        return
    for (_, t0, c0), (label, t1, c1) in itertools.pairwise(points):
        if t1 < t0 or any(y < x for x, y in zip(c0, c1, strict=True)):
            yield Problem(
                "bad_trace",
                f"{TRACE_FILE} runs backwards at {label[:40]!r}: its clock and counters only grow. "
                "Submit the bundle as the runner wrote it.",
                TRACE_FILE,
            )
            return
    b.trace = points


def trace_matches(b: NativeBundle) -> Iterator[Problem]:
    """Every window's readings are in the trace, and its duration is the time between them."""
    if not b.trace:
        return
    at: dict[tuple[str, tuple[int, ...]], float] = {}
    for label, t, c in b.trace:
        at.setdefault((label, c), t)
    for label, p in windows(b):
        t0 = at.get((f"{p.name}:start", tuple(p.counter_start_mj)))
        t1 = at.get((f"{p.name}:end", tuple(p.counter_end_mj)))
        if t0 is None or t1 is None:
            yield Problem(
                "trace_mismatch",
                f"The {label} phase's counter readings are not in {TRACE_FILE}; the report and the trace describe "
                "different measurements. Submit the bundle as the runner wrote it.",
                TRACE_FILE,
            )
            return
        if abs((t1 - t0) - p.duration_s) > margins.TRACE_TIME_TOL_S:
            yield Problem(
                "trace_mismatch",
                f"The {label} phase lasted {p.duration_s:.3f} s by the report but {t1 - t0:.3f} s by {TRACE_FILE}; "
                "the duration was edited. Submit the bundle as the runner wrote it.",
                TRACE_FILE,
            )
            return


def trace_idle_power_w(b: NativeBundle) -> float | None:
    """Mean power of the trace's idle window (summed over GPUs), W, when it has one."""
    if not b.trace:
        return None
    start = next(((t, c) for label, t, c in b.trace if label == "idle:start"), None)
    end = next(((t, c) for label, t, c in b.trace if label == "idle:end"), None)
    if start is None or end is None or end[0] <= start[0]:
        return None
    return (sum(end[1]) - sum(start[1])) / 1000.0 / (end[0] - start[0])
