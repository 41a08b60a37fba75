"""The submission portal's Gradio app: upload, attest, submit, follow the status, review.

`build_demo(store)` returns the Blocks; the suite mounts it under /submit, `python -m
submission_portal` serves it alone. The callbacks live in `PortalHandlers` and only translate between
widgets and `submission_portal.service`, which holds the logic.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd
from gradio.utils import get_upload_folder

from shared.store.factory import open_store
from shared.store.models import Attestation, Store, Submitter
from shared.web.links import CSS, nav_html
from submission_portal import service
from submission_portal.auth import Reviewer, authorize
from submission_portal.config import PortalConfig

log = logging.getLogger(__name__)

TITLE = "Submit a run · AI Energy Score"
QUEUE_FILTERS = {"All": None, "Pending review": "pending", "Approved": "approved", "Rejected": "rejected"}
# Uploads are removed from gradio's cache after use; anything left behind goes after an hour.
DELETE_CACHE = (900, 3600)

INTRO = """# Submit a run
Upload the bundle `.zip` that `python -m runner bundle` wrote (or a reference-runner run directory,
zipped). The portal re-checks every energy figure from the raw counter readings before anything is
stored; a reviewer then approves it for the next leaderboard version.
Check a bundle before uploading with `python -m submission_portal validate bundle.zip`."""


def _mapping(profile: Any) -> Mapping[str, Any] | None:
    return profile if isinstance(profile, Mapping) else None


def _token_str(oauth_token: Any) -> str | None:
    return getattr(oauth_token, "token", None) or None


def _frame(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _in_upload_cache(path: str) -> bool:
    """True when `path` is a file gradio saved from an upload (so the portal may delete it)."""
    try:
        cache = Path(get_upload_folder()).resolve()
        return Path(path).resolve().is_relative_to(cache)
    except (OSError, ValueError):
        return False


def discard_upload(path: str | None) -> None:
    """Delete an uploaded file from gradio's cache once it has been read (never any other file)."""
    if path and _in_upload_cache(path):
        try:
            os.remove(path)
        except OSError:
            pass


class PortalBlocks(gr.Blocks):
    """Blocks that keep the portal's two safety settings whoever launches or mounts them.

    - No run history: gradio's history would save reviewer tokens and submitters' contacts in the
      browser's storage.
    - An upload size limit: gradio refuses a larger file before writing it to disk, even when the
      suite mounts the app without a `max_file_size` of its own.
    """

    upload_limit: int | None = None
    _caller_max_file_size: int | None = None

    @property
    def max_file_size(self) -> int | None:
        """The smaller of the portal's upload limit and any limit the launcher set."""
        limits = [v for v in (self.upload_limit, self._caller_max_file_size) if v is not None]
        return min(limits) if limits else None

    @max_file_size.setter
    def max_file_size(self, value: int | None) -> None:
        self._caller_max_file_size = value

    @property
    def run_history(self) -> bool:  # type: ignore[override]
        """Always False."""
        return False

    @run_history.setter
    def run_history(self, value: bool) -> None:
        pass


