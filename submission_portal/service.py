"""What the portal does, without any UI: check, submit, look up, list, review, publish.

The Gradio callbacks (app.py), the command line (cli.py) and the tests all call these functions.
None of them raises on user input: problems come back as plain sentences. A submission is stored
whole (bundle and record in one store transaction) or not at all.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from shared.bundle.problems import ValidationReport
from shared.bundle.safezip import ZipLimits
from shared.bundle.validate import validate_bundle
from shared.store.models import (
    STATUS_APPROVED,
    STATUS_PENDING,
    STATUS_REJECTED,
    Attestation,
    Store,
    StoreError,
    Submission,
    Submitter,
)
from shared.store.versions import version_for
from submission_portal.auth import Reviewer
from submission_portal.config import DEFAULT_LIMITS

log = logging.getLogger(__name__)

SUBMISSION_ID_RE = re.compile(r"^sub_[0-9a-f]{12}$")
STATUS_LABELS = {STATUS_PENDING: "pending review", STATUS_APPROVED: "approved", STATUS_REJECTED: "rejected"}
MAX_NAME_CHARS = 200
MAX_QUEUE_ROWS = 500

# The attestation of APPS.md, shown in full beside its checkbox: (key, title, text).
TERMS: tuple[tuple[str, str, str], ...] = (
    (
        "public_data_sharing",
        "Public data sharing",
        "I agree that the energy data derived from this submission will be published on the AI Energy "
        "Score leaderboard. Nothing else about the model or its configuration is published.",
    ),
    (
        "data_integrity",
        "Data integrity",
        "I confirm that the logs and readings in this bundle are accurate, unaltered, and were produced "
        "by the specified benchmarking procedure.",
    ),
    (
        "model_representation",
        "Model representation",
        "I confirm that the tested model is the version used in production, with the same configuration, "
        "quantization included.",
    ),
)
QUEUE_COLUMNS = ["Submission", "Submitted (UTC)", "Model", "Task", "Wh / 1k queries", "Status", "Reason"]
REVIEW_COLUMNS = [
    "Submission",
    "Submitted (UTC)",
    "Model",
    "Task",
    "Wh / 1k queries",
    "Submitter",
    "HF user",
    "Contact",
    "Warnings",
    "File",
]


@dataclass(frozen=True)
class Outcome:
    """What became of one submission attempt.

    Attributes:
        status: "stored" (new), "duplicate" (the same bundle was stored before) or "rejected".
        submission_id: The id of the stored (or earlier) submission; '' when rejected.
        submission_status: Its review status ("pending", "approved", "rejected"); '' when rejected.
        problems: Every reason for a rejection, each saying what to fix.
        warnings: Facts the reviewer will see that do not reject the bundle.
        result: One line naming the model, task and energy, when the bundle was readable.
    """

    status: str
    submission_id: str = ""
    submission_status: str = ""
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    result: str = ""

    @property
    def accepted(self) -> bool:
        """True when the bundle is in the store (now or from before)."""
        return self.status in ("stored", "duplicate")

    @property
    def status_label(self) -> str:
        """The review status in words ("pending review", ...)."""
        return STATUS_LABELS.get(self.submission_status, self.submission_status)

    def headline(self) -> str:
        """One sentence: what happened."""
        if self.status == "stored":
            return f"Submitted: {self.submission_id}, status {self.status_label}."
        if self.status == "duplicate":
            return (
                f"This bundle was already submitted as {self.submission_id} "
                f"(status {self.status_label}); it was not stored again."
            )
        return f"Not submitted: {len(self.problems)} problem(s) to fix. Nothing was stored."

    def text(self) -> str:
        """The full outcome in plain text: headline, problems, warnings, result."""
        lines = [self.headline()]
        lines += [f"- {p}" for p in self.problems]
        lines += [f"- warning: {w}" for w in self.warnings]
        if self.result:
            lines.append(self.result)
        return "\n".join(lines)


def _rejected(problems: list[str], report: ValidationReport | None = None) -> Outcome:
    warnings = tuple(w.message for w in report.warnings) if report else ()
    return Outcome(status="rejected", problems=tuple(problems), warnings=warnings)


def _clean(text: str | None, limit: int = MAX_NAME_CHARS) -> str:
    """User text without control characters, trimmed and capped."""
    text = "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:limit]


def clean_filename(filename: str | None) -> str:
    """The base name of an uploaded file, safe to store and show."""
    name = _clean(Path(str(filename or "").replace("\\", "/")).name, 255)
    return name or "bundle.zip"


def submitter_problems(submitter: Submitter, contact_required: bool) -> list[str]:
    """What is missing from the submitter's identity."""
    problems = []
    if not submitter.hf_username and not submitter.name:
        problems.append("Say who submits: log in with Hugging Face, or give your name.")
    if contact_required and not submitter.hf_username and not submitter.contact:
        problems.append("Give a contact (an e-mail address or a Hugging Face user name) so a reviewer can reach you.")
    return problems


