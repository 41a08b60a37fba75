"""The leaderboard in a real browser (Debian's chromium through Playwright) on a store the test fills.

One visit does what a visitor does: open, switch task, filter a class, search, open a detail view,
download the CSV of the view and read it; a second visit follows a result link (?result=<id>).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from leaderboard.app import build_demo
from tests.conftest import serve
from tests.leaderboard.conftest import fill_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    filled = fill_store(tmp_path_factory.mktemp("lb-browser") / "store.sqlite3")
    url, demo = serve(build_demo(filled.store))
    yield url, filled
    demo.close()


def rows(page: Any) -> list[str]:
    """Model ids of the table's rows, in order."""
    return page.locator("#lb-table tbody td.model a").all_inner_texts()


def wait_rows(page: Any, expected: list[str]) -> None:
    """Wait until the table shows exactly these models (events are asynchronous)."""
    page.wait_for_function(
        "exp => JSON.stringify([...document.querySelectorAll('#lb-table tbody td.model a')]"
        ".map(a => a.textContent)) === JSON.stringify(exp)",
        arg=expected,
    )


TEXT_GENERATION = [
    "acme/frugal-1b",
    "zeta/mid-1b",
    "acme/hungry-1b",
    "bigco/large-30b",
    "bigco/huge-30b",
    "bigco/medium-30b",
]


def test_visitor_journey(page: Any, served: Any) -> None:
    url, filled = served
    page.goto(url + "/")
    wait_rows(page, TEXT_GENERATION)
    assert "Energy difference of" in page.locator("#lb-callout").inner_text()
    assert page.locator("#lb-table th[data-sort='energy']").get_attribute("title").startswith("GPU energy")
    assert "random weights" in page.locator("#lb-table tbody tr", has_text="zeta/mid-1b").inner_text()

    # Switch task: image classification has one result and no class filter.
    page.locator("#lb-task label", has_text="Image classification").click()
    wait_rows(page, ["google/vit-base-patch16-224"])
    assert page.locator("#lb-class").is_hidden()

    # Back to text generation, class B, then a search.
    page.locator("#lb-task label", has_text=re.compile(r"^\s*Text generation\s*$")).click()
    wait_rows(page, TEXT_GENERATION)
    page.locator("#lb-class label", has_text="B").click()
    wait_rows(page, ["bigco/large-30b", "bigco/huge-30b", "bigco/medium-30b"])
    page.locator("#lb-search textarea, #lb-search input").first.fill("HUGE")
    wait_rows(page, ["bigco/huge-30b"])

    # Detail view of that row.
    page.locator("#lb-table button[data-result]").first.click()
    detail = page.locator("#lb-detail .lb-detail")
    detail.wait_for()
    store_result = filled.store.get_result(filled.ids["bigco/huge-30b"])
    text = detail.inner_text()
    assert store_result.bundle_sha256 in text and store_result.submission_id in text
    assert detail.locator("a", has_text="Generate its label").get_attribute("href") == (
        f"/label?result={store_result.result_id}"
    )

    # Download the current view as CSV.
    with page.expect_download() as info:
        page.locator("#lb-csv").click()
    body = Path(info.value.path()).read_text()
    table = list(csv.DictReader(io.StringIO(body)))
    assert [(r["model_id"], r["class"], r["stars"]) for r in table] == [("bigco/huge-30b", "B", "3")]
    assert float(table[0]["gpu_energy_wh_per_1k"]) == pytest.approx(store_result.record.gpu_energy_wh_per_1k, rel=1e-5)


def test_result_link_opens_the_detail_view(page: Any, served: Any) -> None:
    url, filled = served
    rid = filled.ids["openai/whisper-large-v3"]
    page.goto(f"{url}/?result={rid}")
    page.locator(f"#lb-detail .lb-detail[data-result-id='{rid}']").wait_for()
    wait_rows(page, ["openai/whisper-large-v3"])
    page.get_by_role("tab", name="Workload calculator").click()
    assert "openai/whisper-large-v3" in page.locator("#lb-calc").inner_text()
