"""What the portal does, without any UI: check, submit, look up, list, review, publish.

The Gradio callbacks (app.py), the command line (cli.py) and the tests all call these functions.
None of them raises on user input: problems come back as plain sentences. A submission is stored
whole (bundle and record in one store transaction) or not at all.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from shared.bundle.checks.environment import OTHER_HARDWARE
from shared.bundle.problems import Problem, ValidationReport
from shared.bundle.safezip import BadJson, UnsafeZip, ZipArchive, ZipLimits, load_json
from shared.bundle.validate import validate_bundle
from shared.method.hardware import is_rated_hardware
from shared.method.scoring import stars_by_group
from shared.method.tasks import TASKS
from shared.store.models import (
    STATUS_APPROVED,
    STATUS_PENDING,
    STATUS_REJECTED,
    Attestation,
    Quota,
    RatedResult,
    Store,
    StoreError,
    Submission,
    Submitter,
    record_group,
)
from shared.store.versions import version_for
from submission_portal.auth import Reviewer
from submission_portal.config import DEFAULT_LIMITS

log = logging.getLogger(__name__)

SUBMISSION_ID_RE = re.compile(r"^sub_[0-9a-f]{12}$")
STATUS_LABELS = {STATUS_PENDING: "pending review", STATUS_APPROVED: "approved", STATUS_REJECTED: "rejected"}
MAX_NAME_CHARS = 200
MAX_QUEUE_ROWS = 500

# The attestation of docs/APPS.md §2, shown in full beside its checkbox: (key, title, text).
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
QUEUE_COLUMNS = ["Submission", "Submitted (UTC)", "Model", "Task", "Wh / 1k queries", "Status", "Reason", "GPU"]
REVIEW_COLUMNS = [
    "Submission",
    "Submitted (UTC)",
    "Model",
    "Task",
    "Wh / 1k queries",
    "GPU",
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
        other_hardware: The GPU of a result measured on a known GPU other than the H100 (accepted, shown
            under other hardware without stars); '' for an H100 result.
        standing: Where the stored submission stands now (for a duplicate: reviewed, published...); None
            when rejected.
    """

    status: str
    submission_id: str = ""
    submission_status: str = ""
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    result: str = ""
    other_hardware: str = ""
    standing: Standing | None = None

    @property
    def accepted(self) -> bool:
        """True when the bundle is in the store (now or from before)."""
        return self.status in ("stored", "duplicate")

    @property
    def status_label(self) -> str:
        """The review status in words ("pending review", ...)."""
        return STATUS_LABELS.get(self.submission_status, self.submission_status)

    def headline(self) -> str:
        """One sentence: what happened (and, for a result measured on another GPU, how it will be shown)."""
        if self.status == "stored":
            note = other_hardware_note(self.other_hardware)
            return f"Submitted: {self.submission_id}, status {self.status_label}.{note}"
        if self.status == "duplicate":
            label = self.standing.label if self.standing else self.status_label
            # A rejected submission is not accepted as anything: no other-hardware note for it.
            note = "" if self.submission_status == STATUS_REJECTED else other_hardware_note(self.other_hardware)
            return (
                f"This bundle was already submitted as {self.submission_id}, status {label}; "
                f"it was not stored again.{note}"
            )
        # Errors and warnings are counted apart, and each bullet below says which it is, so the count
        # in this sentence is the number of "error:" bullets.
        tail = f" (and {plural(len(self.warnings), 'warning')})" if self.warnings else ""
        return f"Not submitted: {plural(len(self.problems), 'error')} to fix{tail}. Nothing was stored."

    def text(self) -> str:
        """The full outcome in plain text (no Markdown backticks): headline, errors, warnings, result."""
        lines = [self.headline()]
        lines += [f"- error: {p}" for p in self.problems]
        lines += [f"- warning: {w}" for w in self.warnings]
        if self.result:
            lines.append(self.result)
        return plain("\n".join(lines))


