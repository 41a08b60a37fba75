"""The label generator's event handlers: translate between widget values and label_generator.data.

Every handler that shows a label returns the values of `LabelWidgets.label_outputs` (preview, PNG
button, SVG button, badge, info), after the three pickers when it also moves them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from label_generator.badge import badge_markdown
from label_generator.catalog import (
    MAX_MODEL_CHOICES,
    CatalogView,
    LabelIndex,
    split_version_key,
    task_choices,
    version_choices,
    version_key,
)
from label_generator.data import LabelData, label_for_result, match_result, typed
from label_generator.files import LabelFiles
from shared.store.models import Store
from shared.web.links import Links

NO_VERSION = "No published leaderboard version yet: type a self-reported label."


def describe(data: LabelData) -> str:
    """What the info box says about a label: verified, a published figure (with its link), or
    self-reported; and whether it was measured on a random-weight replica."""
    replica = (
        " Measured on a **random-weight replica** of the model: the energy of its architecture, not of the "
        "trained model; the label says so under the name."
        if data.random_weights
        else ""
    )
    if data.verified:
        return (
            f"**Verified label** of result `{data.result_id}` ({data.version}): re-derived by the portal from the "
            f"raw counter readings of its bundle. Its QR code and link lead to [the result on the leaderboard]"
            f"({data.link}).{replica}"
        )
    if data.linked:
        return (
            f"**Published figure** of result `{data.result_id}`: {data.provenance}. It is shown as published; no "
            f"raw readings are held for it, so it is not re-derived like a verified label. Its QR code and link "
            f"lead to [the result on the leaderboard]({data.link}).{replica}"
        )
    return "**Self-reported label**: these values match no approved result, and the label says so."


class LabelHandlers:
    """The callbacks of the app, bound to one store, its links and a folder for the files."""

    def __init__(self, store: Store, links: Links, files: LabelFiles | None = None) -> None:
        self.store = store
        self.links = links
        self.files = files or LabelFiles()
        self.index = LabelIndex(store)

    def label_outputs(self, data: LabelData | None, note: str = "") -> list[Any]:
        """Preview, download buttons, badge and info of a label (all cleared for None, with `note`).

        The buttons get updates, not new components: building a component copies its file into gradio's
        cache on the spot, which gradio's post-processing does anyway."""
        if data is None:
            return [None, gr.update(value=None, interactive=False), gr.update(value=None, interactive=False), "", note]
        written = self.files.write(data)
        return [
            str(written.png),
            gr.update(value=str(written.png), interactive=True),
            gr.update(value=str(written.svg), interactive=True),
            badge_markdown(data),
            (note + "\n\n" if note else "") + describe(data) + written.missing_note,
        ]

    def pick(self, task_id: str | None, model_id: str | None, key: str | None, query: str | None = "") -> list[Any]:
        """Picker updates and label for a (possibly partial) choice: a missing task and model take the
        default (a real model of the newest version), a missing model the first of the task matching
        `query`, a missing version the model's newest. Reads the version list and the one result shown;
        the model picker lists at most MAX_MODEL_CHOICES models (the search box finds the others)."""
        view = self.index.current()
        default = view.default()
        if default is None:
            return [
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
                gr.Dropdown(choices=[], value=None),
                *self.label_outputs(None, NO_VERSION),
            ]
        tasks = view.tasks
        if task_id not in tasks and model_id is None:
            task_id, model_id, key = default
        task_id = task_id if task_id in tasks else default[0]
        shown, total = view.search(task_id, query)
        if not view.has_model(task_id, model_id):
            model_id = shown[0] if shown else view.models(task_id)[0]
        assert model_id is not None  # has_model or the task's first
        if model_id not in shown:  # the chosen model is always among the choices
            shown = [model_id, *shown[: MAX_MODEL_CHOICES - 1]]
        versions = self._version_choices(view, task_id, model_id)
        keys = [v for _, v in versions]
        key = key if key in keys else keys[0]
        version_id, result_id = split_version_key(key)
        data = label_for_result(self.store, result_id, version_id, self.links, view.names)
        n_models = len(view.models(task_id))
        count = f"{total:,} of {n_models:,} models match" if query and query.strip() else f"{n_models:,} models"
        more = f"; {len(shown)} listed, type in the search box to find the others" if total > len(shown) else ""
        return [
            gr.Dropdown(choices=task_choices(view), value=task_id),
            gr.Dropdown(choices=shown, value=model_id, info=count + more),
            gr.Dropdown(choices=versions, value=key),
            *self.label_outputs(data),
        ]

    def _version_choices(self, view: CatalogView, task_id: str, model_id: str) -> list[tuple[str, str]]:
        """The version picker's choices of a model; the energies are read only of results that share a
        version with another result of the model (rare), whose names alone would not tell them apart."""
        entries = view.entries(task_id, model_id)
        names = [e.version_name for e in entries]
        energies = {}
        for e in entries:
            if names.count(e.version_name) > 1:
                rated = self.store.get_result(e.result_id, e.version_id)
                if rated is not None:
                    energies[e.result_id] = rated.record.gpu_energy_wh_per_1k
        return version_choices(entries, energies)

    def pick_task(self, task_id: str | None, query: str | None = "") -> list[Any]:
        """A task chosen: its first model (matching the search) and that model's newest result."""
        return self.pick(task_id, None, None, query)

    def pick_model(self, task_id: str | None, model_id: str | None, query: str | None = "") -> list[Any]:
        """A model chosen: its newest result. The task and model pickers are left as the page shows them
        (the model was chosen among their choices), so the response carries the label and the versions only."""
        outputs = self.pick(task_id, model_id, None, query)
        if task_id is not None and self.index.current().has_model(task_id, model_id):
            outputs[0] = outputs[1] = gr.skip()
        return outputs

    def search(self, task_id: str | None, query: str | None) -> list[Any]:
        """Typing in the model search box: the first matching model of the task, and its label."""
        return self.pick(task_id, None, None, query)

    def on_load(self, request: gr.Request) -> list[Any]:
        """The first label: the page's `?result=` (and `&version=`), else the default result."""
        result_id = (request.query_params.get("result") or "").strip() if request else ""
        if not result_id:
            return self.pick(None, None, None)
        try:
            version_id = request.query_params.get("version") or None
            data = label_for_result(self.store, result_id, version_id, self.links, self.index.current().names)
            return self.pick(data.task_id, data.model_id, version_key(data.version_id, data.result_id))
        except LookupError as exc:
            outputs = self.pick(None, None, None)
            outputs[-1] = f"{exc} Showing another result.\n\n" + str(outputs[-1])
            return outputs

    def on_typed(
        self,
        model: str,
        task: str,
        energy: float | None,
        stars: float | None,
        version: str,
        hardware: str,
        model_class: str | None = "",
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
                model_class=model_class or "",
            )
        except ValueError as exc:
            return self.label_outputs(None, f"**Cannot make this label:** {exc}")
        view = self.index.current()
        # The candidates are the typed model's results in the task, found in the index (no version is read).
        candidates = [(e.version_id, e.result_id) for e in view.entries(data.task_id, data.model_id)]
        match = match_result(self.store, data, self.links, candidates, view.names)
        if match is not None:
            return self.label_outputs(match, f"These values match the approved result `{match.result_id}`.")
        return self.label_outputs(data)
