"""Gradio Blocks without gradio's run history, the base of the suite's three apps' Blocks.

The history keeps every event's outputs (and its files' paths) in the visitor's browser storage and
re-sends nothing useful; each app keeps it off whatever the launcher asks.
"""

from __future__ import annotations

import gradio as gr


class NoHistoryBlocks(gr.Blocks):
    """Blocks whose `run_history` is always False (a launcher's setting is ignored)."""

    @property
    def run_history(self) -> bool:  # type: ignore[override]
        """Always False."""
        return False

    @run_history.setter
    def run_history(self, value: bool) -> None:
        pass
