"""A result's detail view: the provenance of its number, as facts (pure) and as HTML.

`provenance(rated)` lists every fact behind the number in sections of (label, value) pairs: the
measurement and its spread, the phase breakdown, configuration, dataset, GPU and software
environment, and the ids (bundle hash, submission id) that tie it to the stored bundle.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from leaderboard.backend import backend_kind, backend_text, server_name
from leaderboard.render import esc, format_params, hub_link, not_rated_html, stars_html
from shared.method.tasks import DEFAULT_SAMPLES, TASKS, get_task
from shared.method.units import format_energy
from shared.records import FORMAT_REFERENCE, PROVENANCE_PUBLISHED
from shared.store.models import RatedResult
from shared.web.links import Links

Rows = list[tuple[str, str]]

# Configuration keys in plain words (a key not listed is shown with its underscores as spaces).
CONFIG_LABELS: dict[str, str] = {
    "task": "Task id",
    "model": "Model loaded from",
    "dataset": "Dataset file",
    "samples": "Queries per repetition (set)",
    "repetitions": "Repetitions (set)",
    "batch_size": "Batch size",
    "dtype": "Data type requested",
    "reasoning": "Reasoning mode",
    "phase_split": "Phase split",
    "device_ids": "GPUs used (ids)",
    "dry_run": "Simulated meter (dry run)",
    "warmup_samples": "Warm-up queries",
    "shape_warmup": "Warm-up over every input shape",
    "shape_warmup_samples": "Shape warm-up queries",
    "shape_warmup_decode": "Warm-up over every key/value length",
    "shape_warmup_decode_samples": "Key/value warm-up generations",
    "gc_paused_in_windows": "Python garbage collection paused while measuring",
    "max_new_tokens": "Max new tokens",
    "min_new_tokens": "Min new tokens",
    "num_inference_steps": "Inference steps",
    "max_input_tokens": "Max input tokens",
    "seed": "Random seed",
    "runner": "Runner (set)",
    "layout": "Source layout",
    "backend": "Backend",
    "endpoint": "Endpoint (how the runner asked the serving engine)",
    "cpu_pin": "CPU core the inference ran on",
    "steady_warmup": "Steady warm-up",
    "warmup": "Warm-up",
}
DATASET_LABELS: dict[str, str] = {"id": "Dataset", "split": "Split", "samples": "Queries", "sha256": "Content sha256"}
# A value that is a path on the measuring machine: '/tmp/data/x.jsonl', 'C:\\data\\x', '~/x', './x'.
LOCAL_PATH = re.compile(r"^(/|~/|\\.{1,2}/|[A-Za-z]:[\\/])")


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
    """A recorded value as plain text: 'not recorded' for none, yes/no, integers with thousands separators,
    floats to 6 digits, lists and dicts as 'a, b' and 'key value, ...' (paths on the measuring machine cut to
    their file name at any depth, see `public_value`)."""
    if value is None or value == "":
        return "not recorded"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, list):
        return ", ".join(public_value(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{plain_label(k, {}).lower()} {public_value(v)}" for k, v in sorted(value.items())) or "none"
    return str(value)


def plain_label(key: str, labels: dict[str, str]) -> str:
    """A recorded key in plain words ('gc_paused_in_windows' -> its sentence; unknown: 'max_batch' -> 'Max batch')."""
    return labels.get(key) or key.replace("_", " ").capitalize()


def public_value(value: Any) -> str:
    """A value with a path on the measuring machine cut to its file name ('/tmp/data/tg.jsonl' -> 'tg.jsonl
    (local file)'): the path says nothing to a visitor and reveals the submitter's folders."""
    if isinstance(value, str) and LOCAL_PATH.match(value):
        name = re.split(r"[\\/]", value.rstrip("/\\"))[-1]
        return f"{name} (local file)" if name else "local file"
    return fact_text(value)


def server_address(url: Any) -> str:
    """Where an endpoint run's server listened, without its path, query or credentials: a loopback or private
    address says only that ('a server on the measuring machine', 'a server on a private network')."""
    parsed = urlsplit(str(url or ""))
    host = parsed.hostname or ""
    if not host:
        return "not recorded"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "a server on the measuring machine" if host == "localhost" else f"{parsed.scheme}://{host}"
    if ip.is_loopback:
        return "a server on the measuring machine"
    return "a server on a private network" if ip.is_private else f"{parsed.scheme}://{host}"


def endpoint_text(endpoint: Any) -> str:
    """How the runner asked the serving engine, in words (endpoint runs)."""
    if not isinstance(endpoint, dict):
        return fact_text(endpoint)
    n = endpoint.get("concurrency") or 1
    parts = [
        f"{endpoint.get('api') or 'unknown'} API" + (", streamed" if endpoint.get("stream") else ""),
        f"{n} request{'s' if n != 1 else ''} at a time",
        server_address(endpoint.get("url")),
    ]
    if endpoint.get("served_model"):
        parts.append(f"model {public_value(endpoint['served_model'])}")
    if isinstance(endpoint.get("timeout_s"), (int, float)):
        parts.append(f"timeout {endpoint['timeout_s']:g} s")
    extra = endpoint.get("extra_body")
    if isinstance(extra, dict) and extra:
        settings = {}
        for key, value in extra.items():
            # transformers serve takes its generation settings as a JSON string: show them, not the escaping.
            try:
                value = json.loads(value) if isinstance(value, str) else value
            except ValueError:
                pass
            settings[key] = value
        parts.append("request settings: " + fact_text(settings))
    return "; ".join(parts)


def steady_text(steady: Any) -> str:
    """The steady warm-up's record in one sentence."""
    if not isinstance(steady, dict) or not steady.get("chunks"):
        return "not run" if isinstance(steady, dict) else fact_text(steady)
    state = "steady" if steady.get("steady") else f"not steady after the {steady.get('max_s', 0):g} s cap"
    return (
        f"{steady['chunks']} chunks of {steady.get('chunk_samples', '?')} queries in "
        f"{float(steady.get('elapsed_s') or 0):.1f} s: {state}"
    )


# Recorded dicts with a sentence of their own in the detail view.
CONFIG_TEXT = {
    "endpoint": endpoint_text,
    "steady_warmup": steady_text,
    "cpu_pin": lambda core: "not pinned" if core is None else f"core {core}",
}


def facts(items: dict[str, Any], labels: dict[str, str]) -> Rows:
    """(plain label, public value) rows of a recorded dict, paths cut (see `public_value`)."""
    return [(plain_label(k, labels), CONFIG_TEXT.get(k, public_value)(v)) for k, v in sorted(items.items())]


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
        (
            "Standard deviation",
            f"{rec.std_wh_per_1k:,.4g} Wh / 1k" if rec.repetitions > 1 else "n/a (single repetition)",
        ),
    ]
    if rec.gpu_energy_wh_per_1k > 0 and rec.repetitions > 1:
        rows.append(("Coefficient of variation", f"{100 * rec.std_wh_per_1k / rec.gpu_energy_wh_per_1k:.2f} %"))
    ci = "n/a (single repetition)" if rec.ci95 is None else "{:,.4g} – {:,.4g} Wh / 1k".format(*rec.ci95)
    rows.append(("95% confidence interval", ci))
    return rows


