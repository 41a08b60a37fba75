"""Reading the store for the leaderboard, cached per version (a published version never changes).

`LeaderboardData.version(vid)` reads a version's results once, builds its table frame and per-task
slices, and keeps them; every later filter, search, sort or page works on memory only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd

from leaderboard.table import results_frame, split_by_task
from shared.store.models import RatedResult, Store, VersionInfo

EMPTY_FRAME = results_frame([])


def model_key(rated: RatedResult) -> tuple[str, str]:
    """(task, model) under which one model's results match across versions: the Hub id, or for a
    replica the id of the architecture it copies, in any case."""
    return rated.record.task_id, rated.record.architecture_id.lower()


@dataclass
class VersionData:
    """A version's results, ready to display.

    Attributes:
        info: The version.
        results: Result id -> RatedResult with the stars frozen in this version.
        frame: All results as a table frame.
        tasks: Task id -> that task's rows, energy-ordered.
        task_max: Task id -> the task's highest energy (the inline bars' full width).
        by_model: (task id, model key) -> result ids: the model's results, to find it in other versions.
        real_models: True when the version holds a result of a real (trained) model, not only replicas.
    """

    info: VersionInfo
    results: dict[str, RatedResult]
    frame: pd.DataFrame
    tasks: dict[str, pd.DataFrame] = field(default_factory=dict)
    task_max: dict[str, float] = field(default_factory=dict)
    by_model: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, info: VersionInfo, rated: list[RatedResult]) -> VersionData:
        """Index a version's results once."""
        frame = results_frame(rated)
        tasks = split_by_task(frame)
        by_model: dict[tuple[str, str], list[str]] = {}
        for r in rated:
            by_model.setdefault(model_key(r), []).append(r.result_id)
        return cls(
            info=info,
            results={r.result_id: r for r in rated},
            frame=frame,
            tasks=tasks,
            task_max={t: float(part["energy"].max()) for t, part in tasks.items()},
            by_model=by_model,
        )

    @property
    def real_models(self) -> bool:
        """True when at least one result is of a real model (not a random-weight replica)."""
        return any(not r.record.random_weights for r in self.results.values())

    def task(self, task_id: str) -> pd.DataFrame:
        """A task's rows (an empty frame when the task has none in this version)."""
        return self.tasks.get(task_id, EMPTY_FRAME)


class LeaderboardData:
    """The store as the leaderboard reads it: the version list, fresh; each version's data, cached.

    Thread-safe; keeps at most `max_versions` versions in memory (least recently used dropped).
    """

    def __init__(self, store: Store, max_versions: int = 6) -> None:
        self.store = store
        self.max_versions = max_versions
        self._versions: list[VersionInfo] = []
        self._cache: OrderedDict[str, VersionData] = OrderedDict()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()

    def refresh_versions(self) -> list[VersionInfo]:
        """Read the version list again (a new version may have been published); newest first."""
        found = self.store.versions()
        with self._lock:
            self._versions = found
        return found

    def versions(self) -> list[VersionInfo]:
        """The version list as last read (read now if never read)."""
        return self._versions or self.refresh_versions()

    def info(self, version_id: str) -> VersionInfo | None:
        """A version by id, from the list (re-read once if unknown)."""
        for refresh in (False, True):
            found = self.refresh_versions() if refresh else self.versions()
            for v in found:
                if v.id == version_id:
                    return v
        return None

    def default_id(self) -> str | None:
        """The version a newcomer sees: the newest one holding real (trained) models, else the newest.

        A version of random-weight replicas only (demo data measured by our runner) shows the method
        at work but rates no model anyone can use, so a version of real models comes first.
        """
        found = self.versions()
        for v in found:
            data = self.version(v.id)
            if data is not None and data.real_models:
                return v.id
        return found[0].id if found else None

    def same_model(self, rated: RatedResult) -> list[RatedResult]:
        """The same model's results (same task, Hub id or copied architecture) in the other versions,
        newest version first; each with its own version's stars."""
        key = model_key(rated)
        out = []
        for v in self.versions():
            if v.id == rated.version_id:
                continue
            data = self.version(v.id)
            if data is None:
                continue
            out += [data.results[rid] for rid in data.by_model.get(key, []) if rid != rated.result_id]
        return out

    def latest_id(self) -> str | None:
        """Id of the newest version, or None if nothing is published."""
        found = self.versions()
        return found[0].id if found else None

    def version(self, version_id: str | None) -> VersionData | None:
        """The cached data of a version, read from the store on first use; None if it doesn't exist."""
        if not version_id:
            return None
        with self._lock:
            if version_id in self._cache:
                self._cache.move_to_end(version_id)
                return self._cache[version_id]
        with self._build_lock:  # one read of a version at a time: a second asker waits for the first
            with self._lock:
                if version_id in self._cache:
                    return self._cache[version_id]
            info = self.info(version_id)
            if info is None:
                return None
            data = VersionData.build(info, self.store.version_results(version_id))
            with self._lock:
                self._cache[version_id] = data
                while len(self._cache) > self.max_versions:
                    self._cache.popitem(last=False)
        return data

    def result(self, result_id: str, version_id: str | None = None) -> RatedResult | None:
        """A published result: from the version's cache when given, else the newest version holding it.

        Results not in any published version (pending, rejected, or approved but not yet published)
        are never returned.
        """
        data = self.version(version_id)
        if data is not None and result_id in data.results:
            return data.results[result_id]
        found = self.store.get_result(result_id.strip())
        return found if found is not None and found.version_id else None
