"""Fixtures shared by every test package: a temporary store, a served Gradio app, a real browser."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.store.sqlite import SQLiteStore

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
FIXTURES = Path(__file__).parent / "fixtures"

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tmp_store(tmp_path: Path) -> SQLiteStore:
    """An empty SQLite store in a temporary folder."""
    return SQLiteStore(tmp_path / "store.sqlite3")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(blocks: Any) -> tuple[str, Any]:
    """Launch a Gradio Blocks on a free loopback port without blocking; returns (url, blocks)."""
    port = free_port()
    blocks.queue()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    return f"http://127.0.0.1:{port}", blocks


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (skipped only if chromium is absent)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed: run ./scripts/test, which installs it.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page that accepts downloads."""
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    p = ctx.new_page()
    p.set_default_timeout(20_000)
    yield p
    ctx.close()