class PortalHandlers:
    """The callbacks of the app, bound to one store and one configuration."""

    def __init__(self, store: Store, config: PortalConfig) -> None:
        self.store = store
        self.config = config
        self.approve = self._review_handler(True)
        self.reject = self._review_handler(False)

    # --- submitting -------------------------------------------------------------------------

    def check_upload(self, path: str | None) -> str:
        """The validation report of a freshly uploaded file."""
        if not path:
            return ""
        return service.check_upload(path, self.config.limits)

    def gate(self, path: str | None, term1: bool, term2: bool, term3: bool) -> dict[str, Any]:
        """Enable the submit button only when a file is uploaded and all three terms are ticked."""
        return gr.update(interactive=bool(path) and bool(term1 and term2 and term3))

    def submitter(self, name: str | None, contact: str | None, profile: Mapping[str, Any] | None) -> Submitter:
        """Who submits: the logged-in Hugging Face user, else the form's name and contact."""
        username = str(profile.get("preferred_username", "")) if profile else ""
        display = str(profile.get("name", "")) if profile else ""
        if username:
            return service.make_submitter(name or display or username, contact, username)
        return service.make_submitter(name, contact)

    def submit(
        self,
        path: str | None,
        term1: bool,
        term2: bool,
        term3: bool,
        name: str | None,
        contact: str | None,
        profile: gr.OAuthProfile | None = None,
    ) -> tuple[str, str, str]:
        """Validate and store the upload: (headline, details, submission id)."""
        attestation = Attestation(bool(term1), bool(term2), bool(term3))
        outcome = service.submit_upload(
            self.store, path, attestation, self.submitter(name, contact, _mapping(profile)), self.config.limits
        )
        return outcome.headline(), outcome.text(), outcome.submission_id

    def submit_clicked(
        self,
        path: str | None,
        term1: bool,
        term2: bool,
        term3: bool,
        name: str | None,
        contact: str | None,
        profile: gr.OAuthProfile | None = None,
    ) -> tuple[str, str, str, Any, Any]:
        """The submit button: `submit`, then clear the file and its check (deleting the upload) once
        stored. Returns (headline, details, submission id, file update, check update)."""
        try:
            headline, details, sid = self.submit(path, term1, term2, term3, name, contact, profile)
        except Exception:  # never show a traceback to a submitter
            log.exception("submit failed")
            msg = "Not submitted: a server error occurred. Nothing was stored; try again."
            return msg, "", "", gr.update(), gr.update()
        if sid:
            discard_upload(path)
            return headline, details, sid, gr.update(value=None), gr.update(value="")
        return headline, details, sid, gr.update(), gr.update()

    def signed_in(self, profile: gr.OAuthProfile | None = None) -> str:
        """A line saying who is logged in with Hugging Face."""
        p = _mapping(profile)
        if not p:
            return "Not signed in: sign in with Hugging Face to submit under your Hub account."
        return f"Signed in as **{p.get('preferred_username', '')}**."

    # --- public views -----------------------------------------------------------------------

    def status(self, submission_id: str | None) -> str:
        """The status of one submission."""
        return service.status_text(self.store, submission_id)

    def queue(self, label: str | None) -> pd.DataFrame:
        """The public queue, filtered by a status label."""
        return _frame(service.queue_rows(self.store, QUEUE_FILTERS.get(label or "All")), service.QUEUE_COLUMNS)

    # --- reviewing --------------------------------------------------------------------------

    def reviewer(self, token: str | None, profile: Any = None, oauth_token: Any = None) -> Reviewer | None:
        """The reviewer behind these credentials, or None."""
        return authorize(self.config, token, _mapping(profile), _token_str(oauth_token))

    def _pending(self, reviewer: Reviewer | None) -> tuple[pd.DataFrame, dict[str, Any]]:
        rows = service.review_rows(self.store, reviewer)
        ids = [r[0] for r in rows]
        return _frame(rows, service.REVIEW_COLUMNS), gr.update(choices=ids, value=ids[0] if ids else None)

    def unlock(
        self, token: str | None, profile: gr.OAuthProfile | None = None, oauth_token: gr.OAuthToken | None = None
    ) -> tuple[Any, str, pd.DataFrame, Any, str, str, str]:
        """Open the reviewer panel for a valid credential."""
        who = self.reviewer(token, profile, oauth_token)
        if who is None:
            if not self.config.reviewing_possible:
                msg = "Reviewing is not configured on this server (set AIENERGY_ADMIN_TOKEN)."
            else:
                msg = "Not a reviewer: the token is wrong, or your Hugging Face account is not in the reviewers' organisation."
            empty = _frame([], service.REVIEW_COLUMNS)
            return gr.update(visible=False), msg, empty, gr.update(choices=[], value=None), "", "", ""
        frame, choices = self._pending(who)
        vid, vname = service.next_version()
        return (
            gr.update(visible=True),
            f"Reviewing as {who.name}.",
            frame,
            choices,
            vid,
            vname,
            service.versions_text(self.store),
        )

    def detail(
        self,
        token: str | None,
        submission_id: str | None,
        profile: gr.OAuthProfile | None = None,
        oauth_token: gr.OAuthToken | None = None,
    ) -> str:
        """Details of the chosen submission."""
        return service.review_detail(self.store, self.reviewer(token, profile, oauth_token), submission_id)

    def _review_handler(self, approve: bool) -> Callable[..., tuple[str, pd.DataFrame, Any]]:
        """The approve or reject handler. A closure, not a partial: gradio finds the login
        parameters it must fill by the handler's own signature."""

        def review(
            token: str | None,
            submission_id: str | None,
            reason: str | None,
            profile: gr.OAuthProfile | None = None,
            oauth_token: gr.OAuthToken | None = None,
        ) -> tuple[str, pd.DataFrame, Any]:
            who = self.reviewer(token, profile, oauth_token)
            result = service.review(self.store, who, submission_id, approve, reason)
            frame, choices = self._pending(who)
            return result.message, frame, choices

        review.__doc__ = "Approve the chosen submission." if approve else "Reject the chosen submission with a reason."
        return review

    def publish(
        self,
        token: str | None,
        version_id: str | None,
        name: str | None,
        notes: str | None,
        profile: gr.OAuthProfile | None = None,
        oauth_token: gr.OAuthToken | None = None,
    ) -> tuple[str, str]:
        """Publish the next leaderboard version: (message, versions list)."""
        result = service.publish(self.store, self.reviewer(token, profile, oauth_token), version_id, name, notes)
        return result.message, service.versions_text(self.store)


