"""The portal's settings, read from the environment once per app (see README.md for the list)."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace

from shared.bundle.safezip import ZipLimits
from shared.store.quota import DEFAULT_MB_PER_DAY, DEFAULT_SUBMISSIONS_PER_DAY, Quota

log = logging.getLogger(__name__)

MAX_UPLOAD_ENV = "AIENERGY_MAX_UPLOAD_MB"
ADMIN_TOKEN_ENV = "AIENERGY_ADMIN_TOKEN"
REVIEWER_ORG_ENV = "AIENERGY_REVIEWER_ORG"
CONCURRENCY_ENV = "AIENERGY_PORTAL_CONCURRENCY"
OAUTH_ENV = "AIENERGY_OAUTH"
QUOTA_SUBMISSIONS_ENV = "AIENERGY_QUOTA_SUBMISSIONS_PER_DAY"
QUOTA_MB_ENV = "AIENERGY_QUOTA_MB_PER_DAY"

DEFAULT_MAX_UPLOAD_MB = 200.0
DEFAULT_CONCURRENCY = 2
MB = 1_000_000  # decimal, as the messages print sizes (ZipLimits defaults are in MiB)
# shared.bundle.safezip's limits with the upload limit in decimal megabytes (200 MB, not 200 MiB).
DEFAULT_LIMITS = replace(ZipLimits(), max_zip_bytes=int(DEFAULT_MAX_UPLOAD_MB * MB))
# Per submitter and rolling day: 20 submissions and 500 MB (AIENERGY_QUOTA_*_PER_DAY to change).
DEFAULT_QUOTA = Quota()


def _positive_env(name: str, default: float, parse: Callable[[str], float] = float) -> float:
    """A positive number from the environment; the default when unset, unparsable or not positive
    (a bad setting must not stop the portal)."""
    raw = os.environ.get(name, "").strip()
    try:
        value = parse(raw) if raw else default
    except ValueError:
        return default
    return value if value > 0 else default


def _oauth_libraries(on_space: bool) -> bool:
    """True when gradio's OAuth dependencies are installed (gradio[oauth]: itsdangerous for the
    session, and authlib for the real login on a Space)."""
    modules = ("itsdangerous", "authlib") if on_space else ("itsdangerous",)
    return all(importlib.util.find_spec(m) is not None for m in modules)


def oauth_configured() -> bool:
    """True when Hugging Face login can work, so the login button is shown.

    That is on a Space with OAuth enabled (`hf_oauth: true` sets OAUTH_CLIENT_ID; SYSTEM=spaces), with
    gradio[oauth] installed. AIENERGY_OAUTH=0 turns it off; AIENERGY_OAUTH=1 turns it on outside a
    Space too, where gradio mocks the login with the machine's own Hugging Face token (and refuses to
    start without one). Without the libraries it stays off, with a warning: never a crash.
    """
    forced = os.environ.get(OAUTH_ENV, "").strip().lower()
    if forced in ("0", "false", "no", "off"):
        return False
    on_space = os.environ.get("SYSTEM") == "spaces"
    wanted = forced in ("1", "true", "yes", "on") or (bool(os.environ.get("OAUTH_CLIENT_ID")) and on_space)
    if wanted and not _oauth_libraries(on_space):
        log.warning("Hugging Face login is configured but gradio[oauth] is not installed; using name and contact.")
        return False
    return wanted


@dataclass(frozen=True)
class PortalConfig:
    """Settings of one portal app.

    Attributes:
        limits: Limits on an uploaded bundle (max_zip_bytes is the upload size limit).
        admin_token: The reviewer token ('' = no token login).
        reviewer_org: Hugging Face organisation whose members may review ('' = none).
        oauth: Whether to offer the Hugging Face login button.
        concurrency: How many uploads are validated at the same time (each may take several hundred MB).
        quota: What one submitter (HF user, else contact) may store per rolling day.
    """

    limits: ZipLimits = DEFAULT_LIMITS
    admin_token: str = ""
    reviewer_org: str = ""
    oauth: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    quota: Quota = DEFAULT_QUOTA

    @property
    def max_upload_bytes(self) -> int:
        """The upload size limit in bytes."""
        return self.limits.max_zip_bytes

    @property
    def reviewing_possible(self) -> bool:
        """True when some reviewer credential is configured."""
        return bool(self.admin_token) or (self.oauth and bool(self.reviewer_org))

    @classmethod
    def from_env(cls) -> PortalConfig:
        """Settings from the environment (defaults where unset or unreadable)."""
        max_bytes = int(_positive_env(MAX_UPLOAD_ENV, DEFAULT_MAX_UPLOAD_MB) * MB)
        return cls(
            limits=replace(DEFAULT_LIMITS, max_zip_bytes=max_bytes),
            admin_token=os.environ.get(ADMIN_TOKEN_ENV, "").strip(),
            reviewer_org=os.environ.get(REVIEWER_ORG_ENV, "").strip(),
            oauth=oauth_configured(),
            concurrency=int(_positive_env(CONCURRENCY_ENV, DEFAULT_CONCURRENCY, int)),
            quota=Quota(
                submissions_per_day=int(_positive_env(QUOTA_SUBMISSIONS_ENV, DEFAULT_SUBMISSIONS_PER_DAY, int)),
                bytes_per_day=int(_positive_env(QUOTA_MB_ENV, DEFAULT_MB_PER_DAY) * MB),
            ),
        )
