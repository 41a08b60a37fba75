"""Helpers of the shared/ tests: edit a valid run report, re-derive what should stay consistent, and
re-sign the bundle so that only the content checks of validate_bundle can catch the edit."""

from __future__ import annotations

import json
from typing import Any

from runner.run_files import finalize_report, run_files
from shared.bundle.energy import counters_energy_wh, repetition_total_wh, split_from_prefill_share
from shared.bundle.make import make_bundle
from shared.bundle.problems import ValidationReport
from shared.bundle.schema import ENVIRONMENT_FILE, REPORT_FILE, Environment, RunReport
from shared.method.tasks import PASS_GENERATE
from shared.method.units import wh_per_1k_queries
from testkit.factory import make_env, make_report

LOGS = {"run.log": b"synthetic test bundle\n"}


def report_dict(**kw: Any) -> dict[str, Any]:
    """A valid report (testkit.factory.make_report) as the JSON dict of benchmark_report.json."""
    return json.loads(make_report(**kw).model_dump_json())


def env_dict(**kw: Any) -> dict[str, Any]:
    """A valid environment (testkit.factory.make_env) as the JSON dict of environment.json."""
    return json.loads(make_env(**kw).model_dump_json())


def rebuild(report: dict[str, Any] | RunReport) -> RunReport:
    """Re-derive every energy of a report from its counters (phases, repetition totals, split,
    summary), as an honest runner would have written them: the result is internally consistent."""
    r = RunReport.model_validate(report if isinstance(report, dict) else report.model_dump())
    samples = r.dataset.samples
    r.preprocess.gpu_energy_wh = counters_energy_wh(r.preprocess.counter_start_mj, r.preprocess.counter_end_mj)
    for rep in r.repetitions:
        for p in rep.phases:
            p.gpu_energy_wh = counters_energy_wh(p.counter_start_mj, p.counter_end_mj)
        rep.gpu_energy_wh = repetition_total_wh(r.preprocess, rep.phases)
        rep.gpu_energy_wh_per_1k = wh_per_1k_queries(rep.gpu_energy_wh, samples)
    if r.split is not None and any(p.name == PASS_GENERATE for rep in r.repetitions for p in rep.phases):
        r.split = split_from_prefill_share(r, 0.0, r.split.method)
        gen = r.split.decode_wh
        r.split = split_from_prefill_share(r, gen * 0.3, r.split.method)
    r.summary = None
    return finalize_report(r)


def bundle_of(
    report: RunReport | dict[str, Any],
    env: Environment | dict[str, Any] | None = None,
    edit: dict[str, bytes | None] | None = None,
    energy_files_from: RunReport | None = None,
) -> bytes:
    """A signed bundle (manifest hashes match) holding `report` and `env`, raw dicts allowed.

    Energy files are rendered from `energy_files_from`, else from `report` when it is a RunReport,
    else from the default factory report. `edit` replaces (bytes) or removes (None) files before
    signing, so the manifest hashes match the edited content.
    """
    base = energy_files_from or (report if isinstance(report, RunReport) else make_report())
    env_model = env if isinstance(env, Environment) else make_env()
    files = run_files(base, env_model, LOGS)
    files[REPORT_FILE] = (
        report.model_dump_json(indent=2).encode() if isinstance(report, RunReport) else json.dumps(report).encode()
    )
    if isinstance(env, dict):
        files[ENVIRONMENT_FILE] = json.dumps(env).encode()
    for name, body in (edit or {}).items():
        if body is None:
            files.pop(name, None)
        else:
            files[name] = body
    return make_bundle(files, "aienergyscore-runner", "test")


def codes(report: ValidationReport) -> set[str]:
    """The problem codes of a validation report."""
    return {p.code for p in report.problems}


def problem(report: ValidationReport, code: str) -> str:
    """All messages of one problem code, joined (asserts the code is there)."""
    msgs = [p.message for p in report.problems if p.code == code]
    assert msgs, f"expected problem {code!r}, got {[(p.code, p.message) for p in report.problems]}"
    return " | ".join(msgs)
