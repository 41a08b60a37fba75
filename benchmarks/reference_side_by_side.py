"""Our runner side by side with the reference runner (optimum-benchmark 0.6.0's energy_star scenario, which
measures through CodeCarbon 3.3.2) on the same host, model and prompts: does our number agree, and if not, why?

Each run is a fresh process. `pairs` alternates the two runners (reference first in odd pairs, ours first in
even ones) so that a host that speeds up or slows down during the session weighs on both alike.

    # once: the reference stack in its own folder (it needs transformers 4.57 and datasets 4.x)
    pip install --target /tmp/refsite optimum-benchmark==0.6.0 codecarbon==3.3.2 transformers==4.57.6 ...
    python benchmarks/reference_side_by_side.py pairs --model /tmp/rep_w/llama-3.2-1b \\
        --data /tmp/data/text_generation.jsonl --samples 200 --pairs 3 --ref-path /tmp/refsite \\
        --ours-warmup reference --out /tmp/side
    python benchmarks/reference_side_by_side.py table /tmp/side

`reference` and `ours` run one side (what `pairs` calls). Besides each runner's own figure, every run records
what is needed to explain a difference:
- the reference's tracked windows read by NVML's energy counter as well as by CodeCarbon (the meter);
- every generate call's wall time (the first and last 100 prompts of the counted pass: a cold start shows
  as slow first prompts);
- the wall time from process start to exit, and where it went (set-up, model load, warm-up, measured pass).
benchmarks/gpu_harness/reference_side_by_side.sh runs it on the GPU machine with carried wheels.

The reference runs its installed PyTorch's attention kernels (`reference`: cuDNN's on Hopper with torch 2.11), or,
as `reference@flash`, with cuDNN's attention turned off in its process, which is how the official board's PyTorch
2.5.1 ranked it (docs/METHOD_CHOICES.md, "Attention kernels").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NEW_TOKENS = 10  # the method's text-generation setting (min = max = 10 new tokens)
EDGE = 100  # prompts at each end of the pass compared for a cold start
WARMUP_REFERENCE = "reference"
# "ours" is our runner's default warm-up. Since session 10 it meets every key/value length of the pass before it
# (`--shape-warmup-decode`); "ours-decode" names that explicitly (session 10's records), and "ours-prefill" is the
# default of sessions 8 and 9, whose records say "ours": one prefill per new prompt length, no decode lengths.
WARMUP_OURS_DECODE = "ours-decode"
WARMUP_OURS_PREFILL = "ours-prefill"
# Attention kept off cuDNN's kernels, so no length needs a plan: no decode-length warm-up. The runner's default since
# session 12 (the official board's PyTorch ranked cuDNN's attention last); "ours" keeps naming sessions 10-11's
# default, cuDNN's attention with the decode-length warm-up, so that every label names one configuration.
WARMUP_OURS_FLASH = "ours-flash"
# The reference's warm-up with attention off cuDNN's kernels: ours as the official board's software would run it.
WARMUP_REFERENCE_FLASH = "reference-flash"
WARMUPS = ("ours", WARMUP_REFERENCE, WARMUP_OURS_DECODE, WARMUP_OURS_PREFILL, WARMUP_OURS_FLASH, WARMUP_REFERENCE_FLASH)
FLASH_WARMUPS = (WARMUP_OURS_FLASH, WARMUP_REFERENCE_FLASH)
# The reference runner's one variant: `reference@flash`, its scenario run with cuDNN's attention turned off, as the
# official board's PyTorch (2.5.1) dispatched attention; the plain `reference` runs the installed PyTorch's default.
REFERENCE_FLASH = "flash"


def _process_age_s() -> float:
    """Seconds since this process started (imports included), from /proc where there is one."""
    try:
        import psutil

        return time.time() - float(psutil.Process().create_time())
    except Exception:  # pragma: no cover - psutil is in both stacks; a fallback keeps the run going
        return time.perf_counter()


def _edges(times_s: list[float]) -> dict[str, float | None]:
    """Mean per-sample time of the first and last EDGE prompts and of the whole pass, ms."""
    if not times_s:
        return {"first_ms": None, "last_ms": None, "mean_ms": None}
    n = min(EDGE, len(times_s))
    return {
        "first_ms": round(1000 * statistics.fmean(times_s[:n]), 2),
        "last_ms": round(1000 * statistics.fmean(times_s[-n:]), 2),
        "mean_ms": round(1000 * statistics.fmean(times_s), 2),
    }


def _versions() -> dict[str, str]:
    import torch
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "python": sys.version.split()[0]}


# -- the reference ---------------------------------------------------------------------------------------------


def reference_model_view(model: Path, work: Path) -> Path:
    """The model folder as transformers 4.x reads it: links to every file, but a tokenizer_config.json whose
    tokenizer class transformers 5 named `TokenizersBackend` says `PreTrainedTokenizerFast` (the same
    tokenizer.json either way) and whose inputs are ids and mask only. Without it the reference finds no
    tokenizer and stops."""
    cfg_file = model / "tokenizer_config.json"
    if not cfg_file.exists():
        return model
    cfg = json.loads(cfg_file.read_text())
    if cfg.get("tokenizer_class") != "TokenizersBackend":
        return model
    view = work / "reference_model"
    view.mkdir(parents=True, exist_ok=True)
    for f in model.iterdir():
        link = view / f.name
        if f.name != "tokenizer_config.json" and not link.exists():
            link.symlink_to(f.resolve())
    cfg["tokenizer_class"] = "PreTrainedTokenizerFast"
    cfg.pop("backend", None)
    # transformers 4.x's fast tokenizer also returns token_type_ids, which a causal LM's generate refuses.
    cfg["model_input_names"] = ["input_ids", "attention_mask"]
    (view / "tokenizer_config.json").write_text(json.dumps(cfg, indent=1))
    return view


def _counter_mj(device: str) -> Any:
    """A reader of GPU 0's NVML energy counter, mJ (0 on a CPU rehearsal, which has none)."""
    if device != "cuda":
        return lambda: 0
    import pynvml

    pynvml.nvmlInit()
    handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    return lambda: pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)


