"""The app in Debian's chromium: pick a model, download the PNG, check it; and the ?result= link."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from label_generator.app import build_demo
from label_generator.catalog import LabelIndex
from label_generator.render import read_metadata
from tests.conftest import serve
from tests.label.conftest import LINKS, Published, open_png


@pytest.fixture
def label_app(published: Published) -> Any:
    """The label app on the published store, served on a free port."""
    url, demo = serve(build_demo(published.store, LINKS))
    yield url
    demo.close()


def _download_png(page: Any, tmp_path: Path) -> bytes:
    """Click 'Download PNG' once it is enabled; the downloaded file's bytes."""
    button = page.get_by_role("button", name="Download PNG")
    button.wait_for()
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')].find(x => x.textContent.includes('Download PNG'));"
        " return b && !b.disabled; }"
    )
    with page.expect_download(timeout=30_000) as info:
        button.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes()


def _choose(page: Any, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_catalog_lists_published_results_newest_first(published: Published) -> None:
    view = LabelIndex(published.store).current()
    assert view.tasks == ["text_generation", "image_classification"]
    assert view.models("image_classification") == ("acme/alpha", "acme/beta", "acme/gamma")
    assert [e.version_id for e in view.entries("image_classification", "acme/beta")] == ["2026-11", "2026-10"]


@pytest.mark.browser
@pytest.mark.slow
def test_pick_a_model_and_download_its_png(label_app: str, page: Any, published: Published, tmp_path: Path) -> None:
    page.goto(label_app + "/")
    page.locator("#label-info").get_by_text("Verified label").wait_for(timeout=60_000)
    _choose(page, "Task", "Image classification")
    page.locator("#label-info").get_by_text(published.results["acme/alpha"]).wait_for()
    _choose(page, "Model", "acme/beta")
    beta = published.results["acme/beta"]
    page.locator("#label-info").get_by_text(beta).wait_for()
    png = _download_png(page, tmp_path)
    assert open_png(png).size == (520, 728)
    meta = read_metadata(png)
    assert meta["aienergy:model_id"] == "acme/beta" and meta["aienergy:result_id"] == beta
    assert meta["aienergy:version_id"] == "2026-11" and meta["aienergy:url"] == LINKS.result_url(beta)


@pytest.mark.browser
@pytest.mark.slow
def test_result_link_preselects_that_result(label_app: str, page: Any, published: Published, tmp_path: Path) -> None:
    rid = published.results["acme/talker"]
    page.goto(f"{label_app}/?result={rid}")
    page.locator("#label-info").get_by_text(rid).wait_for(timeout=60_000)
    assert page.get_by_label("Model", exact=True).first.input_value() == "acme/talker"
    meta = read_metadata(_download_png(page, tmp_path))
    assert meta["aienergy:result_id"] == rid and meta["aienergy:task_id"] == "text_generation"
