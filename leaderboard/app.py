"""The leaderboard's Gradio app: connects the layout (leaderboard.widgets) to the handlers
(leaderboard.handlers); the logic lives in leaderboard.views and the modules it uses.

`build_demo(store)` returns the Blocks; the suite mounts it under /leaderboard, `python -m leaderboard`
serves it alone. A page loaded with `?result=<id>` opens that result's detail view (what a label's QR
code links to); `?compare=<id>,<id>` opens the Compare tab with those results chosen; `?task=<id>` and
`?version=<id>` select a task and a version.
"""

from __future__ import annotations

import threading
from typing import Literal

import gradio as gr

from leaderboard.handlers import LeaderboardHandlers
from leaderboard.views import Leaderboard
from leaderboard.widgets import LeaderboardWidgets, build_widgets
from shared.store.factory import open_store
from shared.store.models import Store
from shared.web.config import SiteConfig
from shared.web.links import Links

# Visitors click through views quickly: a thin progress bar instead of an overlay on every part.
FAST: Literal["minimal"] = "minimal"


def wire(demo: gr.Blocks, w: LeaderboardWidgets, h: LeaderboardHandlers) -> None:
    """Connect every event of the page (call inside `demo`'s context)."""
    lb = h.lb
    load = demo.load(
        h.on_load,
        None,
        [w.version, w.task, w.model_class, *w.table_outputs, w.model, w.detail, w.calc, *w.compare_outputs, w.tabs],
    )
    load.then(h.plots, w.plot_inputs, w.plot_outputs).then(lb.version_json_path, w.version, w.json_btn)
    for trigger in (w.version.input, w.task.input):
        ev = trigger(
            h.on_context,
            [w.version, w.task, w.query, w.sort, w.descending, w.model, w.compare_pick],
            [w.model_class, *w.table_outputs, w.model, w.detail, *w.compare_outputs],
            show_progress=FAST,
        )
        ev.then(h.plots, w.plot_inputs, w.plot_outputs)
    w.version.input(lb.version_json_path, w.version, w.json_btn)
    # The search box is never set by a handler, so its change is always the visitor's typing.
    for trigger, replot in (
        (w.model_class.input, True),
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
    calc_ins = list(w.calculator_inputs)
    w.table.open_result(h.on_open, [w.version, *calc_ins], [w.model, w.detail, w.calc, w.tabs], show_progress=FAST)
    w.model.input(h.on_model, [w.version, w.model, *calc_ins], [w.detail, w.calc], show_progress=FAST)
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
    with gr.Blocks(title="AI Energy Score: leaderboard") as demo:
        wire(demo, build_widgets(links), LeaderboardHandlers(lb))
    return demo
