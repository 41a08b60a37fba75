"""Fonts and text for the label: the shipped Inter, a fallback for glyphs Inter lacks, and fitting.

Inter (SIL Open Font License, `fonts/OFL.txt`) ships with the package, so a Latin label looks the
same everywhere. A character Inter has no glyph for is drawn with the first fallback font that has
one: the fonts named in $AIENERGY_LABEL_FONTS (paths separated by os.pathsep), then the machine's
fonts (DejaVu, Noto, ...). Coverage comes from each font's own character map (read here, without
extra dependencies). Sizes are logical pixels (the 260 x 364 design); fonts are loaded at
`SCALE` times that size.
"""

from __future__ import annotations

import bisect
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

SCALE = 2
FONT_DIR = Path(__file__).resolve().parent / "fonts"
WEIGHTS = ("regular", "medium", "bold")
INTER = {w: FONT_DIR / f"Inter-{w.capitalize()}.otf" for w in WEIGHTS}
FALLBACK_ENV = "AIENERGY_LABEL_FONTS"
SYSTEM_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
# Characters a line may break after, tried in this order (a model id breaks at its "/" first, a
# version number's "." last); a piece still too wide for a line breaks between characters.
BREAK_LEVELS = (frozenset(" /"), frozenset(" /-_"), frozenset(" /-_.?&=:,+"))
DESCENT = 0.25  # depth of descenders below the baseline, in font sizes
# What using each level costs when fitting, in steps of font size (breaking at "." is worth two).
BREAK_COST = (0, 0, 2)


# --- character maps -------------------------------------------------------------------------


def _u16(data: bytes, off: int) -> int:
    return struct.unpack_from(">H", data, off)[0]


def _u32(data: bytes, off: int) -> int:
    return struct.unpack_from(">I", data, off)[0]


