"""The submission portal's Gradio app: upload, attest, submit, follow the status, review.

`build_demo(store)` returns the Blocks; the suite mounts it under /submit, `python -m
submission_portal` serves it alone. The callbacks live in `PortalHandlers` and only translate between
widgets and `submission_portal.service`, which holds the logic; the layout is
`submission_portal.widgets`, and `wire` connects the two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import gradio as gr
import pandas as pd

from shared.store.factory import open_store
from shared.store.models import Attestation, Store, Submitter
from shared.web.blocks import NoHistoryBlocks
from shared.web.config import SiteConfig
from shared.web.links import CSS, Links
from submission_portal import service, uploads
from submission_portal.auth import Reviewer, authorize
from submission_portal.config import PortalConfig
from submission_portal.widgets import PORTAL_CSS, QUEUE_FILTERS, PortalWidgets, build_widgets

log = logging.getLogger(__name__)

TITLE = "Submit a run · AI Energy Score"
# Uploads are removed from gradio's cache after use; anything left behind goes after an hour.
DELETE_CACHE = (900, 3600)


def _mapping(profile: Any) -> Mapping[str, Any] | None:
    return profile if isinstance(profile, Mapping) else None


def _token_str(oauth_token: Any) -> str | None:
    return getattr(oauth_token, "token", None) or None


def _frame(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def discard_upload(path: str | None) -> None:
    """Delete an uploaded file from gradio's cache once it has been read (never any other file)."""
    uploads.discard(path)  # the file and its folder; nothing outside the upload folder


class PortalBlocks(NoHistoryBlocks):
    """Blocks that keep the portal's settings whoever launches or mounts them.

    - No run history: gradio's history would save reviewer tokens and submitters' contacts in the
      browser's storage.
    - An upload size limit: gradio refuses a larger file before writing it to disk, even when the
      suite mounts the app without a `max_file_size` of its own.
    - The portal's own style rules (`PORTAL_CSS`), after whatever CSS the launcher gives.
    """

    upload_limit: int | None = None
    _caller_max_file_size: int | None = None
    _caller_css: str | None = None

    @property  # type: ignore[override]  # gradio's attribute is inferred as None (set to None in __init__)
    def css(self) -> str:
        """The launcher's CSS followed by the portal's."""
        return (self._caller_css or "") + PORTAL_CSS

    @css.setter
    def css(self, value: str | None) -> None:
        # gradio appends css_paths' files to what it reads here: keep the portal's rules out of what is kept.
        self._caller_css = (value or "").replace(PORTAL_CSS, "") or None

    @property
    def max_file_size(self) -> int | None:
        """The smaller of the portal's upload limit and any limit the launcher set."""
        limits = [v for v in (self.upload_limit, self._caller_max_file_size) if v is not None]
        return min(limits) if limits else None

    @max_file_size.setter
    def max_file_size(self, value: int | None) -> None:
        self._caller_max_file_size = value


def status_link(submission_id: str) -> str:
    """The link to a submission's status: this page with `?submission=<id>`, which opens the Status tab
    on it. Relative, so it works wherever the portal is served (alone, or under /submit in the suite)."""
    return "?" + urlencode({"submission": submission_id})


KEEP_THE_ID = (
    "Keep the submission id (or the link below) to follow it; your contact is only used if the reviewer has a question."
)
# A check mark drawn by CSS (PORTAL_CSS): an emoji needs an emoji font, which a browser may lack.
OK_MARK = '<span class="aes-ok" aria-hidden="true"></span>'


def leaderboard_link(links: Links, where: service.Standing) -> str:
    """The address of a published submission's result on the leaderboard; '' when it is not published,
    or when `links` know no leaderboard to point at (the portal served alone, with no address configured:
    the suite's short /r/ links exist only in app.py)."""
    if not where.published or not where.result_id:
        return ""
    if not (links.own_address("leaderboard") or links.suite_url()):
        return ""
    return links.result_url(where.result_id)


