"""The label generator's event handlers: translate between widget values and label_generator.data.

Every handler that shows a label returns the values of `LabelWidgets.label_outputs` (preview, PNG
button, SVG button, badge, info), after the three pickers when it also moves them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from label_generator.badge import badge_markdown
from label_generator.catalog import catalog, split_version_key, task_choices, version_choices, version_key
from label_generator.data import LabelData, label_for_result, match_result, typed
from label_generator.files import LabelFiles
from shared.store.models import Store
from shared.web.links import Links

NO_VERSION = "No published leaderboard version yet: type a self-reported label."


def describe(data: LabelData) -> str:
    """What the info box says about a label: verified (with its link) or self-reported."""
    if data.verified:
        return (
            f"**Verified label** of result `{data.result_id}` ({data.version}). "
            f"Its QR code and link lead to [the result on the leaderboard]({data.link})."
        )
    return "**Self-reported label**: these values match no approved result, and the label says so."


class LabelHandlers:
    """The callbacks of the app, bound to one store, its links and a folder for the files."""

    def __init__(self, store: Store, links: Links, files: LabelFiles | None = None) -> None:
        self.store = store
        self.links = links
        self.files = files or LabelFiles()

    def label_outputs(self, data: LabelData | None, note: str = "") -> list[Any]:
        """Preview, download buttons, badge and info of a label (all cleared for None, with `note`)."""
        if data is None:
            return [
                None,
                gr.DownloadButton(value=None, interactive=False),
                gr.DownloadButton(value=None, interactive=False),
                "",
                note,
            ]
        written = self.files.write(data)
        return [
            str(written.png),
            gr.DownloadButton(value=str(written.png), interactive=True),
            gr.DownloadButton(value=str(written.svg), interactive=True),
            badge_markdown(data),
            (note + "\n\n" if note else "") + describe(data) + written.missing_note,
        ]

    def pick(self, task_id: str | None, model_id: str | None, key: str | None) -> list[Any]:
        """Picker updates and label for a (possibly partial) choice: missing parts take the first option."""
        cat = catalog(self.store)
        if not cat:
            return [
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
                *self.label_outputs(None, NO_VERSION),
            ]
        task_id = task_id if task_id in cat else next(iter(cat))
        models = cat[task_id]
        model_id = model_id if model_id in models else next(iter(models))
        versions = version_choices(models[model_id])
        keys = [v for _, v in versions]
        key = key if key in keys else keys[0]
        version_id, result_id = split_version_key(key)
        data = label_for_result(self.store, result_id, version_id, self.links)
        return [
            gr.Dropdown(choices=task_choices(cat), value=task_id),
            gr.Dropdown(choices=list(models), value=model_id),
            gr.Dropdown(choices=versions, value=key),
            *self.label_outputs(data),
        ]

    def pick_task(self, task_id: str | None) -> list[Any]:
        """A task chosen: its first model's newest result."""
        return self.pick(task_id, None, None)

    def pick_model(self, task_id: str | None, model_id: str | None) -> list[Any]:
        """A model chosen: its newest result."""
        return self.pick(task_id, model_id, None)

    def on_load(self, request: gr.Request) -> list[Any]:
        """The first label: the page's `?result=` (and `&version=`), else the first published result."""
        result_id = (request.query_params.get("result") or "").strip() if request else ""
        if not result_id:
            return self.pick(None, None, None)
        try:
            data = label_for_result(self.store, result_id, request.query_params.get("version") or None, self.links)
            return self.pick(data.task_id, data.model_id, version_key(data.version_id, data.result_id))
        except LookupError as exc:
            outputs = self.pick(None, None, None)
            outputs[-1] = f"{exc} Showing another result.\n\n" + str(outputs[-1])
            return outputs

    def on_typed(
        self, model: str, task: str, energy: float | None, stars: float | None, version: str, hardware: str
    ) -> list[Any]:
        """'Make label' on the self-reported tab: the verified label when the values match one, else theirs."""
        try:
            data = typed(
                model or "",
                task or "",
                float(energy if energy is not None else -1),
                int(stars or 0),
                version or "",
                hardware or "",
                links=self.links,
            )
        except ValueError as exc:
            return self.label_outputs(None, f"**Cannot make this label:** {exc}")
        match = match_result(self.store, data, self.links)
        if match is not None:
            return self.label_outputs(match, f"These values match the approved result `{match.result_id}`.")
        return self.label_outputs(data)