# Decimals shown for environment readings: a tenth of a watt or millisecond is all a reader needs.
ROUNDING = {"idle_power_w": 1, "counter_update_period_ms": 1}


def rounded(key: str, value: Any) -> str:
    """An environment reading as text, rounded where ROUNDING says (idle power 114.869... -> '114.9')."""
    if key in ROUNDING and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.{ROUNDING[key]}f}"
    return fact_text(value)


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
            rows.append((label, rounded(key, env[key])))
    for name, version in sorted((env.get("software") or {}).items()):
        rows.append((f"{name}", str(version)))
    return rows


def source_rows(rated: RatedResult) -> Rows:
    """Where the number comes from: a validated bundle of ours, or a published figure with its source row."""
    rec = rated.record
    if not rec.is_published_figure:
        kind = "reference runner (converted)" if rec.source_format == FORMAT_REFERENCE else "our runner's bundle"
        return [("Measured from", f"a validated bundle ({kind}), raw energy-counter readings re-checked")]
    rows: Rows = [("Measured from", "Published figure, reference runner, no raw readings")]
    rows.append(("Source", rec.source_note or "not recorded"))
    if rec.source_file:
        rows.append(("Source file", rec.source_file))
    if rec.source_line is not None:
        rows.append(("Source line", f"{rec.source_line} (line 1 is the header)"))
    if rec.stars_published is not None:
        rows.append(("Stars published", f"{rec.stars_published} of 5"))
        mismatch = rec.stars_mismatch(rated.stars)
        rows.append(("Stars check", mismatch or "the same as our rule gives"))
    return rows


