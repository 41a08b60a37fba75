"""Plotly figures of a task view: energy per model, energy vs parameters, energy vs quality (Pareto).

Each function takes the view's frame (leaderboard.table) and returns a plotly Figure; an empty view
gives a figure with a note instead of axes. Colours follow the stars (5 = the suite's green).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from shared.web.links import GREEN

UNRATED_COLOR = "#9e9e9e"
STAR_COLORS = {5: GREEN, 4: "#8cc665", 3: "#e9c46a", 2: "#f4a261", 1: "#e76f51"}
# One hue per text-generation class (stars compare within a class, so a mixed view is coloured by class).
CLASS_COLORS = {"A": "#2a9d8f", "B": "#6a4c93", "C": "#e76f51", "": UNRATED_COLOR}
MAX_BARS = 60
ENERGY_AXIS = "GPU energy (Wh / 1,000 queries, log scale)"
LINEAR_ENERGY_AXIS = "GPU energy (Wh / 1,000 queries)"
# Below this max/min ratio, bars go on a linear axis from zero: a log axis would make a 1.3x gap look
# like a 30x one, because a log bar's length depends on where the axis happens to start.
LOG_BARS_FROM_RATIO = 10.0
HOVER = "<b>%{customdata[0]}</b><br>%{customdata[1]:.4g} Wh / 1k queries<br>%{customdata[2]}<extra></extra>"
LATENCY_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[1]:.4g} Wh / 1k queries<br>"
    "p50 latency %{customdata[2]:.3g} s<extra></extra>"
)
# Below this many bars, each keeps a fixed share of the plot's width instead of filling it.
FEW_BARS = 8


def _layout(title: str, **axes: object) -> dict[str, object]:
    # automargin: the margins grow to hold long tick labels and the axis titles instead of clipping them.
    for name in ("xaxis", "yaxis"):
        given = axes.get(name)
        axes[name] = {"automargin": True, **(given if isinstance(given, dict) else {})}
    return {
        "title": {"text": title, "font": {"size": 15}},
        "template": "plotly_white",
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "height": 420,
        "legend": {"title": {"text": "Stars"}},
        **axes,
    }


# An empty plot is a line of text: it keeps the height of a title and that line, not of a whole chart.
EMPTY_HEIGHT_PX = 150
# Bar names longer than this are cut on the axis (the hover keeps the whole model id).
TICK_CHARS = 32


def _short(name: str) -> str:
    return name if len(name) <= TICK_CHARS else name[: TICK_CHARS - 1] + "…"


def _empty(title: str, note: str) -> go.Figure:
    fig = go.Figure(layout={**_layout(title), "height": EMPTY_HEIGHT_PX})
    fig.add_annotation(text=note, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _star_groups(frame: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(legend name, colour, rows) per star count, 5 stars first, unrated last."""
    out = []
    stars = frame["stars"]
    for n in range(5, 0, -1):
        part = frame[stars == n]
        if not part.empty:
            out.append((f"{'★' * n} ({n})", STAR_COLORS[n], part))
    unrated = frame[stars.isna()]
    if not unrated.empty:
        out.append(("unrated", UNRATED_COLOR, unrated))
    return out


def mixed_classes(frame: pd.DataFrame) -> bool:
    """True when the rows hold more than one text-generation class (the 'All' view)."""
    return bool(frame["model_class"].nunique() > 1) if not frame.empty else False


