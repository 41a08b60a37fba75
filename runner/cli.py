"""Command line: `python -m runner check | run | bundle | replica`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from runner import RUNNER_NAME, __version__
from runner.endpoint.options import ENDPOINT_EPILOG, add_endpoint_arguments, options_from_args
from runner.errors import RunnerError
from runner.reference_warmup import WARMUP_MODES, WARMUP_OURS
from runner.steady import STEADY_WARMUP_S
from runner.sweep.cli import add_sweep_parser, cmd_sweep
from shared.bundle.schema import ENERGY_WH_FILE, MANIFEST_FILE, REPORT_FILE, RunReport
from shared.method.tasks import DEFAULT_SAMPLES, TASKS

EXIT_INCOMPLETE = 1
EXIT_USAGE = 2

RUN_EPILOG = """\
examples:
  python -m runner run --task text_generation --model meta-llama/Llama-3.2-1B --out runs/llama1b
  python -m runner run --task image_classification --model ./replicas/vit --dataset ./images \
--samples 50 --repetitions 2
  python -m runner run --task text_generation --model ./replicas/tiny --out runs/try --dry-run

Energy is NVML's cumulative counter read at phase boundaries (after torch.cuda.synchronize()).
Only 1,000 samples on an NVIDIA H100 make a rateable bundle; fewer samples are for trying things.
"""


def _ids(text: str) -> list[int]:
    try:
        ids = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--device-ids takes comma-separated GPU indices like 0 or 0,1, not {text!r}"
        ) from None
    if not ids or len(set(ids)) != len(ids) or min(ids) < 0:
        raise argparse.ArgumentTypeError("--device-ids needs distinct, non-negative GPU indices")
    return ids


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all sub-commands."""
    p = argparse.ArgumentParser(
        prog="python -m runner",
        description="Measure the GPU energy of a model's inference on the AI Energy Score standard workload "
        "(NVML counter, NVIDIA H100).",
    )
    p.add_argument("--version", action="version", version=f"{RUNNER_NAME} {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="{check,run,bundle,replica,sweep}")

    c = sub.add_parser(
        "check",
        help="Show the GPUs, driver, CUDA and whether the NVML energy counter works (and its update period).",
        description="Show the GPUs, driver and CUDA, check that NVML's cumulative energy counter exists and measure "
        "how often it updates and what a read costs.",
    )
    c.add_argument(
        "--device-ids", type=_ids, default=[0], help="GPU indices to check (NVML order), e.g. 0 or 0,1. Default 0."
    )

    r = sub.add_parser(
        "run",
        help="Measure a model on a task's standard workload and write a run directory.",
        description="Measure a model's GPU energy on a task's standard workload: preprocess, untracked warm-up, then "
        "--repetitions passes over the dataset, each read from NVML's energy counter. Writes a run directory "
        "(benchmark_report.json, environment.json, GPU_ENERGY_WH.txt, GPU_ENERGY_SUMMARY.json, logs/).",
        epilog=RUN_EPILOG + "\n" + ENDPOINT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument(
        "--task", required=True, choices=list(TASKS), help="Task of the standard workload (see shared/method/tasks.py)."
    )
    r.add_argument(
        "--model",
        required=True,
        help="Hub id ('owner/name') or a local model directory. A directory with a config but "
        "no weights (e.g. from `runner replica --no-weights`) is built with random weights on the GPU.",
    )
    r.add_argument(
        "--out", required=True, type=Path, help="Run directory to write (earlier run files in it are removed first)."
    )
    r.add_argument(
        "--dataset",
        help="Hub dataset id, or a local .jsonl/.parquet file, image folder or audio folder. "
        "Default: the task's AIEnergyScore Hub set (with --dry-run: the small sample set shipped in "
        "runner/sample_data).",
    )
    r.add_argument(
        "--samples",
        type=int,
        default=None,
        help=f"Samples per repetition (default {DEFAULT_SAMPLES}, the standard; "
        "fewer are allowed for trying things but such a bundle cannot be rated). A dry run without --dataset "
        "defaults to every sample of the shipped sample set.",
    )
    r.add_argument(
        "--repetitions",
        type=int,
        default=10,
        help="Passes over the dataset; the report gives their mean, standard deviation "
        "and 95%% confidence interval (default 10, as the method says).",
    )
    r.add_argument(
        "--dtype",
        default="auto",
        help="auto (FP32 for every task except text generation, which keeps the model's "
        "FP16/BF16), float32, float16 or bfloat16.",
    )
    r.add_argument(
        "--reasoning",
        choices=["on", "off", "low", "medium", "high"],
        help="Reasoning mode for text generation: off (task "
        "text_generation, exactly 10 new tokens) or on/low/medium/high (task reasoning, up to 8,192 new tokens; "
        "the prompt switch is model-family specific). Default: off for text_generation, on for reasoning.",
    )
    r.add_argument(
        "--phase-split",
        default="single-pass",
        choices=["single-pass", "two-pass", "off"],
        help="How generation tasks split prefill from decode: single-pass (default: one generate pass, prefill "
        "apportioned by the measured time to first token), two-pass (also a prefill-only pass per repetition, as "
        "the reference does; about 1.2x the time), off (no split).",
    )
    r.add_argument(
        "--device-ids",
        type=_ids,
        default=[0],
        help="GPU indices (NVML order), e.g. 0 or 0,1,2,3. Classes A and B must use "
        "exactly one GPU; only class C text generation may use several.",
    )
    r.add_argument(
        "--dry-run",
        action="store_true",
        help="Run the whole pipeline on the CPU with a simulated meter (its bundle is refused "
        "by validation): for trying a model, a dataset or the set-up without a GPU.",
    )
    r.add_argument(
        "--warmup-samples", type=int, default=10, help="Samples of the untracked warm-up before measuring (default 10)."
    )
    r.add_argument(
        "--warmup",
        choices=list(WARMUP_MODES),
        default=WARMUP_OURS,
        help="ours (default): the first samples, then one sample per new input shape and the steady warm-up; "
        "reference: the reference runner's warm-up call for call (one full and 10 shortened calls on the first "
        "sample, then for text generation a prefill pass over every prompt), for a figure comparable with the "
        "official board's (docs/METHOD_CHOICES.md). Recorded in the report (config.warmup).",
    )
    r.add_argument(
        "--no-shape-warmup",
        action="store_true",
        help="Skip the untracked shape warm-up (one prefill or forward pass per "
        "input shape of the dataset not seen in the warm-up; without it the first repetition pays eager PyTorch's "
        "one-off cost per new shape, as the reference's single generate pass would).",
    )
    r.add_argument(
        "--shape-warmup-decode",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Begin the shape warm-up with the fewest full generations that meet every key/value length the "
        "pass will meet (text generation: each prompt of L tokens meets L ... L+9). Default: on exactly with "
        "--cudnn-attention, whose kernels cost 35-56 ms per new length on an H200, 39-45%% of a 300-prompt pass "
        "without it and 2%% with it (benchmarks/RESULTS.md, session 10); the flash kernel has no such cost. "
        "Recorded in the report (config.shape_warmup_decode).",
    )
    r.add_argument(
        "--cudnn-attention",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="Let PyTorch's scaled-dot-product attention use cuDNN's kernels. Off by default, as the official "
        "board's PyTorch (2.5.1 and 2.6 rank cuDNN's attention last) ran it: flash first. Recent PyTorch on Hopper "
        "ranks cuDNN first, and its kernels build a plan on the CPU for every new sequence length; turn it on to "
        "compare with a reference runner installed on such a PyTorch (docs/METHOD_CHOICES.md, 'Attention kernels'). "
        "Recorded in the report (config.cudnn_attention).",
    )
    r.add_argument(
        "--steady-warmup-s",
        type=float,
        default=STEADY_WARMUP_S,
        metavar="S",
        help="Cap, in seconds, on the untracked "
        "steady warm-up that repeats a ~1 s chunk of the pass until the host stops getting faster (the fastest chunk "
        "of the last 10 s within 1%% of the 10 s before). Default %(default)s; 0 turns it off; a dry run caps it at "
        "0.25 s. A steady host stops after about 20 s; a freshly started machine may take minutes. Recorded in the "
        "report (config.steady_warmup).",
    )
    r.add_argument(
        "--pin-cpu",
        default="off",
        metavar="off|auto|CORE",
        help="Keep the inference thread on one CPU core during "
        "the warm-up and the measured passes (auto: the highest core this process may use; or a core number). Default "
        "off: on the H100 machines we measured, pinning made repetitions no steadier (benchmarks/RESULTS.md). "
        "Recorded in the report (config.cpu_pin).",
    )
    r.add_argument(
        "--idle-seconds", type=float, default=3.0, help="Seconds of idle-power measurement before the run (default 3)."
    )
    r.add_argument(
        "--model-class",
        choices=["A", "B", "C"],
        help="Override the text-generation class derived from the parameter "
        "count (e.g. for a quantized model); the override is recorded.",
    )
    r.add_argument(
        "--model-id", help="Name recorded for the model (default: the Hub id, a replica's name or the folder name)."
    )
    r.add_argument(
        "--seed", type=int, default=0, help="Seed for random-weight replicas and diffusion noise (default 0)."
    )
    r.add_argument(
        "--no-progress", action="store_true", help="Hide the progress bar (samples done, rate and Wh so far)."
    )
    add_endpoint_arguments(r)

    b = sub.add_parser(
        "bundle",
        help="Zip a complete run directory with a manifest of hashes: the file the portal takes.",
        description="Zip a complete run directory with a manifest (sizes and sha256 of every file), then validate it "
        "as the portal will. An incomplete run is refused.",
    )
    b.add_argument("run_dir", type=Path, help="The run directory written by `runner run`.")
    b.add_argument("-o", "--output", type=Path, required=True, help="The bundle file to write (.zip).")

    p_rep = sub.add_parser(
        "replica",
        help="Build a model directory with random weights from a config (for machines without the Hub).",
        description="Build a model directory from a config.json with random weights, a preprocessor and a replica.json "
        "marker; every result measured on it says 'random weights'.",
    )
    p_rep.add_argument(
        "--config",
        required=True,
        type=Path,
        help="A transformers config.json (or, for image_generation, a pipeline description).",
    )
    p_rep.add_argument("--out", required=True, type=Path, help="Directory to write.")
    p_rep.add_argument(
        "--task",
        required=True,
        choices=list(TASKS),
        help="Task the replica is for (chooses the model class and preprocessor).",
    )
    p_rep.add_argument("--model-id", help="Name recorded for the replica, e.g. 'meta-llama/Llama-3.2-1B-replica'.")
    p_rep.add_argument(
        "--no-weights",
        action="store_true",
        help="Write config and preprocessor only; `runner run` then builds random "
        "weights on the GPU at load time (for replicas too large for the disk).",
    )
    p_rep.add_argument("--seed", type=int, default=0, help="Seed of the random weights (default 0).")
    add_sweep_parser(sub)
    return p


def cmd_check(args: argparse.Namespace) -> int:
    """`check`: GPUs, driver, CUDA, the energy counter and its update period."""
    from runner.nvml_meter import NvmlDevice, measure_update_period_ms

    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    dev = NvmlDevice(args.device_ids)
    try:
        print(f"driver: {dev.driver_version()}")
        try:
            import torch

            print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, CUDA available: {torch.cuda.is_available()}")
        except ImportError:
            print("torch: not installed")
        for s, t, c in zip(dev.static_info(), dev.temperatures_c(), dev.clocks_mhz(), strict=True):
            eligible = (
                "eligible for the official board"
                if "H100" in s.name.upper()
                else "NOT an H100: runs work but bundles are not eligible"
            )
            print(
                f"GPU {s.index}: {s.name} ({eligible}); memory {s.memory_total_mib:.0f} MiB; "
                f"power limit {s.power_limit_w} W; "
                f"max clocks SM {s.sm_clock_max_mhz} / mem {s.mem_clock_max_mhz} MHz; now {c}; {t} C; "
                f"uuid sha256 {str(s.uuid_sha256)[:12]}..."
            )
        counters = dev.read_energy_mj()
        print(f"energy counter present: {counters} mJ")
        period, cost = measure_update_period_ms(dev, 2.0)
        print(
            f"counter update period: {period:.2f} ms; one read costs {cost:.2f} ms"
            if period
            else f"counter did not advance in 2 s (read cost {cost:.2f} ms)"
        )
        print(f"power now: {dev.power_w()} W")
        procs = dev.processes()
        print(f"processes on these GPUs: {[(p.pid, p.name) for p in procs] or 'none'}")
    finally:
        dev.close()
    return 0


def default_samples(task_id: str, dry_run: bool, dataset: str | None) -> int:
    """Samples per repetition when --samples is not given: the standard, or for a dry run on the shipped
    sample set (which holds fewer) every sample of it, with a note saying so."""
    if not dry_run or dataset is not None:
        return DEFAULT_SAMPLES
    from runner.datasets_io import default_local_dataset, sample_set_size
    from shared.method.tasks import get_task

    task = get_task(task_id)
    n = min(DEFAULT_SAMPLES, sample_set_size(task))
    print(
        f"note: dry run on the shipped sample set {default_local_dataset(task)}: {n} samples per repetition "
        f"(the standard is {DEFAULT_SAMPLES}; pass --samples or --dataset to choose).",
        file=sys.stderr,
    )
    return n


def cmd_run(args: argparse.Namespace) -> int:
    """`run`: measure and write the run directory."""
    endpoint = options_from_args(args)  # refuses endpoint options without --backend endpoint
    if not args.dry_run:
        # CUDA and NVML must number GPUs alike, and the run sees only its own GPUs.
        os.environ["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in args.device_ids)
    from runner.measure import RunConfig, overhead_s, run
    from shared.bundle.pass_spread import pass_spread
    from shared.bundle.perf_fields import figures_text

    samples = args.samples if args.samples is not None else default_samples(args.task, args.dry_run, args.dataset)
    cfg = RunConfig(
        task=args.task,
        model=args.model,
        out=args.out,
        dataset=args.dataset,
        samples=samples,
        repetitions=args.repetitions,
        dtype=args.dtype,
        reasoning=args.reasoning,
        phase_split=args.phase_split,
        device_ids=args.device_ids,
        dry_run=args.dry_run,
        warmup_samples=args.warmup_samples,
        idle_seconds=args.idle_seconds,
        model_class=args.model_class,
        model_id=args.model_id,
        seed=args.seed,
        progress=not args.no_progress,
        shape_warmup=not args.no_shape_warmup,
        shape_warmup_decode=args.shape_warmup_decode,
        cudnn_attention=args.cudnn_attention,
        warmup=args.warmup,
        pin_cpu=args.pin_cpu,
        steady_warmup_s=args.steady_warmup_s,
        endpoint=endpoint,
    )
    outcome = run(cfg)
    rep = outcome.report
    if not outcome.complete:
        print(
            f"RUN INCOMPLETE: {rep.failure}\nAn incomplete report was written to {outcome.out}; it cannot be bundled.",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    s = rep.summary
    assert s is not None
    weights = " (random weights)" if rep.model.random_weights else ""
    print(
        f"{rep.model.id}{weights} / {rep.task}: {s.gpu_energy_wh_per_1k_mean:.4f} Wh per 1,000 queries "
        f"(std {s.gpu_energy_wh_per_1k_std:.4f}, 95% CI {s.ci95_low_wh_per_1k:.4f}..{s.ci95_high_wh_per_1k:.4f}, "
        f"{s.repetitions} repetitions, meter {outcome.environment.meter})"
    )
    print("phases (Wh per 1,000 queries): " + ", ".join(f"{k} {v:.4f}" for k, v in s.phases_wh_per_1k.items()))
    perf = rep.performance
    if perf is not None:
        print(f"performance ({perf.backend}): {figures_text(perf.figures)}")
        if perf.peak_memory_allocated_bytes is not None or perf.peak_memory_used_mib is not None:
            allocated = perf.peak_memory_allocated_bytes
            print(
                "peak GPU memory: "
                + (f"allocated {allocated / 2**30:.2f} GiB" if allocated is not None else "allocated n/a")
                + (f", NVML used {perf.peak_memory_used_mib:.0f} MiB" if perf.peak_memory_used_mib is not None else "")
            )
    spread = pass_spread(rep)
    if spread is not None:
        print(spread.describe())
    o = overhead_s(rep)
    print(
        f"wall {o['total_s']:.1f} s: set-up {o['setup_s']:.1f}, model load {o['model_load_s']:.1f}, "
        f"warm-up {o['warmup_s']:.1f}, "
        f"measured {o['measured_s']:.1f}, runner overhead {o['overhead_s']:.1f} s ({100 * o['overhead_share']:.1f}%; "
        f"{100 * o['overhead_share_strict']:.1f}% with the set-up counted as overhead)"
    )
    if outcome.environment.contaminated:
        print("WARNING: another process used the GPU during the run; the bundle will be refused.", file=sys.stderr)
    print(f"run directory: {outcome.out}")
    return 0


def cmd_bundle(args: argparse.Namespace) -> int:
    """`bundle`: zip a complete run with a manifest, then validate it."""
    from shared.bundle.make import make_bundle
    from shared.bundle.validate import validate_bundle

    run_dir: Path = args.run_dir
    report_path = run_dir / REPORT_FILE
    if not report_path.exists():
        raise RunnerError(f"{run_dir} has no {REPORT_FILE}: it is not a run directory.")
    report = RunReport.model_validate_json(report_path.read_text())
    if report.status != "complete" or not (run_dir / ENERGY_WH_FILE).exists():
        raise RunnerError(
            f"The run in {run_dir} is incomplete ({report.failure or 'no energy files'}); it cannot be bundled. "
            "Fix the cause and run again."
        )
    files = {
        p.relative_to(run_dir).as_posix(): p.read_bytes()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and not p.name.endswith(".tmp") and p.name != MANIFEST_FILE
    }
    data = make_bundle(files, RUNNER_NAME, __version__)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    check = validate_bundle(data)
    print(f"wrote {args.output} ({len(data):,} bytes)")
    print(check.text())
    if not check.ok:
        print("The bundle was written but the portal will not rate it for the reasons above.", file=sys.stderr)
    return 0


def cmd_replica(args: argparse.Namespace) -> int:
    """`replica`: build a random-weight model directory from a config."""
    from runner.replica import build_replica

    out = build_replica(args.config, args.out, args.task, args.model_id, weights=not args.no_weights, seed=args.seed)
    marker = json.loads((out / "replica.json").read_text())
    print(f"wrote replica {marker['model_id']} (random weights) for {args.task} to {out}")
    return 0


COMMANDS = {"check": cmd_check, "run": cmd_run, "bundle": cmd_bundle, "replica": cmd_replica, "sweep": cmd_sweep}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (user errors print one message, status 2)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for noisy in ("transformers", "diffusers", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        return COMMANDS[args.command](args)
    except RunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
