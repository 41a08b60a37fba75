"""The label generator app: choose task, model and version of a published result and download its
label (PNG, SVG, badge Markdown); or type the fields for a self-reported label.

`build_demo(store)` returns the Gradio Blocks; the suite mounts it under /label, `python -m
label_generator` serves it alone. `?result=<id>` (and optionally `&version=<id>`) preselects a result.
Layout: label_generator.widgets; callbacks: label_generator.handlers; this module connects them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from label_generator.handlers import LabelHandlers
from label_generator.widgets import LabelWidgets, build_widgets, show_class
from shared.store.factory import open_store
from shared.store.models import Store
from shared.web.blocks import NoHistoryBlocks
from shared.web.config import SiteConfig
from shared.web.links import Links


class LabelBlocks(NoHistoryBlocks):
    """Blocks without gradio's run history: it would keep every label event (and its files' paths) in
    the visitor's browser storage and re-send nothing useful; the portal turns it off the same way."""


def wire(demo: gr.Blocks, w: LabelWidgets, h: LabelHandlers) -> None:
    """Connect every event of the app (call inside `demo`'s context)."""
    shown = [*w.pickers, *w.label_outputs]
    demo.load(h.on_load, None, shown)
    # A choice in a dropdown: `select` fires once per choice (gradio's dropdown fires `input` twice, and two
    # events each render and send the label). Progress shows on the label alone: an overlay on all eight
    # outputs costs the page more time than the event itself.
    quick: dict[str, Any] = {"show_progress": "minimal", "show_progress_on": [w.preview]}
    w.task.select(h.pick_task, [w.task, w.search], shown, **quick)
    # Each keystroke asks the server for matches; a newer one replaces an answer still pending.
    w.search.input(h.search, [w.task, w.search], shown, trigger_mode="always_last", show_progress="hidden")
    w.model.select(h.pick_model, [w.task, w.model, w.search], shown, **quick)
    w.version.select(h.pick, w.pickers, shown, **quick)
    w.make.click(h.on_typed, w.typed_inputs, w.label_outputs)
    # The class field is asked only for a task rated per class.
    w.t_task.change(show_class, w.t_task, w.t_class, show_progress="hidden")


def build_demo(store: Store | None = None, links: Links | None = None) -> gr.Blocks:
    """The label generator on `store` (the configured store by default), linking by `links` (by default
    the addresses the environment configures). The pickers' index of the published versions (model ids
    and result ids, no record) is read here, not on the first visitor's request."""
    links = links or SiteConfig.from_env().links
    handlers = LabelHandlers(store or open_store(), links)
    handlers.index.current()
    with LabelBlocks(title="AI Energy Score · Energy label") as demo:
        wire(demo, build_widgets(links), handlers)
    demo.label_handlers = handlers  # type: ignore[attr-defined]  # for tests and benchmarks
    return demo
