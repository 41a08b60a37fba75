"""Reading the store for the leaderboard: the version list (fresh), and each version's rows as an index on
disk (built once: a published version never changes).

`LeaderboardData.version(vid)` builds the version's `leaderboard.index.VersionIndex` on first use, streaming
the store's results a batch at a time (`shared.store.queries.iter_version_results`), and keeps it; every
later filter, search, sort or page is a query on that index that reads only the rows it shows. A single
result (detail, compare, calculator) is read from the store when asked for, never kept.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

from leaderboard.exports import safe_name
from leaderboard.index import VersionIndex
from shared.store.models import RatedResult, Store, VersionInfo
from shared.store.queries import iter_version_results


def model_key(rated: RatedResult) -> tuple[str, str]:
    """(task, model) under which one model's results match across versions: the Hub id, or for a
    replica the id of the architecture it copies, in any case."""
    return rated.record.task_id, rated.record.architecture_key


def store_result(store: Store, result_id: str, version_id: str | None = None) -> RatedResult | None:
    """`store.get_result(result_id, version_id)`; a store that takes no version (a test double) is asked
    for the result alone."""
    try:
        return store.get_result(result_id, version_id)
    except TypeError:
        found = store.get_result(result_id)  # type: ignore[call-arg]
        return found if found is not None and (version_id is None or found.version_id == version_id) else None


class LeaderboardData:
    """The store as the leaderboard reads it: the version list, fresh; each version's index, cached.

    Thread-safe; keeps at most `max_versions` indexes (least recently used dropped; its file is deleted with
    its last reference). The index files live in `folder` (a temporary folder of this object by default,
    removed with it).
    """

    def __init__(self, store: Store, max_versions: int = 6, folder: str | Path | None = None) -> None:
        self.store = store
        self.max_versions = max_versions
        if folder is None:
            folder = tempfile.mkdtemp(prefix="aienergy-leaderboard-index-")
            weakref.finalize(self, shutil.rmtree, folder, True)
        self.folder = Path(folder)
        self._versions: list[VersionInfo] = []
        self._cache: OrderedDict[str, VersionIndex] = OrderedDict()
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._builds = 0

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
        task, key = model_key(rated)
        out = []
        for v in self.versions():
            if v.id == rated.version_id:
                continue
            data = self.version(v.id)
            if data is None:
                continue
            for rid in data.same_model(task, key):
                found = store_result(self.store, rid, v.id) if rid != rated.result_id else None
                if found is not None:
                    out.append(found)
        return out

    def latest_id(self) -> str | None:
        """Id of the newest version, or None if nothing is published."""
        found = self.versions()
        return found[0].id if found else None

    def version(self, version_id: str | None) -> VersionIndex | None:
        """The index of a version, built from the store on first use; None if the version doesn't exist."""
        if not version_id:
            return None
        with self._lock:
            if version_id in self._cache:
                self._cache.move_to_end(version_id)
                return self._cache[version_id]
        with self._build_lock:  # one build at a time: a second asker waits for the first
            with self._lock:
                if version_id in self._cache:
                    return self._cache[version_id]
            info = self.info(version_id)
            if info is None:
                return None
            self._builds += 1
            path = self.folder / f"{safe_name(version_id)}-{self._builds}.sqlite3"
            data = VersionIndex.build(path, info, iter_version_results(self.store, version_id))
            with self._lock:
                self._cache[version_id] = data
                while len(self._cache) > self.max_versions:
                    # Not closed here: a visitor's query may still hold it; its file goes with its last reference.
                    self._cache.popitem(last=False)
        return data

    def result(self, result_id: str, version_id: str | None = None) -> RatedResult | None:
        """A published result: with the stars of `version_id` when that version holds it, else from the
        newest version holding it.

        Results not in any published version (pending, rejected, or approved but not yet published)
        are never returned.
        """
        result_id = result_id.strip()
        data = self.version(version_id)
        if data is not None and data.has(result_id):
            found = store_result(self.store, result_id, data.info.id)
            if found is not None:
                return found
        found = store_result(self.store, result_id)
        return found if found is not None and found.version_id else None
