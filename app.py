"""The whole suite in one process on one port: landing page, /leaderboard, /submit, /label.

`python app.py` (the Spaces convention) serves the three Gradio apps on the embedded default store,
seeding it with the shipped demo data (real H100 bundles) on first start. Honours
GRADIO_SERVER_PORT and GRADIO_SERVER_NAME (see shared.web.config.SiteConfig).
"""

from __future__ import annotations

import html
import secrets
from dataclasses import replace
from urllib.parse import urlencode

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse

from label_generator.app import build_demo as build_label
from leaderboard.app import build_demo as build_leaderboard
from seed import seed_demo
from shared.method.tasks import TASKS
from shared.store.factory import open_store
from shared.store.models import Store
from shared.web.config import SiteConfig
from shared.web.links import APP_PATHS, APP_TITLES, CSS, DARK, GREEN, SHORT_RESULT_PATH, Links
from submission_portal.app import build_demo as build_portal
from submission_portal.config import PortalConfig

APP_BLURBS = {
    "leaderboard": "Browse GPU energy ratings per task and class, compare models, estimate your workload.",
    "submit": "Upload a run bundle, accept the attestation, and follow its review.",
    "label": "Download the verifiable energy label of a rated model.",
}


def landing_html(store: Store, links: Links = Links()) -> str:
    """The landing page: what the suite is, what the store holds, and the three apps (`links` fill the
    navigation bar)."""
    versions = store.versions()
    latest = versions[0] if versions else None
    if latest:
        tasks = {r.record.task_id for r in store.version_results(latest.id)}
        status = (
            f"Latest leaderboard: <b>{html.escape(latest.name)}</b> with {latest.result_count} rated "
            f"results in {len(tasks)} of {len(TASKS)} tasks."
        )
    else:
        status = "No leaderboard version is published yet."
    cards = "".join(
        f'<a class="card" href="{path}"><h2>{APP_TITLES[key]}</h2><p>{APP_BLURBS[key]}</p></a>'
        for key, path in APP_PATHS.items()
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>AI Energy Score</title>
<style>{CSS}
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 16px; color: {DARK}; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; }}
.card {{ display: block; border: 1px solid #e5e5e5; border-radius: 10px; padding: 16px; color: {DARK}; text-decoration: none; }}
.card:hover {{ border-color: {GREEN}; }}
.card h2 {{ margin: 0 0 6px; font-size: 1.15rem; color: {GREEN}; }}
</style></head><body>{links.nav_html("")}
<h1>AI Energy Score</h1>
<p>GPU energy of AI model inference, in Wh per 1,000 queries, measured on an NVIDIA H100 through NVML's
energy counter. Every rating comes from a bundle whose raw counter readings the portal re-checks.</p>
<p>{status}</p><div class="cards">{cards}</div></body></html>"""


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
    app = FastAPI(title="AI Energy Score")

    @app.get("/", response_class=HTMLResponse)
    def landing() -> str:
        return landing_html(store, links)

    @app.get(SHORT_RESULT_PATH + "/{result_id}")
    def short_result_link(result_id: str) -> RedirectResponse:
        """The short link that labels and QR codes carry: the result's detail view on the leaderboard."""
        return RedirectResponse(f"{APP_PATHS['leaderboard']}/?{urlencode({'result': result_id})}", status_code=307)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

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
