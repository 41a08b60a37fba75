"""The label generator app: choose task, model and version of a published result and download its
label (PNG, SVG, badge Markdown); or type the fields for a self-reported label.

`build_demo(store)` returns the Gradio Blocks; the suite mounts it under /label, `python -m
label_generator` serves it alone. `?result=<id>` (and optionally `&version=<id>`) preselects a result.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from label_generator.badge import badge_markdown
from label_generator.data import LabelData, label_for_result, match_result, typed
from label_generator.layout import build_layout
from label_generator.render import render_layout, to_png
from label_generator.svg import render_svg
from shared.method.tasks import TASKS
from shared.method.units import format_energy
from shared.store.factory import open_store
from shared.store.models import Store
from shared.web.links import nav_html

SEP = "|"  # between version id and result id in the version dropdown's values


@dataclass(frozen=True)
class Entry:
    """One published result as the pickers offer it."""

    version_id: str
    version_name: str
    result_id: str
    energy_wh_per_1k: float


def catalog(store: Store) -> dict[str, dict[str, list[Entry]]]:
    """task id -> model id -> its results in published versions, newest version first."""
    out: dict[str, dict[str, list[Entry]]] = {}
    for info in store.versions():
        for rated in store.version_results(info.id):
            rec = rated.record
            out.setdefault(rec.task_id, {}).setdefault(rec.model_id, []).append(
                Entry(info.id, info.name, rated.result_id, rec.gpu_energy_wh_per_1k)
            )
    order = list(TASKS)
    return {
        t: dict(sorted(out[t].items(), key=lambda kv: kv[0].lower()))
        for t in sorted(out, key=lambda t: order.index(t) if t in order else len(order))
    }


def _task_choices(cat: dict[str, dict[str, list[Entry]]]) -> list[tuple[str, str]]:
    return [(TASKS[t].display_name if t in TASKS else t, t) for t in cat]


def _version_choices(entries: list[Entry]) -> list[tuple[str, str]]:
    names = [e.version_name for e in entries]
    return [
        (
            e.version_name
            if names.count(e.version_name) == 1
            else f"{e.version_name} · {format_energy(e.energy_wh_per_1k)} ({e.result_id})",
            f"{e.version_id}{SEP}{e.result_id}",
        )
        for e in entries
    ]


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", s).strip("-")[:80] or "model"


class LabelFiles:
    """Writes a label's PNG and SVG into a private temporary folder, named by content."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="aienergy-label-"))

    def write(self, data: LabelData) -> tuple[Path, Path, str]:
        """(PNG path, SVG path, note on characters no font could draw) of `data`'s label."""
        layout = build_layout(data)
        png = to_png(render_layout(layout), data)
        digest = hashlib.sha256(png).hexdigest()[:10]
        stem = f"ai-energy-label-{_slug(data.model_id)}-{data.result_id or 'self-reported'}-{digest}"
        png_path, svg_path = self.folder / f"{stem}.png", self.folder / f"{stem}.svg"
        png_path.write_bytes(png)
        svg_path.write_text(render_svg(data), encoding="utf-8")
        missing = "".join(sorted(layout.missing_glyphs))
        note = f"\n\nNo font on this server draws these characters: {missing}" if missing else ""
        return png_path, svg_path, note


def _describe(data: LabelData) -> str:
    if data.verified:
        return (
            f"**Verified label** of result `{data.result_id}` ({data.version}). "
            f"Its QR code and link lead to [the result on the leaderboard]({data.link})."
        )
    return "**Self-reported label**: these values match no approved result, and the label says so."


