"""A version's table rows in a SQLite file of their own: what the leaderboard's views query.

A published version never changes, so its rows are derived once: batches of `RatedResult`s go through
the same `leaderboard.table.results_frame` the in-memory path uses (every derived value, stars, provider,
hardware, performance figures, comes from that one function) and are written to an index file on disk.
A view then reads only what it shows: a count, one page of rows, the callout's two ends, the thinned points
of its plots. The process keeps no result in memory, whatever the size of the version.

The order of a view is `leaderboard.table.select_view`'s, written as SQL: class group (A, B, C, then rows
without a class) first, the sort column (missing values last), energy, model, and the version's order of
results (`seq`) for the remaining ties, which is the order a stable sort of the in-memory frame leaves them in.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from leaderboard.plots import pareto_frontier
from leaderboard.table import (
    ALL_CLASSES,
    BACKEND_SEARCH,
    BACKEND_SHOWN,
    DEFAULT_SORT,
    OTHER_HARDWARE,
    PERF_COLUMNS,
    SORT_COLUMNS,
    EnergySpread,
    results_frame,
)
from shared.store.models import RatedResult, VersionInfo

# Columns the index adds to the frame's: the version's order of results, the model key under which a model
# matches across versions, the class group's sort key ('' sorts after C), and whether the task holds
# several results of the model (two runs then carry a line telling them apart).
EXTRA_COLUMNS = ("seq", "model_key", "class_key", "repeat")
NO_CLASS_KEY = "~"


def _dispose(db: sqlite3.Connection, path: Path) -> None:
    db.close()
    path.unlink(missing_ok=True)


def _q(name: str) -> str:
    """A column name quoted for SQL (frame columns are identifiers of our own, never user input)."""
    return '"' + name.replace('"', '""') + '"'


def _kind(series: pd.Series) -> str:
    """'f' float, 'i' integer, 'b' bool, 'O' anything else (text): how to rebuild the column when read."""
    kind = series.dtype.kind
    return kind if kind in "fib" else "O"


def _merge_kind(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} <= {"i", "f"}:
        return "f"
    return "O"


def _native(value: Any) -> Any:
    """A value sqlite3 can bind: numpy scalars to Python ones, NaN and pandas' missing values to NULL."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else float(value)
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if value is pd.NA:
        return None
    return value


@dataclass(frozen=True)
class ViewFilter:
    """What selects the rows of a view: task, hardware, class, search.

    Attributes:
        task_id: The task.
        hardware: leaderboard.table.RATED_HARDWARE or OTHER_HARDWARE (None: rated).
        model_class: 'A', 'B', 'C'; None, '' or 'All' for every class.
        query: Search text: every whitespace-separated term must be in the model id, any case.
    """

    task_id: str
    hardware: str | None = None
    model_class: str | None = None
    query: str = ""

    def where(self, with_search: bool = True) -> tuple[str, list[Any]]:
        """The SQL condition and its arguments (without the search terms when `with_search` is False)."""
        clauses = ["task_id = ?", "other_hw = ?"]
        args: list[Any] = [self.task_id, int(self.hardware == OTHER_HARDWARE)]
        if self.model_class and self.model_class != ALL_CLASSES:
            clauses.append("class_key = ?")
            args.append(self.model_class)
        if with_search:
            for term in self.query.lower().split():
                if term.startswith(BACKEND_SEARCH) and len(term) > len(BACKEND_SEARCH):  # table.search's rule
                    clauses.append(f"instr(lower(COALESCE({_q(BACKEND_SHOWN)}, '')), ?) > 0")
                    args.append(term[len(BACKEND_SEARCH) :])
                    continue
                clauses.append("instr(search_key, ?) > 0")
                args.append(term)
        return " AND ".join(clauses), args


