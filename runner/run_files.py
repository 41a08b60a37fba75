"""Writing a run's files from measured phases: the runner's side of the bundle contract.

The runner fills phases with counter readings; `finalize_report` derives every energy from them
(with the same arithmetic the validator uses), and `run_files` renders the files of a bundle.
"""

from __future__ import annotations

import json

from shared.bundle.energy import counters_energy_wh, energy_wh_text, repetition_total_wh, summarize, summary_file
from shared.bundle.schema import (
    ENERGY_WH_FILE,
    ENVIRONMENT_FILE,
    REPORT_FILE,
    SUMMARY_FILE,
    Environment,
    Phase,
    Repetition,
    RunReport,
    undeclared_fields,
)
from shared.method.tasks import get_task
from shared.method.units import wh_per_1k_queries


def measured_phase(name: str, start_mj: list[int], end_mj: list[int], **fields: object) -> Phase:
    """A Phase whose energy is derived from its counter readings."""
    return Phase(
        name=name,
        counter_start_mj=list(start_mj),
        counter_end_mj=list(end_mj),
        gpu_energy_wh=counters_energy_wh(start_mj, end_mj),
        **fields,  # type: ignore[arg-type]
    )


def repetition(index: int, preprocess: Phase, phases: list[Phase], samples: int) -> Repetition:
    """A Repetition with its totals derived from the phases."""
    total = repetition_total_wh(preprocess, phases)
    return Repetition(
        index=index,
        phases=phases,
        gpu_energy_wh=total,
        gpu_energy_wh_per_1k=wh_per_1k_queries(total, samples),
    )


def finalize_report(report: RunReport) -> RunReport:
    """Return a copy of a complete report with its summary computed from the repetitions."""
    if report.status != "complete":
        return report
    summary = summarize(report, get_task(report.task))
    return report.model_copy(update={"summary": summary})


def run_files(report: RunReport, env: Environment, logs: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The files of a run directory / bundle (without the manifest), path -> bytes.

    An incomplete report yields only the report, environment and logs: no energy files, so it can
    never pass as a result.
    """
    undeclared = undeclared_fields(report) + [f"environment.{f}" for f in undeclared_fields(env)]
    if undeclared:
        raise ValueError(
            f"The run's files would hold fields the schema does not declare ({', '.join(undeclared)}); "
            "declare them in shared/bundle/schema.py and docs/BUNDLE_FORMAT.md."
        )
    files = {
        REPORT_FILE: report.model_dump_json(indent=2).encode(),
        ENVIRONMENT_FILE: env.model_dump_json(indent=2).encode(),
    }
    if report.status == "complete":
        if report.summary is None:
            raise ValueError("finalize_report() the report before writing its files.")
        files[ENERGY_WH_FILE] = energy_wh_text(report.summary).encode()
        files[SUMMARY_FILE] = json.dumps(summary_file(report.summary), indent=2).encode()
    for name, body in (logs or {}).items():
        files[f"logs/{name}"] = body
    return files
