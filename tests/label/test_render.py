"""Rendering: the PNG read back (size, stars, QR code, metadata, margins, Unicode, self-reported)."""

from __future__ import annotations

import struct

import pytest
import zxingcpp
from PIL import Image, ImageColor

from label_generator import text
from label_generator.data import (
    MAX_MODEL_ID,
    LabelData,
    display_hardware,
    label_for_result,
    match_result,
    typed,
)
from label_generator.layout import (
    GREEN,
    HEIGHT,
    MARGIN,
    NAME_BOTTOM,
    NAME_WIDTH,
    QR_SIZE,
    QR_X,
    QR_Y,
    RIGHT,
    STAMP,
    STAR_EMPTY,
    WIDTH,
    build_layout,
)
from label_generator.render import read_metadata, render_label, render_png
from tests.label.conftest import LINKS, Published, open_png

S = text.SCALE


def verified(**kw: object) -> LabelData:
    """A verified label with typical values, overridable."""
    fields: dict[str, object] = dict(
        provider="openai-community",
        model_name="gpt2",
        task="Text generation",
        energy_wh_per_1k=2.37,
        stars=1,
        version="February 2025",
        hardware="NVIDIA H100 80GB HBM3",
        link="https://aienergy.example.org/leaderboard?result=res_0123456789ab",
        result_id="res_0123456789ab",
        version_id="2025-02",
        bundle_sha256="ab" * 32,
        task_id="text_generation",
    )
    fields.update(kw)
    return LabelData(**fields)  # type: ignore[arg-type]


