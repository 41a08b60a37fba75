"""The leaderboard's Gradio app: wiring only; the logic lives in leaderboard.views and the modules it uses.

`build_demo(store)` returns the Blocks; the suite mounts it under /leaderboard, `python -m leaderboard`
serves it alone. A page loaded with `?result=<id>` opens that result's detail view (what a label's QR
code links to); `?compare=<id>,<id>` opens the Compare tab with those results chosen; `?task=<id>` and
`?version=<id>` select a task and a version.
"""

from __future__ import annotations

import threading
from typing import Any

import gradio as gr

from leaderboard.calculator import DEFAULT_PUE, DEFAULT_QUERIES_PER_DAY
from leaderboard.compare import MAX_COMPARE
from leaderboard.detail import detail_placeholder_html
from leaderboard.render import LEADERBOARD_CSS, TABLE_JS
from leaderboard.table import ALL_CLASSES, DEFAULT_SORT, MODEL_CLASSES, SORT_LABELS
from leaderboard.views import DEFAULT_TASK, Leaderboard, TableView, next_sort
from shared.method.tasks import TASKS
from shared.method.units import US_2024_GRID_G_PER_KWH
from shared.store.factory import open_store
from shared.store.models import Store
from shared.web.links import CSS, nav_html

INTRO = (
    "GPU energy of AI model inference in **Wh per 1,000 queries**, measured on an NVIDIA H100 through NVML's "
    "energy counter. Stars compare models of one task (and class) within one leaderboard version: five "
    "equal-width bands of the [min, max] energy range, the most frugal band gets 5 stars."
)
FAST = {"show_progress": "minimal"}


def _table_values(tv: TableView) -> list[Any]:
    return [tv.callout, tv.table, tv.pager, tv.page, tv.csv_path]


