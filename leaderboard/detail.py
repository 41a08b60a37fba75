"""A result's detail view: the provenance of its number, as facts (pure) and as HTML.

`provenance(rated)` lists every fact behind the number in sections of (label, value) pairs: the
measurement and its spread, the phase breakdown, configuration, dataset, GPU and software
environment, and the ids (bundle hash, submission id) that tie it to the stored bundle.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from leaderboard.render import esc, format_params, hub_link, stars_html
from shared.method.tasks import DEFAULT_SAMPLES, TASKS
from shared.method.units import format_energy
from shared.records import FORMAT_REFERENCE
from shared.store.models import RatedResult
from shared.web.links import Links

Rows = list[tuple[str, str]]


@dataclass(frozen=True)
class PhaseShare:
    """One measured phase of the run.

    Attributes:
        name: Phase name (preprocess, prefill, decode, forward, call).
        wh_per_1k: Its GPU energy, Wh per 1,000 queries.
        share: Its fraction of the rated total (0-1), None when the total is 0.
    """

    name: str
    wh_per_1k: float
    share: float | None


@dataclass(frozen=True)
class Provenance:
    """Everything behind one rated number.

    Attributes:
        title: Model id.
        sections: Section title -> (label, value) rows, values as plain text.
        phases: Phase breakdown, in recorded order.
        links: Link name -> URL (Hub page, permalink, label).
    """

    title: str
    sections: dict[str, Rows]
    phases: list[PhaseShare]
    links: dict[str, str]


def fact_text(value: Any) -> str:
    """A recorded value as plain text: 'not recorded' for none, yes/no, floats to 6 digits, JSON for dicts and lists."""
    if value is None or value == "":
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def phase_shares(phases: dict[str, float], total: float) -> list[PhaseShare]:
    """Each phase's energy and its share of the rated total."""
    return [PhaseShare(name, float(wh), (float(wh) / total) if total > 0 else None) for name, wh in phases.items()]


def queries_text(samples: int) -> str:
    """Queries per repetition, saying so when a demo run measured fewer than the standard."""
    if not samples:
        return "not recorded"
    if samples < DEFAULT_SAMPLES:
        return f"{samples:,} (of the standard {DEFAULT_SAMPLES:,}; normalised per 1,000 queries; demo data)"
    return f"{samples:,}"


def spread_rows(rated: RatedResult) -> Rows:
    """Repetitions and spread of the measured mean."""
    rec = rated.record
    rows: Rows = [
        ("GPU energy (mean)", f"{format_energy(rec.gpu_energy_wh_per_1k)} per 1,000 queries"),
        ("Repetitions", str(rec.repetitions)),
        ("Queries per repetition", queries_text(rec.samples)),
        ("Standard deviation", f"{rec.std_wh_per_1k:,.4g} Wh / 1k"),
    ]
    if rec.gpu_energy_wh_per_1k > 0 and rec.repetitions > 1:
        rows.append(("Coefficient of variation", f"{100 * rec.std_wh_per_1k / rec.gpu_energy_wh_per_1k:.2f} %"))
    ci = "n/a (single repetition)" if rec.ci95 is None else "{:,.4g} – {:,.4g} Wh / 1k".format(*rec.ci95)
    rows.append(("95% confidence interval", ci))
    return rows


def environment_rows(env: dict[str, Any], hardware: str, gpu_count: int) -> Rows:
    """GPU and software environment; tolerant of the reference format's sparser record."""
    rows: Rows = [("GPU", f"{hardware or 'not recorded'}" + (f" × {gpu_count}" if gpu_count > 1 else ""))]
    gpus = env.get("gpus") or []
    if gpus and isinstance(gpus[0], dict):
        limits = {g.get("power_limit_w") for g in gpus if g.get("power_limit_w")}
        mem = {g.get("memory_total_mib") for g in gpus if g.get("memory_total_mib")}
        if limits:
            rows.append(("Power limit", ", ".join(f"{w:g} W" for w in sorted(limits))))
        if mem:
            rows.append(("GPU memory", ", ".join(f"{m / 1024:,.0f} GiB" for m in sorted(mem))))
    for key, label in (
        ("meter", "Energy meter"),
        ("driver_version", "NVIDIA driver"),
        ("cuda_version", "CUDA"),
        ("idle_power_w", "Idle power (W)"),
        ("counter_update_period_ms", "Counter update period (ms)"),
        ("platform", "Platform"),
        ("contaminated", "Other GPU processes seen"),
    ):
        if key in env and env[key] not in (None, ""):
            rows.append((label, fact_text(env[key])))
    for name, version in sorted((env.get("software") or {}).items()):
        rows.append((f"{name}", str(version)))
    return rows


