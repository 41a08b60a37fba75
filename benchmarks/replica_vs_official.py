"""Our random-weight replicas against the official board's real models: the demo bundles that seed.py
loads, beside the official February 2025 ratings it imports, with what each bundle says about its
workload (input sizes, output lengths, pass time, power, host) and whether the two figures measure the
same workload.

    PYTHONPATH=. python3 benchmarks/replica_vs_official.py            # markdown tables
    PYTHONPATH=. python3 benchmarks/replica_vs_official.py --json     # the rows as JSON
    PYTHONPATH=. python3 benchmarks/replica_vs_official.py reads --images DIR [--qa FILE]   # CPU timing
    PYTHONPATH=. python3 benchmarks/replica_vs_official.py probe --rep /tmp/rep --data /tmp/data   # on a GPU

The tables measure nothing on a GPU. Every figure they print is read from a file: the demo bundles
(`seed.demo_dir()`), the official CSVs (`seed.REFERENCE_DIR`, read by the importer the store uses),
the GPU sessions' bundles and logs (`benchmarks/sessions/`, for other runs of the same replica), the
published input-token totals stated in `docs/METHODOLOGY.md` §3, and the sample sets themselves: the
program regenerates them with the `python -m runner.samples` commands written in
`benchmarks/RESULTS.md`, keeps a set only when its digest equals the one recorded in the bundle, and
measures it (words, image sizes, clip lengths, and the model input the replica's own preprocessor
makes of them).

Hard-coded here: the architecture mapping (replica -> official model id) and two public facts about
the reference runner that decide comparability, each with its source:
- which pipeline tasks the reference generates with (optimum-benchmark's `TEXT_GENERATION_TASKS`,
  `optimum_benchmark/task_utils.py`; the energy_star scenario runs every other task as one forward pass,
  `optimum_benchmark/scenarios/energy_star/scenario.py`);
- how many model calls one query costs where the two runners differ: the reference tokenizes a
  sentence pair into one input (`sentence_similarity_preprocessing`, energy_star preprocessing), our
  runner embeds each sentence with its own forward pass (`runner/workloads.py`, `SentenceSimilarity.run`).

`reads` times, on the CPU, the per-sample read the reference's measured loop makes from its Arrow-mapped
dataset, against our runner's in-memory tensors. `probe` runs, on a GPU, our pass and the reference's
pass (one pair input; one forward pass for summarization) on the same warmed replica and samples.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import statistics
import sys
import tempfile
import zipfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python3 benchmarks/replica_vs_official.py` without PYTHONPATH
    sys.path.insert(0, str(ROOT))

SESSIONS_DIR = ROOT / "benchmarks" / "sessions"
RESULTS_MD = ROOT / "benchmarks/RESULTS.md"
METHODOLOGY_MD = ROOT / "docs/METHODOLOGY.md"
REPLICA_CONFIGS = ROOT / "runner" / "replica_configs"

# The architecture mapping: replica (the bundle's model id) -> the official board's model id.
# GIST-all-MiniLM-L6-v2 is a fine-tune of all-MiniLM-L6-v2 (same architecture); the official board has
# no row for all-MiniLM-L6-v2 itself.
MAPPING: dict[str, str] = {
    "openai/whisper-tiny-replica": "openai/whisper-tiny",
    "Salesforce/blip2-opt-2.7b-replica": "Salesforce/blip2-opt-2.7b",
    "microsoft/resnet-50-replica": "microsoft/resnet-50",
    "google/vit-base-patch16-224-replica": "google/vit-base-patch16-224",
    "facebook/detr-resnet-101-replica": "facebook/detr-resnet-101",
    "distilbert/distilbert-base-cased-distilled-squad-replica": "distilbert/distilbert-base-cased-distilled-squad",
    "deepset/electra-base-squad2-replica": "deepset/electra-base-squad2",
    "lvwerra/distilbert-imdb-replica": "lvwerra/distilbert-imdb",
    "sentence-transformers/all-MiniLM-L6-v2-replica": "avsolatorio/GIST-all-MiniLM-L6-v2",
    "sshleifer/distilbart-cnn-12-6-replica": "sshleifer/distilbart-cnn-12-6",
    "meta-llama/Llama-3.1-8B-replica": "meta-llama/Meta-Llama-3.1-8B",
}

# Public fact 1 (module docstring): the pipeline tasks the reference's energy_star scenario runs as a
# generate pass; diffusion pipelines run as a call pass; every other task as one forward pass.
REFERENCE_GENERATION_PIPELINES = frozenset(
    {"image-to-text", "text-generation", "text2text-generation", "automatic-speech-recognition"}
)
REFERENCE_DIFFUSION_PIPELINES = frozenset({"text-to-image"})
# Public fact 2 (module docstring): model calls per query where our runner makes more than the
# reference's one (batch 1, one call per sample).
OUR_CALLS_PER_QUERY: dict[str, int] = {"sentence_similarity": 2}

RESULT_LINE = re.compile(r"^(\S+) \(random weights\) / ([a-z_]+): ([0-9.]+) Wh per 1,000 queries")
GPU_LINE = re.compile(r"^GPUs (.+?); idle power")
SAMPLES_LINE = re.compile(r"^dataset \S+: (\d+) samples")
PASS_LINE = re.compile(r"^repetition \d+: [0-9.]+ Wh per 1,000 queries \(([0-9.]+) s")
UUID_LINE = re.compile(r"uuid sha256 ([0-9a-f]{12})")
SAMPLES_CMD = re.compile(r"runner\.samples((?:\s+--[a-z-]+\s+[^\s`]+)+)")
TOKEN_TOTALS = re.compile(r"Published totals of input tokens per set:([^\n]+(?:\n[^\n]+)?)")


@dataclass
class OtherRun:
    """Another run of the same replica and task, found in benchmarks/sessions/ (pass_s: one repetition's
    counted pass, mean over repetitions; samples: None where the log does not say)."""

    value: float
    gpu: str
    samples: int | None
    pass_s: float | None
    source: str


@dataclass
class Row:
    """One architecture: our demo bundle beside the official figure, and what explains the ratio."""

    bundle: str
    task: str
    replica: str
    official_model: str
    ours: float
    official: float
    ratio: float
    official_source: str
    gpu: str
    gpu_id: str
    host_session: str
    idle_w: float | None
    samples: int
    repetitions: int
    input_tokens_per_sample: float | None
    published_tokens_per_sample: float | None
    sample_set: str
    sample_measures: dict[str, str]
    model_input: str
    our_pass: str
    reference_pass: str
    output_tokens_per_sample: float | None
    output_pinned: bool | None
    pass_s_per_1k: float
    pass_w: float
    preprocess_s: float
    preprocess_wh: float
    gap_s_at_pass_w: float = 0.0
    others: list[OtherRun] = field(default_factory=list)
    comparable: bool = True
    reasons: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def read_bundle(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(benchmark_report.json, environment.json) of a bundle."""
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("benchmark_report.json")), json.loads(z.read("environment.json"))


