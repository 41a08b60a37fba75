"""`python -m leaderboard`: serve the leaderboard alone (GRADIO_SERVER_PORT, GRADIO_SERVER_NAME honoured).

The store is the configured one (AIENERGY_STORE, or the Hugging Face dataset backend); the
leaderboard only reads it.
"""

from __future__ import annotations

import os

from leaderboard.app import build_demo
from shared.web.links import CSS, base_url


def main() -> None:
    """Start the leaderboard and block."""
    port = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    host = os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1")
    # Served alone, the leaderboard is at the root of its own address: permalinks point there (the
    # suite's short /r/ links exist only in app.py).
    own = base_url() or f"http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}"
    os.environ.setdefault("AIENERGY_LEADERBOARD_URL", own)
    demo = build_demo()
    demo.queue(default_concurrency_limit=8)
    demo.launch(server_name=host, server_port=port, css=CSS)


if __name__ == "__main__":
    main()
