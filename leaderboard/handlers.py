"""The leaderboard's event handlers: translate between widget values and `leaderboard.views.Leaderboard`.

Each method returns the new values (or gradio updates) of the outputs it is wired to, in the order
`leaderboard.app` wires them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from leaderboard.calculator import DEFAULT_PUE, DEFAULT_QUERIES_PER_DAY
from leaderboard.detail import detail_placeholder_html
from leaderboard.table import ALL_CLASSES, RATED_HARDWARE
from leaderboard.views import Leaderboard, TableView, next_sort
from shared.method.tasks import TASKS
from shared.method.units import US_2024_GRID_G_PER_KWH


def table_values(tv: TableView) -> list[Any]:
    """The table area's values: callout, table, pager and page (the CSV is written on request only)."""
    return [tv.callout, tv.table, tv.pager, tv.page]


def plot_key(version_id: str, task_id: str, model_class: str, query: str, hardware: str) -> str:
    """What the figures show, as one string: the same key means the same figures (no need to resend)."""
    return "\x1f".join(
        (
            version_id or "",
            task_id or "",
            model_class or ALL_CLASSES,
            " ".join((query or "").lower().split()),
            hardware or RATED_HARDWARE,
        )
    )


class LeaderboardHandlers:
    """The callbacks of the page, bound to one `Leaderboard`."""

    def __init__(self, lb: Leaderboard) -> None:
        self.lb = lb

    def column_picker(self, version_id: str, task_id: str, chosen: list[str] | None) -> gr.CheckboxGroup:
        """The optional columns the task's results carry (hidden when they carry none), keeping the chosen."""
        present = self.lb.perf_columns(version_id, task_id)
        keys = {k for _, k in present}
        return gr.CheckboxGroup(choices=present, value=[c for c in chosen or [] if c in keys], visible=bool(present))

    def picker(self, tv: TableView, keep: str | None) -> gr.Dropdown:
        """The model picker's choices for a view, keeping the chosen result."""
        return gr.Dropdown(choices=self.lb.model_choices(tv.view, keep), value=keep or None)

    def comparer(self, version_id: str, task_id: str, tv: TableView, selected: list[str] | None) -> list[Any]:
        """The Compare picker for a view (keeping the chosen results still in it) and its table."""
        choices, kept = self.lb.compare_choices(version_id, task_id, tv.view, selected)
        return [gr.Dropdown(choices=choices, value=kept), self.lb.compare(version_id, kept, task_id)]

    def on_load(self, request: gr.Request) -> list[Any]:
        """The whole first view, from the page's query parameters."""
        lb = self.lb
        choices = lb.version_choices()
        start = lb.initial_state(dict(request.query_params) if request else {})
        tv = lb.table(start.version_id, start.task_id)
        rid = start.result_id or None
        detail_value = detail_placeholder_html(start.notice) if start.notice else lb.detail(start.version_id, rid)
        return [
            gr.Dropdown(choices=choices, value=start.version_id or None),
            start.task_id,
            gr.Radio(value=ALL_CLASSES, visible=TASKS[start.task_id].has_classes),
            RATED_HARDWARE,
            self.column_picker(start.version_id, start.task_id, []),
            *table_values(tv),
            self.picker(tv, rid),
            detail_value,
            lb.calculator(start.version_id, rid, DEFAULT_QUERIES_PER_DAY, US_2024_GRID_G_PER_KWH, DEFAULT_PUE),
            *self.comparer(start.version_id, start.task_id, tv, list(start.compare)),
            gr.Tabs(selected=start.tab),
            start.tab == "plots",
        ]

    def on_context(
        self,
        version_id: str,
        task_id: str,
        query: str,
        sort: str,
        descending: bool,
        hardware: str,
        columns: list[str] | None,
        result_id: str | None,
        chosen: list[str] | None,
    ) -> list[Any]:
        """Another version or task: class filter reset, first page, the detail in that version."""
        tv = self.lb.table(version_id, task_id, ALL_CLASSES, query, sort, descending, 0, hardware)
        return [
            gr.Radio(value=ALL_CLASSES, visible=TASKS[task_id].has_classes),
            self.column_picker(version_id, task_id, columns),
            *table_values(tv),
            self.picker(tv, result_id),
            self.lb.detail(version_id, result_id),
            *self.comparer(version_id, task_id, tv, chosen),
        ]

    def on_filter(
        self,
        version_id: str,
        task_id: str,
        model_class: str,
        query: str,
        sort: str,
        descending: bool,
        hardware: str,
        result_id: str | None,
        chosen: list[str] | None,
    ) -> list[Any]:
        """Class filter, search, sort or hardware changed: first page of the new view."""
        tv = self.lb.table(version_id, task_id, model_class, query, sort, descending, 0, hardware)
        return [*table_values(tv), self.picker(tv, result_id), *self.comparer(version_id, task_id, tv, chosen)]

    def _move(
        self,
        delta: int,
        version_id: str,
        task_id: str,
        model_class: str,
        query: str,
        sort: str,
        descending: bool,
        hardware: str,
        current: int,
    ) -> list[Any]:
        page = (current or 0) + delta
        return table_values(self.lb.table(version_id, task_id, model_class, query, sort, descending, page, hardware))

    def previous_page(self, *state: Any) -> list[Any]:
        """The page before the current one (state: the filters, then the current page)."""
        return self._move(-1, *state)

    def next_page(self, *state: Any) -> list[Any]:
        """The page after the current one (state: the filters, then the current page)."""
        return self._move(1, *state)

    def on_csv(
        self, version_id: str, task_id: str, model_class: str, query: str, sort: str, descending: bool, hardware: str
    ) -> Any:
        """The view as a CSV file, written now (the download button then fetches it)."""
        path = self.lb.csv_path(version_id, task_id, model_class, query, sort, descending, hardware)
        return gr.DownloadButton(value=path) if path else gr.skip()

    def on_json(self, version_id: str) -> Any:
        """The whole version as a JSON file, written on the first request for it (the download button then
        fetches it)."""
        path = self.lb.version_json_path(version_id)
        return gr.DownloadButton(value=path) if path else gr.skip()

    def on_header(
        self,
        version_id: str,
        task_id: str,
        model_class: str,
        query: str,
        sort: str,
        descending: bool,
        hardware: str,
        evt: gr.EventData,
    ) -> list[Any]:
        """A column header was clicked: the new sort, its direction, and the first page sorted so."""
        sort, descending = next_sort(sort, descending, str(getattr(evt, "column", "")))
        tv = self.lb.table(version_id, task_id, model_class, query, sort, descending, 0, hardware)
        return [sort, descending, *table_values(tv)]

    def on_open(
        self, version_id: str, queries: float, grid: float, pue: float, whole: bool, evt: gr.EventData
    ) -> list[Any]:
        """A row's Details button: its detail view and calculator (the Detail tab opened: the Plots tab is no
        longer shown)."""
        rid = str(getattr(evt, "result", ""))
        return [
            rid,
            self.lb.detail(version_id, rid),
            self.lb.calculator(version_id, rid, queries, grid, pue, whole),
            gr.Tabs(selected="detail"),
            False,
        ]

    def on_model(
        self, version_id: str, result_id: str | None, queries: float, grid: float, pue: float, whole: bool
    ) -> list[Any]:
        """A model picked in the picker: its detail view (the tab opened, the Plots tab then hidden) and
        calculator."""
        return [
            self.lb.detail(version_id, result_id),
            self.lb.calculator(version_id, result_id, queries, grid, pue, whole),
            gr.Tabs(selected="detail") if result_id else gr.skip(),
            False if result_id else gr.skip(),
        ]

    def plots(
        self,
        version_id: str,
        task_id: str,
        model_class: str,
        query: str,
        hardware: str,
        sent: str,
        shown: bool = True,
    ) -> list[Any]:
        """The figures of the view (the Pareto plot only where quality scores exist); nothing is resent when
        the view's rows are those already plotted, nothing is built while the Plots tab is not `shown` (its
        selection asks again), and an empty view shows one short note instead."""
        key = plot_key(version_id, task_id, model_class, query, hardware)
        if key == sent or not shown:
            return [gr.skip()] * 6
        figs = self.lb.plots(version_id, task_id, model_class, query, hardware)
        if figs.empty:
            hidden = gr.Plot(value=None, visible=False)
            note = gr.HTML(value=figs.note, visible=True)
            return [hidden, *(gr.Plot(value=None, visible=False) for _ in range(3)), note, key]
        return [
            gr.Plot(value=figs.energy, visible=True),
            gr.Plot(value=figs.parameters, visible=True),
            gr.Plot(value=figs.quality, visible=figs.quality is not None),
            gr.Plot(value=figs.latency, visible=figs.latency is not None),
            gr.HTML(visible=False),
            key,
        ]