def official_figures(folder: Path) -> dict[str, list[tuple[float, str]]]:
    """Official model id -> [(Wh per 1,000 queries, 'file line N')], read by the store's importer."""
    from shared.store.reference_import import read_published

    figures, _ = read_published(folder, "replica-vs-official")
    out: dict[str, list[tuple[float, str]]] = {}
    for fig in figures:
        r = fig.record
        out.setdefault(r.model_id, []).append(
            (r.gpu_energy_wh_per_1k, f"{folder.name}/{r.source_file} line {r.source_line}")
        )
    return out


def published_tokens(methodology: Path) -> dict[str, float]:
    """Task id -> published input tokens per sample (the set's total / 1,000), from docs/METHODOLOGY.md §3."""
    from shared.method.tasks import TASKS

    m = TOKEN_TOTALS.search(methodology.read_text(encoding="utf-8"))
    if not m:
        return {}
    out = {}
    for part in m.group(1).replace("\n", " ").split(";"):
        words = part.strip().rstrip(".").rsplit(" ", 1)
        if len(words) != 2:
            continue
        label, number = words[0].strip().lower(), words[1].replace(",", "")
        for tid in TASKS:
            if tid.replace("_", " ") == label and number.isdigit():
                out[tid] = int(number) / 1000
    return out


def _log_runs(path: Path) -> list[tuple[str, str, OtherRun]]:
    """(model id, task, run) of every result line of a session log, with the GPU, samples and pass time
    printed before it in the same log."""
    out = []
    gpu, samples, passes = "?", None, []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if m := GPU_LINE.match(line):
            gpu = m.group(1)
        elif m := SAMPLES_LINE.match(line):
            samples, passes = int(m.group(1)), []
        elif m := PASS_LINE.match(line):
            passes.append(float(m.group(1)))
        elif m := RESULT_LINE.match(line):
            pass_s = statistics.fmean(passes) if passes else None
            out.append((m.group(1), m.group(2), OtherRun(float(m.group(3)), gpu, samples, pass_s, _rel(path))))
            samples, passes = None, []
    return out


