"""What each part of the page shows for a given state (version, task, class, search, sort, page).

`Leaderboard` is the app's logic without Gradio: app.py only wires its methods to components, and
the tests and the benchmark call them directly (the same code path a visitor's click runs).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from leaderboard.calculator import calculator_html
from leaderboard.compare import MAX_COMPARE, compare_html
from leaderboard.data import LeaderboardData
from leaderboard.detail import OtherFigure, detail_html, detail_placeholder_html
from leaderboard.exports import DownloadFolder, safe_name, version_json_chunks, view_csv
from leaderboard.index import VersionIndex, ViewFilter
from leaderboard.plots import energy_per_model, energy_vs_latency, energy_vs_parameters, energy_vs_quality
from leaderboard.render import (
    PAGE_SIZE,
    callout_html,
    empty_state_html,
    no_match_html,
    page_count,
    pager_text,
    table_html,
)
from leaderboard.table import (
    ALL_CLASSES,
    DEFAULT_SORT,
    PERF_COLUMNS,
    RATED_HARDWARE,
    SORT_COLUMNS,
    has_quality,
    results_frame,
)
from shared.method.tasks import TASKS, Task, get_task
from shared.store.models import RatedResult, Store
from shared.store.queries import iter_version_results
from shared.web.links import Links

DEFAULT_TASK = "text_generation"
EMPTY_FRAME = results_frame([])
# Points a figure of a large view draws (every k-th result by rank, the Pareto frontiers whole): a figure of
# 5,000 points is no more readable, and its JSON (~1 MB) blocked the browser's main thread on every filter.
MAX_PLOT_POINTS = 250
# Ids of a ?compare= link looked up at most (four are compared; a longer list is not a visitor's).
MAX_COMPARE_IDS = 20
# The pickers list this many rows of the view (every response carries them): the search box finds the rest.
MAX_MODEL_CHOICES = 50
MAX_CACHED_SELECTIONS = 64
# Columns whose natural first click is "highest first".
DESCENDING_FIRST = frozenset({"stars", "quality", "date", "parameters"})


@dataclass(frozen=True)
class TableView:
    """The table area for one state.

    Attributes:
        callout: The 'Energy difference of N x' callout (HTML, '' when the task is empty).
        table: The page of the table, or an empty state (HTML).
        pager: 'Results 1-100 of 834 (page 1 of 9)'.
        page: The page shown (clamped to the pages there are).
        pages: Number of pages.
        rows: Rows in the view (all pages).
        csv_path: Always None: the CSV is written only when asked for (`Leaderboard.csv_path`).
        view: The rows of the page shown, in order (the pickers list its first rows).
    """

    callout: str
    table: str
    pager: str
    page: int
    pages: int
    rows: int
    csv_path: Path | None
    view: pd.DataFrame


@dataclass(frozen=True)
class InitialState:
    """Where a page load starts: from `?result=`, `?compare=`, `?task=`, `?version=`, else the defaults.

    Attributes:
        version_id: Selected version ('' when none is published).
        task_id: Selected task.
        result_id: Result whose detail opens ('' for none).
        notice: A message when a requested result could not be shown ('' otherwise).
        compare: Results preselected in the Compare tab (of the version and task), at most MAX_COMPARE.
        tab: The tab to open: 'detail' for a result link, 'compare' for a compare link, else 'plots'.
    """

    version_id: str
    task_id: str
    result_id: str = ""
    notice: str = ""
    compare: tuple[str, ...] = ()
    tab: str = "plots"


def choice_label(model_id: str, energy: float) -> str:
    """A picker's label of a result: 'acme/model (2.37 Wh/1k)'."""
    return f"{model_id} ({energy:,.4g} Wh/1k)"


