"""benchmarks/kv_length_cost.py rehearsed on the CPU with a tiny random Llama: the four sets of calls are made at the
lengths the method says, and the costs are differences of their medians (the GPU figures are in RESULTS.md)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.kv_length_cost import GAP, main
from tests.benchmarks.tiny_llama import build_tiny_llama


def test_a_cpu_rehearsal_writes_every_set_and_the_profiler_tables(tmp_path: Path) -> None:
    model = build_tiny_llama(tmp_path)
    out, trace = tmp_path / "cost.json", tmp_path / "cost.txt"
    assert main(["--model", str(model), "--out", str(out), "--trace", str(trace), "--cpu", "--count", "3"]) == 0
    rec = json.loads(out.read_text())
    assert rec["lengths"] == [400, 400 + GAP, 400 + 2 * GAP]
    assert {k: len(v) for k, v in rec["ms"].items()} == dict.fromkeys(
        ("all_new", "warm", "decode_new_20", "warm_20", "prefill_new"), 3
    )
    m = rec["median_ms"]
    assert rec["cost_ms"]["per_new_decode_length"] == round((m["decode_new_20"] - m["warm_20"]) / 10, 2)
    assert rec["cost_ms"]["per_new_prefill_length"] == round(m["prefill_new"] - m["warm"], 2)
    text = trace.read_text()
    assert "## all new" in text and "## warm (same length again)" in text and "scaled_dot_product" in text
