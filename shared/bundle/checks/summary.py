"""Checks of the derived figures (summary block, GPU_ENERGY_* files), then the result record itself."""

from __future__ import annotations

import math
from collections.abc import Iterator

from shared.bundle.checks.context import NativeBundle
from shared.bundle.energy import same, summarize
from shared.bundle.pass_spread import pass_spread
from shared.bundle.problems import Notice, Problem
from shared.bundle.safezip import BadJson, load_json
from shared.bundle.schema import ENERGY_WH_FILE, REPORT_FILE, SUMMARY_FILE, Summary
from shared.records import FORMAT_NATIVE, ResultRecord

# GPU_ENERGY_WH.txt carries two decimals, so it may differ from the mean by half a hundredth.
TEXT_TOLERANCE_WH = 0.005 + 1e-9
MAX_TEXT_FILE_BYTES = 100


def _derived(b: NativeBundle) -> Summary:
    assert b.run is not None and b.task is not None
    return summarize(b.run, b.task)


def summary_block(b: NativeBundle) -> Iterator[Problem]:
    """The report's summary block equals the one recomputed from the repetitions."""
    assert b.run is not None
    derived, stated = _derived(b), b.run.summary
    mean = derived.gpu_energy_wh_per_1k_mean
    if stated is None:
        yield Problem(
            "no_summary",
            "benchmark_report.json has no summary block. Re-create the bundle with the runner.",
            REPORT_FILE,
        )
        return
    if not same(stated.gpu_energy_wh_per_1k_mean, mean) or not same(
        stated.gpu_energy_wh_per_1k_std, derived.gpu_energy_wh_per_1k_std, abs_=1e-9
    ):
        yield Problem(
            "altered_total",
            f"The report's summary says {stated.gpu_energy_wh_per_1k_mean:.6f} Wh per 1,000 queries but its "
            f"repetitions give {mean:.6f}: the number was altered.",
            REPORT_FILE,
        )
        return
    fields = {
        "ci95_low_wh_per_1k": (stated.ci95_low_wh_per_1k, derived.ci95_low_wh_per_1k),
        "ci95_high_wh_per_1k": (stated.ci95_high_wh_per_1k, derived.ci95_high_wh_per_1k),
        "repetitions": (stated.repetitions, derived.repetitions),
    }
    for name in sorted(set(stated.phases_wh_per_1k) | set(derived.phases_wh_per_1k)):
        fields[f"phases_wh_per_1k.{name[:40]}"] = (
            stated.phases_wh_per_1k.get(name, float("nan")),
            derived.phases_wh_per_1k.get(name, float("nan")),
        )
    for name, (a, c) in fields.items():
        if not same(a, c):
            yield Problem(
                "altered_summary",
                f"The report's summary says {name} = {a} but its repetitions give {c}: the number was altered.",
                REPORT_FILE,
            )


def energy_text_file(b: NativeBundle) -> Iterator[Problem]:
    """GPU_ENERGY_WH.txt holds the rated number (two decimals)."""
    mean = _derived(b).gpu_energy_wh_per_1k_mean
    try:
        if b.files_size(ENERGY_WH_FILE) > MAX_TEXT_FILE_BYTES:
            raise ValueError("too long")
        value = float(b.files[ENERGY_WH_FILE].decode("ascii").strip())
        if not math.isfinite(value):
            raise ValueError("not finite")
    except (UnicodeDecodeError, ValueError):
        yield Problem(
            "bad_energy_file", f"{ENERGY_WH_FILE} must hold one number (Wh per 1,000 queries).", ENERGY_WH_FILE
        )
        return
    if not abs(value - mean) <= TEXT_TOLERANCE_WH:
        yield Problem(
            "altered_total",
            f"{ENERGY_WH_FILE} says {value} Wh but the phase readings give {mean:.4f} Wh per 1,000 queries: the "
            "number was altered.",
            ENERGY_WH_FILE,
        )