def make_submitter(name: str | None, contact: str | None, hf_username: str | None = None) -> Submitter:
    """A Submitter from form fields, cleaned of control characters and capped in length."""
    return Submitter(name=_clean(name), contact=_clean(contact), hf_username=_clean(hf_username, 100))


def result_line(report: ValidationReport) -> str:
    """One line naming the model, task and energy of a readable bundle ('' otherwise)."""
    r = report.record
    if r is None:
        return ""
    return f"Result: {r.model_id} / {r.task_id}: {r.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries on {r.hardware}."


def check(data: bytes, limits: ZipLimits = DEFAULT_LIMITS) -> ValidationReport:
    """Validate bundle bytes; never raises."""
    try:
        return validate_bundle(data, limits)
    except Exception as exc:  # validate_bundle promises not to raise; belt and braces
        log.exception("validate_bundle raised")
        report = ValidationReport()
        report.add("internal_error", f"The bundle could not be checked ({type(exc).__name__}). Please report this.")
        return report


def read_upload(path: str | Path | None, limits: ZipLimits = DEFAULT_LIMITS) -> tuple[bytes | None, str]:
    """Read an uploaded file into memory: (bytes, '') or (None, the problem).

    The size is checked before reading, so an oversized upload never occupies memory.
    """
    if not path:
        return None, "Upload the bundle .zip first."
    try:
        size = os.stat(path).st_size
        if size > limits.max_zip_bytes:
            return None, (
                f"The file is {size / 1e6:.1f} MB, over the {limits.max_zip_bytes / 1e6:.0f} MB upload limit. "
                "Leave model weights and datasets out of the bundle."
            )
        with open(path, "rb") as fh:
            # read(n) allocates n bytes up front: ask for what stat saw, plus one to notice growth.
            data = fh.read(size + 1)
    except OSError:
        return None, "The uploaded file could not be read; upload it again."
    if len(data) > size:
        return None, "The uploaded file changed while it was read; upload it again."
    return data, ""


def check_upload(path: str | Path | None, limits: ZipLimits = DEFAULT_LIMITS) -> str:
    """The validation report of an uploaded file as plain text (what `validate` prints)."""
    data, problem = read_upload(path, limits)
    if data is None:
        return f"REJECTED: 1 problem(s)\n  error: {problem}"
    return check(data, limits).text()


def submit(
    store: Store,
    bundle: bytes,
    filename: str,
    attestation: Attestation,
    submitter: Submitter,
    limits: ZipLimits = DEFAULT_LIMITS,
    contact_required: bool = True,
) -> Outcome:
    """Validate a bundle and store it with its record, or return every problem with nothing stored.

    The same bundle (same sha256) submitted again returns the first submission ("duplicate").
    """
    problems: list[str] = []
    if not attestation.complete:
        missing = [title for (_key, title, _text), ok in zip(TERMS, _terms_of(attestation), strict=True) if not ok]
        problems.append(f"Accept all three attestation terms; not yet accepted: {', '.join(missing)}.")
    problems += submitter_problems(submitter, contact_required)
    report = check(bundle, limits)
    problems += [p.message for p in report.problems]
    if problems or report.record is None:
        return _rejected(problems or ["The bundle could not be read."], report)
    warnings = [w.message for w in report.warnings]
    try:
        sub, created = store.add_submission(
            bundle, clean_filename(filename), report.record, submitter, attestation, warnings
        )
    except StoreError as exc:
        return _rejected([str(exc)], report)
    except Exception:
        log.exception("storing a submission failed")
        return _rejected(
            ["The submission could not be stored because of a server error; nothing was saved. Try again later."],
            report,
        )
    return Outcome(
        status="stored" if created else "duplicate",
        submission_id=sub.id,
        submission_status=sub.status,
        warnings=tuple(warnings),
        result=result_line(report),
    )