@dataclass(frozen=True)
class Standing:
    """Where a stored submission stands now: its review, and the newest published version holding its result.

    Attributes:
        status: Its review status (STATUS_PENDING, STATUS_APPROVED or STATUS_REJECTED).
        hardware: The GPU its result was measured on.
        rated: True when its result is rated (measured on an H100); False for other hardware, without stars.
        result_id: Its result's id ('' when unknown).
        version_id: The newest published leaderboard version holding its result ('' when none).
        version_name: That version's name.
        stars: Its stars in that version (None when not published, or not rated).
        reason: The reviewer's reason, for a rejection.
    """

    status: str
    hardware: str = ""
    rated: bool = True
    result_id: str = ""
    version_id: str = ""
    version_name: str = ""
    stars: int | None = None
    reason: str = ""

    @property
    def published(self) -> bool:
        """True when its result is in a published leaderboard version."""
        return bool(self.version_id)

    @property
    def version_label(self) -> str:
        """The version it is published in, by name and id ('December 2026 (2026-12)'); '' when unpublished."""
        if not self.version_id:
            return ""
        return (
            self.version_id
            if self.version_name in ("", self.version_id)
            else f"{self.version_name} ({self.version_id})"
        )

    @property
    def label(self) -> str:
        """Its status in words, with the version once published ('approved, published in December 2026 (2026-12)')."""
        words = STATUS_LABELS.get(self.status, self.status)
        return f"{words}, published in {self.version_label}" if self.published else words


def plural(n: int, word: str) -> str:
    """'1 error', '2 errors'."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def plain(text: str) -> str:
    """Text for a plain-text box (the check report, the details, the command line): without the Markdown
    backticks that mark commands and file names in the checks' messages, which only Markdown renders."""
    return text.replace("`", "")


# A decimal number standing alone in a message: not part of a name, a version ("3.11.7") or a time ("08:44:11.5").
_DECIMAL = re.compile(r"(?<![\w.:])(\d+)\.(\d+)(?:[eE][-+]?\d+)?(?![\w]|\.\d)")
NUMBER_DECIMALS = 4  # as the portal prints energies everywhere else
MAX_NUMBER_DECIMALS = 12


def tidy_numbers(message: str) -> str:
    """A check's message with its long decimals (a tampered file's raw float, '4.921929351851852 Wh', beside
    the check's '9.843859 Wh') printed alike: 4 decimals, or as many more as it takes for two different
    numbers of the message not to read the same and a small one to keep two significant digits.
    Numbers with 4 decimals or fewer are left as written."""
    found = [(m, float(m.group(0))) for m in _DECIMAL.finditer(message)]
    if not any(len(m.group(2)) > NUMBER_DECIMALS or "e" in m.group(0).lower() for m, _ in found):
        return message

    def shown(m: re.Match[str], value: float, decimals: int) -> str:
        long = len(m.group(2)) > decimals or "e" in m.group(0).lower()
        return f"{value:.{decimals}f}" if long else m.group(0)

    for decimals in range(NUMBER_DECIMALS, MAX_NUMBER_DECIMALS + 1):
        texts = {m.start(): shown(m, v, decimals) for m, v in found}
        values_of: dict[str, set[float]] = {}
        for m, v in found:
            values_of.setdefault(texts[m.start()], set()).add(v)
        # A small number keeps two significant digits (1.5e-07 reads 0.00000015, not 0.0000001 or 0.0000).
        blurred = any(
            v and decimals < min(MAX_NUMBER_DECIMALS, 1 - math.floor(math.log10(abs(v))))
            for m, v in found
            if texts[m.start()] != m.group(0) and math.isfinite(v)
        )
        if not blurred and all(len(vs) == 1 for vs in values_of.values()):
            break
    out, at = [], 0
    for m, _ in found:
        out += [message[at : m.start()], texts[m.start()]]
        at = m.end()
    return "".join([*out, message[at:]])


def task_name(task_id: str) -> str:
    """A task's display name ('Text generation'), or its id when the registry does not know it."""
    task = TASKS.get(task_id)
    return task.display_name if task else task_id


CHECKING = "Checking the bundle..."  # the check report while the check runs
VERDICT_ACCEPTED = "ACCEPTED"
VERDICT_REJECTED = "REJECTED"


