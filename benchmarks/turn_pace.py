"""Per-prompt pace and GPU energy of several call paths taking turns on one GPU, block by block.

The alternated pairs of benchmarks/reference_side_by_side.py compare whole runs minutes apart, and on the lent
machines the host's pace moved by up to a third in minutes (benchmarks/RESULTS.md, sessions 8 and 12): at batch 1
a small model's GPU waits for the CPU to launch its kernels, so the energy per prompt follows that pace. This program
compares candidates at the same moments instead. An *arm* is a library stack and a call path; one worker process per
stack loads the model once; the arms take turns, a block of prompts each (the same prompts for every arm in a round,
the order rotated every round), so the arms of a round ran seconds apart. Per block the worker times each prompt and
reads NVML's energy counter around the block.

Call paths:
- `bare`: the reference runner's call (optimum-benchmark 0.6.0, energy_star): `model.generate(**inputs,
  **kwargs)` under `torch.inference_mode()` with its generation arguments (10 new tokens, min = max, greedy, one
  beam), the inputs moved to the GPU per call, Python's garbage collector left on.
- `config`: between the two: the runner's GenerationConfig, no first-token timer and no synchronize, the
  collector paused (so `config` against `bare` is the arguments and the collector, `runner` against `config` the
  timer and the synchronize).
- `runner`: our runner's counted-pass call: `TextGeneration.run` (its GenerationConfig and first-token timer)
  timed by `QueryLog.wrap` with its synchronize, the garbage collector paused as in the counted pass.

A stack is a PYTHONPATH put in front of the machine's packages (the reference's transformers 4.57.6 in /tmp/refsite,
ours on the machine's transformers):

    python -m benchmarks.turn_pace show benchmarks/sessions/2026-12-03-h200-s13/call1/turn_pace.json   # its table
    python -m benchmarks.turn_pace --model /tmp/rep_w/llama-3.2-1b --data /tmp/data/text_generation.jsonl \
      --samples 300 --block 25 --stack ref=/tmp/refsite:/tmp/site --stack ours=/tmp/site \
      --arm ref:bare --arm ref:runner --arm ours:bare --arm ours:runner --out /tmp/turn_pace.json

The first arm is the baseline: each other arm's per-round ratios of time and energy to it, with their median and a
95% bootstrap interval, show what the stack or the call path costs with the host's drift taken out. Needs torch,
transformers and nvidia-ml-py on a GPU machine (`--cpu` rehearses the protocol without meaning).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from benchmarks.reference_side_by_side import _counter_mj, reference_model_view

MODES = ("bare", "config", "runner")
# optimum-benchmark 0.6.0 energy_star's TEXT_GENERATION_DEFAULT_KWARGS with the method's 10 new tokens.
REFERENCE_KWARGS = {
    "num_return_sequences": 1,
    "max_new_tokens": 10,
    "min_new_tokens": 10,
    "do_sample": False,
    "use_cache": True,
    "num_beams": 1,
}
WARMUP_PROMPTS = 20  # per mode in every worker before the first round (flash attention has no per-length cost)


@dataclass(frozen=True)
class Arm:
    """One candidate: a stack (worker) and a call path."""

    stack: str
    mode: str

    @property
    def name(self) -> str:
        """`stack:mode`."""
        return f"{self.stack}:{self.mode}"


@dataclass
class Block:
    """One arm's block of a round.

    Attributes:
        round: Round index.
        position: Place of the arm in the round's order (0 first).
        first_prompt: Index of the block's first prompt.
        prompt_ms: Each prompt's time, ms.
        duration_s: The block's time from its first call to its last synchronize, s.
        energy_j: NVML's energy counter over the block, J (None on the CPU).
    """

    round: int
    position: int
    first_prompt: int
    prompt_ms: list[float]
    duration_s: float
    energy_j: float | None


@dataclass
class ArmResult:
    """What one arm measured over all rounds.

    Attributes:
        arm: `stack:mode`.
        prompts: Prompts timed.
        duration_s: Sum of its blocks' times, s.
        median_prompt_ms: Median prompt time, ms.
        wh_per_1k: GPU energy per 1,000 prompts, Wh (None on the CPU).
        time_ratio: Median over rounds of the block time against the baseline's block in the same round.
        time_ratio_ci: 95% bootstrap interval of the mean of those ratios.
        energy_ratio: The same for the block energy.
        energy_ratio_ci: Its interval.
        spread: Standard deviation over rounds of the block's time against the mean of its round's blocks (all
            arms): how much the host moved one arm's blocks; differences well below spread / sqrt(rounds) are
            not resolved.
        blocks: Every block.
    """

    arm: str
    prompts: int
    duration_s: float
    median_prompt_ms: float
    wh_per_1k: float | None
    time_ratio: float | None = None
    time_ratio_ci: tuple[float, float] | None = None
    energy_ratio: float | None = None
    energy_ratio_ci: tuple[float, float] | None = None
    spread: float | None = None
    blocks: list[Block] = field(default_factory=list)


def round_order(arms: list[Arm], r: int) -> list[Arm]:
    """The arms' order in round `r`: rotated by one each round, so every arm runs in every position equally often."""
    k = r % len(arms)
    return arms[k:] + arms[:k]


