"""Energy per prompt against time per prompt: how much of a text-generation figure is the model's work on the GPU and
how much is the GPU's power while it waits for the CPU, and the runners compared at the same pace.

At batch 1 a small model's GPU waits for the CPU to launch its kernels, so a prompt's energy is nearly
`work_j + waiting_w * time`: a fixed amount of GPU work plus the power a clocked-up, waiting GPU draws for as long
as the prompt takes. The lent H200 hosts' CPU pace swung up to 2x within minutes (benchmarks/host_pace.py), which
moves every run's figure; comparing two runners' raw figures then mostly compares the moments they ran at. This
program fits the line across runs (and, where the host monitor logged the GPU's power, within each run over windows
of prompts) and gives each runner's offset from the line: at the same pace, runners whose offsets agree metered the
same energy.

    python -m benchmarks.pace_energy benchmarks/sessions/2026-12-03-h200-s9/call3 \
        benchmarks/sessions/2026-12-03-h200-s11/call2

Each argument is one group: a folder (a call on one host), or folders joined by commas (calls back to back on one
machine). Every run record below them (`NN_*.json` with `wh_per_1k`, `pass_s` and `samples`, written by
benchmarks/reference_side_by_side.py) counts; a folder's `host/gpu.csv` gives the within-run fits of its records.
Within a group each runner is held against the reference at as many prompts, and against itself at the group's
largest number of prompts; over all groups that ran both, one fit gives each runner's effect against the reference
at the same pace and host, with its 95% confidence interval. `--json PATH` writes the result (schema
`pace_energy/1`).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from benchmarks.host_pace import read_cpu, read_gpu, windows
from shared.method.stats import t_quantile_975

SCHEMA = "pace_energy/1"
WINDOW = 50  # prompts per within-run window
REFERENCE = "reference"
# A line through few runs follows them: through two, both sit on it and every comparison reads 1.
MIN_RUNS = 5


@dataclass(frozen=True)
class RunPoint:
    """One counted pass of a run record.

    Attributes:
        group: The group argument the record was found under (calls on one host).
        record: The record's path relative to its group.
        runner: `reference`, or `ours@WARMUP` with the warm-up the record names.
        prompts: Prompts in the counted pass.
        s_per_prompt: Counted pass time over prompts, s.
        j_per_prompt: The run's figure, Wh per 1,000 prompts, in J per prompt (x 3.6).
        pair: `FOLDER#N` for pair N of an alternated-pairs folder (its path as given), else None.
    """

    group: str
    record: str
    runner: str
    prompts: int
    s_per_prompt: float
    j_per_prompt: float
    pair: str | None = None


@dataclass(frozen=True)
class Line:
    """`j_per_prompt = work_j + waiting_w * s_per_prompt`, least squares.

    Attributes:
        work_j: Intercept: energy per prompt that does not grow with its time, J.
        waiting_w: Slope: power drawn for each second a prompt takes, W.
        r2: Coefficient of determination of the fit.
        points: Points fitted.
    """

    work_j: float
    waiting_w: float
    r2: float
    points: int

    def predict_j(self, s_per_prompt: float) -> float:
        """Energy per prompt the line gives for a pace, J."""
        return self.work_j + self.waiting_w * s_per_prompt


@dataclass(frozen=True)
class RunFit:
    """A run's own line, fitted over windows of WINDOW prompts from the host monitor's power log.

    Attributes:
        group: As in RunPoint.
        record: As in RunPoint.
        runner: As in RunPoint.
        line: The fit; its points are the windows with power samples.
        pace_range: Slowest over fastest window's mean prompt time.
    """

    group: str
    record: str
    runner: str
    line: Line
    pace_range: float


@dataclass(frozen=True)
class Comparison:
    """Runs of one group against a baseline of the same group, raw and at the same pace.

    Attributes:
        group: The group.
        runner: The runner compared.
        prompts: Prompts in each of its counted passes.
        baseline: What it is held against: the reference at as many prompts, or the same runner at the group's
            largest number of prompts (`ours@ours at 1000`).
        runs: Its runs and the baseline's, as (its, the baseline's); for alternated pairs, the pairs (n, n).
        raw_ratio: Its median figure over the baseline's; for alternated pairs, the median of the pairs' ratios.
        pace_matched_ratio: (1 + its median offset from the line) over (1 + the baseline's), or the median of the
            pairs' such ratios: the ratio the two would show at the same pace.
    """

    group: str
    runner: str
    prompts: int
    baseline: str
    runs: tuple[int, int]
    raw_ratio: float
    pace_matched_ratio: float


@dataclass(frozen=True)
class RunnerEffect:
    """A runner's figure against the reference's at the same pace and on the same host, by least squares over every
    group that ran both: `j_per_prompt = host's work_j + waiting_w * s_per_prompt + effect_j * [this runner]`.

    Attributes:
        runner: The runner.
        groups: Groups (hosts) that ran both.
        runs: Its runs and the reference's in those groups, as (its, the reference's).
        effect_j: Energy per prompt it adds at the same pace and host, J (negative: it reads lower).
        effect_pct: effect_j over the reference runs' mean energy per prompt, %.
        ci95_pct: Half width of effect_pct's 95% confidence interval (Student's t), %.
        df: Degrees of freedom left for the residuals.
        waiting_w: The fit's common slope, W.
        baseline: The reference it is held against: `reference`, or a variant such as `reference@flash`.
    """

    runner: str
    groups: int
    runs: tuple[int, int]
    effect_j: float
    effect_pct: float
    ci95_pct: float
    df: int
    waiting_w: float
    baseline: str = REFERENCE


def runner_of(record: dict[str, Any]) -> str:
    """`reference` or `ours@WARMUP` for a side-by-side record (records of sessions 8-9 name the warm-up `ours`
    for what session 10 calls `ours-prefill`); the `extra` run of a pairs call, ours on another library path, adds
    its transformers version, so it is not counted as one of the pairs."""
    name = str(record.get("runner", "?"))
    if name == REFERENCE:
        return REFERENCE
    if name.startswith(f"{REFERENCE} ("):  # a variant of the reference, e.g. "reference (flash)"
        return f"{REFERENCE}@{name[len(REFERENCE) + 2 : -1]}"
    extra = (
        f" (transformers {record.get('versions', {}).get('transformers', '?')})"
        if record.get("pair") == "extra"
        else ""
    )
    return f"ours@{record.get('warmup', '?')}{extra}"


def _records(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for f in sorted(folder.rglob("[0-9][0-9]_*.json")):
        try:
            rec = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        # A failed run's record has no figures; one with a zero or missing figure has nothing to place on a line.
        if isinstance(rec, dict) and all(
            isinstance(rec.get(k), int | float) and rec[k] > 0 for k in ("wh_per_1k", "pass_s", "samples")
        ):
            found.append((f, rec))
    return found


def split_group(group: str | Path) -> list[Path]:
    """The folders of a group argument: one folder, or several joined by commas (calls on one host)."""
    return [Path(x) for x in str(group).split(",") if x]


def _group_records(groups: Sequence[str | Path]) -> Iterator[tuple[str, Path, str, dict[str, Any]]]:
    """(group, folder, record name, record) for every run record, in group, folder and path order."""
    for group in groups:
        folders = split_group(group)
        for folder in folders:
            for f, rec in _records(folder):
                name = str(f.relative_to(folder))
                yield str(group), folder, (f"{folder.name}/{name}" if len(folders) > 1 else name), rec


def point_of(record: dict[str, Any], group: str, name: str, pair_scope: str) -> RunPoint:
    """A side-by-side record as a point; an integer `pair` becomes `PAIR_SCOPE#N` (pairs are numbered per folder)."""
    n = int(record["samples"])
    pair = record.get("pair")
    return RunPoint(
        group=group,
        record=name,
        runner=runner_of(record),
        prompts=n,
        s_per_prompt=float(record["pass_s"]) / n,
        j_per_prompt=float(record["wh_per_1k"]) * 3.6,
        pair=f"{pair_scope}#{pair}" if isinstance(pair, int) else None,
    )


def points(groups: Sequence[str | Path]) -> list[RunPoint]:
    """Every run record under the groups' folders as a point, in group, folder and path order."""
    return [point_of(rec, group, name, str(folder)) for group, folder, name, rec in _group_records(groups)]


