"""A new user's walkthrough of the label app, fixed:

- the label (PNG and SVG) and the badge say the class the stars compare, where the task has classes;
- the badge of a result measured on another GPU ('not rated (H200)') is grey, not green like a rating;
- in chromium at 1400 x 1000 the badge box fits its text (no large empty area) and nothing of the
  image component lies over the label.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from label_generator.__main__ import main
from label_generator.app import build_demo
from label_generator.badge import (
    NOT_RATED_COLOR,
    SELF_REPORTED_COLOR,
    VERIFIED_COLOR,
    badge_image_url,
    badge_markdown,
    badge_message,
)
from label_generator.data import LabelData, label_for_result, match_result, typed
from label_generator.handlers import LabelHandlers
from label_generator.layout import (
    BUTTON,
    DARK,
    DIVIDERS,
    MARGIN,
    SCORE_BASELINE,
    SCORE_CAPTION,
    STAR_PITCH,
    build_layout,
)
from label_generator.render import not_rated_layout, read_metadata, render_label, render_png
from label_generator.svg import render_svg
from tests.conftest import serve
from tests.label.conftest import LINKS, Published
from tests.label.test_render import close, verified

SVG_NS = "{http://www.w3.org/2000/svg}"
S = 2  # device pixels per logical pixel of the PNG


def svg_texts(data: LabelData) -> list[str]:
    """The text elements of a label's SVG."""
    return [t.text or "" for t in ET.fromstring(render_svg(data)).iter(f"{SVG_NS}text")]


def dark_pixels(data: LabelData, box: tuple[float, float, float, float]) -> int:
    """Pixels of the rendered PNG in a logical box (x0, y0, x1, y1) drawn in the label's dark text colour."""
    x0, y0, x1, y1 = box
    crop = render_label(data).crop((round(x0 * S), round(y0 * S), round(x1 * S), round(y1 * S))).convert("RGB")
    raw = crop.tobytes()
    return sum(1 for i in range(0, len(raw), 3) if close(tuple(raw[i : i + 3]), DARK, 20))


def h200(**kw: object) -> LabelData:
    """The linked label of a text-generation result measured on an H200: listed, not rated (no stars)."""
    return verified(stars=0, hardware="NVIDIA H200", model_class="A", **kw)


# --- 3. the class on the label and the badge -----------------------------------------------------


def test_label_of_a_task_with_classes_says_the_class_under_energy_score(published: Published) -> None:
    data = label_for_result(published.store, published.results["acme/talker"], links=LINKS)
    assert data.task_id == "text_generation" and data.model_class == "A" and data.stars >= 1
    layout = build_layout(data)
    [caption] = [ln for ln in layout.lines("caption") if ln.text == SCORE_CAPTION]
    [cls] = layout.lines("class")
    assert cls.text == "in class A"
    # Under the caption, left of the stars, between the lower divider and the button: it overlaps nothing.
    stars_left = min(cx for cx, _ in layout.star_centres) - STAR_PITCH / 2
    assert cls.left == MARGIN and cls.right < stars_left - 8
    assert caption.baseline < cls.baseline - cls.size
    assert DIVIDERS[1] + 4 < caption.baseline - caption.size and cls.baseline + 0.25 * cls.size < BUTTON[1] - 4
    # The PNG draws it (dark text where the line is; none there on a label without a class) ...
    where = (cls.left, cls.baseline - cls.size, cls.right, cls.baseline)
    assert dark_pixels(data, where) > 40
    assert dark_pixels(label_for_result(published.store, published.results["acme/alpha"], links=LINKS), where) == 0
    # ... the SVG too, and both record it.
    assert "in class A" in svg_texts(data)
    assert read_metadata(render_png(data))["aienergy:model_class"] == "A"
    meta = ET.fromstring(render_svg(data)).find(f"{SVG_NS}metadata")
    assert meta is not None and json.loads(meta.text or "{}")["aienergy:model_class"] == "A"


