"""The whole suite in one process on one port: landing page, /leaderboard, /submit, /label.

`python app.py` (the Spaces convention) serves the three Gradio apps on the embedded default store,
seeding it with the shipped demo data (real H100 bundles) on first start. Honours
GRADIO_SERVER_PORT and GRADIO_SERVER_NAME (see shared.web.config.SiteConfig).
"""

from __future__ import annotations

import html
import secrets
import threading
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from label_generator.app import build_demo as build_label
from leaderboard.app import FAVICON as LEADERBOARD_FAVICON
from leaderboard.app import build_demo as build_leaderboard
from seed import seed_demo
from shared.method.tasks import TASKS
from shared.store.factory import open_store
from shared.store.label_queries import VersionHead, version_counts, version_heads
from shared.store.models import Store, VersionInfo
from shared.web.config import SiteConfig
from shared.web.links import APP_PATHS, APP_TITLES, CSS, DARK, GREEN, SHORT_RESULT_PATH, Links
from submission_portal.app import build_demo as build_portal
from submission_portal.config import PortalConfig
from submission_portal.service import backfill_content_identities

APP_BLURBS = {
    "leaderboard": "Browse GPU energy ratings per task and class, compare models, estimate your workload.",
    "submit": "Upload a run bundle, accept the attestation, and follow its review.",
    "label": "Download the verifiable energy label of a rated model.",
}


@dataclass(frozen=True)
class VersionFacts:
    """What the landing page says of one published version.

    Attributes:
        info: The version (its `result_count` counts every result, rated or not).
        tasks: Tasks with at least one rated result in it.
        published_figures: Rated results imported as published figures (no bundle, no raw readings here).
        replicas: Rated results measured on random-weight replicas.
        other_hardware: Results measured on another GPU than the H100: in the version without stars, not rated.
    """

    info: VersionInfo
    tasks: int
    published_figures: int
    replicas: int
    other_hardware: int = 0

    @property
    def rated(self) -> int:
        """Results with stars (measured on an H100, or published figures)."""
        return self.info.result_count - self.other_hardware

    @property
    def measured(self) -> int:
        """Rated results measured from a bundle whose raw counter readings the portal re-checked."""
        return self.rated - self.published_figures


def version_facts(store: Store, head: VersionHead) -> VersionFacts:
    """Count what a version holds (one aggregate query; no record is parsed in Python for SQLite)."""
    counts = version_counts(store, head.id)
    info = VersionInfo(head.id, head.name, head.published_at, head.notes, counts.results)
    return VersionFacts(info, counts.tasks, counts.published_figures, counts.replicas, counts.unrated)


