"""The leaderboard table as data: one pandas row per rated result, then filter, search and sort.

Everything here is pure (no Gradio, no store): `results_frame` turns a version's RatedResults into a
DataFrame once, `select_view` answers a visitor's class filter, search and sort on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from leaderboard.backend import backend_recorded, backend_text
from shared.method.hardware import is_rated_hardware, not_rated_text
from shared.records import ResultRecord
from shared.store.models import RatedResult

ALL_CLASSES = "All"
MODEL_CLASSES = ("A", "B", "C")
# The hardware a view shows: the rated H100 results, or those measured on other GPUs (never rated against them).
RATED_HARDWARE = "H100 (rated)"
OTHER_HARDWARE = "Other GPUs (not rated)"
HARDWARE_CHOICES = (RATED_HARDWARE, OTHER_HARDWARE)


@dataclass(frozen=True)
class Column:
    """One column of the displayed table.

    Attributes:
        key: Sort key (a key of SORT_COLUMNS).
        label: Header text.
        tooltip: What the column means and its unit (the header's tooltip).
    """

    key: str
    label: str
    tooltip: str


COLUMNS: tuple[Column, ...] = (
    Column("model", "Model", "Model id on the Hugging Face Hub; the link opens its Hub page."),
    Column("provider", "Provider", "Owner of the model id on the Hub (the part before the slash)."),
    Column(
        "class",
        "Class",
        "Text-generation size class: A fits one consumer GPU (up to ~20B parameters), "
        "B one H100 (~20B-66B), C several H100s (over 66B). Stars compare models of one class only.",
    ),
    Column(
        "energy",
        "GPU energy (Wh / 1k queries)",
        "GPU energy of inference in watt-hours per 1,000 queries "
        "(mean over repetitions). The bar is scaled to the task's most energy-hungry result.",
    ),
    Column(
        "stars",
        "Stars",
        "1 to 5 stars: the task's [min, max] energy range split into five equal bands; "
        "the most frugal band gets 5 stars. Frozen in the selected leaderboard version.",
    ),
    Column("parameters", "Parameters", "Parameter count of the model (B = billions, M = millions)."),
    Column("precision", "Precision", "Data type the model ran in (float32, bfloat16, float16, ...)."),
    Column("hardware", "Hardware", "GPU the run was measured on (xN when several GPUs were used)."),
    Column("date", "Date", "Date the measured run finished (UTC)."),
    Column(
        "ci",
        "95% CI (Wh / 1k)",
        "95% confidence interval of the mean GPU energy over the run's "
        "repetitions, in Wh per 1,000 queries. Sorting orders by its width relative to the mean.",
    ),
    Column("quality", "Quality", "Task quality score (0-100) reported with the result, where present."),
)

# Performance figures a result may carry beside its energy (shared.bundle.perf_fields): frame column ->
# (label, tooltip).
PERF_FIGURES: dict[str, tuple[str, str]] = {
    "latency_p50_s": ("Latency p50 (s)", "Median time from sending a query to its last output, seconds."),
    "latency_p90_s": ("Latency p90 (s)", "90th percentile of the per-query latency, seconds."),
    "latency_p99_s": ("Latency p99 (s)", "99th percentile of the per-query latency, seconds."),
    "throughput_queries_per_s": ("Throughput (queries / s)", "Queries answered per second, one at a time."),
    "throughput_output_tokens_per_s": ("Throughput (tokens / s)", "New tokens generated per second."),
    "mean_output_tokens": ("Mean response (tokens)", "Mean number of new tokens per query."),
    "peak_memory_gib": ("Peak GPU memory (GiB)", "Highest GPU memory used during the measured passes, GiB."),
    "energy_per_output_token_wh": ("Energy / token (mWh)", "GPU energy per generated token, milliwatt-hours."),
    "output_tokens_per_j": ("Tokens / J", "Generated tokens per joule of GPU energy (higher is better)."),
    "energy_delay_product_wh_s": ("EDP (Wh·s)", "Energy per query times mean latency: lower is better on both."),
}
# What ran the model: the runner loading it (transformers), a serving engine behind an API (endpoint), or,
# for published and reference-runner figures, the reference runner. Two frame columns of text: BACKEND
# holds it where the bundle states it (None elsewhere, so the optional column is offered only where some
# result records its backend), BACKEND_SHOWN always, with what a record that states none stands for.
BACKEND = "backend"
BACKEND_SHOWN = "backend_shown"
BACKEND_SEARCH = "backend:"  # a search term 'backend:endpoint' keeps the rows whose backend says 'endpoint'
BACKEND_COLUMN = (
    "Backend",
    "What ran the model: 'transformers' (the runner loaded it), 'endpoint: <server>' (a serving engine "
    "answered through its API; the runner measured its GPUs) or 'reference runner' (published and "
    "reference-runner figures). Search backend:endpoint to list only one backend.",
)
# The optional columns: a visitor adds them with the column picker (the backend first, then the
# performance figures); a task whose results carry none of them shows no picker.
PERF_COLUMNS: dict[str, tuple[str, str]] = {BACKEND: BACKEND_COLUMN, **PERF_FIGURES}
MIB_PER_GIB = 1024
# Whether a row is rated, in words for downloads: "rated", or "not rated (H200)" for another GPU than the H100.
RATING = "rating"
RATED = "rated"
MAX_BACKEND_CHARS = 60  # server names come from the bundle: shown whole in the detail view, cut in the table


def perf_figures(rec: ResultRecord) -> dict[str, float]:
    """The performance figures a record carries (keys of PERF_COLUMNS), wherever the record keeps them:
    a `performance` attribute or an environment/config entry, either flat or as the runner's
    {"figures": {...}, "peak_memory_used_mib": ...} block. Records without any give {}."""
    block = getattr(rec, "performance", None) or rec.environment.get("performance") or rec.config.get("performance")
    if not isinstance(block, dict):
        return {}
    inner = block.get("figures")
    figures: dict[str, object] = inner if isinstance(inner, dict) else block
    out = {k: float(v) for k, v in figures.items() if k in PERF_FIGURES and isinstance(v, (int, float))}
    mib = block.get("peak_memory_used_mib", figures.get("peak_memory_used_mib"))
    if isinstance(mib, (int, float)) and not isinstance(mib, bool):
        out["peak_memory_gib"] = float(mib) / MIB_PER_GIB
    if "energy_per_output_token_wh" in out:
        out["energy_per_output_token_wh"] *= 1000  # shown in mWh: a token costs a fraction of a Wh
    return out


def backend_matches(shown: pd.Series, term: str) -> pd.Series:
    """Rows whose backend (as shown, any case) contains `term`: the search term 'backend:<term>'."""
    return shown.fillna("").str.lower().str.contains(term, regex=False)


# Sort key -> DataFrame column it orders by.
SORT_COLUMNS: dict[str, str] = {
    "model": "search_key",
    "provider": "provider_sort",
    "class": "model_class",
    "energy": "energy",
    "stars": "stars",
    "parameters": "parameters",
    "precision": "precision",
    "hardware": "hardware",
    "date": "date",
    "ci": "ci_rel_width",
    "quality": "quality",
}
SORT_LABELS: dict[str, str] = {c.key: c.label for c in COLUMNS}
DEFAULT_SORT = "energy"

FRAME_COLUMNS = (
    "result_id",
    "submission_id",
    "bundle_sha256",
    "version_id",
    "task_id",
    "model_id",
    "provider",
    "model_name",
    "model_class",
    "energy",
    "std",
    "ci_low",
    "ci_high",
    "ci_rel_width",
    "stars",
    "parameters",
    "precision",
    "hardware",
    "gpu_count",
    "date",
    "random_weights",
    "quality",
    "repetitions",
    "samples",
    "search_key",
    "provider_sort",
    "provenance",
    "published",
    "other_hw",
    "runner",
    "created",
    "source_note",
    "stars_published",
    BACKEND,
    BACKEND_SHOWN,
    RATING,
    *PERF_FIGURES,
)


def rating_text(rec: ResultRecord) -> str:
    """RATED, or 'not rated (<GPU>)' for a result measured on another GPU than the H100 (it has no stars)."""
    return RATED if is_rated_hardware(rec.hardware, rec.is_published_figure) else not_rated_text(rec.hardware)


def _ci_rel_width(energy: float, low: float | None, high: float | None) -> float:
    if low is None or high is None or not energy:
        return math.nan
    return (high - low) / energy


def results_frame(results: list[RatedResult]) -> pd.DataFrame:
    """One row per rated result, with the columns of FRAME_COLUMNS (built once per version)."""
    rows = []
    for r in results:
        rec = r.record
        perf = perf_figures(rec)
        lo, hi = rec.ci95 or (math.nan, math.nan)
        rows.append(
            (
                r.result_id,
                r.submission_id,
                r.bundle_sha256,
                r.version_id or "",
                rec.task_id,
                rec.model_id,
                rec.provider,
                rec.model_name,
                rec.model_class or "",
                rec.gpu_energy_wh_per_1k,
                rec.std_wh_per_1k,
                lo,
                hi,
                _ci_rel_width(rec.gpu_energy_wh_per_1k, lo, hi),
                r.stars,
                rec.parameters,
                rec.precision or "",
                rec.hardware,
                rec.gpu_count,
                (rec.created_utc or "")[:10],
                bool(rec.random_weights),
                rec.quality_score,
                rec.repetitions,
                rec.samples,
                rec.model_id.lower(),
                rec.provider.lower(),
                rec.provenance or "measured from a validated bundle",
                rec.is_published_figure,
                not is_rated_hardware(rec.hardware, rec.is_published_figure),
                rec.runner,
                rec.created_utc or "",
                rec.source_note,
                rec.stars_published,
                backend_text(rec, MAX_BACKEND_CHARS) if backend_recorded(rec) else None,
                backend_text(rec, MAX_BACKEND_CHARS),
                rating_text(rec),
                *(perf.get(k, math.nan) for k in PERF_FIGURES),
            )
        )
    frame = pd.DataFrame.from_records(rows, columns=list(FRAME_COLUMNS))
    for col in (
        "energy",
        "std",
        "ci_low",
        "ci_high",
        "ci_rel_width",
        "parameters",
        "quality",
        "stars",
        "stars_published",
    ):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame


def split_by_task(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The frame cut per task (each part energy-ordered, index reset): done once per version.

    Each part gains `repeat`: True on a row whose model has several results in the task (two runs of
    one model), which the table then tells apart by date, short id, repetitions and GPU.
    """
    out = {}
    for task, part in frame.groupby("task_id", sort=False):
        part = part.sort_values("energy", kind="stable").reset_index(drop=True)
        out[str(task)] = part.assign(repeat=part.groupby("search_key")["search_key"].transform("size") > 1)
    return out


def filter_hardware(frame: pd.DataFrame, hardware: str | None) -> pd.DataFrame:
    """The rated H100 rows (the default), or with OTHER_HARDWARE the rows measured on other GPUs."""
    if frame.empty or "other_hw" not in frame:
        return frame
    return frame[frame["other_hw"] == (hardware == OTHER_HARDWARE)]


def filter_class(frame: pd.DataFrame, model_class: str | None) -> pd.DataFrame:
    """Rows of one class ('A', 'B', 'C'); None, '' or 'All' keeps every row."""
    if not model_class or model_class == ALL_CLASSES:
        return frame
    return frame[frame["model_class"] == model_class]


def search(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose model id (provider included) contains every whitespace-separated term, any case; a term
    'backend:<text>' keeps instead the rows whose backend contains <text> ('backend:endpoint', 'backend:vllm')."""
    terms = query.lower().split()
    if not terms:
        return frame
    mask = pd.Series(True, index=frame.index)
    keys = frame["search_key"]
    for term in terms:
        if term.startswith(BACKEND_SEARCH) and len(term) > len(BACKEND_SEARCH):
            mask &= backend_matches(frame[BACKEND_SHOWN], term[len(BACKEND_SEARCH) :])
        else:
            mask &= keys.str.contains(term, regex=False)
    return frame[mask]


def sort_view(frame: pd.DataFrame, sort: str = DEFAULT_SORT, descending: bool = False) -> pd.DataFrame:
    """Rows ordered by a column of SORT_COLUMNS; missing values always last, ties by energy then model.

    Raises KeyError naming the valid sort keys for an unknown one.
    """
    if sort not in SORT_COLUMNS:
        raise KeyError(f"Unknown sort {sort!r}; use one of: {', '.join(SORT_COLUMNS)}.")
    col = SORT_COLUMNS[sort]
    by = [col] + [c for c in ("energy", "search_key") if c != col]
    ascending = [not descending] + [True] * (len(by) - 1)
    return frame.sort_values(by, ascending=ascending, na_position="last", kind="stable")


def grouped_by_class(frame: pd.DataFrame, model_class: str | None) -> bool:
    """True when a view mixes classes (the 'All' view of text generation): its rows are then grouped by
    class, since stars compare models of one class only."""
    if frame.empty or (model_class and model_class != ALL_CLASSES):
        return False
    return bool((frame["model_class"] != "").any())


def select_view(
    frame: pd.DataFrame,
    model_class: str | None = None,
    query: str = "",
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    hardware: str | None = RATED_HARDWARE,
) -> pd.DataFrame:
    """A task's rows as a visitor asked for them: hardware, class filter, then search, then sort; a view
    of several classes is grouped by class (A, B, C, then rows without one), sorted within each."""
    rows = sort_view(search(filter_class(filter_hardware(frame, hardware), model_class), query), sort, descending)
    if grouped_by_class(rows, model_class):
        order = rows["model_class"].replace("", "~")  # rows without a class after C
        rows = rows.iloc[order.argsort(kind="stable")]
    return rows


@dataclass(frozen=True)
class EnergySpread:
    """The max/min energy ratio of a set of results (the 'Energy difference of N x' callout).

    Attributes:
        ratio: Highest energy divided by lowest.
        low_model: Model id of the most frugal result.
        low_wh: Its energy, Wh per 1,000 queries.
        high_model: Model id of the most energy-hungry result.
        high_wh: Its energy, Wh per 1,000 queries.
        count: Number of results compared.
    """

    ratio: float
    low_model: str
    low_wh: float
    high_model: str
    high_wh: float
    count: int


def energy_spread(frame: pd.DataFrame) -> EnergySpread | None:
    """Max/min energy of the rows, or None when there are none."""
    if frame.empty:
        return None
    energies = frame["energy"]
    lo, hi = frame.loc[energies.idxmin()], frame.loc[energies.idxmax()]
    return EnergySpread(
        ratio=float(hi["energy"] / lo["energy"]),
        low_model=str(lo["model_id"]),
        low_wh=float(lo["energy"]),
        high_model=str(hi["model_id"]),
        high_wh=float(hi["energy"]),
        count=len(frame),
    )


def perf_present(frame: pd.DataFrame) -> list[str]:
    """The optional columns (PERF_COLUMNS) at least one row carries, in PERF_COLUMNS order: the backend
    when a row's bundle states it, each performance figure that a row has."""
    if frame.empty:
        return []
    return [k for k in PERF_COLUMNS if k in frame and bool(frame[k].notna().any())]


def has_quality(frame: pd.DataFrame) -> bool:
    """True when at least one row carries a quality score."""
    return bool(frame["quality"].notna().any()) if not frame.empty else False
