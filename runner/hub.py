"""Fail fast when a Hub id cannot be fetched: offline mode, or no route to the Hub.

Without this, `transformers` and `datasets` retry a Hub id for ~26 s on a machine without network
before their own error, which then talks about connections rather than what to do. A model or
dataset already in the Hugging Face cache is left to the libraries (they read the cache offline).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from runner.errors import RunnerError

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 3.0
_TRUE = {"1", "ON", "YES", "TRUE"}
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def hub_offline() -> bool:
    """True when HF_HUB_OFFLINE asks the Hugging Face libraries not to use the network."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in _TRUE


def hub_endpoint() -> str:
    """The Hub's address (HF_ENDPOINT, as huggingface_hub reads it)."""
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


def hub_reachable(endpoint: str | None = None, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the Hub opens within `timeout_s` (True when a proxy is set: the
    route then goes through it and a direct probe says nothing)."""
    if any(os.environ.get(v) for v in _PROXY_VARS):
        return True
    url = urlparse(endpoint or hub_endpoint())
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError:
        return False
    return True


def _cache_dir() -> Path:
    try:
        from huggingface_hub import constants
    except ImportError:
        return Path(os.environ.get("HF_HUB_CACHE", Path.home() / ".cache" / "huggingface" / "hub"))
    return Path(constants.HF_HUB_CACHE)


def in_cache(kind: str, repo_id: str) -> bool:
    """Whether the Hugging Face cache holds a copy of the model or dataset `repo_id`."""
    folder = "datasets" if kind == "dataset" else "models"
    return (_cache_dir() / f"{folder}--{repo_id.replace('/', '--')}").is_dir()


def require_hub(kind: str, repo_id: str, probe: Callable[[], bool] = hub_reachable) -> None:
    """Raise a RunnerError at once when the `kind` ("model" or "dataset") `repo_id` must come from the
    Hub but cannot: offline mode, or the Hub does not answer. Cached ids pass."""
    if in_cache(kind, repo_id):
        return
    flag = "--dataset" if kind == "dataset" else "--model"
    if hub_offline():
        raise RunnerError(
            f"{kind} {repo_id!r} is a Hub id, but HF_HUB_OFFLINE is set and it is not in the Hugging Face "
            f"cache. Download it while online (or unset HF_HUB_OFFLINE), or give {flag} a local path."
        )
    if not probe():
        raise RunnerError(
            f"{kind} {repo_id!r} is a Hub id, but the Hub ({hub_endpoint()}) cannot be reached from this "
            f"machine. Check the network (or HF_ENDPOINT), or give {flag} a local path."
        )