def split_ids(value: str | None) -> list[str]:
    """Result ids from a comma-separated parameter ('a, b,,a' -> ['a', 'b']): trimmed, deduplicated, in order."""
    return list(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def task_scope(task_id: str, model_class: str | None) -> str:
    """'Text generation, class A' / 'Image classification': what the callout compares."""
    name = get_task(task_id).display_name
    return f"{name}, class {model_class}" if model_class and model_class != ALL_CLASSES else name


@dataclass(frozen=True)
class Plots:
    """The figures of a view.

    Attributes:
        energy: Energy per model, log scale, coloured by stars.
        parameters: Energy against parameter count.
        quality: Quality against energy with the Pareto frontier; None when no result has a quality score.
        note: For an empty view, the one short line shown instead of the figures ('' otherwise).
        latency: Energy against median latency with the Pareto frontier; None when no result has a latency.
    """

    energy: go.Figure
    parameters: go.Figure
    quality: go.Figure | None
    note: str = ""
    latency: go.Figure | None = None

    @property
    def empty(self) -> bool:
        """True when the view has nothing to plot (the note replaces the figures)."""
        return bool(self.note)


@dataclass(frozen=True)
class _Selection:
    """A view's size, its trait rows (`leaderboard.index.ViewSummary`) and its callout."""

    rows: int
    traits: pd.DataFrame
    callout: str


def page_html(
    rows: pd.DataFrame, traits: pd.DataFrame, task: Task, task_max: float, sort: str, descending: bool
) -> str:
    """One page of a view as HTML, from the page's rows and the view's trait rows.

    `table_html` decides the columns (quality, performance figures) and class groups from the frame it is
    given and renders `page_size` rows of it: given the page's rows followed by the trait rows, with the
    page's length as page size, it renders exactly the page, with the columns and groups of the whole view.
    """
    frame = pd.concat([rows, traits], ignore_index=True) if not traits.empty else rows
    return table_html(frame, task, task_max, sort, descending, 0, page_size=max(1, len(rows)))


class Leaderboard:
    """The leaderboard's logic over one store: cached version data, and each part of the page.

    `links` are the addresses the page links to (the portal, the label generator, permalinks).
    """

    def __init__(self, store: Store, downloads: DownloadFolder | None = None, links: Links = Links()) -> None:
        self.data = LeaderboardData(store)
        self.links = links
        self.downloads = downloads or DownloadFolder()
        self._json_paths: dict[str, Path] = {}
        self._selections: OrderedDict[tuple[object, ...], _Selection] = OrderedDict()
        self._lock = threading.Lock()
        self._json_lock = threading.Lock()

    def warm_up(self) -> None:
        """Index the default version and prepare its default view (run in the background at start-up, so
        the first visitor does not wait for the store). Downloads are written when asked for only."""
        start = self.data.default_id()
        if start:
            self.table(start, DEFAULT_TASK)

    def version_choices(self) -> list[tuple[str, str]]:
        """(label, id) of every published version, newest first; re-reads the list."""
        found = self.data.refresh_versions()
        # "Published last", not "latest": an imported version of old figures can be the last one published here.
        return [(f"{v.name} (published last)" if i == 0 else v.name, v.id) for i, v in enumerate(found)]

    def view(
        self,
        version_id: str | None,
        task_id: str,
        model_class: str | None = None,
        query: str = "",
        sort: str = DEFAULT_SORT,
        descending: bool = False,
        hardware: str | None = RATED_HARDWARE,
    ) -> pd.DataFrame:
        """The rows a visitor's hardware, filter, search and sort select (every page)."""
        data = self.data.version(version_id)
        if data is None:
            return EMPTY_FRAME
        where = ViewFilter(task_id, hardware, model_class, query or "")
        return data.select(where, sort if sort in SORT_COLUMNS else DEFAULT_SORT, bool(descending))

    def forget_selections(self) -> None:
        """Drop the memoised views (the version data stays cached)."""
        with self._lock:
            self._selections.clear()

    def _selection(self, data: VersionIndex, where: ViewFilter) -> _Selection:
        """The size, trait rows and callout of a view, memoised (a version never changes, so neither do
        they; the sort does not change them)."""
        hardware = where.hardware or RATED_HARDWARE
        norm = " ".join(where.query.lower().split())
        key = (data.info.id, data.path, where.task_id, where.model_class or ALL_CLASSES, norm, hardware)
        with self._lock:
            if key in self._selections:
                self._selections.move_to_end(key)
                return self._selections[key]
        summary = data.summary(where)
        callout = callout_html(data.spread(where), task_scope(where.task_id, where.model_class))
        found = _Selection(summary.rows, summary.traits, callout)
        with self._lock:
            self._selections[key] = found
            while len(self._selections) > MAX_CACHED_SELECTIONS:
                self._selections.popitem(last=False)
        return found

    def csv_path(
        self,
        version_id: str | None,
        task_id: str,
        model_class: str | None = None,
        query: str = "",
        sort: str = DEFAULT_SORT,
        descending: bool = False,
        hardware: str | None = RATED_HARDWARE,
    ) -> Path | None:
        """The view (every page) as a CSV file, written when a visitor asks for it; None when empty."""
        data = self.data.version(version_id)
        if data is None:
            return None
        sort = sort if sort in SORT_COLUMNS else DEFAULT_SORT
        view = data.select(ViewFilter(task_id, hardware, model_class, query or ""), sort, bool(descending))
        if view.empty:
            return None
        return self.downloads.write(f"aienergyscore-{safe_name(data.info.id)}-{task_id}.csv", view_csv(view))

    def table(
        self,
        version_id: str | None,
        task_id: str,
        model_class: str | None = None,
        query: str = "",
        sort: str = DEFAULT_SORT,
        descending: bool = False,
        page: int = 0,
        hardware: str | None = RATED_HARDWARE,
    ) -> TableView:
        """The callout, the page of the table and the pager of one state."""
        task = get_task(task_id)
        sort = sort if sort in SORT_COLUMNS else DEFAULT_SORT
        query = query or ""
        data = self.data.version(version_id)
        if data is None or data.count(task_id, hardware) == 0:
            return TableView(
                "",
                empty_state_html(task, data.info.name if data else None, self.links, hardware),
                "",
                0,
                1,
                0,
                None,
                EMPTY_FRAME,
            )
        where = ViewFilter(task_id, hardware, model_class, query)
        sel = self._selection(data, where)
        rows = sel.rows
        if rows == 0:
            return TableView(
                sel.callout, no_match_html(query, model_class, self.links), "No results", 0, 1, 0, None, EMPTY_FRAME
            )
        pages = page_count(rows)
        page = max(0, min(int(page or 0), pages - 1))
        shown = data.select(where, sort, bool(descending), limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        body = page_html(shown, sel.traits, task, data.task_max.get(task_id, 0.0), sort, bool(descending))
        return TableView(sel.callout, body, pager_text(rows, page), page, pages, rows, None, shown)

    def plots(
        self,
        version_id: str | None,
        task_id: str,
        model_class: str | None = None,
        query: str = "",
        hardware: str | None = RATED_HARDWARE,
    ) -> Plots:
        """The figures of the view (sort does not matter to them): above MAX_PLOT_POINTS results, every
        k-th by rank and the Pareto frontiers whole (`VersionIndex.plot_rows`), the title saying so."""
        data = self.data.version(version_id)
        view, total = (
            data.plot_rows(ViewFilter(task_id, hardware, model_class, query or ""), MAX_PLOT_POINTS)
            if data is not None
            else (EMPTY_FRAME, 0)
        )
        scope = task_scope(task_id, model_class)
        if view.empty:
            blank = go.Figure()
            return Plots(blank, blank, None, f'<p class="lb-plot-empty">No results to plot in {scope}.</p>')
        if len(view) < total:
            scope += f" ({len(view):,} of {total:,} results drawn)"
        else:  # every result drawn: the figures order and rank them themselves (bars for a few)
            view = view.drop(columns="rank")
        return Plots(
            energy_per_model(view, f"GPU energy per model: {scope}"),
            energy_vs_parameters(view, f"GPU energy against parameters: {scope}"),
            energy_vs_quality(view, f"Quality against GPU energy: {scope}") if has_quality(view) else None,
            latency=energy_vs_latency(view, f"GPU energy against latency: {scope}"),
        )

    def perf_columns(self, version_id: str | None, task_id: str) -> list[tuple[str, str]]:
        """(label, key) of the optional performance columns a task's results carry in a version ([] if none)."""
        data = self.data.version(version_id)
        if data is None:
            return []
        return [(PERF_COLUMNS[k][0], k) for k in data.perf_present(task_id)]

    def model_choices(self, view: pd.DataFrame, keep: str | None = None) -> list[tuple[str, str]]:
        """(label, result id) for the model picker: the view's first MAX_MODEL_CHOICES rows, plus `keep`."""
        head = view.head(MAX_MODEL_CHOICES)
        choices = [
            (choice_label(m, e), rid)
            for m, e, rid in zip(head["model_id"], head["energy"], head["result_id"], strict=True)
        ]
        if keep and keep not in set(head["result_id"]):
            found = self.data.result(keep)
            if found is not None:
                choices.insert(0, (choice_label(found.record.model_id, found.record.gpu_energy_wh_per_1k), keep))
        return choices

    def compare_selection(
        self, version_id: str | None, task_id: str | None, result_ids: list[str] | str | None
    ) -> list[RatedResult]:
        """The chosen results that can be compared in a view: those of the version (with its stars) and
        of the task, in the order chosen, at most MAX_COMPARE; unknown ids are ignored."""
        ids = split_ids(result_ids) if isinstance(result_ids, str) else list(dict.fromkeys(result_ids or []))
        data = self.data.version(version_id)
        if data is None:
            return []
        found = [self.data.result(rid, data.info.id) for rid in ids[:MAX_COMPARE_IDS] if data.has(rid)]
        return [r for r in found if r is not None and (task_id is None or r.record.task_id == task_id)][:MAX_COMPARE]

    def compare_choices(
        self, version_id: str | None, task_id: str, view: pd.DataFrame, selected: list[str] | None
    ) -> tuple[list[tuple[str, str]], list[str]]:
        """The Compare picker for a view: (choices, the selection kept).

        The choices are the model picker's (the view's rows). A chosen result stays chosen while the
        version and task shown hold it, even when a class filter or search hides it from the table
        (it is then added to the choices, as the model picker keeps its result); a result of another
        task or missing from the version is dropped.
        """
        kept = self.compare_selection(version_id, task_id, selected)
        choices = self.model_choices(view)
        shown = {rid for _, rid in choices}
        hidden = [
            (choice_label(r.record.model_id, r.record.gpu_energy_wh_per_1k), r.result_id)
            for r in kept
            if r.result_id not in shown
        ]
        return hidden + choices, [r.result_id for r in kept]

    def compare(self, version_id: str | None, result_ids: list[str] | str | None, task_id: str | None = None) -> str:
        """The side-by-side comparison of the chosen results of a version (and task, when given)."""
        return compare_html(self.compare_selection(version_id, task_id, result_ids), self.links)

    def detail(self, version_id: str | None, result_id: str | None) -> str:
        """The detail view of a published result (a placeholder when none or unknown)."""
        if not result_id:
            return detail_placeholder_html()
        rated = self.data.result(result_id, version_id)
        if rated is None:
            return detail_placeholder_html(
                f"No published result {result_id!r}: it may be pending review, rejected, or not yet in a version."
            )
        info = self.data.info(rated.version_id) if rated.version_id else None
        others = [
            OtherFigure(o, found.name if (found := self.data.info(o.version_id or "")) else "")
            for o in self.data.same_model(rated)
        ]
        return detail_html(rated, info.name if info else "", self.links, others)

    def calculator(
        self,
        version_id: str | None,
        result_id: str | None,
        queries_per_day: float | None,
        grid_g_per_kwh: float | None,
        pue: float | None,
        whole_server: bool = False,
    ) -> str:
        """The workload calculator's answer for the chosen result."""
        rated = self.data.result(result_id, version_id) if result_id else None
        if rated is None:
            return calculator_html(None, None, queries_per_day, grid_g_per_kwh, pue, whole_server)
        return calculator_html(
            rated.record.model_id, rated.record.gpu_energy_wh_per_1k, queries_per_day, grid_g_per_kwh, pue, whole_server
        )

    def version_json_path(self, version_id: str | None) -> Path | None:
        """The whole version as a JSON file, written when first asked for (then kept: a version never
        changes), streamed from the store a batch at a time."""
        info = self.data.info(version_id) if version_id else None
        if info is None:
            return None
        with self._json_lock:
            if info.id not in self._json_paths:
                chunks = version_json_chunks(info, iter_version_results(self.data.store, info.id, "task_energy"))
                self._json_paths[info.id] = self.downloads.write_chunks(
                    f"aienergyscore-{safe_name(info.id)}.json", chunks
                )
        return self._json_paths[info.id]

    def initial_state(self, params: Mapping[str, str]) -> InitialState:
        """Where a page load starts, from its query parameters (unknown values fall back quietly)."""
        default = self.data.default_id() or ""
        version = params.get("version", "")
        version = version if version and self.data.info(version) else default
        task = params.get("task", "")
        task = task if task in TASKS else ""
        result_id = (params.get("result") or "").strip()
        compare_ids = split_ids(params.get("compare"))
        if not result_id:
            if compare_ids:
                # Without ?task=, a compare link shows the task of its first result found in the version.
                found = self.compare_selection(version, task or None, compare_ids)
                task = task or (found[0].record.task_id if found else DEFAULT_TASK)
                chosen = tuple(r.result_id for r in self.compare_selection(version, task, compare_ids))
                return InitialState(version, task, compare=chosen, tab="compare")
            return InitialState(version, task or DEFAULT_TASK)
        rated = self.data.result(result_id, version or None)
        if rated is None:
            return InitialState(
                version,
                task or DEFAULT_TASK,
                "",
                f"No published result {result_id!r}: it may be "
                "pending review, rejected, or not yet in a leaderboard version.",
                tab="detail",
            )
        data = self.data.version(version)
        in_version = data is not None and data.has(result_id)
        version = version if in_version else rated.version_id or version
        chosen = tuple(r.result_id for r in self.compare_selection(version, rated.record.task_id, compare_ids))
        return InitialState(version, rated.record.task_id, result_id, compare=chosen, tab="detail")


def next_sort(current: str, descending: bool, clicked: str) -> tuple[str, bool]:
    """Sort after a header click: the same column flips its direction, a new one starts at its natural one."""
    if clicked not in SORT_COLUMNS:
        return current, descending
    if clicked == current:
        return current, not descending
    return clicked, clicked in DESCENDING_FIRST