def _terms_markdown() -> str:
    return "## Attestation\nRead the three terms below; each must be ticked before you can submit."


def build_demo(store: Store | None = None, config: PortalConfig | None = None) -> gr.Blocks:
    """The portal's Blocks on `store` (the configured store by default) and `config` (from the env)."""
    store = store or open_store()
    config = config or PortalConfig.from_env()
    h = PortalHandlers(store, config)
    validating = {"concurrency_limit": config.concurrency, "concurrency_id": "validate"}
    limit_mb = config.max_upload_bytes / 1e6

    with PortalBlocks(title=TITLE, delete_cache=DELETE_CACHE) as demo:
        demo.upload_limit = config.max_upload_bytes
        gr.HTML(nav_html("submit"), css_template=CSS)
        gr.Markdown(INTRO)
        signed_in = None
        if config.oauth:
            with gr.Row():
                gr.LoginButton(size="sm", scale=0)
                signed_in = gr.Markdown()
        with gr.Tabs():
            with gr.Tab("Submit", id="submit"):
                bundle = gr.File(
                    label=f"Bundle .zip (at most {limit_mb:.0f} MB)",
                    file_types=[".zip"],
                    type="filepath",
                    elem_id="bundle-file",
                )
                check_box = gr.Textbox(
                    label="Check of the bundle", lines=4, max_lines=30, interactive=False, elem_id="check-report"
                )
                gr.Markdown(_terms_markdown())
                terms = [
                    gr.Checkbox(label=f"{title}: {text}", value=False, elem_id=f"term-{key}")
                    for key, title, text in service.TERMS
                ]
                gr.Markdown(
                    "## Who submits"
                    + (
                        "\nSigned in with Hugging Face, your Hub account is recorded; name and contact are optional."
                        if config.oauth
                        else "\nYour contact is seen only by reviewers; it is never published."
                    )
                )
                with gr.Row():
                    name = gr.Textbox(label="Name or organisation", max_length=200, elem_id="submitter-name")
                    contact = gr.Textbox(
                        label="Contact (e-mail or HF user)", max_length=200, elem_id="submitter-contact"
                    )
                submit_btn = gr.Button("Submit for review", variant="primary", interactive=False, elem_id="submit-btn")
                outcome = gr.Markdown(elem_id="outcome")
                with gr.Row():
                    sub_id = gr.Textbox(label="Submission id", interactive=False, elem_id="submission-id", scale=1)
                    details = gr.Textbox(
                        label="Details", lines=4, max_lines=40, interactive=False, elem_id="outcome-details", scale=3
                    )
            with gr.Tab("Status", id="status"):
                lookup = gr.Textbox(label="Submission id", placeholder="sub_0123456789ab", elem_id="lookup-id")
                lookup_btn = gr.Button("Look up", elem_id="lookup-btn")
                lookup_out = gr.Textbox(label="Status", lines=6, interactive=False, elem_id="lookup-out")
            with gr.Tab("Queue", id="queue"):
                gr.Markdown("Every submission and its review status. Submitter details are never shown here.")
                with gr.Row():
                    queue_filter = gr.Radio(list(QUEUE_FILTERS), value="All", label="Show", scale=3)
                    refresh_btn = gr.Button("Refresh", elem_id="queue-refresh", scale=1)
                queue_df = gr.Dataframe(
                    value=_frame([], service.QUEUE_COLUMNS),
                    headers=service.QUEUE_COLUMNS,
                    interactive=False,
                    wrap=True,
                    elem_id="queue-table",
                    # The status and reason are what people come for: keep them in view.
                    column_widths=["13%", "14%", "25%", "13%", "8%", "12%", "15%"],
                )
            with gr.Tab("Reviewer", id="reviewer"):
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
                    pending_df = gr.Dataframe(
                        value=_frame([], service.REVIEW_COLUMNS),
                        headers=service.REVIEW_COLUMNS,
                        interactive=False,
                        wrap=True,
                        label="Pending submissions",
                    )
                    review_id = gr.Dropdown(
                        label="Submission to review", choices=[], allow_custom_value=True, elem_id="review-id"
                    )
                    review_detail = gr.Textbox(label="Details", lines=8, max_lines=40, interactive=False)
                    reason = gr.Textbox(
                        label="Reason (required to reject; the submitter reads it)", elem_id="review-reason"
                    )
                    with gr.Row():
                        approve_btn = gr.Button("Approve", variant="primary", elem_id="approve-btn")
                        reject_btn = gr.Button("Reject", variant="stop", elem_id="reject-btn")
                    review_msg = gr.Markdown(elem_id="review-msg")
                    gr.Markdown(
                        "### Publish the next leaderboard version\nFreezes every approved result with recalibrated stars."
                    )
                    with gr.Row():
                        version_id = gr.Textbox(label="Version id", elem_id="version-id")
                        version_name = gr.Textbox(label="Version name", elem_id="version-name")
                    version_notes = gr.Textbox(label="Notes")
                    publish_btn = gr.Button("Publish version", elem_id="publish-btn")
                    publish_msg = gr.Markdown(elem_id="publish-msg")
                    versions_box = gr.Textbox(label="Published versions", lines=4, interactive=False)

        # Submitting.
        gate_inputs = [bundle, *terms]
        bundle.upload(lambda: "Checking the bundle...", None, check_box, queue=False).then(
            h.check_upload, bundle, check_box, **validating
        )
        bundle.clear(lambda: "", None, check_box, queue=False)
        for comp in gate_inputs:
            comp.change(h.gate, gate_inputs, submit_btn, queue=False, show_progress="hidden")
        submit_btn.click(
            lambda: ("Validating the bundle and storing it...", "", ""), None, [outcome, details, sub_id], queue=False
        ).then(
            h.submit_clicked,
            [bundle, *terms, name, contact],
            [outcome, details, sub_id, bundle, check_box],
            **validating,
        ).then(h.queue, queue_filter, queue_df)

        # Public views.
        lookup_btn.click(h.status, lookup, lookup_out)
        lookup.submit(h.status, lookup, lookup_out)
        refresh_btn.click(h.queue, queue_filter, queue_df)
        queue_filter.change(h.queue, queue_filter, queue_df)
        demo.load(h.queue, queue_filter, queue_df)
        if signed_in is not None:
            demo.load(h.signed_in, None, signed_in)

        # Reviewing.
        unlock_outputs = [panel, reviewer_msg, pending_df, review_id, version_id, version_name, versions_box]
        unlock_btn.click(h.unlock, token, unlock_outputs, api_visibility="undocumented")
        token.submit(h.unlock, token, unlock_outputs, api_visibility="undocumented")
        review_id.change(h.detail, [token, review_id], review_detail, api_visibility="undocumented")
        for btn, fn in ((approve_btn, h.approve), (reject_btn, h.reject)):
            btn.click(
                fn, [token, review_id, reason], [review_msg, pending_df, review_id], api_visibility="undocumented"
            ).then(h.queue, queue_filter, queue_df)
        publish_btn.click(
            h.publish,
            [token, version_id, version_name, version_notes],
            [publish_msg, versions_box],
            api_visibility="undocumented",
        )
    demo.portal_handlers = h  # type: ignore[attr-defined]  # for tests and embedding
    return demo


def launch_kwargs(config: PortalConfig) -> dict[str, Any]:
    """Arguments of `Blocks.launch` for serving the portal alone (CSS, upload limit, port)."""
    return {
        "css": CSS,
        "max_file_size": config.max_upload_bytes,
        "server_name": os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        "server_port": int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    }