def _gpu_name(device: str) -> str:
    if device != "cuda":
        return "cpu (rehearsal)"
    import pynvml

    pynvml.nvmlInit()
    return str(pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(0)))


def run_reference(
    model: str, data: Path, samples: int, work: Path, device: str = "cuda", cudnn_attention: bool = True
) -> dict[str, Any]:
    """One run of the reference's energy_star text-generation scenario in this process (inline launcher: this
    process is the fresh one), instrumented without changing what it does. `device` "cpu" rehearses the
    set-up without a GPU (no NVML; the figures mean nothing). `cudnn_attention` False turns cuDNN's attention off
    for the whole process, which is how the official board's PyTorch 2.5.1 ranked it (last): the scenario is
    otherwise untouched."""
    import torch

    if not cudnn_attention:
        torch.backends.cuda.enable_cudnn_sdp(False)
    from optimum_benchmark import Benchmark, BenchmarkConfig, EnergyStarConfig, InlineConfig, PyTorchConfig
    from optimum_benchmark.backends.pytorch.backend import PyTorchBackend
    from optimum_benchmark.trackers import energy as energy_mod

    counter = _counter_mj(device)
    import datasets

    # datasets 4.4's torch formatter imports torchvision.io.VideoReader whenever torchvision is loaded, and
    # torchvision 0.26 (beside torch 2.11) no longer has it: text datasets never need that branch.
    datasets.config.TORCHVISION_AVAILABLE = False

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    windows: dict[str, dict[str, float]] = {}
    calls: dict[str, list[float]] = {}
    starts: dict[str, float] = {}  # wall clock of each phase's first call, to line up with a host monitor's log
    current = {"phase": "untracked"}
    original_track = energy_mod.EnergyTracker.track

    @contextmanager
    def track(self: Any, task_name: str = "task") -> Iterator[None]:
        # NVML's counter read just outside CodeCarbon's own window: the same span, another meter.
        sync()
        e0, t0 = counter(), time.perf_counter()
        current["phase"] = task_name
        with original_track(self, task_name=task_name):
            yield
        e1, t1 = counter(), time.perf_counter()
        current["phase"] = "untracked"
        windows[task_name] = {
            "duration_s": t1 - t0,
            "nvml_wh": (e1 - e0) / 3.6e6,
            "codecarbon_gpu_wh": float(self.gpu_energy or 0.0) * 1000.0,
        }

    def timed(name: str) -> Any:
        original = getattr(PyTorchBackend, name)

        def call(self: Any, inputs: Any, kwargs: Any) -> Any:
            key = f"{current['phase']}:{name}"
            starts.setdefault(key, time.time())
            t = time.perf_counter()
            out = original(self, inputs, kwargs)
            sync()
            calls.setdefault(key, []).append(time.perf_counter() - t)
            return out

        return call

    energy_mod.EnergyTracker.track = track  # type: ignore[method-assign]
    PyTorchBackend.generate = timed("generate")  # type: ignore[method-assign]
    PyTorchBackend.prefill = timed("prefill")  # type: ignore[method-assign]

    os.chdir(work)  # CodeCarbon and the scenario write their files into the working directory
    config = BenchmarkConfig(
        name="text_generation",
        launcher=InlineConfig(device_isolation=False),
        backend=PyTorchConfig(
            device=device,
            device_ids="0" if device == "cuda" else None,
            no_weights=False,
            task="text-generation",
            model=model,
            torch_dtype="bfloat16",
        ),
        scenario=EnergyStarConfig(
            dataset_name=str(data.parent),
            dataset_config=None,  # type: ignore[arg-type]
            dataset_split="train",
            text_column_name="text",
            num_samples=samples,
            truncation=True,
            input_shapes={"batch_size": 1},
            generate_kwargs={"max_new_tokens": NEW_TOKENS, "min_new_tokens": NEW_TOKENS},
        ),
    )
    t_launch = time.perf_counter()
    report = Benchmark.launch(config)
    launched_s = time.perf_counter() - t_launch

    def gpu_wh(target: str) -> float:
        return float(getattr(report, target).energy.gpu) * 1000.0  # kWh -> Wh

    # The reference's total: preprocess + prefill + decode, and decode = generate - prefill.
    total_wh = gpu_wh("preprocess_dataset") + gpu_wh("prefill") + gpu_wh("decode")
    generate = windows.get("generate", {})
    pass_times = calls.get("generate:generate", [])
    return {
        "runner": "reference" if cudnn_attention else f"reference ({REFERENCE_FLASH})",
        "cudnn_attention": cudnn_attention,
        "samples": samples,
        "wh_per_1k": total_wh * 1000.0 / samples,
        "pass_wh_per_1k_nvml": generate.get("nvml_wh", 0.0) * 1000.0 / samples,
        "pass_s": generate.get("duration_s"),
        "prefill_pass_s": windows.get("prefill", {}).get("duration_s"),
        "windows": windows,
        "warmup_calls": {k: len(v) for k, v in calls.items()},
        "per_sample": _edges(pass_times),
        "pass_times_ms": [round(1000 * t, 2) for t in pass_times],
        "pass_start_unix": starts.get("generate:generate"),
        "benchmark_s": launched_s,
        "wall_s": _process_age_s(),
        "versions": {
            **_versions(),
            "optimum_benchmark": _pkg_version("optimum-benchmark"),
            "codecarbon": _pkg_version("codecarbon"),
        },
        "gpu": _gpu_name(device),
    }


