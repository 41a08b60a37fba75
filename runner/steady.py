"""The steady warm-up's rule: repeat one chunk of the pass until the host stops getting faster.

Why: a lent H100 machine ran the same 2.6 s DistilBERT pass in 4.7 s when freshly started and sped
up over about three minutes (benchmarks/RESULTS.md, session 3). A fixed warm-up of 10 samples cannot
see that, and the repetitions measured inside such a ramp drift (CV 7.8%). The reference's warm-up
is untracked, so warming up longer changes no measured definition, only the state it starts from.

The rule compares the fastest chunk of the last `window_s` seconds with the fastest chunk of the
`window_s` seconds before: while the recent best still beats the earlier best by more than
`tolerance`, the host is still speeding up. The best (not the mean) is compared because host noise
only ever slows a chunk down, so the best is the quiet estimate of what the host can do now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STEADY_WARMUP_S = 120.0  # default cap: a fresh lent H100 machine took ~3 min to reach speed
DRY_RUN_STEADY_S = 0.25  # a CPU rehearsal measures nothing: only show that the step works
CHUNK_TARGET_S = 1.0  # long enough that a counter read or a timer tick is noise, short enough to follow a ramp
WINDOW_S = 10.0
TOLERANCE = 0.01
MIN_CHUNKS_PER_WINDOW = 3


@dataclass
class SteadyWarmup:
    """Chunk times of the steady warm-up and the decision to stop.

    Attributes:
        max_s: Cap on the time spent in the steady warm-up, s (0 turns it off).
        window_s: Span of each of the two windows compared, s.
        tolerance: Fraction by which the recent best chunk may beat the earlier best and still count as steady.
        chunk_samples: Samples per chunk once sized (0 until then).
        chunk_s: Wall time of every chunk at the final size, s.
        sizing_s: Wall time of the chunks run while sizing, s.
    """

    max_s: float
    window_s: float = WINDOW_S
    tolerance: float = TOLERANCE
    chunk_samples: int = 0
    chunk_s: list[float] = field(default_factory=list)
    sizing_s: list[float] = field(default_factory=list)

    @property
    def elapsed_s(self) -> float:
        """Time spent so far, sizing included, s."""
        return sum(self.chunk_s) + sum(self.sizing_s)

    def next_size(self, samples: int, seconds: float, available: int) -> int:
        """The chunk size to use next, given that `samples` took `seconds`.

        Sizing stops (and timing begins) once a chunk takes at least half the target, or uses every
        sample there is; chunks of different sizes are never compared.
        """
        if self.chunk_samples:
            self.chunk_s.append(seconds)
            return self.chunk_samples
        self.sizing_s.append(seconds)
        if seconds >= CHUNK_TARGET_S / 2 or samples >= available:
            self.chunk_samples = samples
            return samples
        grown = math.ceil(samples * CHUNK_TARGET_S / max(seconds, 1e-6))
        return max(samples + 1, min(available, grown))

    def best_of_windows(self) -> tuple[float, float] | None:
        """(best of the earlier window, best of the recent window), s; None before two full windows."""
        windows: list[list[float]] = [[], []]
        span = 0.0
        w = 1
        for t in reversed(self.chunk_s):
            windows[w].append(t)
            span += t
            if span >= self.window_s and len(windows[w]) >= MIN_CHUNKS_PER_WINDOW:
                if w == 0:
                    return min(windows[0]), min(windows[1])
                w, span = 0, 0.0
        return None

    @property
    def steady(self) -> bool:
        """True once the recent window's best is no more than `tolerance` faster than the earlier one's."""
        best = self.best_of_windows()
        return best is not None and best[1] >= (1.0 - self.tolerance) * best[0]

    @property
    def done(self) -> bool:
        """Stop: steady, or the cap is reached."""
        return self.max_s <= 0 or self.steady or self.elapsed_s >= self.max_s

    def record(self) -> dict[str, object]:
        """What the report keeps (config.steady_warmup): enough to see the host's ramp afterwards."""
        best = self.best_of_windows()
        return {
            "max_s": self.max_s,
            "window_s": self.window_s,
            "tolerance": self.tolerance,
            "chunk_samples": self.chunk_samples,
            "chunks": len(self.chunk_s),
            "elapsed_s": round(self.elapsed_s, 3),
            "steady": self.steady,
            "first_chunk_s": round(self.chunk_s[0], 4) if self.chunk_s else None,
            "best_earlier_s": round(best[0], 4) if best else None,
            "best_recent_s": round(best[1], 4) if best else None,
            "chunk_s": [round(t, 4) for t in self.chunk_s],
        }
