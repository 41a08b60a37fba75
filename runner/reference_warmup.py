"""`--warmup reference`: the reference runner's warm-up, call for call, so that a figure can be compared
with the official board's.

optimum-benchmark 0.6.0's energy_star scenario (the reference runner) warms up on the dataset's first
sample only: for generation, one full call then `warmup_runs` (10) calls shortened to 2 new tokens (2
denoising steps for diffusion); for every other task `warmup_runs` forward passes. For text generation it
then runs a whole prefill pass (1 new token per prompt) before the generate pass whose energy is its total,
so every prompt length has been seen once before the counted pass. Our default warm-up
(runner/measure.py: the first samples, one sample per new input shape, the steady warm-up) reaches the
same warm state by other means; docs/METHOD_CHOICES.md compares the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from runner.workloads import Prepared, SampleOutcome, Workload
from shared.method.tasks import PASS_CALL, PASS_GENERATE

WarmupMode = Literal["ours", "reference"]
WARMUP_OURS: WarmupMode = "ours"
WARMUP_REFERENCE: WarmupMode = "reference"
WARMUP_MODES: tuple[WarmupMode, ...] = (WARMUP_OURS, WARMUP_REFERENCE)
REFERENCE_WARMUP_RUNS = 10  # optimum-benchmark's EnergyStarConfig.warmup_runs default, used by the official configs

CallFn = Callable[[Callable[[Prepared], SampleOutcome], Prepared, int, str], SampleOutcome]


@dataclass(frozen=True)
class ReferenceWarmup:
    """What the reference warm-up ran.

    Attributes:
        first_sample_calls: Calls on the first sample (full and shortened).
        prefill_pass_samples: Prompts of the untracked prefill pass (0 for tasks that do not generate text).
    """

    first_sample_calls: int
    prefill_pass_samples: int


def reference_warm_up(wl: Workload, items: list[Prepared], pass_phase: str, call: CallFn, runs: int) -> ReferenceWarmup:
    """Run the reference's warm-up on `items` (module docstring); `call` runs one sample with error context.

    A task whose pass generates (tokens, or images through a pipeline call) gets one full call and then
    `runs` shortened ones; a generate task (text generation, summarization, captioning, speech recognition:
    the reference's text-generation tasks) then gets the prefill pass over every sample.
    """
    generates = pass_phase in (PASS_GENERATE, PASS_CALL)
    has_prefill = pass_phase == PASS_GENERATE
    first = items[0]
    calls = 0
    if generates:
        call(wl.run, first, 0, "reference warm-up")
        calls += 1
        for i in range(runs):
            call(wl.run_short, first, i, "reference warm-up")
    else:
        for i in range(runs):
            call(wl.run, first, i, "reference warm-up")
    calls += runs
    prefilled = 0
    if has_prefill:
        for i, item in enumerate(items):
            call(wl.run_prefill, item, i, "reference prefill pass")
        prefilled = len(items)
    wl.sync()
    return ReferenceWarmup(calls, prefilled)