def _pkg_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# -- ours ------------------------------------------------------------------------------------------------------


def run_ours(
    model: str, data: Path, samples: int, warmup: str, work: Path, name: str, dry_run: bool = False
) -> dict[str, Any]:
    """One run of our runner (one repetition, as the reference runs one pass) in this process, every query's
    latency captured from the measured pass."""
    sys.path.insert(0, str(ROOT))
    from runner import perf
    from runner.measure import RunConfig, run
    from shared.bundle.schema import REPORT_FILE

    latencies: list[float] = []
    started: list[float] = []  # wall clock of the counted pass's start, to line it up with a host monitor's log
    original = perf.QueryLog.record

    def record(self: Any, latency_s: float, outcome: Any) -> None:
        if not latencies:
            started.append(time.time() - latency_s)
        latencies.append(latency_s)
        original(self, latency_s, outcome)

    perf.QueryLog.record = record  # type: ignore[method-assign]
    import transformers

    if transformers.__version__.startswith("4."):  # ours on the reference's library versions
        model = str(reference_model_view(Path(model).resolve(), work.resolve()))
    out = work / "runs" / name
    cfg = RunConfig(
        task="text_generation",
        model=model,
        out=out,
        dataset=str(data),
        samples=samples,
        repetitions=1,
        progress=False,
        warmup=WARMUP_REFERENCE if warmup in (WARMUP_REFERENCE, WARMUP_REFERENCE_FLASH) else "ours",
        shape_warmup_decode=warmup not in (WARMUP_OURS_PREFILL, *FLASH_WARMUPS),
        cudnn_attention=warmup not in FLASH_WARMUPS,
        dry_run=dry_run,
    )
    outcome = run(cfg)
    if not outcome.complete:
        raise SystemExit(f"our run did not complete: {outcome}")
    report = json.loads((out / REPORT_FILE).read_text())
    phases = {p["name"]: p for p in report["repetitions"][0]["phases"]}
    main = phases["generate"]
    timings = report.get("timings_s", {})
    return {
        "runner": f"ours ({warmup} warm-up)",
        "warmup": warmup,
        "samples": samples,
        "wh_per_1k": report["summary"]["gpu_energy_wh_per_1k_mean"],
        "pass_wh_per_1k_nvml": main["gpu_energy_wh"] * 1000.0 / samples,
        "pass_s": main["duration_s"],
        "timings_s": timings,
        "per_sample": _edges(latencies),
        "pass_times_ms": [round(1000 * t, 2) for t in latencies],
        "pass_start_unix": started[0] if started else None,
        "wall_s": _process_age_s(),
        "run_dir": str(out),
        "versions": _versions(),
        "gpu": _gpu_name("cpu" if dry_run else "cuda"),
    }