def bootstrap_ci(xs: list[float], draws: int = 4000, seed: int = 0) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of `xs`."""
    import numpy as np

    a = np.asarray(xs, dtype=float)
    rng = np.random.default_rng(seed)
    means = rng.choice(a, size=(draws, len(a)), replace=True).mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(lo), float(hi)


def summarize(arms: list[Arm], blocks: dict[str, list[Block]]) -> list[ArmResult]:
    """Each arm's totals and its per-round ratios to the first arm (the baseline)."""
    base = {b.round: b for b in blocks[arms[0].name]}
    round_mean = {
        r: statistics.fmean(bs[r].duration_s for bs in blocks.values()) for r in range(len(blocks[arms[0].name]))
    }
    out = []
    for arm in arms:
        bs = blocks[arm.name]
        rel = [b.duration_s / round_mean[b.round] for b in bs if round_mean.get(b.round)]
        prompts = sum(len(b.prompt_ms) for b in bs)
        energies = [b.energy_j for b in bs]
        wh = sum(e for e in energies if e is not None) / 3.6 / prompts if prompts and None not in energies else None
        res = ArmResult(
            arm=arm.name,
            prompts=prompts,
            duration_s=round(sum(b.duration_s for b in bs), 3),
            median_prompt_ms=round(statistics.median(t for b in bs for t in b.prompt_ms), 3),
            wh_per_1k=round(wh, 4) if wh is not None else None,
            spread=round(statistics.stdev(rel), 4) if len(rel) > 1 else None,
            blocks=bs,
        )
        if arm != arms[0]:
            t_ratios = [b.duration_s / base[b.round].duration_s for b in bs if b.round in base]
            res.time_ratio = round(statistics.median(t_ratios), 4)
            res.time_ratio_ci = tuple(round(x, 4) for x in bootstrap_ci(t_ratios))  # type: ignore[assignment]
            e_ratios = [
                b.energy_j / e
                for b in bs
                if b.round in base and b.energy_j is not None and (e := base[b.round].energy_j)
            ]
            if e_ratios:
                res.energy_ratio = round(statistics.median(e_ratios), 4)
                res.energy_ratio_ci = tuple(round(x, 4) for x in bootstrap_ci(e_ratios))  # type: ignore[assignment]
        out.append(res)
    return out


def results_of(rec: dict[str, Any]) -> list[ArmResult]:
    """The arms of a written JSON, summarized again from its blocks."""
    arms = [Arm(*a["arm"].split(":", 1)) for a in rec["arms"]]
    blocks = {a["arm"]: [Block(**b) for b in a["blocks"]] for a in rec["arms"]}
    return summarize(arms, blocks)


def table(results: list[ArmResult]) -> str:
    """A Markdown table of the arms."""

    def ci(x: tuple[float, float] | None) -> str:
        return f"{x[0]:.4f} to {x[1]:.4f}" if x else "-"

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.4f}"

    lines = [
        "| arm | prompts | median ms/prompt | Wh/1k | time / baseline (median) | 95% CI of the mean "
        "| energy / baseline (median) | 95% CI of the mean | spread |",
        "|---|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.arm} | {r.prompts} | {r.median_prompt_ms:.2f} | {num(r.wh_per_1k)} | {num(r.time_ratio)} | "
            f"{ci(r.time_ratio_ci)} | {num(r.energy_ratio)} | {ci(r.energy_ratio_ci)} | {num(r.spread)} |"
        )
    return "\n".join(lines)


# -- the worker (one process per stack) -----------------------------------------------------------------------------


