"""In a real browser, on the store the suite's first start seeds: the demo version's text generation under
"Other GPUs (not rated)" lists the two H200 runs with the GPU named, no stars, and the backend that ran
the model (the optional Backend column, and the `backend:` search term)."""

from __future__ import annotations

from typing import Any

import pytest

from leaderboard.app import build_demo
from seed import seed_demo
from shared.store.sqlite import SQLiteStore
from tests.conftest import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROWS = "#lb-table tbody tr:has(td.model)"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store = SQLiteStore(tmp_path_factory.mktemp("lb-other-hw") / "store.sqlite3")
    out = seed_demo(store, reference=True)
    url, demo = serve(build_demo(store))
    yield url, out.version_id
    demo.close()


def test_other_gpus_view_shows_the_h200_rows_unrated_with_their_backend(page: Any, seeded: Any) -> None:
    url, demo_version = seeded
    page.goto(f"{url}/?version={demo_version}&task=text_generation")
    page.locator(ROWS).first.wait_for()
    assert "H200" not in page.locator("#lb-table").inner_text()  # the rated view holds H100 results only
    page.locator("#lb-hardware label", has_text="Other GPUs (not rated)").click()
    page.locator("#lb-table .lb-not-rated").first.wait_for()
    rows = page.locator(ROWS)
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 2")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert all("not rated (H200)" in t and "H200" in t for t in texts), texts
    assert page.locator("#lb-table .lb-stars").count() == 0  # no star anywhere in this view
    # The backend: an optional column, added with the column picker.
    header = page.locator("#lb-table th.lb-opt-backend")
    header.wait_for(state="attached")
    assert header.is_hidden()
    page.locator("#lb-columns label", has_text="Backend").click()
    header.wait_for(state="visible")
    cells = page.locator("#lb-table td.lb-opt-backend")
    assert sorted(cells.nth(i).inner_text() for i in range(cells.count())) == ["endpoint: uvicorn", "transformers"]
    # And the search box selects by backend.
    page.locator("#lb-search textarea, #lb-search input").first.fill("backend:endpoint")
    page.locator("#lb-search textarea, #lb-search input").first.press("Enter")
    page.wait_for_function(f"() => document.querySelectorAll('{ROWS}').length === 1")
    assert "endpoint: uvicorn" in page.locator(ROWS).first.inner_text()
    # The detail view names the GPU, the backend and the serving engine.
    page.locator("#lb-table button[data-result]").first.click()
    detail = page.locator("#lb-detail .lb-detail")
    detail.wait_for()
    text = detail.inner_text()
    assert "Measured on NVIDIA H200, not an NVIDIA H100" in text and "Serving engine" in text