def fit(s_per_prompt: ArrayLike, j_per_prompt: ArrayLike) -> Line:
    """The least-squares line through (time, energy) points; needs two distinct times."""
    t, j = np.asarray(s_per_prompt, float), np.asarray(j_per_prompt, float)
    if t.shape != j.shape:
        raise ValueError("as many energies as times are needed")
    if len(t) < 2 or np.ptp(t) == 0:
        raise ValueError("a line needs at least two points at different paces")
    slope, intercept = np.polyfit(t, j, 1)
    resid = j - (intercept + slope * t)
    total = float(((j - j.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / total if total > 0 else 1.0
    return Line(work_j=float(intercept), waiting_w=float(slope), r2=r2, points=len(t))


def offset(line: Line, p: RunPoint) -> float:
    """A run's figure over the line's at its pace, minus one."""
    return p.j_per_prompt / line.predict_j(p.s_per_prompt) - 1.0


def run_fits(groups: Sequence[str | Path]) -> list[RunFit]:
    """Each run's own line over its windows, for folders with a host monitor log (`host/gpu.csv`)."""
    out = []
    logs: dict[Path, tuple[np.ndarray, np.ndarray] | None] = {}
    for group, folder, name, rec in _group_records(groups):
        if folder not in logs:
            host = folder / "host"
            ok = (host / "gpu.csv").is_file() and (host / "cpu.txt").is_file()
            logs[folder] = (read_gpu(host / "gpu.csv"), read_cpu(host / "cpu.txt")) if ok else None
        log = logs[folder]
        times = np.asarray(rec.get("pass_times_ms") or [], float)
        if log is None or "pass_start_unix" not in rec or len(times) < 2 * WINDOW:
            continue
        ms, j = [], []
        for w in windows(rec, *log, WINDOW):
            mean_ms = float(times[w.first_prompt : w.first_prompt + WINDOW].mean())
            if np.isfinite(w.power_w):
                ms.append(mean_ms)
                j.append(w.power_w * mean_ms / 1000.0)
        if len(ms) >= 3:
            line = fit(np.asarray(ms) / 1000, j)
            out.append(RunFit(group, name, runner_of(rec), line, max(ms) / min(ms)))
    return out


def _versus(
    off: dict[RunPoint, float], runs: Sequence[RunPoint], base: Sequence[RunPoint], baseline: str
) -> Comparison:
    mine = {p.pair: p for p in runs if p.pair}
    pairs = [(mine[b.pair], b) for b in base if b.pair in mine]
    if pairs:  # alternated pairs: the median of the pairs' ratios, as the pairs program reports it
        raw = statistics.median(a.j_per_prompt / b.j_per_prompt for a, b in pairs)
        paced = statistics.median((1 + off[a]) / (1 + off[b]) for a, b in pairs)
        counts = (len(pairs), len(pairs))
    else:
        raw = statistics.median(p.j_per_prompt for p in runs) / statistics.median(p.j_per_prompt for p in base)
        paced = (1 + statistics.median(off[p] for p in runs)) / (1 + statistics.median(off[p] for p in base))
        counts = (len(runs), len(base))
    return Comparison(
        group=runs[0].group,
        runner=runs[0].runner,
        prompts=runs[0].prompts,
        baseline=f"{baseline}, paired" if pairs else baseline,
        runs=counts,
        raw_ratio=raw,
        pace_matched_ratio=paced,
    )


def compare(pts: Sequence[RunPoint], line: Line | None = None) -> list[Comparison]:
    """In every group: each runner against the reference at as many prompts, then each runner at fewer prompts
    against itself at the group's largest number (whether a figure depends on the pass's length). Offsets are from
    `line`, by default the line through the runs of all groups; with fewer than MIN_RUNS runs there is no comparison."""
    if len(pts) < MIN_RUNS:
        return []
    line = line or fit([p.s_per_prompt for p in pts], [p.j_per_prompt for p in pts])
    off = {p: offset(line, p) for p in pts}
    cells: dict[tuple[str, str, int], list[RunPoint]] = {}
    for p in pts:
        cells.setdefault((p.group, p.runner, p.prompts), []).append(p)
    out = []
    for (g, name, n), runs in cells.items():
        if is_reference(name):
            continue
        for ref_name in dict.fromkeys(r for (h, r, m) in cells if (h, m) == (g, n) and is_reference(r)):
            out.append(_versus(off, runs, cells[(g, ref_name, n)], ref_name))
    for (g, name, n), runs in cells.items():
        most = max(m for (h, r, m) in cells if (h, r) == (g, name))
        if n < most:
            out.append(_versus(off, runs, cells[(g, name, most)], f"{name} at {most}"))
    return out


def is_reference(runner: str) -> bool:
    """Whether a runner label (runner_of) is the reference runner or one of its variants."""
    return runner == REFERENCE or runner.startswith(f"{REFERENCE}@")


def runner_effects(pts: Sequence[RunPoint]) -> list[RunnerEffect]:
    """For each runner and each variant of the reference it shares a group with, its effect at the same pace and
    host (RunnerEffect); none where the fit would leave fewer than two degrees of freedom."""
    out = []
    refs = list(dict.fromkeys(p.runner for p in pts if is_reference(p.runner)))
    for name, ref in ((n, r) for n in dict.fromkeys(p.runner for p in pts if not is_reference(p.runner)) for r in refs):
        shared = sorted({p.group for p in pts if p.runner == name} & {p.group for p in pts if p.runner == ref})
        sel = [p for p in pts if p.group in shared and p.runner in (name, ref)]
        cols = 2 + len(shared)  # common slope, one intercept per host, the runner's effect
        if len(sel) - cols < 2:
            continue
        x = np.array(
            [[p.s_per_prompt] + [float(p.group == g) for g in shared] + [float(p.runner == name)] for p in sel]
        )
        y = np.array([p.j_per_prompt for p in sel])
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        df = len(sel) - cols
        sigma2 = float(((y - x @ beta) ** 2).sum()) / df
        se = float(np.sqrt(sigma2 * np.linalg.pinv(x.T @ x)[-1, -1]))
        base = float(np.mean([p.j_per_prompt for p in sel if p.runner == ref]))
        out.append(
            RunnerEffect(
                runner=name,
                groups=len(shared),
                runs=(sum(p.runner == name for p in sel), sum(p.runner == ref for p in sel)),
                effect_j=float(beta[-1]),
                effect_pct=100 * float(beta[-1]) / base,
                ci95_pct=100 * t_quantile_975(df) * se / base,
                df=df,
                waiting_w=float(beta[0]),
                baseline=ref,
            )
        )
    return out


def report(groups: Sequence[str | Path]) -> tuple[str, dict[str, Any]]:
    """The markdown report and the JSON document for the groups."""
    pts = points(groups)
    line = fit([p.s_per_prompt for p in pts], [p.j_per_prompt for p in pts])
    fits = run_fits(groups)
    comps, effects = compare(pts, line), runner_effects(pts)
    lines = [
        f"Across runs: J per prompt = {line.work_j:.2f} J + {line.waiting_w:.1f} W x s per prompt "
        f"(R2 {line.r2:.4f}, {line.points} runs)",
        "",
        "| group | record | runner | prompts | ms / prompt | J / prompt | Wh / 1k | off the line |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p.group} | {p.record} | {p.runner} | {p.prompts} | {1000 * p.s_per_prompt:.1f} | {p.j_per_prompt:.2f} "
        f"| {p.j_per_prompt / 3.6:.4f} | {100 * offset(line, p):+.1f}% |"
        for p in pts
    ]
    if len(pts) < MIN_RUNS:
        lines += ["", f"No comparison at the same pace: it needs at least {MIN_RUNS} runs, these are {len(pts)}."]
    if fits:
        lines += [
            "",
            f"Within runs ({WINDOW}-prompt windows, power from the host monitor):",
            "",
            "| group | record | runner | windows | slowest / fastest | work J | waiting W | R2 |",
            "|---|---|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {f.group} | {f.record} | {f.runner} | {f.line.points} | {f.pace_range:.2f}x | {f.line.work_j:.2f} "
            f"| {f.line.waiting_w:.1f} | {f.line.r2:.3f} |"
            for f in fits
        ]
    if comps:
        lines += [
            "",
            "| group | runner | prompts | against | runs (its, the other's) | raw ratio | at the same pace |",
            "|---|---|---:|---|---|---:|---:|",
        ]
        lines += [
            f"| {c.group} | {c.runner} | {c.prompts} | {c.baseline} | {c.runs[0]}, {c.runs[1]} | {c.raw_ratio:.4f} "
            f"| {c.pace_matched_ratio:.4f} |"
            for c in comps
        ]
    if effects:
        lines += [
            "",
            "Each runner against the reference (and its variants) at the same pace and on the same host (one fit over "
            "the hosts that ran both: common slope, an intercept per host, the runner's effect):",
            "",
            "| runner | against | hosts | runs (its, the other's) | effect, J / prompt | effect | 95% CI | slope W |",
            "|---|---|---:|---|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {e.runner} | {e.baseline} | {e.groups} | {e.runs[0]}, {e.runs[1]} | {e.effect_j:+.3f} "
            f"| {e.effect_pct:+.2f}% | {e.effect_pct - e.ci95_pct:+.2f}% to {e.effect_pct + e.ci95_pct:+.2f}% "
            f"| {e.waiting_w:.1f} |"
            for e in effects
        ]
    doc = {
        "schema": SCHEMA,
        "line": asdict(line),
        "runs": [asdict(p) | {"offset": offset(line, p)} for p in pts],
        "run_fits": [asdict(f) for f in fits],
        "comparisons": [asdict(c) for c in comps],
        "runner_effects": [asdict(e) for e in effects],
    }
    return "\n".join(lines), doc


def main(argv: list[str] | None = None) -> int:
    """Print the report for the folders; write its JSON with --json."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "groups",
        nargs="+",
        help="A folder per group (a call on one host), or folders joined by commas (calls on one host).",
    )
    ap.add_argument("--json", type=Path, help="Also write the result here.")
    a = ap.parse_args(argv)
    missing = [str(f) for g in a.groups for f in split_group(g) if not f.is_dir()]
    if missing:
        ap.error(f"not a folder: {', '.join(missing)}")
    try:
        text, doc = report(a.groups)
    except ValueError as e:
        ap.error(f"{e} (found {len(points(a.groups))} run records under the folders)")
    print(text)
    if a.json:
        a.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