def order_by(sort: str = DEFAULT_SORT, descending: bool = False) -> str:
    """The ORDER BY of a view sorted by `sort` (a key of SORT_COLUMNS), as `select_view` orders it."""
    if sort not in SORT_COLUMNS:
        raise KeyError(f"Unknown sort {sort!r}; use one of: {', '.join(SORT_COLUMNS)}.")
    col = SORT_COLUMNS[sort]
    terms = ["class_key"]
    if col != "energy":  # energy is never missing (the store refuses it)
        terms.append(f"{_q(col)} IS NULL")
    terms.append(_q(col) + (" DESC" if descending else ""))
    terms += [_q(c) for c in ("energy", "search_key") if c != col]
    return ", ".join([*terms, "seq"])


@dataclass(frozen=True)
class ViewSummary:
    """A view's size and the rows the page's rendering needs to see beyond the page itself.

    Attributes:
        rows: Rows in the view (all pages).
        traits: A few rows of the view: one per class, and the first holding a quality score or each
            performance figure, so that a page renders the columns and class groups of the whole view.
    """

    rows: int
    traits: pd.DataFrame


class VersionIndex:
    """The rows of one version in an index file; every query opens nothing new (one connection, locked)."""

    def __init__(self, path: Path, info: VersionInfo, kinds: dict[str, str]) -> None:
        self.path = path
        self.info = info
        self.kinds = kinds
        self.columns = [c for c in kinds if c not in ("seq", "model_key", "class_key")]
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA query_only = ON")
        self._lock = threading.Lock()
        # The file goes with the last reference: an index dropped from a cache may still be answering a query.
        self._dispose = weakref.finalize(self, _dispose, self._db, path)
        self.task_max: dict[str, float] = {
            t: float(m) for t, m in self._all("SELECT task_id, MAX(energy) FROM rows GROUP BY task_id")
        }
        self._counts = {
            (t, bool(o)): int(n) for t, o, n in self._all("SELECT task_id, other_hw, COUNT(*) FROM rows GROUP BY 1, 2")
        }
        self.real_models = bool(self._one("SELECT COUNT(*) FROM rows WHERE random_weights = 0"))
        self._perf: dict[str, list[str]] = {}

    # ---- building ---------------------------------------------------------------------------------

    @classmethod
    def build(cls, path: Path, info: VersionInfo, batches: Iterable[Sequence[RatedResult]]) -> VersionIndex:
        """Write the index of a version from its results (in the store's order, a batch at a time)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a file of our own, rebuilt if anything fails
            db.execute("PRAGMA synchronous = OFF")
            kinds: dict[str, str] = {}
            seq = 0
            created = False
            for batch in batches:
                if not batch:
                    continue
                frame = results_frame(list(batch))
                keys = [r.record.architecture_key for r in batch]
                if not created:
                    kinds = {"seq": "i", "model_key": "O", "class_key": "O", "repeat": "b"}
                    kinds |= {c: _kind(frame[c]) for c in frame.columns}
                    cols = ", ".join(_q(c) for c in kinds)
                    db.execute(f"CREATE TABLE rows ({cols})")
                    created = True
                else:
                    for c in frame.columns:
                        kinds[c] = _merge_kind(kinds[c], _kind(frame[c]))
                names = list(frame.columns)
                marks = ", ".join("?" for _ in range(len(names) + 3))
                insert = (
                    f"INSERT INTO rows (seq, model_key, class_key, {', '.join(_q(c) for c in names)}) VALUES ({marks})"
                )
                records = frame.to_dict("records")
                db.executemany(
                    insert,
                    (
                        (
                            seq + i,
                            key,
                            row["model_class"] or NO_CLASS_KEY,
                            *(_native(row[c]) for c in names),
                        )
                        for i, (row, key) in enumerate(zip(records, keys, strict=True))
                    ),
                )
                seq += len(batch)
            if not created:
                empty = results_frame([])
                kinds = {"seq": "i", "model_key": "O", "class_key": "O", "repeat": "b"}
                kinds |= {c: "O" for c in empty.columns}
                db.execute(f"CREATE TABLE rows ({', '.join(_q(c) for c in kinds)})")
            db.executescript(
                """
                UPDATE rows SET repeat = 0;
                CREATE TEMP TABLE twice AS
                    SELECT task_id, search_key FROM rows GROUP BY task_id, search_key HAVING COUNT(*) > 1;
                UPDATE rows SET repeat = 1 WHERE (task_id, search_key) IN (SELECT task_id, search_key FROM twice);
                CREATE UNIQUE INDEX rows_seq ON rows(seq);
                CREATE UNIQUE INDEX rows_result ON rows(result_id);
                CREATE INDEX rows_view ON rows(task_id, other_hw, class_key, energy, search_key, seq);
                CREATE INDEX rows_energy ON rows(task_id, other_hw, energy, seq);
                CREATE INDEX rows_model ON rows(task_id, model_key, seq);
                ANALYZE;
                """
            )
            db.commit()
        finally:
            db.close()
        tmp.replace(path)
        return cls(path, info, kinds)

    def close(self) -> None:
        """Close the connection and delete the index file now (otherwise done when no reference is left)."""
        with self._lock:
            self._dispose()

    # ---- queries ----------------------------------------------------------------------------------

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchall()

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        rows = self._all(sql, args)
        return rows[0][0] if rows else None

    def frame(self, sql_tail: str, args: Sequence[Any] = ()) -> pd.DataFrame:
        """Rows `SELECT <frame columns> FROM rows <sql_tail>` as a frame with the in-memory path's dtypes."""
        cols = self.columns
        rows = self._all(f"SELECT {', '.join(_q(c) for c in cols)} FROM rows {sql_tail}", args)
        return self._typed(pd.DataFrame.from_records(rows, columns=cols))

    def count(self, task_id: str, hardware: str | None) -> int:
        """Results of a task on the hardware asked for (0 for a task without any)."""
        return self._counts.get((task_id, hardware == OTHER_HARDWARE), 0)

    def has(self, result_id: str) -> bool:
        """True when the version holds the result."""
        return self._one("SELECT 1 FROM rows WHERE result_id = ?", (result_id,)) is not None

    def select(
        self,
        where: ViewFilter,
        sort: str = DEFAULT_SORT,
        descending: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """The view's rows in order: all of them, or `limit` from `offset` (one page)."""
        cond, args = where.where()
        tail = f"WHERE {cond} ORDER BY {order_by(sort, descending)}"
        if limit is not None:
            tail += " LIMIT ? OFFSET ?"
            args += [int(limit), int(offset)]
        return self.frame(tail, args)

    def summary(self, where: ViewFilter) -> ViewSummary:
        """The view's size and its trait rows (see ViewSummary), in one pass over the view."""
        cond, args = where.where()
        perf = [k for k in PERF_COLUMNS if k in self.kinds]
        firsts = ", ".join(f"MIN(CASE WHEN {_q(c)} IS NOT NULL THEN seq END)" for c in ["quality", *perf])
        found = self._all(f"SELECT COUNT(*), MIN(seq), {firsts} FROM rows WHERE {cond} GROUP BY model_class", args)
        total = sum(int(r[0]) for r in found)
        seqs = sorted({int(s) for r in found for s in r[1:] if s is not None})
        traits = self.frame(f"WHERE seq IN ({', '.join('?' for _ in seqs)}) ORDER BY seq", seqs)
        return ViewSummary(total, traits)

    def spread(self, where: ViewFilter) -> EnergySpread | None:
        """The callout's figures: max/min energy of the task (and class) on the hardware, search ignored;
        ties go to the result first in the version's order, as `table.energy_spread` picks them."""
        cond, args = where.where(with_search=False)
        lo = self._all(f"SELECT model_id, energy FROM rows WHERE {cond} ORDER BY energy, seq LIMIT 1", args)
        if not lo:
            return None
        hi = self._all(f"SELECT model_id, energy FROM rows WHERE {cond} ORDER BY energy DESC, seq LIMIT 1", args)
        count = int(self._one(f"SELECT COUNT(*) FROM rows WHERE {cond}", args))
        (low_model, low_wh), (high_model, high_wh) = lo[0], hi[0]
        return EnergySpread(
            float(high_wh / low_wh), str(low_model), float(low_wh), str(high_model), float(high_wh), count
        )

    def perf_present(self, task_id: str) -> list[str]:
        """The PERF_COLUMNS that at least one result of the task carries (any hardware), in their order."""
        if task_id not in self._perf:
            perf = [k for k in PERF_COLUMNS if k in self.kinds]
            if not perf:
                self._perf[task_id] = []
            else:
                cols = ", ".join(f"MAX({_q(k)} IS NOT NULL)" for k in perf)
                row = self._all(f"SELECT {cols} FROM rows WHERE task_id = ?", (task_id,))[0]
                self._perf[task_id] = [k for k, present in zip(perf, row, strict=True) if present]
        return self._perf[task_id]

    def same_model(self, task_id: str, model_key: str) -> list[str]:
        """Result ids of a model (task and model key) in this version, in the version's order."""
        return [
            r[0]
            for r in self._all(
                "SELECT result_id FROM rows WHERE task_id = ? AND model_key = ? ORDER BY seq", (task_id, model_key)
            )
        ]

    def plot_rows(self, where: ViewFilter, max_points: int) -> tuple[pd.DataFrame, int]:
        """(rows, view size): the view's rows for its figures, at most about `max_points` of them.

        Every result's rank in the energy plot's order (class first when the view mixes classes, then
        energy) is kept in `rank`; above `max_points` every k-th rank is kept, the last one too, and every
        result on a Pareto frontier (quality or latency against energy), so the frontiers drawn are exact.
        """
        cond, args = where.where()
        classes = int(self._one(f"SELECT COUNT(DISTINCT model_class) FROM rows WHERE {cond}", args) or 0)
        plot_order = "model_class, energy, search_key, seq" if classes > 1 else "energy, search_key, seq"
        total = int(self._one(f"SELECT COUNT(*) FROM rows WHERE {cond}", args) or 0)
        step = max(1, math.ceil(total / max_points)) if max_points > 0 else 1
        keep = set()
        for figure in ("quality", "latency_p50_s"):
            if figure not in self.kinds:
                continue
            positive = " AND latency_p50_s > 0" if figure == "latency_p50_s" else ""
            pts = self._all(
                f"SELECT seq, energy, {_q(figure)} FROM rows WHERE {cond} AND {_q(figure)} IS NOT NULL{positive}", args
            )
            sign = -1.0 if figure == "latency_p50_s" else 1.0  # lower latency is better
            front = pareto_frontier([p[1] for p in pts], [sign * p[2] for p in pts])
            keep |= {int(pts[i][0]) for i in front}
        cols = ", ".join(_q(c) for c in self.columns)
        marks = ", ".join("?" for _ in keep)
        extra = f" OR seq IN ({marks})" if keep else ""
        rows = self._all(
            f"SELECT {cols}, rank FROM (SELECT *, ROW_NUMBER() OVER (ORDER BY {plot_order}) AS rank FROM rows"
            f" WHERE {cond}) WHERE (rank - 1) % ? = 0 OR rank = ?{extra} ORDER BY {order_by()}",
            [*args, step, total, *sorted(keep)],
        )
        frame = self._typed(pd.DataFrame.from_records(rows, columns=[*self.columns, "rank"]))
        return frame, total

    def _typed(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame's columns in the in-memory path's dtypes (SQLite gives None for NaN, 0/1 for bools)."""
        for c in self.columns:
            kind = self.kinds[c]
            if kind == "f":
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
            elif kind == "i":
                frame[c] = frame[c].astype("int64") if frame[c].notna().all() else frame[c].astype("float64")
            elif kind == "b":
                frame[c] = frame[c].fillna(0).astype(bool)
        return frame