def other_hardware_note(gpu: str) -> str:
    """The plain words saying a result measured on another GPU than the H100 is accepted without stars
    ('' for an H100 result), with a leading space, to follow a sentence."""
    if not gpu:
        return ""
    return f" Accepted as other hardware ({gpu}): shown without stars, since only H100 results are rated."


def other_hardware_gpu(report: ValidationReport) -> str:
    """The GPU of an accepted result measured on a known GPU other than the H100, else ''."""
    if report.record is None or not any(w.code == OTHER_HARDWARE for w in report.warnings):
        return ""
    return report.record.hardware or "another GPU"


def verdict_line(errors: int, warnings: int, other_gpu: str = "") -> str:
    """The first line of a check report: the verdict, then errors and warnings counted apart; an accepted
    result measured on another GPU (`other_gpu`) says it is accepted as other hardware, without stars."""
    if errors:
        tail = f", {plural(warnings, 'warning')}" if warnings else ""
        return f"{VERDICT_REJECTED}: {plural(errors, 'error')}{tail}"
    how = f" as other hardware ({other_gpu}): shown without stars," if other_gpu else ""
    return VERDICT_ACCEPTED + how + (f" with {plural(warnings, 'warning')}" if warnings else "")


def report_text(report: ValidationReport) -> str:
    """A validation report as the portal and `validate` print it, one finding a line.

    The first line counts errors and warnings separately, so its numbers match the "error:" and
    "warning:" lines below it (the shared report's own text counts only errors, as "problems").
    """
    lines = [verdict_line(len(report.problems), len(report.warnings), other_hardware_gpu(report))]
    lines += [f"  error: {m}" for m in messages(report.problems)]
    lines += [f"  warning: {m}" for m in messages(report.warnings)]
    if report.record is not None:
        r = report.record
        lines.append(f"  result: {r.model_id} / {r.task_id}: {r.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries")
    return plain("\n".join(lines))


def messages(findings: Iterable[Problem]) -> list[str]:
    """The messages of a report's problems or warnings, their numbers tidied (`tidy_numbers`)."""
    return [tidy_numbers(f.message) for f in findings]


def check_passed(report_text: str | None) -> bool:
    """True when a check report (as `report_text` wrote it) accepted the bundle."""
    return (report_text or "").startswith(VERDICT_ACCEPTED)


def _rejected(problems: list[str], report: ValidationReport | None = None) -> Outcome:
    warnings = tuple(messages(report.warnings)) if report else ()
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


def missing_to_submit(
    uploaded: bool, report: str | None, terms: tuple[bool, bool, bool], name: str, contact: str, signed_in: bool
) -> list[str]:
    """What still stands between the form and the submit button, each as a short instruction
    ([] when it may be submitted): the same conditions `submit` checks, so an enabled button is one
    whose click will not be refused for a missing field or a rejected bundle."""
    missing = []
    if not uploaded:
        missing.append("upload the bundle .zip")
    elif not check_passed(report):
        missing.append("wait for the check" if report in ("", None, CHECKING) else "fix the errors the check lists")
    if not all(terms):
        missing.append("tick the three terms")
    if not signed_in and not _clean(name):
        missing.append("give your name")
    if not signed_in and not _clean(contact):
        missing.append("give a contact")
    return missing


def gate_note(missing: list[str], submitted: str | None = "") -> str:
    """The line under the submit button saying what it waits for ('' when nothing).

    Right after a submission (`submitted`, the id the outcome panel shows) the form is emptied, so the
    button waits for a new file again: the line then says the submission went through, not what is missing.
    """
    sid = normalise_id(submitted)
    if sid and "upload the bundle .zip" in missing:
        return f"Submission {sid} is shown below. To submit another run, upload its bundle .zip."
    return f"To submit: {', '.join(missing)}." if missing else ""


def make_submitter(name: str | None, contact: str | None, hf_username: str | None = None) -> Submitter:
    """A Submitter from form fields, cleaned of control characters and capped in length."""
    return Submitter(name=_clean(name), contact=_clean(contact), hf_username=_clean(hf_username, 100))


