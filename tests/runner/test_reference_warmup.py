"""`--warmup reference`: the reference runner's warm-up, call for call (runner/reference_warmup.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.reference_warmup import REFERENCE_WARMUP_RUNS, reference_warm_up
from runner.workloads import REFERENCE_SHORT_TOKENS, Prepared, SampleOutcome
from shared.bundle.schema import REPORT_FILE
from shared.method.tasks import PASS_CALL, PASS_FORWARD, PASS_GENERATE
from tests.runner.helpers import dry_run_cli


class Recorder:
    """A workload that records which call ran on which sample."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.synced = 0

    def _rec(self, name: str) -> Callable[[Prepared], SampleOutcome]:
        def fn(item: Prepared) -> SampleOutcome:
            self.calls.append((name, item.inputs))
            return SampleOutcome()

        return fn

    def __getattr__(self, name: str) -> Callable[[Prepared], SampleOutcome]:
        if name in ("run", "run_short", "run_prefill"):
            return self._rec(name)
        raise AttributeError(name)

    def sync(self) -> None:
        self.synced += 1


def _call(fn: Callable[[Prepared], SampleOutcome], item: Prepared, i: int, name: str) -> SampleOutcome:
    return fn(item)


ITEMS = [Prepared(f"s{i}") for i in range(5)]


def test_generate_tasks_get_one_full_call_ten_short_then_a_prefill_pass() -> None:
    wl = Recorder()
    done = reference_warm_up(wl, ITEMS, PASS_GENERATE, _call, REFERENCE_WARMUP_RUNS)  # type: ignore[arg-type]
    assert wl.calls[0] == ("run", "s0")
    assert wl.calls[1:11] == [("run_short", "s0")] * 10
    assert wl.calls[11:] == [("run_prefill", f"s{i}") for i in range(5)]
    assert (done.first_sample_calls, done.prefill_pass_samples) == (11, 5)
    assert wl.synced == 1


@pytest.mark.parametrize(
    ("phase", "expected"),
    [(PASS_CALL, [("run", "s0")] + [("run_short", "s0")] * 10), (PASS_FORWARD, [("run", "s0")] * 10)],
)
def test_diffusion_and_forward_tasks_warm_on_the_first_sample_only(phase: str, expected: list[tuple[str, str]]) -> None:
    wl = Recorder()
    done = reference_warm_up(wl, ITEMS, phase, _call, REFERENCE_WARMUP_RUNS)  # type: ignore[arg-type]
    assert wl.calls == expected
    assert done.prefill_pass_samples == 0


def test_a_run_with_the_reference_warmup_records_it_and_skips_our_warmups(
    tiny_models: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "ref"
    code = dry_run_cli(tiny_models, out, task="text_generation", samples=6, extra=["--warmup", "reference"])
    assert code == 0
    report = json.loads((out / REPORT_FILE).read_text())
    cfg = report["config"]
    assert cfg["warmup"] == "reference"
    assert cfg["shape_warmup"] is False and cfg["shape_warmup_samples"] == 0
    assert cfg["steady_warmup"]["chunks"] == 0
    log = (out / "logs" / "run.log").read_text()
    assert "reference warm-up: 11 calls on the first sample, then the prefill pass over 6 samples" in log
    assert "shape warm-up" not in log


def test_the_short_call_generates_two_tokens(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    from runner.models import resolve_source
    from runner.workloads import make_workload
    from shared.method.tasks import get_task

    task = get_task("text_generation")
    wl = make_workload(task, resolve_source(str(tiny_models["text_generation"])), "auto", "cpu", False, 0, "off")
    wl.load()
    item = wl.preprocess([{"text": "ba be bi bo bu"}])[0]
    assert wl.run_short(item).output_tokens == REFERENCE_SHORT_TOKENS
    assert wl.run(item).output_tokens == task.generation.max_new_tokens
