"""The whole journey against the suite (`python app.py`, one process, one port) in Debian's chromium.

The real H100 bundle the runner kept as a fixture is uploaded in the portal with the attestation; a
reviewer approves it and publishes a version; the leaderboard shows it in its task and class with the
stars that the scoring library gives it; its label downloads as a PNG whose metadata holds the same
energy. Then the official version (the real Hub models the first start imports) is opened in the
leaderboard and the label app, where the README's screenshots of those two apps are taken. Set
AIENERGY_SCREENSHOT_DIR (e.g. docs/screenshots) to keep a screenshot of each app.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from label_generator.render import read_metadata
from seed import DEMO_DIR, OTHER_HARDWARE_BUNDLES, REFERENCE_VERSION_ID
from shared.method.scoring import assign_stars
from shared.store.sqlite import SQLiteStore
from tests.conftest import FIXTURES, suite_app
from tests.portal.form import field, fill_accepted

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURE = FIXTURES / "h100_bundle.zip"
TOKEN = "journey-reviewer-token"
# The official model whose label the README shows (a real Hub model of the official version).
OFFICIAL_LABEL = ("text_generation", "meta-llama/Meta-Llama-3.1-8B")


@dataclass
class Suite:
    """A running suite: its address and the SQLite file it stores into."""

    url: str
    db: Path


def _demo_without_fixture(folder: Path) -> Path:
    """The shipped demo bundles less any byte-identical copy of the fixture, so the upload is new; with the
    other GPUs' bundles a first start seeds too (a folder of one's own would leave them out)."""
    folder.mkdir()
    fixture = FIXTURE.read_bytes()
    for path in [*DEMO_DIR.glob("*.zip"), *OTHER_HARDWARE_BUNDLES]:
        if path.read_bytes() != fixture:
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    tmp = tmp_path_factory.mktemp("suite")
    env = {
        "AIENERGY_STORE": str(tmp / "store.sqlite3"),
        "AIENERGY_ADMIN_TOKEN": TOKEN,
        "AIENERGY_DEMO_BUNDLES": str(_demo_without_fixture(tmp / "demo")),
    }
    with suite_app(tmp / "app.log", env) as url:
        yield Suite(url, tmp / "store.sqlite3")


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("AIENERGY_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        # Let the last update's fade (gradio dims a component while an event runs) finish first.
        page.wait_for_timeout(500)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def test_the_whole_journey(suite: Suite, page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    # Landing page: one link to each app, and the demo data already published.
    page.goto(suite.url + "/")
    for path in ("/leaderboard", "/submit", "/label"):
        expect(page.locator(f".cards a[href='{path}']")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Shown first")
    # What stands behind each version: the official figures are not re-checked, our bundles are.
    versions = page.locator("ul.versions li")
    expect(versions.filter(has_text="AI Energy Score v1")).to_contain_text("no raw readings are held")
    expect(versions.filter(has_text="portal re-checked")).to_have_count(1)
    expect(versions.filter(has_text="portal re-checked")).to_contain_text("random-weight replicas")
    # The other GPUs' results are in the demo version without stars, counted apart from the rated ones.
    expect(versions.filter(has_text="portal re-checked")).to_contain_text(
        f"and {len(OTHER_HARDWARE_BUNDLES)} on other hardware (not rated"
    )
    expect(versions.filter(has_text="AI Energy Score v1")).to_contain_text("166 rated results")
    _shot(page, "landing")

    # Portal: upload the real H100 bundle, attest, submit.
    page.locator(".cards a[href='/submit']").click()
    fill_accepted(page, FIXTURE, "Journey Test", "journey@example.org")
    expect(page.locator("#submit-btn")).to_be_enabled()
    _shot(page, "submit")
    page.locator("#submit-btn").click()
    expect(page.locator("#outcome")).to_contain_text("pending review", timeout=60_000)
    sid = field(page, "submission-id").input_value()
    assert re.fullmatch(r"sub_[0-9a-f]{12}", sid)

    # Reviewer: approve it, then publish a version that holds it.
    page.get_by_role("tab", name="Reviewer").click()
    field(page, "reviewer-token").fill(TOKEN)
    page.locator("#unlock-btn").click()
    expect(page.locator("#reviewer-msg")).to_contain_text("Reviewing as admin")
    field(page, "review-id").fill(sid)
    page.locator("#approve-btn").click()
    expect(page.locator("#review-msg")).to_contain_text(f"Approved {sid}")
    # The pre-filled id is free (the seed already published this month's), and it publishes as it is.
    expect(field(page, "version-id")).not_to_have_value("")
    version_id = field(page, "version-id").input_value()
    assert version_id not in {v.id for v in SQLiteStore(suite.db).versions()}
    page.locator("#publish-btn").click()
    expect(page.locator("#publish-msg")).to_contain_text(f"Published {version_id}")

    # What the store now holds, read independently of the apps.
    store = SQLiteStore(suite.db)
    sub = store.get_submission(sid)
    assert sub is not None and sub.status == "approved"
    rated = {r.result_id: r for r in store.version_results(version_id)}
    mine = rated[sub.result_id]
    assert mine.record.task_id == "text_generation" and mine.record.model_class == "A"
    # Its peers: the version's rated results of its task and class (the H200 runs have no stars).
    peers = [
        r
        for r in rated.values()
        if r.record.task_id == "text_generation" and r.record.model_class == "A" and r.stars is not None
    ]
    expected = assign_stars([r.record.gpu_energy_wh_per_1k for r in peers])[peers.index(mine)]
    assert mine.stars == expected

    # Leaderboard, reached through the shared navigation: the row in text generation, class A.
    page.locator("nav.aes-nav a", has_text="Leaderboard").first.click()
    page.wait_for_url(re.compile(r"/leaderboard/?$"))
    # The leaderboard opens on the newest version of real models (the official one): open the version
    # just published by its link.
    page.goto(f"{suite.url}/leaderboard/?version={version_id}")
    page.locator("#lb-task label", has_text=re.compile(r"^\s*Text generation\s*$")).click()
    # By result id: the demo data may hold another run of the same model.
    row = page.locator(f"#lb-table tbody tr[data-row='{sub.result_id}']")
    expect(row).to_be_visible(timeout=30_000)
    expect(row).to_contain_text(mine.record.model_id)
    expect(row.locator(".lb-stars")).to_have_attribute("title", f"{expected} of 5 stars")
    expect(row.locator("td", has_text=re.compile(r"^A$"))).to_have_count(1)

    # Its detail view links to its label, which opens in a new tab and downloads as a PNG.
    row.locator("button[data-result]").click()
    detail = page.locator(f"#lb-detail .lb-detail[data-result-id='{sub.result_id}']")
    expect(detail).to_contain_text(sub.bundle_sha256)
    with page.context.expect_page() as opened:
        detail.locator("a", has_text="Generate its label").click()
    label = opened.value
    label.set_default_timeout(30_000)
    label.locator("#label-info").get_by_text(sub.result_id).wait_for(timeout=60_000)
    download_button = label.get_by_role("button", name="Download PNG")
    label.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')].find(x => x.textContent.includes('Download PNG'));"
        " return b && !b.disabled; }"
    )
    with label.expect_download() as info:
        download_button.click()
    png = tmp_path / "label.png"
    info.value.save_as(png)
    meta = read_metadata(png.read_bytes())
    assert meta["aienergy:result_id"] == sub.result_id
    assert meta["aienergy:version_id"] == version_id
    assert float(meta["aienergy:energy_wh_per_1k"]) == mine.record.gpu_energy_wh_per_1k
    assert int(meta["aienergy:stars"]) == expected

    # The label's QR code holds its link, and the link leads back to this result's detail view.
    import zxingcpp
    from PIL import Image

    with Image.open(png) as image:
        codes = [c.text for c in zxingcpp.read_barcodes(image.convert("RGB"))]
    assert codes == [meta["aienergy:url"]] == [f"http://localhost:{suite.url.rsplit(':', 1)[1]}/r/{sub.result_id}"]
    label.goto(codes[0].replace("localhost", "127.0.0.1"))
    expect(label.locator(f"#lb-detail .lb-detail[data-result-id='{sub.result_id}']")).to_be_visible(timeout=30_000)

    _official_views(page, store, suite.url, tmp_path)


def _official_views(page: Any, store: SQLiteStore, url: str, tmp_path: Path) -> None:
    """The official version in the leaderboard and the label app, as a newcomer sees them: the README's
    screenshots of those apps (and of a downloaded label) show real Hub models, not the demo replicas."""
    from playwright.sync_api import expect

    official = {(r.record.task_id, r.record.model_id): r for r in store.version_results(REFERENCE_VERSION_ID)}
    # The leaderboard opens on the official version, in text generation.
    page.goto(url + "/leaderboard/")
    expect(page.locator("#lb-version input")).to_have_value(re.compile("AI Energy Score v1, February 2025"))
    rows = page.locator("#lb-table tbody tr[data-row]")
    expect(rows.first).to_be_visible(timeout=30_000)
    shown = [rows.nth(k).get_attribute("data-row") for k in range(rows.count())]
    ids = {(r.result_id, r.record.task_id) for r in official.values()}
    assert shown and all((rid, "text_generation") in ids for rid in shown), shown
    expect(page.locator("#lb-table")).not_to_contain_text("random weights")
    _shot(page, "leaderboard")

    # The label of one official model: a published figure, with the stars the official board gave it.
    result = official[OFFICIAL_LABEL]
    page.goto(f"{url}/label/?result={result.result_id}&version={REFERENCE_VERSION_ID}")
    page.locator("#label-info").get_by_text(result.result_id).wait_for(timeout=60_000)
    expect(page.locator("#label-model input")).to_have_value(OFFICIAL_LABEL[1])
    # The label image itself has loaded, not only the event's answer.
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('button')].find(x => x.textContent.includes('Download PNG'));"
        " const i = document.querySelector('#label-preview img');"
        " return b && !b.disabled && i && i.complete && i.naturalWidth > 0; }"
    )
    _shot(page, "label")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download PNG").click()
    png = tmp_path / "official_label.png"
    info.value.save_as(png)
    meta = read_metadata(png.read_bytes())
    assert meta["aienergy:result_id"] == result.result_id and meta["aienergy:version_id"] == REFERENCE_VERSION_ID
    assert int(meta["aienergy:stars"]) == result.stars == result.record.stars_published
    folder = os.environ.get("AIENERGY_SCREENSHOT_DIR")
    if folder:
        shutil.copy(png, Path(folder) / "label_download.png")
