"""The label's layout: one list of drawing items in logical pixels, drawn by both backends.

Geometry follows the spec (docs/APPS.md §3): a 260 x 364 card with 16 px side
margins, a #313131 header with rounded top corners, the model block, three rows with icons, the
inference energy between two #efefef dividers, five stars (captioned "Energy Score", and "in class B"
under it where the task is rated per class) and the dark "Learn More" button. The
verification QR code (or, on a self-reported label, the "self-reported" stamp) sits at the top right
of the model block. `render.py` rasterises the items with Pillow at 2x; `svg.py` writes them as SVG.
Text that could be long (names, row values, energy, link) is fitted: wrapped, then shrunk, never
clipped; `Layout.fitted` reports what was chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from label_generator import text
from label_generator.data import LabelData
from label_generator.qr import qr_matrix

WIDTH, HEIGHT = 260, 364
MARGIN = 16
RIGHT = WIDTH - MARGIN
DARK = "#313131"
GREEN = "#3ea45a"
GREEN_LIGHT = "#55c173"
GREY_TEXT = "#5c5c5c"
ICON = "#717680"
DIVIDER = "#efefef"
STAR_EMPTY = "#e9e9e9"
WHITE = "#ffffff"
STAMP = "#b45309"

HEADER_H = 45
CORNER = 6
LABEL_X = 37  # row captions start right of their 16 px icons
ROW_BASELINES = (139.0, 163.0, 187.0)
DIVIDERS = (214.0, 272.0)
ENERGY_CENTRE = sum(DIVIDERS) / 2
SCORE_BASELINE = 297.0
SCORE_CAPTION = "Energy Score"
# With a class, "Energy Score" and "in class B" under it: the two lines' block (first cap top to last
# baseline: the class words have no descender) centred on the stars.
CLASS_SIZE = 11.0
CLASS_LEADING = 13.0
STAR_PITCH = 20.0
STAR_CY = 293.5
BUTTON = (16.0, 316.0, 228.0, 32.0)
QR_SIZE = 54.0
QR_X, QR_Y = RIGHT - QR_SIZE, 56.0
NAME_TOP, NAME_BOTTOM = 76.0, 119.0
NOTE_H = 12.0  # height the note under the name takes from the name's block (published figure, random weights)
NOTE_SIZES = (9.0, 8.5, 8.0, 7.5, 7.0)
ENERGY_UNIT = "(Wh) per 1k queries"  # "queries", as the leaderboard and the portal say
NAME_WIDTH = QR_X - 8 - MARGIN
GAP = 8.0  # least space between a caption and its value

NAME_SIZES = (16.0, 15.0, 14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.0, 7.0)
ROW_SIZES = (12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0, 8.0, 7.0)
ENERGY_SIZES = (14.0, 13.0, 12.0, 11.0, 10.0, 9.0, 8.0)
BUTTON_SIZES = (12.0, 11.0, 10.0, 9.0, 8.0, 7.0)


@dataclass(frozen=True)
class Box:
    """A rectangle, optionally rounded, filled and/or outlined (the outline lies inside)."""

    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    outline: str | None = None
    width: float = 0.0
    radius: float = 0.0


@dataclass(frozen=True)
class Path:
    """A polygon (closed) or a polyline, filled and/or stroked."""

    points: tuple[tuple[float, float], ...]
    fill: str | None = None
    outline: str | None = None
    width: float = 0.0
    closed: bool = True


@dataclass(frozen=True)
class TextLine:
    """One line of text at a baseline; `anchor` is 'start', 'middle' or 'end' of `x`.

    Attributes:
        width: Advance width measured with the label's fonts (the SVG pins its text to it).
        role: What the line is ('name', 'task', ...), for tests and tools.
    """

    x: float
    baseline: float
    text: str
    weight: str
    size: float
    color: str
    anchor: str = "start"
    width: float = 0.0
    role: str = ""

    @property
    def left(self) -> float:
        """Left end of the line."""
        return self.x - self.width * {"start": 0.0, "middle": 0.5, "end": 1.0}[self.anchor]

    @property
    def right(self) -> float:
        """Right end of the line."""
        return self.left + self.width


@dataclass(frozen=True)
class QRItem:
    """A QR code: its modules' top-left corner, module size and matrix (no quiet zone)."""

    x: float
    y: float
    module: float
    matrix: tuple[tuple[bool, ...], ...]
    data: str

    @property
    def size(self) -> float:
        """Side of the module square."""
        return self.module * len(self.matrix)