def result_line(report: ValidationReport) -> str:
    """One line naming the model, task and energy of a readable bundle ('' otherwise)."""
    r = report.record
    if r is None:
        return ""
    return (
        f"Result: {r.model_id} / {task_name(r.task_id)}: {r.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries "
        f"on {r.hardware}."
    )


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
        st = os.stat(path)
        size = st.st_size
        if not stat.S_ISREG(st.st_mode):  # a named pipe would block open() forever; a device never ends
            return None, "The upload is not a regular file (a named pipe, device or folder); give the bundle .zip."
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
        return f"{verdict_line(1, 0)}\n  error: {problem}"
    return report_text(check(data, limits))


# The manifest lists every other file with its hash; it is left out of the identity, so a bundle
# whose manifest was re-written (another timestamp, say) around the same files is the same bundle.
MANIFEST_NAME = "manifest.json"
IDENTITY_PREFIX = b"aienergy-bundle-content-v1\n"


def content_identity(bundle: bytes, limits: ZipLimits = DEFAULT_LIMITS) -> str | None:
    """The identity of a bundle's files, whatever zip holds them: sha256 over its sorted (path, sha256).

    The same files zipped again (another compression level, order or zip comment) give the same
    identity, so they are found as a duplicate; the zip's own sha256 would not. For a bundle with a
    manifest this is the manifest's list of (path, sha256), checked against the files; for the
    reference format, which has none, the files' own. Read through shared.bundle.safezip, so a
    hostile zip is refused with the same limits as the validation; None when it cannot be read.
    """
    digest = hashlib.sha256(IDENTITY_PREFIX)
    try:
        archive = ZipArchive(bundle, limits)
    except UnsafeZip:
        return None
    try:
        for path in sorted(p for p in archive if p != MANIFEST_NAME):
            # Hashed in chunks: a large log is never held whole. NUL cannot occur in a member name
            # (safezip refuses it), so no two lists of files give the same stream.
            digest.update(f"{path}\0{archive.digest(path)[1]}\n".encode())
    except UnsafeZip:
        return None
    finally:
        archive.close()
    return digest.hexdigest()


def backfill_content_identities(store: Store) -> int:
    """Give submissions stored before content identities existed theirs, so a re-zip of one of them is
    found as a duplicate too; returns how many were filled (0 for a store that cannot)."""
    fill = getattr(store, "fill_content_sha256", None)
    return int(fill(content_identity)) if callable(fill) else 0


def submit(
    store: Store,
    bundle: bytes,
    filename: str,
    attestation: Attestation,
    submitter: Submitter,
    limits: ZipLimits = DEFAULT_LIMITS,
    contact_required: bool = True,
    quota: Quota | None = None,
) -> Outcome:
    """Validate a bundle and store it with its record, or return every problem with nothing stored.

    The same bundle (same zip sha256, or the same files zipped again) submitted again returns the
    first submission ("duplicate"). With a `quota`, a submitter who stored as much as it allows in
    the last 24 hours is refused, with nothing stored.
    """
    problems: list[str] = []
    if not attestation.complete:
        missing = [title for (_key, title, _text), ok in zip(TERMS, _terms_of(attestation), strict=True) if not ok]
        problems.append(f"Accept all three attestation terms; not yet accepted: {', '.join(missing)}.")
    problems += submitter_problems(submitter, contact_required)
    report = check(bundle, limits)
    problems += messages(report.problems)
    if problems or report.record is None:
        return _rejected(problems or ["The bundle could not be read."], report)
    warnings = messages(report.warnings)
    try:
        sub, created = store.add_submission(
            bundle,
            clean_filename(filename),
            report.record,
            submitter,
            attestation,
            warnings,
            content_sha256=content_identity(bundle, limits),
            quota=quota,
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
        other_hardware=other_hardware_gpu(report),
        # A duplicate may have been reviewed and published since: what happens next depends on that.
        standing=standing(store, sub),
    )