def test_label_of_a_task_without_classes_says_no_class(published: Published) -> None:
    data = label_for_result(published.store, published.results["acme/alpha"], links=LINKS)
    assert data.task_id == "image_classification" and data.model_class == "" and data.class_text == ""
    layout = build_layout(data)
    assert layout.lines("class") == []
    assert [ln.baseline for ln in layout.lines("caption") if ln.text == SCORE_CAPTION] == [SCORE_BASELINE]
    assert not any("in class" in t for t in svg_texts(data))
    assert "in class" not in badge_message(data)
    assert read_metadata(render_png(data))["aienergy:model_class"] == ""


def test_badge_says_the_class_of_the_stars(published: Published) -> None:
    data = label_for_result(published.store, published.results["acme/talker"], links=LINKS)
    stars = "★" * data.stars + "☆" * (5 - data.stars)
    assert badge_message(data) == f"{stars} in class A · {data.energy_text} per 1k queries"
    decoded = unquote(badge_image_url(data))
    assert f"{stars} in class A · {data.energy_text}" in decoded and decoded.endswith(f"-{VERIFIED_COLOR}")
    assert f"in class A · {data.energy_text}" in badge_markdown(data).split("](")[0]  # the alt text too


def test_a_typed_class_is_kept_for_a_task_with_classes_only(published: Published) -> None:
    own = typed("acme/mine", "Text generation", 3.0, 4, model_class="b")
    assert own.model_class == "B" and [ln.text for ln in build_layout(own).lines("class")] == ["in class B"]
    assert badge_message(own).startswith("★★★★☆ in class B · 3.00 Wh")
    assert typed("acme/mine", "asr", 3.0, 4, model_class="B").model_class == ""
    with pytest.raises(ValueError):
        typed("acme/mine", "text_generation", 3.0, 4, model_class="D")
    with pytest.raises(ValueError):
        verified(model_class="Z")
    # A typed class must be the result's to match it; no class typed matches, and gives the result's class.
    real = label_for_result(published.store, published.results["acme/talker"], links=LINKS)
    args = ("acme/talker", "text_generation", real.energy_wh_per_1k, real.stars)
    assert match_result(published.store, typed(*args, model_class="B"), LINKS) is None
    for given in ("A", ""):
        match = match_result(published.store, typed(*args, model_class=given), LINKS)
        assert match is not None and match.result_id == real.result_id and match.model_class == "A"


def test_self_reported_tab_and_command_take_the_class(published: Published, tmp_path: Path) -> None:
    h = LabelHandlers(published.store, LINKS)
    out = h.on_typed("acme/mine", "text_generation", 3.0, 4, "", "", "C")
    assert "in class C" in out[3] and "self--reported" in out[3]
    svg = tmp_path / "own.svg"
    args = ["render", "--model", "acme/mine", "--task", "text_generation", "--energy-wh", "3", "--stars", "4"]
    assert main([*args, "--class", "B", "--store", str(published.store.path), "-o", str(svg)]) == 0
    assert ">in class B</text>" in svg.read_text()


def test_a_result_without_stars_says_no_class() -> None:
    data = h200()
    assert data.not_rated and data.model_class == "A" and data.class_text == ""
    layout = not_rated_layout(build_layout(data))
    assert layout.lines("class") == [] and layout.lines("not_rated")
    assert "in class" not in badge_message(data) and not any("in class" in t for t in svg_texts(data))


# --- 4. the badge of a result on other hardware is neutral -----------------------------------------


def test_not_rated_badge_is_grey_not_green() -> None:
    data = h200()
    url = badge_image_url(data)
    assert unquote(url).split("-")[-1] == NOT_RATED_COLOR == "lightgrey"
    assert VERIFIED_COLOR not in url and "not%20rated%20%28H200%29" in url
    # A rated result stays green, a self-reported one grey.
    assert badge_image_url(verified(stars=3)).endswith(f"-{VERIFIED_COLOR}")
    assert badge_image_url(typed("acme/x", "asr", 3.0, 2)).endswith(f"-{SELF_REPORTED_COLOR}")


