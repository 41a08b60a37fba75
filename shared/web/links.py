"""Look and navigation shared by the three apps (plain HTML/CSS strings: no app imports another)."""

from __future__ import annotations

import html
import os

GREEN = "#3fa45b"
DARK = "#313131"
BASE_URL_ENV = "AIENERGY_BASE_URL"
# Hugging Face sets SPACE_HOST (e.g. "org-name.hf.space") inside a running Space.
SPACE_HOST_ENV = "SPACE_HOST"
SHORT_RESULT_PATH = "/r"

# Paths of the apps when the suite runs them together (app.py) or as separate Spaces.
APP_PATHS = {"leaderboard": "/leaderboard", "submit": "/submit", "label": "/label"}
APP_TITLES = {"leaderboard": "Leaderboard", "submit": "Submit a run", "label": "Energy label"}

CSS = f"""
.aes-nav {{ display:flex; gap:18px; align-items:center; padding:8px 4px 14px; border-bottom:1px solid #e5e5e5; margin-bottom:10px; }}
.aes-nav a {{ color:{DARK}; text-decoration:none; font-weight:500; }}
.aes-nav a.active {{ color:{GREEN}; border-bottom:2px solid {GREEN}; }}
.aes-brand {{ font-weight:700; color:{DARK}; margin-right:12px; }}
.aes-brand span {{ color:{GREEN}; }}
"""


def base_url() -> str:
    """Public address of the suite: $AIENERGY_BASE_URL, else the Space's https address when running
    on Hugging Face, else '' (links relative to the current host; `app.py` sets the variable to the
    address it serves, so labels and QR codes carry a full link)."""
    explicit = os.environ.get(BASE_URL_ENV, "").rstrip("/")
    if explicit:
        return explicit
    host = os.environ.get(SPACE_HOST_ENV, "").strip().rstrip("/")
    return f"https://{host}" if host else ""


def app_url(key: str) -> str:
    """Address of one app: $AIENERGY_<KEY>_URL when the apps run as separate Spaces, else the
    suite's base URL plus the app's path."""
    override = os.environ.get(f"AIENERGY_{key.upper()}_URL", "").rstrip("/")
    return override or f"{base_url()}{APP_PATHS[key]}"


def nav_html(active: str) -> str:
    """The navigation bar shown at the top of every app; `active` is a key of APP_PATHS."""
    links = "".join(
        f'<a href="{html.escape(app_url(key))}" class="{"active" if key == active else ""}">{APP_TITLES[key]}</a>'
        for key in APP_PATHS
    )
    return f'<nav class="aes-nav"><span class="aes-brand"><span>&#9733;</span> AI Energy Score</span>{links}</nav>'


def result_url(result_id: str) -> str:
    """Link to one result's detail view on the leaderboard (what a label's QR code encodes).

    In the suite (no separate leaderboard address configured) it is the short form
    `<base>/r/<result id>`, which `app.py` redirects to the detail view: a short link keeps the QR code
    coarse and the printed link readable. A separate leaderboard Space gets its full `?result=` link.
    """
    if os.environ.get("AIENERGY_LEADERBOARD_URL"):
        return f"{app_url('leaderboard')}?result={result_id}"
    return f"{base_url()}{SHORT_RESULT_PATH}/{result_id}"


def label_url(result_id: str) -> str:
    """Link to the label generator preset to one result."""
    return f"{app_url('label')}?result={result_id}"
