"""Who may review: the holder of the admin token, or a member of the reviewers' Hugging Face org.

Every reviewer action calls `authorize` again on the server; the UI hiding the panel is a
convenience, not the check.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from submission_portal.config import PortalConfig

log = logging.getLogger(__name__)

WhoAmI = Callable[[str], Mapping[str, Any]]


@dataclass(frozen=True)
class Reviewer:
    """An authorised reviewer.

    Attributes:
        name: What the store records as `reviewed_by`.
        via: "token" or "org".
    """

    name: str
    via: str


def token_ok(config: PortalConfig, token: str | None) -> bool:
    """True when `token` equals the configured admin token (constant-time; never for an empty one)."""
    expected = config.admin_token
    given = (token or "").strip()
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def _hf_whoami(token: str) -> Mapping[str, Any]:
    from huggingface_hub import whoami

    return whoami(token=token)


def _org_names(entries: Any) -> set[str]:
    names: set[str] = set()
    if not isinstance(entries, list):
        return names
    for org in entries:
        if isinstance(org, Mapping):
            for key in ("name", "preferred_username"):
                value = org.get(key)
                if isinstance(value, str) and value:
                    names.add(value.lower())
    return names


def organisations(profile: Mapping[str, Any] | None, oauth_token: str | None, whoami: WhoAmI | None = None) -> set[str]:
    """Lower-cased names of the Hugging Face organisations of a logged-in user.

    Read from the OAuth user info when it lists them, else from the Hub's whoami with the user's
    token; an unreachable Hub gives the empty set (no access), never an error.
    """
    names = _org_names(profile.get("orgs")) if profile else set()
    if names or not oauth_token:
        return names
    try:
        return _org_names((whoami or _hf_whoami)(oauth_token).get("orgs"))
    except Exception as exc:  # network, expired token, ...: refuse, and say so in the log
        log.warning("Could not read the reviewer's organisations: %s", exc)
        return set()


def authorize(
    config: PortalConfig,
    token: str | None,
    profile: Mapping[str, Any] | None = None,
    oauth_token: str | None = None,
    whoami: WhoAmI | None = None,
) -> Reviewer | None:
    """The reviewer behind these credentials, or None when they do not grant reviewing."""
    username = str(profile.get("preferred_username", "")) if profile else ""
    if token_ok(config, token):
        return Reviewer(name=f"{username} (admin token)" if username else "admin (token)", via="token")
    if config.oauth and config.reviewer_org and profile and username:
        if config.reviewer_org.lower() in organisations(profile, oauth_token, whoami):
            return Reviewer(name=username, via="org")
    return None
