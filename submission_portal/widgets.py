"""The portal's components, laid out tab by tab (no event is connected here: see submission_portal.app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from shared.web.links import CSS, GREEN, Links
from submission_portal import service
from submission_portal.config import PortalConfig

QUEUE_FILTERS = {"All": None, "Pending review": "pending", "Approved": "approved", "Rejected": "rejected"}

INTRO = """# Submit a run
Upload the bundle `.zip` that `python -m runner bundle` wrote (or a reference-runner run directory,
zipped). The portal re-checks every energy figure from the raw counter readings before anything is
stored; a reviewer then approves it for the next leaderboard version.
Check a bundle before uploading with `python -m submission_portal validate bundle.zip`."""

TERMS_INTRO = "## Attestation\nRead the three terms below; each must be ticked before you can submit."

# The portal's own style rules (PortalBlocks adds them to whatever CSS the app is launched or mounted with).
PORTAL_CSS = f"""
#outcome {{ scroll-margin-top: 72px; }}
.aes-ok {{ display:inline-block; width:0.36em; height:0.72em; margin:0 0.55em 0.12em 0.2em; \
border:solid {GREEN}; border-width:0 0.14em 0.14em 0; transform:rotate(45deg); }}
"""
# The queue's columns (service.QUEUE_COLUMNS), in shares of the table's width: they add up to 100%, so the
# table fits its box and no column (the GPU's, last) is pushed out of view; long cells wrap.
QUEUE_WIDTHS = ["13%", "10%", "20%", "11%", "8%", "9%", "16%", "13%"]


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """A table with these columns and no row."""
    return pd.DataFrame([], columns=columns)


@dataclass(frozen=True, eq=False)
class SubmitTab:
    """Upload, check, attestation, submitter and outcome."""

    bundle: gr.File
    check_box: gr.Textbox
    terms: tuple[gr.Checkbox, ...]
    name: gr.Textbox
    contact: gr.Textbox
    submit_btn: gr.Button
    gate_note: gr.Markdown
    outcome: gr.Markdown
    sub_id: gr.Textbox
    details: gr.Textbox


@dataclass(frozen=True, eq=False)
class StatusTab:
    """Look up one submission."""

    lookup: gr.Textbox
    lookup_btn: gr.Button
    lookup_out: gr.Textbox
    lookup_link: gr.Markdown


@dataclass(frozen=True, eq=False)
class QueueTab:
    """The public queue."""

    queue_filter: gr.Radio
    refresh_btn: gr.Button
    queue_df: gr.Dataframe


@dataclass(frozen=True, eq=False)
class ReviewerTab:
    """The reviewer's login and the panel it opens."""

    token: gr.Textbox
    unlock_btn: gr.Button
    reviewer_msg: gr.Markdown
    panel: gr.Column
    pending_df: gr.Dataframe
    review_id: gr.Dropdown
    review_detail: gr.Textbox
    reason: gr.Textbox
    approve_btn: gr.Button
    reject_btn: gr.Button
    review_msg: gr.Markdown
    version_id: gr.Textbox
    version_name: gr.Textbox
    version_notes: gr.Textbox
    publish_btn: gr.Button
    publish_msg: gr.Markdown
    versions_box: gr.Textbox


@dataclass(frozen=True, eq=False)
class PortalWidgets:
    """The components of the portal that events read or update.

    Attributes:
        signed_in: Who is logged in with Hugging Face (None without the login button).
        tabs: The tabs (a `?submission=` link opens the Status tab).
    """

    signed_in: gr.Markdown | None
    tabs: gr.Tabs
    submit: SubmitTab
    status: StatusTab
    queue: QueueTab
    reviewer: ReviewerTab


def _submit_tab(config: PortalConfig) -> SubmitTab:
    limit_mb = config.max_upload_bytes / 1e6
    bundle = gr.File(
        label=f"Bundle .zip (at most {limit_mb:.0f} MB)",
        file_types=[".zip"],
        type="filepath",
        elem_id="bundle-file",
    )
    check_box = gr.Textbox(
        label="Check of the bundle", lines=4, max_lines=30, interactive=False, elem_id="check-report"
    )
    gr.Markdown(TERMS_INTRO)
    terms = tuple(
        gr.Checkbox(label=f"{title}: {text}", value=False, elem_id=f"term-{key}") for key, title, text in service.TERMS
    )
    gr.Markdown(
        "## Who submits"
        + (
            "\nSigned in with Hugging Face, your Hub account is recorded; name and contact are optional."
            if config.oauth
            else "\nYour contact is seen only by reviewers; it is never published."
        )
    )
    # Both are required without a Hugging Face login (service.submitter_problems): say so on the field.
    required = " (required unless signed in)" if config.oauth else " (required)"
    with gr.Row():
        name = gr.Textbox(label=f"Name or organisation{required}", max_length=200, elem_id="submitter-name")
        contact = gr.Textbox(label=f"Contact, e-mail or HF user{required}", max_length=200, elem_id="submitter-contact")
    submit_btn = gr.Button("Submit for review", variant="primary", interactive=False, elem_id="submit-btn")
    # What the button waits for, before anything is done (the gate handler keeps it up to date).
    start = service.missing_to_submit(False, "", (False, False, False), "", "", signed_in=False)
    gate_note = gr.Markdown(service.gate_note(start), elem_id="gate-note")
    outcome = gr.Markdown(elem_id="outcome")
    with gr.Row():
        sub_id = gr.Textbox(label="Submission id", interactive=False, elem_id="submission-id", scale=1)
        details = gr.Textbox(
            label="Details", lines=4, max_lines=40, interactive=False, elem_id="outcome-details", scale=3
        )
    return SubmitTab(bundle, check_box, terms, name, contact, submit_btn, gate_note, outcome, sub_id, details)


