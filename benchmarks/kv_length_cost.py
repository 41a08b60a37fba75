"""What a key/value length met for the first time costs a decoder's generate call, and where the time goes.

Session 9 found that a counted text-generation prompt's time follows the number of key/value lengths it is the
first to meet (benchmarks/cold_start.py: r = 0.92-0.95, 38-56 ms per new length on the H200). This program
measures the cost directly, in one process, with random prompts of chosen lengths, and separates the prefill
from the decode steps (a generate call of L prompt tokens and N new tokens runs one prefill forward at key/value
length L, then N - 1 decode forwards at L + 1 ... L + N - 1):

- **A, all new**: prompts of lengths no call met before (30 apart): a new prefill length and 9 new decode lengths;
- **W, warm**: the same prompts again: nothing new;
- **D, decode only**: the same prompts with 20 new tokens: prefill and the first 9 decode lengths met, the next
  10 decode lengths new (minus the warm 20-token time, measured by repeating);
- **P, prefill only**: prompts 10 tokens longer: a new prefill length, every decode length met by D.

Then torch.profiler records one all-new call and one warm call, and the operators whose CPU or GPU time grows
most are printed: that names the one-off cost (a kernel chosen or compiled per shape, an allocation, ...).

    python -m benchmarks.kv_length_cost --model /tmp/rep_w/llama-3.2-1b --out /tmp/kv_cost.json --trace /tmp/kv_cost.txt

Needs torch and transformers on a GPU machine (benchmarks/gpu_harness/side_runs.sh runs it with `cost`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from runner.models import attention_kernels

NEW_TOKENS = 10  # the method's text-generation setting (min = max = 10 new tokens)
GAP = 30  # tokens between the lengths of set A, so no two calls share a key/value length


def _median(xs: list[float]) -> float:
    return round(statistics.median(xs), 2) if xs else float("nan")


def measure(
    model_dir: str, start: int, count: int, device: str, trace: Path | None, cudnn_attention: bool = True
) -> dict[str, Any]:
    """The four sets of calls (module docstring) and, when `trace` is given, the profiler comparison.
    `cudnn_attention` False keeps PyTorch's attention off cuDNN's kernels (flash or memory-efficient instead)."""
    with attention_kernels(cudnn_attention):
        return _measure(model_dir, start, count, device, trace, cudnn_attention)


def _measure(
    model_dir: str, start: int, count: int, device: str, trace: Path | None, cudnn_attention: bool
) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16).to(device).eval()
    vocab = int(model.config.vocab_size)
    eos = model.config.eos_token_id
    pad = eos[0] if isinstance(eos, list) else (eos if eos is not None else 0)
    gen = {n: GenerationConfig(do_sample=False, max_new_tokens=n, min_new_tokens=n, pad_token_id=pad) for n in (10, 20)}
    g = torch.Generator().manual_seed(0)

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    def call(length: int, new: int = NEW_TOKENS) -> float:
        ids = torch.randint(10, vocab - 10, (1, length), generator=g).to(device)
        mask = torch.ones_like(ids)
        sync()
        t = time.perf_counter()
        with torch.inference_mode():
            model.generate(input_ids=ids, attention_mask=mask, generation_config=gen[new])
        sync()
        return 1000.0 * (time.perf_counter() - t)

    for _ in range(3):  # the process's own first-call costs, at lengths far from the measured ones
        call(32)
    lengths = [start + GAP * i for i in range(count)]
    a = [call(n) for n in lengths]
    w = [call(n) for n in lengths]
    d_cold = [call(n, 20) for n in lengths]
    d_warm = [call(n, 20) for n in lengths]
    p = [call(n + NEW_TOKENS) for n in lengths]
    out: dict[str, Any] = {
        "model": model_dir,
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__},
        "attention": getattr(model.config, "_attn_implementation", None),
        "cudnn_attention": cudnn_attention,
        "lengths": lengths,
        "ms": {"all_new": a, "warm": w, "decode_new_20": d_cold, "warm_20": d_warm, "prefill_new": p},
        "median_ms": {
            "all_new": _median(a),
            "warm": _median(w),
            "decode_new_20": _median(d_cold),
            "warm_20": _median(d_warm),
            "prefill_new": _median(p),
        },
    }
    m = out["median_ms"]
    out["cost_ms"] = {
        "per_all_new_call": round(m["all_new"] - m["warm"], 2),
        "per_new_decode_length": round((m["decode_new_20"] - m["warm_20"]) / NEW_TOKENS, 2),
        "per_new_prefill_length": round(m["prefill_new"] - m["warm"], 2),
    }
    if trace is not None:
        from torch.profiler import ProfilerActivity, profile

        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
        fresh = start + GAP * (count + 1)
        tables = []
        for label, length in (("all new", fresh), ("warm (same length again)", fresh)):
            with profile(activities=acts) as prof:
                ms = call(length)
            tables.append(f"## {label}: {ms:.1f} ms, prompt of {length} tokens\n")
            tables.append(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
            if device == "cuda":
                tables.append(prof.key_averages().table(sort_by="self_cuda_time_total", row_limit=12))
        trace.write_text("\n".join(tables))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="A causal LM folder (a replica with weights).")
    ap.add_argument("--out", type=Path, required=True, help="JSON of the timings and costs.")
    ap.add_argument("--trace", type=Path, help="Text file of the profiler's operator tables.")
    ap.add_argument("--start", type=int, default=400, help="First prompt length, tokens (default 400).")
    ap.add_argument("--count", type=int, default=12, help="Prompts per set (default 12).")
    ap.add_argument("--cpu", action="store_true", help="Rehearse on the CPU (no meaning).")
    ap.add_argument(
        "--no-cudnn-attention",
        action="store_true",
        help="Keep scaled-dot-product attention off cuDNN's kernels: is the cost cuDNN's or every kernel's?",
    )
    args = ap.parse_args(argv)
    device = "cpu" if args.cpu else "cuda"
    rec = measure(args.model, args.start, args.count, device, args.trace, not args.no_cudnn_attention)
    args.out.write_text(json.dumps(rec, indent=1))
    print(json.dumps({k: rec[k] for k in ("device", "attention", "cudnn_attention", "median_ms", "cost_ms")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
