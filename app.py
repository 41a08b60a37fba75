"""The whole suite in one process on one port: landing page, /leaderboard, /submit, /label.

`python app.py` (the Spaces convention) serves the three Gradio apps on the embedded default store,
seeding it with the shipped demo data (real H100 bundles) on first start. Honours
GRADIO_SERVER_PORT and GRADIO_SERVER_NAME.
"""

from __future__ import annotations

import html
import os
import secrets
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
from shared.web.links import APP_PATHS, APP_TITLES, BASE_URL_ENV, CSS, DARK, GREEN, SHORT_RESULT_PATH, nav_html
from submission_portal.app import build_demo as build_portal

APP_BLURBS = {
    "leaderboard": "Browse GPU energy ratings per task and class, compare models, estimate your workload.",
    "submit": "Upload a run bundle, accept the attestation, and follow its review.",
    "label": "Download the verifiable energy label of a rated model.",
}


def landing_html(store: Store) -> str:
    """The landing page: what the suite is, what the store holds, and the three apps."""
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
</style></head><body>{nav_html("")}
<h1>AI Energy Score</h1>
<p>GPU energy of AI model inference, in Wh per 1,000 queries, measured on an NVIDIA H100 through NVML's
energy counter. Every rating comes from a bundle whose raw counter readings the portal re-checks.</p>
<p>{status}</p><div class="cards">{cards}</div></body></html>"""


def build_app(store: Store | None = None, seed: bool = True) -> FastAPI:
    """One FastAPI app serving the landing page and the three apps on one store."""
    store = store or open_store()
    if seed:
        seed_demo(store)
    app = FastAPI(title="AI Energy Score")

    @app.get("/", response_class=HTMLResponse)
    def landing() -> str:
        return landing_html(store)

    @app.get(SHORT_RESULT_PATH + "/{result_id}")
    def short_result_link(result_id: str) -> RedirectResponse:
        """The short link that labels and QR codes carry: the result's detail view on the leaderboard."""
        return RedirectResponse(f"{APP_PATHS['leaderboard']}/?{urlencode({'result': result_id})}", status_code=307)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for key, builder in (("leaderboard", build_leaderboard), ("submit", build_portal), ("label", build_label)):
        gr.mount_gradio_app(app, builder(store), path=APP_PATHS[key], css=CSS)
    return app


def main() -> None:
    """Start the suite and print the address to open."""
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    address = f"http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}"
    token_note = ""
    if not os.environ.get("SPACE_HOST"):
        # Labels and QR codes need an absolute link; off a Space, the address served is the best known.
        os.environ.setdefault(BASE_URL_ENV, address)
        if not (os.environ.get("AIENERGY_ADMIN_TOKEN") or os.environ.get("AIENERGY_REVIEWER_ORG")):
            # Like a notebook server: a local start gets a one-off reviewer token, printed below.
            os.environ["AIENERGY_ADMIN_TOKEN"] = secrets.token_urlsafe(12)
            token_note = (
                f"\nReviewer token for this run (Submit a run > Reviewer): {os.environ['AIENERGY_ADMIN_TOKEN']}"
            )
    app = build_app()
    print(f"AI Energy Score suite: open {address}/{token_note}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
