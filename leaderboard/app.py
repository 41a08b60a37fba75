"""The leaderboard's Gradio app: connects the layout (leaderboard.widgets) to the handlers
(leaderboard.handlers); the logic lives in leaderboard.views and the modules it uses.

`build_demo(store)` returns the Blocks; the suite mounts it under /leaderboard, `python -m leaderboard`
serves it alone. A page loaded with `?result=<id>` opens that result's detail view (what a label's QR
code links to); `?compare=<id>,<id>` opens the Compare tab with those results chosen; `?task=<id>` and
`?version=<id>` select a task and a version.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Literal

import gradio as gr

from leaderboard.handlers import LeaderboardHandlers
from leaderboard.render import COLUMNS_JS, SCROLL_ON_RESULT_LINK_JS, SCROLL_TO_DETAIL_JS
from leaderboard.views import Leaderboard
from leaderboard.widgets import LeaderboardWidgets, build_widgets
from shared.store.factory import open_store
from shared.store.models import Store
from shared.web.blocks import NoHistoryBlocks
from shared.web.config import SiteConfig
from shared.web.links import Links

# Visitors click through views quickly: a thin progress bar instead of an overlay on every part.
FAST: Literal["minimal"] = "minimal"
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.svg"
# After the CSV (or the JSON) is written, fetch it through the hidden download button (one click for the visitor).
CLICK_CSV_JS = "() => { const b = document.querySelector('#lb-csv-file'); if (b) { b.click(); } }"
CLICK_JSON_JS = "() => { const b = document.querySelector('#lb-json-file'); if (b) { b.click(); } }"


class LeaderboardBlocks(NoHistoryBlocks):
    """The leaderboard's Blocks, without gradio's run history, with the suite's favicon.

    The history keeps every event's outputs in the browser's localStorage: a leaderboard answers each
    click with a page of table HTML and figures, so it grew by megabytes in a few clicks. It is off
    whatever the launcher asks (as in the portal).
    """

    @property  # type: ignore[override]
    def favicon_path(self) -> str:
        """The suite's star icon, whoever launches or mounts the app (both would set None otherwise)."""
        return str(FAVICON)

    @favicon_path.setter
    def favicon_path(self, value: object) -> None:
        pass


def wire(demo: gr.Blocks, w: LeaderboardWidgets, h: LeaderboardHandlers) -> None:
    """Connect every event of the page (call inside `demo`'s context)."""
    lb = h.lb
    load = demo.load(
        h.on_load,
        None,
        [
            w.version,
            w.task,
            w.model_class,
            w.hardware,
            w.columns,
            *w.table_outputs,
            w.model,
            w.detail,
            w.calc,
            *w.compare_outputs,
            w.tabs,
            w.plots_shown,
        ],
    )
    load.then(None, js=SCROLL_ON_RESULT_LINK_JS)
    load.then(h.plots, w.plot_inputs, w.plot_outputs)
    for trigger in (w.version.input, w.task.input):
        ev = trigger(
            h.on_context,
            [w.version, w.task, w.query, w.sort, w.descending, w.hardware, w.columns, w.model, w.compare_pick],
            [w.model_class, w.columns, *w.table_outputs, w.model, w.detail, *w.compare_outputs],
            show_progress=FAST,
        )
        ev.then(h.plots, w.plot_inputs, w.plot_outputs)
    # The search box is never set by a handler, so its change is always the visitor's typing.
    for trigger, replot in (
        (w.model_class.input, True),
        (w.hardware.input, True),
        (w.query.change, True),
        (w.sort.input, False),
        (w.descending.input, False),
    ):
        ev = trigger(
            h.on_filter,
            [*w.filters, w.model, w.compare_pick],
            [*w.table_outputs, w.model, *w.compare_outputs],
            trigger_mode="always_last",
            show_progress=FAST,
        )
        if replot:
            ev.then(h.plots, w.plot_inputs, w.plot_outputs)
    w.prev_btn.click(h.previous_page, [*w.filters, w.page], w.table_outputs, show_progress=FAST)
    w.next_btn.click(h.next_page, [*w.filters, w.page], w.table_outputs, show_progress=FAST)
    w.table.sort_column(h.on_header, w.filters, [w.sort, w.descending, *w.table_outputs], show_progress=FAST)
    # Showing or hiding an optional column is the browser's work alone (a style rule): no server round trip.
    w.columns.change(None, w.columns, None, js=COLUMNS_JS)
    w.csv_btn.click(h.on_csv, w.filters, w.csv_file, show_progress=FAST).success(None, js=CLICK_CSV_JS)
    w.json_btn.click(h.on_json, w.version, w.json_file, show_progress=FAST).success(None, js=CLICK_JSON_JS)
    calc_ins = list(w.calculator_inputs)
    opened = w.table.open_result(
        h.on_open, [w.version, *calc_ins], [w.model, w.detail, w.calc, w.tabs, w.plots_shown], show_progress=FAST
    )
    opened.then(None, js=SCROLL_TO_DETAIL_JS)
    picked = w.model.input(
        h.on_model, [w.version, w.model, *calc_ins], [w.detail, w.calc, w.tabs, w.plots_shown], show_progress=FAST
    )
    picked.then(None, js=SCROLL_TO_DETAIL_JS)
    # The figures are built only while their tab is shown: selecting it builds those of the view shown.
    w.plots_tab.select(lambda: True, None, w.plots_shown, show_progress="hidden").then(
        h.plots, w.plot_inputs, w.plot_outputs
    )
    for tab in w.other_tabs:
        tab.select(lambda: False, None, w.plots_shown, show_progress="hidden")
    w.compare_pick.input(lb.compare, [w.version, w.compare_pick, w.task], w.compare, show_progress=FAST)
    for setting in w.calculator_inputs:
        setting.change(lb.calculator, [w.version, w.model, *calc_ins], w.calc, show_progress=FAST)


def build_demo(store: Store | None = None, warm_up: bool = True, links: Links | None = None) -> gr.Blocks:
    """The leaderboard app on `store` (the configured store by default), linking by `links` (by default
    the addresses the environment configures).

    With `warm_up`, the latest version is read in a background thread right away, so the first
    visitor finds it cached.
    """
    links = links or SiteConfig.from_env().links
    lb = Leaderboard(store or open_store(), links=links)
    if warm_up:
        threading.Thread(target=lb.warm_up, name="leaderboard-warm-up", daemon=True).start()
    with LeaderboardBlocks(title="AI Energy Score: leaderboard") as demo:
        wire(demo, build_widgets(links), LeaderboardHandlers(lb))
    return demo
