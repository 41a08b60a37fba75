"""Look and navigation shared by the three apps (plain HTML/CSS strings: no app imports another).

`Links` turns the suite's public addresses into the links the apps print, QR codes encode and the
navigation bar shows; it reads no environment (`shared.web.config.SiteConfig.from_env` builds it).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

GREEN = "#3fa45b"
DARK = "#313131"
SHORT_RESULT_PATH = "/r"

# Paths of the apps when the suite runs them together (app.py) or as separate Spaces.
APP_PATHS = {"leaderboard": "/leaderboard", "submit": "/submit", "label": "/label"}
APP_TITLES = {"leaderboard": "Leaderboard", "submit": "Submit a run", "label": "Energy label"}

CSS = f"""
.aes-nav {{ display:flex; gap:18px; align-items:center; padding:8px 4px 14px; \
border-bottom:1px solid #e5e5e5; margin-bottom:10px; }}
.aes-nav a {{ color:{DARK}; text-decoration:none; font-weight:500; }}
.aes-nav a.active {{ color:{GREEN}; border-bottom:2px solid {GREEN}; }}
.aes-brand {{ font-weight:700; color:{DARK}; margin-right:12px; }}
.aes-brand span {{ color:{GREEN}; }}
"""


@dataclass(frozen=True)
class Links:
    """Where the suite and each app are reachable, and the links built from that.

    Attributes:
        base_url: Public address of the suite ('' = links relative to the current host).
        leaderboard: Address of the leaderboard when it runs on its own ('' = base_url + /leaderboard).
        submit: Address of the submission portal when it runs on its own ('' = base_url + /submit).
        label: Address of the label generator when it runs on its own ('' = base_url + /label).
    """

    base_url: str = ""
    leaderboard: str = ""
    submit: str = ""
    label: str = ""

    def own_address(self, key: str) -> str:
        """The address app `key` has on its own ('' when it is reached through the suite's address)."""
        own = {"leaderboard": self.leaderboard, "submit": self.submit, "label": self.label}
        return own[key].rstrip("/")

    def suite_url(self) -> str:
        """The suite's public address without a trailing slash ('' when links are relative)."""
        return self.base_url.rstrip("/")

    def app_url(self, key: str) -> str:
        """Address of one app (a key of APP_PATHS): its own address, else the suite's plus its path."""
        return self.own_address(key) or f"{self.suite_url()}{APP_PATHS[key]}"

    def result_url(self, result_id: str) -> str:
        """Link to one result's detail view on the leaderboard (what a label's QR code encodes).

        In the suite (no separate leaderboard address) it is the short form `<base>/r/<result id>`,
        which `app.py` redirects to the detail view: a short link keeps the QR code coarse and the
        printed link readable. A leaderboard on its own address gets its full `?result=` link.
        """
        if self.own_address("leaderboard"):
            return f"{self.app_url('leaderboard')}?result={result_id}"
        return f"{self.suite_url()}{SHORT_RESULT_PATH}/{result_id}"

    def label_url(self, result_id: str) -> str:
        """Link to the label generator preset to one result."""
        return f"{self.app_url('label')}?result={result_id}"

    def nav_html(self, active: str) -> str:
        """The navigation bar shown at the top of every app; `active` is a key of APP_PATHS."""
        links = "".join(
            f'<a href="{html.escape(self.app_url(key))}" class="{"active" if key == active else ""}">'
            f"{APP_TITLES[key]}</a>"
            for key in APP_PATHS
        )
        return f'<nav class="aes-nav"><span class="aes-brand"><span>&#9733;</span> AI Energy Score</span>{links}</nav>'