def session_runs(sessions: Path) -> list[tuple[str, str, OtherRun]]:
    """Every run of benchmarks/sessions/: its bundles, then the result lines of its logs (a run whose
    figure is already listed, to 4 decimals, is listed once)."""
    out: list[tuple[str, str, OtherRun]] = []
    seen: set[tuple[str, str, str]] = set()
    for path in sorted(sessions.glob("*/*.zip")):
        rep, env = read_bundle(path)
        value = rep["summary"]["gpu_energy_wh_per_1k_mean"]
        passes = sum(p["duration_s"] for r in rep["repetitions"] for p in r["phases"] if p["in_total"])
        per_rep = passes / max(1, len(rep["repetitions"]))
        run = OtherRun(value, env["gpus"][0]["name"], rep["dataset"]["samples"], per_rep, _rel(path))
        out.append((rep["model"]["id"], rep["task"], run))
        seen.add((rep["model"]["id"], rep["task"], f"{value:.4f}"))
    for path in sorted(sessions.glob("*/*.txt")):
        for model, task, run in _log_runs(path):
            key = (model, task, f"{run.value:.4f}")
            if key not in seen:
                seen.add(key)
                out.append((model, task, run))
    return out


def gpu_sessions(sessions: Path) -> dict[str, set[str]]:
    """GPU id (first 12 hex digits of the UUID's hash) -> session folders whose bundles or logs name it."""
    out: dict[str, set[str]] = {}
    for path in sorted(sessions.glob("*/*.zip")):
        _, env = read_bundle(path)
        out.setdefault(env["gpus"][0]["uuid_sha256"][:12], set()).add(path.parent.name)
    for path in sorted(sessions.glob("*/*.txt")):
        for m in UUID_LINE.finditer(path.read_text(encoding="utf-8", errors="replace")):
            out.setdefault(m.group(1), set()).add(path.parent.name)
    return out


def sample_commands(results_md: Path) -> list[list[str]]:
    """The `python -m runner.samples` arguments written in RESULTS.md, without --out, in order, once each."""
    text = re.sub(r"\s+", " ", results_md.read_text(encoding="utf-8"))
    out: list[list[str]] = []
    for m in SAMPLES_CMD.finditer(text):
        args = m.group(1).split()
        pairs = [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2) if args[i] != "--out"]
        flat = [x for pair in pairs for x in pair]
        if flat not in out:
            out.append(flat)
    return out