def outcome_panel(outcome: service.Outcome, links: Links | None = None) -> str:
    """The Markdown panel under the submit button: a success panel (what happened, the submission id,
    what happens next as the submission stands now, a link to its status page and, once published, to its
    result on the leaderboard), or the refusal with every error and warning."""
    if not outcome.accepted:
        findings = [f"- error: {p}" for p in outcome.problems] + [f"- warning: {w}" for w in outcome.warnings]
        return "\n".join(["### Not submitted", outcome.headline(), "", *findings])
    sid = outcome.submission_id
    where = outcome.standing or service.Standing(outcome.submission_status)
    rejected = where.status == service.STATUS_REJECTED
    if outcome.status == "stored":
        title = f"{OK_MARK}Submitted for review"
    else:
        title = "Already submitted, and rejected" if rejected else f"{OK_MARK}Already submitted"
    lines = [f"### {title}", outcome.headline(), f"**Submission id:** `{sid}`"]
    if outcome.result:
        lines.append(outcome.result)
    if outcome.warnings:
        count = service.plural(len(outcome.warnings), "warning")
        pending = where.status == service.STATUS_PENDING
        lines.append(
            f"The reviewer will see {count} (under Details)."
            if pending
            else f"The check found {count} (under Details)."
        )
    heading, text = service.next_steps(where)
    lines.append(f"**{heading}:** {text}" + (f" {KEEP_THE_ID}" if where.status == service.STATUS_PENDING else ""))
    result = leaderboard_link(links or Links(), where)
    if result:
        lines.append(f"[See its result on the leaderboard]({result})")
    lines.append(f"[Follow its status page]({status_link(sid)}) · or look the id up in the Status tab.")
    return "\n\n".join(lines)


