"""What the label generator's pickers offer: the published results of the store by task and model.

`CatalogCache` reads the published results once per set of versions (versions are frozen once
published), so an event of the app reads only the version list and the one result it shows.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from shared.method.tasks import TASKS
from shared.method.units import format_energy
from shared.store.models import Store

SEP = "|"  # between version id and result id in the version dropdown's values

Catalog = dict[str, dict[str, list["Entry"]]]


@dataclass(frozen=True)
class Entry:
    """One published result as the pickers offer it."""

    version_id: str
    version_name: str
    result_id: str
    energy_wh_per_1k: float
    stars: int = 0
    real_model: bool = True  # neither a random-weight replica nor (for the default) unknown

    @property
    def key(self) -> str:
        """The version dropdown's value of this result."""
        return version_key(self.version_id, self.result_id)


def version_key(version_id: str, result_id: str) -> str:
    """The version dropdown's value of a result in a version."""
    return f"{version_id}{SEP}{result_id}"


def split_version_key(key: str) -> tuple[str, str]:
    """(version id, result id) of a version dropdown's value."""
    version_id, result_id = key.split(SEP, 1)
    return version_id, result_id


def catalog(store: Store) -> Catalog:
    """task id -> model id -> its results in published versions, newest version first."""
    out: Catalog = {}
    for info in store.versions():
        for rated in store.version_results(info.id):
            rec = rated.record
            out.setdefault(rec.task_id, {}).setdefault(rec.model_id, []).append(
                Entry(
                    info.id,
                    info.name,
                    rated.result_id,
                    rec.gpu_energy_wh_per_1k,
                    rated.stars or 0,
                    not rec.random_weights,
                )
            )
    order = list(TASKS)
    return {
        t: dict(sorted(out[t].items(), key=lambda kv: kv[0].lower()))
        for t in sorted(out, key=lambda t: order.index(t) if t in order else len(order))
    }


def task_choices(cat: Catalog) -> list[tuple[str, str]]:
    """(display name, task id) of every task with a published result."""
    return [(TASKS[t].display_name if t in TASKS else t, t) for t in cat]


def version_choices(entries: list[Entry]) -> list[tuple[str, str]]:
    """(label, version key) of a model's results; a version holding it twice shows energy and result id."""
    names = [e.version_name for e in entries]
    return [
        (
            e.version_name
            if names.count(e.version_name) == 1
            else f"{e.version_name} · {format_energy(e.energy_wh_per_1k)} ({e.result_id})",
            e.key,
        )
        for e in entries
    ]


# Models the model picker lists at once: the rest are found by typing in its search box, so a response
# stays the same size whatever the number of models.
MAX_MODEL_CHOICES = 50


def matching_models(models: list[str], query: str | None, limit: int = MAX_MODEL_CHOICES) -> tuple[list[str], int]:
    """(the first `limit` model ids containing `query`, case-blind; how many match in all)."""
    q = (query or "").strip().lower()
    found = [m for m in models if q in m.lower()] if q else models
    return found[:limit], len(found)


def default_choice(cat: Catalog, newest_version: str) -> tuple[str, str, str] | None:
    """(task, model, version key) a visitor sees first: a real (not random-weight) model of the newest
    version, the best rated of the first task that has one; else the first entry; None when empty."""
    order = {task_id: k for k, task_id in enumerate(cat)}
    real = [
        (order[task_id], -e.stars, model_id.lower(), task_id, model_id, e.key)
        for task_id, models in cat.items()
        for model_id, entries in models.items()
        for e in entries
        if e.version_id == newest_version and e.real_model
    ]
    if real:
        *_, task_id, model_id, key = min(real)
        return task_id, model_id, key
    for task_id, models in cat.items():
        for model_id, entries in models.items():
            return task_id, model_id, entries[0].key
    return None


class CatalogCache:
    """The catalog of a store, rebuilt only when its published versions change.

    Keyed on the versions' (id, publication time, result count): publishing or importing a version
    changes the key; a version's content never changes once published.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._key: tuple[tuple[str, str, int], ...] | None = None
        self._catalog: Catalog = {}
        self._lock = threading.Lock()
        self.names: dict[str, str] = {}  # version id -> name, as of the last `get`

    def get(self) -> tuple[Catalog, str]:
        """(the catalog, the newest version's id or '')."""
        versions = self.store.versions()
        self.names = {v.id: v.name for v in versions}
        key = tuple((v.id, v.published_at, v.result_count) for v in versions)
        if key != self._key:
            with self._lock:  # one rebuild however many events arrive at once
                if key != self._key:
                    self._catalog, self._key = catalog(self.store), key
        return self._catalog, versions[0].id if versions else ""