Item = Box | Path | TextLine | QRItem


@dataclass(frozen=True)
class Layout:
    """The items of one label, and what fitting chose.

    Attributes:
        data: The label's data.
        items: Drawing items, back to front.
        fitted: Fitted text per role ('name', 'scored', 'task', 'hardware', 'energy', 'button').
        star_centres: Centres of the five stars, left to right.
        missing_glyphs: Characters no available font could draw.
    """

    data: LabelData
    items: tuple[Item, ...]
    fitted: dict[str, text.Fitted]
    star_centres: tuple[tuple[float, float], ...]
    missing_glyphs: frozenset[str]

    def lines(self, role: str | None = None) -> list[TextLine]:
        """The text lines, optionally of one role."""
        return [i for i in self.items if isinstance(i, TextLine) and (role is None or i.role == role)]


def line(
    x: float, baseline: float, s: str, weight: str, size: float, color: str, anchor: str = "start", role: str = ""
) -> TextLine:
    """A measured TextLine."""
    return TextLine(x, baseline, s, weight, size, color, anchor, text.measure(s, weight, size), role)


def star_points(cx: float, cy: float, outer: float, inner_ratio: float = 0.42) -> tuple[tuple[float, float], ...]:
    """The ten corners of a five-pointed star, first tip up, clockwise."""
    return tuple(
        (cx + r * math.cos(a), cy + r * math.sin(a))
        for k in range(10)
        for r, a in [(outer if k % 2 == 0 else outer * inner_ratio, -math.pi / 2 + k * math.pi / 5)]
    )


def _icon_calendar(top: float) -> list[Item]:
    return [
        Box(17.5, top + 1.5, 12, 11.5, outline=ICON, width=1.2, radius=2),
        Path(((17.5, top + 5.2), (29.5, top + 5.2)), outline=ICON, width=1.2, closed=False),
        Path(((21, top), (21, top + 3)), outline=ICON, width=1.2, closed=False),
        Path(((26, top), (26, top + 3)), outline=ICON, width=1.2, closed=False),
    ]


def _icon_task(top: float) -> list[Item]:
    return [
        Box(17.5, top + 1, 12, 12, outline=ICON, width=1.2, radius=2.5),
        Path(((20.6, top + 7.2), (22.8, top + 9.4), (26.8, top + 4.8)), outline=ICON, width=1.3, closed=False),
    ]


def _icon_hardware(top: float) -> list[Item]:
    items: list[Item] = []
    for dy in (0.8, 7.4):
        items.append(Box(17.5, top + dy, 12, 5.8, outline=ICON, width=1.2, radius=1.8))
        items.append(Path(((19.8, top + dy + 2.9), (21.4, top + dy + 2.9)), outline=ICON, width=1.2, closed=False))
    return items


def _icon_lightning(top: float) -> list[Item]:
    pts = ((25.6, top), (18.2, top + 8.3), (23.2, top + 8.3), (21.2, top + 14.2), (28.6, top + 5.8), (23.6, top + 5.8))
    return [Path(pts, outline=ICON, width=1.2)]


def _header_mark(cx: float, cy: float, outer: float) -> list[Item]:
    pts = star_points(cx, cy, outer, 0.45)
    items: list[Item] = [Path(pts, fill=GREEN)]
    for k in range(0, 10, 2):  # the lit half of each tip
        items.append(Path(((cx, cy), pts[k - 1], pts[k]), fill=GREEN_LIGHT))
    return items


