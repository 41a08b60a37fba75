"""Side by side: two to four rated results, their numbers and the setup and configuration behind them.

`comparison(rated)` lays the facts out as rows of plain text (pure, no HTML); `compare_html(rated)`
renders them as one table with a column per result. Users asked for this because a number means little
without its configuration (one SDXL figure was 7x off another because of a fixed image size), so rows
that describe how a number was produced (setup, configuration) are marked when their values differ
between the results, and differing configuration keys come first. Measured outcomes (stars, energy,
ratio, interval, phases) are what is being compared: they differ by nature and are not marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from leaderboard.detail import fact_text, queries_text
from leaderboard.render import ci_text, esc, format_params, hub_link, random_weights_badge, stars_html
from shared.method.tasks import TASKS
from shared.method.units import format_energy
from shared.store.models import RatedResult
from shared.web.links import Links

MAX_COMPARE = 4
# Software always shown; any other package appears only where its version differs between the results.
KEY_SOFTWARE = ("torch", "transformers")
SHORT_SHA = 12
NOT_RECORDED = "not recorded"
DIFF_CLASS = "lb-diff"


@dataclass(frozen=True)
class CompareRow:
    """One row of the comparison.

    Attributes:
        label: Row heading (plain text).
        values: Plain-text value per result, in column order; differences are judged on these.
        cells: HTML per result where a value shows as more than its text (stars, interval); None: the
            escaped values.
        comparable: True for rows that describe how the number was produced (a difference is marked);
            False for measured outcomes.
    """

    label: str
    values: tuple[str, ...]
    cells: tuple[str, ...] | None = None
    comparable: bool = True

    @property
    def differs(self) -> bool:
        """Whether this is a setup or configuration row whose values are not all the same."""
        return self.comparable and len(set(self.values)) > 1


@dataclass(frozen=True)
class Comparison:
    """The rows of a side-by-side comparison.

    Attributes:
        results: The results compared, one column each, in the order chosen.
        sections: Section title -> rows ('Measured', 'Setup', 'Configuration', 'Identifiers').
    """

    results: tuple[RatedResult, ...]
    sections: dict[str, list[CompareRow]]

    @property
    def differing(self) -> list[str]:
        """Labels of the setup and configuration rows that differ, in display order."""
        return [row.label for rows in self.sections.values() for row in rows if row.differs]


def energy_ratios(energies: Sequence[float]) -> list[float | None]:
    """Each energy over the smallest one (1.0 for the most frugal); None where undefined (a zero minimum)."""
    if not energies:
        return []
    low = min(energies)
    if low <= 0:
        return [1.0 if e == low else None for e in energies]
    return [e / low for e in energies]


def ratio_text(ratio: float | None) -> str:
    """'1.00x', '2.35x', '1,234.00x'; 'n/a' when undefined."""
    return "n/a" if ratio is None or not math.isfinite(ratio) else f"{ratio:,.2f}x"


def _text(value: object) -> str:
    return NOT_RECORDED if value is None or value == "" else str(value)


def _measured(results: Sequence[RatedResult]) -> list[CompareRow]:
    recs = [r.record for r in results]
    energies = [rec.gpu_energy_wh_per_1k for rec in recs]
    rows = [
        CompareRow(
            "Stars",
            tuple(f"{r.stars} of 5" if r.stars else "unrated" for r in results),
            tuple(stars_html(r.stars) for r in results),
            comparable=False,
        ),
        CompareRow("GPU energy per 1,000 queries", tuple(format_energy(e) for e in energies), comparable=False),
        CompareRow(
            "Energy vs the most frugal here", tuple(ratio_text(x) for x in energy_ratios(energies)), comparable=False
        ),
    ]
    cis = [rec.ci95 for rec in recs]
    # ci_text takes NaN for "no interval" (a single repetition), as the table's frame stores it.
    ci_cells = tuple(ci_text(*(ci or (math.nan, math.nan))) for ci in cis)
    rows.append(
        CompareRow(
            "95% confidence interval (Wh / 1k)",
            tuple("n/a" if ci is None else "{:,.4g} – {:,.4g}".format(*ci) for ci in cis),
            ci_cells,
            comparable=False,
        )
    )
    if any(rec.quality_score is not None for rec in recs):
        rows.append(CompareRow("Quality score", tuple(fact_text(rec.quality_score) for rec in recs), comparable=False))
    phases: list[str] = []  # union of the phases, in the order they were first recorded
    for rec in recs:
        phases += [p for p in rec.phases_wh_per_1k if p not in phases]
    for phase in phases:
        rows.append(
            CompareRow(
                f"Phase: {phase} (Wh / 1k)",
                tuple(
                    format_energy(rec.phases_wh_per_1k[phase]) if phase in rec.phases_wh_per_1k else NOT_RECORDED
                    for rec in recs
                ),
                comparable=False,
            )
        )
    return rows


def _setup(results: Sequence[RatedResult]) -> list[CompareRow]:
    recs = [r.record for r in results]

    def row(label: str, values: Sequence[object]) -> CompareRow:
        return CompareRow(label, tuple(_text(v) for v in values))

    rows = [
        row("Repetitions", [rec.repetitions for rec in recs]),
        row("Queries per repetition", [queries_text(rec.samples) if rec.samples else None for rec in recs]),
    ]
    if any((t := TASKS.get(rec.task_id)) is not None and t.has_classes for rec in recs):
        rows.append(row("Class", [rec.model_class for rec in recs]))
    rows += [
        row("Parameters", [format_params(rec.parameters) for rec in recs]),
        row("Precision", [rec.precision for rec in recs]),
        row("GPU", [rec.hardware for rec in recs]),
        row("GPU count", [rec.gpu_count for rec in recs]),
        row("Dataset", [rec.dataset.get("id") for rec in recs]),
        row("Dataset sha256", [str(rec.dataset.get("sha256") or "")[:SHORT_SHA] for rec in recs]),
        row("Random weights", ["yes" if rec.random_weights else "no" for rec in recs]),
        row("Runner", [rec.runner for rec in recs]),
    ]
    software = [rec.environment.get("software") or {} for rec in recs]
    others = sorted({name for sw in software for name in sw} - set(KEY_SOFTWARE))
    for name in KEY_SOFTWARE:
        rows.append(row(name, [sw.get(name) for sw in software]))
    for name in others:
        candidate = row(name, [sw.get(name) for sw in software])
        if candidate.differs:
            rows.append(candidate)
    return rows


def _configuration(results: Sequence[RatedResult]) -> list[CompareRow]:
    keys = sorted({key for r in results for key in r.record.config})
    rows = [
        CompareRow(
            key, tuple(fact_text(r.record.config[key]) if key in r.record.config else NOT_RECORDED for r in results)
        )
        for key in keys
    ]
    # What changed between the runs comes first; the keys they share follow, each group alphabetical.
    return sorted(rows, key=lambda row: not row.differs)


def comparison(rated: Sequence[RatedResult]) -> Comparison:
    """The rows comparing up to MAX_COMPARE results (further ones are left out), in the order given."""
    results = tuple(rated[:MAX_COMPARE])
    return Comparison(
        results,
        {
            "Measured": _measured(results),
            "Setup": _setup(results),
            "Configuration": _configuration(results),
            "Identifiers": [
                CompareRow(
                    "Result id",
                    tuple(r.result_id for r in results),
                    tuple(f"<code>{esc(r.result_id)}</code>" for r in results),
                    comparable=False,
                ),
                CompareRow(
                    "Bundle sha256",
                    tuple(r.bundle_sha256[:SHORT_SHA] for r in results),
                    tuple(
                        f'<code title="{esc(r.bundle_sha256)}">{esc(r.bundle_sha256[:SHORT_SHA])}</code>'
                        for r in results
                    ),
                    comparable=False,
                ),
            ],
        },
    )


def compare_url(rated: Sequence[RatedResult], links: Links = Links()) -> str:
    """A link that opens this comparison: `/leaderboard?compare=a,b` (with the version of the first result)."""
    ids = ",".join(quote(r.result_id, safe="") for r in rated)
    version = rated[0].version_id if rated else None
    return f"{links.app_url('leaderboard')}?compare={ids}" + (f"&version={quote(version, safe='')}" if version else "")


def compare_placeholder_html(chosen: int = 0) -> str:
    """The note shown while fewer than two results are chosen."""
    lead = "One result chosen: pick at least one more" if chosen == 1 else "Pick two to four results"
    return (
        f'<p class="lb-muted lb-compare-note">{lead} of this task in “Compare results” to see them side by side, '
        "with the settings that differ between them highlighted.</p>"
    )


def _row_html(row: CompareRow) -> str:
    cells = row.cells if row.cells is not None else tuple(esc(v) for v in row.values)
    css = f' class="{DIFF_CLASS}"' if row.differs else ""
    title = ' title="Differs between these results"' if row.differs else ""
    return f"<tr{css}{title}><th>{esc(row.label)}</th>{''.join(f'<td>{c}</td>' for c in cells)}</tr>"


def _summary_html(comp: Comparison) -> str:
    differing = comp.differing
    if not differing:
        return '<p class="lb-compare-summary">Same setup and configuration: only the models differ.</p>'
    keys = ", ".join(f'<span class="lb-diff-key">{esc(label)}</span>' for label in differing)
    return (
        f'<p class="lb-compare-summary"><b>{len(differing)} setting{"s" if len(differing) != 1 else ""} '
        f"differ{'' if len(differing) != 1 else 's'}</b> (highlighted below): {keys}</p>"
    )


def compare_html(rated: Sequence[RatedResult], links: Links = Links()) -> str:
    """The side-by-side table of the chosen results (a note when fewer than two are chosen).

    Every value from a submission is escaped; model ids are linked to the Hub only when Hub-like.
    """
    if len(rated) < 2:
        return compare_placeholder_html(len(rated))
    comp = comparison(rated)
    head = "".join(
        f'<th data-result-id="{esc(r.result_id)}">{hub_link(r.record.model_id)}'
        f"{random_weights_badge() if r.record.random_weights else ''}</th>"
        for r in comp.results
    )
    body = []
    for title, rows in comp.sections.items():
        body.append(f'<tr class="lb-section"><th colspan="{len(comp.results) + 1}">{esc(title)}</th></tr>')
        body += [_row_html(row) for row in rows]
    return (
        f'<div class="lb-compare-view">{_summary_html(comp)}'
        f'<div class="lb-compare-wrap"><table class="lb-compare"><thead><tr><th>Model</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
        f'<p><a href="{esc(compare_url(comp.results, links))}">Link to this comparison</a></p></div>'
    )