def build_demo(store: Store | None = None) -> gr.Blocks:
    """The label generator on `store` (the configured store by default)."""
    store = store or open_store()
    files = LabelFiles()

    def label_outputs(data: LabelData | None, note: str = "") -> list[Any]:
        if data is None:
            return [
                None,
                gr.DownloadButton(value=None, interactive=False),
                gr.DownloadButton(value=None, interactive=False),
                "",
                note,
            ]
        png, svg, missing = files.write(data)
        return [
            str(png),
            gr.DownloadButton(value=str(png), interactive=True),
            gr.DownloadButton(value=str(svg), interactive=True),
            badge_markdown(data),
            (note + "\n\n" if note else "") + _describe(data) + missing,
        ]

    def pick(task_id: str | None, model_id: str | None, version_key: str | None) -> list[Any]:
        """Dropdown updates and label for a (possibly partial) choice: missing parts take the first
        option."""
        cat = catalog(store)
        if not cat:
            return [
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
                *label_outputs(None, "No published leaderboard version yet: type a self-reported label."),
            ]
        task_id = task_id if task_id in cat else next(iter(cat))
        models = cat[task_id]
        model_id = model_id if model_id in models else next(iter(models))
        versions = _version_choices(models[model_id])
        keys = [v for _, v in versions]
        version_key = version_key if version_key in keys else keys[0]
        version_id, result_id = version_key.split(SEP, 1)
        data = label_for_result(store, result_id, version_id)
        return [
            gr.Dropdown(choices=_task_choices(cat), value=task_id),
            gr.Dropdown(choices=list(models), value=model_id),
            gr.Dropdown(choices=versions, value=version_key),
            *label_outputs(data),
        ]

    def on_load(request: gr.Request) -> list[Any]:
        result_id = (request.query_params.get("result") or "").strip() if request else ""
        if result_id:
            try:
                data = label_for_result(store, result_id, request.query_params.get("version") or None)
                return pick(data.task_id, data.model_id, f"{data.version_id}{SEP}{data.result_id}")
            except LookupError as exc:
                outputs = pick(None, None, None)
                outputs[-1] = f"{exc} Showing another result.\n\n" + str(outputs[-1])
                return outputs
        return pick(None, None, None)

    def on_typed(
        model: str, task: str, energy: float | None, stars: float | None, version: str, hardware: str
    ) -> list[Any]:
        try:
            data = typed(
                model or "",
                task or "",
                float(energy if energy is not None else -1),
                int(stars or 0),
                version or "",
                hardware or "",
            )
        except ValueError as exc:
            return label_outputs(None, f"**Cannot make this label:** {exc}")
        match = match_result(store, data)
        if match is not None:
            return label_outputs(match, f"These values match the approved result `{match.result_id}`.")
        return label_outputs(data)

    with gr.Blocks(title="AI Energy Score · Energy label") as demo:
        gr.HTML(nav_html("label"))
        gr.Markdown(
            "## Energy label\nThe verifiable label of a rated model: its QR code and link lead to the "
            "exact result on the leaderboard, and the PNG carries the result id, energy, version "
            "and bundle hash in its metadata."
        )
        with gr.Row():
            with gr.Column(scale=1):
                with gr.Tab("From the leaderboard"):
                    task = gr.Dropdown(label="Task", choices=[], elem_id="label-task")
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
            with gr.Column(scale=1):
                preview = gr.Image(
                    label="Label", type="filepath", format="png", interactive=False, height=380, elem_id="label-preview"
                )
                with gr.Row():
                    png_btn = gr.DownloadButton("Download PNG", interactive=False, elem_id="label-png")
                    svg_btn = gr.DownloadButton("Download SVG", interactive=False, elem_id="label-svg")
                badge = gr.Code(
                    label="Badge for a model card (Markdown)", language="markdown", interactive=False, wrap_lines=True
                )

        label_out = [preview, png_btn, svg_btn, badge, info]
        pickers = [task, model, version]
        demo.load(on_load, None, pickers + label_out)
        task.input(lambda t: pick(t, None, None), task, pickers + label_out)
        model.input(lambda t, m: pick(t, m, None), [task, model], pickers + label_out)
        version.input(pick, pickers, pickers + label_out)
        make.click(on_typed, [t_model, t_task, t_energy, t_stars, t_version, t_hardware], label_out)
    return demo
