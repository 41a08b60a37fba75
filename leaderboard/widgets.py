"""The leaderboard page's components, laid out (no event is connected here: see leaderboard.app)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from gradio.components import Component

from leaderboard.calculator import DEFAULT_PUE, DEFAULT_QUERIES_PER_DAY
from leaderboard.compare import MAX_COMPARE
from leaderboard.render import LEADERBOARD_CSS, TABLE_JS
from leaderboard.table import ALL_CLASSES, DEFAULT_SORT, HARDWARE_CHOICES, MODEL_CLASSES, RATED_HARDWARE, SORT_LABELS
from leaderboard.views import DEFAULT_TASK, MAX_MODEL_CHOICES
from shared.method.tasks import TASKS
from shared.method.units import US_2024_GRID_G_PER_KWH
from shared.web.links import CSS, Links

INTRO = (
    "GPU energy of AI model inference in **Wh per 1,000 queries**, measured on an NVIDIA H100 through NVML's "
    "energy counter. Stars compare models of one task (and class) within one leaderboard version: five "
    "equal-width bands of the [min, max] energy range, the most frugal band gets 5 stars."
)


@dataclass(frozen=True, eq=False)
class LeaderboardWidgets:
    """The components of the page that events read or update."""

    version: gr.Dropdown
    task: gr.Radio
    model_class: gr.Radio
    query: gr.Textbox
    sort: gr.Dropdown
    descending: gr.Checkbox
    hardware: gr.Radio
    columns: gr.CheckboxGroup
    callout: gr.HTML
    table: gr.HTML
    page: gr.State
    prev_btn: gr.Button
    pager: gr.Markdown
    next_btn: gr.Button
    csv_btn: gr.Button
    csv_file: gr.DownloadButton
    json_btn: gr.Button
    json_file: gr.DownloadButton
    model: gr.Dropdown
    tabs: gr.Tabs
    plot_energy: gr.Plot
    plot_params: gr.Plot
    plot_quality: gr.Plot
    plot_latency: gr.Plot
    plot_note: gr.HTML
    plot_key: gr.State
    plots_tab: gr.Tab
    other_tabs: tuple[gr.Tab, ...]
    plots_shown: gr.State
    detail: gr.HTML
    compare_pick: gr.Dropdown
    compare: gr.HTML
    queries: gr.Number
    grid: gr.Number
    pue: gr.Number
    server: gr.Checkbox
    calc: gr.HTML

    @property
    def filters(self) -> list[Component]:
        """What selects the rows of the table: version, task, class, search, sort, its direction, hardware."""
        return [self.version, self.task, self.model_class, self.query, self.sort, self.descending, self.hardware]

    @property
    def table_outputs(self) -> list[Component]:
        """The table area, in the order of `leaderboard.handlers.table_values`."""
        return [self.callout, self.table, self.pager, self.page]

    @property
    def plot_inputs(self) -> list[Component]:
        """What the figures depend on (sort does not matter to them), and the key of those last sent."""
        return [self.version, self.task, self.model_class, self.query, self.hardware, self.plot_key, self.plots_shown]

    @property
    def plot_outputs(self) -> list[Component]:
        """The four figures, the note shown instead of them for an empty view, and their key."""
        return [self.plot_energy, self.plot_params, self.plot_quality, self.plot_latency, self.plot_note, self.plot_key]

    @property
    def compare_outputs(self) -> list[Component]:
        """The Compare picker and its table."""
        return [self.compare_pick, self.compare]

    @property
    def calculator_inputs(self) -> tuple[gr.Number, gr.Number, gr.Number, gr.Checkbox]:
        """The workload calculator's settings."""
        return (self.queries, self.grid, self.pue, self.server)


def _filters() -> tuple[gr.Dropdown, gr.Radio, gr.Radio, gr.Textbox, gr.Dropdown, gr.Checkbox, gr.Radio]:
    with gr.Row(equal_height=True):
        version = gr.Dropdown(
            label="Leaderboard version",
            choices=[],
            interactive=True,
            elem_id="lb-version",
            info="The newest version of real models by default; older versions keep the stars frozen in them.",
        )
        hardware = gr.Radio(
            list(HARDWARE_CHOICES),
            value=RATED_HARDWARE,
            label="Hardware",
            elem_id="lb-hardware",
            info="Ratings compare H100 results; runs on other GPUs are listed apart, without stars.",
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
            label="Search model or provider", placeholder="e.g. qwen, meta-llama, backend:endpoint", elem_id="lb-search"
        )
        sort = gr.Dropdown(
            [(label, key) for key, label in SORT_LABELS.items()],
            value=DEFAULT_SORT,
            label="Sort by",
            elem_id="lb-sort",
            info="Or click a column header",
        )
        descending = gr.Checkbox(label="Highest first", value=False, elem_id="lb-desc")
    return version, task, model_class, query, sort, descending, hardware


