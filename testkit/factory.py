"""Builders of synthetic bundles for tests and benchmarks: a valid one for any task, then mutated per test.

These are fakes for unit tests of validation, the store and the apps, and for the app benchmarks
(benchmarks/portal_validate.py, benchmarks/leaderboard_scale.py); the real H100 bundle lives in
tests/fixtures/ and is used beside them.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

from runner.run_files import finalize_report, measured_phase, repetition, run_files
from shared.bundle.gpus import max_power_w
from shared.bundle.make import make_bundle
from shared.bundle.schema import SCHEMA_VERSION, DatasetInfo, Environment, GpuInfo, ModelInfo, PhaseSplit, RunReport
from shared.method.tasks import PASS_GENERATE, get_task

H100 = "NVIDIA H100 80GB HBM3"


def make_report(
    task_id: str = "text_generation",
    model_id: str = "acme/tiny-model",
    energy_wh: float = 2.0,
    repetitions: int = 3,
    gpus: int = 1,
    parameters: int = 1_000_000_000,
    model_class: str | None = "A",
    seed: int = 0,
) -> RunReport:
    """A complete report whose per-1k energy is about `energy_wh`, with consistent counters."""
    task = get_task(task_id)
    rng = random.Random(seed)
    samples = task.samples
    counter = [1_000_000_000 + 7 * i for i in range(gpus)]

    def window(name: str, mj_total: float, **fields: Any):
        nonlocal counter
        start = list(counter)
        per_gpu = max(1, int(mj_total / gpus))
        counter = [c + per_gpu for c in counter]
        return measured_phase(name, start, list(counter), **fields)

    def seconds(mj_total: float) -> float:
        # Each synthetic window draws 150 W per GPU: between idle (70 W) and the 700 W limit, as
        # validation's physical checks require of a real run.
        return max(mj_total / 1000.0 / (150.0 * gpus), 0.001)

    total_mj = energy_wh * 3_600_000 * samples / 1000
    pre = window("preprocess", total_mj * 0.01, duration_s=seconds(total_mj * 0.01), samples=samples)
    reps = []
    for i in range(repetitions):
        jitter = 1 + rng.uniform(-0.01, 0.01)
        main = window(
            task.pass_phase,
            total_mj * 0.99 * jitter,
            duration_s=seconds(total_mj * 0.99 * jitter),
            samples=samples,
            input_tokens=samples * 40,
            output_tokens=samples * 10,
        )
        reps.append(repetition(i, pre, [main], samples))
    report = RunReport(
        schema_version=SCHEMA_VERSION,
        status="complete",
        task=task_id,
        model=ModelInfo(
            id=model_id,
            parameters=parameters,
            dtype="bfloat16" if task.has_classes else "float32",
            model_class=model_class if task.has_classes else None,
        ),
        dataset=DatasetInfo(id=task.dataset_id, samples=samples, sha256="0" * 64),
        config={"samples": samples, "batch_size": 1, "repetitions": repetitions},
        preprocess=pre,
        repetitions=reps,
        started_utc="2026-11-20T10:00:00+00:00",
        # At least 30 minutes, and never shorter than the windows (validation's duration_mismatch).
        finished_utc=(
            datetime(2026, 11, 20, 10, tzinfo=UTC)
            + timedelta(seconds=max(1800.0, pre.duration_s + sum(r.phases[0].duration_s for r in reps) + 60))
        ).isoformat(timespec="seconds"),
    )
    if task.pass_phase == PASS_GENERATE:
        gen = sum(r.gpu_energy_wh_per_1k for r in reps) / len(reps) - pre.gpu_energy_wh * 1000 / samples
        report.split = PhaseSplit(method="single-pass", prefill_wh=gen * 0.3, decode_wh=gen - gen * 0.3)
    return finalize_report(report)


def make_env(
    gpus: int = 1, gpu_name: str = H100, meter: str = "nvml", power_limit_w: float | None = None
) -> Environment:
    """An environment block for `gpus` GPUs of one name, each at `power_limit_w` (default: the product's
    maximum board power, 700 W for a GPU the table does not know)."""
    limit = power_limit_w if power_limit_w is not None else (max_power_w(gpu_name) or 700.0)
    return Environment(
        schema_version=SCHEMA_VERSION,
        meter=meter,  # type: ignore[arg-type]
        gpus=[GpuInfo(index=i, name=gpu_name, power_limit_w=limit) for i in range(gpus)],
        driver_version="580.159.04",
        cuda_version="13.0",
        idle_power_w=70.0 * gpus,
        software={"torch": "2.11.0", "transformers": "5.0.0"},
    )


def make_bundle_bytes(
    report: RunReport | None = None,
    env: Environment | None = None,
    override: dict[str, bytes] | None = None,
    **report_kw: Any,
) -> bytes:
    """A bundle zip; `override` replaces file bodies *after* hashing (to simulate tampering)."""
    report = report or make_report(**report_kw)
    env = env or make_env(gpus=report_kw.get("gpus", 1))
    files = run_files(report, env, {"run.log": b"synthetic test bundle\n"})
    data = make_bundle(files, "aienergyscore-runner", "test")
    if override:
        data = rewrite_zip(data, override)
    return data


def rewrite_zip(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """A copy of the zip with members replaced (bytes), added, or removed (None)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                continue
            dst.writestr(info.filename, src.read(info))
        for name, body in replace.items():
            if body is not None:
                dst.writestr(name, body)
    return out.getvalue()


def resigned(report_dict: dict[str, Any], env: Environment | None = None) -> bytes:
    """A bundle whose report is the given (possibly edited) JSON, re-hashed so only content checks
    can catch the edit."""
    files = run_files(RunReport.model_validate(make_report().model_dump()), env or make_env())
    files["benchmark_report.json"] = json.dumps(report_dict).encode()
    return make_bundle(files, "aienergyscore-runner", "test")
