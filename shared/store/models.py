"""What the store holds and the interface every app uses.

`Store` is the small interface; `shared.store.sqlite.SQLiteStore` is the embedded default and
`shared.store.hf_dataset.HFDatasetStore` keeps the same file in a Hugging Face dataset repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from shared.method.hardware import is_rated_hardware
from shared.method.scoring import Group, scoring_group
from shared.method.tasks import TASKS
from shared.records import ResultRecord

STORE_ENV = "AIENERGY_STORE"
# 2: version_results.stars may be NULL (a result measured on another GPU than the H100, not rated).
STORE_SCHEMA_VERSION = 2
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STORE_PATH = REPO_ROOT / "data" / "store" / "aienergy.sqlite3"
# The store holds submitters' contacts: readable and writable by its owner only.
PRIVATE_FILE_MODE = 0o600

STATUS_PENDING = "pending"
STATUS_APPROVED = "approved"
STATUS_REJECTED = "rejected"


class StoreError(Exception):
    """A store operation was refused; the message says why and what to do."""


def now_utc() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Quota:
    """What one submitter may store per rolling day (24 hours); see shared.store.quota.

    Attributes:
        submissions_per_day: Most submissions one submitter may store in 24 hours.
        bytes_per_day: Most bundle bytes one submitter may store in 24 hours.
    """

    submissions_per_day: int = 20
    bytes_per_day: int = 500_000_000


@dataclass(frozen=True)
class Attestation:
    """The three terms a submitter must accept (docs/APPS.md §2).

    Attributes:
        public_data_sharing: The energy data derived from the submission will be published.
        data_integrity: The logs are accurate, unaltered and produced by the specified procedure.
        model_representation: The tested model is the production version, quantization included.
    """

    public_data_sharing: bool
    data_integrity: bool
    model_representation: bool

    @property
    def complete(self) -> bool:
        """True when all three terms are accepted."""
        return self.public_data_sharing and self.data_integrity and self.model_representation


@dataclass(frozen=True)
class Submitter:
    """Who submitted: a Hugging Face user, or a name and contact."""

    name: str
    contact: str = ""
    hf_username: str = ""


@dataclass(frozen=True)
class Submission:
    """A stored submission (contact data included: don't show it publicly)."""

    id: str
    bundle_sha256: str
    filename: str
    submitter_name: str
    submitter_contact: str
    hf_username: str
    attested_at: str
    created_at: str
    status: str
    review_reason: str
    reviewed_by: str
    reviewed_at: str
    result_id: str
    task_id: str
    model_id: str
    gpu_energy_wh_per_1k: float
    warnings: tuple[str, ...] = ()
    hardware: str = ""  # GPU the result was measured on, as recorded (the reviewer's queue shows it)


@dataclass(frozen=True)
class VersionInfo:
    """A published leaderboard version: a named, dated, frozen set of rated results."""

    id: str
    name: str
    published_at: str
    notes: str
    result_count: int


@dataclass(frozen=True)
class RatedResult:
    """A result as a version rates it. Stars are None for a result not in that version (approved, not yet
    published), and for a result of the version that is not rated: measured on another GPU than the H100
    (`rated_hardware` False), listed under other hardware."""

    result_id: str
    submission_id: str
    bundle_sha256: str
    record: ResultRecord
    stars: int | None
    version_id: str | None

    @property
    def rated_hardware(self) -> bool:
        """True when the result's GPU is rated (an H100, or a published figure); False for other hardware."""
        return record_rated(self.record)


def record_rated(record: ResultRecord) -> bool:
    """True when a record is rated: measured on an H100 (exact product name) or a published figure."""
    return is_rated_hardware(record.hardware, record.is_published_figure)


def record_group(record: ResultRecord) -> Group | None:
    """The scoring group of a stored record (shared.method.scoring), None for a record that is not rated
    (another GPU than the H100): every path that gives stars asks this, so none puts such a result in
    a group with H100 results."""
    task = TASKS.get(record.task_id)
    return scoring_group(record.task_id, record.model_class, task.has_classes if task else False, record_rated(record))


class Store(Protocol):
    """What the apps need from a store."""

    def add_submission(
        self,
        bundle: bytes,
        filename: str,
        record: ResultRecord,
        submitter: Submitter,
        attestation: Attestation,
        warnings: list[str] | None = None,
        content_sha256: str | None = None,
        quota: Quota | None = None,
    ) -> tuple[Submission, bool]:
        """Store a validated bundle and its record; (submission, False) if the bundle was already stored.

        `content_sha256` identifies the bundle's files whatever the zip (a re-zip is the same bundle);
        `quota` limits what one submitter stores per day (QuotaExceeded, a StoreError, when passed).
        """

    def get_submission(self, submission_id: str) -> Submission | None:
        """One submission by id."""

    def get_bundle(self, submission_id: str) -> bytes | None:
        """The bundle bytes of a submission."""

    def submissions(self, status: str | None = None) -> list[Submission]:
        """Submissions, newest first, optionally of one status."""

    def review(self, submission_id: str, approve: bool, reason: str, reviewer: str) -> Submission:
        """Approve or reject a pending submission."""

    def approved_results(self) -> list[RatedResult]:
        """Every approved result (stars None): the candidates of the next version."""

    def publish_version(self, version_id: str, name: str, notes: str = "") -> VersionInfo:
        """Freeze every approved result into a new version with recalibrated stars."""

    def versions(self) -> list[VersionInfo]:
        """Published versions, newest first."""

    def version_results(self, version_id: str) -> list[RatedResult]:
        """The results of a version with the stars frozen in it."""

    def get_result(self, result_id: str, version_id: str | None = None) -> RatedResult | None:
        """One result, with its stars in `version_id` (or the newest version holding it)."""
