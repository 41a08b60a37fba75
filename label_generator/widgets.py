"""The label generator's components, laid out (no event is connected here: see label_generator.app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.components import Component

from shared.method.classes import ModelClass
from shared.method.tasks import TASKS
from shared.web.links import Links

INTRO = (
    "## Energy label\nThe verifiable label of a rated model: its QR code and link lead to the "
    "exact result on the leaderboard, and the PNG carries the result id, energy, version "
    "and bundle hash in its metadata."
)


@dataclass(frozen=True, eq=False)
class LabelWidgets:
    """The components of the app that events read or update."""

    task: gr.Dropdown
    search: gr.Textbox
    model: gr.Dropdown
    version: gr.Dropdown
    t_model: gr.Textbox
    t_task: gr.Dropdown
    t_energy: gr.Number
    t_stars: gr.Slider
    t_class: gr.Dropdown
    t_version: gr.Textbox
    t_hardware: gr.Textbox
    make: gr.Button
    info: gr.Markdown
    preview: gr.Image
    png_btn: gr.DownloadButton
    svg_btn: gr.DownloadButton
    badge: gr.Textbox

    @property
    def pickers(self) -> list[Component]:
        """Task, model and version of a published result."""
        return [self.task, self.model, self.version]

    @property
    def label_outputs(self) -> list[Component]:
        """What shows a label: preview, PNG and SVG buttons, badge, info."""
        return [self.preview, self.png_btn, self.svg_btn, self.badge, self.info]

    @property
    def typed_inputs(self) -> list[Component]:
        """The fields of a self-reported label."""
        return [self.t_model, self.t_task, self.t_energy, self.t_stars, self.t_version, self.t_hardware, self.t_class]


# The badge's box grows with its text (a few wrapped lines) up to BADGE_MAX_LINES, then scrolls: a
# gr.Code box takes its height from the first line's wrapped height and leaves a large empty area.
BADGE_LINES, BADGE_MAX_LINES = 2, 8
PREVIEW_WIDTH = 300  # the label preview's column: the 260 px label plus the image frame
# The self-reported tab's class field: the class the typed stars compare, for a task rated per class.
CLASS_CHOICES = [("not stated", "")] + [(f"{c.value}: {c.description}", c.value) for c in ModelClass]


def class_visible(task_id: str | None) -> bool:
    """True when the task is rated per class, so the self-reported tab asks for the class."""
    task = TASKS.get(task_id or "")
    return bool(task and task.has_classes)


def show_class(task_id: str | None) -> dict[str, Any]:
    """The class field's update for the self-reported tab's task: shown for a task rated per class."""
    return gr.update(visible=class_visible(task_id))


def build_widgets(links: Links) -> LabelWidgets:
    """Lay the app out inside the current gr.Blocks; `links` fill the navigation bar.

    The label sits in a narrow column of its own on the right and everything else (pickers, info,
    downloads, badge) in the wide column beside it, so no column is left half empty beside the other.
    """
    gr.HTML(links.nav_html("label"))
    gr.Markdown(INTRO)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1):
            with gr.Tab("From the leaderboard"):
                task = gr.Dropdown(label="Task", choices=[], elem_id="label-task")
                # Thousands of models would make every response and the page heavy: the picker lists
                # the first matches and the search box finds the others on the server.
                search = gr.Textbox(
                    label="Search models", placeholder="type part of a model id", elem_id="label-search"
                )
                model = gr.Dropdown(label="Model", choices=[], elem_id="label-model")
                version = gr.Dropdown(label="Leaderboard version", choices=[], elem_id="label-version")
            with gr.Tab("Self-reported"):
                t_model = gr.Textbox(label="Model (provider/name)", placeholder="acme/my-model")
                t_task = gr.Dropdown(
                    label="Task",
                    choices=[(t.display_name, t.id) for t in TASKS.values()],
                    value=next(iter(TASKS)),
                    elem_id="label-t-task",
                )
                t_energy = gr.Number(label="GPU energy, Wh per 1,000 queries", value=None, minimum=0)
                t_stars = gr.Slider(label="Stars", minimum=0, maximum=5, step=1, value=3)
                t_class = gr.Dropdown(
                    label="Class (the stars compare models of one class)",
                    choices=CLASS_CHOICES,
                    value="",
                    visible=class_visible(next(iter(TASKS))),
                    elem_id="label-t-class",
                )
                t_version = gr.Textbox(label="Scored (version or date)", placeholder="November 2026")
                t_hardware = gr.Textbox(label="Hardware", placeholder="NVIDIA H100 80GB HBM3")
                make = gr.Button("Make label", variant="primary")
            info = gr.Markdown(elem_id="label-info")
            with gr.Row():
                png_btn = gr.DownloadButton("Download PNG", interactive=False, elem_id="label-png")
                svg_btn = gr.DownloadButton("Download SVG", interactive=False, elem_id="label-svg")
            badge = gr.Textbox(
                label="Badge for a model card (Markdown)",
                lines=BADGE_LINES,
                max_lines=BADGE_MAX_LINES,
                interactive=False,
                buttons=["copy"],
                elem_id="label-badge",
            )
        with gr.Column(scale=0, min_width=PREVIEW_WIDTH, elem_id="label-preview-col"):
            # No label chip nor buttons: gradio lays them over the image's top, on the label's header
            # (the downloads are the buttons beside it).
            preview = gr.Image(
                label="Label",
                show_label=False,
                buttons=[],
                alt_text="Energy label",
                type="filepath",
                format="png",
                interactive=False,
                height=420,
                width=PREVIEW_WIDTH,
                elem_id="label-preview",
            )
    return LabelWidgets(
        task=task,
        search=search,
        model=model,
        version=version,
        t_model=t_model,
        t_task=t_task,
        t_energy=t_energy,
        t_stars=t_stars,
        t_class=t_class,
        t_version=t_version,
        t_hardware=t_hardware,
        make=make,
        info=info,
        preview=preview,
        png_btn=png_btn,
        svg_btn=svg_btn,
        badge=badge,
    )
