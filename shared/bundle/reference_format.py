"""Reading a run directory of the reference runner (optimum-benchmark `energy_star`), zipped.

Such a directory holds `benchmark_report.json` (per phase `{"energy": {"unit": "kWh", "gpu": ...}}`),
the `GPU_ENERGY_*` files, and the run's configuration (`benchmark_config.json`, `experiment_config.json`
or `benchmark.json`). It has no raw counter readings, so its total can only be checked for internal
consistency; results are marked "reference-runner format".

The reference's GPU_ENERGY_WH.txt holds the energy of the N prompts it ran, not per 1,000 queries;
we normalise by N. Text generation needs the model class, which the reference does not record: put
`aienergyscore.json` with {"model_class": "A", "parameters": 20000000000} beside the report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from shared.bundle.checks import Stage, run_stages
from shared.bundle.checks.environment import gpu_findings
from shared.bundle.checks.identity import dtype_problem, model_id_problem, text_caps
from shared.bundle.checks.margins import compute_floor_j
from shared.bundle.problems import Notice, Problem, ValidationReport
from shared.bundle.safezip import BadJson, ZipLimits, load_json
from shared.method.classes import class_for_parameters, gpu_count_problem
from shared.method.tasks import PASS_GENERATE, TASKS, Task
from shared.method.units import kwh_to_wh, wh_per_1k_queries
from shared.records import FORMAT_REFERENCE, ResultRecord

REPORT = "benchmark_report.json"
CONFIG_NAMES = ("benchmark_config.json", "experiment_config.json", "benchmark.json")
EXTRA = "aienergyscore.json"
PREPROCESS_KEYS = ("preprocess_dataset", "preprocess")


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _task_for(pipeline: str | None, reasoning: bool) -> Task | None:
    if pipeline in ("text-generation", "text_generation"):
        return TASKS["reasoning" if reasoning else "text_generation"]
    for t in TASKS.values():
        if pipeline in (t.pipeline_task, t.id):
            return t
    return None


ENERGY_UNITS: dict[str, Callable[[float], float]] = {"kwh": kwh_to_wh, "wh": float, "j": lambda v: v / 3600.0}


class BadUnit(ValueError):
    """A phase's energy is given in a unit we do not know."""


def _phase_gpu_wh(report: dict[str, Any], key: str) -> float | None:
    """GPU energy of one phase in Wh; None when absent or not a number; BadUnit for an unknown unit."""
    node = report.get(key)
    gpu = _get(node, "energy", "gpu")
    if gpu is None or isinstance(gpu, bool) or not isinstance(gpu, (int, float)):
        return None
    unit = str(_get(node, "energy", "unit") or "kWh")
    convert = ENERGY_UNITS.get(unit.lower())
    if convert is None:
        raise BadUnit(
            f"Phase {key!r} gives its energy in {unit!r}; the reference runner writes kWh (Wh and J are also read)."
        )
    return convert(float(gpu))


def _gpu_count(config: dict[str, Any], gpus: list[Any]) -> int:
    """GPUs the run used: backend.device_ids when given ("0" or "0,1"; the reference lists every GPU
    of the machine in environment.gpu), else the GPUs listed."""
    ids = _get(config, "backend", "device_ids")
    if isinstance(ids, int) and not isinstance(ids, bool):
        return 1
    if isinstance(ids, str) and ids.strip():
        return len([i for i in ids.split(",") if i.strip()])
    if isinstance(ids, list) and ids:
        return len(ids)
    return len(gpus)


@dataclass
class ReferenceRun:
    """A zipped reference-runner run directory under validation; the checks fill in what they read.

    Attributes:
        files: The zip's members, path -> bytes (read on demand).
        limits: Size limits of the upload.
        folder: The run directory inside the zip (where benchmark_report.json is).
        bench, config, extra: The report's phases, the run configuration, aienergyscore.json.
        task, samples, gpus, phases: Read from them; phases are GPU Wh for the N prompts run.
        record: The normalised result, built by the last check.
    """

    files: Mapping[str, bytes]
    limits: ZipLimits
    folder: PurePosixPath = field(default_factory=lambda: PurePosixPath("."))
    bench: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    task: Task | None = None
    samples: int = 0
    gpus: list[Any] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    record: ResultRecord | None = None

    def path(self, name: str) -> str:
        """Path of `name` in the run directory."""
        return str(self.folder / name) if str(self.folder) != "." else name

    def load(self, name: str) -> tuple[Any, Problem | None]:
        """The JSON document `name` of the run directory (None when absent), or the problem reading it."""
        path = self.path(name)
        if path not in self.files:
            return None, None
        try:
            return load_json(name, self.files[path], self.limits), None
        except BadJson as exc:
            return None, Problem(exc.code, f"{exc}. Submit the run directory exactly as the runner wrote it.", name)


