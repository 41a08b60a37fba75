"""Validating submission bundles.

`validate_bundle` reads an untrusted upload (our format, or a reference-runner run directory zipped) and returns every problem
it finds as a plain sentence; it never raises on bad input.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pydantic import ValidationError

from shared.bundle.energy import counters_energy_wh, repetition_total_wh, same, summarize
from shared.bundle.make import sha256_hex
from shared.bundle.pass_spread import pass_spread
from shared.bundle.problems import ValidationReport
from shared.bundle.reference_format import validate_reference
from shared.bundle.safezip import BadJson, UnsafeZip, ZipLimits, load_json, read_zip
from shared.bundle.schema import (
    ENERGY_WH_FILE,
    ENVIRONMENT_FILE,
    MANIFEST_FILE,
    METER_SIMULATED,
    REPORT_FILE,
    REQUIRED_FILES,
    SCHEMA_VERSION,
    SUMMARY_FILE,
    Environment,
    Manifest,
    RunReport,
    Summary,
)
from shared.method.classes import class_for_parameters, gpu_count_problem
from shared.method.tasks import PASS_GENERATE, PREPROCESS_PHASE, TASKS, Task
from shared.method.units import wh_per_1k_queries
from shared.records import FORMAT_NATIVE, ResultRecord

OFFICIAL_GPU_MARK = "H100"
# GPU_ENERGY_WH.txt carries two decimals, so it may differ from the mean by half a hundredth.
TEXT_TOLERANCE_WH = 0.005 + 1e-9


def _pydantic_message(name: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        parts.append(f"{loc}: {err['msg']}")
    more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return f"{name} does not match the bundle schema: {'; '.join(parts)}{more}. Re-create the bundle with `python -m runner bundle`."


def _read_bytes(source: str | Path | bytes, report: ValidationReport, limits: ZipLimits) -> bytes | None:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (bytearray, memoryview)):
        return bytes(source)
    try:
        path = Path(source)
        size = path.stat().st_size
        if size > limits.max_zip_bytes:
            report.add(
                "too_large", f"The file is {size / 1e6:.1f} MB, over the {limits.max_zip_bytes / 1e6:.0f} MB limit."
            )
            return None
        return path.read_bytes()
    except OSError as exc:
        report.add("unreadable", f"The file {source} cannot be read ({exc.strerror}). Check the path.")
        return None
    except (TypeError, ValueError) as exc:
        # e.g. a path with a NUL byte, or neither a path nor bytes.
        report.add("unreadable", f"{source!r:.80} is not a readable file path ({exc}). Upload the bundle .zip.")
        return None


# Warning code of a demo bundle measured on fewer than the standard samples (see validate_bundle).
SHORT_WORKLOAD = "short_workload"


def validate_bundle(
    source: str | Path | bytes, limits: ZipLimits = ZipLimits(), short_workload_ok: bool = False
) -> ValidationReport:
    """Validate a bundle (path or bytes). Never raises on bad input: every problem is in the report.

    `short_workload_ok` is for the suite's own demo data only (never the portal): a run on fewer
    than the standard samples is then accepted with a `short_workload` warning, its figures being
    normalised per 1,000 queries like any other (the issue allows this where device time is short).
    """
    report = ValidationReport()
    data = _read_bytes(source, report, limits)
    if data is None:
        return report
    report.bundle_sha256 = sha256_hex(data)
    try:
        contents = read_zip(data, limits).files
    except UnsafeZip as exc:
        report.add("unsafe_zip", str(exc))
        return report
    except Exception as exc:  # a damaged zip that trips the zipfile module in an unforeseen way
        report.add(
            "unsafe_zip", f"The zip file is damaged ({type(exc).__name__}: {exc}). Create it again and re-upload."
        )
        return report
    try:
        if MANIFEST_FILE in contents:
            _validate_native(contents, report, limits, short_workload_ok)
        else:
            validate_reference(contents, report, limits)
    except Exception as exc:
        report.add(
            "internal_error",
            f"The bundle could not be checked ({type(exc).__name__}: {exc}). Please report this.",
        )
    if report.problems:
        report.record = None
    elif report.record is None:  # never "accepted" without a result
        report.add("internal_error", "The bundle was read but yielded no result. Please report this.")
    return report


def _load(contents: dict[str, bytes], name: str, report: ValidationReport, limits: ZipLimits) -> object | None:
    try:
        obj = load_json(name, contents[name], limits)
    except BadJson as exc:
        report.add("bad_json", f"{exc}. Re-create the bundle with `python -m runner bundle`.", name)
        return None
    if not isinstance(obj, dict):
        # None means "failed" to the callers, so a JSON null (or list, number) must be a problem here.
        report.add(
            "schema",
            f"{name} must be a JSON object, not {type(obj).__name__}. Re-create the bundle with `python -m runner bundle`.",
            name,
        )
        return None
    return obj


def _check_manifest(contents: dict[str, bytes], report: ValidationReport, limits: ZipLimits) -> Manifest | None:
    raw = _load(contents, MANIFEST_FILE, report, limits)
    if raw is None:
        return None
    if isinstance(raw, dict) and raw.get("schema_version") not in (None, SCHEMA_VERSION):
        report.add(
            "schema_version",
            f"The bundle uses schema version {raw.get('schema_version')!r}; this portal reads version "
            f"{SCHEMA_VERSION}. Update the runner and bundle again.",
            MANIFEST_FILE,
        )
        return None
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        report.add("schema", _pydantic_message(MANIFEST_FILE, exc), MANIFEST_FILE)
        return None
    listed = {f.path for f in manifest.files}
    for f in manifest.files:
        body = contents.get(f.path)
        if body is None:
            report.add(
                "missing_file",
                f"{f.path} is listed in the manifest but missing from the zip. Bundle the whole run again.",
                f.path,
            )
        elif len(body) != f.size_bytes or sha256_hex(body) != f.sha256:
            report.add(
                "hash_mismatch",
                f"{f.path} was altered after the run: its sha256 differs from the manifest. "
                "Submit the bundle exactly as the runner wrote it.",
                f.path,
            )
    for name in sorted(set(contents) - listed - {MANIFEST_FILE}):
        report.add(
            "unlisted_file",
            f"{name} is in the zip but not in the manifest; files cannot be added to a bundle. Re-create it with `python -m runner bundle`.",
            name,
        )
    for name in REQUIRED_FILES:
        if name not in contents:
            report.add(
                "missing_file",
                f"The bundle has no {name}. Re-create it with `python -m runner bundle` from a complete run.",
                name,
            )
    return manifest


def _validate_native(
    contents: dict[str, bytes], report: ValidationReport, limits: ZipLimits, short_workload_ok: bool = False
) -> None:
    report.source_format = FORMAT_NATIVE
    manifest = _check_manifest(contents, report, limits)
    if manifest is None:
        return
    if any(n not in contents for n in REQUIRED_FILES):
        _note_incomplete(contents, report, limits)
        return
    raw_report = _load(contents, REPORT_FILE, report, limits)
    raw_env = _load(contents, ENVIRONMENT_FILE, report, limits)
    if raw_report is None or raw_env is None:
        return
    for name, raw in ((REPORT_FILE, raw_report), (ENVIRONMENT_FILE, raw_env)):
        if isinstance(raw, dict) and raw.get("schema_version") not in (None, SCHEMA_VERSION):
            report.add(
                "schema_version",
                f"{name} uses schema version {raw.get('schema_version')!r}; this portal reads version "
                f"{SCHEMA_VERSION}. Update the runner and bundle again.",
                name,
            )
            return
    try:
        run = RunReport.model_validate(raw_report)
    except ValidationError as exc:
        report.add("schema", _pydantic_message(REPORT_FILE, exc), REPORT_FILE)
        return
    try:
        env = Environment.model_validate(raw_env)
    except ValidationError as exc:
        report.add("schema", _pydantic_message(ENVIRONMENT_FILE, exc), ENVIRONMENT_FILE)
        return
    if run.status != "complete":
        report.add(
            "incomplete_run",
            f"The run did not complete ({run.failure or 'no reason recorded'}); an incomplete run cannot be rated. Fix the cause and run again.",
            REPORT_FILE,
        )
        return
    task = TASKS.get(run.task)
    if task is None:
        report.add("unknown_task", f"Unknown task {run.task!r}; use one of: {', '.join(TASKS)}.", REPORT_FILE)
        return
    _check_environment(env, run, task.has_classes, report)
    if not _check_phases(run, env, task, report, short_workload_ok):
        return
    summary = summarize(run, task)
    _check_summary(run, summary, contents, report)
    _warn_host_drift(run, report)
    quality = _quality_score(run.model.model_extra or {}, report)
    if report.problems:
        return
    report.record = ResultRecord(
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
    )


def _quality_score(extra: dict[str, object], report: ValidationReport) -> float | None:
    """The optional `model.quality_score` (0-100), checked: the leaderboard plots and ranks it, so a
    string, NaN or 250 must be refused here rather than break a page later."""
    raw = extra.get("quality_score")
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or not 0 <= raw <= 100:
        report.add(
            "bad_quality",
            f"model.quality_score is {raw!r}; it must be a number from 0 to 100 (higher is better). "
            "Fix it, or remove the field if the model has no quality score.",
            REPORT_FILE,
        )
        return None
    return float(raw)


def _note_incomplete(contents: dict[str, bytes], report: ValidationReport, limits: ZipLimits) -> None:
    """Say why a bundle lacks its energy files when its report records a failed run (the runner
    writes no energy files for an incomplete run)."""
    try:
        raw = load_json(REPORT_FILE, contents[REPORT_FILE], limits)
    except (KeyError, BadJson):
        return
    if isinstance(raw, dict) and raw.get("status") == "incomplete":
        report.add(
            "incomplete_run",
            f"The run did not complete ({raw.get('failure') or 'no reason recorded'}); an incomplete run cannot be rated. Fix the cause and run again.",
            REPORT_FILE,
        )


def _check_environment(env: Environment, run: RunReport, has_classes: bool, report: ValidationReport) -> None:
    if env.meter == METER_SIMULATED:
        report.add(
            "simulated_meter",
            "This run used the simulated meter (--dry-run), so its energy is not a measurement. "
            "Run without --dry-run on an NVIDIA H100 to get a submittable bundle.",
            ENVIRONMENT_FILE,
        )
    if not env.gpus:
        report.add("no_gpu", "environment.json lists no GPU; a rated run needs an NVIDIA H100.", ENVIRONMENT_FILE)
    other = sorted({g.name for g in env.gpus if OFFICIAL_GPU_MARK not in g.name.upper()})
    if other:
        report.add(
            "not_h100",
            f"The run used {', '.join(other)}, not an NVIDIA H100, so it is not eligible for the official "
            "leaderboard (all ratings compare H100 measurements). Run it again on an H100 80GB.",
            ENVIRONMENT_FILE,
        )
    if env.contaminated:
        names = ", ".join(str(p.get("name", p.get("pid", "?"))) for p in env.other_processes) or "another process"
        report.add(
            "contaminated",
            f"Another process ({names}) used the GPU during the run, so its energy is mixed in. Run again on an idle GPU.",
            ENVIRONMENT_FILE,
        )
    if has_classes:
        cls = run.model.model_class
        if cls not in ("A", "B", "C"):
            report.add(
                "missing_class",
                "Text generation results need a model class (A, B or C) in benchmark_report.json.",
                REPORT_FILE,
            )
        else:
            msg = gpu_count_problem(cls, len(env.gpus))
            if msg:
                report.add("class_gpu_count", msg, ENVIRONMENT_FILE)
            expected = class_for_parameters(run.model.parameters).value
            if cls != expected and not run.model.class_overridden:
                report.add(
                    "class_mismatch",
                    f"The model has {run.model.parameters:,} parameters, which makes it class {expected}, "
                    f"but the report says class {cls}. Re-run with the right class or mark the override.",
                    REPORT_FILE,
                )
    if run.model.random_weights:
        report.warn(
            "random_weights",
            "The model was a random-weight replica built from its config: the energy reflects the architecture's compute, not trained outputs.",
        )


def _warn_host_drift(run: RunReport, report: ValidationReport) -> None:
    """Warn when the pass time drifted during the repetitions: the figure then carries the host's
    change of pace, which a reviewer should see beside the confidence interval."""
    spread = pass_spread(run)
    drift = spread.drift() if spread else None
    if spread is None or drift is None:
        return
    report.warn(
        "host_drift",
        f"{drift[0].upper()}{drift[1:]}, over {spread.repetitions} repetitions; pass energy CV {spread.energy_cv_pct:.1f}%, "
        f"mean power CV {spread.power_cv_pct:.1f}%. The host's pace changed while measuring, so the figure carries "
        "that spread; a re-run on a quieter host gives a tighter one.",
        REPORT_FILE,
    )


def _check_phases(
    run: RunReport, env: Environment, task: Task, report: ValidationReport, short_workload_ok: bool = False
) -> bool:
    """Recompute every phase's energy from its counters; False when the report cannot be trusted."""
    ok = True
    n_gpus = len(env.gpus)
    samples = run.dataset.samples
    if run.config.get("samples") not in (None, samples):
        report.add(
            "sample_count",
            f"The config asks for {run.config.get('samples')} samples but the dataset block says {samples}; the report was edited.",
            REPORT_FILE,
        )
        ok = False
    if short_workload_ok and 0 < samples < task.samples:
        report.warn(
            SHORT_WORKLOAD,
            f"Measured on {samples:,} of the standard {task.samples:,} samples per repetition and normalised per "
            "1,000 queries: demo data, not a rateable submission.",
            REPORT_FILE,
        )
    elif samples != task.samples:
        report.add(
            "sample_count",
            f"The run measured {samples} samples per repetition; the standard workload of {task.id} is "
            f"{task.samples}. Run again without --samples to rate the model.",
            REPORT_FILE,
        )
        ok = False
    if not run.repetitions:
        report.add(
            "no_repetitions", "The report has no measured repetition. Run the benchmark to completion.", REPORT_FILE
        )
        return False
    all_phases = [("preprocess", run.preprocess)] + [
        (f"repetition {rep.index} {p.name}", p) for rep in run.repetitions for p in rep.phases
    ]
    for label, p in all_phases:
        if len(p.counter_start_mj) != n_gpus or len(p.counter_end_mj) != n_gpus:
            report.add(
                "counter_gpus",
                f"The {label} phase has counter readings for {len(p.counter_start_mj)} GPU(s) but the run used {n_gpus}.",
                REPORT_FILE,
            )
            ok = False
            continue
        try:
            wh = counters_energy_wh(p.counter_start_mj, p.counter_end_mj)
        except ValueError as exc:
            report.add("bad_counters", f"The {label} phase: {exc}", REPORT_FILE)
            ok = False
            continue
        if not same(wh, p.gpu_energy_wh):
            report.add(
                "altered_phase",
                f"The {label} phase says {p.gpu_energy_wh:.6f} Wh but its counter readings give {wh:.6f} Wh: the number was altered.",
                REPORT_FILE,
            )
            ok = False
    if run.preprocess.name != PREPROCESS_PHASE:
        report.add("phases", f"The first phase must be 'preprocess', not {run.preprocess.name!r}.", REPORT_FILE)
        ok = False
    for rep in run.repetitions:
        counted = [p.name for p in rep.phases if p.in_total]
        if counted != [task.pass_phase]:
            report.add(
                "phases",
                f"Repetition {rep.index} counts phases {counted} in its total; task {task.id} counts exactly ['{task.pass_phase}'].",
                REPORT_FILE,
            )
            ok = False
            continue
        main = next(p for p in rep.phases if p.in_total)
        if main.samples != samples:
            report.add(
                "sample_count",
                f"Repetition {rep.index} processed {main.samples} samples, not the {samples} the run declares. A rated run covers every sample.",
                REPORT_FILE,
            )
            ok = False
        if main.gpu_energy_wh <= 0:
            report.add(
                "zero_energy",
                f"Repetition {rep.index} measured {main.gpu_energy_wh} Wh: a GPU always draws power, so the counter was not read. Check NVML and run again.",
                REPORT_FILE,
            )
            ok = False
        total = repetition_total_wh(run.preprocess, rep.phases)
        if not same(total, rep.gpu_energy_wh) or not same(wh_per_1k_queries(total, samples), rep.gpu_energy_wh_per_1k):
            report.add(
                "altered_total",
                f"Repetition {rep.index}'s total disagrees with the sum of its phases: the number was altered.",
                REPORT_FILE,
            )
            ok = False
    if task.pass_phase == PASS_GENERATE and run.split is not None and ok:
        summary = summarize(run, task)
        gen = summary.gpu_energy_wh_per_1k_mean - summary.phases_wh_per_1k[PREPROCESS_PHASE]
        if not same(run.split.prefill_wh + run.split.decode_wh, gen, rel=1e-6):
            report.add(
                "altered_split",
                "Prefill plus decode does not equal the measured generate energy: the split was altered.",
                REPORT_FILE,
            )
            ok = False
    return ok


