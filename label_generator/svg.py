"""The label as SVG: the same layout items as the PNG, written as vector shapes and text.

Text names Inter (with common fallbacks) and is pinned to the width measured with the shipped fonts
(`textLength`), so it stays inside the card whatever font the viewer substitutes. The QR code and the
button link to the result; the label's facts are in a <metadata> element as JSON.
"""

from __future__ import annotations

import json
from html import escape

from label_generator.data import LabelData
from label_generator.layout import (
    BUTTON,
    HEIGHT,
    QR_SIZE,
    QR_X,
    QR_Y,
    WIDTH,
    Box,
    Item,
    Path,
    QRItem,
    TextLine,
    build_layout,
)
from label_generator.render import not_rated_layout

FONT_FAMILY = "Inter, 'Inter Variable', 'DejaVu Sans', 'Noto Sans', Arial, sans-serif"
FONT_WEIGHT = {"regular": 400, "medium": 500, "bold": 700}


def _n(v: float) -> str:
    """A number, short."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _paint(fill: str | None, outline: str | None, width: float) -> str:
    stroke = (
        f' stroke="{outline}" stroke-width="{_n(width)}" stroke-linejoin="round" stroke-linecap="round"'
        if outline
        else ""
    )
    return f' fill="{fill or "none"}"{stroke}'


def _box(b: Box) -> str:
    inset = b.width / 2 if b.outline else 0.0
    radius = max(0.0, b.radius - inset)
    return (
        f'<rect x="{_n(b.x + inset)}" y="{_n(b.y + inset)}" width="{_n(b.w - 2 * inset)}" '
        f'height="{_n(b.h - 2 * inset)}" rx="{_n(radius)}"{_paint(b.fill, b.outline, b.width)}/>'
    )


def _path(p: Path) -> str:
    pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in p.points)
    tag = "polygon" if p.closed else "polyline"
    return f'<{tag} points="{pts}"{_paint(p.fill if p.closed else None, p.outline, p.width)}/>'


def _text(t: TextLine) -> str:
    length = f' textLength="{_n(t.width)}" lengthAdjust="spacingAndGlyphs"' if t.width > 0 else ""
    return (
        f'<text x="{_n(t.x)}" y="{_n(t.baseline)}" font-family="{FONT_FAMILY}" font-size="{_n(t.size)}" '
        f'font-weight="{FONT_WEIGHT[t.weight]}" fill="{t.color}" text-anchor="{t.anchor}"{length}>'
        f"{escape(t.text)}</text>"
    )


def _qr(q: QRItem) -> str:
    m = q.module
    runs = []
    for r, row in enumerate(q.matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append(
                    f"M{_n(q.x + start * m)} {_n(q.y + r * m)}h{_n((c - start) * m)}v{_n(m)}h-{_n((c - start) * m)}z"
                )
            c += 1
    return f'<path d="{"".join(runs)}" fill="#000000" shape-rendering="crispEdges"/>'


def svg_item(item: Item) -> str:
    """One layout item as an SVG element."""
    if isinstance(item, Box):
        return _box(item)
    if isinstance(item, Path):
        return _path(item)
    if isinstance(item, TextLine):
        return _text(item)
    return _qr(item)


def render_svg(data: LabelData) -> str:
    """The label of `data` as an SVG document (260 x 364 user units)."""
    layout = not_rated_layout(build_layout(data))  # an unrated result's words in place of the stars, as the PNG
    body = "\n".join(svg_item(i) for i in layout.items)
    links = ""
    if data.linked:
        href = escape(data.link)
        bx, by, bw, bh = BUTTON
        links = (
            f'<a href="{href}"><rect x="{_n(bx)}" y="{_n(by)}" '
            f'width="{_n(bw)}" height="{_n(bh)}" fill-opacity="0"/></a>'
            f'<a href="{href}"><rect x="{_n(QR_X)}" y="{_n(QR_Y)}" '
            f'width="{_n(QR_SIZE)}" height="{_n(QR_SIZE)}" fill-opacity="0"/></a>'
        )
    meta = escape(json.dumps(data.metadata(), ensure_ascii=False), quote=False)
    title = escape(f"AI Energy Score label: {data.model_id} ({data.status})")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * 2}" height="{HEIGHT * 2}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{title}">\n'
        f'<title>{title}</title>\n<metadata id="aienergy-label">{meta}</metadata>\n{body}\n{links}\n</svg>\n'
    )
