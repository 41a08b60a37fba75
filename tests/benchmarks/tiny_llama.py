"""A tiny random Llama with the 1B replica's config shape, for the CPU rehearsals of the GPU benchmarks."""

from __future__ import annotations

import json
from pathlib import Path

from runner.replica import build_replica

REPO = Path(__file__).resolve().parents[2]


def build_tiny_llama(folder: Path) -> Path:
    """Build the replica under `folder` (config file and model folder) and return the model folder."""
    config = json.loads((REPO / "runner/replica_configs/llama-3.2-1b.json").read_text())
    config.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
    config.update(num_key_value_heads=2, head_dim=16, vocab_size=1000, bos_token_id=1, eos_token_id=2)
    cfg_file = folder / "tiny.json"
    cfg_file.write_text(json.dumps(config))
    return build_replica(cfg_file, folder / "tiny", "text_generation", "test/tiny-llama")