class LandingFacts:
    """The facts of every published version, each counted once.

    A version is frozen once published, so its counts never change: they are kept by (id, publication
    time), and a request only lists the versions (one query on the versions table, without counting their
    results, so a version published since shows at once) and counts a version it has not seen yet. The
    page thus costs the same at 100 results as at 100,000.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: dict[tuple[str, str], VersionFacts] = {}
        self._lock = threading.Lock()

    def current(self) -> list[VersionFacts]:
        """Facts of the published versions, newest first."""
        out = []
        for head in version_heads(self.store):
            key = (head.id, head.published_at)
            facts = self._known.get(key)
            if facts is None:
                with self._lock:  # one count per version, however many requests arrive at once
                    facts = self._known.get(key) or version_facts(self.store, head)
                    self._known[key] = facts
            out.append(facts)
        return out


def describe_version(f: VersionFacts) -> str:
    """One HTML line saying what is true of a version's numbers (results on other hardware, which have no
    stars, are counted apart from the rated ones)."""
    n, tasks = f.rated, f"{f.tasks} of {len(TASKS)} tasks"
    head = f"<b>{html.escape(f.info.name)}</b>: {n:,} rated result{'s' if n != 1 else ''} in {tasks}"
    if f.other_hardware:
        head += f", and {f.other_hardware:,} on other hardware (not rated: stars compare H100 measurements only)"
    parts = []
    if f.published_figures:
        parts.append(
            f"{f.published_figures:,} published figure{'s' if f.published_figures != 1 else ''} of the official AI "
            "Energy Score, measured with its reference runner and shown as published: no raw readings are held "
            "for them, so they are not re-checked here"
        )
    if f.measured:
        replicas = (
            f", {f.replicas:,} of them on random-weight replicas (the energy of the architecture, not of the "
            "trained model)"
            if f.replicas
            else ""
        )
        parts.append(
            f"{f.measured:,} measured from run bundle{'s' if f.measured != 1 else ''} whose raw counter readings the "
            f"portal re-checked{replicas}"
        )
    return f"<li>{head}. {'; '.join(parts)}.</li>" if parts else f"<li>{head}.</li>"


def landing_html(store: Store, links: Links = Links(), facts: LandingFacts | None = None) -> str:
    """The landing page: what the suite is, what each published version holds, and the three apps
    (`links` fill the navigation bar; `facts` keeps the per-version counts between requests)."""
    versions = (facts or LandingFacts(store)).current()
    if versions:
        latest = versions[0].info
        status = (
            f"<p>Shown first: <b>{html.escape(latest.name)}</b>, the version published on this board most recently. "
            "Versions, most recently published first (a version's name says when its figures were measured):</p>"
            f'<ul class="versions">{"".join(describe_version(f) for f in versions)}</ul>'
        )
    else:
        status = "<p>No leaderboard version is published yet.</p>"
    cards = "".join(
        f'<a class="card" href="{path}"><h2>{APP_TITLES[key]}</h2><p>{APP_BLURBS[key]}</p></a>'
        for key, path in APP_PATHS.items()
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>AI Energy Score</title>
<style>{CSS}
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 16px; color: {DARK}; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; }}
.card {{ display: block; border: 1px solid #e5e5e5; border-radius: 10px; padding: 16px; color: {DARK};
  text-decoration: none; }}
.card:hover {{ border-color: {GREEN}; }}
.card h2 {{ margin: 0 0 6px; font-size: 1.15rem; color: {GREEN}; }}
.versions li {{ margin-bottom: 6px; }}
</style></head><body>{links.nav_html("")}
<h1>AI Energy Score</h1>
<p>GPU energy of AI model inference, in Wh per 1,000 queries, measured on NVIDIA H100 GPUs. What stands behind
a rating depends on its version: results measured by this suite's runner come from a bundle whose raw counter
readings the portal re-checks; the official ratings are the figures the AI Energy Score published.</p>
{status}<div class="cards">{cards}</div></body></html>"""


def build_app(
    store: Store | None = None, seed: bool = True, site: SiteConfig | None = None, portal: PortalConfig | None = None
) -> FastAPI:
    """One FastAPI app serving the landing page and the three apps on one store.

    `site` (the environment's by default) says where the apps link to; `portal` (the environment's by
    default) configures the submission portal.
    """
    store = store or open_store()
    links = (site or SiteConfig.from_env()).links
    if seed:
        seed_demo(store)
    # Once at start: seeded and older submissions get the content identity a re-zip is found by.
    backfill_content_identities(store)
    facts = LandingFacts(store)
    facts.current()  # count the published versions now, not on the first visitor's request
    app = FastAPI(title="AI Energy Score")

    @app.get("/", response_class=HTMLResponse)
    def landing() -> str:
        return landing_html(store, links, facts)

    @app.get(SHORT_RESULT_PATH + "/{result_id}")
    def short_result_link(result_id: str) -> RedirectResponse:
        """The short link that labels and QR codes carry: the result's detail view on the leaderboard."""
        return RedirectResponse(f"{APP_PATHS['leaderboard']}/?{urlencode({'result': result_id})}", status_code=307)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        """The suite's star icon (the apps under their paths serve the same one)."""
        return FileResponse(LEADERBOARD_FAVICON, media_type="image/svg+xml")

    apps = {
        "leaderboard": build_leaderboard(store, links=links),
        "submit": build_portal(store, portal, links=links),
        "label": build_label(store, links),
    }
    for key, blocks in apps.items():
        # Only the portal takes uploads (its Blocks keep their own limit): the other apps' upload routes
        # would otherwise take files of any size into the shared temp folder.
        gr.mount_gradio_app(app, blocks, path=APP_PATHS[key], css=CSS, max_file_size=None if key == "submit" else 0)
    return app


def main() -> None:
    """Start the suite and print the address to open."""
    site = SiteConfig.from_env().served_locally()
    portal = PortalConfig.from_env()
    token_note = ""
    if not site.on_space and not (portal.admin_token or portal.reviewer_org):
        # Like a notebook server: a local start gets a one-off reviewer token, printed below.
        portal = replace(portal, admin_token=secrets.token_urlsafe(12))
        token_note = f"\nReviewer token for this run (Submit a run > Reviewer): {portal.admin_token}"
    app = build_app(site=site, portal=portal)
    print(f"AI Energy Score suite: open {site.local_address}/{token_note}", flush=True)
    uvicorn.run(app, host=site.host, port=site.port, log_level="warning")


if __name__ == "__main__":
    main()
