"""Look and navigation shared by the three apps (plain HTML/CSS strings: no app imports another)."""

from __future__ import annotations

import html
import os

GREEN = "#3fa45b"
DARK = "#313131"
BASE_URL_ENV = "AIENERGY_BASE_URL"

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
    """Public address of the suite ('' means links are relative to the current host)."""
    return os.environ.get(BASE_URL_ENV, "").rstrip("/")


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
    """Link to one result's detail view on the leaderboard (what a label's QR code encodes)."""
    return f"{app_url('leaderboard')}?result={result_id}"


def label_url(result_id: str) -> str:
    """Link to the label generator preset to one result."""
    return f"{app_url('label')}?result={result_id}"