def _format4(data: bytes, off: int) -> list[tuple[int, int]]:
    seg2 = _u16(data, off + 6)
    ends, starts = off + 14, off + 16 + seg2
    deltas, ranges = starts + seg2, starts + 2 * seg2
    out: list[tuple[int, int]] = []
    for i in range(seg2 // 2):
        end, start = _u16(data, ends + 2 * i), _u16(data, starts + 2 * i)
        delta, roff = _u16(data, deltas + 2 * i), _u16(data, ranges + 2 * i)
        if start == 0xFFFF:
            continue
        if roff == 0:
            out.append((start, end))
            continue
        for code in range(start, end + 1):  # glyph ids through the glyph array; 0 = missing
            pos = ranges + 2 * i + roff + 2 * (code - start)
            if pos + 2 > len(data):
                break
            glyph = _u16(data, pos)
            if glyph and (glyph + delta) & 0xFFFF:
                out.append((code, code))
    return out


def _format12(data: bytes, off: int) -> list[tuple[int, int]]:
    groups = _u32(data, off + 12)
    return [(_u32(data, off + 16 + 12 * g), _u32(data, off + 20 + 12 * g)) for g in range(groups)]


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


@lru_cache(maxsize=256)
def coverage(path: str) -> tuple[tuple[int, int], ...]:
    """Sorted, merged code point ranges the font at `path` has glyphs for (() if unreadable)."""
    try:
        data = Path(path).read_bytes()
        base = _u32(data, 12) if data[:4] == b"ttcf" else 0  # first font of a collection
        cmap = next(
            _u32(data, rec + 8)
            for rec in range(base + 12, base + 12 + 16 * _u16(data, base + 4), 16)
            if data[rec : rec + 4] == b"cmap"
        )
        subtables: dict[int, tuple[int, int, int]] = {}  # format -> (platform, encoding, offset)
        for i in range(_u16(data, cmap + 2)):
            platform, encoding = _u16(data, cmap + 4 + 8 * i), _u16(data, cmap + 6 + 8 * i)
            sub = cmap + _u32(data, cmap + 8 + 8 * i)
            subtables.setdefault(_u16(data, sub), (platform, encoding, sub))
        if 12 in subtables:
            return _merge(_format12(data, subtables[12][2]))
        if 4 in subtables:
            return _merge(_format4(data, subtables[4][2]))
    except (OSError, StopIteration, struct.error):
        pass
    return ()


def has_glyph(path: str, char: str) -> bool:
    """True when the font at `path` maps `char` to a glyph."""
    ranges = coverage(path)
    code = ord(char)
    i = bisect.bisect_right(ranges, (code, 0x10FFFF + 1)) - 1
    return i >= 0 and ranges[i][0] <= code <= ranges[i][1]


# --- font chains ----------------------------------------------------------------------------


def _system_score(path: Path, weight: str) -> tuple[int, str]:
    name = path.name.lower()
    score = 0
    for word, points in (("dejavusans", -40), ("notosans", -30), ("droidsansfallback", -20), ("sans", -10)):
        if word in name:
            score += points
            break
    for bad in ("mono", "serif", "math", "italic", "oblique", "condensed", "emoji", "light", "thin", "black"):
        if bad in name:
            score += 25
    if ("bold" in name) != (weight == "bold"):
        score += 5
    return score, name


@lru_cache(maxsize=4)
def fallback_fonts(weight: str) -> tuple[str, ...]:
    """Fallback font files for `weight`, best first: $AIENERGY_LABEL_FONTS, then the system's."""
    configured = [p for p in os.environ.get(FALLBACK_ENV, "").split(os.pathsep) if p and Path(p).is_file()]
    found: list[Path] = []
    for folder in SYSTEM_FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            found += [p for p in root.rglob("*") if p.suffix.lower() in (".ttf", ".otf", ".ttc")]
    found.sort(key=lambda p: _system_score(p, weight))
    return tuple(dict.fromkeys([*configured, *map(str, found)]))


@lru_cache(maxsize=512)
def font_for_char(weight: str, char: str) -> str:
    """The font file to draw `char` with: Inter if it has the glyph, else the first fallback that
    has it, else Inter (which then draws its 'missing' box)."""
    primary = str(INTER[weight])
    if char.isspace() or has_glyph(primary, char):
        return primary
    return next((f for f in fallback_fonts(weight) if has_glyph(f, char)), primary)


def missing_glyphs(text: str, weight: str = "regular") -> set[str]:
    """Characters of `text` no available font has a glyph for."""
    primary = str(INTER[weight])
    return {c for c in text if not c.isspace() and font_for_char(weight, c) == primary and not has_glyph(primary, c)}


@lru_cache(maxsize=256)
def pil_font(path: str, px: int) -> ImageFont.FreeTypeFont:
    """A loaded font at `px` device pixels (cached)."""
    return ImageFont.truetype(path, px)


def runs(text: str, weight: str) -> list[tuple[str, str]]:
    """`text` split into (font file, substring) runs of one font each."""
    out: list[tuple[str, str]] = []
    for char in text:
        path = font_for_char(weight, char)
        if out and (out[-1][0] == path or char.isspace()):
            out[-1] = (out[-1][0], out[-1][1] + char)
        else:
            out.append((path, char))
    return out


def _px(size: float) -> int:
    return max(1, round(size * SCALE))


@lru_cache(maxsize=4096)
def measure(text: str, weight: str, size: float) -> float:
    """Advance width of `text` in logical pixels."""
    return sum(pil_font(path, _px(size)).getlength(part) for path, part in runs(text, weight)) / SCALE


REF_SIZE = 40.0  # logical size at which fitting measures, scaling linearly to the size tried
APPROX_SLACK = 1.01  # fitting's allowance for hinting differences between sizes; exact check after


@lru_cache(maxsize=8192)
def _ref_width(text: str, weight: str) -> float:
    return measure(text, weight, REF_SIZE)


def approx_measure(text: str, weight: str, size: float) -> float:
    """Width of `text` at `size` scaled from one measurement at REF_SIZE (fast: one measurement per
    string whatever the sizes tried), slightly generous."""
    return _ref_width(text, weight) * size / REF_SIZE * APPROX_SLACK


@lru_cache(maxsize=64)
def cap_height(weight: str, size: float) -> float:
    """Height of a capital letter above the baseline, in logical pixels."""
    return -pil_font(str(INTER[weight]), _px(size)).getbbox("H", anchor="ls")[1] / SCALE


def draw_text(
    draw: ImageDraw.ImageDraw, x: float, baseline: float, text: str, weight: str, size: float, fill: str
) -> None:
    """Draw `text` with its left end at logical (x, baseline), font run by font run."""
    px = x * SCALE
    for path, part in runs(text, weight):
        font = pil_font(path, _px(size))
        draw.text((px, baseline * SCALE), part, font=font, fill=fill, anchor="ls")
        px += font.getlength(part)


# --- fitting --------------------------------------------------------------------------------


def _pieces(text: str, breaks: frozenset[str]) -> list[str]:
    """`text` cut after every character of `breaks`."""
    out, cur = [], ""
    for char in text:
        cur += char
        if char in breaks:
            out.append(cur)
            cur = ""
    return [*out, cur] if cur else out


def _wrap(
    text: str,
    weight: str,
    size: float,
    width: float,
    breaks: frozenset[str],
    measure_fn: Callable[[str, str, float], float] = approx_measure,
) -> tuple[list[str], bool]:
    """Greedy line breaking after the characters of `breaks`: (lines, True if a piece wider than a
    line had to break between characters). No line is wider than `width` (as `measure_fn` measures)
    unless one character is."""

    def fits(s: str) -> bool:
        return measure_fn(s.rstrip(), weight, size) <= width

    lines: list[str] = []
    line = ""
    forced = False
    for piece in _pieces(" ".join(text.split()), breaks):
        if fits(line + piece):
            line += piece
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = piece.lstrip()
        while len(line) > 1 and not fits(line):
            forced = True
            lo, hi = 1, len(line) - 1  # the longest head that fits, by bisection (at least one character)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if fits(line[:mid]) else (lo, mid - 1)
            lines.append(line[:lo].rstrip())
            line = line[lo:].lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""], forced