def submit_upload(
    store: Store,
    path: str | Path | None,
    attestation: Attestation,
    submitter: Submitter,
    limits: ZipLimits = DEFAULT_LIMITS,
    contact_required: bool = True,
    quota: Quota | None = None,
) -> Outcome:
    """`submit` for an uploaded file on disk (read with the size limit first)."""
    data, problem = read_upload(path, limits)
    if data is None:
        problems = [problem]
        if not attestation.complete:
            problems.append("Accept all three attestation terms.")
        return _rejected(problems + submitter_problems(submitter, contact_required))
    return submit(store, data, clean_filename(str(path)), attestation, submitter, limits, contact_required, quota)


def _terms_of(attestation: Attestation) -> tuple[bool, bool, bool]:
    return (attestation.public_data_sharing, attestation.data_integrity, attestation.model_representation)


def normalise_id(submission_id: str | None) -> str:
    """A submission id as typed, trimmed and lower-cased ('' if it cannot be one)."""
    sid = (submission_id or "").strip().lower()
    return sid if SUBMISSION_ID_RE.match(sid) else ""


def status_text(store: Store, submission_id: str | None) -> str:
    """The public status of one submission in plain text (no contact data)."""
    return status_view(store, submission_id)[0]


def status_view(store: Store, submission_id: str | None) -> tuple[str, Standing | None]:
    """The public status of one submission in plain text (no contact data), and where it stands (None when
    there is no such submission): its review, the version it is published in, what happens next."""
    sid = normalise_id(submission_id)
    if not sid:
        return "Enter a submission id such as sub_0123456789ab (you got it when you submitted).", None
    try:
        sub = store.get_submission(sid)
    except Exception:
        log.exception("status lookup failed")
        return "The status could not be read because of a server error. Try again later.", None
    if sub is None:
        return f"No submission {sid}. Check the id you got when you submitted.", None
    where = standing(store, sub)
    lines = [
        f"Submission {sub.id}: {where.label}",
        f"Model: {sub.model_id}",
        f"Task: {task_name(sub.task_id)}",
        f"GPU: {sub.hardware or 'unknown'}" + ("" if where.rated else " (other hardware: no stars)"),
        f"GPU energy: {sub.gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries",
        f"Submitted: {sub.created_at}",
    ]
    if sub.status != STATUS_PENDING:
        lines.append(f"Reviewed: {sub.reviewed_at}")
    if sub.status == STATUS_REJECTED:
        lines.append(f"Reason: {sub.review_reason}")
    heading, text = next_steps(where, with_reason=False)  # the reason has its own line above
    lines.append(f"{heading}: {text}")
    return "\n".join(lines), where