def summary_file(b: NativeBundle) -> Iterator[Problem]:
    """GPU_ENERGY_SUMMARY.json holds the total and each phase in Wh, as recomputed."""
    derived = _derived(b)
    mean = derived.gpu_energy_wh_per_1k_mean
    bad = Problem(
        "bad_summary_file",
        f'{SUMMARY_FILE} must be a JSON object with "units": "Wh" and a numeric "total".',
        SUMMARY_FILE,
    )
    try:
        data = load_json(SUMMARY_FILE, b.files[SUMMARY_FILE], b.limits)
    except BadJson as exc:
        yield bad if exc.code == "bad_json" else Problem(exc.code, f"{exc}.", SUMMARY_FILE)
        return
    total = data.get("total") if isinstance(data, dict) else None
    if not isinstance(data, dict) or isinstance(total, bool) or not isinstance(total, int | float):
        yield bad
        return
    if data.get("units") != "Wh":
        yield Problem(
            "bad_summary_file",
            f'{SUMMARY_FILE} gives units {str(data.get("units"))[:20]!r}; it must be "Wh".',
            SUMMARY_FILE,
        )
    if not same(float(total), mean):
        yield Problem(
            "altered_total",
            f"{SUMMARY_FILE} says a total of {total} Wh but the phase readings give {mean:.6f} Wh per 1,000 "
            "queries: the number was altered.",
            SUMMARY_FILE,
        )
    for name, wh in derived.phases_wh_per_1k.items():
        stated = data.get(f"{name}_wh")
        if isinstance(stated, bool) or not isinstance(stated, int | float) or not same(float(stated), wh):
            yield Problem(
                "altered_summary",
                f"{SUMMARY_FILE} says {name}_wh is {str(stated)[:40]} but the phase readings give {wh:.6f} Wh per "
                "1,000 queries: the number was altered.",
                SUMMARY_FILE,
            )


def host_drift(b: NativeBundle) -> Iterator[Problem]:
    """Warn when the pass time drifted during the repetitions (the figure then carries the host's pace)."""
    assert b.run is not None
    spread = pass_spread(b.run)
    drift = spread.drift() if spread else None
    if spread is None or drift is None:
        return
    yield Notice(
        "host_drift",
        f"{drift[0].upper()}{drift[1:]}, over {spread.repetitions} repetitions; pass energy CV "
        f"{spread.energy_cv_pct:.1f}%, mean power CV {spread.power_cv_pct:.1f}%. The host's pace changed while "
        "measuring, so the figure carries that spread; a re-run on a quieter host gives a tighter one.",
        REPORT_FILE,
    )


def quality_score(b: NativeBundle) -> Iterator[Problem]:
    """The optional model.quality_score is a number from 0 to 100 (the leaderboard plots and ranks it)."""
    assert b.run is not None
    raw = getattr(b.run.model, "quality_score", None)
    if raw is None:
        return
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or not 0 <= raw <= 100:
        yield Problem(
            "bad_quality",
            f"model.quality_score is {repr(raw)[:40]}; it must be a number from 0 to 100 (higher is better). "
            "Fix it, or remove the field if the model has no quality score.",
            REPORT_FILE,
        )


def build_record(b: NativeBundle) -> Iterator[Problem]:
    """The normalised result (the last step, so it yields nothing)."""
    run, env, task, manifest = b.run, b.env, b.task, b.manifest
    assert run is not None and env is not None and task is not None and manifest is not None
    summary = _derived(b)
    raw_quality = getattr(run.model, "quality_score", None)
    quality = float(raw_quality) if isinstance(raw_quality, int | float) and not isinstance(raw_quality, bool) else None
    b.record = ResultRecord(
        task_id=task.id,
        model_id=run.model.id,
        model_class=run.model.model_class if task.has_classes else None,
        parameters=run.model.parameters,
        precision=run.model.dtype,
        gpu_energy_wh_per_1k=summary.gpu_energy_wh_per_1k_mean,
        std_wh_per_1k=summary.gpu_energy_wh_per_1k_std,
        ci95_low_wh_per_1k=summary.ci95_low_wh_per_1k,
        ci95_high_wh_per_1k=summary.ci95_high_wh_per_1k,
        repetitions=summary.repetitions,
        samples=run.dataset.samples,
        phases_wh_per_1k=dict(summary.phases_wh_per_1k),
        hardware=env.gpus[0].name if env.gpus else "",
        gpu_count=len(env.gpus),
        source_format=FORMAT_NATIVE,
        runner=f"{manifest.runner_name} {manifest.runner_version}",
        random_weights=run.model.random_weights,
        quality_score=quality,
        created_utc=run.finished_utc or manifest.created_utc,
        config=dict(run.config),
        dataset=run.dataset.model_dump(),
        environment=env.model_dump(),
        performance=run.performance.model_dump() if run.performance is not None else {},
    )
    return
    yield  # a generator like every check
