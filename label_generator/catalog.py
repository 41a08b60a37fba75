"""What the label generator's pickers offer: the published results of the store by task and model."""

from __future__ import annotations

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
                Entry(info.id, info.name, rated.result_id, rec.gpu_energy_wh_per_1k)
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