def standing(store: Store, sub: Submission) -> Standing:
    """Where `sub` stands now: its review, and for an approved one the newest published version holding
    its result (with its stars there). A store that cannot say leaves it unpublished."""
    rated = is_rated_hardware(sub.hardware)
    base = Standing(sub.status, sub.hardware, rated, sub.result_id, reason=sub.review_reason)
    if sub.status != STATUS_APPROVED:
        return base
    try:
        found = store.get_result(sub.result_id)
        if found is None or not found.version_id:
            return base
        names = {v.id: v.name for v in store.versions()}
    except Exception:
        log.exception("reading where %s is published failed", sub.id)
        return base
    return Standing(
        sub.status,
        sub.hardware,
        found.rated_hardware,
        sub.result_id,
        found.version_id,
        names.get(found.version_id, found.version_id),
        found.stars,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def next_steps(where: Standing, with_reason: bool = True) -> tuple[str, str]:
    """What happens next to a stored submission, as (heading, plain sentences), by where it stands:
    pending (a reviewer checks it), approved (the next version lists it), published (the version it is
    in) or rejected (why, unless not `with_reason`, and what to do)."""
    other = f"under other hardware ({where.hardware or 'another GPU'}) without stars, since only H100 results are rated"
    if where.status == STATUS_REJECTED:
        reason = f" Reason: {_sentence(where.reason)}" if with_reason and where.reason.strip() else ""
        return (
            "Rejected",
            f"a reviewer rejected it, so it will not be published.{reason} Submitting the same bundle again only "
            "finds this submission: fix what the reason names, make a new bundle and submit that.",
        )
    if where.published:
        if not where.rated:
            how = f"listed {other}"
        else:
            how = "rated" if where.stars is None else f"rated with {_star_word(where.stars)}"
        return "Published", f"it is in leaderboard version {where.version_label}, {how}."
    listed = (
        "rated in the next leaderboard version" if where.rated else f"listed in the next leaderboard version {other}"
    )
    if where.status == STATUS_APPROVED:
        return "What happens next", f"a reviewer approved it; it will be {listed}."
    return (
        "What happens next",
        f"a reviewer checks the result. Once approved it will be {listed}; if rejected, the reason is shown on "
        "its status page.",
    )


def next_version_note(sub: Submission) -> str:
    """What the next leaderboard version does with an approved submission: rate it, or, measured on
    another GPU than the H100, list it under other hardware without stars."""
    if is_rated_hardware(sub.hardware):
        return "It will be rated in the next leaderboard version."
    return (
        f"It will be listed in the next leaderboard version under other hardware ({sub.hardware}), without stars: "
        "only H100 results are rated."
    )


def _minute(stamp: str) -> str:
    """An ISO UTC time to the minute, for a table ('2026-12-03T08:44:11+00:00' -> '2026-12-03 08:44')."""
    return stamp.replace("+00:00", "").replace("T", " ")[:16]


def _public_row(sub: Submission) -> list[str]:
    return [
        sub.id,
        _minute(sub.created_at),
        sub.model_id,
        task_name(sub.task_id),
        f"{sub.gpu_energy_wh_per_1k:.4f}",
        STATUS_LABELS.get(sub.status, sub.status),
        sub.review_reason if sub.status == STATUS_REJECTED else "",
        sub.hardware,
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
            s.hardware + ("" if is_rated_hardware(s.hardware) else " (other hardware: no stars)"),
            s.submitter_name,
            s.hf_username,
            s.submitter_contact,
            plain(" | ".join(s.warnings)),
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
        f"Submitter: {sub.submitter_name or '-'}; HF user: {sub.hf_username or '-'}; "
        f"contact: {sub.submitter_contact or '-'}",
        f"Attested at {sub.attested_at}",
    ]
    lines += [f"Warning: {plain(w)}" for w in sub.warnings]
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
    # What approving it would do to published stars, and whether its power draw is plausible.
    lines += review_stakes(store, sub) + plausibility(store.get_bundle(sub.id))
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
    tail = " " + next_version_note(sub) if approve else ""
    return ActionResult(True, f"{verb} {sub.id} ({sub.model_id}, {sub.task_id}).{tail}")


# A version id: year-month, optionally a suffix for a further version in the same month ("2026-12b",
# "2026-12-2", "2026-12-rc1"). Lower case only, so two ids never differ by case alone.
VERSION_ID_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-?[a-z0-9]{1,16})?")
VERSION_ID_HINT = (
    "The version id must look like 2026-11 (year-month), with an optional suffix for another version "
    "in the same month: 2026-11b or 2026-11-2."
)


def next_version(store: Store | None = None, today: date | None = None) -> tuple[str, str]:
    """(id, name) proposed for the next leaderboard version: the current month's, or, when `store`
    already holds that id, the first free one of its suffixed ids ('2026-12b', 'December 2026 (b)')."""
    vid, name = version_for(today or date.today())
    try:
        taken = {v.id for v in store.versions()} if store is not None else set()
    except Exception:
        log.exception("listing versions failed")
        taken = set()
    if vid not in taken:
        return vid, name
    for letter in "bcdefghijklmnopqrstuvwxyz":
        if vid + letter not in taken:
            return vid + letter, f"{name} ({letter})"
    n = 2
    while f"{vid}-{n}" in taken:
        n += 1
    return f"{vid}-{n}", f"{name} ({n})"