def wrap(text: str, weight: str, size: float, width: float) -> list[str]:
    """`text` broken into lines of at most `width` at `size` (measured exactly), at the best break
    characters."""
    for breaks in BREAK_LEVELS:
        lines, forced = _wrap(text, weight, size, width, breaks, measure)
        if not forced:
            return lines
    return lines


@dataclass(frozen=True)
class Fitted:
    """Text fitted into a box: the size chosen, its lines and their widths (logical pixels).

    Attributes:
        size: Font size chosen.
        line_height: Distance between baselines.
        lines: The lines, in order.
        widths: Advance width of each line.
        weight: Font weight.
    """

    size: float
    line_height: float
    lines: tuple[str, ...]
    widths: tuple[float, ...]
    weight: str

    @property
    def width(self) -> float:
        """Width of the widest line."""
        return max(self.widths, default=0.0)

    @property
    def height(self) -> float:
        """Height from the first line's cap top to the last baseline."""
        return cap_height(self.weight, self.size) + self.line_height * (len(self.lines) - 1)


def lines_within(height: float, weight: str, size: float, line_ratio: float) -> int:
    """How many lines of `size` fit in `height`, from the first cap top to the last descender."""
    return 1 + max(0, int((height - cap_height(weight, size) - DESCENT * size) // (size * line_ratio)))


def fit(
    text: str,
    weight: str,
    sizes: tuple[float, ...],
    width: float,
    max_lines: int,
    line_ratio: float,
    max_height: float | None = None,
    line_cost: float = 0.0,
) -> Fitted:
    """`text` fitted into lines of `width`: at most `max_lines` lines (and within `max_height` if
    given), at the best size of `sizes` (largest first).

    The choice minimises a cost: one per step down `sizes`, BREAK_COST for breaking at a worse
    character, `line_cost` per extra line (so a row value shrinks a little before it wraps);
    breaking inside a word comes last. At the smallest size the lines are whatever it takes (callers
    bound the text's length).
    """
    if not sizes:
        raise ValueError("fit() needs at least one size.")
    candidates = sorted(
        (forced_ok, i + BREAK_COST[level] + line_cost * (n - 1), level, i, n)
        for forced_ok in (False, True)
        for i in range(len(sizes))
        for level in range(len(BREAK_LEVELS))
        for n in range(1, max_lines + 1)
    )
    wrapped: dict[tuple[int, int], tuple[list[str], bool]] = {}
    size, lines = sizes[-1], None
    for forced_ok, _, level, i, n in candidates:
        if (i, level) not in wrapped:
            wrapped[i, level] = _wrap(text, weight, sizes[i], width, BREAK_LEVELS[level])
        found, forced = wrapped[i, level]
        limit = n if max_height is None else min(n, lines_within(max_height, weight, sizes[i], line_ratio))
        if len(found) <= limit and (forced_ok or not forced):
            size, lines = sizes[i], found
            break
    widths = tuple(measure(ln, weight, size) for ln in lines or ())
    if lines is None or max(widths) > width:  # the scaled estimate was off: break exactly at this size
        lines = wrap(text, weight, size, width)
        widths = tuple(measure(ln, weight, size) for ln in lines)
    return Fitted(size, size * line_ratio, tuple(lines), widths, weight)