def close(rgb: tuple[int, ...], hex_color: str, tol: int = 12) -> bool:
    """True when `rgb` is within `tol` of `hex_color` on every channel."""
    return all(abs(a - b) <= tol for a, b in zip(rgb, ImageColor.getrgb(hex_color), strict=False))


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) of every chunk of a PNG."""
    pos, out = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        out.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def test_size_is_the_design_at_2x() -> None:
    png = render_png(verified())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = open_png(png)
    assert image.size == (WIDTH * 2, HEIGHT * 2) == (520, 728)
    assert image.getpixel((0, 0))[3] == 0, "outside the rounded corner is transparent"
    assert close(image.getpixel((260, 20))[:3], "#313131"), "dark header"


@pytest.mark.parametrize("stars", [0, 1, 2, 3, 4, 5])
def test_filled_stars_match_the_rating(stars: int) -> None:
    data = verified(stars=stars)
    image = open_png(render_png(data))
    filled = []
    for cx, cy in build_layout(data).star_centres:
        rgb = image.getpixel((round(cx * S), round(cy * S)))[:3]
        assert close(rgb, GREEN) or close(rgb, STAR_EMPTY), rgb
        filled.append(close(rgb, GREEN))
    assert filled == [k < stars for k in range(5)]


def test_qr_code_decodes_to_the_exact_leaderboard_result(published: Published) -> None:
    rid = published.results["acme/beta"]
    image = open_png(render_png(label_for_result(published.store, rid, links=LINKS)))
    codes = zxingcpp.read_barcodes(image)
    assert [c.text for c in codes] == [LINKS.result_url(rid)]
    assert LINKS.result_url(rid).startswith("https://aienergy.example.org/")
    box = codes[0].position
    assert QR_X * S <= box.top_left.x and box.bottom_right.x <= (QR_X + QR_SIZE) * S
    assert QR_Y * S <= box.top_left.y and box.bottom_right.y <= (QR_Y + QR_SIZE) * S


def test_metadata_holds_result_energy_version_and_bundle_hash(published: Published) -> None:
    rid = published.results["acme/alpha"]
    data = label_for_result(published.store, rid, "2026-10", links=LINKS)
    png = render_png(data)
    meta = read_metadata(png)
    rated = published.store.get_result(rid, "2026-10")
    assert rated is not None
    assert meta["aienergy:result_id"] == rid
    assert float(meta["aienergy:energy_wh_per_1k"]) == rated.record.gpu_energy_wh_per_1k
    assert meta["aienergy:version_id"] == "2026-10" and meta["aienergy:version"] == "October 2026"
    assert meta["aienergy:bundle_sha256"] == rated.bundle_sha256
    assert meta["aienergy:status"] == "verified" and meta["aienergy:url"] == LINKS.result_url(rid)
    assert meta["aienergy:stars"] == str(rated.stars)
    text_chunks = {body.split(b"\0", 1)[0] for kind, body in png_chunks(png) if kind == b"tEXt"}
    assert {
        b"aienergy:result_id",
        b"aienergy:energy_wh_per_1k",
        b"aienergy:version",
        b"aienergy:bundle_sha256",
    } <= text_chunks


def test_newest_version_is_the_default_and_stars_are_frozen_per_version(published: Published) -> None:
    rid = published.results["acme/beta"]
    newest = label_for_result(published.store, rid, links=LINKS)
    older = label_for_result(published.store, rid, "2026-10", links=LINKS)
    assert newest.version_id == "2026-11" and older.version_id == "2026-10"
    frozen = {v: published.store.get_result(rid, v).stars for v in ("2026-10", "2026-11")}  # type: ignore[union-attr]
    assert (older.stars, newest.stars) == (frozen["2026-10"], frozen["2026-11"])
    assert older.stars != newest.stars, "a new member recalibrates the stars of the newer version"
    with pytest.raises(LookupError):
        label_for_result(published.store, "res_doesnotexist", links=LINKS)


def _ink_columns(image: Image.Image, x0: float, x1: float, y0: float, y1: float) -> int:
    """Pixels darker than near-white in a logical box (text, icons; not the #efefef dividers)."""
    crop = image.crop((round(x0 * S), round(y0 * S), round(x1 * S), round(y1 * S))).convert("L")
    return sum(1 for v in crop.tobytes() if v < 200)


@pytest.mark.parametrize(
    "model, energy, hardware",
    [
        (
            "a-very-long-provider-name-for-testing/" + "an-extremely-long-model-name-" * 4 + "v2",
            1234567890123.0,
            "NVIDIA GeForce RTX 4090 Laptop GPU with a really long name",
        ),
        ("x" * MAX_MODEL_ID, 9999.0, "NVIDIA H100 80GB HBM3"),
        ("OrganisationWithoutAnyBreaks/ModelNameWithoutAnyBreaksEitherAtAll", 0.00042, ""),
    ],
)
def test_long_names_and_values_are_fitted_inside_the_card(model: str, energy: float, hardware: str) -> None:
    data = typed(model, "Text generation (reasoning)", energy, 4, "A very long version name of November", hardware)
    layout = build_layout(data)
    for ln in layout.lines():
        assert MARGIN - 0.5 <= ln.left and ln.right <= RIGHT + 0.5, (ln.role, ln.text, ln.left, ln.right)
    assert layout.fitted["name"].width <= NAME_WIDTH
    name_lines = layout.lines("name")
    assert "".join(ln.text for ln in name_lines).replace(" ", "") == data.model_id.replace(" ", "")
    assert name_lines[-1].baseline + 0.25 * name_lines[-1].size <= NAME_BOTTOM + 0.5
    assert layout.fitted["energy"].lines and "".join(layout.fitted["energy"].lines).replace(
        " ", ""
    ) == data.energy_text.replace(" ", "")
    image = render_label(data)
    body = (47.0, 312.0)  # between header and button
    assert _ink_columns(image, 2, MARGIN - 0.5, *body) == 0, "ink in the left margin"
    assert _ink_columns(image, RIGHT + 0.5, WIDTH - 2, *body) == 0, "ink in the right margin"


def test_default_label_keeps_the_spec_sizes() -> None:
    layout = build_layout(verified())
    assert layout.fitted["name"].size == 16
    assert all(layout.fitted[r].size == 12 and len(layout.fitted[r].lines) == 1 for r in ("scored", "task"))
    # The full GPU name the rest of the suite prints steps down half a point to stay on one line.
    assert layout.fitted["hardware"].size == 11.5 and layout.fitted["hardware"].lines == ("NVIDIA H100 80GB HBM3",)
    assert layout.fitted["energy"].size == 14 and layout.fitted["energy"].lines == ("2.37 Wh",)


def test_unicode_names_render_with_a_fallback_font() -> None:
    name = "Ωmega-Модель-Ünïcødé"
    data = typed(f"Łódź-Λab/{name}", "asr", 3.5, 2)
    layout = build_layout(data)
    assert layout.missing_glyphs == frozenset()
    image = render_label(data)
    assert _ink_columns(image, MARGIN, NAME_WIDTH + MARGIN, 76, 120) > 200
    arabic = "نموذج"
    fallback = [f for f in text.fallback_fonts("bold") if text.has_glyph(f, arabic[0])]
    layout = build_layout(typed(f"org/{arabic}", "asr", 3.5, 2))
    if fallback:
        assert layout.missing_glyphs == frozenset()
        assert text.runs(arabic, "bold")[0][0] == fallback[0]
    else:
        assert set(arabic) <= layout.missing_glyphs


def test_characters_no_font_has_are_reported_not_fatal() -> None:
    layout = build_layout(typed("org/model-\U0010fffd", "asr", 3.5, 2))
    assert "\U0010fffd" in layout.missing_glyphs
    assert render_label(layout.data).size == (520, 728)


def test_self_reported_label_says_so_and_has_no_qr_code() -> None:
    data = typed("acme/unrated", "text_generation", 2.5, 3, "November 2026", "NVIDIA H100 80GB HBM3")
    assert not data.verified and data.status == "self-reported"
    png = render_png(data)
    meta = read_metadata(png)
    assert meta["aienergy:status"] == "self-reported" and meta["aienergy:result_id"] == ""
    image = open_png(png)
    assert zxingcpp.read_barcodes(image) == []
    stamp = " ".join(ln.text for ln in build_layout(data).lines("stamp"))
    assert "SELF-" in stamp and "REPORTED" in stamp
    box = image.crop((round(QR_X * S), round(QR_Y * S), round((QR_X + QR_SIZE) * S), round((QR_Y + QR_SIZE) * S)))
    raw = box.convert("RGB").tobytes()
    pixels = [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]
    assert sum(1 for px in pixels if close(px, STAMP, 30)) > 100
    assert any("Self-reported" in ln.text for ln in build_layout(data).lines("button"))


def test_typed_values_of_an_approved_result_make_its_verified_label(published: Published) -> None:
    real = label_for_result(published.store, published.results["acme/talker"], links=LINKS)
    same = typed(
        "acme/talker", "Text generation", real.energy_wh_per_1k, real.stars, "November 2026", "NVIDIA H100 80GB HBM3"
    )
    match = match_result(published.store, same, LINKS)
    assert match is not None and match.result_id == real.result_id and match.verified
    inflated = typed("acme/talker", "text_generation", real.energy_wh_per_1k * 0.5, real.stars)
    assert match_result(published.store, inflated, LINKS) is None


def test_rendering_is_deterministic() -> None:
    assert render_png(verified()) == render_png(verified())


@pytest.mark.parametrize(
    "bad", [dict(stars=6), dict(energy_wh_per_1k=float("nan")), dict(model_name=" "), dict(provider="p" * MAX_MODEL_ID)]
)
def test_invalid_label_data_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        verified(**bad)


def test_hardware_is_displayed_like_the_reference() -> None:
    # The name the records, the leaderboard and the landing page use (not the reference's "H100-80GB").
    assert display_hardware("NVIDIA H100 80GB HBM3") == "NVIDIA H100 80GB HBM3"
    assert display_hardware("NVIDIA H100 PCIe") == "NVIDIA H100 PCIe"
    assert display_hardware("NVIDIA H100 80GB HBM3", 2) == "2 x NVIDIA H100 80GB HBM3"