def publish(
    store: Store, reviewer: Reviewer | None, version_id: str | None, name: str | None, notes: str | None = ""
) -> ActionResult:
    """Publish every approved result as a new, frozen leaderboard version."""
    if reviewer is None:
        return ActionResult(False, "Reviewer access required to publish a version.")
    vid = (version_id or "").strip().lower()
    if not VERSION_ID_RE.fullmatch(vid):
        return ActionResult(False, VERSION_ID_HINT)
    try:
        info = store.publish_version(vid, _clean(name), _clean(notes, 2000))
    except StoreError as exc:
        free = next_version(store)[0]
        hint = f" The next free id is {free}." if "already exists" in str(exc) else ""
        return ActionResult(False, f"{exc}{hint}")
    except Exception:
        log.exception("publish failed")
        return ActionResult(False, "The version could not be published because of a server error; nothing changed.")
    try:
        # Results measured on another GPU than the H100 are in the version without stars: count them apart.
        unrated = sum(1 for r in store.version_results(info.id) if r.stars is None)
    except Exception:
        log.exception("counting the results of %s failed", info.id)
        unrated = 0
    other = f" and {unrated} on other hardware, without stars" if unrated else ""
    return ActionResult(
        True, f"Published {info.id} ({info.name}) with {info.result_count - unrated} rated result(s){other}."
    )


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


# --- what a reviewer weighs before approving -----------------------------------------------------

MAX_PLAUSIBILITY_LINES = 40
REPORT_NAME = "benchmark_report.json"
ENVIRONMENT_NAME = "environment.json"


def _star_word(n: int | None) -> str:
    return "-" if n is None else f"{n} star{'s' if n != 1 else ''}"


def review_stakes(store: Store, sub: Submission) -> list[str]:
    """What approving `sub` does to stars: its own, and every published result whose stars would change.

    Stars are rated per scoring group (task, and class where the task has classes) by
    shared.method.scoring over the results the next version would hold: every approved one. Each
    result of the newest published version in the same group is compared: its published stars
    against its stars in the next version with this submission in it. A change that would happen
    without this submission too (other approved results) is marked so. A result measured on another GPU
    than the H100 is in no group: it gets no stars and changes none.
    """
    try:
        rated = store.get_result(sub.result_id)
        if rated is None:
            return ["Stakes: the result of this submission could not be read."]
        rec = rated.record
        group = record_group(rec)
        if group is None:
            return [
                f"Stakes: measured on {rec.hardware}, not an NVIDIA H100: if published, this result is listed under "
                "other hardware without stars, and no published result's stars change."
            ]

        def in_group(r: RatedResult) -> bool:
            return record_group(r.record) == group

        others = {r.result_id: r for r in store.approved_results() if in_group(r) and r.result_id != sub.result_id}
        versions = store.versions()
        published = {r.result_id: r for r in store.version_results(versions[0].id) if in_group(r)} if versions else {}
    except Exception:
        log.exception("computing the stakes of %s failed", sub.id)
        return ["Stakes: could not be computed because of a server error."]
    items = [(rid, group, r.record.gpu_energy_wh_per_1k) for rid, r in others.items()]
    without = stars_by_group(items)
    with_it = stars_by_group([*items, (sub.result_id, group, rec.gpu_energy_wh_per_1k)])
    group_name = rec.task_id + (f", class {group[1]}" if group[1] else "")
    lines = [
        f"Stakes: if published, this result gets {_star_word(with_it[sub.result_id])} in {group_name}, "
        f"rated with {len(others)} other approved result(s)."
    ]
    changes = []
    for rid, r in sorted(published.items(), key=lambda kv: kv[1].record.gpu_energy_wh_per_1k):
        after = with_it.get(rid)
        if after is None or after == r.stars:
            continue
        anyway = " (changes without this one too)" if without.get(rid) == after else ""
        changes.append(
            f"  {r.record.model_id} ({rid}, {r.record.gpu_energy_wh_per_1k:.4f} Wh/1k): "
            f"{_star_word(r.stars)} -> {_star_word(after)}{anyway}"
        )
    if not published:
        lines.append("No published result in this group yet: no published star changes.")
    elif changes:
        lines.append(f"Published results in this group whose stars would change ({len(changes)} of {len(published)}):")
        lines += changes
    else:
        lines.append(f"No published result in this group would change stars ({len(published)} published).")
    return lines


