"""The submission form in a real browser, as the portal's and the suite's browser tests fill it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

TERMS = ("public_data_sharing", "data_integrity", "model_representation")


def field(page: Any, elem_id: str) -> Any:
    """The input or textarea inside a gradio component."""
    return page.locator(f"#{elem_id}").locator("input, textarea").first


def fill_accepted(page: Any, bundle: Path, name: str, contact: str) -> None:
    """Upload `bundle`, wait for the check to accept it, give name and contact and tick every term."""
    from playwright.sync_api import expect

    page.locator("#bundle-file input[type=file]").set_input_files(str(bundle))
    expect(field(page, "check-report")).to_have_value(re.compile(r"^ACCEPTED"), timeout=60_000)
    field(page, "submitter-name").fill(name)
    field(page, "submitter-contact").fill(contact)
    for key in TERMS:
        page.locator(f"#term-{key} input[type=checkbox]").check()
