"""Per-query performance records of a measured pass, and the GPU memory peaks of a run.

`QueryLog.wrap` times each sample of a pass: its latency (call to last output), its time to first
token (from the workload's outcome: the first-token logits processor for HF generate, the first
streamed token for an endpoint) and its output tokens. The figures derived from them are computed in
`shared.bundle.perf_fields`, the arithmetic the validator repeats.

Why a sync per sample costs nothing here: a measured pass already waits for the GPU once per sample.
HF generate synchronizes at every step (its stopping criteria read the tokens), and every other
workload copies its next inputs from pageable host memory, which waits for the stream's earlier
work before the copy. Synchronizing at the end of each sample only moves that wait before the clock
read, so the latency is the GPU's and not the launch's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from shared.bundle.perf_fields import (
    BACKEND_TRANSFORMERS,
    PassPerformance,
    QueryTimings,
    RunPerformance,
    pass_performance,
    round_time,
    run_performance,
)

Clock = Callable[[], float]


@dataclass
class QueryLog:
    """Per-query records of one pass, filled by the sample function `wrap` returns.

    Attributes:
        latency_s: Each query's latency, s.
        ttft_s: Each query's time to first token, s (None for a query that did not time it).
        output_tokens: Each query's output tokens (None for a query that did not count them).
        concurrency: Queries in flight at once (1 unless an endpoint run asks for more; the records are
            then in the order the queries finished).
        clock: The clock (tests drive a fake one).
    """

    latency_s: list[float] = field(default_factory=list)
    ttft_s: list[float | None] = field(default_factory=list)
    output_tokens: list[int | None] = field(default_factory=list)
    concurrency: int = 1
    clock: Clock = time.perf_counter
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, latency_s: float, outcome: Any) -> None:
        """Note one query: its latency, and its outcome's `prefill_s` and `output_tokens` (if any).

        An outcome that times its own latency (`latency_s`, an endpoint's request-to-last-byte) wins
        over the caller's, which also counts the client's own overhead around the request.
        """
        own = getattr(outcome, "latency_s", None)
        ttft = getattr(outcome, "prefill_s", None)
        tokens = getattr(outcome, "output_tokens", None)
        with self._lock:  # the three lists stay aligned when concurrent requests finish together
            self.latency_s.append(round_time(own if own is not None else latency_s))
            self.ttft_s.append(round_time(ttft) if ttft is not None else None)
            self.output_tokens.append(int(tokens) if tokens is not None else None)

    def wrap(self, fn: Callable[[Any], Any], sync: Callable[[], None]) -> Callable[[Any], Any]:
        """`fn` timed per call (module docstring: why the sync per sample changes nothing measured)."""

        def timed(item: Any) -> Any:
            t0 = self.clock()
            outcome = fn(item)
            sync()
            self.record(self.clock() - t0, outcome)
            return outcome

        return timed

    def timings(self) -> QueryTimings:
        """The records as stored: time to first token and tokens only when every query has them."""
        ttft = [t for t in self.ttft_s if t is not None]
        tokens = [t for t in self.output_tokens if t is not None]
        n = len(self.latency_s)
        return QueryTimings(
            latency_s=list(self.latency_s),
            ttft_s=ttft if n and len(ttft) == n else None,
            output_tokens=tokens if n and len(tokens) == n else None,
        )

    def performance(self, duration_s: float, energy_wh: float) -> PassPerformance | None:
        """`Phase.performance` of the pass (None when nothing was timed or the window had no duration)."""
        if not self.latency_s or duration_s <= 0:
            return None
        return pass_performance(self.timings(), duration_s, energy_wh, self.concurrency)


def run_samples(
    items: Sequence[Any],
    fn: Callable[[Any, int], Any],
    on_done: Callable[[int, Any, Any], None],
    concurrency: int = 1,
) -> None:
    """Call `fn(item, index)` for every item and `on_done(index, item, outcome)` after each, in this
    thread: one at a time in order (concurrency 1, the method's batch-1 workload), or with up to
    `concurrency` calls in flight in worker threads (an endpoint's requests), `on_done` then in the
    order they finish. The first exception stops the pass; the calls in flight finish first."""
    if concurrency <= 1:
        for i, item in enumerate(items):
            on_done(i, item, fn(item, i))
        return
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pass") as pool:
        futures = {pool.submit(fn, item, i): i for i, item in enumerate(items)}
        try:
            for fut in as_completed(futures):
                i = futures[fut]
                on_done(i, items[i], fut.result())
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def prefill_sum_s(timings: QueryTimings) -> float | None:
    """Summed time to first token as the phase's `prefill_time_s` must state it (same rounding)."""
    return sum(timings.ttft_s) if timings.ttft_s else None


@dataclass
class MemoryPeaks:
    """GPU memory of the measured passes: torch's allocator peak and NVML's used memory at each pass end.

    Attributes:
        device_str: "cuda" or "cpu" (nothing is read on CPU).
        read_nvml: Read NVML's used memory (a real meter; never for the simulated one).
        nvml_indices: NVML indices of the run's GPUs.
        used_mib_max: Highest summed NVML used memory seen, MiB.
    """

    device_str: str
    read_nvml: bool
    nvml_indices: list[int]
    used_mib_max: float | None = None

    def reset(self) -> None:
        """Start torch's peak from now (after loading, so the load's transient peak is not counted)."""
        torch = _torch_cuda()
        if torch is not None:
            for i in range(torch.cuda.device_count()):
                torch.cuda.reset_peak_memory_stats(i)

    def note_pass_end(self) -> None:
        """Read NVML's used memory (the caching allocator keeps what the pass reserved, so the end of a
        pass shows its high-water mark plus the context)."""
        if not self.read_nvml:
            return
        used = nvml_used_mib(self.nvml_indices)
        if used is not None:
            self.used_mib_max = used if self.used_mib_max is None else max(self.used_mib_max, used)

    def allocated_peak_bytes(self) -> int | None:
        """torch.cuda.max_memory_allocated summed over the visible GPUs (None on CPU / no CUDA context)."""
        if not self.device_str.startswith("cuda"):
            return None
        torch = _torch_cuda()
        if torch is None:
            return None
        return int(sum(torch.cuda.max_memory_allocated(i) for i in range(torch.cuda.device_count())))


def _torch_cuda() -> Any:
    """torch when a CUDA context exists (never creates one), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() and torch.cuda.is_initialized() else None


def nvml_used_mib(indices: list[int]) -> float | None:
    """NVML's used memory summed over `indices`, MiB; None when NVML cannot say (no driver, no GPU).

    NVML is initialised by the run's meter already; init/shutdown are reference counted, so this
    pair leaves it as it was.
    """
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return None
    try:
        total = 0.0
        for i in indices:
            info = pynvml.nvmlDeviceGetMemoryInfo(pynvml.nvmlDeviceGetHandleByIndex(i))
            total += info.used / 2**20
        return total
    except pynvml.NVMLError:
        return None
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass


def report_performance(
    passes: list[tuple[PassPerformance, float, float]],
    pass_phase: str,
    memory: MemoryPeaks | None,
    backend: str = BACKEND_TRANSFORMERS,
) -> RunPerformance | None:
    """`RunReport.performance` from the counted passes' (performance, duration_s, energy_wh); None when
    no pass was timed (a run that stopped before its first pass)."""
    if not passes:
        return None
    return run_performance(
        passes,
        pass_phase,
        backend=backend,
        peak_memory_allocated_bytes=memory.allocated_peak_bytes() if memory is not None else None,
        peak_memory_used_mib=memory.used_mib_max if memory is not None else None,
    )
