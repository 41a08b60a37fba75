"""What a newcomer tripped over, in a real browser at 1400 px on the store the suite's first start seeds
(the official February 2025 ratings and our demo replicas): the official version first, the table
fitting its box, classes named beside the stars, the detail scrolled into view, other hardware apart."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from leaderboard.app import build_demo
from seed import REFERENCE_VERSION_ID, seed_demo
from shared.store.sqlite import SQLiteStore
from tests.conftest import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

IN_VIEWPORT = """
() => {
  const el = document.querySelector('#lb-detail .lb-detail');
  if (!el) { return false; }
  const r = el.getBoundingClientRect();
  return r.top >= -2 && r.top < window.innerHeight - 50;
}
"""
TABLE_FITS = """
() => {
  const wrap = document.querySelector('#lb-table .lb-table-wrap');
  return !!wrap && wrap.scrollWidth <= wrap.clientWidth + 1;
}
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = SQLiteStore(tmp_path_factory.mktemp("lb-seeded") / "store.sqlite3")
    seed_demo(store, reference=True)
    url, demo = serve(build_demo(store))
    yield url, store
    demo.close()


def test_first_view_is_the_official_version_and_fits_at_1400_px(page: Any, seeded: Any) -> None:
    url, _ = seeded
    assert page.viewport_size["width"] == 1400
    page.goto(url + "/")
    page.locator("#lb-table tbody td.model a").first.wait_for()
    assert REFERENCE_VERSION_ID in page.evaluate("() => location.href") or "February 2025" in (
        page.locator("#lb-version").inner_text() + page.locator("#lb-version input").input_value()
    )
    # All classes of text generation: rows grouped by class, each star rating says which class it is in.
    page.locator("#lb-table tr.lb-group[data-class='A']").wait_for()
    assert page.locator("#lb-table tr.lb-group").count() >= 2
    assert "in class" in page.locator("#lb-table tbody tr:has(td.model)").first.inner_text()
    # Every column, the 95% CI and the Details button included, without scrolling sideways.
    page.wait_for_function(TABLE_FITS)
    last = page.locator("#lb-table button[data-result]").first.bounding_box()
    assert last is not None and last["x"] + last["width"] <= 1400


def test_details_scrolls_the_detail_into_view(page: Any, seeded: Any) -> None:
    url, _ = seeded
    page.goto(url + "/")
    button = page.locator("#lb-table button[data-result]").first
    button.wait_for()
    assert page.evaluate("() => window.scrollY") == 0
    button.click()
    page.locator("#lb-detail .lb-detail").wait_for()
    page.wait_for_function(IN_VIEWPORT)
    text = page.locator("#lb-detail .lb-detail").inner_text()
    assert "Published figure, reference runner, no raw readings" in text and "Bundle sha256" not in text


def test_result_link_scrolls_the_detail_into_view(page: Any, seeded: Any) -> None:
    url, store = seeded
    rid = store.version_results(REFERENCE_VERSION_ID)[0].result_id
    page.goto(f"{url}/?result={rid}")
    page.locator(f"#lb-detail .lb-detail[data-result-id='{rid}']").wait_for()
    page.wait_for_function(IN_VIEWPORT)


def test_other_hardware_view_and_favicon(page: Any, seeded: Any) -> None:
    url, _ = seeded
    page.goto(url + "/")
    page.locator("#lb-table tbody td.model a").first.wait_for()
    page.locator("#lb-hardware label", has_text="Other GPUs").click()
    page.locator("#lb-table .lb-empty", has_text="on other GPUs").wait_for()
    with urllib.request.urlopen(url + "/favicon.ico") as resp:
        assert resp.status == 200 and b"<svg" in resp.read()


def test_column_picker_adds_a_performance_column(page: Any) -> None:
    from tests.leaderboard.test_newcomer import _Fixed, with_perf

    store = _Fixed([with_perf("acme/fast", 2.0, 0.1), with_perf("acme/slow", 1.0, 1.0)])
    url, demo = serve(build_demo(store))  # type: ignore[arg-type]
    try:
        page.goto(url + "/")
        header = page.locator("#lb-table th.lb-opt-latency_p50_s")
        header.wait_for(state="attached")
        assert header.is_hidden()
        page.locator("#lb-columns label", has_text="Latency p50 (s)").click()
        header.wait_for(state="visible")
        assert "0.1" in page.locator("#lb-table tbody tr", has_text="acme/fast").inner_text()
    finally:
        demo.close()