def submit_upload(
    store: Store,
    path: str | Path | None,
    attestation: Attestation,
    submitter: Submitter,
    limits: ZipLimits = DEFAULT_LIMITS,
    contact_required: bool = True,
) -> Outcome:
    """`submit` for an uploaded file on disk (read with the size limit first)."""
    data, problem = read_upload(path, limits)
    if data is None:
        problems = [problem]
        if not attestation.complete:
            problems.append("Accept all three attestation terms.")
        return _rejected(problems + submitter_problems(submitter, contact_required))
    return submit(store, data, clean_filename(str(path)), attestation, submitter, limits, contact_required)


def _terms_of(attestation: Attestation) -> tuple[bool, bool, bool]:
    return (attestation.public_data_sharing, attestation.data_integrity, attestation.model_representation)


def normalise_id(submission_id: str | None) -> str:
    """A submission id as typed, trimmed and lower-cased ('' if it cannot be one)."""
    sid = (submission_id or "").strip().lower()
    return sid if SUBMISSION_ID_RE.match(sid) else ""


def status_text(store: Store, submission_id: str | None) -> str:
    """The public status of one submission in plain text (no contact data)."""
    sid = normalise_id(submission_id)
    if not sid:
        return "Enter a submission id such as sub_0123456789ab (you got it when you submitted)."
    try:
        sub = store.get_submission(sid)
    except Exception:
        log.exception("status lookup failed")
        return "The status could not be read because of a server error. Try again later."
    if sub is None:
        return f"No submission {sid}. Check the id you got when you submitted."
    lines = [
        f"Submission {sub.id}: {STATUS_LABELS.get(sub.status, sub.status)}",
        f"Model: {sub.model_id}",
        f"Task: {sub.task_id}",
        f"GPU energy: {sub.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries",
        f"Submitted: {sub.created_at}",
    ]
    if sub.status != STATUS_PENDING:
        lines.append(f"Reviewed: {sub.reviewed_at}")
    if sub.status == STATUS_REJECTED:
        lines.append(f"Reason: {sub.review_reason}")
    if sub.status == STATUS_APPROVED:
        lines.append("It will be rated in the next leaderboard version.")
    return "\n".join(lines)


def _public_row(sub: Submission) -> list[str]:
    return [
        sub.id,
        sub.created_at.replace("+00:00", ""),
        sub.model_id,
        sub.task_id,
        f"{sub.gpu_energy_wh_per_1k:.4f}",
        STATUS_LABELS.get(sub.status, sub.status),
        sub.review_reason if sub.status == STATUS_REJECTED else "",
    ]


def queue_rows(store: Store, status: str | None = None) -> list[list[str]]:
    """The public queue, newest first: id, date, model, task, energy, status, rejection reason.

    Holds no submitter name or contact.
    """
    status = status if status in STATUS_LABELS else None
    try:
        subs = store.submissions(status)
    except Exception:
        log.exception("listing submissions failed")
        return []
    return [_public_row(s) for s in subs[:MAX_QUEUE_ROWS]]


def review_rows(store: Store, reviewer: Reviewer | None) -> list[list[str]]:
    """Pending submissions with submitter details, for a reviewer only ([] for anyone else)."""
    if reviewer is None:
        return []
    return [
        [
            s.id,
            s.created_at.replace("+00:00", ""),
            s.model_id,
            s.task_id,
            f"{s.gpu_energy_wh_per_1k:.4f}",
            s.submitter_name,
            s.hf_username,
            s.submitter_contact,
            " | ".join(s.warnings),
            s.filename,
        ]
        for s in store.submissions(STATUS_PENDING)[:MAX_QUEUE_ROWS]
    ]


