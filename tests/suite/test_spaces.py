"""The assembled Space folders: their metadata, and each one started from its own folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build_spaces  # noqa: E402


@pytest.fixture(scope="module")
def spaces(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_spaces.build(tmp_path_factory.mktemp("spaces"))


def test_each_space_has_front_matter_pinned_requirements_and_no_torch(spaces: list[Path]) -> None:
    assert [p.name for p in spaces] == [s.name for s in build_spaces.SPACES]
    for folder in spaces:
        readme = (folder / "README.md").read_text()
        assert readme.startswith("---\n")
        assert "sdk: gradio\n" in readme and "app_file: app.py\n" in readme
        assert re.search(r"^sdk_version: \d+\.\d+\.\d+$", readme, re.M)
        reqs = (folder / "requirements.txt").read_text().splitlines()
        pins = [r for r in reqs if r and not r.startswith("#")]
        assert pins and all("==" in r for r in pins), pins
        assert not any(r.startswith("torch") for r in pins)
        assert (folder / "shared" / "store" / "sqlite.py").exists()
        assert ("hf_oauth: true\n" in readme) == (folder.name == "aienergyscore-submit")
        sources = "\n".join(p.read_text() for p in folder.rglob("*.py"))
        assert not re.search(r"^\s*(import|from) torch", sources, re.M)


@pytest.mark.slow
def test_each_space_starts_from_its_own_folder(spaces: list[Path], tmp_path: Path) -> None:
    for folder in spaces:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(
            GRADIO_SERVER_PORT=str(port),
            GRADIO_SERVER_NAME="127.0.0.1",
            AIENERGY_STORE=str(tmp_path / f"{folder.name}.sqlite3"),
            GRADIO_ANALYTICS_ENABLED="False",
        )
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            body = ""
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                        body = resp.read().decode("utf-8", "replace")
                        break
                except OSError:
                    time.sleep(0.5)
            assert proc.poll() is None, f"{folder.name} exited: {proc.stdout.read() if proc.stdout else ''}"
            assert "gradio" in body.lower(), f"{folder.name} did not serve its app"
        finally:
            proc.terminate()
            proc.wait(timeout=20)
