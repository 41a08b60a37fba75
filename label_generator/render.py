"""The label as a PNG: a pure function from `LabelData` to a 520 x 728 image (the 260 x 364 design
at 2x), with the label's facts in the PNG's text chunks.

Shapes are drawn 4x supersampled into cached tiles (antialiased edges, drawn once per distinct
shape); text is drawn by FreeType straight onto the image; QR modules are whole device pixels.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

from PIL import Image, ImageColor, ImageDraw, PngImagePlugin

from label_generator import text
from label_generator.data import METADATA_PREFIX, LabelData
from label_generator.layout import (
    DARK,
    GAP,
    HEIGHT,
    RIGHT,
    SCORE_CAPTION,
    STAR_CY,
    STAR_PITCH,
    WIDTH,
    Box,
    Item,
    Layout,
    Path,
    QRItem,
    TextLine,
    build_layout,
    star_points,
    static_items,
)
from shared.method.hardware import not_rated_text

SCALE = text.SCALE
METADATA_STARS = METADATA_PREFIX + "stars"
METADATA_RATING = METADATA_PREFIX + "rating"
SUPERSAMPLE = 4
SIZE = (WIDTH * SCALE, HEIGHT * SCALE)


def _bounds(item: Box | Path) -> tuple[int, int, int, int]:
    """Device-pixel box covering the item, clipped to the image."""
    if isinstance(item, Box):
        x0, y0, x1, y1 = item.x, item.y, item.x + item.w, item.y + item.h
    else:
        xs, ys = [p[0] for p in item.points], [p[1] for p in item.points]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    pad = item.width + 1
    return (
        max(0, math.floor((x0 - pad) * SCALE)),
        max(0, math.floor((y0 - pad) * SCALE)),
        min(SIZE[0], math.ceil((x1 + pad) * SCALE)),
        min(SIZE[1], math.ceil((y1 + pad) * SCALE)),
    )


def _mask(item: Box | Path, origin: tuple[int, int], size: tuple[int, int], part: str) -> Image.Image:
    """Coverage mask of the item's fill or outline, supersampled then reduced to device pixels."""
    f = SCALE * SUPERSAMPLE
    big = Image.new("L", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(big)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x * f - origin[0] * SUPERSAMPLE, y * f - origin[1] * SUPERSAMPLE)

    width = max(1, round(item.width * f))
    if isinstance(item, Box):
        box = [at(item.x, item.y), at(item.x + item.w, item.y + item.h)]
        box[1] = (box[1][0] - 1, box[1][1] - 1)
        radius = round(item.radius * f)
        if part == "fill":
            draw.rounded_rectangle(box, radius, fill=255)
        else:
            draw.rounded_rectangle(box, radius, outline=255, width=width)
    else:
        pts = [at(x, y) for x, y in item.points]
        if part == "fill":
            draw.polygon(pts, fill=255)
        elif item.closed:
            draw.line([*pts, pts[0], pts[1]], fill=255, width=width, joint="curve")
        else:
            draw.line(pts, fill=255, width=width, joint="curve")
    return big.reduce(SUPERSAMPLE)


@lru_cache(maxsize=1024)
def _tile(item: Box | Path) -> tuple[Image.Image, tuple[int, int]]:
    """The item drawn antialiased on a transparent tile, and where the tile goes."""
    x0, y0, x1, y1 = _bounds(item)
    size = (max(1, x1 - x0), max(1, y1 - y0))
    tile = Image.new("RGBA", size, (0, 0, 0, 0))
    for part, color in (("fill", item.fill), ("outline", item.outline)):
        if color:
            layer = Image.new("RGBA", size, ImageColor.getrgb(color))
            layer.putalpha(_mask(item, (x0, y0), size, part))
            tile.alpha_composite(layer)
    return tile, (x0, y0)


def _qr_image(item: QRItem) -> tuple[Image.Image, tuple[int, int]]:
    n = len(item.matrix)
    px = round(item.module * SCALE)
    modules = Image.frombytes("L", (n, n), bytes(0 if dark else 255 for row in item.matrix for dark in row))
    return modules.resize((n * px, n * px), Image.Resampling.NEAREST).convert("RGBA"), (
        round(item.x * SCALE),
        round(item.y * SCALE),
    )


