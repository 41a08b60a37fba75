"""What a label shows: `LabelData`, built from a rated result of the store or from typed fields.

A label built from the store links to that exact result on the leaderboard (`shared.web.links.Links.result_url`)
and carries its result id, version and bundle hash. A label typed by hand is self-reported unless
its values match an approved, published result (`match_result`), in which case it becomes that
result's verified label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from shared.method.classes import ModelClass
from shared.method.hardware import is_rated_hardware
from shared.method.tasks import TASKS
from shared.method.units import format_energy
from shared.records import split_model_id
from shared.store.label_queries import find_published, version_heads
from shared.store.models import RatedResult, Store
from shared.web.links import Links

MAX_MODEL_ID = 160  # characters of provider + "/" + name a label accepts (Hub ids are shorter)
MAX_FIELD = 80  # characters of the task, version and hardware fields
METADATA_PREFIX = "aienergy:"
STATUS_VERIFIED = "verified"
STATUS_PUBLISHED = "published-figure"
STATUS_SELF_REPORTED = "self-reported"
# What the label of an imported published figure says of it, after "published figure, <version>".
PUBLISHED_RUNNER = "reference runner"


@dataclass(frozen=True)
class LabelData:
    """Everything one label shows and records.

    Attributes:
        provider: Owner of the model ('' for an id without one).
        model_name: Name of the model.
        task: Task as displayed ("Text generation").
        energy_wh_per_1k: GPU energy in Wh per 1,000 queries.
        stars: Filled stars, 0 to 5.
        version: Leaderboard version as displayed ("February 2025"), or what was typed.
        hardware: GPU as displayed ("NVIDIA H100 80GB HBM3", as the leaderboard shows it).
        link: Verification link to the exact result ('' for a self-reported label).
        result_id: Result id in the store ('' for a self-reported label).
        version_id: Version id in the store ('' if none).
        bundle_sha256: SHA-256 of the result's bundle ('' if none).
        task_id: Task registry id ('' if the typed task is not one).
        leaderboard_link: Address of the leaderboard, where a self-reported label points ('' = none).
        provenance: Where a figure taken from a published leaderboard comes from ("published figure,
            AI Energy Score v1, February 2025, reference runner"); '' for a result this suite measured
            from a bundle and re-derived from its raw readings.
        random_weights: True when the result was measured on a random-weight replica.
        model_class: Size class ('A', 'B' or 'C') the stars were given in, for a task rated per class
            (text generation); '' for a task without classes or a class not stated.
    """

    provider: str
    model_name: str
    task: str
    energy_wh_per_1k: float
    stars: int
    version: str
    hardware: str
    link: str = ""
    result_id: str = ""
    version_id: str = ""
    bundle_sha256: str = ""
    task_id: str = ""
    leaderboard_link: str = ""
    provenance: str = ""
    random_weights: bool = False
    model_class: str = ""

    def __post_init__(self) -> None:
        if not self.model_name.strip():
            raise ValueError("A label needs a model name.")
        if len(self.model_id) > MAX_MODEL_ID:
            raise ValueError(f"The model id is {len(self.model_id)} characters long; a label takes {MAX_MODEL_ID}.")
        for name in ("task", "version", "hardware"):
            if len(getattr(self, name)) > MAX_FIELD:
                raise ValueError(f"The {name} is longer than {MAX_FIELD} characters.")
        if not isinstance(self.stars, int) or not 0 <= self.stars <= 5:
            raise ValueError(f"Stars are a whole number from 0 to 5, got {self.stars!r}.")
        if not math.isfinite(self.energy_wh_per_1k) or self.energy_wh_per_1k < 0:
            raise ValueError(f"The energy must be a finite number >= 0, got {self.energy_wh_per_1k!r}.")
        if self.model_class not in ("", *(c.value for c in ModelClass)):
            raise ValueError(f"The class is A, B or C, got {self.model_class!r}.")

    @property
    def model_id(self) -> str:
        """'provider/name', or the name alone."""
        return f"{self.provider}/{self.model_name}" if self.provider else self.model_name

    @property
    def linked(self) -> bool:
        """True when the label is a published result's, with a link (and QR code) to it."""
        return bool(self.result_id and self.link)

    @property
    def verified(self) -> bool:
        """True when the label is a result this suite re-derived from a bundle's raw readings (a linked
        label of a published figure is not: its number is shown as published)."""
        return self.linked and not self.provenance

    @property
    def status(self) -> str:
        """STATUS_VERIFIED, STATUS_PUBLISHED or STATUS_SELF_REPORTED."""
        if not self.linked:
            return STATUS_SELF_REPORTED
        return STATUS_VERIFIED if self.verified else STATUS_PUBLISHED

    @property
    def note(self) -> str:
        """The line under the model name: where the figure comes from, and whether it was measured on a
        random-weight replica ('' for neither)."""
        parts = []
        if self.provenance:
            parts.append(f"Published figure, {PUBLISHED_RUNNER}")
        if self.random_weights:
            parts.append("Random weights: architecture only")
        return " · ".join(parts)

    @property
    def gpu(self) -> str:
        """The GPU's name without the count the label puts before several GPUs ('2 x NVIDIA H200' -> 'NVIDIA
        H200')."""
        return re.sub(r"^\d+ x ", "", self.hardware)

    @property
    def not_rated(self) -> bool:
        """True for the label of a published result without stars because it was measured on another GPU than
        the H100 (listed under other hardware). A rated result has 1 to 5 stars; a typed label is not linked."""
        return self.linked and self.stars == 0 and not is_rated_hardware(self.gpu, bool(self.provenance))

    @property
    def class_text(self) -> str:
        """What the stars are relative to: 'in class B' for a task rated per class (stars compare the models
        of one class only), '' for a task without classes, a class not stated, or a result without stars."""
        return f"in class {self.model_class}" if self.model_class and not self.not_rated else ""

    @property
    def energy_text(self) -> str:
        """The energy as the label prints it ('2.37 Wh')."""
        return format_energy(self.energy_wh_per_1k)

    def metadata(self) -> dict[str, str]:
        """Key/value pairs written into the PNG (tEXt chunks) and the SVG."""
        fields = {
            "status": self.status,
            "result_id": self.result_id,
            "energy_wh_per_1k": repr(float(self.energy_wh_per_1k)),
            "energy": self.energy_text,
            "version": self.version,
            "version_id": self.version_id,
            "bundle_sha256": self.bundle_sha256,
            "model_id": self.model_id,
            "task": self.task,
            "task_id": self.task_id,
            "stars": str(self.stars),
            "hardware": self.hardware,
            "url": self.link,
            "provenance": self.provenance,
            "random_weights": "true" if self.random_weights else "false",
            "model_class": self.model_class,
        }
        return {METADATA_PREFIX + k: v for k, v in fields.items()}


def display_hardware(name: str, gpu_count: int = 1) -> str:
    """GPU name as the label shows it: as recorded, with spaces tidied ('NVIDIA H100 80GB HBM3', the
    name the leaderboard and the records use); '2 x ' in front for several GPUs."""
    short = " ".join(name.split()) or "unknown GPU"
    return f"{gpu_count} x {short}" if gpu_count > 1 else short


def task_class(task_id: str, model_class: str | None, strict: bool = True) -> str:
    """The class a label states for a result of `task_id`: 'A', 'B' or 'C' for a task rated per class, ''
    for a task without classes (its stars compare every model of the task) or an unknown task.

    A class other than A, B or C (any case) raises ValueError, or gives '' when not `strict`."""
    task = TASKS.get(task_id)
    value = (model_class or "").strip().upper()
    if not (task and task.has_classes and value):
        return ""
    try:
        return ModelClass(value).value
    except ValueError:
        if not strict:
            return ""
        raise ValueError(f"The class is A, B or C, got {model_class!r}.") from None


def task_display(task: str) -> tuple[str, str]:
    """(display name, task id) of a task given by id or display name; (text, '') for another text."""
    key = task.strip()
    if key in TASKS:
        return TASKS[key].display_name, key
    for tid, t in TASKS.items():
        if t.display_name.lower() == key.lower():
            return t.display_name, tid
    return key, ""


def from_result(rated: RatedResult, version_name: str, links: Links = Links()) -> LabelData:
    """The linked label of a rated result (stars as frozen in its version), linked by `links`: verified
    for a result measured from a bundle, marked as a published figure for an imported one."""
    rec = rated.record
    provider, name = split_model_id(rec.model_id)
    provenance = f"published figure, {version_name}, {PUBLISHED_RUNNER}" if rec.is_published_figure else ""
    return LabelData(
        provider=provider,
        model_name=name,
        task=task_display(rec.task_id)[0],
        energy_wh_per_1k=rec.gpu_energy_wh_per_1k,
        stars=rated.stars or 0,
        version=version_name,
        hardware=display_hardware(rec.hardware, rec.gpu_count),
        link=links.result_url(rated.result_id),
        leaderboard_link=links.app_url("leaderboard"),
        result_id=rated.result_id,
        version_id=rated.version_id or "",
        bundle_sha256=rated.bundle_sha256,
        task_id=rec.task_id,
        provenance=provenance[: MAX_FIELD * 2],
        random_weights=bool(rec.random_weights),
        model_class=task_class(rec.task_id, rec.model_class, strict=False),
    )


def label_for_result(
    store: Store,
    result_id: str,
    version_id: str | None = None,
    links: Links = Links(),
    version_names: dict[str, str] | None = None,
) -> LabelData:
    """The label of `result_id` in `version_id` (or the newest version holding it); `version_names`
    (version id -> name) spares reading the version list when the caller has it.

    Raises LookupError when there is no such result in a published version.
    """
    rated = store.get_result(result_id.strip(), version_id or None)
    if rated is None or rated.version_id is None:
        where = f" in version {version_id}" if version_id else " in a published version"
        raise LookupError(f"No result {result_id!r}{where}.")
    names = version_names if version_names is not None else {v.id: v.name for v in version_heads(store)}
    return from_result(rated, names.get(rated.version_id, rated.version_id), links)


def typed(
    model: str,
    task: str,
    energy_wh: float,
    stars: int,
    version: str = "",
    hardware: str = "",
    provider: str = "",
    links: Links = Links(),
    model_class: str = "",
) -> LabelData:
    """A self-reported label from typed fields; `model` may be 'provider/name'. It points at the
    leaderboard of `links`. `model_class` (A, B or C) is kept for a task rated per class, ignored for
    another; ValueError for another letter."""
    if provider.strip():
        provider, name = provider.strip(), model.strip()
    else:
        provider, name = split_model_id(model.strip())
    task_name, task_id = task_display(task)
    return LabelData(
        provider=provider,
        model_name=name,
        task=task_name,
        energy_wh_per_1k=float(energy_wh),
        stars=int(stars),
        version=version.strip() or "Self-reported",
        hardware=display_hardware(hardware) if hardware.strip() else "not stated",
        leaderboard_link=links.app_url("leaderboard"),
        task_id=task_id,
        model_class=task_class(task_id, model_class),
    )


def match_result(
    store: Store,
    label: LabelData,
    links: Links = Links(),
    candidates: Iterable[tuple[str, str]] | None = None,
    version_names: dict[str, str] | None = None,
) -> LabelData | None:
    """The verified label of the published result `label`'s typed values describe, or None.

    Matches the model id and task exactly, the energy as printed (format_energy), the stars, and the
    version (by name or id), hardware and class when they were typed. `candidates` are the (version id, result
    id) of the published results of the typed model in the typed task, newest version first (the label
    app finds them in its index); by default they are looked up in the store. Only they are read.
    """
    if not label.task_id:
        return None
    if candidates is None:
        candidates = find_published(store, label.task_id, label.model_id)
    names = version_names if version_names is not None else {v.id: v.name for v in version_heads(store)}
    typed_version = label.version.strip().lower()
    for version_id, result_id in candidates:
        name = names.get(version_id, version_id)
        if typed_version not in ("", "self-reported", version_id.lower(), name.lower()):
            continue
        rated = store.get_result(result_id, version_id)
        if rated is None:
            continue
        candidate = from_result(rated, name, links)
        if (
            candidate.model_id == label.model_id
            and candidate.task_id == label.task_id
            and candidate.energy_text == label.energy_text
            and candidate.stars == label.stars
            and label.hardware in ("not stated", candidate.hardware)
            and label.model_class in ("", candidate.model_class)
        ):
            return candidate
    return None