# --- 1. and 2. the page in chromium at 1400 x 1000 ---------------------------------------------------

# Points of the shown label that the image component's own chrome must leave uncovered: a grid over the
# whole image, denser over its dark header (star and title), where the label chip and buttons sat.
COVERED = """() => {
  const img = document.querySelector('#label-preview img');
  const r = img.getBoundingClientRect();
  const hidden = [];
  for (const [fx, fy] of [...Array(11).keys()].flatMap(i => [...Array(11).keys()].map(j => [i / 10, j / 10]))
      .concat([...Array(21).keys()].map(i => [i / 20, 0.02]), [...Array(21).keys()].map(i => [i / 20, 0.08]))) {
    const x = r.left + 4 + fx * (r.width - 8), y = r.top + 4 + fy * (r.height - 8);
    const top = document.elementFromPoint(x, y);
    if (top !== img) hidden.push([Math.round(x), Math.round(y), top && top.outerHTML.slice(0, 80)]);
  }
  return hidden;
}"""


@pytest.fixture
def label_app(published: Published) -> Any:
    """The label app on the published store, served on a free port."""
    url, demo = serve(build_demo(published.store, LINKS))
    yield url
    demo.close()


@pytest.mark.browser
@pytest.mark.slow
def test_page_has_no_empty_badge_area_and_nothing_over_the_label(label_app: str, page: Any) -> None:
    from playwright.sync_api import expect

    assert page.viewport_size == {"width": 1400, "height": 1000}
    page.goto(label_app + "/")
    expect(page.locator("#label-info")).to_contain_text("Verified label", timeout=60_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('#label-preview img');"
        " const t = document.querySelector('#label-badge textarea');"
        " return i && i.complete && i.naturalWidth > 0 && t && t.value.startsWith('[!['); }"
    )
    badge = page.locator("#label-badge")
    box = badge.bounding_box()
    text = page.locator("#label-badge textarea")
    assert box is not None and "in class A" in text.input_value()
    # 1. The badge box is as tall as its few wrapped lines: its text area shows the whole snippet without a
    # scroll bar and with no more than one empty line, and the page fits in the window with no empty area.
    sizes = text.evaluate(
        "t => { const s = getComputedStyle(t); return [t.scrollHeight, t.clientHeight, parseFloat(s.lineHeight)"
        " || parseFloat(s.fontSize) * 1.5, parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)]; }"
    )
    scroll, client, line, padding = sizes
    assert scroll <= client + line / 2, sizes  # gradio sizes the rows to the text, to a pixel or two
    lines_shown = (client - padding) / line
    assert lines_shown <= 5, sizes  # three lines of text at 1400 px, at most one more line of room
    assert box["height"] <= 200, box
    assert page.evaluate("document.documentElement.scrollHeight") <= 1000
    # 2. Nothing (label chip, toolbar buttons) lies over the label image.
    chrome = page.locator("#label-preview [data-testid='block-label'], #label-preview label, #label-preview button")
    shown = "els => els.filter(e => e.offsetWidth > 0 && e.offsetHeight > 0 && !e.querySelector('img'))"
    # (gradio wraps the img itself in a button: that one is the image, not over it)
    assert chrome.evaluate_all(shown + ".map(e => e.outerHTML.slice(0, 80))") == []
    assert page.evaluate(COVERED) == []
    # The self-reported tab asks for the class of a task rated per class only.
    page.get_by_role("tab", name="Self-reported").click()
    expect(page.locator("#label-t-class")).to_be_visible()
    page.locator("#label-t-task input").click()
    page.get_by_role("option", name="Image classification", exact=True).click()
    expect(page.locator("#label-t-class")).to_be_hidden()