NEITHER_FORMAT = (
    "This zip is neither of the two formats the portal reads: a bundle of `python -m runner bundle` "
    "needs manifest.json beside benchmark_report.json and environment.json; a reference-runner run "
    "directory needs benchmark_report.json beside its configuration (benchmark_config.json, "
    "experiment_config.json or benchmark.json)."
)


def _looks_native(report: object) -> bool:
    return isinstance(report, dict) and "repetitions" in report and "schema_version" in report


def located(r: ReferenceRun) -> Iterator[Problem]:
    """Exactly one benchmark_report.json, of the reference runner (not ours without its manifest)."""
    found = [p for p in r.files if PurePosixPath(p).name == REPORT]
    if not found:
        yield Problem("unknown_format", f"{NEITHER_FORMAT} It has neither manifest.json nor benchmark_report.json.")
        return
    if len(found) > 1:
        yield Problem("ambiguous", f"The zip holds {len(found)} benchmark_report.json files; submit one run per zip.")
        return
    r.folder = PurePosixPath(found[0]).parent


def documents(r: ReferenceRun) -> Iterator[Problem]:
    """The report is a JSON object of phases; the configuration is there; aienergyscore.json is an object."""
    bench, problem = r.load(REPORT)
    if problem:
        yield problem
        return
    if not isinstance(bench, dict):
        yield Problem("bad_json", "benchmark_report.json must be a JSON object of phases.", REPORT)
        return
    if _looks_native(bench) and "manifest.json" not in r.files:
        yield Problem(
            "missing_manifest",
            "This looks like a bundle of `python -m runner bundle` without its manifest.json, which lists every "
            "file with its hash. Upload the bundle .zip exactly as the runner wrote it.",
        )
        return
    r.bench = bench.get("report", bench) if isinstance(bench.get("report"), dict) else bench
    for name in CONFIG_NAMES:
        raw, problem = r.load(name)
        if problem:
            yield problem
            return
        if isinstance(raw, dict):
            r.config = raw.get("config", raw) if isinstance(raw.get("config"), dict) else raw
            break
    extra, problem = r.load(EXTRA)
    if problem:
        yield problem
        return
    r.extra = extra if isinstance(extra, dict) else {}
    if not r.config:
        yield Problem(
            "missing_config",
            f"{NEITHER_FORMAT} It has a benchmark_report.json but no manifest.json and no configuration, so the "
            "model, task, sample count and GPU are unknown. Zip the whole run directory the runner wrote.",
        )


def configuration(r: ReferenceRun) -> Iterator[Problem]:
    """The configuration names a valid model id and dtype, a rated task and a sample count."""
    model_id = _get(r.config, "backend", "model") or _get(r.config, "model")
    pipeline = _get(r.config, "backend", "task") or _get(r.config, "task")
    reasoning = bool(_get(r.config, "scenario", "reasoning") or r.extra.get("reasoning"))
    samples = _get(r.config, "scenario", "num_samples") or _get(r.config, "num_samples")
    gpus = _get(r.config, "environment", "gpu") or []
    r.gpus = gpus if isinstance(gpus, list) else [gpus]
    r.task = _task_for(pipeline if isinstance(pipeline, str) else None, reasoning)
    if not model_id:
        yield Problem("missing_model", "The configuration names no model (backend.model).")
    else:
        msg = model_id_problem(model_id)
        if msg:
            yield Problem("bad_model_id", f"In the configuration, {msg}. Use the model's Hub id.")
    dtype = _get(r.config, "backend", "torch_dtype") or _get(r.config, "backend", "dtype")
    msg = dtype_problem(dtype) if dtype is not None else None
    if msg:
        yield Problem("bad_dtype", f"In the configuration, {msg}. Submit the run directory as the runner wrote it.")
    yield from text_caps(r.config, "the configuration")
    if r.task is None:
        yield Problem("unknown_task", f"The configuration's task {str(pipeline)[:60]!r} is not a rated task.")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples <= 0:
        yield Problem("sample_count", "The configuration gives no sample count (scenario.num_samples).")
    else:
        r.samples = samples


