"""The progress bar of a measured pass: samples done, rate, and GPU Wh so far."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from runner.nvml_meter import EnergyMeter, Window


class Progress:
    """A tqdm bar over one pass. "Wh so far" comes from EnergyMeter.energy_so_far_wh, which reads the
    counter at most every 2 s and never synchronizes, so the bar does not slow the pass.

    Attributes:
        total: Samples in the pass.
        label: Bar description.
        meter: The run's meter.
        window: The open window of the pass.
        enabled: False hides the bar (tests, benchmarks).
    """

    def __init__(
        self, total: int, label: str, meter: EnergyMeter | None, window: Window | None, enabled: bool = True
    ) -> None:
        self.meter = meter
        self.window = window
        self._bar: Any = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit="sample", mininterval=1.0, dynamic_ncols=True)

    def step(self) -> None:
        """One sample done."""
        if self._bar is None:
            return
        if self.meter is not None and self.window is not None:
            wh = self.meter.energy_so_far_wh(self.window)
            self._bar.set_postfix_str(f"{wh:.3f} Wh so far", refresh=False)
        self._bar.update(1)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            self._bar.close()
