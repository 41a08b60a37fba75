"""Where the counted pass's cold start comes from: each prompt's time against the key/value lengths it is the
first to meet.

Both runners' counted text-generation passes start slow: on the H200 the first 100 of 300 prompts took 2-3x
as long as the last 100, whatever the warm-up (benchmarks/RESULTS.md, sessions 8 and 9). Two explanations
predict different things:
- a host that warms up with time (clocks, caches): the time falls with the prompt's position, whatever the
  prompt;
- eager PyTorch paying a one-off cost per new tensor shape: a prompt is slow when its decode steps meet
  key/value lengths no earlier prompt met (a prompt of L tokens and N new tokens meets L, L+1, ... L+N-1),
  and fast when every length was met before, wherever it stands in the pass.

This program reads the side-by-side records (`pass_times_ms`, every counted prompt's time, in dataset order)
and the prompts they ran, counts for each prompt the key/value lengths it is the first to meet, and fits
`time = warm_ms + per_new_length_ms x new_lengths` by least squares. It prints, per run: the fit, the
correlation of the time with the new lengths and with the prompt's length, the share of the pass the fit
gives to new lengths (the cold start), and the medians of successive windows of prompts.

    python -m benchmarks.cold_start benchmarks/sessions/2026-12-03-h200-s9/call3 \\
        --data /tmp/data/text_generation.jsonl

The prompts file is made by `python -m runner.samples --out /tmp/data --rows 1100 --images 0 --audio 0`
(deterministic: the same bytes as on the GPU machine); empty prompts are skipped, as both runners skip them.
Prompt lengths are counted as the replicas' word-level
tokenizer counts them (runner/replica.py: one token per word or punctuation mark, no special tokens added).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NEW_TOKENS = 10  # the method's text-generation setting (min = max = 10 new tokens)
WINDOW = 25


def prompt_lengths(texts: Sequence[str]) -> list[int]:
    """Token counts of prompts as the replicas' word-level tokenizer gives them (its pre-tokenizer's pieces)."""
    from tokenizers.pre_tokenizers import Whitespace

    split = Whitespace()
    return [len(split.pre_tokenize_str(t)) for t in texts]


def new_lengths(lengths: Sequence[int], new_tokens: int = NEW_TOKENS, seen_first: int = 1) -> list[int]:
    """For each prompt, how many key/value lengths (L ... L + new_tokens - 1) no earlier prompt met.

    The first `seen_first` prompts ran in the warm-up too (the reference's warm-up runs prompt 0), so their
    lengths count as met before the pass."""
    seen: set[int] = set()
    for n in lengths[:seen_first]:
        seen.update(range(n, n + new_tokens))
    out = []
    for n in lengths:
        span = set(range(n, n + new_tokens))
        out.append(len(span - seen))
        seen |= span
    return out


@dataclass(frozen=True)
class ColdStart:
    """One run's pass explained by the new key/value lengths its prompts met.

    Attributes:
        name: The run (record file and runner).
        prompts: Prompts in the counted pass.
        pass_ms: Sum of the prompts' times, ms.
        warm_ms: Fitted time of a prompt meeting no new length, ms.
        per_new_length_ms: Fitted extra time per new key/value length, ms.
        r_new: Correlation of the prompt's time with its new lengths.
        r_length: Correlation of the prompt's time with its prompt length.
        cold_share: Share of the pass the fit gives to new lengths (per_new_length_ms x their count / pass).
        window_medians_ms: Median prompt time of each window of `WINDOW` prompts, in pass order.
    """

    name: str
    prompts: int
    pass_ms: float
    warm_ms: float
    per_new_length_ms: float
    r_new: float
    r_length: float
    cold_share: float
    window_medians_ms: tuple[float, ...]


def explain(name: str, times_ms: Sequence[float], lengths: Sequence[int], new: Sequence[int]) -> ColdStart:
    """Fit one run's prompt times against the new lengths its prompts met."""
    t = np.asarray(times_ms, dtype=float)
    n = len(t)
    if n < 3 or len(lengths) < n or len(new) < n:
        raise ValueError(f"{name}: {n} prompt times against {len(lengths)} prompts: run and prompts differ")
    x = np.asarray(new[:n], dtype=float)
    design = np.c_[np.ones(n), x]
    (warm, per_new), *_ = np.linalg.lstsq(design, t, rcond=None)
    windows = tuple(float(np.median(t[i : i + WINDOW])) for i in range(0, n, WINDOW))
    return ColdStart(
        name=name,
        prompts=n,
        pass_ms=float(t.sum()),
        warm_ms=float(warm),
        per_new_length_ms=float(per_new),
        r_new=_corr(t, x),
        r_length=_corr(t, np.asarray(lengths[:n], dtype=float)),
        cold_share=float(per_new * x.sum() / t.sum()),
        window_medians_ms=windows,
    )


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def table(rows: Sequence[ColdStart]) -> str:
    """A markdown table of the fits, one run a row."""
    out = [
        "| run | prompts | pass s | warm ms / prompt | ms per new length | r(time, new lengths) | r(time, prompt "
        f"length) | cold share | medians of {WINDOW}-prompt windows, ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        medians = " ".join(f"{m:.0f}" for m in r.window_medians_ms)
        out.append(
            f"| {r.name} | {r.prompts} | {r.pass_ms / 1000:.1f} | {r.warm_ms:.0f} | {r.per_new_length_ms:.1f} | "
            f"{r.r_new:.2f} | {r.r_length:.2f} | {r.cold_share:.0%} | {medians} |"
        )
    return "\n".join(out)


def load_runs(folders: Sequence[Path]) -> list[tuple[str, list[float]]]:
    """(name, prompt times) of every record with per-prompt times, in folder and run order."""
    runs = []
    for folder in folders:
        for f in sorted(folder.glob("[0-9][0-9]_*.json")):
            rec = json.loads(f.read_text())
            times = rec.get("pass_times_ms")
            if times:
                runs.append((f"{folder.name}/{f.stem} ({rec.get('runner', '?')})", [float(v) for v in times]))
    return runs


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", type=Path, nargs="+", help="Folders of side-by-side records (NN_runner.json).")
    ap.add_argument("--data", type=Path, required=True, help="The JSONL prompts the runs used ('text' column).")
    ap.add_argument("--new-tokens", type=int, default=NEW_TOKENS)
    ap.add_argument("--seen-first", type=int, default=1, help="Prompts the warm-up ran before the pass (default 1).")
    args = ap.parse_args(argv)
    runs = load_runs(args.folders)
    if not runs:
        ap.error("no record with per-prompt times (pass_times_ms) in " + ", ".join(map(str, args.folders)))
    longest = max(len(t) for _, t in runs)
    texts = []
    with args.data.open(encoding="utf-8") as fh:
        for line in fh:
            if len(texts) == longest:
                break
            text = json.loads(line)["text"]
            if text.strip():  # both runners skip empty prompts
                texts.append(text)
    lengths = prompt_lengths(texts)
    new = new_lengths(lengths, args.new_tokens, args.seen_first)
    try:
        print(table([explain(name, times, lengths, new) for name, times in runs]))
    except ValueError as e:
        ap.error(str(e))
    met = sum(1 for v in new if v)
    print(
        f"\n{len(lengths)} prompts, {len(set(lengths))} distinct lengths; {met} meet at least one new key/value length"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