def _member(archive: ZipArchive, name: str) -> bytes | None:
    """The member named `name` at the bundle's root, or in the one folder a zipped run directory has."""
    matches = sorted((p for p in archive if p == name or p.endswith("/" + name)), key=lambda p: p.count("/"))
    return archive[matches[0]] if matches else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def power_limit_w(env: dict[str, Any]) -> float | None:
    """The run's power limit in W, summed over its GPUs: the environment's own `power_limit_w` if it
    has one, else the sum of every GPU's (None when any is unknown)."""
    own = _number(env.get("power_limit_w"))
    if own is not None:
        return own
    gpus = env.get("gpus")
    if not isinstance(gpus, list) or not gpus:
        return None
    limits = [_number(g.get("power_limit_w")) if isinstance(g, dict) else None for g in gpus]
    return None if any(v is None for v in limits) else sum(v for v in limits if v is not None)


def plausibility(bundle: bytes | None, limits: ZipLimits = DEFAULT_LIMITS) -> list[str]:
    """Mean GPU power of every measured window against idle power and the power limit, for a reviewer.

    A window drawing less than the GPU does idle, or more than its power limit, cannot be a real
    measurement of that run: such a window is marked. Energies are summed over GPUs, and so are the
    idle power and the limit compared with them.
    """
    if bundle is None:
        return ["Plausibility: the bundle could not be read."]
    try:
        archive = ZipArchive(bundle, limits)
        try:
            report_raw, env_raw = _member(archive, REPORT_NAME), _member(archive, ENVIRONMENT_NAME)
        finally:
            archive.close()
        if report_raw is None or env_raw is None:
            return ["Plausibility: not available for this bundle format (no benchmark_report.json)."]
        report, env = load_json(REPORT_NAME, report_raw, limits), load_json(ENVIRONMENT_NAME, env_raw, limits)
    except (UnsafeZip, BadJson):
        return ["Plausibility: the bundle could not be read."]
    if not isinstance(report, dict) or not isinstance(env, dict):
        return ["Plausibility: the bundle's report could not be read."]
    idle, limit = _number(env.get("idle_power_w")), power_limit_w(env)
    windows: list[tuple[str, dict[str, Any]]] = []
    if isinstance(report.get("preprocess"), dict):
        windows.append(("preprocess", report["preprocess"]))
    reps = report.get("repetitions")
    for i, rep in enumerate(reps if isinstance(reps, list) else []):
        phases = rep.get("phases") if isinstance(rep, dict) else None
        for phase in phases if isinstance(phases, list) else []:
            if isinstance(phase, dict):
                windows.append((f"repetition {i + 1} {phase.get('name', '?')}", phase))
    lines = [
        "Plausibility (mean GPU power per measured window): idle "
        + ("unknown" if idle is None else f"{idle:.1f} W")
        + ", power limit "
        + ("unknown" if limit is None else f"{limit:.0f} W")
        + "."
    ]
    flagged = 0
    for label, phase in windows[:MAX_PLAUSIBILITY_LINES]:
        energy, seconds = _number(phase.get("gpu_energy_wh")), _number(phase.get("duration_s"))
        if energy is None or not seconds:
            lines.append(f"  {label}: no duration, no mean power.")
            continue
        watts = energy * 3600 / seconds
        mark = ""
        if idle is not None and watts < idle:
            mark = " <- below idle power: implausible"
        elif limit is not None and watts > limit:
            mark = " <- above the power limit: implausible"
        flagged += bool(mark)
        lines.append(f"  {label}: {watts:.1f} W over {seconds:.1f} s{mark}")
    if len(windows) > MAX_PLAUSIBILITY_LINES:
        lines.append(f"  ... and {len(windows) - MAX_PLAUSIBILITY_LINES} more window(s).")
    if flagged:
        lines.append(f"{flagged} window(s) outside idle..limit: ask the submitter before approving.")
    return lines
