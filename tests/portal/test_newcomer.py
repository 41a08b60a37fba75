"""What a new user tripped over in the portal: version ids, the submit gate, counts, the success panel,
and the content-identity backfill at start."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shared.bundle.problems import ValidationReport
from shared.store.sqlite import SQLiteStore
from submission_portal import service
from submission_portal.app import PortalHandlers, build_demo, outcome_panel
from submission_portal.auth import Reviewer
from submission_portal.config import PortalConfig
from testkit.factory import make_bundle_bytes
from tests.conftest import serve
from tests.portal.hostile import write

TOKEN = "newcomer-test-reviewer-token"
REVIEWER = Reviewer("admin (token)", "token")
DAY = date(2026, 12, 2)


def approved(store: SQLiteStore, seed: int) -> str:
    """Store and approve one synthetic bundle; its submission id."""
    outcome = service.submit(
        store,
        make_bundle_bytes(seed=seed, model_id=f"acme/m{seed}"),
        "b.zip",
        service.Attestation(True, True, True),
        service.make_submitter("A", "a@example.org"),
    )
    assert outcome.status == "stored", outcome.problems
    store.review(outcome.submission_id, True, "", "r")
    return outcome.submission_id


# --- (4) the version id -----------------------------------------------------------------------------


def test_next_version_is_the_first_free_id(tmp_store: SQLiteStore) -> None:
    assert service.next_version(tmp_store, DAY) == ("2026-12", "December 2026")
    approved(tmp_store, 1)
    tmp_store.publish_version("2026-12", "December 2026")
    assert service.next_version(tmp_store, DAY) == ("2026-12b", "December 2026 (b)")
    approved(tmp_store, 2)
    tmp_store.publish_version("2026-12b", "December 2026 (b)")
    assert service.next_version(tmp_store, DAY) == ("2026-12c", "December 2026 (c)")


@pytest.mark.parametrize("vid", ["2026-12b", "2026-12-2", "2026-12-rc1", "2026-12B", " 2026-12c "])
def test_suffixed_ids_are_accepted(tmp_store: SQLiteStore, vid: str) -> None:
    approved(tmp_store, 3)
    result = service.publish(tmp_store, REVIEWER, vid, "December 2026 (b)")
    assert result.ok, result.message
    assert tmp_store.versions()[0].id == vid.strip().lower()


@pytest.mark.parametrize("vid", ["2026-13", "26-12", "2026-12_b", "2026-12b/x", "latest", ""])
def test_other_ids_are_refused_with_examples(tmp_store: SQLiteStore, vid: str) -> None:
    approved(tmp_store, 4)
    result = service.publish(tmp_store, REVIEWER, vid, "x")
    assert not result.ok and "2026-11b" in result.message


def test_a_taken_id_names_the_next_free_one(tmp_store: SQLiteStore) -> None:
    approved(tmp_store, 5)
    first = service.next_version(tmp_store)[0]
    assert service.publish(tmp_store, REVIEWER, first, "v1").ok
    approved(tmp_store, 6)
    again = service.publish(tmp_store, REVIEWER, first, "v2")
    assert not again.ok and f"The next free id is {first}b." in again.message


def test_reviewer_first_publish_then_second_in_the_same_month(tmp_store: SQLiteStore) -> None:
    """The reviewer's journey: the pre-filled id publishes, and the id then proposed publishes too."""
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN))
    approved(tmp_store, 7)
    *_, vid, vname, _ = h.unlock(TOKEN)
    message, _, next_id, next_name = h.publish_clicked(TOKEN, vid, vname, "")
    assert message.startswith("Published"), message
    assert next_id == vid + "b" and next_name.endswith("(b)")
    approved(tmp_store, 8)
    message, *_ = h.publish_clicked(TOKEN, next_id, next_name, "")
    assert message.startswith(f"Published {vid}b"), message


# --- (6) required fields, the gate and the counts -------------------------------------------------