@lru_cache(maxsize=1)
def static_items() -> tuple[Item, ...]:
    """What every label has: card, header, captions, icons, dividers, the button's body."""
    title = "AI Energy Score"
    mark = 20.0
    title_w = text.measure(title, "regular", 16)
    left = (WIDTH - (mark + 5 + title_w)) / 2
    items: list[Item] = [
        Box(0, 0, WIDTH, HEIGHT, fill=WHITE, outline=DARK, width=1, radius=CORNER),
        Box(0, 0, WIDTH, HEADER_H, fill=DARK, radius=CORNER),
        Box(0, CORNER, WIDTH, HEADER_H - CORNER, fill=DARK),
        *_header_mark(left + mark / 2, 22.0, mark / 2 + 0.5),
        line(left + mark + 5, 28.5, title, "regular", 16, WHITE, role="title"),
        line(MARGIN, 71, "Model", "regular", 12, GREY_TEXT, role="caption"),
    ]
    for baseline, caption, icon in zip(
        ROW_BASELINES, ("Scored", "Task", "Hardware"), (_icon_calendar, _icon_task, _icon_hardware), strict=True
    ):
        items += icon(baseline - 11)
        items.append(line(LABEL_X, baseline, caption, "regular", 12, GREY_TEXT, role="caption"))
    for y in DIVIDERS:
        items.append(Box(1, y, WIDTH - 2, 1, fill=DIVIDER))
    items += _icon_lightning(232)
    items.append(line(LABEL_X, 241, "Inference Energy", "regular", 12, GREY_TEXT, role="caption"))
    items.append(line(LABEL_X, 255, ENERGY_UNIT, "regular", 12, GREY_TEXT, role="caption"))
    items.append(Box(*BUTTON, fill=DARK, radius=4))
    return tuple(items)


def score_caption(data: LabelData) -> list[TextLine]:
    """The caption of the stars: 'Energy Score', with the class the stars compare under it where the task
    is rated per class ('in class B'), the two lines centred on the stars; alone on its baseline else."""
    if not data.class_text:
        return [line(MARGIN, SCORE_BASELINE, SCORE_CAPTION, "regular", 12, GREY_TEXT, role="caption")]
    top = text.cap_height("regular", 12)
    first = STAR_CY + (top - CLASS_LEADING) / 2
    return [
        line(MARGIN, first, SCORE_CAPTION, "regular", 12, GREY_TEXT, role="caption"),
        line(MARGIN, first + CLASS_LEADING, data.class_text, "medium", CLASS_SIZE, DARK, role="class"),
    ]


def _caption_right(role: str) -> float:
    return max(i.right for i in static_items() if isinstance(i, TextLine) and i.text == role)


def _centred_lines(fitted: text.Fitted, x: float, centre: float, color: str, anchor: str, role: str) -> list[TextLine]:
    """The fitted lines, as a block vertically centred on `centre` (middle of the cap height)."""
    first = centre + text.cap_height(fitted.weight, fitted.size) / 2 - fitted.line_height * (len(fitted.lines) - 1) / 2
    return [
        TextLine(x, first + k * fitted.line_height, s, fitted.weight, fitted.size, color, anchor, w, role)
        for k, (s, w) in enumerate(zip(fitted.lines, fitted.widths, strict=True))
    ]


def display_link(url: str) -> str:
    """A link as printed: without scheme and 'www.'."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    host = parts.netloc.removeprefix("www.")
    return host + url.split(parts.netloc, 1)[1]


def button_text(data: LabelData) -> str:
    """The button's words: the short link to the result, or to the leaderboard when self-reported."""
    if data.linked:
        return f"Learn More: {display_link(data.link)}"
    board = data.leaderboard_link
    return (
        f"Self-reported · Learn More: {display_link(board)}"
        if urlsplit(board).netloc
        else "Self-reported: not verified"
    )


def _qr_item(url: str) -> QRItem:
    matrix = qr_matrix(url)
    n = len(matrix)
    module = max(1, math.floor(QR_SIZE * text.SCALE / (n + 2))) / text.SCALE
    offset = (QR_SIZE - module * n) / 2
    return QRItem(QR_X + offset, QR_Y + offset, module, matrix, url)


