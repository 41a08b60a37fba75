"""HTML of the leaderboard's table, callout and empty states (pure functions of a view).

Every value that comes from a submission is escaped; a model id is only linked to the Hub when it
looks like a Hub id.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

import pandas as pd

from leaderboard.table import (
    BACKEND,
    BACKEND_SHOWN,
    COLUMNS,
    OTHER_HARDWARE,
    PERF_COLUMNS,
    EnergySpread,
    has_quality,
    perf_present,
)
from shared.method.classes import ModelClass
from shared.method.hardware import not_rated_text
from shared.method.tasks import DEFAULT_SAMPLES, Task
from shared.method.units import format_energy
from shared.web.links import DARK, GREEN, Links

HUB = "https://huggingface.co"
HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
PAGE_SIZE = 100
EMPTY_STAR = "#d0d0d0"

LEADERBOARD_CSS = f"""
.lb-task-tabs .wrap {{ gap: 4px !important; }}
.lb-callout {{ background:#f1f8f3; border-left:4px solid {GREEN}; padding:10px 14px; border-radius:6px; color:{DARK}; }}
.lb-callout b {{ color:{GREEN}; }}
.lb-empty {{ border:1px dashed #c8c8c8; border-radius:10px; padding:18px 20px; color:{DARK}; background:#fafafa; }}
.lb-empty h3 {{ margin:0 0 8px; }}
.lb-table-wrap {{ overflow-x:auto; }}
table.lb-table {{ border-collapse:collapse; width:100%; font-size:13px; color:{DARK}; }}
table.lb-table th {{ text-align:left; padding:6px 6px; border-bottom:2px solid #e0e0e0; vertical-align:bottom;
  cursor:pointer; user-select:none; }}
table.lb-table th span.tip {{ border-bottom:1px dotted #888; }}
table.lb-table th.sorted {{ color:{GREEN}; }}
table.lb-table td {{ padding:5px 6px; border-bottom:1px solid #f0f0f0; vertical-align:middle; }}
table.lb-table td.model {{ overflow-wrap:anywhere; min-width:180px; }}
table.lb-table td.nowrap {{ white-space:nowrap; }}
table.lb-table td.ci {{ font-size:12px; min-width:90px; }}
table.lb-table tr.lb-group th {{ cursor:default; background:#f6f6f6; color:{DARK}; font-weight:600;
  border-bottom:1px solid #e0e0e0; }}
table.lb-table tr.lb-group th span {{ font-weight:400; color:#666; }}
.lb-run {{ display:block; font-size:11px; color:#666; }}
.lb-class-tag {{ display:block; font-size:11px; color:#555; white-space:nowrap; }}
table.lb-table tr:hover td {{ background:#f7fbf8; }}
table.lb-table a, .lb-detail h2 a {{ color:{DARK}; text-decoration:underline dotted #9a9a9a; }}
table.lb-table a:hover, .lb-detail h2 a:hover {{ color:{GREEN}; }}
.lb-bar {{ display:flex; align-items:center; gap:6px; min-width:120px; }}
.lb-bar .track {{ flex:1; background:#eef4ef; height:10px; border-radius:5px; overflow:hidden; }}
.lb-bar .fill {{ background:{GREEN}; height:100%; }}
.lb-bar .num {{ min-width:64px; text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }}
.lb-stars {{ color:{GREEN}; letter-spacing:1px; white-space:nowrap; font-size:16px; }}
.lb-stars .off {{ color:{EMPTY_STAR}; }}
.lb-badge {{ display:inline-block; font-size:11px; padding:0 6px; margin-left:6px; border-radius:8px;
  background:#fff4e0; color:#8a5300; border:1px solid #f0c27a; }}
.lb-detail-btn {{ border:1px solid #d5d5d5; background:#fff; border-radius:6px; padding:2px 8px; cursor:pointer; }}
.lb-detail-btn:hover {{ border-color:{GREEN}; color:{GREEN}; }}
.lb-muted {{ color:#777; }}
.lb-warn {{ background:#fff0f0; border-left:4px solid #d9534f; padding:6px 10px; border-radius:4px; }}
.lb-detail h2 {{ font-size:1.4rem; font-weight:700; margin:6px 0; }}
.lb-detail h3 {{ font-size:1rem; font-weight:600; color:{GREEN}; margin:14px 0 6px; }}
.lb-provenance-note {{ background:#fff8e6; border-left:4px solid #f0c27a; padding:6px 10px; border-radius:4px; }}
.lb-other-figures .lb-kpi {{ max-width:360px; }}
table.lb-table .lb-opt {{ display:none; }}
.lb-hidden {{ position:absolute !important; left:-10000px !important; width:1px; height:1px; overflow:hidden; }}
.lb-plot-empty {{ color:#666; padding:6px 2px; }}
.lb-sections {{ display:grid; grid-template-columns:repeat(auto-fit, minmax(420px, 1fr)); gap:0 32px; }}
.lb-detail th {{ font-weight:500; color:#555; white-space:nowrap; }}
.lb-detail table {{ border-collapse:collapse; font-size:14px; }}
.lb-detail td, .lb-detail th {{ padding:3px 10px 3px 0; text-align:left; vertical-align:top; }}
.lb-detail code {{ font-size:12px; word-break:break-all; }}
.lb-kpis {{ display:flex; flex-wrap:wrap; gap:12px; margin:8px 0; }}
.lb-kpi {{ border:1px solid #e5e5e5; border-radius:8px; padding:8px 12px; min-width:150px; }}
.lb-kpi .v {{ font-size:20px; font-weight:600; color:{DARK}; }}
.lb-kpi .k {{ font-size:12px; color:#777; }}
.lb-button {{ display:inline-block; background:{DARK}; color:#fff !important; text-decoration:none;
  padding:6px 14px; border-radius:6px; margin-right:8px; }}
.lb-compare-wrap {{ overflow-x:auto; }}
table.lb-compare {{ border-collapse:collapse; font-size:13px; color:{DARK}; }}
table.lb-compare th, table.lb-compare td {{ padding:4px 12px 4px 6px; border-bottom:1px solid #f0f0f0;
  text-align:left; vertical-align:top; }}
table.lb-compare thead th {{ border-bottom:2px solid #e0e0e0; font-size:14px; font-weight:600; }}
table.lb-compare thead a {{ color:{DARK}; text-decoration:underline dotted #9a9a9a; }}
table.lb-compare tbody th {{ font-weight:500; color:#555; white-space:nowrap; }}
table.lb-compare tr.lb-section th {{ color:{GREEN}; font-weight:600; padding-top:14px; }}
table.lb-compare tr.lb-diff th, table.lb-compare tr.lb-diff td {{ background:#fff4e0; }}
table.lb-compare tr.lb-diff th::before {{ content:"≠ "; color:#8a5300; font-weight:700; }}
table.lb-compare code {{ font-size:12px; word-break:break-all; }}
.lb-compare-summary {{ margin:4px 0 10px; color:{DARK}; }}
.lb-compare-summary .lb-diff-key {{ background:#fff4e0; border:1px solid #f0c27a; border-radius:4px; padding:0 4px; }}
"""

# After a Details click, a model picked or a ?result= link: the detail tab sits far below the table, so
# bring it into view (the page would otherwise stay at the top and the click seem to do nothing). The tab
# renders its content a moment after it is selected, so the script waits for it (up to ~5 s).
# (No newline before the arrow: gradio evaluates `return <js>`, and a line break there returns nothing.)
_SCROLL_WHEN_SHOWN = """
  let tries = 0;
  const go = () => {
    const el = document.querySelector('#lb-detail .lb-detail, #lb-detail p');
    if (el && el.getBoundingClientRect().height > 0) {
      document.getElementById('lb-detail').scrollIntoView({behavior: 'instant', block: 'start'});
    } else if (tries++ < 50) { setTimeout(go, 100); }
  };
  go();
"""
SCROLL_TO_DETAIL_JS = "() => {" + _SCROLL_WHEN_SHOWN + "}"
SCROLL_ON_RESULT_LINK_JS = (
    "() => { if (!new URLSearchParams(window.location.search).has('result')) { return; }" + _SCROLL_WHEN_SHOWN + "}"
)

# The column picker: optional columns are in the table but hidden; a chosen one is shown by a style rule
# kept in the page's head, so it survives every re-render of the table and needs no server round trip.
COLUMNS_JS = """(cols) => {
  let tag = document.getElementById('lb-colstyle');
  if (!tag) { tag = document.createElement('style'); tag.id = 'lb-colstyle'; document.head.appendChild(tag); }
  tag.textContent = (cols || []).map(c => `table.lb-table .lb-opt-${c} { display: table-cell !important; }`)\
.join('\\n');
  return cols;
}"""

# Click delegation for the table: a detail button opens the detail view, a header sorts.
TABLE_JS = """
element.addEventListener('click', (event) => {
  const btn = event.target.closest('[data-result]');
  if (btn) { event.preventDefault(); trigger('open_result', {result: btn.dataset.result}); return; }
  const th = event.target.closest('th[data-sort]');
  if (th) { trigger('sort_column', {column: th.dataset.sort}); }
});
"""


def esc(value: object) -> str:
    """HTML-escaped text of any value."""
    return html.escape(str(value), quote=True)


def hub_link(model_id: str) -> str:
    """The model id linked to its Hub page (plain text when it is not a Hub-like id)."""
    if HUB_ID.match(model_id) and ".." not in model_id:
        return f'<a href="{HUB}/{esc(model_id)}" target="_blank" rel="noopener noreferrer">{esc(model_id)}</a>'
    return esc(model_id)


def format_params(n: float | None) -> str:
    """'7.2B', '350M', '66K' from a parameter count; '' when unknown."""
    if n is None or (isinstance(n, float) and math.isnan(n)) or n <= 0:
        return ""
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if n >= scale:
            value = n / scale
            return f"{value:.1f}{suffix}" if value < 100 else f"{value:.0f}{suffix}"
    return str(int(n))


def is_missing(value: object) -> bool:
    """True for None or NaN (a frame's missing number)."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def class_stars_html(stars: float | None, model_class: str) -> str:
    """Stars with the class they were given in ('★★★★★ in class B'): stars compare one class only."""
    tag = (
        f'<span class="lb-class-tag">in class {esc(model_class)}</span>'
        if model_class and not is_missing(stars)
        else ""
    )
    return stars_html(stars) + tag


def run_line(row: dict[str, Any]) -> str:
    """What tells two runs of one model apart: date, short result id, repetitions, GPU, the serving engine of an
    endpoint run, and the runner."""
    gpu = re.sub(r"^NVIDIA\s+", "", str(row.get("hardware") or "GPU not recorded"))
    date = row.get("date") or "undated"
    reps = int(row.get("repetitions") or 1)
    runner = str(row.get("runner") or "")
    parts = [date, str(row["result_id"])[-6:], f"{reps} rep{'s' if reps != 1 else ''}", gpu]
    backend = str(row.get("backend_shown") or "")
    if backend.startswith("endpoint"):  # the same model measured through a serving engine: say which run is which
        parts.append(backend)
    if runner:
        parts.append(runner)
    return f'<span class="lb-run" title="Result {esc(row["result_id"])}">{esc(" · ".join(parts))}</span>'


def stars_html(stars: float | None) -> str:
    """Five stars, the first `stars` filled green; a title gives the number for screen readers."""
    if stars is None or (isinstance(stars, float) and math.isnan(stars)):
        return '<span class="lb-muted">unrated</span>'
    n = int(stars)
    return (
        f'<span class="lb-stars" title="{n} of 5 stars" aria-label="{n} of 5 stars">'
        f'{"★" * n}<span class="off">{"★" * (5 - n)}</span></span>'
    )


def _badge(text: str, title: str) -> str:
    return f'<span class="lb-badge" title="{esc(title)}">{esc(text)}</span>'


def random_weights_badge() -> str:
    """The 'random weights' badge put beside a model measured on a random-weight replica."""
    return _badge(
        "random weights",
        "Measured on a random-weight replica of the architecture: same compute, not the trained weights",
    )


def short_workload_badge(samples: int) -> str:
    """The badge of a demo result measured on fewer than the standard samples ('' for a full run)."""
    if not samples or samples >= DEFAULT_SAMPLES:
        return ""
    return _badge(
        f"{samples:,} queries",
        f"Measured on {samples:,} of the standard {DEFAULT_SAMPLES:,} queries per repetition, "
        "normalised per 1,000 queries (demo data)",
    )


def energy_bar(energy: float, task_max: float) -> str:
    """The energy value with an inline bar scaled to the task's maximum."""
    pct = 100.0 if task_max <= 0 else max(0.5, min(100.0, 100.0 * energy / task_max))
    return (
        f'<div class="lb-bar"><span class="num">{esc(format_energy(energy))}</span>'
        f'<span class="track"><span class="fill" style="width:{pct:.1f}%;display:block"></span></span></div>'
    )


def ci_text(low: float, high: float) -> str:
    """'2.31 - 2.43' for a CI, 'n/a' when the run had no interval."""
    if math.isnan(low) or math.isnan(high):
        return '<span class="lb-muted" title="No interval: a single repetition">n/a</span>'
    return f"{low:,.4g} – {high:,.4g}"


def visible_columns(task: Task, view: pd.DataFrame) -> list[str]:
    """Column keys shown for a task: class only for tasks with classes, quality only where present."""
    keys = [c.key for c in COLUMNS]
    if not task.has_classes:
        keys.remove("class")
    if not has_quality(view):
        keys.remove("quality")
    return keys


def _cell(key: str, row: dict[str, Any], task_max: float) -> str:
    if key == "model":
        badge = (random_weights_badge() if row["random_weights"] else "") + short_workload_badge(row["samples"])
        if row.get("published"):
            badge += _badge("published figure", "Published figure, reference runner, no raw readings")
        run = run_line(row) if row.get("repeat") else ""
        return f'<td class="model">{hub_link(row["model_id"])}{badge}{run}</td>'
    if key == "provider":
        return f"<td>{esc(row['provider'])}</td>"
    if key == "class":
        return f"<td>{esc(row['model_class'])}</td>"
    if key == "energy":
        return f"<td>{energy_bar(row['energy'], task_max)}</td>"
    if key == "stars":
        if row.get("other_hw"):
            return f"<td>{not_rated_html(str(row['hardware'] or ''))}</td>"
        return f"<td>{class_stars_html(row['stars'], row['model_class'])}</td>"
    if key == "parameters":
        return f"<td>{esc(format_params(row['parameters']))}</td>"
    if key == "precision":
        return f"<td>{esc(row['precision'])}</td>"
    if key == "hardware":
        gpus = f" ×{int(row['gpu_count'])}" if row["gpu_count"] and row["gpu_count"] > 1 else ""
        short = re.sub(r"^NVIDIA\s+", "", str(row["hardware"]))
        return f'<td title="{esc(row["hardware"])}{gpus}">{esc(short)}{gpus}</td>'
    if key == "date":
        return f'<td class="nowrap">{esc(row["date"])}</td>'
    if key == "ci":
        return f'<td class="ci">{ci_text(row["ci_low"], row["ci_high"])}</td>'
    if key == "quality":
        q = row["quality"]
        return f"<td>{'' if math.isnan(q) else f'{q:.1f}'}</td>"
    raise KeyError(key)


def table_html(
    view: pd.DataFrame,
    task: Task,
    task_max: float,
    sort: str,
    descending: bool,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> str:
    """One page of the view as an HTML table: tooltips on headers, a detail button per row."""
    keys = visible_columns(task, view)
    by_key = {c.key: c for c in COLUMNS}
    head = []
    for key in keys:
        col = by_key[key]
        arrow = (" ▼" if descending else " ▲") if key == sort else ""
        head.append(
            f'<th data-sort="{key}" class="{"sorted" if key == sort else ""}" title="{esc(col.tooltip)} '
            f'(click to sort)"><span class="tip">{esc(col.label)}</span>{arrow}</th>'
        )
    optional = perf_present(view)
    for key in optional:
        label, tip = PERF_COLUMNS[key]
        head.append(f'<th class="lb-opt lb-opt-{key}" title="{esc(tip)}"><span class="tip">{esc(label)}</span></th>')
    head.append('<th title="Provenance of the number: configuration, dataset, spread, environment">Detail</th>')
    start = page * page_size
    body = []
    grouped = task.has_classes and view["model_class"].nunique() > 1
    span = len(keys) + len(optional) + 1
    group = None
    for row in view.iloc[start : start + page_size].to_dict("records"):
        if grouped and row["model_class"] != group:
            group = row["model_class"]
            body.append(class_header(group, span))
        cells = "".join(_cell(k, row, task_max) for k in keys)
        cells += "".join(f'<td class="lb-opt lb-opt-{k}">{optional_text(k, row)}</td>' for k in optional)
        rid = esc(row["result_id"])
        body.append(
            f'<tr data-row="{rid}">{cells}<td><button class="lb-detail-btn" data-result="{rid}" '
            f'title="Open the provenance of this result">Details</button></td></tr>'
        )
    return (
        f'<div class="lb-table-wrap"><table class="lb-table"><thead><tr>{"".join(head)}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def perf_text(value: float) -> str:
    """A performance figure to four significant digits ('' when the result has none)."""
    return "" if is_missing(value) else f"{value:,.4g}"


def optional_text(key: str, row: dict[str, Any]) -> str:
    """An optional column's cell content for a row, escaped: the backend as text (what a record stating none
    stands for: 'transformers', 'reference runner'), a performance figure as a number."""
    if key == BACKEND:
        return esc(row.get(BACKEND_SHOWN) or row.get(BACKEND) or "")
    return perf_text(row[key])


def not_rated_html(hardware: str) -> str:
    """In place of stars, for a result measured on another GPU than the H100: 'not rated (H200)'."""
    return (
        f'<span class="lb-muted lb-not-rated" title="Measured on {esc(hardware or "another GPU")}: stars compare '
        f'H100 results only">{esc(not_rated_text(hardware))}</span>'
    )


def class_header(model_class: str, span: int) -> str:
    """The row opening a class's group in a view of several classes."""
    if not model_class:
        return f'<tr class="lb-group"><th colspan="{span}">No class recorded</th></tr>'
    what = ModelClass(model_class).description if model_class in ModelClass.__members__ else ""
    return (
        f'<tr class="lb-group" data-class="{esc(model_class)}"><th colspan="{span}">Class {esc(model_class)}'
        f"<span>{' · ' + esc(what) if what else ''} · stars compare models of this class only</span></th></tr>"
    )


def page_count(rows: int, page_size: int = PAGE_SIZE) -> int:
    """Pages needed for `rows` rows (at least 1)."""
    return max(1, math.ceil(rows / page_size))


def pager_text(rows: int, page: int, page_size: int = PAGE_SIZE) -> str:
    """'Results 101-200 of 834 (page 2 of 9)'."""
    if rows == 0:
        return "No results"
    first, last = page * page_size + 1, min(rows, (page + 1) * page_size)
    return f"Results {first:,}–{last:,} of {rows:,} (page {page + 1} of {page_count(rows, page_size)})"


def callout_html(spread: EnergySpread | None, scope: str) -> str:
    """'Energy difference of N x' between the most hungry and the most frugal result of `scope`."""
    if spread is None:
        return ""
    if spread.count < 2:
        return f'<div class="lb-callout">Only one result in {esc(scope)} so far: nothing to compare it with yet.</div>'
    return (
        f'<div class="lb-callout"><b>Energy difference of {spread.ratio:,.1f} x</b> in {esc(scope)}: '
        f"the most energy-hungry model ({esc(spread.high_model)}, {esc(format_energy(spread.high_wh))}) uses "
        f"{spread.ratio:,.1f} times the energy of the most frugal ({esc(spread.low_model)}, "
        f"{esc(format_energy(spread.low_wh))}) per 1,000 queries.</div>"
    )


def _submit_steps(links: Links) -> str:
    submit = esc(links.app_url("submit"))
    return (
        "<ol><li>Run the standard workload of the task on an NVIDIA H100 with the suite's runner; it writes "
        "a run bundle (a .zip with the raw energy-counter readings).</li>"
        f'<li>Upload the bundle on the <a href="{submit}">submission page</a> and accept the attestation.</li>'
        "<li>Once reviewed, the result appears here at the next leaderboard version.</li></ol>"
    )


def empty_state_html(
    task: Task | None, version_name: str | None, links: Links = Links(), hardware: str | None = None
) -> str:
    """What a visitor sees when a task has no result (or nothing is published): how to submit one; in the
    other-hardware view, only that nothing was measured on another GPU."""
    if hardware == OTHER_HARDWARE and task is not None and version_name is not None:
        return (
            f'<div class="lb-empty"><h3>No {esc(task.display_name.lower())} results on other GPUs in '
            f"{esc(version_name)}</h3><p>Results measured on GPUs other than the H100 are listed here, "
            "unrated (stars compare H100 results only).</p></div>"
        )
    if version_name is None:
        title = "No leaderboard version is published yet"
        lead = "Ratings appear here once the first version is published."
    else:
        assert task is not None
        title = f"No {esc(task.display_name.lower())} results in {esc(version_name)} yet"
        lead = (
            f"Be the first: one rating is the GPU energy of 1,000 queries (each a {esc(task.query_unit)}) on one H100."
        )
    return (
        f'<div class="lb-empty"><h3>{title}</h3><p>{lead}</p>{_submit_steps(links)}'
        f'<p><a class="lb-button" href="{esc(links.app_url("submit"))}">Submit a run</a></p></div>'
    )


def no_match_html(query: str, model_class: str | None, links: Links = Links()) -> str:
    """The table's place when a filter or search matches nothing."""
    parts = []
    if query.strip():
        parts.append(f"matches “{esc(query.strip())}”")
    if model_class and model_class != "All":
        parts.append(f"is in class {esc(model_class)}")
    what = " and ".join(parts) or "matches"
    # Suggest only what would widen the view: the search when there is one, "All" when a class is chosen.
    undo = [
        step
        for step, on in (
            ("clear the search", bool(query.strip())),
            ('choose "All" classes', bool(model_class and model_class != "All")),
        )
        if on
    ]
    joined = " or ".join(undo)
    hint = f"{joined[:1].upper()}{joined[1:]}. " if undo else ""
    return (
        f'<div class="lb-empty"><h3>No result {what}</h3><p>{hint}'
        "A model you miss may not be rated yet: "
        f'<a href="{esc(links.app_url("submit"))}">submit a run</a>.</p></div>'
    )