def test_counts_of_errors_and_warnings_match_the_lines() -> None:
    report = ValidationReport()
    report.add("a", "first error")
    report.add("b", "second error")
    report.warn("c", "a warning")
    text = service.report_text(report)
    assert text.splitlines()[0] == "REJECTED: 2 errors, 1 warning"
    assert text.count("  error: ") == 2 and text.count("  warning: ") == 1
    ok = ValidationReport()
    ok.warn("c", "a warning")
    assert service.report_text(ok).startswith("ACCEPTED with 1 warning")
    outcome = service.Outcome(status="rejected", problems=("x", "y"), warnings=("w",))
    assert outcome.headline() == "Not submitted: 2 errors to fix (and 1 warning). Nothing was stored."
    assert outcome.text().count("- error: ") == 2 and outcome.text().count("- warning: ") == 1


def test_gate_waits_for_an_accepted_check_the_terms_and_the_submitter(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN))
    path = str(write(tmp_path, "b.zip", make_bundle_bytes()))
    accepted = h.check_upload(path)
    bad = str(write(tmp_path, "bad.zip", b"not a zip"))
    rejected = h.check_upload(bad)
    assert rejected.startswith("REJECTED") and not service.check_passed(rejected)
    terms = (True, True, True)

    def gate(*args: Any) -> tuple[bool, str]:
        update, note = h.gate(*args)
        return update["interactive"], note

    assert gate(path, *terms, accepted, "Alice", "alice@example.org") == (True, "")
    enabled, note = gate(bad, *terms, rejected, "Alice", "alice@example.org")
    assert not enabled and "fix the errors" in note
    enabled, note = gate(path, *terms, service.CHECKING, "Alice", "alice@example.org")
    assert not enabled and "wait for the check" in note
    enabled, note = gate(path, *terms, accepted, "", "alice@example.org")
    assert not enabled and note == "To submit: give your name."
    enabled, note = gate(path, *terms, accepted, "Alice", "  ")
    assert not enabled and note == "To submit: give a contact."
    enabled, note = gate(None, True, False, True, "", "", "")
    assert not enabled and note.startswith("To submit: upload the bundle .zip, tick the three terms")


def test_required_fields_are_marked(tmp_store: SQLiteStore) -> None:
    config = build_demo(tmp_store, PortalConfig(admin_token=TOKEN)).get_config_file()
    labels = {c["props"].get("elem_id"): c["props"].get("label") for c in config["components"]}
    assert labels["submitter-name"].endswith("(required)")
    assert labels["submitter-contact"].endswith("(required)")


# --- (7) the success panel ---------------------------------------------------------------------------


def test_success_panel_has_the_id_next_steps_and_status_link(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN))
    path = str(write(tmp_path, "b.zip", make_bundle_bytes()))
    panel, details, sid, *_ = h.submit_clicked(path, True, True, True, "Alice", "alice@example.org")
    assert re.fullmatch(r"sub_[0-9a-f]{12}", sid)
    assert "Submitted for review" in panel and f"`{sid}`" in panel and "What happens next" in panel
    assert f"(?submission={sid})" in panel
    assert sid in details
    refused = outcome_panel(service.Outcome(status="rejected", problems=("x",)))
    assert refused.startswith("### Not submitted") and "1 error to fix" in refused and "- error: x" in refused


class FakeRequest:
    """What `from_link` reads of a gr.Request."""

    def __init__(self, **params: str) -> None:
        self.query_params = params


def test_status_link_opens_the_status_tab(tmp_store: SQLiteStore) -> None:
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN))
    sid = approved(tmp_store, 9)
    tabs, lookup, status, link = h.from_link(FakeRequest(submission=sid))  # type: ignore[arg-type]
    assert tabs["selected"] == "status" and lookup == sid and f"Submission {sid}: approved" in status
    assert link == ""  # approved, not yet published: no leaderboard result to link to
    tabs, *_ = h.from_link(FakeRequest())  # type: ignore[arg-type]
    assert "selected" not in tabs