def stars_text(rated: RatedResult, version_name: str = "") -> str:
    """The stars in words: '4 of 5 in class A in <version>', 'unrated', or for a result measured on another
    GPU than the H100, that it is not rated and why."""
    rec = rated.record
    if not rated.rated_hardware:
        return (
            f"not rated: measured on {rec.hardware}, not an NVIDIA H100; listed under other hardware "
            "(only H100 results are rated)"
        )
    if not rated.stars:
        return "unrated"
    task = TASKS.get(rec.task_id)
    text = f"{rated.stars} of 5"
    if task and task.has_classes and rec.model_class:
        text += f" in class {rec.model_class}"
    return text + (f" in {version_name}" if version_name else "")


def backend_rows(rated: RatedResult) -> Rows:
    """What ran the model: the runner (transformers), or the serving engine it measured through an API."""
    rec = rated.record
    rows: Rows = [("Backend", backend_text(rec))]
    if backend_kind(rec) != "endpoint":
        return rows
    endpoint = rec.config.get("endpoint")
    endpoint = endpoint if isinstance(endpoint, dict) else {}
    server = rec.environment.get("server")
    server = server if isinstance(server, dict) else {}
    named = server_name(rec)
    header_only = server.get("software") == server.get("server_header") and not server.get("owned_by")
    if named and header_only:
        # Only the HTTP server's header named it (uvicorn serves many engines): say so, not more.
        named += " (the HTTP server's name: the API named no engine)"
    rows.append(("Serving engine", named or "not named by the server"))
    if endpoint.get("api"):
        rows.append(("Engine API", fact_text(endpoint.get("api"))))
    if endpoint.get("concurrency") is not None:
        rows.append(("Requests in flight", fact_text(endpoint.get("concurrency"))))
    return rows


def identifier_rows(rated: RatedResult) -> Rows:
    """Result, submission and content ids; an imported figure has no bundle, so its hash is named for what it is."""
    rows: Rows = [("Result id", rated.result_id), ("Submission id", rated.submission_id)]
    if rated.record.is_published_figure:
        rows.append(("Source row sha256", rated.bundle_sha256))
    else:
        rows.append(("Bundle sha256", rated.bundle_sha256))
    rows.append(("Leaderboard version", rated.version_id or "not in a published version"))
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
        ("Stars", stars_text(rated, version_name)),
        ("Parameters", format_params(rec.parameters) or "not recorded"),
        ("Precision", rec.precision or "not recorded"),
        ("Random weights", "yes: a random-weight replica, same compute" if rec.random_weights else "no"),
        ("Quality score", fact_text(rec.quality_score)),
        ("Run finished (UTC)", rec.created_utc or "not recorded"),
        ("Runner", rec.runner or "not recorded"),
        *backend_rows(rated),
    ]
    sections: dict[str, Rows] = {
        "Measurement": measurement,
        "Where the number comes from": source_rows(rated),
        "Repetitions and spread": spread_rows(rated),
        "Configuration": facts(rec.config, CONFIG_LABELS) or [("Configuration", "not recorded")],
        "Dataset": facts(rec.dataset, DATASET_LABELS) or [("Dataset", "not recorded")],
        "GPU and software environment": environment_rows(rec.environment, rec.hardware, rec.gpu_count),
        "Identifiers": identifier_rows(rated),
    }
    urls = {
        "Hub page": f"https://huggingface.co/{rec.model_id}",
        "Permalink": links.result_url(rated.result_id),
        "Generate its label": links.label_url(rated.result_id),
    }
    return Provenance(rec.model_id, sections, phase_shares(rec.phases_wh_per_1k, rec.gpu_energy_wh_per_1k), urls)


@dataclass(frozen=True)
class OtherFigure:
    """The same model's figure in another version (another runner): shown beside, never rated against.

    Attributes:
        rated: The result in that version, with that version's stars.
        version_name: That version's name.
    """

    rated: RatedResult
    version_name: str


def _figure_label(rated: RatedResult, version_name: str) -> str:
    rec = rated.record
    who = "Published figure, reference runner" if rec.is_published_figure else f"Measured by {rec.runner or 'a runner'}"
    what = " (random-weight replica)" if rec.random_weights else ""
    return f"{who}{what}, {version_name or rated.version_id or ''}"


