"""benchmarks/kv_length_cost.py rehearsed on the CPU with a tiny random Llama: the four sets of calls are made at the
lengths the method says, and the costs are differences of their medians (the GPU figures are in RESULTS.md)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.kv_length_cost import GAP, main
from runner.replica import build_replica


def test_a_cpu_rehearsal_writes_every_set_and_the_profiler_tables(tmp_path: Path) -> None:
    config = json.loads((Path(__file__).resolve().parents[2] / "runner/replica_configs/llama-3.2-1b.json").read_text())
    config.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
    config.update(num_key_value_heads=2, head_dim=16, vocab_size=1000, bos_token_id=1, eos_token_id=2)
    cfg_file = tmp_path / "tiny.json"
    cfg_file.write_text(json.dumps(config))
    model = tmp_path / "tiny"
    build_replica(cfg_file, model, "text_generation", "test/tiny-llama")
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