def _calculator_settings() -> tuple[gr.Number, gr.Number, gr.Number, gr.Checkbox]:
    with gr.Row():
        queries = gr.Number(DEFAULT_QUERIES_PER_DAY, label="Queries per day", minimum=0, elem_id="lb-queries")
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
    return queries, grid, pue, server


def build_widgets(links: Links) -> LeaderboardWidgets:
    """Lay the page out inside the current gr.Blocks; `links` fill the navigation bar."""
    gr.HTML(f"<style>{CSS}{LEADERBOARD_CSS}</style>{links.nav_html('leaderboard')}", js_on_load=None)
    gr.Markdown(f"# Leaderboard\n{INTRO}")
    version, task, model_class, query, sort, descending, hardware = _filters()
    columns = gr.CheckboxGroup(
        [],
        value=[],
        label="More columns",
        info="The backend that ran the model, and performance figures measured with the energy (where present)",
        visible=False,
        elem_id="lb-columns",
    )
    callout = gr.HTML(js_on_load=None, elem_id="lb-callout")
    table = gr.HTML(js_on_load=TABLE_JS, elem_id="lb-table", min_height=120, apply_default_css=False)
    page = gr.State(0)
    with gr.Row(equal_height=True):
        prev_btn = gr.Button("← Previous", size="sm", scale=0, min_width=110, elem_id="lb-prev")
        pager = gr.Markdown(elem_id="lb-pager")
        next_btn = gr.Button("Next →", size="sm", scale=0, min_width=110, elem_id="lb-next")
    with gr.Row(equal_height=True):
        # The CSV is written only when asked for: the button asks, then the hidden download button fetches it.
        csv_btn = gr.Button("Download this view (CSV)", size="sm", elem_id="lb-csv")
        csv_file = gr.DownloadButton("CSV", size="sm", elem_id="lb-csv-file", elem_classes="lb-hidden")
        # The version's JSON too (megabytes for a large version): written on the first click, then kept.
        json_btn = gr.Button("Download the whole version (JSON)", size="sm", elem_id="lb-json")
        json_file = gr.DownloadButton("JSON", size="sm", elem_id="lb-json-file", elem_classes="lb-hidden")
    model = gr.Dropdown(
        label="Model (for the detail view and the calculator)",
        choices=[],
        allow_custom_value=True,
        info=f"Lists the first {MAX_MODEL_CHOICES} rows of the view: search above to find any other.",
        elem_id="lb-model",
    )
    with gr.Tabs(selected="plots") as tabs:
        with gr.Tab("Plots", id="plots") as plots_tab:
            plot_energy = gr.Plot(show_label=False)
            plot_params = gr.Plot(show_label=False)
            plot_quality = gr.Plot(show_label=False, visible=False)
            plot_latency = gr.Plot(show_label=False, visible=False)
            plot_note = gr.HTML(visible=False, elem_id="lb-plot-note")
            plot_key = gr.State("")
            # Whether the Plots tab is the one shown: figures are built and sent only then.
            plots_shown = gr.State(True)
        with gr.Tab("Model detail", id="detail") as detail_tab:
            detail = gr.HTML(js_on_load=None, elem_id="lb-detail", apply_default_css=False)
        with gr.Tab("Compare", id="compare") as compare_tab:
            compare_pick = gr.Dropdown(
                label="Compare results (two to four, of this task)",
                choices=[],
                multiselect=True,
                max_choices=MAX_COMPARE,
                elem_id="lb-compare-pick",
                info=f"Settings that differ are highlighted. Lists the first {MAX_MODEL_CHOICES} rows of the view: "
                "search above to find others.",
            )
            compare = gr.HTML(js_on_load=None, elem_id="lb-compare", apply_default_css=False)
        with gr.Tab("Workload calculator", id="calculator") as calculator_tab:
            queries, grid, pue, server = _calculator_settings()
            calc = gr.HTML(js_on_load=None, elem_id="lb-calc")
    return LeaderboardWidgets(
        version=version,
        task=task,
        model_class=model_class,
        query=query,
        sort=sort,
        descending=descending,
        hardware=hardware,
        columns=columns,
        callout=callout,
        table=table,
        page=page,
        prev_btn=prev_btn,
        pager=pager,
        next_btn=next_btn,
        csv_btn=csv_btn,
        csv_file=csv_file,
        json_btn=json_btn,
        json_file=json_file,
        model=model,
        tabs=tabs,
        plot_energy=plot_energy,
        plot_params=plot_params,
        plot_quality=plot_quality,
        plot_latency=plot_latency,
        plot_note=plot_note,
        plot_key=plot_key,
        plots_tab=plots_tab,
        other_tabs=(detail_tab, compare_tab, calculator_tab),
        plots_shown=plots_shown,
        detail=detail,
        compare_pick=compare_pick,
        compare=compare,
        queries=queries,
        grid=grid,
        pue=pue,
        server=server,
        calc=calc,
    )
