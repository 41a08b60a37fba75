"""Finding and loading a model: a Hub id, a local directory with weights, or a replica directory
(config only, or weights written by `python -m runner replica`) whose weights are random.

A directory that holds a config but no weights is built with random weights on the GPU at load time
(seeded), so a 30B-parameter replica needs no disk space; docs/MEASUREMENT.md §4 explains why a random-weight
replica still measures the architecture's real compute for fixed-length work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import RunnerError

REPLICA_MARKER = "replica.json"
WEIGHT_PATTERNS = ("*.safetensors", "*.bin", "*.pt", "*.pth")
DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float16": "float16",
    "fp16": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}


@dataclass
class ModelSource:
    """Where a model comes from.

    Attributes:
        path: Hub id or local directory, as given.
        model_id: Name recorded in the report.
        local: True for a local directory.
        has_weights: False when a local directory holds a config only (weights are built randomly).
        random_weights: True for a replica (random weights, from the marker or a config-only folder).
        revision: Hub commit or None.
    """

    path: str
    model_id: str
    local: bool
    has_weights: bool
    random_weights: bool
    revision: str | None = None


def _has_weights(folder: Path) -> bool:
    return any(next(folder.rglob(p), None) is not None for p in WEIGHT_PATTERNS)


def resolve_source(model: str, model_id: str | None = None) -> ModelSource:
    """Describe `model` (a Hub id or a local directory) without loading it."""
    path = Path(model)
    if path.is_dir():
        marker = path / REPLICA_MARKER
        info: dict[str, Any] = json.loads(marker.read_text()) if marker.exists() else {}
        has_weights = _has_weights(path)
        if not has_weights and not (path / "config.json").exists() and not (path / "model_index.json").exists():
            raise RunnerError(f"{path} holds neither a config.json nor weights; it is not a model directory.")
        return ModelSource(
            path=str(path),
            model_id=model_id or info.get("model_id") or path.name,
            local=True,
            has_weights=has_weights,
            random_weights=bool(info.get("random_weights", not has_weights)),
        )
    if path.exists() or model.startswith((".", "/")) or model.count("/") > 1:
        raise RunnerError(f"{model} is neither a local model directory nor a Hub id ('owner/name').")
    return ModelSource(path=model, model_id=model_id or model, local=False, has_weights=True, random_weights=False)


def torch_dtype(name: str | None, default: Any) -> Any:
    """A torch dtype from a name ('float32', 'bf16', ...), or `default` for None / 'auto'."""
    import torch

    if name in (None, "", "auto"):
        return default
    try:
        return getattr(torch, DTYPES[name.lower()])
    except KeyError:
        raise RunnerError(f"Unknown --dtype {name!r}: use auto, float32, float16 or bfloat16.") from None


def count_parameters(model_cls: Any, config: Any) -> int:
    """Parameter count of `model_cls` built from `config` on the meta device (no memory used)."""
    import torch

    with torch.device("meta"):
        model = model_cls.from_config(config)
    return sum(p.numel() for p in model.parameters())


def load_transformers_model(
    model_cls: Any, source: ModelSource, config: Any, dtype: Any, device: str, multi_gpu: bool, seed: int
) -> Any:
    """Load (or, for a config-only replica, build with seeded random weights) a transformers model
    on `device` in `dtype`, in eval mode. Several GPUs use device_map='auto' over the visible GPUs."""
    import torch

    if source.has_weights:
        kwargs: dict[str, Any] = {"dtype": dtype}
        if multi_gpu:
            kwargs["device_map"] = "auto"
        try:
            model = model_cls.from_pretrained(source.path, **kwargs)
        except OSError as exc:
            raise RunnerError(f"Could not load model {source.path!r}: {exc}") from exc
        if not multi_gpu:
            model = model.to(device)
    else:
        torch.manual_seed(seed)
        if multi_gpu:
            raise RunnerError(
                "A config-only replica cannot be spread over several GPUs; "
                "save its weights with `runner replica` first."
            )
        # Built directly on the device: a 30B replica initialises in seconds and needs no disk.
        with torch.device(device):
            model = model_cls.from_config(config, dtype=dtype)
    model.eval()
    return model


@contextmanager
def attention_kernels(cudnn: bool) -> Iterator[None]:
    """PyTorch's scaled-dot-product attention with cuDNN's kernels allowed (`cudnn`) or not, inside the block; the
    process's setting is restored after it.

    Why off by default: the official board's PyTorch (2.5.1) ranked cuDNN's attention last, and on an H200 with
    torch 2.11 cuDNN's attention builds an execution plan on the CPU for every new sequence length (35-56 ms each
    while the GPU waits), which the flash kernel does not (benchmarks/kv_length_cost.py, RESULTS.md sessions 10 and
    12; docs/METHOD_CHOICES.md, "Attention kernels")."""
    import torch

    before = torch.backends.cuda.cudnn_sdp_enabled()
    torch.backends.cuda.enable_cudnn_sdp(cudnn and before)
    try:
        yield
    finally:
        torch.backends.cuda.enable_cudnn_sdp(before)