def _class_groups(frame: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(legend name, colour, rows) per class, A first; rows without a class last."""
    out = []
    for cls in ("A", "B", "C", ""):
        part = frame[frame["model_class"] == cls]
        if not part.empty:
            out.append((f"Class {cls}" if cls else "No class", CLASS_COLORS[cls], part))
    return out


def _groups(frame: pd.DataFrame) -> tuple[str, list[tuple[str, str, pd.DataFrame]]]:
    """(legend title, groups): by class when the rows mix classes, else by stars."""
    if mixed_classes(frame):
        return "Class (stars compare within a class)", _class_groups(frame)
    return "Stars", _star_groups(frame)


def _custom(part: pd.DataFrame, third: str) -> np.ndarray:
    """Hover data as one object array (plotly validates arrays far faster than nested lists)."""
    return part[["model_id", "energy", third]].to_numpy(dtype=object)


def _xy(part: pd.DataFrame, x: str, y: str) -> dict[str, np.ndarray]:
    return {"x": part[x].to_numpy(), "y": part[y].to_numpy()}


def _points(
    trace: type[go.Scatter] | type[go.Scattergl],
    part: pd.DataFrame,
    xy: tuple[str, str],
    group: tuple[str, str],
    third: str,
    hover: str = HOVER,
) -> go.Scatter | go.Scattergl:
    """One colour group's markers: `xy` the (x, y) columns, `group` its (legend name, colour), `third`
    the column shown last in the hover."""
    name, color = group
    return trace(
        **_xy(part, *xy),
        mode="markers",
        name=name,
        marker={"color": color, "size": 9, "line": {"width": 0.5, "color": "#444"}},
        customdata=_custom(part, third),
        hovertemplate=hover,
    )


def _frontier(front: pd.DataFrame, x: str, y: str, note: str) -> go.Scatter:
    """The Pareto frontier's dashed steps through `front`'s rows; `note` follows each model's name in the hover."""
    return go.Scatter(
        **_xy(front, x, y),
        mode="lines+markers",
        name="Pareto frontier",
        line={"color": "#313131", "dash": "dash", "shape": "hv"},
        marker={"symbol": "diamond-open", "size": 12, "color": "#313131"},
        text=front["model_id"].to_numpy(dtype=object),
        hovertemplate=f"<b>%{{text}}</b> ({note})<extra></extra>",
    )


def _energy_bar_axis(energy: pd.Series) -> dict[str, object]:
    """The energy axis for bars: linear from zero when the spread is small (bar lengths then compare
    truly), else log with its base at the decade below the minimum (the same base for every bar)."""
    low, high = float(energy.min()), float(energy.max())
    if low <= 0 or high / low < LOG_BARS_FROM_RATIO:
        return {"type": "linear", "rangemode": "tozero", "title": {"text": LINEAR_ENERGY_AXIS}}
    return {
        "type": "log",
        "range": [math.floor(math.log10(low)), math.log10(high) + 0.1],
        "title": {"text": ENERGY_AXIS},
    }


def bar_labels(frame: pd.DataFrame) -> pd.Series:
    """Bar names: the model id, and for a model shown more than once (two runs of it, e.g. one through a serving
    engine) its run's short result id too, so that no bar is drawn over another of the same name."""
    ids = frame["model_id"].astype(str)
    if "result_id" not in frame:
        return ids
    repeated = ids.duplicated(keep=False)
    return ids.where(~repeated, ids + " · " + frame["result_id"].astype(str).str[-6:])


def energy_per_model(frame: pd.DataFrame, title: str = "GPU energy per model") -> go.Figure:
    """Bars of energy per model, most frugal first, coloured by stars, or grouped and coloured by class
    when the view mixes classes (stars compare within a class); a log axis when the energies span 10x or
    more (see `_energy_bar_axis`). A few bars keep a modest width instead of filling the plot.

    Above MAX_BARS models the bars become points against their rank (names in the hover). A frame that
    carries `rank` (a thinned view: `leaderboard.index.VersionIndex.plot_rows`) is drawn at those ranks,
    the view's own, and always as points.
    """
    if frame.empty:
        return _empty(title, "No results to plot")
    legend, _ = _groups(frame)
    by_class = mixed_classes(frame)
    if "rank" in frame:
        ordered = frame.sort_values("rank", kind="stable").reset_index(drop=True)
        many = True
    else:
        keys = ["model_class", "energy"] if by_class else ["energy"]
        ordered = frame.sort_values(keys, kind="stable").reset_index(drop=True)
        ordered = ordered.assign(rank=ordered.index + 1)
        many = len(ordered) > MAX_BARS
    ordered = ordered.assign(bar=bar_labels(ordered))
    xaxis: dict[str, object] = (
        {"title": {"text": "Models, by rank (hover for names)"}}
        if many
        else {
            "categoryorder": "array",
            "categoryarray": ordered["bar"].to_numpy(dtype=object),
            "tickvals": ordered["bar"].to_numpy(dtype=object),
            "ticktext": [_short(str(b)) for b in ordered["bar"]],
        }
    )
    if not many and len(ordered) < FEW_BARS:
        # Pad the category axis so one or two bars do not stretch across the whole plot.
        xaxis["range"] = [-0.5, max(len(ordered), FEW_BARS // 2) - 0.5]
    layout = _layout(title, yaxis=_energy_bar_axis(ordered["energy"]), xaxis=xaxis, bargap=0.15)
    layout["legend"] = {"title": {"text": legend}}
    fig = go.Figure(layout=layout)
    _, groups = _groups(ordered)
    for name, color, part in groups:
        common = {
            "name": name,
            "marker": {"color": color},
            "customdata": _custom(part, "hardware"),
            "hovertemplate": HOVER,
        }
        if many:
            fig.add_trace(go.Scattergl(mode="markers", **_xy(part, "rank", "energy"), **common))
        else:
            fig.add_trace(go.Bar(**_xy(part, "bar", "energy"), **common))
    if not many:
        fig.update_layout(barmode="overlay")
    return fig


def energy_vs_parameters(frame: pd.DataFrame, title: str = "GPU energy against parameter count") -> go.Figure:
    """Energy against parameters, both on log axes, coloured by stars (rows without a count left out)."""
    known = frame[frame["parameters"].notna() & (frame["parameters"] > 0)]
    if known.empty:
        return _empty(title, "No result reports its parameter count")
    legend, groups = _groups(known)
    layout = _layout(
        title,
        xaxis={"type": "log", "title": {"text": "Parameters (log scale)"}, **_log_range(known["parameters"])},
        yaxis={"type": "log", "title": {"text": ENERGY_AXIS}, **_log_range(known["energy"])},
    )
    layout["legend"] = {"title": {"text": legend}}
    fig = go.Figure(layout=layout)
    for name, color, part in groups:
        fig.add_trace(_points(go.Scattergl, part, ("parameters", "energy"), (name, color), "precision"))
    return fig


def _log_range(values: pd.Series) -> dict[str, object]:
    """A log axis at least one decade wide around the values: a single point otherwise gets a sliver
    of an axis crowded with minor ticks."""
    low, high = float(values.min()), float(values.max())
    if low <= 0 or high / low >= 10:
        return {}
    mid = (math.log10(low) + math.log10(high)) / 2
    return {"range": [mid - 0.5, mid + 0.5], "dtick": 1}


def pareto_frontier(energy: Sequence[float], quality: Sequence[float]) -> list[int]:
    """Indices of the Pareto-optimal points (less energy and more quality are better), by energy.

    A point is on the frontier when no other point has energy <= its own and quality >= its own with
    one of the two strictly better. Points with a NaN in either value are ignored.
    """
    pts = [
        (e, -q, i) for i, (e, q) in enumerate(zip(energy, quality, strict=True)) if not (math.isnan(e) or math.isnan(q))
    ]
    pts.sort()
    frontier: list[int] = []
    best_quality = -math.inf
    for _energy, neg_q, i in pts:
        if -neg_q > best_quality:
            frontier.append(i)
            best_quality = -neg_q
    return frontier


def energy_vs_quality(frame: pd.DataFrame, title: str = "Quality against GPU energy") -> go.Figure:
    """Quality against energy (log axis) for rows with a quality score, the Pareto frontier drawn."""
    known = frame[frame["quality"].notna()].reset_index(drop=True)
    if known.empty:
        return _empty(title, "No result of this view reports a quality score")
    fig = go.Figure(
        layout=_layout(
            title,
            xaxis={"type": "log", "title": {"text": ENERGY_AXIS}},
            yaxis={"title": {"text": "Quality score (0-100, higher is better)"}},
        )
    )
    for name, color, part in _star_groups(known):
        fig.add_trace(_points(go.Scatter, part, ("energy", "quality"), (name, color), "quality"))
    front = known.iloc[pareto_frontier(list(known["energy"]), list(known["quality"]))]
    fig.add_trace(_frontier(front, "energy", "quality", "Pareto-optimal"))
    return fig


def energy_vs_latency(frame: pd.DataFrame, title: str = "GPU energy against latency") -> go.Figure | None:
    """Energy against median latency (both log axes) for rows with a latency, the Pareto frontier marked
    (no other result is both faster and more frugal); None when no row has a latency."""
    if "latency_p50_s" not in frame:
        return None
    known = frame[frame["latency_p50_s"].notna() & (frame["latency_p50_s"] > 0)].reset_index(drop=True)
    if known.empty:
        return None
    legend, groups = _groups(known)
    layout = _layout(
        title,
        xaxis={"type": "log", "title": {"text": "Median latency per query (s, log scale)"}},
        yaxis={"type": "log", "title": {"text": ENERGY_AXIS}},
    )
    layout["legend"] = {"title": {"text": legend}}
    fig = go.Figure(layout=layout)
    for name, color, part in groups:
        fig.add_trace(
            _points(go.Scatter, part, ("latency_p50_s", "energy"), (name, color), "latency_p50_s", LATENCY_HOVER)
        )
    # Lower energy and lower latency are both better: the frontier of (energy, -latency).
    order = pareto_frontier(list(known["energy"]), [-x for x in known["latency_p50_s"]])
    front = known.iloc[order].sort_values("latency_p50_s")
    fig.add_trace(
        _frontier(front, "latency_p50_s", "energy", "Pareto-optimal: no result is both faster and more frugal")
    )
    return fig
