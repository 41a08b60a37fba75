"""`python -m leaderboard`: serve the leaderboard alone (GRADIO_SERVER_PORT, GRADIO_SERVER_NAME honoured).

The store is the configured one (AIENERGY_STORE, or the Hugging Face dataset backend); the
leaderboard only reads it. `python -m leaderboard export ...` writes a version's rows instead
(leaderboard/export.py).
"""

from __future__ import annotations

import sys


def main() -> None:
    """Start the leaderboard and block; or, with `export` as first argument, hand over to the exporter."""
    if sys.argv[1:2] == ["export"]:
        from leaderboard.export import main as export_main

        raise SystemExit(export_main(sys.argv[2:]))
    # Imported here, not at the top, so `export` loads neither Gradio (seconds) nor the web settings.
    from leaderboard.app import build_demo
    from shared.web.config import SiteConfig
    from shared.web.links import CSS

    site = SiteConfig.from_env().serving_alone("leaderboard")
    demo = build_demo(links=site.links)
    demo.queue(default_concurrency_limit=8)
    demo.launch(server_name=site.host, server_port=site.port, css=CSS)


if __name__ == "__main__":
    main()