# -- pairs and the table -----------------------------------------------------------------------------------------


def _side(
    args: argparse.Namespace,
    which: str,
    index: int,
    env_path: str | None,
    pair: int | str,
    samples: int | None = None,
    warmup: str | None = None,
) -> dict[str, Any]:
    """Run one side in a fresh process and return its record (`samples` and `warmup` default to the pairs')."""
    samples = samples or args.samples
    if warmup is None and which == "ours":
        warmup = getattr(args, "ours_warmup", WARMUP_REFERENCE)
    elif warmup is None and getattr(args, "ours_warmup", None) == WARMUP_REFERENCE_FLASH:
        warmup = REFERENCE_FLASH  # pairs in the official board's attention: the reference's side too
    stem = f"{index:02d}_{which}"
    if pair == "run":  # a sequence: name the warm-up and the prompts too
        stem += f"_{warmup if which == 'ours' else 'ref' + ('-' + warmup if warmup else '')}_{samples}"
    out = args.out / f"{stem}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), which, "--model", args.model, "--data", str(args.data)]
    cmd += ["--samples", str(samples), "--work", str(args.work), "--result", str(out)]
    if which == "ours":
        cmd += ["--warmup", str(warmup), "--name", f"{stem}_ours"]
    elif warmup == REFERENCE_FLASH:
        cmd += ["--no-cudnn-attention"]
    env = dict(os.environ)
    if env_path:
        env["PYTHONPATH"] = env_path + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, check=False)
    if done.returncode != 0 or not out.exists():
        rec: dict[str, Any] = {"runner": which, "failed": done.returncode}
    else:
        rec = json.loads(out.read_text())
    rec["outer_wall_s"] = time.perf_counter() - t  # what a user waits for, interpreter start included
    rec["pair"] = pair
    out.write_text(json.dumps(rec, indent=1))
    return rec


def _make_folders(args: argparse.Namespace) -> None:
    """The records' folder and the runs' working folder (OUT/work unless --work names one)."""
    args.out.mkdir(parents=True, exist_ok=True)
    args.work = args.work or args.out / "work"
    args.work.mkdir(parents=True, exist_ok=True)


