"""Checks that every energy of the report is what its raw counter readings give.

These catch an edited number; a consistent forgery (counters edited with every total re-derived)
passes them and is left to the physical checks (shared.bundle.checks.physics, .timeline).
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.bundle.checks.context import NativeBundle
from shared.bundle.energy import counters_energy_wh, repetition_total_wh, same, summarize
from shared.bundle.problems import Notice, Problem
from shared.bundle.schema import REPORT_FILE, Phase
from shared.method.tasks import PASS_GENERATE, PREPROCESS_PHASE
from shared.method.units import wh_per_1k_queries

SHORT_WORKLOAD = "short_workload"


def windows(b: NativeBundle) -> list[tuple[str, Phase]]:
    """Every measured window of the report with a label for messages: preprocess, then each repetition's."""
    assert b.run is not None
    return [("preprocess", b.run.preprocess)] + [
        (f"repetition {rep.index} {p.name[:40]}", p) for rep in b.run.repetitions for p in rep.phases
    ]


def sample_count(b: NativeBundle) -> Iterator[Problem]:
    """The run covers the task's standard sample count (a demo run may be shorter, with a warning)."""
    assert b.run is not None and b.task is not None
    samples, task = b.run.dataset.samples, b.task
    asked = b.run.config.get("samples")
    if asked is not None and asked != samples:
        yield Problem(
            "sample_count",
            f"The config asks for {str(asked)[:30]} samples but the dataset block says {samples}; "
            "the report was edited.",
            REPORT_FILE,
        )
    if b.short_workload_ok and 0 < samples < task.samples:
        yield Notice(
            SHORT_WORKLOAD,
            f"Measured on {samples:,} of the standard {task.samples:,} samples per repetition and normalised per "
            "1,000 queries: demo data, not a rateable submission.",
            REPORT_FILE,
        )
    elif samples != task.samples:
        yield Problem(
            "sample_count",
            f"The run measured {samples} samples per repetition; the standard workload of {task.id} is "
            f"{task.samples}. Run again without --samples to rate the model.",
            REPORT_FILE,
        )


def has_repetitions(b: NativeBundle) -> Iterator[Problem]:
    """At least one measured repetition."""
    assert b.run is not None
    if not b.run.repetitions:
        yield Problem(
            "no_repetitions", "The report has no measured repetition. Run the benchmark to completion.", REPORT_FILE
        )


def phase_energies(b: NativeBundle) -> Iterator[Problem]:
    """Each window has one reading per GPU, its counters never go back, and its energy is theirs."""
    assert b.env is not None
    n_gpus = len(b.env.gpus)
    for label, p in windows(b):
        if len(p.counter_start_mj) != n_gpus or len(p.counter_end_mj) != n_gpus:
            yield Problem(
                "counter_gpus",
                f"The {label} phase has counter readings for {len(p.counter_start_mj)} GPU(s) "
                f"but the run used {n_gpus}.",
                REPORT_FILE,
            )
            continue
        try:
            wh = counters_energy_wh(p.counter_start_mj, p.counter_end_mj)
        except ValueError as exc:
            yield Problem("bad_counters", f"The {label} phase: {exc}", REPORT_FILE)
            continue
        if not same(wh, p.gpu_energy_wh):
            yield Problem(
                "altered_phase",
                f"The {label} phase says {p.gpu_energy_wh:.6f} Wh but its counter readings give {wh:.6f} Wh: "
                "the number was altered.",
                REPORT_FILE,
            )


def phase_structure(b: NativeBundle) -> Iterator[Problem]:
    """Preprocess first; each repetition counts exactly the task's pass, over every sample, with energy."""
    assert b.run is not None and b.task is not None
    run, task, samples = b.run, b.task, b.run.dataset.samples
    if run.preprocess.name != PREPROCESS_PHASE:
        yield Problem("phases", f"The first phase must be 'preprocess', not {run.preprocess.name[:40]!r}.", REPORT_FILE)
    for rep in run.repetitions:
        counted = [p.name[:40] for p in rep.phases if p.in_total]
        if counted != [task.pass_phase]:
            yield Problem(
                "phases",
                f"Repetition {rep.index} counts phases {counted[:5]} in its total; task {task.id} counts exactly "
                f"['{task.pass_phase}'].",
                REPORT_FILE,
            )
            continue
        main = next(p for p in rep.phases if p.in_total)
        if main.samples != samples:
            yield Problem(
                "sample_count",
                f"Repetition {rep.index} processed {main.samples} samples, not the {samples} the run declares. "
                "A rated run covers every sample.",
                REPORT_FILE,
            )
        if main.gpu_energy_wh <= 0:
            yield Problem(
                "zero_energy",
                f"Repetition {rep.index} measured {main.gpu_energy_wh} Wh: a GPU always draws power, so the counter "
                "was not read. Check NVML and run again.",
                REPORT_FILE,
            )


def repetition_totals(b: NativeBundle) -> Iterator[Problem]:
    """Each repetition's total is the sum of its counted phases and the preprocess."""
    assert b.run is not None
    samples = b.run.dataset.samples
    for rep in b.run.repetitions:
        total = repetition_total_wh(b.run.preprocess, rep.phases)
        if not same(total, rep.gpu_energy_wh) or not same(wh_per_1k_queries(total, samples), rep.gpu_energy_wh_per_1k):
            yield Problem(
                "altered_total",
                f"Repetition {rep.index}'s total disagrees with the sum of its phases: the number was altered.",
                REPORT_FILE,
            )


def split_adds_up(b: NativeBundle) -> Iterator[Problem]:
    """Text generation: prefill plus decode equals the measured generate energy."""
    assert b.run is not None and b.task is not None
    if b.task.pass_phase != PASS_GENERATE or b.run.split is None:
        return
    summary = summarize(b.run, b.task)
    gen = summary.gpu_energy_wh_per_1k_mean - summary.phases_wh_per_1k[PREPROCESS_PHASE]
    if not same(b.run.split.prefill_wh + b.run.split.decode_wh, gen, rel=1e-6):
        yield Problem(
            "altered_split",
            "Prefill plus decode does not equal the measured generate energy: the split was altered.",
            REPORT_FILE,
        )
