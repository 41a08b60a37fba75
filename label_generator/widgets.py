"""The label generator's components, laid out (no event is connected here: see label_generator.app)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from gradio.components import Component

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
    t_version: gr.Textbox
    t_hardware: gr.Textbox
    make: gr.Button
    info: gr.Markdown
    preview: gr.Image
    png_btn: gr.DownloadButton
    svg_btn: gr.DownloadButton
    badge: gr.Code

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
        return [self.t_model, self.t_task, self.t_energy, self.t_stars, self.t_version, self.t_hardware]


PREVIEW_WIDTH = 300  # the label preview's column: the 260 px label plus the image frame


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
                    label="Task", choices=[(t.display_name, t.id) for t in TASKS.values()], value=next(iter(TASKS))
                )
                t_energy = gr.Number(label="GPU energy, Wh per 1,000 queries", value=None, minimum=0)
                t_stars = gr.Slider(label="Stars", minimum=0, maximum=5, step=1, value=3)
                t_version = gr.Textbox(label="Scored (version or date)", placeholder="November 2026")
                t_hardware = gr.Textbox(label="Hardware", placeholder="NVIDIA H100 80GB HBM3")
                make = gr.Button("Make label", variant="primary")
            info = gr.Markdown(elem_id="label-info")
            with gr.Row():
                png_btn = gr.DownloadButton("Download PNG", interactive=False, elem_id="label-png")
                svg_btn = gr.DownloadButton("Download SVG", interactive=False, elem_id="label-svg")
            badge = gr.Code(
                label="Badge for a model card (Markdown)",
                language="markdown",
                interactive=False,
                wrap_lines=True,
                elem_id="label-badge",
            )
        with gr.Column(scale=0, min_width=PREVIEW_WIDTH, elem_id="label-preview-col"):
            preview = gr.Image(
                label="Label",
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
        t_version=t_version,
        t_hardware=t_hardware,
        make=make,
        info=info,
        preview=preview,
        png_btn=png_btn,
        svg_btn=svg_btn,
        badge=badge,
    )
