"""The portal's journey in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shared.store.sqlite import SQLiteStore
from submission_portal.app import build_demo
from submission_portal.config import PortalConfig
from testkit.factory import make_bundle_bytes
from tests.conftest import serve
from tests.portal.form import field
from tests.portal.hostile import write

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TOKEN = "browser-test-reviewer-token"


def test_submit_then_review_in_browser(page: Any, tmp_store: SQLiteStore, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    bundle = write(tmp_path, "bundle.zip", make_bundle_bytes())
    url, demo = serve(build_demo(tmp_store, PortalConfig(admin_token=TOKEN)))
    try:
        page.goto(url)
        expect(page.locator("nav.aes-nav")).to_contain_text("Submit a run")
        submit = page.locator("#submit-btn")
        expect(submit).to_be_disabled()

        # Upload: the bundle is checked at once; submitting stays blocked until the terms are ticked.
        page.locator("#bundle-file input[type=file]").set_input_files(str(bundle))
        expect(field(page, "check-report")).to_have_value(re.compile(r"^ACCEPTED"), timeout=30_000)
        expect(submit).to_be_disabled()
        field(page, "submitter-name").fill("Alice Example")
        field(page, "submitter-contact").fill("alice@example.org")
        for key in ("public_data_sharing", "data_integrity"):
            page.locator(f"#term-{key} input[type=checkbox]").check()
        expect(submit).to_be_disabled()
        page.locator("#term-model_representation input[type=checkbox]").check()
        expect(submit).to_be_enabled()

        # Submit: an id and "pending review".
        submit.click()
        expect(page.locator("#outcome")).to_contain_text("pending review", timeout=30_000)
        sid = field(page, "submission-id").input_value()
        assert re.fullmatch(r"sub_[0-9a-f]{12}", sid)
        assert tmp_store.get_submission(sid) is not None
        # Stored: the upload is cleared, so the same click cannot submit it again.
        expect(field(page, "check-report")).to_have_value("")
        expect(submit).to_be_disabled()

        # The public queue lists it, without the contact.
        page.get_by_role("tab", name="Queue").click()
        page.locator("#queue-refresh").click()
        table = page.locator("#queue-table")
        expect(table).to_contain_text(sid)
        expect(table).to_contain_text("pending review")
        expect(table).not_to_contain_text("alice@example.org")

        # A reviewer with the token approves it.
        page.get_by_role("tab", name="Reviewer").click()
        field(page, "reviewer-token").fill("wrong-token")
        page.locator("#unlock-btn").click()
        expect(page.locator("#reviewer-msg")).to_contain_text("Not a reviewer")
        expect(page.locator("#approve-btn")).to_be_hidden()
        field(page, "reviewer-token").fill(TOKEN)
        page.locator("#unlock-btn").click()
        expect(page.locator("#reviewer-msg")).to_contain_text("Reviewing as admin")
        expect(field(page, "review-id")).to_have_value(sid)
        page.locator("#approve-btn").click()
        expect(page.locator("#review-msg")).to_contain_text(f"Approved {sid}")

        # Its status now reads "approved".
        page.get_by_role("tab", name="Status").click()
        field(page, "lookup-id").fill(sid)
        page.locator("#lookup-btn").click()
        expect(field(page, "lookup-out")).to_have_value(re.compile(rf"Submission {sid}: approved"))
        sub = tmp_store.get_submission(sid)
        assert sub is not None and sub.status == "approved" and sub.reviewed_by == "admin (token)"
    finally:
        demo.close()