class PortalHandlers:
    """The callbacks of the app, bound to one store and one configuration."""

    def __init__(self, store: Store, config: PortalConfig, links: Links | None = None) -> None:
        self.store = store
        self.config = config
        self.links = links or Links()
        self.approve = self._review_handler(True)
        self.reject = self._review_handler(False)

    # --- submitting -------------------------------------------------------------------------

    def check_upload(self, path: str | None) -> str:
        """The validation report of a freshly uploaded file (errors and warnings counted apart)."""
        if not path:
            return ""
        return service.check_upload(path, self.config.limits)

    def gate(
        self,
        path: str | None,
        term1: bool,
        term2: bool,
        term3: bool,
        report: str | None = "",
        name: str | None = "",
        contact: str | None = "",
        submitted: str | None = "",
        profile: gr.OAuthProfile | None = None,
    ) -> tuple[dict[str, Any], str]:
        """Enable the submit button only when the uploaded file passed its check, all three terms are
        ticked and the submitter is known (logged in, or name and contact given); the note says what is
        missing, or, right after a submission (`submitted`, the id shown), that it went through.
        Returns (button update, note)."""
        p = _mapping(profile)
        signed_in = bool(self.config.oauth and p and p.get("preferred_username"))
        missing = service.missing_to_submit(
            bool(path), report, (bool(term1), bool(term2), bool(term3)), name or "", contact or "", signed_in
        )
        return gr.update(interactive=not missing), service.gate_note(missing, submitted)

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
        """Validate and store the upload: (outcome panel Markdown, details, submission id)."""
        attestation = Attestation(bool(term1), bool(term2), bool(term3))
        outcome = service.submit_upload(
            self.store,
            path,
            attestation,
            self.submitter(name, contact, _mapping(profile)),
            self.config.limits,
            quota=self.config.quota,
        )
        return outcome_panel(outcome, self.links), outcome.text(), outcome.submission_id

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
        stored, so the same click cannot store it again; the outcome panel says what was stored.
        Returns (outcome panel, details, submission id, file update, check update)."""
        try:
            panel, details, sid = self.submit(path, term1, term2, term3, name, contact, profile)
        except Exception:  # never show a traceback to a submitter
            log.exception("submit failed")
            msg = "**Not submitted:** a server error occurred. Nothing was stored; try again."
            return msg, "", "", gr.update(), gr.update()
        if sid:
            discard_upload(path)
            return panel, details, sid, gr.update(value=None), gr.update(value="")
        return panel, details, sid, gr.update(), gr.update()

    def signed_in(self, profile: gr.OAuthProfile | None = None) -> str:
        """A line saying who is logged in with Hugging Face."""
        p = _mapping(profile)
        if not p:
            return "Not signed in: sign in with Hugging Face to submit under your Hub account."
        return f"Signed in as **{p.get('preferred_username', '')}**."

    # --- public views -----------------------------------------------------------------------

    def status(self, submission_id: str | None) -> tuple[str, str]:
        """The status of one submission, and under it, once published, the link to its result on the
        leaderboard (Markdown, '' otherwise). Returns (status, link)."""
        text, where = service.status_view(self.store, submission_id)
        url = leaderboard_link(self.links, where) if where is not None else ""
        return text, f"[See its result on the leaderboard]({url})" if url else ""

    def from_link(self, request: gr.Request) -> tuple[Any, Any, Any, Any]:
        """A page opened with `?submission=<id>` (the success panel's link): the Status tab showing that
        submission. Returns (tabs update, lookup field, status, leaderboard link)."""
        sid = (request.query_params.get("submission") or "").strip() if request else ""
        if not sid:
            return gr.update(), gr.update(), gr.update(), gr.update()
        return gr.update(selected="status"), sid, *self.status(sid)

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
                msg = (
                    "Not a reviewer: the token is wrong, or your Hugging Face account is not in the reviewers'"
                    " organisation."
                )
            empty = _frame([], service.REVIEW_COLUMNS)
            return gr.update(visible=False), msg, empty, gr.update(choices=[], value=None), "", "", ""
        frame, choices = self._pending(who)
        vid, vname = service.next_version(self.store)
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

    def publish_clicked(
        self,
        token: str | None,
        version_id: str | None,
        name: str | None,
        notes: str | None,
        profile: gr.OAuthProfile | None = None,
        oauth_token: gr.OAuthToken | None = None,
    ) -> tuple[str, str, Any, Any]:
        """The publish button: `publish`, then, once published, propose the next free id and name so a
        second publication does not start from a taken id. Returns (message, versions, id, name)."""
        message, versions = self.publish(token, version_id, name, notes, profile, oauth_token)
        if not message.startswith("Published"):
            return message, versions, gr.update(), gr.update()
        vid, vname = service.next_version(self.store)
        return message, versions, vid, vname


# After a submission: the outcome panel sits below the form, at the foot of a 1000 px window, so bring it
# into view (the page would otherwise stay put, its heading barely showing). It waits for the panel to have
# content (up to ~5 s). No newline before the arrow: gradio evaluates `return <js>`.
SCROLL_TO_OUTCOME_JS = """() => {
  let tries = 0;
  const go = () => {
    const el = document.getElementById('outcome');
    if (el && el.textContent.trim() && el.getBoundingClientRect().height > 0) {
      el.scrollIntoView({behavior: 'instant', block: 'start'});
    } else if (tries++ < 50) { setTimeout(go, 100); }
  };
  go();
}"""


def wire(demo: gr.Blocks, w: PortalWidgets, h: PortalHandlers, config: PortalConfig) -> None:
    """Connect every event of the portal (call inside `demo`'s context)."""
    sub, q, rev = w.submit, w.queue, w.reviewer
    # Checking and storing share one concurrency limit: each holds a whole bundle in memory.
    validate_limit, validate_id = config.concurrency, "validate"

    # Submitting.
    # The button follows the file, its check report, the terms and the submitter's fields.
    gate_inputs: list[gr.File | gr.Checkbox | gr.Textbox] = [
        sub.bundle,
        *sub.terms,
        sub.check_box,
        sub.name,
        sub.contact,
    ]
    sub.bundle.upload(lambda: service.CHECKING, None, sub.check_box, queue=False).then(
        h.check_upload, sub.bundle, sub.check_box, concurrency_limit=validate_limit, concurrency_id=validate_id
    )
    sub.bundle.clear(lambda: "", None, sub.check_box, queue=False)
    # The id of the submission just made is read too (not a trigger): emptied after it, the form's note
    # says it went through rather than asking for a file.
    for comp in gate_inputs:
        comp.change(
            h.gate, [*gate_inputs, sub.sub_id], [sub.submit_btn, sub.gate_note], queue=False, show_progress="hidden"
        )
    sub.submit_btn.click(
        lambda: ("Validating the bundle and storing it...", "", ""),
        None,
        [sub.outcome, sub.details, sub.sub_id],
        queue=False,
    ).then(None, js=SCROLL_TO_OUTCOME_JS).then(
        h.submit_clicked,
        [sub.bundle, *sub.terms, sub.name, sub.contact],
        [sub.outcome, sub.details, sub.sub_id, sub.bundle, sub.check_box],
        concurrency_limit=validate_limit,
        concurrency_id=validate_id,
    ).then(None, js=SCROLL_TO_OUTCOME_JS).then(h.queue, q.queue_filter, q.queue_df)

    # Public views.
    status_outputs = [w.status.lookup_out, w.status.lookup_link]
    w.status.lookup_btn.click(h.status, w.status.lookup, status_outputs)
    w.status.lookup.submit(h.status, w.status.lookup, status_outputs)
    demo.load(h.from_link, None, [w.tabs, w.status.lookup, *status_outputs], show_progress="hidden")
    q.refresh_btn.click(h.queue, q.queue_filter, q.queue_df)
    q.queue_filter.change(h.queue, q.queue_filter, q.queue_df)
    demo.load(h.queue, q.queue_filter, q.queue_df)
    if w.signed_in is not None:
        demo.load(h.signed_in, None, w.signed_in)

    # Reviewing: left out of the API docs; every handler checks the credential again.
    unlock_outputs = [
        rev.panel,
        rev.reviewer_msg,
        rev.pending_df,
        rev.review_id,
        rev.version_id,
        rev.version_name,
        rev.versions_box,
    ]
    rev.unlock_btn.click(h.unlock, rev.token, unlock_outputs, api_visibility="undocumented")
    rev.token.submit(h.unlock, rev.token, unlock_outputs, api_visibility="undocumented")
    rev.review_id.change(h.detail, [rev.token, rev.review_id], rev.review_detail, api_visibility="undocumented")
    for btn, fn in ((rev.approve_btn, h.approve), (rev.reject_btn, h.reject)):
        btn.click(
            fn,
            [rev.token, rev.review_id, rev.reason],
            [rev.review_msg, rev.pending_df, rev.review_id],
            api_visibility="undocumented",
        ).then(h.queue, q.queue_filter, q.queue_df)
    rev.publish_btn.click(
        h.publish_clicked,
        [rev.token, rev.version_id, rev.version_name, rev.version_notes],
        [rev.publish_msg, rev.versions_box, rev.version_id, rev.version_name],
        api_visibility="undocumented",
    )


def build_demo(store: Store | None = None, config: PortalConfig | None = None, links: Links | None = None) -> gr.Blocks:
    """The portal's Blocks on `store` (the configured store by default) and `config` (from the env),
    linking by `links` (by default the addresses the environment configures)."""
    store = store or open_store()
    config = config or PortalConfig.from_env()
    links = links or SiteConfig.from_env().links
    h = PortalHandlers(store, config, links)

    with PortalBlocks(title=TITLE, delete_cache=DELETE_CACHE) as demo:
        demo.upload_limit = config.max_upload_bytes
        wire(demo, build_widgets(config, links), h, config)
    uploads.harden(demo)  # only files uploaded to this app are read, mounted in the suite or not
    demo.portal_handlers = h  # type: ignore[attr-defined]  # for tests and embedding
    return demo


def launch_kwargs(config: PortalConfig, site: SiteConfig) -> dict[str, Any]:
    """Arguments of `Blocks.launch` for serving the portal alone (CSS, upload limit, where `site` says)."""
    return {
        "css": CSS,
        "max_file_size": config.max_upload_bytes,
        "server_name": site.host,
        "server_port": site.port,
    }
