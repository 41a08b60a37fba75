"""Fixtures shared by every test package: a temporary store, a served Gradio app, a real browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tmp_store(tmp_path: Path) -> SQLiteStore:
    """An empty SQLite store in a temporary folder."""
    return SQLiteStore(tmp_path / "store.sqlite3")


class CountingStore:
    """A store that counts the calls made on it."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        self.calls[name] = self.calls.get(name, 0) + 1
        return getattr(self.store, name)


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


@contextmanager
def suite_app(log: Path, env: Mapping[str, str], drop: tuple[str, ...] = ("AIENERGY_",)) -> Iterator[str]:
    """Serve the suite's app.py in a child process on a free loopback port; yields its URL once /healthz
    answers (within 120 s). The child's environment is ours less the variables whose names start with
    one of `drop`, plus `env`; its output goes to `log`. The child is ended on exit."""
    port = free_port()
    child = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    child.update(env)
    child.update(GRADIO_SERVER_PORT=str(port), GRADIO_SERVER_NAME="127.0.0.1", GRADIO_ANALYTICS_ENABLED="False")
    out = log.open("w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=child, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"app.py exited: {log.read_text()}"
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"app.py did not answer: {log.read_text()}"
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        out.close()


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