class SampleSets:
    """The sample sets regenerated from RESULTS.md's commands, each kept only for a bundle whose
    recorded digest it reproduces."""

    def __init__(self, commands: list[list[str]], workdir: Path) -> None:
        self.commands = commands
        self.workdir = workdir
        self.made: dict[int, Path] = {}

    def _folder(self, i: int) -> Path:
        if i not in self.made:
            from runner.samples import main as samples_main

            out = self.workdir / f"set{i}"
            with contextlib.redirect_stdout(io.StringIO()):
                samples_main(["--out", str(out), *self.commands[i]])
            self.made[i] = out
        return self.made[i]

    def rows_for(self, report: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        """(rows, 'the command') of the first regenerated set whose digest equals the bundle's, or
        ([], why not)."""
        from runner.datasets_io import load_samples
        from runner.errors import RunnerError
        from shared.method.tasks import TASKS

        ds = report["dataset"]
        for i, args in enumerate(self.commands):
            local = self._folder(i) / Path(ds["id"]).name
            if not local.exists():
                continue
            try:
                loaded = load_samples(str(local), TASKS[report["task"]], int(ds["samples"]))
            except RunnerError:
                continue
            if loaded.sha256 == ds["sha256"]:
                return loaded.rows, "python -m runner.samples " + " ".join(args)
        return [], "no command of RESULTS.md reproduces the bundle's dataset digest"


def _spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    return f"mean {statistics.fmean(values):.{digits}f}{unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def measure_rows(task_id: str, rows: list[dict[str, Any]]) -> dict[str, str]:
    """What each input column of the set holds: words per text, pixel sizes, clip seconds."""
    from shared.method.tasks import TASKS

    out = {}
    for col in TASKS[task_id].input_columns:
        cells = [r[col] for r in rows]
        if all(isinstance(c, str) for c in cells):
            out[col] = _spread([float(len(c.split())) for c in cells], " words")
        elif all(hasattr(c, "size") and hasattr(c, "convert") for c in cells):
            sizes = Counter(c.size for c in cells)
            ws, hs = (
                [w for (w, _), n in sizes.items() for _ in range(n)],
                [h for (_, h), n in sizes.items() for _ in range(n)],
            )
            out[col] = f"width {_spread(ws, ' px', 0)}, height {_spread(hs, ' px', 0)}"
        elif all(isinstance(c, dict) and "array" in c for c in cells):
            out[col] = _spread([len(c["array"]) / int(c["sampling_rate"]) for c in cells], " s", 2)
    return out


def model_input(report: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """What the replica's own preprocessor makes of the set's images or clips (the tensor the model
    sees), or '' for text (the bundle counts its tokens)."""
    from shared.method.tasks import TASKS

    task = TASKS[report["task"]]
    if task.modality == "text" or not rows:
        return ""
    config_file = REPLICA_CONFIGS / f"{Path(report['config']['model']).name}.json"
    if not config_file.exists():
        return f"replica config {config_file.name} not found"
    try:
        from runner.replica import _auto_config, build_preprocessor

        pre = build_preprocessor(task, _auto_config(json.loads(config_file.read_text(encoding="utf-8"))))
    except Exception as exc:  # pragma: no cover - transformers missing or too old
        return f"preprocessor not built here ({type(exc).__name__})"
    col = task.input_columns[0]
    if task.modality == "audio":
        clip = rows[0][col]
        feats = pre(clip["array"], sampling_rate=int(clip["sampling_rate"]), return_tensors="pt")
        shape = tuple(feats["input_features"].shape)
        return f"input_features {shape[1]} x {shape[2]} per clip (every clip)"
    shapes: Counter[tuple[int, int]] = Counter()
    for size, n in Counter(r[col].size for r in rows).items():
        from PIL import Image

        img = Image.new("RGB", size)
        enc = pre(images=img, text="", return_tensors="pt") if task.id == "image_captioning" else pre(images=img)
        pv = enc["pixel_values"]
        shapes[(int(pv[0].shape[-2]), int(pv[0].shape[-1]))] += n
    hs = [h for (h, _), n in shapes.items() for _ in range(n)]
    ws = [w for (_, w), n in shapes.items() for _ in range(n)]
    mp = statistics.fmean(h * w for (h, w), n in shapes.items() for _ in range(n)) / 1e6
    if len(shapes) == 1:
        (h, w), _ = shapes.most_common(1)[0]
        return f"pixel_values {h} x {w} (every image)"
    return f"pixel_values {min(hs)}-{max(hs)} x {min(ws)}-{max(ws)}, mean {mp:.3f} MP"


def _reference_pass(pipeline_task: str) -> str:
    if pipeline_task in REFERENCE_GENERATION_PIPELINES:
        return "generate"
    if pipeline_task in REFERENCE_DIFFUSION_PIPELINES:
        return "call"
    return "forward"


def build_row(
    path: Path,
    report: dict[str, Any],
    env: dict[str, Any],
    official: list[tuple[float, str]],
    tokens: dict[str, float],
    sets: SampleSets | None,
    runs: list[tuple[str, str, OtherRun]],
    sessions_of: dict[str, set[str]],
) -> Row:
    """One row: the bundle's figures, the official one, and the reasons the two differ."""
    from shared.method.tasks import TASKS

    task = TASKS[report["task"]]
    cfg, summary, pre = report["config"], report["summary"], report["preprocess"]
    samples, reps = int(report["dataset"]["samples"]), int(summary["repetitions"])
    phases = [p for r in report["repetitions"] for p in r["phases"] if p["in_total"]]
    pass_s = sum(p["duration_s"] for p in phases)
    pass_wh = sum(p["gpu_energy_wh"] for p in phases)
    out_tok = [p["output_tokens"] for p in phases if p.get("output_tokens") is not None]
    gen = [p for p in phases if p["name"] == "generate"]
    pinned: bool | None = None
    if gen:
        mx, mn = cfg.get("max_new_tokens"), cfg.get("min_new_tokens")
        pinned = mx is not None and mn == mx and all(p.get("output_tokens") == mx * p["samples"] for p in gen)
    ours = float(summary["gpu_energy_wh_per_1k_mean"])
    off_value = statistics.fmean(v for v, _ in official)
    gpu = env["gpus"][0]
    gpu_id = gpu["uuid_sha256"][:12]
    rows, set_note = sets.rows_for(report) if sets else ([], "not regenerated (--no-sample-sets)")
    row = Row(
        bundle=path.name,
        task=task.id,
        replica=report["model"]["id"],
        official_model=MAPPING[report["model"]["id"]],
        ours=ours,
        official=off_value,
        ratio=ours / off_value,
        official_source="; ".join(src for _, src in official),
        gpu=gpu["name"],
        gpu_id=gpu_id,
        host_session="-",
        idle_w=env.get("idle_power_w"),
        samples=samples,
        repetitions=reps,
        input_tokens_per_sample=pre["input_tokens"] / samples if pre.get("input_tokens") else None,
        published_tokens_per_sample=tokens.get(task.id),
        sample_set=set_note,
        sample_measures=measure_rows(task.id, rows) if rows else {},
        model_input=model_input(report, rows) if rows else "",
        our_pass=phases[0]["name"] if phases else "?",
        reference_pass=_reference_pass(task.pipeline_task),
        output_tokens_per_sample=sum(out_tok) / (samples * reps) if out_tok else None,
        output_pinned=pinned,
        pass_s_per_1k=pass_s / reps * 1000 / samples,
        pass_w=pass_wh * 3600 / pass_s if pass_s else float("nan"),
        preprocess_s=float(pre["duration_s"]),
        preprocess_wh=float(pre["gpu_energy_wh"]),
    )
    # The gap between the figures, as seconds of GPU at our pass's mean power, per 1,000 queries.
    row.gap_s_at_pass_w = (row.official - row.ours) * 3600 / row.pass_w if row.pass_w else float("nan")
    same = [
        (run, f"{run.value:.4f}" == f"{ours:.4f}")
        for model, tid, run in runs
        if (model, tid) == (row.replica, row.task)
    ]
    row.others = [run for run, itself in same if not itself and run.gpu == row.gpu]
    # The session of this very run, where its log line (or a copy of the bundle) is kept.
    logged = {Path(run.source).parent.name for run, itself in same if itself}
    row.host_session = ", ".join(sorted(sessions_of.get(gpu_id, set()) | logged)) or "-"
    _judge(row, cfg)
    return row


def _judge(row: Row, cfg: dict[str, Any]) -> None:
    """Comparable or not, with the reasons; caveats that do not change the workload."""
    from shared.method.tasks import TASKS

    if row.our_pass != row.reference_pass:
        made = f", {row.output_tokens_per_sample:g} new tokens per query" if row.output_tokens_per_sample else ""
        row.comparable = False
        row.reasons.append(
            f"different workload: ours is a {row.our_pass} pass{made}; the reference runs a "
            f"{row.reference_pass} pass for this pipeline task"
        )
    if row.output_pinned is False:
        row.comparable = False
        row.reasons.append(
            f"output length not pinned (min {cfg.get('min_new_tokens')}, max {cfg.get('max_new_tokens')} new "
            "tokens): a random-weight model stops at its own end token or at the maximum"
        )
    calls = OUR_CALLS_PER_QUERY.get(row.task, 1)
    if calls != 1:
        row.comparable = False
        per_pass = row.ours / calls
        row.reasons.append(
            f"different workload: ours makes {calls} forward passes per query, the reference 1 (ours per "
            f"forward pass {per_pass:.4f} Wh/1k, {per_pass / row.official:.2f} x the official figure)"
        )
    if row.output_pinned:
        method = TASKS[row.task].generation.max_new_tokens
        said = "the method's value" if method == cfg.get("max_new_tokens") else f"the method says {method}"
        row.caveats.append(f"output pinned at {cfg.get('max_new_tokens')} new tokens ({said})")
    if row.samples < 1000:
        row.caveats.append(f"{row.samples} of 1,000 samples (normalised per 1,000)")
    if row.others:
        values = sorted(r.value for r in row.others)
        lo, hi = min(*values, row.ours), max(*values, row.ours)
        told = [
            f"{r.value:.4f}"
            + (f" ({r.pass_s:.1f} s per pass" if r.pass_s else " (")
            + (f", {r.samples:,} samples)" if r.samples else ")")
            for r in sorted(row.others, key=lambda r: r.value)
        ]
        row.caveats.append(
            f"host: {len(values)} other {row.gpu} run(s) of this replica read "
            + ", ".join(told)
            + f" (ratio {lo / row.official:.2f}-{hi / row.official:.2f})"
        )


def build_rows(
    demo: Path | None = None,
    reference: Path | None = None,
    sessions: Path = SESSIONS_DIR,
    results_md: Path = RESULTS_MD,
    methodology: Path = METHODOLOGY_MD,
    regenerate: bool = True,
) -> list[Row]:
    """The rows, in the order of MAPPING, for every mapped bundle of the demo folder."""
    import seed

    demo = demo or seed.demo_dir()
    reference = reference or seed.REFERENCE_DIR
    official = official_figures(reference)
    tokens = published_tokens(methodology)
    runs = session_runs(sessions)
    sessions_of = gpu_sessions(sessions)
    bundles: dict[str, tuple[Path, dict[str, Any], dict[str, Any]]] = {}
    for path in sorted(demo.glob("*.zip")):
        report, env = read_bundle(path)
        if report["model"]["id"] in MAPPING:
            bundles[report["model"]["id"]] = (path, report, env)
    out = []
    with tempfile.TemporaryDirectory(prefix="replica-vs-official-") as tmp:
        sets = SampleSets(sample_commands(results_md), Path(tmp)) if regenerate else None
        for replica, official_id in MAPPING.items():
            if replica not in bundles or official_id not in official:
                continue
            path, report, env = bundles[replica]
            out.append(build_row(path, report, env, official[official_id], tokens, sets, runs, sessions_of))
    return out


def _num(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def render(rows: list[Row]) -> str:
    """The markdown tables: the comparison, then what each bundle's workload was."""
    lines = [
        "| official model (our replica where it differs) | task | ours Wh/1k | official Wh/1k | ours / official "
        "| our host (GPU, id, session) | samples x reps | comparable |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        verdict = "yes" if r.comparable else "**no**: " + "; ".join(r.reasons)
        arch = r.replica.removesuffix("-replica")
        name = r.official_model if arch == r.official_model else f"{r.official_model} ({arch})"
        lines.append(
            f"| {name} | {r.task} | {r.ours:.4g} | "
            f"{r.official:.4g} | {r.ratio:.2f} | {r.gpu}, {r.gpu_id}, {r.host_session} | "
            f"{r.samples:,} x {r.repetitions} | {verdict} |"
        )
    lines += [
        "",
        "| architecture | ours: input per sample (tokens; published) | our sample set, measured | model input "
        "| pass: ours / reference | output tokens per query | pass s per 1,000 | pass mean W | preprocess s "
        "(Wh) | idle W | official - ours, as s at our pass W | caveats |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        tokens = "-"
        if r.input_tokens_per_sample is not None:
            tokens = f"{r.input_tokens_per_sample:.1f}"
            if r.published_tokens_per_sample is not None:
                tokens += f"; published {r.published_tokens_per_sample:.1f}"
        measured = "; ".join(f"{k}: {v}" for k, v in r.sample_measures.items()) or r.sample_set
        out_tok = _num(r.output_tokens_per_sample, 0) + (" (pinned)" if r.output_pinned else "")
        calls = f" x {OUR_CALLS_PER_QUERY[r.task]}" if r.task in OUR_CALLS_PER_QUERY else ""
        lines.append(
            f"| {r.replica.removesuffix('-replica')} | {tokens} | {measured} | {r.model_input or '-'} | "
            f"{r.our_pass}{calls} / {r.reference_pass} | {out_tok} | {r.pass_s_per_1k:.1f} | {r.pass_w:.0f} | "
            f"{r.preprocess_s:.1f} ({r.preprocess_wh:.4f}) | {_num(r.idle_w, 0)} | {r.gap_s_at_pass_w:+.1f} | "
            f"{'; '.join(r.caveats) or '-'} |"
        )
    lines += ["", "Sample sets (digest equal to the bundle's):"]
    for cmd in sorted({r.sample_set for r in rows}):
        names = ", ".join(r.replica.removesuffix("-replica").split("/")[-1] for r in rows if r.sample_set == cmd)
        lines.append(f"- `{cmd}`: {names}")
    lines.append("Official figures: " + "; ".join(f"{r.official_model}: {r.official_source}" for r in rows))
    return "\n".join(lines)


def _pair_items(wl: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """The reference's sentence-similarity input: both sentences tokenized as one pair (one call)."""
    from runner.workloads import Prepared

    out = []
    for r in rows:
        enc = wl.tokenizer(
            r["sentence1"], r["sentence2"], return_tensors="pt", truncation=True, max_length=wl.max_input_tokens()
        )
        out.append(Prepared(dict(enc), int(enc["input_ids"].shape[1])))
    return out


def probe(argv: list[str]) -> int:
    """On a GPU: our runner's pass against the reference's pass for the two workloads that differ, on
    the same warmed replica and the same samples, passes alternated (ours, reference) over rounds."""
    import torch

    from benchmarks.runner_bench_common import load_warmed, metered_pass
    from runner.datasets_io import load_samples
    from runner.nvml_meter import EnergyMeter, open_device
    from shared.method.tasks import TASKS

    ap = argparse.ArgumentParser(prog="replica_vs_official.py probe", description=probe.__doc__)
    ap.add_argument("--rep", type=Path, required=True, help="folder of replicas (gpu_harness/setup.sh: /tmp/rep)")
    ap.add_argument("--data", type=Path, required=True, help="folder of sample sets (/tmp/data)")
    ap.add_argument("--samples", type=int, default=1000, help="sentence pairs per pass")
    ap.add_argument("--sum-samples", type=int, default=300, help="documents per summarization pass")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, help="write the passes as JSON here")
    ap.add_argument("--dry-run", action="store_true", help="CPU and simulated meter (figures mean nothing)")
    a = ap.parse_args(argv)
    cases = [
        ("sentence_similarity", "all-minilm-l6-v2", "sentence_similarity.jsonl", a.samples),
        ("summarization", "distilbart-cnn-12-6", "summarization.jsonl", a.sum_samples),
    ]
    result: list[dict[str, Any]] = []
    for task_id, replica, data, n in cases:
        task = TASKS[task_id]
        wl, items = load_warmed(task, str(a.rep / replica), str(a.data / data), n, a.dry_run)
        meter = EnergyMeter(open_device([0], a.dry_run), sync=wl.sync)
        if task_id == "sentence_similarity":
            ref_items = _pair_items(wl, load_samples(str(a.data / data), task, n).rows)
        else:
            ref_items = items  # the same tokenized documents; the reference calls the model once on them

        def ref_step(item: Any, wl: Any = wl) -> None:
            with torch.inference_mode():
                wl.model(**wl._to_device(item.inputs))

        for item in ref_items:  # warm the reference's shapes too
            ref_step(item)
        wl.sync()
        for rnd in range(a.rounds):
            for side, step, its in (("ours", wl.run, items), ("reference", ref_step, ref_items)):
                secs, wh = metered_pass(meter, f"{task_id}-{side}-{rnd}", its, step)
                row = {"task": task_id, "replica": replica, "side": side, "round": rnd, "samples": n}
                row |= {"pass_s": secs, "wh": wh, "wh_per_1k": wh * 1000 / n, "mean_w": wh * 3600 / secs}
                result.append(row)
                print(json.dumps(row), flush=True)
        del wl
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    for task_id, _, _, _ in cases:
        side_means = {}
        for side in ("ours", "reference"):
            got = [r for r in result if r["task"] == task_id and r["side"] == side]
            side_means[side] = statistics.fmean(r["wh_per_1k"] for r in got)
            times = statistics.fmean(r["pass_s"] * 1000 / r["samples"] for r in got)
            print(f"{task_id} {side}: {side_means[side]:.4f} Wh/1k, {times:.1f} s per 1,000 ({len(got)} passes)")
        print(f"{task_id} ours / reference: {side_means['ours'] / side_means['reference']:.2f}")
    if a.out:
        a.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


def reads(argv: list[str]) -> int:
    """CPU only: what the reference's pipeline does on the CPU that ours does not. It preprocesses the
    whole set with `datasets.Dataset.map` into an Arrow file (the counted preprocess phase) and then,
    inside the measured pass, reads each sample back with `dataset[i : i + 1]` in torch format; our
    runner keeps the preprocessed tensors in memory. Times both on the same images and replica
    preprocessors, per sample."""
    import time

    import datasets
    from PIL import Image

    from runner.replica import _auto_config, build_preprocessor
    from shared.method.tasks import TASKS

    ap = argparse.ArgumentParser(prog="replica_vs_official.py reads", description=reads.__doc__)
    ap.add_argument("--images", type=Path, required=True, help="folder of the sample set's PNGs")
    ap.add_argument("--n", type=int, default=100, help="images per replica (DETR's Arrow file is ~10 MB each)")
    ap.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()))
    ap.add_argument("--qa", type=Path, help="the extractive_qa.jsonl sample set (adds a text case)")
    a = ap.parse_args(argv)
    if a.qa:
        cfg = _auto_config(json.loads((REPLICA_CONFIGS / "distilbert-squad.json").read_text(encoding="utf-8")))
        tok = build_preprocessor(TASKS["extractive_qa"], cfg)
        lines = a.qa.read_text(encoding="utf-8").splitlines()
        qa = [r for r in map(json.loads, lines) if r["question"] and r["context"]][: a.n * 10]
        ours_items = [tok(r["question"], r["context"], truncation="only_second", return_tensors="pt") for r in qa]
        t = time.perf_counter()
        for enc in ours_items:
            {k: v for k, v in enc.items() if hasattr(v, "to")}
        ours_read = (time.perf_counter() - t) / len(qa)
        with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
            ds = datasets.Dataset.from_list(qa)
            mapped = ds.map(
                lambda ex: tok(ex["question"], ex["context"], truncation=True, max_length=512),
                batched=True,
                writer_batch_size=50,
                remove_columns=ds.column_names,
                cache_file_name=str(Path(tmp) / "qa.arrow"),
            ).with_format("torch")
            t = time.perf_counter()
            for i in range(len(mapped)):
                mapped[i : i + 1]
            ref_read = (time.perf_counter() - t) / len(qa)
        print(
            f"distilbert-squad (text): read in the pass: ours {1000 * ours_read:.3f} ms, reference "
            f"(dataset[i:i+1], torch format) {1000 * ref_read:.2f} ms per question ({len(qa)} questions)",
            flush=True,
        )
    files = sorted(a.images.glob("*.png"))[: a.n]
    images = []
    for f in files:
        with Image.open(f) as im:
            images.append(im.convert("RGB"))
    for name, task_id in (("resnet-50", "image_classification"), ("detr-resnet-101", "object_detection")):
        cfg = _auto_config(json.loads((REPLICA_CONFIGS / f"{name}.json").read_text(encoding="utf-8")))
        pre = build_preprocessor(TASKS[task_id], cfg)
        t = time.perf_counter()
        ours = [pre(images=im, return_tensors="pt") for im in images]
        ours_pre = (time.perf_counter() - t) / len(images)
        t = time.perf_counter()
        for enc in ours:  # our pass's per-sample input handling before the model call (on the CPU side)
            {k: v for k, v in enc.items() if hasattr(v, "to")}
        ours_read = (time.perf_counter() - t) / len(images)
        with tempfile.TemporaryDirectory(dir=a.tmp) as tmp:
            ds = datasets.Dataset.from_dict({"image": images})
            t = time.perf_counter()
            mapped = ds.map(
                lambda ex, pre=pre: pre([im.convert("RGB") for im in ex["image"]]),
                batched=True,
                writer_batch_size=50,
                remove_columns=ds.column_names,
                cache_file_name=str(Path(tmp) / f"{name}.arrow"),
            ).with_format("torch")
            ref_pre = (time.perf_counter() - t) / len(images)
            t = time.perf_counter()
            for i in range(len(mapped)):
                mapped[i : i + 1]
            ref_read = (time.perf_counter() - t) / len(images)
            shape = tuple(mapped[0:1]["pixel_values"].shape)
            del mapped
        print(
            f"{name}: pixel_values {shape}; per image: preprocess ours {1000 * ours_pre:.1f} ms, reference "
            f"(map to Arrow) {1000 * ref_pre:.1f} ms; read in the pass: ours {1000 * ours_read:.3f} ms, "
            f"reference (dataset[i:i+1], torch format) {1000 * ref_read:.1f} ms ({len(images)} images)",
            flush=True,
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Print the tables (or JSON) for the shipped demo bundles and official CSVs; `probe` measures on a GPU,
    `reads` the reference's per-sample CPU work."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["probe"]:
        return probe(argv[1:])
    if argv[:1] == ["reads"]:
        return reads(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--demo", type=Path, help="folder of demo bundles (default: seed.demo_dir())")
    ap.add_argument("--reference", type=Path, help="folder of official CSVs (default: seed.REFERENCE_DIR)")
    ap.add_argument("--no-sample-sets", action="store_true", help="do not regenerate and measure the sample sets")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    a = ap.parse_args(argv)
    rows = build_rows(a.demo, a.reference, regenerate=not a.no_sample_sets)
    print(json.dumps([asdict(r) for r in rows], indent=1) if a.json else render(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