def build_demo(store: Store | None = None, warm_up: bool = True) -> gr.Blocks:
    """The leaderboard app on `store` (the configured store by default).

    With `warm_up`, the latest version is read in a background thread right away, so the first
    visitor finds it cached.
    """
    lb = Leaderboard(store or open_store())
    if warm_up:
        threading.Thread(target=lb.warm_up, name="leaderboard-warm-up", daemon=True).start()

    with gr.Blocks(title="AI Energy Score: leaderboard") as demo:
        gr.HTML(f"<style>{CSS}{LEADERBOARD_CSS}</style>{nav_html('leaderboard')}", js_on_load=None)
        gr.Markdown(f"# Leaderboard\n{INTRO}")
        with gr.Row(equal_height=True):
            version = gr.Dropdown(
                label="Leaderboard version",
                choices=[],
                interactive=True,
                elem_id="lb-version",
                info="The latest by default; older versions keep the stars frozen in them.",
            )
        task = gr.Radio(
            [(t.display_name, t.id) for t in TASKS.values()],
            value=DEFAULT_TASK,
            label="Task",
            elem_classes="lb-task-tabs",
            elem_id="lb-task",
        )
        with gr.Row(equal_height=True):
            model_class = gr.Radio(
                [ALL_CLASSES, *MODEL_CLASSES],
                value=ALL_CLASSES,
                elem_id="lb-class",
                label="Class (text generation)",
                info="A: up to ~20B parameters, B: ~20B-66B, C: over 66B",
            )
            query = gr.Textbox(
                label="Search model or provider", placeholder="e.g. qwen, meta-llama", elem_id="lb-search"
            )
            sort = gr.Dropdown(
                [(label, key) for key, label in SORT_LABELS.items()],
                value=DEFAULT_SORT,
                label="Sort by",
                elem_id="lb-sort",
                info="Or click a column header",
            )
            descending = gr.Checkbox(label="Highest first", value=False, elem_id="lb-desc")
        callout = gr.HTML(js_on_load=None, elem_id="lb-callout")
        table = gr.HTML(js_on_load=TABLE_JS, elem_id="lb-table", min_height=120, apply_default_css=False)
        page = gr.State(0)
        with gr.Row(equal_height=True):
            prev_btn = gr.Button("← Previous", size="sm", scale=0, min_width=110, elem_id="lb-prev")
            pager = gr.Markdown(elem_id="lb-pager")
            next_btn = gr.Button("Next →", size="sm", scale=0, min_width=110, elem_id="lb-next")
        with gr.Row(equal_height=True):
            csv_btn = gr.DownloadButton("Download this view (CSV)", size="sm", elem_id="lb-csv")
            json_btn = gr.DownloadButton("Download the whole version (JSON)", size="sm", elem_id="lb-json")
        model = gr.Dropdown(
            label="Model (for the detail view and the calculator)",
            choices=[],
            allow_custom_value=True,
            elem_id="lb-model",
        )
        with gr.Tabs(selected="plots") as tabs:
            with gr.Tab("Plots", id="plots"):
                plot_energy = gr.Plot(show_label=False)
                plot_params = gr.Plot(show_label=False)
                plot_quality = gr.Plot(show_label=False, visible=False)
            with gr.Tab("Model detail", id="detail"):
                detail = gr.HTML(js_on_load=None, elem_id="lb-detail", apply_default_css=False)
            with gr.Tab("Compare", id="compare"):
                compare_pick = gr.Dropdown(
                    label="Compare results (two to four, of this task)",
                    choices=[],
                    multiselect=True,
                    max_choices=MAX_COMPARE,
                    elem_id="lb-compare-pick",
                    info="Settings that differ between the chosen results are highlighted",
                )
                compare = gr.HTML(js_on_load=None, elem_id="lb-compare", apply_default_css=False)
            with gr.Tab("Workload calculator", id="calculator"):
                with gr.Row():
                    queries = gr.Number(
                        DEFAULT_QUERIES_PER_DAY, label="Queries per day", minimum=0, elem_id="lb-queries"
                    )
                    grid = gr.Number(
                        US_2024_GRID_G_PER_KWH,
                        label="Grid intensity (gCO2e / kWh)",
                        minimum=0,
                        info="US 2024 average: 402.49",
                        elem_id="lb-grid",
                    )
                    pue = gr.Number(
                        DEFAULT_PUE,
                        label="PUE",
                        minimum=1,
                        step=0.05,
                        elem_id="lb-pue",
                        info="1.0 = GPU only; about 1.2 for a data centre",
                    )
                    server = gr.Checkbox(label="Whole-server estimate (2 × GPU)", value=False)
                calc = gr.HTML(js_on_load=None, elem_id="lb-calc")

        table_outs = [callout, table, pager, page, csv_btn]
        plot_outs = [plot_energy, plot_params, plot_quality]
        filters = [version, task, model_class, query, sort, descending]
        calc_ins = [queries, grid, pue, server]

        def picker(tv: TableView, keep: str | None) -> Any:
            """The model picker's choices for a view, keeping the chosen result."""
            return gr.Dropdown(choices=lb.model_choices(tv.view, keep), value=keep or None)

        def comparer(version_id: str, task_id: str, tv: TableView, selected: list[str] | None) -> list[Any]:
            """The Compare picker for a view (keeping the chosen results still in it) and its table."""
            choices, kept = lb.compare_choices(version_id, task_id, tv.view, selected)
            return [gr.Dropdown(choices=choices, value=kept), lb.compare(version_id, kept, task_id)]

        def on_load(request: gr.Request) -> list[Any]:
            """The whole first view, from the page's query parameters."""
            choices = lb.version_choices()
            start = lb.initial_state(dict(request.query_params) if request else {})
            tv = lb.table(start.version_id, start.task_id)
            rid = start.result_id or None
            detail_value = detail_placeholder_html(start.notice) if start.notice else lb.detail(start.version_id, rid)
            return [
                gr.Dropdown(choices=choices, value=start.version_id or None),
                start.task_id,
                gr.Radio(value=ALL_CLASSES, visible=TASKS[start.task_id].has_classes),
                *_table_values(tv),
                picker(tv, rid),
                detail_value,
                lb.calculator(start.version_id, rid, DEFAULT_QUERIES_PER_DAY, US_2024_GRID_G_PER_KWH, DEFAULT_PUE),
                *comparer(start.version_id, start.task_id, tv, list(start.compare)),
                gr.Tabs(selected=start.tab),
            ]

        def on_context(
            version_id: str, task_id: str, q: str, s: str, desc: bool, rid: str | None, chosen: list[str] | None
        ) -> list[Any]:
            """Another version or task: class filter reset, first page, the detail in that version."""
            tv = lb.table(version_id, task_id, ALL_CLASSES, q, s, desc, 0)
            return [
                gr.Radio(value=ALL_CLASSES, visible=TASKS[task_id].has_classes),
                *_table_values(tv),
                picker(tv, rid),
                lb.detail(version_id, rid),
                *comparer(version_id, task_id, tv, chosen),
            ]

        def on_filter(
            version_id: str,
            task_id: str,
            cls: str,
            q: str,
            s: str,
            desc: bool,
            rid: str | None,
            chosen: list[str] | None,
        ) -> list[Any]:
            """Class filter, search or sort changed: first page of the new view."""
            tv = lb.table(version_id, task_id, cls, q, s, desc, 0)
            return [*_table_values(tv), picker(tv, rid), *comparer(version_id, task_id, tv, chosen)]

        def on_page(delta: int) -> Any:
            """A handler moving `delta` pages."""

            def move(version_id: str, task_id: str, cls: str, q: str, s: str, desc: bool, current: int) -> list[Any]:
                return _table_values(lb.table(version_id, task_id, cls, q, s, desc, (current or 0) + delta))

            return move

        def on_header(
            version_id: str, task_id: str, cls: str, q: str, s: str, desc: bool, evt: gr.EventData
        ) -> list[Any]:
            """A column header was clicked."""
            s, desc = next_sort(s, desc, str(getattr(evt, "column", "")))
            return [s, desc, *_table_values(lb.table(version_id, task_id, cls, q, s, desc, 0))]

        def on_open(version_id: str, qpd: float, g: float, p: float, whole: bool, evt: gr.EventData) -> list[Any]:
            """A row's Details button: its detail view and calculator."""
            rid = str(getattr(evt, "result", ""))
            return [
                rid,
                lb.detail(version_id, rid),
                lb.calculator(version_id, rid, qpd, g, p, whole),
                gr.Tabs(selected="detail"),
            ]

        def on_model(version_id: str, rid: str | None, qpd: float, g: float, p: float, whole: bool) -> list[Any]:
            """A model picked in the picker."""
            return [lb.detail(version_id, rid), lb.calculator(version_id, rid, qpd, g, p, whole)]

        def plots(version_id: str, task_id: str, cls: str, q: str) -> list[Any]:
            """The figures of the view (the Pareto plot only where quality scores exist)."""
            figs = lb.plots(version_id, task_id, cls, q)
            return [figs.energy, figs.parameters, gr.Plot(value=figs.quality, visible=figs.quality is not None)]

        plot_ins = [version, task, model_class, query]
        compare_outs = [compare_pick, compare]
        load = demo.load(
            on_load, None, [version, task, model_class, *table_outs, model, detail, calc, *compare_outs, tabs]
        )
        load.then(plots, plot_ins, plot_outs).then(lb.version_json_path, version, json_btn)
        for trigger in (version.input, task.input):
            ev = trigger(
                on_context,
                [version, task, query, sort, descending, model, compare_pick],
                [model_class, *table_outs, model, detail, *compare_outs],
                **FAST,
            )
            ev.then(plots, plot_ins, plot_outs)
        version.input(lb.version_json_path, version, json_btn)
        # The search box is never set by a handler, so its change is always the visitor's typing.
        for trigger, replot in (
            (model_class.input, True),
            (query.change, True),
            (sort.input, False),
            (descending.input, False),
        ):
            ev = trigger(
                on_filter,
                [*filters, model, compare_pick],
                [*table_outs, model, *compare_outs],
                trigger_mode="always_last",
                **FAST,
            )
            if replot:
                ev.then(plots, plot_ins, plot_outs)
        prev_btn.click(on_page(-1), [*filters, page], table_outs, **FAST)
        next_btn.click(on_page(1), [*filters, page], table_outs, **FAST)
        table.sort_column(on_header, filters, [sort, descending, *table_outs], **FAST)
        table.open_result(on_open, [version, *calc_ins], [model, detail, calc, tabs], **FAST)
        model.input(on_model, [version, model, *calc_ins], [detail, calc], **FAST)
        compare_pick.input(lb.compare, [version, compare_pick, task], compare, **FAST)
        for comp in calc_ins:
            comp.change(lb.calculator, [version, model, *calc_ins], calc, **FAST)
    return demo