def standard_run(r: ReferenceRun) -> Iterator[Problem]:
    """The standard sample count, on GPUs the checks know (exact product names): H100s are rated, another
    known GPU is accepted with a warning and shown without stars, an unknown or mixed set is refused."""
    assert r.task is not None
    if r.samples != r.task.samples:
        yield Problem(
            "sample_count",
            f"The run measured {r.samples} samples; the standard workload is {r.task.samples}. "
            f"Run again with all {r.task.samples} samples.",
        )
    if not r.gpus:
        yield Problem("no_gpu", "The configuration lists no GPU (environment.gpu), so the H100 rule cannot be checked.")
    else:
        yield from gpu_findings(r.gpus)


def phase_energies(r: ReferenceRun) -> Iterator[Problem]:
    """Every phase of the task has a finite, non-negative GPU energy in a known unit."""
    assert r.task is not None
    phase_keys = ("prefill", "decode") if r.task.pass_phase == PASS_GENERATE else (r.task.pass_phase,)
    for key in (*PREPROCESS_KEYS[:1], *phase_keys):
        try:
            wh = _phase_gpu_wh(r.bench, key)
            if wh is None and key == PREPROCESS_KEYS[0]:
                wh = _phase_gpu_wh(r.bench, PREPROCESS_KEYS[1])
        except BadUnit as exc:
            yield Problem("bad_units", f"{exc} Submit the run directory exactly as the runner wrote it.", REPORT)
            continue
        if wh is None or not math.isfinite(wh) or wh < 0:
            yield Problem("missing_phase", f"benchmark_report.json has no valid GPU energy for phase {key!r}.", REPORT)
            continue
        r.phases["preprocess" if key in PREPROCESS_KEYS else key] = wh