def provenance(rated: RatedResult, version_name: str = "", links: Links = Links()) -> Provenance:
    """The detail facts of one rated result."""
    rec = rated.record
    task = TASKS.get(rec.task_id)
    measurement: Rows = [
        ("Task", task.display_name if task else rec.task_id),
        ("One query is", task.query_unit if task else "not recorded"),
    ]
    if task and task.has_classes:
        measurement.append(("Class", rec.model_class or "not recorded"))
    measurement += [
        (
            "Stars",
            f"{rated.stars} of 5" + (f" in {version_name}" if version_name else "") if rated.stars else "unrated",
        ),
        ("Parameters", format_params(rec.parameters) or "not recorded"),
        ("Precision", rec.precision or "not recorded"),
        ("Random weights", "yes: a random-weight replica, same compute" if rec.random_weights else "no"),
        ("Quality score", fact_text(rec.quality_score)),
        ("Run finished (UTC)", rec.created_utc or "not recorded"),
        ("Runner", rec.runner or "not recorded"),
        (
            "Bundle format",
            "reference runner (converted)" if rec.source_format == FORMAT_REFERENCE else rec.source_format,
        ),
    ]
    sections: dict[str, Rows] = {
        "Measurement": measurement,
        "Repetitions and spread": spread_rows(rated),
        "Configuration": [(k, fact_text(v)) for k, v in sorted(rec.config.items())]
        or [("Configuration", "not recorded")],
        "Dataset": [(k, fact_text(v)) for k, v in sorted(rec.dataset.items())] or [("Dataset", "not recorded")],
        "GPU and software environment": environment_rows(rec.environment, rec.hardware, rec.gpu_count),
        "Identifiers": [
            ("Result id", rated.result_id),
            ("Submission id", rated.submission_id),
            ("Bundle sha256", rated.bundle_sha256),
            ("Leaderboard version", rated.version_id or "not in a published version"),
        ],
    }
    urls = {
        "Hub page": f"https://huggingface.co/{rec.model_id}",
        "Permalink": links.result_url(rated.result_id),
        "Generate its label": links.label_url(rated.result_id),
    }
    return Provenance(rec.model_id, sections, phase_shares(rec.phases_wh_per_1k, rec.gpu_energy_wh_per_1k), urls)


def _rows_html(rows: Rows, code: bool = False) -> str:
    wrap = (lambda v: f"<code>{esc(v)}</code>") if code else esc
    return "<table>" + "".join(f"<tr><th>{esc(k)}</th><td>{wrap(v)}</td></tr>" for k, v in rows) + "</table>"


def _phases_html(phases: list[PhaseShare]) -> str:
    if not phases:
        return '<p class="lb-muted">No phase breakdown recorded.</p>'
    rows = "".join(
        f"<tr><th>{esc(p.name)}</th><td>{esc(format_energy(p.wh_per_1k))}</td>"
        f"<td>{'' if p.share is None or math.isnan(p.share) else f'{100 * p.share:.1f} %'}</td></tr>"
        for p in phases
    )
    return f"<table><tr><th>Phase</th><th>Wh / 1k queries</th><th>Share of total</th></tr>{rows}</table>"


def detail_html(rated: RatedResult, version_name: str = "", links: Links = Links()) -> str:
    """The detail view of one result as HTML."""
    prov = provenance(rated, version_name, links)
    rec = rated.record
    kpis = (
        f'<div class="lb-kpis"><div class="lb-kpi"><div class="v">{esc(format_energy(rec.gpu_energy_wh_per_1k))}</div>'
        f'<div class="k">GPU energy per 1,000 queries</div></div>'
        f'<div class="lb-kpi"><div class="v">{stars_html(rated.stars)}</div><div class="k">Energy score'
        f"{' in ' + esc(version_name) if version_name else ''}</div></div></div>"
    )
    sections = []
    for title, rows in prov.sections.items():
        sections.append(f"<div><h3>{esc(title)}</h3>{_rows_html(rows, code=title == 'Identifiers')}</div>")
        if title == "Repetitions and spread":
            sections.append(f"<div><h3>Phase breakdown</h3>{_phases_html(prov.phases)}</div>")
    return (
        f'<div class="lb-detail" data-result-id="{esc(rated.result_id)}">'
        f"<h2>{hub_link(rec.model_id)}</h2>{kpis}"
        f'<p><a class="lb-button" href="{esc(prov.links["Generate its label"])}" target="_blank">Generate its label</a>'
        f'<a href="{esc(prov.links["Permalink"])}">Permalink to this result</a></p>'
        f'<div class="lb-sections">{"".join(sections)}</div></div>'
    )


def detail_placeholder_html(message: str = "") -> str:
    """The detail tab before a result is chosen."""
    text = (
        message or "Click “Details” on a row of the table, or pick a model above, to see where its number comes from."
    )
    return f'<p class="lb-muted">{esc(text)}</p>'
