"""What a new user's walkthrough of the portal found (1400x1000 chromium): the outcome panel out of view
after submitting and the line above it reading like a failure; a duplicate's next steps ignoring where the
first submission stands; the status page's raw task ids and missing publication; the queue table wider
than its box; raw backticks and raw floats in plain-text messages; an emoji mark that needs an emoji font."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from fastapi import FastAPI

from runner.run_files import run_files
from shared.store.sqlite import SQLiteStore
from shared.web.links import CSS, Links
from submission_portal import service
from submission_portal.app import PortalHandlers, build_demo, outcome_panel
from submission_portal.auth import Reviewer
from submission_portal.config import PortalConfig
from submission_portal.widgets import PORTAL_CSS, QUEUE_WIDTHS
from testkit.factory import make_bundle_bytes, make_env, make_report
from tests.conftest import serve
from tests.portal.form import field, fill_accepted
from tests.portal.hostile import ALICE, ALL_TERMS, signed_bundle, write

TOKEN = "walkthrough-reviewer-token"
ADMIN = Reviewer(name="admin (token)", via="token")
SUITE = Links(base_url="https://aes.example")
BOB = service.make_submitter("Bob", "bob@example.org")


def h200_bundle(seed: int) -> bytes:
    """A bundle measured on an H200: accepted as other hardware, with one warning saying so."""
    return make_bundle_bytes(env=make_env(gpu_name="NVIDIA H200"), seed=seed)


def first_and_again(store: SQLiteStore, data: bytes, then: str) -> tuple[service.Outcome, service.Outcome]:
    """Submit `data`, bring its submission to `then` (pending, approved, published or rejected), submit it
    again; (first outcome, second outcome)."""
    first = service.submit(store, data, "b.zip", ALL_TERMS, ALICE)
    assert first.status == "stored", first.text()
    if then in ("approved", "published"):
        assert service.review(store, ADMIN, first.submission_id, True, "").ok
    if then == "published":
        assert service.publish(store, ADMIN, "2026-12", "December 2026").ok
    if then == "rejected":
        assert service.review(store, ADMIN, first.submission_id, False, "The GPU was shared with another job").ok
    again = service.submit(store, data, "b.zip", ALL_TERMS, BOB)
    assert again.status == "duplicate" and again.submission_id == first.submission_id
    return first, again


def result_id(store: SQLiteStore, submission_id: str) -> str:
    sub = store.get_submission(submission_id)
    assert sub is not None
    return sub.result_id


# --- (1) after submitting: the line above the panel -----------------------------------------------------


def test_the_gate_note_after_a_submission_says_it_went_through(tmp_store: SQLiteStore) -> None:
    sid = "sub_0123456789ab"
    empty = service.missing_to_submit(False, "", (True, True, True), "Alice", "a@example.org", signed_in=False)
    assert service.gate_note(empty) == "To submit: upload the bundle .zip."
    after = service.gate_note(empty, sid)
    assert after == f"Submission {sid} is shown below. To submit another run, upload its bundle .zip."
    assert "To submit:" not in after
    # A new file uploaded after it: the note is about that file again.
    waiting = service.missing_to_submit(True, service.CHECKING, (True, True, True), "A", "a@x.org", signed_in=False)
    assert service.gate_note(waiting, sid) == "To submit: wait for the check."
    # The handler reads the id the page shows (the form was emptied by the submission).
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN))
    update, note = h.gate(None, True, True, True, "", "Alice", "a@example.org", sid)
    assert update["interactive"] is False and note.startswith(f"Submission {sid} is shown below")
    assert h.gate(None, True, True, True, "", "Alice", "a@example.org", "")[1] == "To submit: upload the bundle .zip."


# --- (2) a duplicate's next steps, and the status page -------------------------------------------------


def test_duplicate_of_a_pending_submission_is_left_to_the_reviewer(tmp_store: SQLiteStore) -> None:
    _, again = first_and_again(tmp_store, h200_bundle(1), "pending")
    panel = outcome_panel(again, SUITE)
    assert "Already submitted" in panel and "status pending review" in panel
    assert "The reviewer will see 1 warning" in panel
    assert "a reviewer checks the result" in panel
    assert "listed in the next leaderboard version under other hardware (NVIDIA H200) without stars" in panel
    assert "on the leaderboard" not in panel


def test_duplicate_of_an_approved_submission_is_in_the_next_version(tmp_store: SQLiteStore) -> None:
    _, again = first_and_again(tmp_store, make_bundle_bytes(seed=2), "approved")
    panel = outcome_panel(again, SUITE)
    assert "status approved;" in panel
    assert "a reviewer approved it; it will be rated in the next leaderboard version" in panel
    assert "a reviewer checks" not in panel and "The reviewer will see" not in panel
    assert "on the leaderboard" not in panel  # nothing published to link to yet


def test_duplicate_of_a_published_submission_names_its_version_and_links_its_result(
    tmp_store: SQLiteStore,
) -> None:
    first, again = first_and_again(tmp_store, make_bundle_bytes(seed=3), "published")
    panel = outcome_panel(again, SUITE)
    assert "status approved, published in December 2026 (2026-12)" in panel
    assert "**Published:** it is in leaderboard version December 2026 (2026-12), rated with 5 stars." in panel
    rid = result_id(tmp_store, first.submission_id)
    assert f"[See its result on the leaderboard](https://aes.example/r/{rid})" in panel
    for stale in ("next leaderboard version", "a reviewer checks", "The reviewer will see"):
        assert stale not in panel
    # The portal served alone, with no address of a leaderboard: the version is named, without a dead link.
    alone = outcome_panel(again, Links())
    assert "December 2026 (2026-12)" in alone and "on the leaderboard](" not in alone
    # A leaderboard on its own address gets its full ?result= link.
    own = outcome_panel(again, Links(leaderboard="https://lb.example"))
    assert f"(https://lb.example?result={rid})" in own


def test_duplicate_of_a_published_h200_result_says_it_has_no_stars(tmp_store: SQLiteStore) -> None:
    _, again = first_and_again(tmp_store, h200_bundle(4), "published")
    panel = outcome_panel(again, SUITE)
    assert "listed under other hardware (NVIDIA H200) without stars" in panel
    assert "The check found 1 warning" in panel and "The reviewer will see" not in panel


def test_duplicate_of_a_rejected_submission_says_so(tmp_store: SQLiteStore) -> None:
    _, again = first_and_again(tmp_store, h200_bundle(5), "rejected")
    panel = outcome_panel(again, SUITE)
    assert panel.startswith("### Already submitted, and rejected") and "aes-ok" not in panel
    assert "status rejected" in panel and "Accepted as other hardware" not in panel
    assert "Reason: The GPU was shared with another job." in panel
    assert "will not be published" in panel and "make a new bundle" in panel
    assert "next leaderboard version" not in panel and "a reviewer checks" not in panel


def test_status_page_names_the_task_and_where_it_is_published(tmp_store: SQLiteStore) -> None:
    h100 = service.submit(tmp_store, make_bundle_bytes(seed=6), "a.zip", ALL_TERMS, ALICE).submission_id
    h200 = service.submit(tmp_store, h200_bundle(7), "b.zip", ALL_TERMS, ALICE).submission_id

    pending = service.status_text(tmp_store, h200)
    assert "Task: Text generation" in pending and "text_generation" not in pending
    assert "GPU: NVIDIA H200 (other hardware: no stars)" in pending
    assert (
        "What happens next: a reviewer checks the result. Once approved it will be listed in the next leaderboard "
        "version under other hardware (NVIDIA H200) without stars, since only H100 results are rated" in pending
    )
    assert "What happens next: a reviewer checks the result. Once approved it will be rated" in (
        service.status_text(tmp_store, h100)
    )

    for sid in (h100, h200):
        assert service.review(tmp_store, ADMIN, sid, True, "").ok
    assert "it will be rated in the next leaderboard version" in service.status_text(tmp_store, h100)
    assert service.publish(tmp_store, ADMIN, "2026-12", "December 2026").ok
    text = service.status_text(tmp_store, h100)
    assert text.startswith(f"Submission {h100}: approved, published in December 2026 (2026-12)")
    assert "Published: it is in leaderboard version December 2026 (2026-12), rated with 5 stars." in text
    assert "next leaderboard version" not in text
    other = service.status_text(tmp_store, h200)
    assert "listed under other hardware (NVIDIA H200) without stars" in other and "next" not in other

    # On the page: the status, and under it the link to the result on the leaderboard.
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN), SUITE)
    shown, link = h.status(h100)
    assert shown == text
    assert link == f"[See its result on the leaderboard](https://aes.example/r/{result_id(tmp_store, h100)})"
    assert PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN)).status(h100)[1] == ""  # no address known
    assert h.status("sub_000000000000") == (
        "No submission sub_000000000000. Check the id you got when you submitted.",
        "",
    )


def test_rejected_status_page_says_why_once(tmp_store: SQLiteStore) -> None:
    sid = service.submit(tmp_store, make_bundle_bytes(seed=8), "a.zip", ALL_TERMS, ALICE).submission_id
    assert service.review(tmp_store, ADMIN, sid, False, "Counter readings missing on GPU 1").ok
    text = service.status_text(tmp_store, sid)
    assert text.count("Counter readings missing on GPU 1") == 1
    assert "Rejected: a reviewer rejected it, so it will not be published." in text


# --- (3) the queue fits its box -------------------------------------------------------------------------


def test_queue_columns_have_a_width_each_and_fill_the_box(tmp_store: SQLiteStore) -> None:
    assert len(QUEUE_WIDTHS) == len(service.QUEUE_COLUMNS)
    assert sum(float(w.rstrip("%")) for w in QUEUE_WIDTHS) == 100
    sid = service.submit(tmp_store, make_bundle_bytes(seed=9), "a.zip", ALL_TERMS, ALICE).submission_id
    row = dict(zip(service.QUEUE_COLUMNS, service.queue_rows(tmp_store)[0], strict=True))
    assert row["Submission"] == sid and row["Task"] == "Text generation"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["Submitted (UTC)"])  # to the minute: it wraps in two
    assert row["GPU"] == "NVIDIA H100 80GB HBM3"


# --- (4) backticks, raw floats, the emoji mark ------------------------------------------------------------


def test_plain_text_boxes_show_no_backticks_and_markdown_keeps_them(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    report = service.check_upload(write(tmp_path, "bad.zip", b"not a zip at all"))
    assert "`" not in report and report.startswith("REJECTED: 1 error")
    outcome = service.submit(tmp_store, b"not a zip at all", "bad.zip", ALL_TERMS, ALICE)
    assert outcome.status == "rejected" and any("`" in p for p in outcome.problems)  # as the checks wrote it
    assert "`" not in outcome.text()  # the Details box
    assert "`" in outcome_panel(outcome)  # Markdown: rendered as code
    assert service.plain("Re-create it with `python -m runner bundle`.") == "Re-create it with python -m runner bundle."


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "says a total of 4.921929351851852 Wh but the phase readings give 9.843859 Wh per 1,000 queries",
            "says a total of 4.9219 Wh but the phase readings give 9.8439 Wh per 1,000 queries",
        ),
        # Two numbers that differ only far down keep the decimals that tell them apart.
        (
            "says 1.00000012 Wh but its counter readings give 1.000000 Wh",
            "says 1.0000001 Wh but its counter readings give 1.000000 Wh",
        ),
        ("says 2.0000 Wh but gives 2.00001234 Wh", "says 2.0000 Wh but gives 2.00001 Wh"),
        # A small number keeps two significant digits.
        ("measured 0.0000012345 Wh", "measured 0.0000012 Wh"),
        ("measured 1.5e-07 Wh", "measured 0.00000015 Wh"),
        # Left as written: short numbers, versions, times, names.
        ("GPU_ENERGY_WH.txt says 0.5 Wh but the phase readings give 2.0061 Wh", None),
        ("runner 3.11.7 at 2026-12-03T08:44:11.123456 in file_1.234567.json", None),
    ],
)
def test_long_decimals_in_messages_are_printed_alike(message: str, shown: str | None) -> None:
    assert service.tidy_numbers(message) == (shown or message)


def test_a_tampered_summary_file_reads_with_four_decimals(tmp_path: Path) -> None:
    report = make_report(energy_wh=9.81)
    files = run_files(report, make_env(), {"run.log": b"x\n"})
    summary = json.loads(files["GPU_ENERGY_SUMMARY.json"])
    summary["total"] /= 2  # a raw float such as 4.921929351851852
    data = signed_bundle({"GPU_ENERGY_SUMMARY.json": json.dumps(summary).encode()}, report=report)
    text = service.check_upload(write(tmp_path, "t.zip", data))
    line = next(x for x in text.splitlines() if "says a total of" in x)
    assert re.search(r"says a total of \d+\.\d{4} Wh but the phase readings give \d+\.\d{4} Wh", line), line
    assert not re.search(r"\d\.\d{5,}", text), text


def test_the_success_mark_needs_no_emoji_font(tmp_store: SQLiteStore) -> None:
    outcome = service.submit(tmp_store, make_bundle_bytes(seed=10), "a.zip", ALL_TERMS, ALICE)
    panel = outcome_panel(outcome)
    assert panel.startswith('### <span class="aes-ok" aria-hidden="true"></span>Submitted for review')
    assert not [c for c in panel if ord(c) >= 0x2600], "no emoji or dingbat: a browser may have no font for it"
    assert "Result: acme/tiny-model / Text generation: " in panel  # the task by its name
    assert ".aes-ok" in PORTAL_CSS


def test_the_portal_css_is_served_however_the_app_is_started(tmp_store: SQLiteStore) -> None:
    demo = build_demo(tmp_store, PortalConfig(admin_token=TOKEN))
    assert PORTAL_CSS in demo.get_config_file()["css"]
    # Mounted in the suite (app.py gives the shared CSS): both, the portal's once.
    gr.mount_gradio_app(FastAPI(), demo, path="/submit", css=CSS)
    assert demo.css == CSS + PORTAL_CSS
    demo.css = demo.css + "\n.x {}"  # gradio appending a css_paths file to what it reads
    assert demo.css is not None and demo.css.count(PORTAL_CSS) == 1 and ".x {}" in demo.css


# --- in the browser ----------------------------------------------------------------------------------------


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.browser
@pytest.mark.slow
def test_after_submitting_the_outcome_panel_is_in_view(page: Any, tmp_store: SQLiteStore, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    bundle = write(tmp_path, "bundle.zip", make_bundle_bytes(seed=11, model_id="acme/walkthrough"))
    url, demo = serve(build_demo(tmp_store, PortalConfig(admin_token=TOKEN)))
    try:
        page.goto(url)
        assert page.viewport_size == {"width": 1400, "height": 1000}
        fill_accepted(page, bundle, "Alice Example", "alice@example.org")
        page.evaluate("() => window.scrollTo(0, 0)")  # as a visitor who clicks the button, not scrolled yet
        page.locator("#submit-btn").click()

        panel = page.locator("#outcome")
        expect(panel).to_contain_text("Submitted for review", timeout=60_000)
        link = panel.get_by_role("link", name="Follow its status page")
        # The whole panel, down to its status-page link, is brought into the window.
        page.wait_for_function(
            "() => { const r = document.getElementById('outcome').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }",
            timeout=10_000,
        )
        assert page.evaluate("() => window.scrollY") > 0
        assert _in_view(page, "#outcome h3") and link.is_visible()
        box = link.bounding_box()
        assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 1000

        # The line above it says the submission went through; it asks for nothing.
        sid = field(page, "submission-id").input_value()
        note = page.locator("#gate-note")
        expect(note).to_have_text(f"Submission {sid} is shown below. To submit another run, upload its bundle .zip.")
        assert _in_view(page, "#gate-note")

        # The mark is drawn (no emoji glyph), green.
        mark = panel.locator("h3 .aes-ok")
        expect(mark).to_be_visible()
        mark_box = mark.bounding_box()
        assert mark_box is not None and mark_box["width"] > 3 and mark_box["height"] > 5
        color = mark.evaluate("e => getComputedStyle(e).borderRightColor")
        assert color == "rgb(63, 164, 91)", color  # shared.web.links.GREEN
        assert "✅" not in panel.inner_text()
    finally:
        demo.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_queue_table_fits_its_box_with_its_gpu_column(page: Any, tmp_store: SQLiteStore) -> None:
    from playwright.sync_api import expect

    long_id = "acme/" + "averyveryverylongmodelnamewithoutanybreaks" * 2
    service.submit(tmp_store, make_bundle_bytes(seed=12, model_id=long_id), "a.zip", ALL_TERMS, ALICE)
    other = service.submit(tmp_store, h200_bundle(13), "b.zip", ALL_TERMS, ALICE).submission_id
    reason = "The run used a shortened dataset; measure the 1,000 standard prompts and submit a new bundle."
    assert service.review(tmp_store, ADMIN, other, False, reason).ok
    url, demo = serve(build_demo(tmp_store, PortalConfig(admin_token=TOKEN)))
    try:
        page.goto(url)
        page.get_by_role("tab", name="Queue").click()
        table = page.locator("#queue-table")
        expect(table).to_contain_text(other)
        expect(table).to_contain_text("NVIDIA H200")
        # Measured in the page: every scrollable part of the table, its GPU header and the cells naming a GPU.
        found = page.evaluate(
            """() => {
              const root = document.getElementById('queue-table');
              const right = root.getBoundingClientRect().right;
              const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
              const all = [...root.querySelectorAll('*')];
              const sideways = all.filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
                                             && e.scrollWidth > e.clientWidth + 1);
              const gpuHead = [...root.querySelectorAll('thead th')].filter(shown)
                .filter(th => th.textContent.trim().startsWith('GPU'));
              const gpuCells = all.filter(e => e.children.length === 0 && shown(e)
                                               && e.textContent.trim().startsWith('NVIDIA H'));
              return {right, sideways: sideways.map(e => [e.className, e.scrollWidth, e.clientWidth]),
                      heads: gpuHead.map(th => th.getBoundingClientRect().right),
                      cells: gpuCells.map(e => [e.textContent.trim(), e.getBoundingClientRect().right])};
            }"""
        )
        assert found["sideways"] == [], found  # nothing to scroll sideways
        assert len(found["heads"]) == 1 and found["heads"][0] <= found["right"] + 1, found
        gpus = {text for text, right in found["cells"] if right <= found["right"] + 1}
        assert {"NVIDIA H200", "NVIDIA H100 80GB HBM3"} <= gpus, found  # both GPU cells end inside the box
    finally:
        demo.close()
