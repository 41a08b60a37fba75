"""Fixtures of the runner tests: tiny random-weight replicas built once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.runner.tiny_configs import TINY


def _zero_lm_head(folder: Path) -> None:
    """Make every logit equal so greedy decoding picks token 0 (EOS) as soon as it is allowed."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    with torch.no_grad():
        model.lm_head.weight.zero_()
    model.save_pretrained(folder)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """task id -> a tiny replica directory for that task (built with `runner replica`)."""
    from runner.replica import build_replica

    root = tmp_path_factory.mktemp("tiny_models")
    out = {}
    for task, cfg in TINY.items():
        cfg_path = root / f"{task}.json"
        cfg_path.write_text(json.dumps(cfg))
        out[task] = build_replica(cfg_path, root / task, task, f"test/tiny-{task}")
    _zero_lm_head(out["reasoning"])
    return out


@pytest.fixture(autouse=True)
def _gpu_selection_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """`runner run` without --dry-run selects its GPUs in the process environment (CUDA_VISIBLE_DEVICES);
    a test that runs it in-process must not leave that selection to the tests after it."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("CUDA_DEVICE_ORDER", raising=False)