def total_energy(r: ReferenceRun) -> Iterator[Problem]:
    """The energy is not zero, and GPU_ENERGY_WH.txt (if present) agrees with the phases."""
    total_wh = sum(r.phases.values())
    if total_wh <= 0:
        yield Problem(
            "zero_energy",
            "The run's GPU energy is 0 Wh: the energy counter was not read. Check NVML and run again.",
            REPORT,
        )
        return
    txt_path = r.path("GPU_ENERGY_WH.txt")
    if txt_path not in r.files:
        return
    try:
        if len(r.files[txt_path]) > 100:
            raise ValueError("too long")
        txt = float(r.files[txt_path].decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        yield Problem("bad_energy_file", "GPU_ENERGY_WH.txt must hold one number.", "GPU_ENERGY_WH.txt")
        return
    per_1k = wh_per_1k_queries(total_wh, r.samples)
    if not min(abs(txt - total_wh), abs(txt - per_1k)) <= 0.005 + 1e-9:
        yield Problem(
            "altered_total",
            f"GPU_ENERGY_WH.txt says {txt} Wh but the phases sum to {total_wh:.4f} Wh: the number was altered.",
            "GPU_ENERGY_WH.txt",
        )


def _parameters(r: ReferenceRun) -> int | None:
    raw = r.extra.get("parameters")
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None


def parameters(r: ReferenceRun) -> Iterator[Problem]:
    """aienergyscore.json's parameter count, when given, is a positive integer."""
    raw = r.extra.get("parameters")
    if raw is not None and _parameters(r) is None:
        yield Problem(
            "bad_parameters",
            f"{EXTRA} gives parameters = {str(raw)[:40]}; it must be the model's parameter count, a positive integer.",
            EXTRA,
        )


def model_class(r: ReferenceRun) -> Iterator[Problem]:
    """Text generation: a class A/B/C that fits the parameter count and the GPUs used."""
    assert r.task is not None
    if not r.task.has_classes:
        return
    params = _parameters(r)
    cls = r.extra.get("model_class") or (class_for_parameters(params).value if params else None)
    if cls not in ("A", "B", "C"):
        yield Problem(
            "missing_class",
            f'Text generation needs the model class: add {EXTRA} with {{"model_class": "A"}} (or the parameter count) '
            "beside benchmark_report.json.",
        )
        return
    if params is not None and cls != class_for_parameters(params).value and not r.extra.get("class_overridden"):
        yield Problem(
            "class_mismatch",
            f"{EXTRA} says class {cls} but {params:,} parameters make class {class_for_parameters(params).value}. "
            'Give the right class, or mark a deliberate choice with "class_overridden": true.',
            EXTRA,
        )
    msg = gpu_count_problem(cls, _gpu_count(r.config, r.gpus) or 1)
    if msg:
        yield Problem("class_gpu_count", msg)


def above_compute_floor(r: ReferenceRun) -> Iterator[Problem]:
    """The measured passes used at least the energy the arithmetic of one token per prompt needs."""
    params = _parameters(r)
    if params is None:
        return
    pass_j = sum(wh for k, wh in r.phases.items() if k != "preprocess") * 3600.0
    floor = compute_floor_j(params, r.samples)
    if pass_j < floor:
        yield Problem(
            "below_compute_floor",
            f"The run measured {pass_j:.4g} J for {r.samples:,} prompts through {params:,} parameters; even the most "
            f"efficient GPU needs {floor:.4g} J for one token per prompt (docs/THREAT_MODEL.md). The energy or the "
            "parameter count is wrong.",
            REPORT,
        )


def reference_notice(r: ReferenceRun) -> Iterator[Problem]:
    """Say that the energy cannot be re-derived from raw counter readings."""
    yield Notice(
        "reference_format",
        "Reference-runner format: the energy comes from CodeCarbon phase totals without raw counter readings, "
        "so it cannot be re-derived.",
    )


def build_record(r: ReferenceRun) -> Iterator[Problem]:
    """The normalised result (the last step, so it yields nothing)."""
    assert r.task is not None
    total_wh = sum(r.phases.values())
    model_id = _get(r.config, "backend", "model") or _get(r.config, "model")
    dtype = _get(r.config, "backend", "torch_dtype") or _get(r.config, "backend", "dtype")
    cls = None
    if r.task.has_classes:
        params = _parameters(r)
        cls = r.extra.get("model_class") or (class_for_parameters(params).value if params else None)
    r.record = ResultRecord(
        task_id=r.task.id,
        model_id=str(model_id),
        model_class=cls,
        parameters=_parameters(r),
        precision=dtype,
        gpu_energy_wh_per_1k=wh_per_1k_queries(total_wh, r.samples),
        samples=r.samples,
        phases_wh_per_1k={k: wh_per_1k_queries(v, r.samples) for k, v in r.phases.items()},
        hardware=str(r.gpus[0]),
        gpu_count=_gpu_count(r.config, r.gpus),
        source_format=FORMAT_REFERENCE,
        runner="optimum-benchmark energy_star",
        config=r.config,
        dataset={"id": _get(r.config, "scenario", "dataset_name"), "samples": r.samples},
    )
    return
    yield  # a generator like every check


REFERENCE_STAGES: list[Stage[ReferenceRun]] = [
    Stage("locate", [located]),
    Stage("documents", [documents]),
    Stage("configuration", [configuration]),
    Stage("standard run", [standard_run, phase_energies]),
    Stage("energy", [total_energy, parameters, model_class, above_compute_floor, reference_notice], gate=False),
    Stage("record", [build_record]),
]


def validate_reference(contents: Mapping[str, bytes], report: ValidationReport, limits: ZipLimits) -> None:
    """Check a zipped reference-runner run directory and fill `report` with its problems and record."""
    run = ReferenceRun(contents, limits)
    if any(PurePosixPath(p).name == REPORT for p in contents):
        report.source_format = FORMAT_REFERENCE
    run_stages(REFERENCE_STAGES, run, report)
    if not report.problems:
        report.record = run.record
