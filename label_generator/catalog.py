"""What the label generator's pickers offer: the published results of the store by task and model.

`LabelIndex` keeps, per published version, only the model ids and result ids of each task
(`shared.store.label_queries.version_models`: no record is parsed). A published version never changes,
so each is read once, by its id; an event lists the versions (one small query, so a new publication
shows at once) and reads the one result it shows. What the pickers derive from the versions (the tasks,
a task's models across versions, a search's matches) is kept per set of versions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from shared.method.tasks import TASKS
from shared.method.units import format_energy
from shared.store.label_queries import VersionHead, VersionModels, version_heads, version_models
from shared.store.models import Store

SEP = "|"  # between version id and result id in the version dropdown's values

# Models the model picker lists at once: the rest are found by typing in its search box, so a response
# stays the same size whatever the number of models.
MAX_MODEL_CHOICES = 50
# Searches whose matches a view keeps (typing a model id asks for each prefix of it once).
KEEP_SEARCHES = 128


@dataclass(frozen=True)
class Entry:
    """One published result of a model, as the version picker offers it."""

    version_id: str
    version_name: str
    result_id: str

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


def version_choices(entries: list[Entry], energies: dict[str, float] | None = None) -> list[tuple[str, str]]:
    """(label, version key) of a model's results; a version holding it twice shows the energy (from
    `energies`, result id -> Wh per 1,000 queries) and the result id."""
    names = [e.version_name for e in entries]
    energies = energies or {}

    def label(e: Entry) -> str:
        if names.count(e.version_name) == 1:
            return e.version_name
        energy = f"{format_energy(energies[e.result_id])} " if e.result_id in energies else ""
        return f"{e.version_name} · {energy}({e.result_id})"

    return [(label(e), e.key) for e in entries]


@dataclass
class CatalogView:
    """The pickers' choices for one set of published versions (newest first).

    Attributes:
        heads: The versions, newest first.
        versions: Each version's model index, in the order of `heads`.
    """

    heads: list[VersionHead]
    versions: list[VersionModels]
    _models: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _lowered: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    _searches: OrderedDict[tuple[str, str], tuple[list[str], int]] = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        """What identifies this set of versions: (id, publication time) of each."""
        return tuple((h.id, h.published_at) for h in self.heads)

    @property
    def names(self) -> dict[str, str]:
        """Version id -> name."""
        return {h.id: h.name for h in self.heads}

    @property
    def tasks(self) -> list[str]:
        """Task ids with a published result, in the registry's order."""
        found = {t for v in self.versions for t in v.results}
        order = list(TASKS)
        return sorted(found, key=lambda t: order.index(t) if t in order else len(order))

    def models(self, task_id: str) -> tuple[str, ...]:
        """The model ids of a task in any published version, sorted case-blind (kept once computed)."""
        with self._lock:
            known = self._models.get(task_id)
        if known is not None:
            return known
        parts = [v.results.get(task_id, {}) for v in self.versions]
        present = [p for p in parts if p]
        if len(present) == 1:
            merged = tuple(present[0])  # already sorted case-blind
        else:
            merged = tuple(sorted({m for p in present for m in p}, key=str.lower))
        with self._lock:
            self._models[task_id] = merged
        return merged

    def has_model(self, task_id: str, model_id: str | None) -> bool:
        """True when `model_id` has a published result in `task_id`."""
        return model_id is not None and any(model_id in v.results.get(task_id, {}) for v in self.versions)

    def entries(self, task_id: str, model_id: str) -> list[Entry]:
        """A model's published results, newest version first."""
        return [
            Entry(h.id, h.name, rid)
            for h, v in zip(self.heads, self.versions, strict=True)
            for rid in v.results.get(task_id, {}).get(model_id, ())
        ]

    def search(self, task_id: str, query: str | None, limit: int = MAX_MODEL_CHOICES) -> tuple[list[str], int]:
        """(the first `limit` of the task's models containing `query`, case-blind; how many match)."""
        q = (query or "").strip().lower()
        models = self.models(task_id)
        if not q:
            return list(models[:limit]), len(models)
        with self._lock:
            known = self._searches.get((task_id, q))
            lowered = self._lowered.get(task_id)
        if known is not None:
            return list(known[0][:limit]), known[1]
        if lowered is None:
            lowered = tuple(m.lower() for m in models)
            with self._lock:
                self._lowered[task_id] = lowered
        hits = [k for k, m in enumerate(lowered) if q in m]
        found = ([models[k] for k in hits[:MAX_MODEL_CHOICES]], len(hits))
        with self._lock:
            self._searches[(task_id, q)] = found
            while len(self._searches) > KEEP_SEARCHES:
                self._searches.popitem(last=False)
        return list(found[0][:limit]), found[1]

    def default(self) -> tuple[str, str, str] | None:
        """(task, model, version key) a visitor sees first: the best-rated real (not random-weight) model of
        the newest version in the first task that has one; else the first model of the first task; None
        when nothing is published."""
        if self.versions and self.versions[0].best_real is not None:
            task_id, model_id, result_id = self.versions[0].best_real
            return task_id, model_id, version_key(self.heads[0].id, result_id)
        for task_id in self.tasks:
            model_id = self.models(task_id)[0]
            return task_id, model_id, self.entries(task_id, model_id)[0].key
        return None


class LabelIndex:
    """The pickers' view of a store, kept per set of published versions.

    Each version's model index is read once, by its id (a published version never changes); `current`
    lists the versions on every call, so a version published or imported since shows at once.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._versions: dict[tuple[str, str], VersionModels] = {}
        self._view: CatalogView | None = None
        self._lock = threading.Lock()

    def current(self) -> CatalogView:
        """The view of the versions published now (one small query; a new version is read once)."""
        heads = version_heads(self.store)
        key = tuple((h.id, h.published_at) for h in heads)
        view = self._view
        if view is not None and view.key == key:
            return view
        with self._lock:  # one read per version however many events arrive at once
            view = self._view
            if view is None or view.key != key:
                for h in heads:
                    if (h.id, h.published_at) not in self._versions:
                        self._versions[(h.id, h.published_at)] = version_models(self.store, h.id)
                self._versions = {k: self._versions[k] for k in key}  # only the versions still listed
                view = CatalogView(heads, [self._versions[k] for k in key])
                self._view = view
        return view


def task_choices(view: CatalogView) -> list[tuple[str, str]]:
    """(display name, task id) of every task with a published result."""
    return [(TASKS[t].display_name if t in TASKS else t, t) for t in view.tasks]