# --- (5) content identities at start -----------------------------------------------------------------


def _clear_identities(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute("UPDATE submissions SET content_sha256 = NULL")


def _missing(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM submissions WHERE content_sha256 IS NULL").fetchone()[0])


def test_suite_start_backfills_content_identities(tmp_path: Path) -> None:
    import app as suite
    from shared.web.config import SiteConfig

    path = tmp_path / "store.sqlite3"
    store = SQLiteStore(path)
    approved(store, 10)
    _clear_identities(path)
    assert _missing(path) == 1
    suite.build_app(store, seed=False, site=SiteConfig(), portal=PortalConfig(admin_token=TOKEN))
    assert _missing(path) == 0


def test_portal_start_backfills_content_identities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gradio as gr

    from submission_portal import cli

    path = tmp_path / "store.sqlite3"
    approved(SQLiteStore(path), 11)
    _clear_identities(path)
    launched: list[bool] = []
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: launched.append(True))
    assert cli.serve_command(str(path), PortalConfig(admin_token=TOKEN)) == 0
    assert launched and _missing(path) == 0


# --- in the browser -----------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
def test_gate_counts_and_success_panel_in_browser(page: Any, tmp_store: SQLiteStore, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    def field(elem_id: str) -> Any:
        return page.locator(f"#{elem_id}").locator("input, textarea").first

    good = write(tmp_path, "bundle.zip", make_bundle_bytes(seed=77, model_id="acme/newcomer"))
    bad = write(tmp_path, "bad.zip", b"not a zip at all")
    url, demo = serve(build_demo(tmp_store, PortalConfig(admin_token=TOKEN)))
    try:
        page.goto(url)
        submit = page.locator("#submit-btn")
        expect(page.locator("#submitter-name")).to_contain_text("(required)")
        expect(page.locator("#submitter-contact")).to_contain_text("(required)")
        for key in ("public_data_sharing", "data_integrity", "model_representation"):
            page.locator(f"#term-{key} input[type=checkbox]").check()
        field("submitter-name").fill("Alice Example")
        field("submitter-contact").fill("alice@example.org")

        # A rejected bundle: the button stays disabled, and the note says why.
        page.locator("#bundle-file input[type=file]").set_input_files(str(bad))
        expect(field("check-report")).to_have_value(re.compile(r"^REJECTED: 1 error"), timeout=60_000)
        expect(submit).to_be_disabled()
        expect(page.locator("#gate-note")).to_contain_text("fix the errors")

        # An accepted one: enabled; emptying the contact disables it again.
        page.locator("#bundle-file button[aria-label='Clear']").first.click()
        page.locator("#bundle-file input[type=file]").set_input_files(str(good))
        expect(field("check-report")).to_have_value(re.compile(r"^ACCEPTED"), timeout=60_000)
        expect(submit).to_be_enabled(timeout=30_000)
        field("submitter-contact").fill("")
        expect(submit).to_be_disabled()
        expect(page.locator("#gate-note")).to_contain_text("give a contact")
        field("submitter-contact").fill("alice@example.org")
        expect(submit).to_be_enabled()

        # Success: a panel with the id, what happens next, and a link to the status page.
        submit.click()
        panel = page.locator("#outcome")
        expect(panel).to_contain_text("Submitted for review", timeout=60_000)
        expect(panel).to_contain_text("What happens next")
        sid = field("submission-id").input_value()
        expect(panel).to_contain_text(sid)
        link = panel.get_by_role("link", name="Follow its status page")
        assert link.get_attribute("href") == f"?submission={sid}"
        page.goto(f"{url}/?submission={sid}")
        expect(field("lookup-out")).to_have_value(re.compile(rf"Submission {sid}: pending review"), timeout=60_000)
        expect(page.get_by_role("tab", name="Status")).to_have_attribute("aria-selected", "true")
    finally:
        demo.close()
