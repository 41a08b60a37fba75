"""A label's downloadable PNG and SVG, written into a private temporary folder."""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from label_generator.data import LabelData
from label_generator.layout import build_layout
from label_generator.render import render_layout, to_png
from label_generator.svg import render_svg


def _slug(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", s).strip("-")[:80] or "model"


@dataclass(frozen=True)
class WrittenLabel:
    """One label's files.

    Attributes:
        png: The PNG file.
        svg: The SVG file.
        missing_note: A note on characters no font could draw ('' when every one was drawn).
    """

    png: Path
    svg: Path
    missing_note: str


class LabelFiles:
    """Writes a label's PNG and SVG into a private temporary folder, named by content."""

    # Labels whose files are kept and handed out again without rendering (a label is a pure function
    # of its data): the labels people open most cost nothing after the first time.
    KEEP = 256

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="aienergy-label-"))
        self._written: OrderedDict[LabelData, WrittenLabel] = OrderedDict()
        self._lock = threading.Lock()

    def write(self, data: LabelData) -> WrittenLabel:
        """Write `data`'s label (or hand out the files written for it before, while they exist); the same
        label always gets the same file names."""
        with self._lock:
            known = self._written.get(data)
            if known is not None and known.png.exists() and known.svg.exists():
                self._written.move_to_end(data)
                return known
        written = self._render(data)
        with self._lock:
            self._written[data] = written
            while len(self._written) > self.KEEP:
                self._written.popitem(last=False)
        return written

    def _render(self, data: LabelData) -> WrittenLabel:
        layout = build_layout(data)
        png = to_png(render_layout(layout), data)
        digest = hashlib.sha256(png).hexdigest()[:10]
        stem = f"ai-energy-label-{_slug(data.model_id)}-{data.result_id or 'self-reported'}-{digest}"
        png_path, svg_path = self.folder / f"{stem}.png", self.folder / f"{stem}.svg"
        png_path.write_bytes(png)
        svg_path.write_text(render_svg(data), encoding="utf-8")
        missing = "".join(sorted(layout.missing_glyphs))
        note = f"\n\nNo font on this server draws these characters: {missing}" if missing else ""
        return WrittenLabel(png_path, svg_path, note)