def review_detail(store: Store, reviewer: Reviewer | None, submission_id: str | None) -> str:
    """Everything a reviewer needs about one submission, in plain text."""
    if reviewer is None:
        return "Reviewer access required."
    sid = normalise_id(submission_id)
    sub = store.get_submission(sid) if sid else None
    if sub is None:
        return "Choose a submission id from the pending list."
    lines = [
        f"{sub.id}: {STATUS_LABELS.get(sub.status, sub.status)}; file {sub.filename}, sha256 {sub.bundle_sha256}",
        f"Submitter: {sub.submitter_name or '-'}; HF user: {sub.hf_username or '-'}; contact: {sub.submitter_contact or '-'}",
        f"Attested at {sub.attested_at}",
    ]
    lines += [f"Warning: {w}" for w in sub.warnings]
    rated = store.get_result(sub.result_id)
    if rated is not None:
        r = rated.record
        lines += [
            f"Model: {r.model_id} ({r.parameters:,} parameters, {r.precision}, class {r.model_class or '-'})",
            f"Task: {r.task_id}; {r.repetitions} repetitions of {r.samples} samples",
            f"GPU energy: {r.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries (std {r.std_wh_per_1k:.4f}, 95% CI "
            + ("n/a: one repetition" if r.ci95 is None else "{:.4f} to {:.4f}".format(*r.ci95))
            + ")",
            f"Hardware: {r.gpu_count} x {r.hardware}; runner {r.runner}; created {r.created_utc}",
            f"Phases (Wh / 1k): {', '.join(f'{k} {v:.4f}' for k, v in r.phases_wh_per_1k.items())}",
            f"Config: {r.config}",
        ]
        if r.random_weights:
            lines.append("Random-weight replica: energy reflects the architecture, not trained outputs.")
    return "\n".join(lines)


@dataclass
class ActionResult:
    """Outcome of a reviewer action: ok, and a sentence to show."""

    ok: bool
    message: str
    details: dict[str, str] = field(default_factory=dict)


def review(
    store: Store, reviewer: Reviewer | None, submission_id: str | None, approve: bool, reason: str | None
) -> ActionResult:
    """Approve or reject a pending submission (a rejection needs a reason the submitter will read)."""
    if reviewer is None:
        return ActionResult(
            False,
            "Reviewer access required: enter the reviewer token or log in as a member of the reviewers' organisation.",
        )
    sid = normalise_id(submission_id)
    if not sid:
        return ActionResult(False, "Choose the submission to review (an id such as sub_0123456789ab).")
    reason = (reason or "").strip()[:2000]
    try:
        sub = store.review(sid, approve, reason, reviewer.name)
    except StoreError as exc:
        return ActionResult(False, str(exc))
    except Exception:
        log.exception("review failed")
        return ActionResult(False, "The review could not be saved because of a server error; nothing changed.")
    verb = "Approved" if approve else "Rejected"
    tail = " It will be rated in the next leaderboard version." if approve else ""
    return ActionResult(True, f"{verb} {sub.id} ({sub.model_id}, {sub.task_id}).{tail}")


def next_version(today: date | None = None) -> tuple[str, str]:
    """(id, name) proposed for the next leaderboard version: the current month's."""
    return version_for(today or date.today())


def publish(
    store: Store, reviewer: Reviewer | None, version_id: str | None, name: str | None, notes: str | None = ""
) -> ActionResult:
    """Publish every approved result as a new, frozen leaderboard version."""
    if reviewer is None:
        return ActionResult(False, "Reviewer access required to publish a version.")
    vid = (version_id or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}(-[a-z0-9]+)?", vid):
        return ActionResult(False, "The version id must look like 2026-11 (year-month, optionally -suffix).")
    try:
        info = store.publish_version(vid, _clean(name), _clean(notes, 2000))
    except StoreError as exc:
        return ActionResult(False, str(exc))
    except Exception:
        log.exception("publish failed")
        return ActionResult(False, "The version could not be published because of a server error; nothing changed.")
    return ActionResult(True, f"Published {info.id} ({info.name}) with {info.result_count} rated result(s).")


def versions_text(store: Store) -> str:
    """Published versions, newest first, one a line."""
    try:
        versions = store.versions()
    except Exception:
        log.exception("listing versions failed")
        return "The versions could not be read."
    if not versions:
        return "No leaderboard version is published yet."
    return "\n".join(f"{v.id}  {v.name}  ({v.result_count} results, published {v.published_at})" for v in versions)
