"""`sweep --submit URL`: upload each done job's bundle to the submission portal through gradio_client.

The portal (submission_portal/app.py) takes a bundle through its web form: the file, the three
attestation checkboxes, the submitter's name and contact, then the submit button, whose event runs
`PortalHandlers.submit_clicked` and answers (outcome panel, details, submission id, file, check). That
event declares no api_name: gradio derives "/submit_clicked" from the handler's name, which a rename
or a second handler of that name would change. So the endpoint is found by its shape instead
(`find_submit_endpoint`: the form's six inputs, by parameter name and component, in `client.view_api()`)
and called by its fn_index; "/submit*" names only break a tie.

The person running the sweep attests once, on the command line (`--attest`), for every bundle of the
sweep: each upload ticks the three terms on their behalf. Nothing here raises for a portal that is
down, slow or refusing: the outcome is a `SubmissionRecord` (submitted, rejected or not_sent), and the
sweep goes on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.sweep.state import JobRecord, SubmissionRecord

# The submit form's inputs, in the event's order: (parameter name, component).
SUBMIT_INPUTS = (
    ("path", "File"),
    ("term1", "Checkbox"),
    ("term2", "Checkbox"),
    ("term3", "Checkbox"),
    ("name", "Textbox"),
    ("contact", "Textbox"),
)
# The event's outputs: outcome panel, details, submission id, the cleared file, the cleared check.
SUBMIT_OUTPUTS = 5
SUBMISSION_ID_RE = re.compile(r"^sub_[0-9a-f]{12}$")
ATTESTATION_TERMS = ("public data sharing", "data integrity", "model representation")
DEFAULT_TIMEOUT_S = 300.0  # one upload: the portal validates the whole bundle, on a machine that may be busy


class PortalError(Exception):
    """The portal cannot take uploads: unreachable, not a gradio app, or without a submit form."""


@dataclass(frozen=True)
class SubmitSettings:
    """Where and as whom the sweep submits (from --submit, --submitter-name, --submitter-contact, --attest).

    Attributes:
        url: The portal's address (its root, e.g. http://host:7860/submit when mounted in the suite).
        name: Submitter's name or organisation.
        contact: Submitter's e-mail or Hugging Face user (seen by reviewers only).
        timeout_s: Longest wait for one upload's answer, s.
    """

    url: str
    name: str
    contact: str
    timeout_s: float = DEFAULT_TIMEOUT_S


def sha256_file(path: Path) -> str:
    """Hex digest of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_submit_endpoint(api: dict[str, Any], fn_indices: dict[str, int]) -> tuple[int, str, list[str]]:
    """The portal's submit event in `view_api(return_format="dict")`: (fn_index, api_name, labels of its
    three attestation checkboxes). `fn_indices` maps api names to fn_index (from `client.endpoints`).

    Raises PortalError when no endpoint has the form's shape."""
    candidates = []
    for name, info in (api.get("named_endpoints") or {}).items():
        params = info.get("parameters") or []
        shape = tuple((p.get("parameter_name"), p.get("component")) for p in params)
        if shape == SUBMIT_INPUTS and len(info.get("returns") or []) == SUBMIT_OUTPUTS and name in fn_indices:
            labels = [str(p.get("label") or "") for p in params[1:4]]
            candidates.append((not name.startswith("/submit"), name, labels))
    if not candidates:
        raise PortalError(
            "it has no submit form (no endpoint takes a file, three attestation checkboxes, a name and a contact); "
            "is the URL the submission portal's?"
        )
    _, name, labels = min(candidates)
    return fn_indices[name], name, labels


def _plain(markdown: str) -> str:
    """The outcome panel's Markdown as plain text (for a rejection without details)."""
    return re.sub(r"[#*`]+", "", markdown).strip()


