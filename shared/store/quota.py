"""How much one submitter may store per rolling day, and who counts as one submitter.

Without a limit one person could fill the store (a 190 MB bundle every two seconds). The limit is
counted per submitter: the Hugging Face account when logged in (it cannot be forged), else the
contact given in the form (which can, so the limit only slows an anonymous flood: the upload size
limit and the portal's concurrency bound the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.store.models import Quota, StoreError, Submitter

MB = 1_000_000  # decimal, as messages print sizes
DEFAULT_SUBMISSIONS_PER_DAY = Quota().submissions_per_day
DEFAULT_MB_PER_DAY = Quota().bytes_per_day / MB
WINDOW = timedelta(days=1)


class QuotaExceeded(StoreError):
    """The submitter has stored as much as the quota allows in the last 24 hours."""


@dataclass(frozen=True)
class SubmitterKey:
    """Whom a quota counts: a Hugging Face user name, else a contact (both compared case-blind)."""

    hf_username: str = ""
    contact: str = ""

    @classmethod
    def of(cls, submitter: Submitter) -> SubmitterKey:
        """The key of a submitter: the HF user when logged in, else the contact (else the name)."""
        if submitter.hf_username.strip():
            return cls(hf_username=submitter.hf_username.strip().lower())
        return cls(contact=(submitter.contact.strip() or submitter.name.strip()).lower())


def window_start(now: datetime | None = None) -> str:
    """The start of the rolling day ending now, in the store's timestamp format."""
    return ((now or datetime.now(UTC)) - WINDOW).isoformat(timespec="seconds")


def check_quota(quota: Quota, used_count: int, used_bytes: int, new_bytes: int) -> None:
    """Raise QuotaExceeded, with what to do, if storing `new_bytes` more would pass the quota."""
    if used_count + 1 > quota.submissions_per_day:
        raise QuotaExceeded(
            f"Daily limit reached: you stored {used_count} submission(s) in the last 24 hours, the limit is "
            f"{quota.submissions_per_day}. Nothing was stored; try again tomorrow, or ask the maintainers."
        )
    if used_bytes + new_bytes > quota.bytes_per_day:
        raise QuotaExceeded(
            f"Daily limit reached: with this bundle ({new_bytes / MB:.1f} MB) you would store "
            f"{(used_bytes + new_bytes) / MB:.1f} MB in 24 hours, over the limit of {quota.bytes_per_day / MB:.0f} MB. "
            "Nothing was stored; leave logs you do not need out of the bundle, or try again tomorrow."
        )
