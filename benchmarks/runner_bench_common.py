"""What the runner benchmarks share: a model loaded and every input shape warmed."""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

from runner.datasets_io import load_samples
from runner.models import resolve_source
from runner.nvml_meter import EnergyMeter
from runner.workloads import Prepared, Workload, make_workload, new_shape_items
from shared.method.tasks import PASS_GENERATE, Task, get_task


def load_warmed(task: Task, model: str, dataset: str, samples: int, dry_run: bool) -> tuple[Workload, list[Prepared]]:
    """Load the model, preprocess `samples` rows, then warm every input shape (one prefill or forward
    per shape) and run one full pass, so no measured pass pays eager PyTorch's one-off costs."""
    wl = make_workload(task, resolve_source(model), "auto", "cpu" if dry_run else "cuda", False, 0, "off")
    wl.load()
    items = wl.preprocess(load_samples(dataset, task, samples).rows)
    t = time.perf_counter()
    first: Any = wl.run_prefill if task.pass_phase == PASS_GENERATE else wl.run
    for item in new_shape_items(items, set()):
        first(item)
    for item in items:
        wl.run(item)
    wl.sync()
    print(f"warmed {len(items)} samples in {time.perf_counter() - t:.1f} s")
    return wl, items


def workload_parser(doc: str | None, task: str, samples: int, rounds: int) -> argparse.ArgumentParser:
    """The options every runner benchmark takes: the workload, how many rounds, --dry-run."""
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    p.add_argument("--task", default=task)
    p.add_argument("--model", required=True)
    p.add_argument("--dataset", required=True)
    p.add_argument("--samples", type=int, default=samples)
    p.add_argument("--rounds", type=int, default=rounds)
    p.add_argument("--dry-run", action="store_true", help="CPU and simulated meter (to try the script).")
    return p


def warmed_from_args(a: argparse.Namespace) -> tuple[Workload, list[Prepared]]:
    """The warmed workload and its samples, as `workload_parser`'s options ask."""
    return load_warmed(get_task(a.task), a.model, a.dataset, a.samples, a.dry_run)


def metered_pass(
    meter: EnergyMeter, label: str, items: list[Prepared], step: Callable[[Prepared], Any]
) -> tuple[float, float]:
    """One pass over `items` in one measurement window, the garbage collector paused as in the
    runner's windows. Returns (work time in s, up to the last sample's end; energy in Wh)."""
    gc.disable()
    try:
        w = meter.start(label)
        for item in items:
            step(item)
        meter.stop(w)
    finally:
        gc.enable()
    assert w.work_end_s is not None
    return w.work_end_s - w.start.time_s, w.energy_wh