class PortalSubmitter:
    """Uploads bundles to one portal; connects on first use and again after a failure."""

    def __init__(self, settings: SubmitSettings, echo: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.echo = echo or (lambda _line: None)
        self._client: Any = None
        self._fn_index: int | None = None

    def _connect(self) -> tuple[Any, int]:
        if self._client is not None and self._fn_index is not None:
            return self._client, self._fn_index
        from gradio_client import Client

        try:
            client = Client(
                self.settings.url,
                verbose=False,
                download_files=False,  # the answer is text; nothing is to be fetched
                analytics_enabled=False,
                httpx_kwargs={"timeout": 60.0},
            )
            api = client.view_api(return_format="dict", print_info=False)
        except Exception as exc:  # connection refused, DNS, TLS, not a gradio app: all mean "cannot submit"
            raise PortalError(f"cannot reach {self.settings.url}: {type(exc).__name__}: {exc}") from None
        fn_indices = {str(e.api_name): i for i, e in client.endpoints.items() if e.api_name}
        fn_index, name, labels = find_submit_endpoint(api if isinstance(api, dict) else {}, fn_indices)
        self.echo(
            f"portal {self.settings.url}: submitting through {name} (fn_index {fn_index}, found by view_api); "
            f"attesting for every bundle, as {self.settings.name} <{self.settings.contact}>: " + " / ".join(labels)
        )
        self._client, self._fn_index = client, fn_index
        return client, fn_index

    def submit(self, bundle: Path, previous: SubmissionRecord | None = None) -> SubmissionRecord:
        """Upload one bundle; never raises (but for KeyboardInterrupt): the record says what happened."""
        from gradio_client import handle_file

        url = self.settings.url
        attempts = (previous.attempts if previous else 0) + 1
        digest = sha256_file(bundle)

        def record(state: str, message: str | None, sid: str | None = None) -> SubmissionRecord:
            return SubmissionRecord(
                state=state,  # type: ignore[arg-type]
                url=url,
                submission_id=sid,
                message=message,
                bundle_sha256=digest,
                attempts=attempts,
            )

        try:
            client, fn_index = self._connect()
        except PortalError as exc:
            return record("not_sent", str(exc))
        from gradio_client.exceptions import AppError

        try:
            job = client.submit(
                handle_file(str(bundle)),
                True,  # the three terms: attested once for the sweep with --attest
                True,
                True,
                self.settings.name,
                self.settings.contact,
                fn_index=fn_index,
            )
            answer = job.result(timeout=self.settings.timeout_s)
        except AppError as exc:  # the portal refused the request itself (gr.Error): a rejection with its text
            return record("rejected", str(exc) or type(exc).__name__)
        except Exception as exc:  # dropped connection, timeout: not sent; the next sweep tries again
            self._client = self._fn_index = None  # reconnect next time: the portal may have restarted
            return record("not_sent", f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        fields = [*answer, "", "", ""] if isinstance(answer, list | tuple) else ["", "", ""]
        panel, details, sid = fields[:3]
        sid, details, panel = str(sid or "").strip(), str(details or "").strip(), str(panel or "")
        if SUBMISSION_ID_RE.match(sid):
            return record("submitted", details or None, sid)
        return record("rejected", details or _plain(panel) or "the portal gave no reason")


def needs_submission(rec: JobRecord, out: Path, url: str) -> bool:
    """Whether a job's bundle is still to be submitted to `url`: it is done, and this very bundle
    (same digest) has not been stored there yet. Rejected and unsent ones are tried again."""
    if rec.state != "done" or not rec.bundle or not (out / rec.bundle).is_file():
        return False
    sub = rec.submission
    if sub is None or sub.state != "submitted" or sub.url != url:
        return True
    return sub.bundle_sha256 != sha256_file(out / rec.bundle)


def submit_job(submitter: PortalSubmitter, rec: JobRecord, out: Path) -> str | None:
    """Submit a job's bundle when it needs it (`needs_submission`), recording the outcome in `rec`;
    returns a progress line, or None when there was nothing to do."""
    if not needs_submission(rec, out, submitter.settings.url):
        return None
    assert rec.bundle is not None  # needs_submission checked it
    rec.submission = submitter.submit(out / rec.bundle, rec.submission)
    sub = rec.submission
    if sub.state == "submitted":
        return f"{rec.id}: submitted as {sub.submission_id}"
    return f"{rec.id}: {sub.summary()}"