def draw_items(image: Image.Image, items: tuple[Item, ...] | list[Item]) -> None:
    """Draw layout items, back to front, onto a SIZE RGBA image."""
    draw = ImageDraw.Draw(image)
    for item in items:
        if isinstance(item, TextLine):
            text.draw_text(draw, item.left, item.baseline, item.text, item.weight, item.size, item.color)
        elif isinstance(item, QRItem):
            tile, at = _qr_image(item)
            image.paste(tile, at)
        else:
            tile, at = _tile(item)
            image.alpha_composite(tile, at)


@lru_cache(maxsize=1)
def _static_image() -> Image.Image:
    """The items every label shares, drawn once."""
    image = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    draw_items(image, static_items())
    return image


# The words in place of the stars of a result measured on another GPU than the H100 (no stars: not rated).
NOT_RATED_SIZES = (10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)
NOT_RATED_HEIGHT = 24.0  # the band of the stars, between the lower divider and the button


def label_gpu(data: LabelData) -> str:
    """The GPU's name on a label, without the count the label puts before several GPUs ('2 x NVIDIA H200')."""
    return data.gpu


def not_rated(data: LabelData) -> bool:
    """True for the label of a published result without stars because it was measured on another GPU than
    the H100 (listed under other hardware). A rated result has 1 to 5 stars; a typed label is not linked."""
    return data.not_rated


def not_rated_words(data: LabelData) -> str:
    """'Not rated: measured on NVIDIA H200' (the GPU as the label's hardware row shows it)."""
    return f"Not rated: measured on {data.hardware or 'another GPU'}"  # with the count, as the row shows it


def not_rated_layout(layout: Layout) -> Layout:
    """The layout of an unrated result's label: the five empty stars replaced by the words saying why there
    are none, so the label never looks like a rating of zero. Other layouts are returned as they are."""
    if not not_rated(layout.data):
        return layout
    stars = {star_points(cx, cy, STAR_PITCH / 2 + 0.5) for cx, cy in layout.star_centres}
    items = [i for i in layout.items if not (isinstance(i, Path) and i.points in stars)]
    caption = max(i.right for i in layout.lines("caption") if i.text == SCORE_CAPTION)
    width = RIGHT - caption - GAP
    fitted = text.fit(not_rated_words(layout.data), "medium", NOT_RATED_SIZES, width, 2, 1.15, NOT_RATED_HEIGHT)
    first = STAR_CY + text.cap_height(fitted.weight, fitted.size) / 2 - fitted.line_height * (len(fitted.lines) - 1) / 2
    items += [
        TextLine(RIGHT, first + k * fitted.line_height, s, fitted.weight, fitted.size, DARK, "end", w, "not_rated")
        for k, (s, w) in enumerate(zip(fitted.lines, fitted.widths, strict=True))
    ]
    return Layout(layout.data, tuple(items), {**layout.fitted, "not_rated": fitted}, (), layout.missing_glyphs)


def render_layout(layout: Layout) -> Image.Image:
    """Rasterise a layout: the cached static part, then what is particular to this label (for an unrated
    result, its words in place of the stars)."""
    layout = not_rated_layout(layout)
    image = _static_image().copy()
    draw_items(image, layout.items[len(static_items()) :])
    return image


def render_label(data: LabelData) -> Image.Image:
    """The label of `data` as a 520 x 728 RGBA image (transparent outside the rounded corners)."""
    return render_layout(build_layout(data))


def png_info(data: LabelData) -> PngImagePlugin.PngInfo:
    """PNG text chunks: title, software, and every field of `data.metadata()` (tEXt when Latin-1,
    iTXt otherwise)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", f"AI Energy Score label: {data.model_id}")
    info.add_text("Software", "AI Energy Score label generator")
    meta = data.metadata()
    if not_rated(data):
        # No stars is not zero stars: say what the result is instead.
        meta = {**meta, METADATA_STARS: "", METADATA_RATING: not_rated_text(label_gpu(data))}
    for key, value in meta.items():
        info.add_text(key, value)
    return info


def to_png(image: Image.Image, data: LabelData) -> bytes:
    """PNG bytes of a rendered label with `data`'s metadata."""
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=png_info(data), compress_level=3)
    return out.getvalue()


def render_png(data: LabelData) -> bytes:
    """The label of `data` as PNG bytes with its metadata."""
    return to_png(render_label(data), data)


def read_metadata(png: bytes) -> dict[str, str]:
    """The text chunks of a PNG (to check a label)."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return {k: str(v) for k, v in getattr(image, "text", {}).items()}
