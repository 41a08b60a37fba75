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
from pathlib import PurePosixPath
from collections.abc import Callable
from typing import Any

from shared.bundle.problems import ValidationReport
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


def validate_reference(contents: dict[str, bytes], report: ValidationReport, limits: ZipLimits) -> None:
    """Check a zipped reference-runner run directory and fill `report` with its problems and record."""
    found = [p for p in contents if PurePosixPath(p).name == REPORT]
    if not found:
        report.add(
            "unknown_format",
            "This zip has neither manifest.json (a bundle from `python -m runner bundle`) nor "
            "benchmark_report.json (a reference-runner run directory). Upload one of those.",
        )
        return
    if len(found) > 1:
        report.add("ambiguous", f"The zip holds {len(found)} benchmark_report.json files; submit one run per zip.")
        return
    report.source_format = FORMAT_REFERENCE
    folder = PurePosixPath(found[0]).parent

    def load(name: str) -> Any:
        path = str(folder / name) if str(folder) != "." else name
        if path not in contents:
            return None
        try:
            return load_json(name, contents[path], limits)
        except BadJson as exc:
            report.add("bad_json", f"{exc}.", name)
            return None

    bench = load(REPORT)
    if not isinstance(bench, dict):
        if not report.problems:
            report.add("bad_json", "benchmark_report.json must be a JSON object of phases.", REPORT)
        return
    bench = bench.get("report", bench) if isinstance(bench.get("report"), dict) else bench
    config: dict[str, Any] = {}
    for name in CONFIG_NAMES:
        raw = load(name)
        if isinstance(raw, dict):
            config = raw.get("config", raw) if isinstance(raw.get("config"), dict) else raw
            break
    extra = load(EXTRA)
    if not isinstance(extra, dict):
        extra = {}
    if not config:
        report.add(
            "missing_config",
            "The run directory has no benchmark_config.json (or experiment_config.json), so the model, "
            "task, sample count and GPU are unknown. Zip the whole run directory the runner wrote.",
        )
        return
    model_id = _get(config, "backend", "model") or _get(config, "model")
    pipeline = _get(config, "backend", "task") or _get(config, "task")
    reasoning = bool(_get(config, "scenario", "reasoning") or extra.get("reasoning"))
    samples = _get(config, "scenario", "num_samples") or _get(config, "num_samples")
    gpus = _get(config, "environment", "gpu") or []
    if not isinstance(gpus, list):
        gpus = [gpus]
    task = _task_for(pipeline, reasoning)
    if not model_id:
        report.add("missing_model", "The configuration names no model (backend.model).")
    if task is None:
        report.add("unknown_task", f"The configuration's task {pipeline!r} is not a rated task.")
    if not isinstance(samples, int) or samples <= 0:
        report.add("sample_count", "The configuration gives no sample count (scenario.num_samples).")
    if report.problems or task is None or not isinstance(samples, int):
        return
    if samples != task.samples:
        report.add(
            "sample_count",
            f"The run measured {samples} samples; the standard workload is {task.samples}. Run again with all {task.samples} samples.",
        )
    if not gpus:
        report.add("no_gpu", "The configuration lists no GPU (environment.gpu), so the H100 rule cannot be checked.")
    elif any("H100" not in str(g).upper() for g in gpus):
        report.add(
            "not_h100",
            f"The run used {', '.join(map(str, gpus))}, not an NVIDIA H100, so it is not eligible for the official leaderboard. Run it again on an H100 80GB.",
        )
    phase_keys = ("prefill", "decode") if task.pass_phase == PASS_GENERATE else (task.pass_phase,)
    phases: dict[str, float] = {}
    for key in (*PREPROCESS_KEYS[:1], *phase_keys):
        try:
            wh = _phase_gpu_wh(bench, key)
            if wh is None and key == PREPROCESS_KEYS[0]:
                wh = _phase_gpu_wh(bench, PREPROCESS_KEYS[1])
        except BadUnit as exc:
            report.add("bad_units", f"{exc} Submit the run directory exactly as the runner wrote it.", REPORT)
            continue
        if wh is None or not math.isfinite(wh) or wh < 0:
            report.add("missing_phase", f"benchmark_report.json has no valid GPU energy for phase {key!r}.", REPORT)
            continue
        phases["preprocess" if key in PREPROCESS_KEYS else key] = wh
    if report.problems:
        return
    total_wh = sum(phases.values())
    if total_wh <= 0:
        report.add(
            "zero_energy",
            "The run's GPU energy is 0 Wh: the energy counter was not read. Check NVML and run again.",
            REPORT,
        )
        return
    txt_path = str(folder / "GPU_ENERGY_WH.txt") if str(folder) != "." else "GPU_ENERGY_WH.txt"
    if txt_path in contents:
        try:
            txt = float(contents[txt_path].decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            report.add("bad_energy_file", "GPU_ENERGY_WH.txt must hold one number.", "GPU_ENERGY_WH.txt")
        else:
            per_1k = wh_per_1k_queries(total_wh, samples)
            if min(abs(txt - total_wh), abs(txt - per_1k)) > 0.005 + 1e-9:
                report.add(
                    "altered_total",
                    f"GPU_ENERGY_WH.txt says {txt} Wh but the phases sum to {total_wh:.4f} Wh: the number was altered.",
                    "GPU_ENERGY_WH.txt",
                )
    model_class = None
    parameters = extra.get("parameters") if isinstance(extra.get("parameters"), int) else None
    if task.has_classes:
        model_class = extra.get("model_class") or (class_for_parameters(parameters).value if parameters else None)
        if model_class not in ("A", "B", "C"):
            report.add(
                "missing_class",
                f'Text generation needs the model class: add {EXTRA} with {{"model_class": "A"}} (or the parameter count) beside benchmark_report.json.',
            )
        else:
            msg = gpu_count_problem(model_class, _gpu_count(config, gpus) or 1)
            if msg:
                report.add("class_gpu_count", msg)
    report.warn(
        "reference_format",
        "Reference-runner format: the energy comes from CodeCarbon phase totals without raw counter readings, so it cannot be re-derived.",
    )
    if report.problems:
        return
    norm = {k: wh_per_1k_queries(v, samples) for k, v in phases.items()}
    report.record = ResultRecord(
        task_id=task.id,
        model_id=str(model_id),
        model_class=model_class,
        parameters=parameters,
        precision=_get(config, "backend", "torch_dtype") or _get(config, "backend", "dtype"),
        gpu_energy_wh_per_1k=wh_per_1k_queries(total_wh, samples),
        samples=samples,
        phases_wh_per_1k=norm,
        hardware=str(gpus[0]),
        gpu_count=_gpu_count(config, gpus),
        source_format=FORMAT_REFERENCE,
        runner="optimum-benchmark energy_star",
        config=config,
        dataset={"id": _get(config, "scenario", "dataset_name"), "samples": samples},
    )