class _Worker:
    """Loads the model through our runner's workload (so both call paths see the same inputs), then runs blocks."""

    def __init__(self, model: str, data: Path, samples: int, device: str) -> None:
        import torch

        from runner.datasets_io import load_samples
        from runner.models import resolve_source
        from runner.perf import QueryLog
        from runner.workloads import TextGeneration, make_workload
        from shared.method.tasks import get_task

        self.torch = torch
        self.device = device
        task = get_task("text_generation")
        wl = make_workload(task, resolve_source(model), None, device, False, 0, "off")
        assert isinstance(wl, TextGeneration)
        self.wl = wl
        self.wl.load()
        self.wl.load_preprocessor()
        self.items = self.wl.preprocess(load_samples(str(data), task, samples).rows)  # the runner's rows: none empty
        self.log = QueryLog()
        self.timed_runner = self.log.wrap(self.wl.run, self.wl.sync)
        self.counter_mj = _counter_mj(device) if device == "cuda" else None

    def energy_j(self) -> float | None:
        """NVML's energy counter of the GPU, J (None on the CPU)."""
        return None if self.counter_mj is None else self.counter_mj() / 1000.0

    def _bare(self, item: Any) -> None:
        # The runner's move of the inputs is the reference's prepare_inputs for text: each tensor to the device.
        with self.torch.inference_mode():
            self.wl.model.generate(**self.wl._to_device(item.inputs), **REFERENCE_KWARGS)

    def _config(self, item: Any) -> None:
        with self.torch.inference_mode():
            self.wl.model.generate(**self.wl._to_device(item.inputs), generation_config=self.wl.gen_full)

    def block(self, mode: str, start: int, count: int) -> dict[str, Any]:
        """Run `count` prompts from `start` through `mode`; the block's times and energy."""
        items = self.items[start : start + count]
        call = {"bare": self._bare, "config": self._config, "runner": self.timed_runner}[mode]
        self.wl.sync()
        e0, t0 = self.energy_j(), time.perf_counter()
        ms = []
        paused = mode != "bare"  # the counted pass pauses the collector; the reference does not
        if paused:
            gc.disable()
        try:
            for item in items:
                t = time.perf_counter()
                call(item)
                ms.append(1000.0 * (time.perf_counter() - t))
        finally:
            if paused:
                gc.enable()
        self.wl.sync()
        t1, e1 = time.perf_counter(), self.energy_j()
        energy = None if e0 is None or e1 is None else e1 - e0
        return {"prompt_ms": [round(x, 3) for x in ms], "duration_s": t1 - t0, "energy_j": energy}


def worker_main(args: argparse.Namespace) -> int:
    """Serve block requests (JSON lines on stdin, answers on stdout) until stdin closes."""
    from runner.models import attention_kernels

    out = sys.stdout
    sys.stdout = sys.stderr  # library chatter must not reach the protocol
    with attention_kernels(args.cudnn_attention):
        w = _Worker(args.model, args.data, args.samples, args.device)
        for mode in MODES:
            w.block(mode, 0, min(WARMUP_PROMPTS, len(w.items)))
        import transformers

        ready = {
            "ready": True,
            "transformers": transformers.__version__,
            "torch": w.torch.__version__,
            "prompts": len(w.items),
        }
        out.write(json.dumps(ready) + "\n")
        out.flush()
        for line in sys.stdin:
            req = json.loads(line)
            out.write(json.dumps(w.block(req["mode"], int(req["start"]), int(req["count"]))) + "\n")
            out.flush()
    return 0


# -- the coordinator ------------------------------------------------------------------------------------------------


def _ask(proc: subprocess.Popen[str], req: dict[str, Any] | None) -> dict[str, Any]:
    stdin: IO[str] = proc.stdin  # type: ignore[assignment]
    stdout: IO[str] = proc.stdout  # type: ignore[assignment]
    if req is not None:
        stdin.write(json.dumps(req) + "\n")
        stdin.flush()
    line = stdout.readline()
    if not line:
        raise RuntimeError(f"worker {proc.args!r} stopped (exit {proc.wait()}); its errors are above")
    return json.loads(line)


def parse_stacks(specs: list[str]) -> dict[str, str]:
    """`name=PYTHONPATH` pairs."""
    stacks = {}
    for s in specs:
        name, sep, path = s.partition("=")
        if not sep or not name:
            raise SystemExit(f"--stack {s!r}: write NAME=PYTHONPATH (PYTHONPATH may be empty)")
        stacks[name] = path
    return stacks


def parse_arms(specs: list[str], stacks: dict[str, str]) -> list[Arm]:
    """`stack:mode` pairs, checked against the stacks and modes."""
    arms = []
    for s in specs:
        stack, _, mode = s.partition(":")
        if stack not in stacks or mode not in MODES:
            raise SystemExit(
                f"--arm {s!r}: write STACK:MODE with STACK one of {sorted(stacks)} and MODE one of {MODES}"
            )
        arms.append(Arm(stack, mode))
    if len(set(arms)) != len(arms):
        raise SystemExit("--arm: each arm once")
    return arms