def _stamp() -> tuple[list[Item], text.Fitted]:
    inner = QR_SIZE - 8
    fitted = text.fit("SELF-REPORTED", "bold", (10.0, 9.0, 8.0, 7.0), inner, 2, 1.2)
    note = line(QR_X + QR_SIZE / 2, 0, "not verified", "regular", 7, STAMP, "middle", role="stamp")
    block = fitted.height + fitted.line_height
    items: list[Item] = [Box(QR_X, QR_Y, QR_SIZE, QR_SIZE, fill="#fff7ed", outline=STAMP, width=1.5, radius=4)]
    head = _centred_lines(
        fitted, QR_X + QR_SIZE / 2, QR_Y + QR_SIZE / 2 - (block - fitted.height) / 2, STAMP, "middle", "stamp"
    )
    items += head
    items.append(
        TextLine(
            note.x,
            head[-1].baseline + fitted.line_height,
            note.text,
            note.weight,
            note.size,
            note.color,
            note.anchor,
            note.width,
            note.role,
        )
    )
    return items, fitted


def build_layout(data: LabelData) -> Layout:
    """The complete layout of `data`'s label."""
    items: list[Item] = list(static_items())  # first: render.py draws this prefix once and reuses it
    fitted: dict[str, text.Fitted] = {}

    # A note (published figure, random weights) takes the bottom of the name's block, so it is never
    # missed beside the name it qualifies.
    name_bottom = NAME_BOTTOM - (NOTE_H if data.note else 0)
    name = text.fit(data.model_id, "bold", NAME_SIZES, NAME_WIDTH, 6, 18 / 16, name_bottom - NAME_TOP)
    fitted["name"] = name
    if data.note:
        fitted["note"] = text.fit(data.note, "medium", NOTE_SIZES, NAME_WIDTH, 1, 1.2, NOTE_H)
        items += _centred_lines(fitted["note"], MARGIN, NAME_BOTTOM - NOTE_H / 2 + 1, STAMP, "start", "note")
    cap = text.cap_height("bold", name.size)
    items += [
        TextLine(MARGIN, NAME_TOP + cap + k * name.line_height, s, "bold", name.size, DARK, "start", w, "name")
        for k, (s, w) in enumerate(zip(name.lines, name.widths, strict=True))
    ]

    row_cap = text.cap_height("medium", 12)
    for baseline, caption, role, value in zip(
        ROW_BASELINES,
        ("Scored", "Task", "Hardware"),
        ("scored", "task", "hardware"),
        (data.version, data.task, data.hardware),
        strict=True,
    ):
        width = RIGHT - _caption_right(caption) - GAP
        fitted[role] = text.fit(value, "medium", ROW_SIZES, width, 2, 14 / 12, 22, line_cost=4)
        items += _centred_lines(fitted[role], RIGHT, baseline - row_cap / 2, DARK, "end", role)

    energy_width = RIGHT - _caption_right(ENERGY_UNIT) - GAP
    fitted["energy"] = text.fit(data.energy_text, "medium", ENERGY_SIZES, energy_width, 2, 17 / 14, 40, line_cost=4)
    items += _centred_lines(fitted["energy"], RIGHT, ENERGY_CENTRE, DARK, "end", "energy")

    centres = tuple((RIGHT - STAR_PITCH * (4.5 - k), STAR_CY) for k in range(5))
    for k, (cx, cy) in enumerate(centres):
        items.append(Path(star_points(cx, cy, STAR_PITCH / 2 + 0.5), fill=GREEN if k < data.stars else STAR_EMPTY))
    items += score_caption(data)

    bx, by, bw, bh = BUTTON
    fitted["button"] = text.fit(button_text(data), "medium", BUTTON_SIZES, bw - 16, 2, 1.2, bh - 8, line_cost=2)
    items += _centred_lines(fitted["button"], bx + bw / 2, by + bh / 2, WHITE, "middle", "button")

    if data.linked:
        items.append(_qr_item(data.link))
    else:
        stamp_items, fitted["stamp"] = _stamp()
        items += stamp_items

    missing = frozenset().union(*(text.missing_glyphs(i.text, i.weight) for i in items if isinstance(i, TextLine)))
    return Layout(data, tuple(items), fitted, centres, missing)