def other_figures_html(rated: RatedResult, version_name: str, others: list[OtherFigure]) -> str:
    """The model's figures in every version holding it, side by side, each labelled by runner and version.

    Stars are shown only beside the figure of their own version: a version's stars rate its results
    against each other, so comparing stars across versions (and runners) would mean nothing.
    """
    if not others:
        return ""
    cards = [(rated, version_name)] + [(o.rated, o.version_name) for o in others]
    cells = "".join(
        f'<div class="lb-kpi lb-figure"><div class="v">{esc(format_energy(r.record.gpu_energy_wh_per_1k))}</div>'
        f'<div class="k">{esc(_figure_label(r, name))}</div>'
        f'<div class="k">{esc(r.record.model_id)} · {esc(r.record.hardware or "GPU not recorded")}'
        f" · {_stars_or_not_rated(r)} in its own version</div></div>"
        for r, name in cards
    )
    return (
        '<div class="lb-other-figures"><h3>This model in other leaderboard versions</h3>'
        '<p class="lb-muted">Different runners and workloads: the figures are shown side by side, '
        "not rated against each other (stars compare results within one version only).</p>"
        f"{_not_comparable_html([r for r, _ in cards])}"
        f'<div class="lb-kpis">{cells}</div></div>'
    )


def _not_comparable_html(cards: list[RatedResult]) -> str:
    """A warning where a published figure sits beside one of ours for a task whose reference workload differs."""
    published = {r.record.is_published_figure for r in cards}
    task = get_task(cards[0].record.task_id) if cards[0].record.task_id in TASKS else None
    if task is None or not task.reference_differs or published != {True, False}:
        return ""
    return (
        '<p class="lb-warn"><strong>Not comparable:</strong> '
        f"{esc(task.reference_differs)}. The two figures measure different work.</p>"
    )


def _stars_or_not_rated(rated: RatedResult) -> str:
    """The stars, or for a result measured on another GPU than the H100, 'not rated (GPU)'."""
    return stars_html(rated.stars) if rated.rated_hardware else not_rated_html(rated.record.hardware)


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


def detail_html(
    rated: RatedResult, version_name: str = "", links: Links = Links(), others: list[OtherFigure] | None = None
) -> str:
    """The detail view of one result as HTML; `others` are the same model's figures in other versions."""
    prov = provenance(rated, version_name, links)
    rec = rated.record
    note = (
        f'<p class="lb-provenance-note">{esc(PROVENANCE_PUBLISHED.capitalize())}: '
        f"{esc(rec.source_note or 'source not recorded')}.</p>"
        if rec.is_published_figure
        else ""
    )
    if not rated.rated_hardware:
        note += (
            f'<p class="lb-provenance-note lb-other-hw-note">Measured on {esc(rec.hardware)}, not an NVIDIA H100: '
            f"listed under other hardware, without stars (only H100 results are rated). Backend: "
            f"{esc(backend_text(rec))}.</p>"
        )
    kpis = (
        f'<div class="lb-kpis"><div class="lb-kpi"><div class="v">{esc(format_energy(rec.gpu_energy_wh_per_1k))}</div>'
        f'<div class="k">GPU energy per 1,000 queries</div></div>'
        f'<div class="lb-kpi"><div class="v">{_stars_or_not_rated(rated)}</div><div class="k">Energy score'
        f"{' in ' + esc(version_name) if version_name else ''}</div></div></div>"
    )
    sections = []
    for title, rows in prov.sections.items():
        sections.append(f"<div><h3>{esc(title)}</h3>{_rows_html(rows, code=title == 'Identifiers')}</div>")
        if title == "Repetitions and spread" and rec.is_published_figure:
            continue  # an imported figure has no phases to break down
        if title == "Repetitions and spread":
            sections.append(f"<div><h3>Phase breakdown</h3>{_phases_html(prov.phases)}</div>")
    return (
        f'<div class="lb-detail" data-result-id="{esc(rated.result_id)}">'
        f"<h2>{hub_link(rec.model_id)}</h2>{note}{kpis}"
        f'<p><a class="lb-button" href="{esc(prov.links["Generate its label"])}" target="_blank">Generate its label</a>'
        f'<a href="{esc(prov.links["Permalink"])}">Permalink to this result</a></p>'
        f"{other_figures_html(rated, version_name, others or [])}"
        f'<div class="lb-sections">{"".join(sections)}</div></div>'
    )


def detail_placeholder_html(message: str = "") -> str:
    """The detail tab before a result is chosen."""
    text = (
        message or "Click “Details” on a row of the table, or pick a model above, to see where its number comes from."
    )
    return f'<p class="lb-muted">{esc(text)}</p>'