def coordinate(args: argparse.Namespace) -> int:
    """Start one worker per stack, run the rounds, write the JSON and print the table."""
    stacks = parse_stacks(args.stack)
    arms = parse_arms(args.arm, stacks)
    used = sorted({a.stack for a in arms})
    procs: dict[str, subprocess.Popen[str]] = {}
    ready: dict[str, Any] = {}
    repo = str(Path(__file__).resolve().parent.parent)
    # Both stacks read the same folder: the view transformers 4.x can read (the tokenizer class named as it knows it).
    model = str(reference_model_view(Path(args.model).resolve(), args.work.resolve()))
    try:
        for name in used:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, stacks[name]) if p)
            cmd = [
                sys.executable,
                "-m",
                "benchmarks.turn_pace",
                "worker",
                "--model",
                model,
                "--data",
                str(args.data),
                "--samples",
                str(args.samples),
                "--device",
                "cpu" if args.cpu else "cuda",
            ]
            if args.cudnn_attention:
                cmd.append("--cudnn-attention")
            procs[name] = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=repo
            )
        for name in used:  # loaded in parallel; each answers once its warm-up is done
            ready[name] = _ask(procs[name], None)
            print(f"worker {name}: {ready[name]}", flush=True)
        prompts = min(r["prompts"] for r in ready.values())
        rounds = prompts // args.block
        blocks: dict[str, list[Block]] = {a.name: [] for a in arms}
        for r in range(rounds):
            for pos, arm in enumerate(round_order(arms, r)):
                ans = _ask(procs[arm.stack], {"mode": arm.mode, "start": r * args.block, "count": args.block})
                blocks[arm.name].append(
                    Block(r, pos, r * args.block, ans["prompt_ms"], ans["duration_s"], ans["energy_j"])
                )
            line = ", ".join(f"{a.name} {blocks[a.name][-1].duration_s:.2f} s" for a in arms)
            print(f"round {r + 1}/{rounds}: {line}", flush=True)
    finally:
        for p in procs.values():
            if p.stdin:
                p.stdin.close()
        for p in procs.values():
            p.wait(timeout=120)
    results = summarize(arms, blocks)
    rec = {
        "model": args.model,
        "samples": rounds * args.block,
        "block": args.block,
        "cudnn_attention": args.cudnn_attention,
        "stacks": {n: {"pythonpath": stacks[n], **ready[n]} for n in used},
        "arms": [asdict(r) for r in results],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rec, indent=1))
    print(table(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    w = sub.add_parser("worker", help="(internal) one stack's worker process")
    for p in (ap, w):
        p.add_argument("--model", required=p is w, help="A causal LM folder (a replica with weights).")
        p.add_argument("--data", type=Path, required=p is w, help="The text-generation prompts (JSON lines).")
        p.add_argument("--samples", type=int, default=300, help="Prompts per arm (default 300).")
        p.add_argument("--cudnn-attention", action="store_true", help="Allow cuDNN's attention (default: flash).")
    w.add_argument("--device", default="cuda")
    show = sub.add_parser("show", help="Print the table of a finished run's JSON again.")
    show.add_argument("json", type=Path)
    ap.add_argument("--block", type=int, default=25, help="Prompts per block (default 25).")
    ap.add_argument("--stack", action="append", default=[], help="NAME=PYTHONPATH (repeat).")
    ap.add_argument("--arm", action="append", default=[], help="STACK:MODE (repeat; the first is the baseline).")
    ap.add_argument("--out", type=Path, help="JSON of every block and the summary.")
    ap.add_argument("--work", type=Path, default=Path("/tmp/turn_pace_work"), help="Scratch folder (the model view).")
    ap.add_argument("--cpu", action="store_true", help="Rehearse on the CPU (no meaning).")
    args = ap.parse_args(argv)
    if args.cmd == "worker":
        return worker_main(args)
    if args.cmd == "show":
        print(table(results_of(json.loads(args.json.read_text()))))
        return 0
    if not (args.model and args.data and args.out and args.arm):
        ap.error("--model, --data, --out and at least one --arm are required")
    if args.block < 1 or args.samples < args.block:
        ap.error("--block must be at least 1 and at most --samples")
    return coordinate(args)


if __name__ == "__main__":
    raise SystemExit(main())