def _check_summary(run: RunReport, summary: Summary, contents: dict[str, bytes], report: ValidationReport) -> None:
    mean = summary.gpu_energy_wh_per_1k_mean
    if run.summary is None:
        report.add(
            "no_summary",
            "benchmark_report.json has no summary block. Re-create the bundle with the runner.",
            REPORT_FILE,
        )
    elif not same(run.summary.gpu_energy_wh_per_1k_mean, mean) or not same(
        run.summary.gpu_energy_wh_per_1k_std, summary.gpu_energy_wh_per_1k_std, abs_=1e-9
    ):
        report.add(
            "altered_total",
            f"The report's summary says {run.summary.gpu_energy_wh_per_1k_mean:.6f} Wh per 1,000 queries but its repetitions give {mean:.6f}: the number was altered.",
            REPORT_FILE,
        )
    else:
        _check_summary_details(run.summary, summary, report)
    try:
        txt_value = float(contents[ENERGY_WH_FILE].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        report.add("bad_energy_file", f"{ENERGY_WH_FILE} must hold one number (Wh per 1,000 queries).", ENERGY_WH_FILE)
    else:
        if not abs(txt_value - mean) <= TEXT_TOLERANCE_WH:
            report.add(
                "altered_total",
                f"{ENERGY_WH_FILE} says {txt_value} Wh but the phase readings give {mean:.4f} Wh per 1,000 queries: the number was altered.",
                ENERGY_WH_FILE,
            )
    try:
        data = json.loads(contents[SUMMARY_FILE].decode("utf-8"), parse_constant=lambda c: float("nan"))
        total = float(data["total"])
        units = data.get("units")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        report.add(
            "bad_summary_file",
            f'{SUMMARY_FILE} must be a JSON object with "units": "Wh" and a numeric "total".',
            SUMMARY_FILE,
        )
        return
    if units != "Wh":
        report.add("bad_summary_file", f'{SUMMARY_FILE} gives units {units!r}; it must be "Wh".', SUMMARY_FILE)
    if not same(total, mean):
        report.add(
            "altered_total",
            f"{SUMMARY_FILE} says a total of {total} Wh but the phase readings give {mean:.6f} Wh per 1,000 queries: the number was altered.",
            SUMMARY_FILE,
        )
    for name, wh in summary.phases_wh_per_1k.items():
        stated = data.get(f"{name}_wh")
        if isinstance(stated, bool) or not isinstance(stated, (int, float)) or not same(float(stated), wh):
            report.add(
                "altered_summary",
                f"{SUMMARY_FILE} says {name}_wh is {stated!r} but the phase readings give {wh:.6f} Wh per 1,000 queries: the number was altered.",
                SUMMARY_FILE,
            )


def _check_summary_details(stated: Summary, derived: Summary, report: ValidationReport) -> None:
    """The rest of the report's summary block (CI, repetitions, per-phase means) against the
    values recomputed from the repetitions."""
    fields = {
        "ci95_low_wh_per_1k": (stated.ci95_low_wh_per_1k, derived.ci95_low_wh_per_1k),
        "ci95_high_wh_per_1k": (stated.ci95_high_wh_per_1k, derived.ci95_high_wh_per_1k),
        "repetitions": (stated.repetitions, derived.repetitions),
    }
    for name in sorted(set(stated.phases_wh_per_1k) | set(derived.phases_wh_per_1k)):
        fields[f"phases_wh_per_1k.{name}"] = (
            stated.phases_wh_per_1k.get(name, float("nan")),
            derived.phases_wh_per_1k.get(name, float("nan")),
        )
    for name, (a, b) in fields.items():
        if not same(a, b):
            report.add(
                "altered_summary",
                f"The report's summary says {name} = {a} but its repetitions give {b}: the number was altered.",
                REPORT_FILE,
            )
