"""`--shape-warmup-decode`: the fewest full generations that meet every key/value length of the pass
(workloads.decode_cover_items), and the run that records it."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest

from runner.workloads import Prepared, decode_cover_items, input_length
from shared.bundle.schema import REPORT_FILE
from tests.runner.helpers import dry_run_cli


def items_of(lengths: list[int]) -> list[Prepared]:
    return [Prepared({"i": k}, n) for k, n in enumerate(lengths)]


def needed(lengths: list[int], new_tokens: int) -> set[int]:
    return {kv for n in lengths for kv in range(n, n + new_tokens)}


def met_by(chosen: list[Prepared], new_tokens: int) -> set[int]:
    return needed([input_length(p) or 0 for p in chosen], new_tokens)


@pytest.mark.parametrize("seed", range(40))
def test_the_cover_meets_every_length_with_the_fewest_generations(seed: int) -> None:
    rng = random.Random(seed)
    new_tokens = rng.choice([2, 3, 5, 10])
    lengths = [rng.randint(1, 40) for _ in range(rng.randint(1, 9))]
    items = items_of(lengths)
    chosen = decode_cover_items(items, new_tokens, set())
    assert met_by(chosen, new_tokens) >= needed(lengths, new_tokens)
    # No smaller set of prompts meets them all (brute force over the distinct lengths).
    distinct = sorted(set(lengths))
    smallest = next(
        k
        for k in range(1, len(distinct) + 1)
        if any(needed(list(c), new_tokens) >= needed(lengths, new_tokens) for c in itertools.combinations(distinct, k))
    )
    assert len(chosen) == smallest


def test_lengths_met_before_are_skipped_and_samples_without_tokens_left_out() -> None:
    items = [*items_of([5, 20]), Prepared({"pixel_values": None})]
    seen = set(range(5, 15))  # the warm-up's first sample already met 5..14
    chosen = decode_cover_items(items, 10, seen)
    assert [input_length(p) for p in chosen] == [20]
    assert seen >= set(range(20, 30))
    assert decode_cover_items(items, 10, seen) == []  # nothing left to meet


def test_the_decode_length_warm_up_follows_cudnns_attention_unless_told(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    """Only cuDNN's attention charges a cost per new length, so the decode-length warm-up is on with
    --cudnn-attention and off by default (flash); --[no-]shape-warmup-decode overrides either way."""

    def config(name: str, extra: list[str], task: str = "text_generation") -> dict[str, object]:
        out = tmp_path / name
        assert dry_run_cli(tiny_models, out, task=task, samples=12, repetitions=1, extra=extra) == 0
        cfg: dict[str, object] = json.loads((out / REPORT_FILE).read_text())["config"]
        cfg["log"] = (out / "logs" / "run.log").read_text()
        return cfg

    cudnn = config("cudnn", ["--cudnn-attention"])
    assert cudnn["cudnn_attention"] is True and cudnn["shape_warmup_decode"] is True
    assert 1 <= cudnn["shape_warmup_decode_samples"] <= cudnn["shape_warmup_samples"]  # type: ignore[operator]
    assert "full generations meeting every key/value length" in str(cudnn["log"])
    default = config("default", [])
    assert default["cudnn_attention"] is False and default["shape_warmup_decode"] is False
    assert default["shape_warmup_decode_samples"] is None and "full generations" not in str(default["log"])
    off = config("off", ["--cudnn-attention", "--no-shape-warmup-decode"])
    assert off["shape_warmup_decode"] is False and "full generations" not in str(off["log"])
    forced = config("forced", ["--shape-warmup-decode"])
    assert forced["cudnn_attention"] is False and forced["shape_warmup_decode"] is True
    # A task without a fixed generation length runs no full generations.
    forward = config("forward", ["--cudnn-attention"], task="text_classification")
    assert forward["shape_warmup_decode_samples"] == 0


def test_the_side_by_side_program_runs_ours_with_the_option(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.reference_side_by_side import WARMUP_OURS_DECODE, run_ours
    from runner import perf

    monkeypatch.setattr(perf.QueryLog, "record", perf.QueryLog.record)  # run_ours wraps it: restored after
    data = Path(__file__).resolve().parents[2] / "runner" / "sample_data" / "text_generation.jsonl"
    model = str(tiny_models["text_generation"])
    rec = run_ours(model, data, 8, WARMUP_OURS_DECODE, tmp_path, "decode", dry_run=True)
    assert rec["runner"] == "ours (ours-decode warm-up)" and len(rec["pass_times_ms"]) == 8
    cfg = json.loads((Path(rec["run_dir"]) / REPORT_FILE).read_text())["config"]
    assert cfg["warmup"] == "ours" and cfg["shape_warmup_decode"] is True


def test_the_side_by_side_programs_prefill_only_warmup_is_the_earlier_default(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions 8 and 9 measured "ours" without the decode lengths: `ours-prefill` reproduces it, `ours` is the
    runner's default now."""
    from benchmarks.reference_side_by_side import WARMUP_OURS_PREFILL, run_ours
    from runner import perf

    monkeypatch.setattr(perf.QueryLog, "record", perf.QueryLog.record)
    data = Path(__file__).resolve().parents[2] / "runner" / "sample_data" / "text_generation.jsonl"
    model = str(tiny_models["text_generation"])
    cases = ((WARMUP_OURS_PREFILL, False, True), ("ours", True, True), ("ours-flash", False, False))
    cases += (("reference", None, True), ("reference-flash", None, False))
    for warmup, decode, cudnn in cases:
        rec = run_ours(model, data, 6, warmup, tmp_path, f"w_{warmup}", dry_run=True)
        cfg = json.loads((Path(rec["run_dir"]) / REPORT_FILE).read_text())["config"]
        assert cfg["warmup"] == ("reference" if warmup.startswith("reference") else "ours")
        assert cfg["shape_warmup_decode"] is decode and cfg["cudnn_attention"] is cudnn


def test_attention_is_kept_off_cudnn_by_default_and_the_setting_comes_back(
    tiny_models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off cuDNN's kernels by default, as the official board's PyTorch ranked them; --cudnn-attention allows them;
    either way the process's own setting is back after the run."""
    import torch

    assert torch.backends.cuda.cudnn_sdp_enabled()
    original = torch.backends.cuda.enable_cudnn_sdp
    for name, extra, allowed, note in (
        ("default", [], False, "attention kept off cuDNN's kernels"),
        ("explicit", ["--no-cudnn-attention"], False, "attention kept off cuDNN's kernels"),
        ("cudnn", ["--cudnn-attention"], True, "attention may use cuDNN's kernels"),
    ):
        seen: list[bool] = []

        def record(on: bool, seen: list[bool] = seen) -> None:
            seen.append(on)
            original(on)

        out = tmp_path / name
        with monkeypatch.context() as m:
            m.setattr(torch.backends.cuda, "enable_cudnn_sdp", record)
            assert dry_run_cli(tiny_models, out, task="text_generation", samples=6, repetitions=1, extra=extra) == 0
        assert seen == [allowed, True]  # the run's setting, then the process's own setting again
        assert torch.backends.cuda.cudnn_sdp_enabled()
        assert json.loads((out / REPORT_FILE).read_text())["config"]["cudnn_attention"] is allowed
        assert note in (out / "logs" / "run.log").read_text()