def _host_scale(rec: dict[str, Any], which: str, warmup: str | None, samples: int, scale: float) -> float:
    """This host's pace against the estimate's host after a run (the old `scale` if it failed); bounded, so one
    odd run cannot skip the rest."""
    if rec.get("failed") is not None or not rec.get("outer_wall_s"):
        return scale
    return min(2.0, max(0.7, rec["outer_wall_s"] / estimate_wall_s(which, warmup, samples)))


def run_pairs(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Alternated pairs: `--first` (default the reference) first in pairs 1, 3, ..., the other in pairs 2, 4, ...
    With `--end-by-s`, a pair whose two runs are not expected to end by then is not started (half a pair measures
    nothing)."""
    _make_folders(args)
    records: list[dict[str, Any]] = []
    t0, scale = time.perf_counter(), 1.0
    ours_warmup = args.ours_warmup
    ref_variant = REFERENCE_FLASH if ours_warmup == WARMUP_REFERENCE_FLASH else None
    both = estimate_wall_s("reference", ref_variant, args.samples) + estimate_wall_s("ours", ours_warmup, args.samples)
    starts = getattr(args, "first", "reference")
    for p in range(args.pairs):
        left = (getattr(args, "end_by_s", None) or float("inf")) - (time.perf_counter() - t0)
        if scale * both > left:
            print(f"skipped pairs {p + 1}-{args.pairs}: a pair should take {scale * both:.0f} s, {left:.0f} s left")
            break
        order = ["reference", "ours"] if (p % 2 == 0) == (starts == "reference") else ["ours", "reference"]
        for k, which in enumerate(order):
            env_path = args.ref_path if which == "reference" else args.ours_path
            rec = _side(args, which, 2 * p + k + 1, env_path, p + 1)
            records.append(rec)
            warmup = ours_warmup if which == "ours" else ref_variant
            scale = _host_scale(rec, which, warmup, args.samples, scale)
            print(json.dumps({k2: rec.get(k2) for k2 in ("pair", "runner", "wh_per_1k", "pass_s", "outer_wall_s")}))
            sys.stdout.flush()
    if args.extra_ours_path:
        rec = _side(args, "ours", 2 * args.pairs + 1, args.extra_ours_path, "extra")
        records.append(rec)
        print(json.dumps({k: rec.get(k) for k in ("pair", "runner", "wh_per_1k", "pass_s", "outer_wall_s")}))
    return records


def parse_run(spec: str) -> tuple[str, str | None, int]:
    """A `sequence` run, `reference:N`, `reference@flash:N` or `ours@WARMUP:N` (WARMUP one of WARMUPS), as
    (runner, warm-up or the reference's variant, samples)."""
    head, _, n = spec.rpartition(":")
    runner, _, warmup = head.partition("@")
    variant_ok = warmup in WARMUPS if runner == "ours" else warmup in ("", REFERENCE_FLASH)
    ok = n.isdigit() and int(n) > 0 and runner in ("reference", "ours") and variant_ok
    if not ok:
        raise argparse.ArgumentTypeError(
            f"{spec!r}: write reference:N, reference@{REFERENCE_FLASH}:N or ours@WARMUP:N, WARMUP one of {WARMUPS}"
        )
    return runner, warmup or None, int(n)


# Wall time of one run, fixed s + s per prompt: what `--end-by-s` expects before the sequence has timed a run of its
# own on this host. Rounded lines through the walls of the H200 side-by-side records of sessions 8-11 (1B replica):
# no such run took more than 8% longer than expected (flash at 1,000 prompts: 176 s expected, 162.7 and 189.7
# measured; short runs of 100-150 prompts took less), and the rescaling after a sequence's first run absorbs a
# host's own pace. The prefill-only warm-up has one measured
# run (112.8 s at 300 prompts); its line takes the default's slope.
WALL_ESTIMATE_S: dict[str, tuple[float, float]] = {
    "reference": (68.0, 0.213),
    f"ours@{WARMUP_REFERENCE}": (68.0, 0.213),
    "ours@ours": (86.0, 0.196),
    f"ours@{WARMUP_OURS_DECODE}": (86.0, 0.196),
    f"ours@{WARMUP_OURS_PREFILL}": (60.0, 0.2),
    f"ours@{WARMUP_OURS_FLASH}": (40.0, 0.136),
    # Session 12: the reference with flash took 67.2-81.8 s at 300 prompts and 173.8 s at 1,000; ours with the
    # reference's warm-up and flash 58.7-77.4 s at 300.
    f"reference@{REFERENCE_FLASH}": (30.0, 0.152),
    f"ours@{WARMUP_REFERENCE_FLASH}": (25.0, 0.152),
}


def estimate_wall_s(which: str, warmup: str | None, samples: int) -> float:
    """Expected wall time of a run on the lent H200 with the 1B replica (WALL_ESTIMATE_S), s."""
    fixed, per_prompt = WALL_ESTIMATE_S[f"{which}@{warmup}" if warmup else which]
    return fixed + per_prompt * samples


def run_sequence(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Single runs in the given order, each a fresh process. A GPU call has a time limit and a run cut short
    measures nothing, so `--until-s` skips what would start after that many seconds and `--end-by-s` skips what
    would not finish by then: the estimate (estimate_wall_s) scaled by how the runs so far compared with theirs."""
    _make_folders(args)
    t0 = time.perf_counter()
    scale = 1.0
    records: list[dict[str, Any]] = []
    for i, (which, warmup, samples) in enumerate(args.run, start=1):
        now = time.perf_counter() - t0
        expected = scale * estimate_wall_s(which, warmup, samples)
        if args.until_s and now > args.until_s:
            print(f"skipped {which} {warmup or ''} {samples}: past {args.until_s} s")
            continue
        if getattr(args, "end_by_s", None) and now + expected > args.end_by_s:
            print(
                f"skipped {which} {warmup or ''} {samples}: expected {expected:.0f} s, {args.end_by_s - now:.0f} s left"
            )
            continue
        env_path = args.ref_path if which == "reference" else args.ours_path
        rec = _side(args, which, i, env_path, "run", samples, warmup)
        records.append(rec)
        scale = _host_scale(rec, which, warmup, samples, scale)
        print(json.dumps({k: rec.get(k) for k in ("runner", "samples", "wh_per_1k", "pass_s", "outer_wall_s")}))
        sys.stdout.flush()
    return records


def _fmt(x: Any, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def table(records: list[dict[str, Any]]) -> str:
    """The runs, then each pair's ratio and their median (markdown)."""
    lines = [
        "| pair | runner | prompts | Wh / 1k | counted pass s | mean W | NVML / CodeCarbon "
        "| per-prompt ms: first 100 / last 100 | warm-up s | wall s | transformers |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if r.get("failed") is not None:
            lines.append(f"| {r.get('pair')} | {r['runner']} | | failed (exit {r['failed']}) | | | | | | | |")
            continue
        pass_wh = r["pass_wh_per_1k_nvml"] * r["samples"] / 1000.0
        watts = pass_wh * 3600.0 / r["pass_s"] if r.get("pass_s") else None
        meter = "-"
        gen = r.get("windows", {}).get("generate")
        if gen and gen.get("codecarbon_gpu_wh"):
            meter = f"{gen['nvml_wh'] / gen['codecarbon_gpu_wh']:.4f}"
        warm = r.get("timings_s", {}).get("warmup_s")
        if warm is None and r.get("prefill_pass_s") is not None:
            warm = r["prefill_pass_s"]  # the reference's prefill pass is what warms its counted pass
        edges = r.get("per_sample", {})
        lines.append(
            f"| {r.get('pair')} | {r['runner']} | {r['samples']:,} | {r['wh_per_1k']:.4f} | {_fmt(r.get('pass_s'))} "
            f"| {_fmt(watts)} "
            f"| {meter} | {_fmt(edges.get('first_ms'))} / {_fmt(edges.get('last_ms'))} | {_fmt(warm)} "
            f"| {_fmt(r.get('outer_wall_s', r.get('wall_s')))} | {r.get('versions', {}).get('transformers', '-')} |"
        )
    ratios, walls = [], []
    by_first: dict[str, list[float]] = {"reference": [], "ours": []}
    for p in sorted({r["pair"] for r in records if isinstance(r.get("pair"), int)}):
        runs = [r for r in records if r.get("pair") == p and r.get("failed") is None]
        side = {r["runner"].split(" ")[0]: r for r in runs}
        if "ours" in side and "reference" in side and side["reference"]["wh_per_1k"] > 0:
            ratios.append(side["ours"]["wh_per_1k"] / side["reference"]["wh_per_1k"])
            by_first[runs[0]["runner"].split(" ")[0]].append(ratios[-1])
            if side["ours"].get("outer_wall_s") and side["reference"].get("outer_wall_s"):
                walls.append(side["ours"]["outer_wall_s"] / side["reference"]["outer_wall_s"])
    if ratios:
        lines.append("")
        lines.append(
            f"ours / reference, Wh per 1k, per pair: {', '.join(f'{x:.4f}' for x in ratios)}; "
            f"median **{statistics.median(ratios):.4f}** ({100 * (statistics.median(ratios) - 1):+.1f}%)"
        )
    if walls:
        lines.append(
            f"ours / reference, wall time, per pair: {', '.join(f'{x:.3f}' for x in walls)}; "
            f"median **{statistics.median(walls):.3f}**"
        )
    balanced = order_balanced(by_first)
    if balanced is not None and len(by_first["reference"]) != len(by_first["ours"]):
        lines.append(
            f"pairs started by the reference: {len(by_first['reference'])}, by ours: {len(by_first['ours'])}; "
            f"both orders weighted equally (geometric means): **{balanced:.4f}**"
        )
    return "\n".join(lines + _same_pace(records))


def order_balanced(by_first: dict[str, list[float]]) -> float | None:
    """The pairs' ratio with both run orders weighted equally: the mean of the two orders' geometric means, on the
    log scale (None unless both orders ran). A host whose pace drifts in one direction favours whichever runner goes
    second; with unequal numbers of each order the median inherits that lean, this does not."""
    if not by_first.get("reference") or not by_first.get("ours"):
        return None
    means = [sum(math.log(x) for x in xs) / len(xs) for xs in (by_first["reference"], by_first["ours"])]
    return math.exp(sum(means) / 2)


def _same_pace(records: list[dict[str, Any]]) -> list[str]:
    """The pairs at the same pace (benchmarks/pace_energy.py): each run's offset from the line through all of them."""
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.pace_energy import MIN_RUNS, compare, point_of
    except ImportError as e:  # the runs are recorded already; the table must not fail for want of numpy
        return [f"at the same pace: not computed ({e})"]
    pts = [
        point_of(r, "here", f"{i:02d}", "here")
        for i, r in enumerate(records, start=1)
        if r.get("failed") is None and r.get("pass_s")
    ]
    if len(pts) < MIN_RUNS:
        return [f"at the same pace: needs at least {MIN_RUNS} runs (`python -m benchmarks.pace_energy` pools calls)"]
    return [
        f"{c.runner} against {c.baseline}, at the same pace ({c.prompts} prompts, {c.runs[0]} against {c.runs[1]}): "
        f"**{c.pace_matched_ratio:.4f}** (raw {c.raw_ratio:.4f})"
        for c in compare(pts)
    ]


def load_records(folder: Path) -> list[dict[str, Any]]:
    """Every run record of a `pairs` folder, in run order."""
    records = []
    for f in sorted(folder.glob("[0-9][0-9]_*.json")):
        rec = json.loads(f.read_text())
        rec.setdefault("pair", (int(f.name[:2]) + 1) // 2)
        records.append(rec)
    return records


def pooled_records(folders: list[Path]) -> list[dict[str, Any]]:
    """The records of several `pairs` folders of one host (calls on one warm machine), their pairs numbered on
    from one folder to the next, so the table's median is over every pair."""
    out: list[dict[str, Any]] = []
    offset = 0
    for folder in folders:
        records = load_records(folder)
        for rec in records:
            if isinstance(rec.get("pair"), int):
                rec["pair"] += offset
        out += records
        offset = max([offset] + [r["pair"] for r in records if isinstance(r.get("pair"), int)])
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("reference", "ours", "pairs", "sequence"):
        s = sub.add_parser(name)
        s.add_argument("--model", required=True, help="Model folder (a replica with weights, or a Hub snapshot).")
        s.add_argument("--data", type=Path, required=True, help="JSONL file of prompts with a 'text' column.")
        s.add_argument("--samples", type=int, default=1000)
        if name in ("pairs", "sequence"):
            s.add_argument("--ref-path", help="PYTHONPATH entry that holds the reference stack.")
            s.add_argument("--ours-path", help="PYTHONPATH entry for our runner's needs, if any.")
            s.add_argument("--out", type=Path, required=True, help="Run records and table.md (nothing else).")
            s.add_argument("--work", type=Path, help="Run folders and the reference's files (default OUT/work).")
        if name in ("pairs", "sequence"):
            s.add_argument(
                "--end-by-s",
                type=float,
                help="Start no run (pairs: no pair) that is expected to end after this many seconds (estimate_wall_s, "
                "scaled by the runs so far).",
            )
        if name == "sequence":
            s.add_argument(
                "--run",
                type=parse_run,
                action="append",
                required=True,
                help=f"reference:N, reference@{REFERENCE_FLASH}:N or ours@WARMUP:N",
            )
            s.add_argument("--until-s", type=float, help="Start no run after this many seconds.")
        if name == "pairs":
            s.add_argument("--pairs", type=int, default=3)
            s.add_argument("--ours-warmup", default="reference", choices=WARMUPS)
            s.add_argument(
                "--first",
                default="reference",
                choices=("reference", "ours"),
                help="Which runner starts pair 1 (then they alternate): a later call on the same host continues the "
                "alternation where the last one stopped, so both orders count equally in the pooled median.",
            )
            s.add_argument(
                "--extra-ours-path",
                help="After the pairs, one more run of ours with this PYTHONPATH entry first (e.g. the reference's "
                "library versions), to separate the libraries' share of a difference from the runner's.",
            )
        elif name != "sequence":
            s.add_argument("--work", type=Path, required=True)
            s.add_argument("--result", type=Path, required=True)
            s.add_argument("--warmup", default="reference", choices=WARMUPS)
            s.add_argument("--name", default="ours")
            s.add_argument("--cpu", action="store_true", help="Rehearse on the CPU (no GPU, no meaning).")
            if name == "reference":
                s.add_argument(
                    "--no-cudnn-attention",
                    action="store_true",
                    help="Turn cuDNN's attention off, as the official board's PyTorch 2.5.1 ranked it.",
                )
    t = sub.add_parser("table", help="The runs of `pairs` folders; several folders of one host pool their pairs.")
    t.add_argument("folder", type=Path, nargs="+")
    args = ap.parse_args(argv)
    if args.cmd == "table":
        print(table(pooled_records(args.folder)))
        return 0
    if args.cmd in ("pairs", "sequence"):
        records = run_pairs(args) if args.cmd == "pairs" else run_sequence(args)
        text = table(records)
        (args.out / "table.md").write_text(text + "\n")
        print(text)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    data = args.data.resolve()
    if args.cmd == "reference":
        if data.suffix == ".jsonl":
            # The scenario loads a dataset folder: give it one holding only this file, as its train split.
            folder = args.work / "reference_dataset"
            folder.mkdir(exist_ok=True)
            target = folder / "train.jsonl"
            if not target.exists():
                target.write_bytes(data.read_bytes())
            data = target
        model = str(reference_model_view(Path(args.model).resolve(), args.work.resolve()))
        device = "cpu" if args.cpu else "cuda"
        rec = run_reference(model, data, args.samples, args.work, device, not args.no_cudnn_attention)
    else:
        rec = run_ours(args.model, data, args.samples, args.warmup, args.work, args.name, args.cpu)
    args.result.write_text(json.dumps(rec, indent=1))
    print(json.dumps({k: rec[k] for k in ("runner", "wh_per_1k", "pass_s", "wall_s")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
