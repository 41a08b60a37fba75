"""In chromium: the figures are built only while the Plots tab is shown, and the version's JSON is written
when its button is clicked (then downloaded in the same click)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leaderboard.app import build_demo
from tests.conftest import serve
from tests.leaderboard.conftest import fill_store
from tests.leaderboard.test_browser import TEXT_GENERATION, wait_rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    filled = fill_store(tmp_path_factory.mktemp("lb-speed") / "store.sqlite3")
    url, demo = serve(build_demo(filled.store))
    yield url, filled
    demo.close()


def plot_titles(page: Any) -> str:
    return str(
        page.evaluate("[...document.querySelectorAll('.js-plotly-plot .gtitle')].map(t => t.textContent).join(' ')")
    )


def test_figures_follow_the_view_once_their_tab_is_shown(page: Any, served: Any) -> None:
    url, _ = served
    page.goto(url + "/")
    wait_rows(page, TEXT_GENERATION)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2")
    assert "class B" not in plot_titles(page)
    page.get_by_role("tab", name="Compare").click()
    page.locator("#lb-class label").filter(has_text="B").first.click()
    wait_rows(page, ["bigco/large-30b", "bigco/huge-30b", "bigco/medium-30b"])
    page.get_by_role("tab", name="Plots").click()
    page.wait_for_function(
        "[...document.querySelectorAll('.js-plotly-plot .gtitle')].some(t => t.textContent.includes('class B'))"
    )


def test_the_version_json_is_written_on_click(page: Any, served: Any, tmp_path: Path) -> None:
    url, _ = served
    page.goto(url + "/")
    wait_rows(page, TEXT_GENERATION)
    with page.expect_download() as got:
        page.locator("#lb-json").click()
    path = tmp_path / "version.json"
    got.value.save_as(path)
    doc = json.loads(path.read_text())
    assert doc["version"]["id"] == "2026-11" and len(doc["results"]) == 8