def _table(columns: list[str], **kw: Any) -> gr.Dataframe:
    """A read-only table with these columns, empty until filled, its cells wrapped."""
    return gr.Dataframe(value=empty_frame(columns), headers=columns, interactive=False, wrap=True, **kw)


def _status_tab() -> StatusTab:
    lookup = gr.Textbox(label="Submission id", placeholder="sub_0123456789ab", elem_id="lookup-id")
    lookup_btn = gr.Button("Look up", elem_id="lookup-btn")
    lookup_out = gr.Textbox(label="Status", lines=6, interactive=False, elem_id="lookup-out")
    lookup_link = gr.Markdown(elem_id="lookup-link")  # once published: its result on the leaderboard
    return StatusTab(lookup, lookup_btn, lookup_out, lookup_link)


def _queue_tab() -> QueueTab:
    gr.Markdown("Every submission and its review status. Submitter details are never shown here.")
    with gr.Row():
        queue_filter = gr.Radio(list(QUEUE_FILTERS), value="All", label="Show", scale=3)
        refresh_btn = gr.Button("Refresh", elem_id="queue-refresh", scale=1)
    queue_df = _table(
        service.QUEUE_COLUMNS,
        elem_id="queue-table",
        # The status and reason are what people come for: keep them in view.
        column_widths=QUEUE_WIDTHS,
    )
    return QueueTab(queue_filter, refresh_btn, queue_df)


def _reviewer_tab(config: PortalConfig) -> ReviewerTab:
    gr.Markdown(
        "For reviewers only: enter the reviewer token"
        + (
            f", or sign in with Hugging Face as a member of **{config.reviewer_org}**"
            if config.oauth and config.reviewer_org
            else ""
        )
        + "."
    )
    with gr.Row():
        token = gr.Textbox(label="Reviewer token", type="password", elem_id="reviewer-token", scale=3)
        unlock_btn = gr.Button("Open reviewer panel", elem_id="unlock-btn", scale=1)
    reviewer_msg = gr.Markdown(elem_id="reviewer-msg")
    with gr.Column(visible=False) as panel:
        pending_df = _table(service.REVIEW_COLUMNS, label="Pending submissions")
        review_id = gr.Dropdown(label="Submission to review", choices=[], allow_custom_value=True, elem_id="review-id")
        review_detail = gr.Textbox(label="Details", lines=8, max_lines=40, interactive=False)
        reason = gr.Textbox(label="Reason (required to reject; the submitter reads it)", elem_id="review-reason")
        with gr.Row():
            approve_btn = gr.Button("Approve", variant="primary", elem_id="approve-btn")
            reject_btn = gr.Button("Reject", variant="stop", elem_id="reject-btn")
        review_msg = gr.Markdown(elem_id="review-msg")
        gr.Markdown("### Publish the next leaderboard version\nFreezes every approved result with recalibrated stars.")
        with gr.Row():
            version_id = gr.Textbox(label="Version id", elem_id="version-id")
            version_name = gr.Textbox(label="Version name", elem_id="version-name")
        version_notes = gr.Textbox(label="Notes")
        publish_btn = gr.Button("Publish version", elem_id="publish-btn")
        publish_msg = gr.Markdown(elem_id="publish-msg")
        versions_box = gr.Textbox(label="Published versions", lines=4, interactive=False)
    return ReviewerTab(
        token,
        unlock_btn,
        reviewer_msg,
        panel,
        pending_df,
        review_id,
        review_detail,
        reason,
        approve_btn,
        reject_btn,
        review_msg,
        version_id,
        version_name,
        version_notes,
        publish_btn,
        publish_msg,
        versions_box,
    )


def build_widgets(config: PortalConfig, links: Links) -> PortalWidgets:
    """Lay the portal out inside the current gr.Blocks; `links` fill the navigation bar."""
    gr.HTML(links.nav_html("submit"), css_template=CSS)
    gr.Markdown(INTRO)
    signed_in = None
    if config.oauth:
        with gr.Row():
            gr.LoginButton(size="sm", scale=0)
            signed_in = gr.Markdown()
    with gr.Tabs() as tabs:
        with gr.Tab("Submit", id="submit"):
            submit = _submit_tab(config)
        with gr.Tab("Status", id="status"):
            status = _status_tab()
        with gr.Tab("Queue", id="queue"):
            queue = _queue_tab()
        with gr.Tab("Reviewer", id="reviewer"):
            reviewer = _reviewer_tab(config)
    return PortalWidgets(signed_in, tabs, submit, status, queue, reviewer)
