"""The other outputs: SVG, badge Markdown, and the `python -m label_generator render` command."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
import zxingcpp

from label_generator.__main__ import main
from label_generator.badge import badge_image_url, badge_markdown
from label_generator.data import label_for_result, typed
from label_generator.render import read_metadata
from shared.web.config import BASE_URL_ENV
from tests.label.conftest import BASE_URL, LINKS, Published, open_png

SVG_NS = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[2]


def test_svg_has_the_layout_links_and_metadata(published: Published) -> None:
    from label_generator.svg import render_svg

    rid = published.results["acme/alpha"]
    data = label_for_result(published.store, rid, links=LINKS)
    root = ET.fromstring(render_svg(data))
    assert root.get("viewBox") == "0 0 260 364" and (root.get("width"), root.get("height")) == ("520", "728")
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert "AI Energy Score" in texts and "acme/alpha" in texts and data.energy_text in texts
    assert all(float(t.get("textLength", "1")) > 0 for t in root.iter(f"{SVG_NS}text"))
    assert {a.get("href") for a in root.iter(f"{SVG_NS}a")} == {LINKS.result_url(rid)}
    meta = json.loads(root.find(f"{SVG_NS}metadata").text or "{}")  # type: ignore[union-attr]
    assert meta["aienergy:result_id"] == rid and meta["aienergy:bundle_sha256"] == data.bundle_sha256
    fills = [p.get("fill") for p in root.iter(f"{SVG_NS}polygon")]
    assert fills.count("#3ea45a") >= data.stars


def test_badge_links_the_result_and_shows_stars_and_energy(published: Published) -> None:
    rid = published.results["acme/talker"]
    data = label_for_result(published.store, rid, links=LINKS)
    md = badge_markdown(data)
    assert md.startswith("[![") and md.endswith(f"]({LINKS.result_url(rid)})")
    decoded = unquote(badge_image_url(data))
    assert decoded.startswith("https://img.shields.io/badge/AI Energy Score-")
    assert "★" * data.stars + "☆" * (5 - data.stars) in decoded and data.energy_text in decoded
    assert decoded.endswith("-3ea45a")


def test_badge_of_a_self_reported_label_says_so() -> None:
    md = badge_markdown(typed("acme/x_y-z", "asr", 3.0, 2))
    assert "self--reported" in md and "lightgrey" in md
    assert "x__y--z" not in md, "the model id is in the alt text only, not in the badge path"


def test_self_reported_label_points_at_the_leaderboard_of_its_links() -> None:
    from label_generator.layout import button_text

    data = typed("acme/x", "asr", 3.0, 2, links=LINKS)
    assert badge_markdown(data).endswith(f"]({BASE_URL}/leaderboard)")
    assert button_text(data) == "Self-reported · Learn More: aienergy.example.org/leaderboard"
    assert button_text(typed("acme/x", "asr", 3.0, 2)) == "Self-reported: not verified"  # relative links


def test_cli_renders_a_result_from_the_store(
    published: Published, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BASE_URL_ENV, BASE_URL)  # the command reads the suite's address at start
    rid = published.results["acme/gamma"]
    out = tmp_path / "label.png"
    assert main(["render", "--result", rid, "--store", str(published.store.path), "-o", str(out), "--badge"]) == 0
    printed = capsys.readouterr().out
    assert f"verified: {rid}" in printed and "img.shields.io" in printed
    png = out.read_bytes()
    assert open_png(png).size == (520, 728)
    assert read_metadata(png)["aienergy:result_id"] == rid
    assert [c.text for c in zxingcpp.read_barcodes(open_png(png))] == [LINKS.result_url(rid)]


def test_cli_from_fields_is_self_reported_unless_it_matches(published: Published, tmp_path: Path) -> None:
    store = str(published.store.path)
    own = tmp_path / "own.svg"
    assert (
        main(
            [
                "render",
                "--model",
                "mine",
                "--provider",
                "me",
                "--task",
                "Text generation",
                "--energy-wh",
                "3.2",
                "--stars",
                "4",
                "--hardware",
                "NVIDIA H100 80GB HBM3",
                "--store",
                store,
                "-o",
                str(own),
            ]
        )
        == 0
    )
    assert '"aienergy:status": "self-reported"' in own.read_text()
    real = label_for_result(published.store, published.results["acme/talker"], links=LINKS)
    same = tmp_path / "same.png"
    assert (
        main(
            [
                "render",
                "--model",
                "acme/talker",
                "--task",
                "text_generation",
                "--energy-wh",
                str(real.energy_wh_per_1k),
                "--stars",
                str(real.stars),
                "--store",
                store,
                "-o",
                str(same),
            ]
        )
        == 0
    )
    assert read_metadata(same.read_bytes())["aienergy:result_id"] == real.result_id


def test_cli_explains_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--model", "a/b", "-o", str(tmp_path / "x.png")]) == 2
    assert "--task" in capsys.readouterr().err
    assert main(["render", "--result", "res_nope", "--store", str(tmp_path / "s.sqlite3")]) == 2


@pytest.mark.slow
def test_module_runs_as_a_command(tmp_path: Path) -> None:
    out = tmp_path / "l.png"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "label_generator",
            "render",
            "--model",
            "acme/m",
            "--task",
            "asr",
            "--energy-wh",
            "12345",
            "--stars",
            "2",
            "--version",
            "November 2026",
            "--store",
            str(tmp_path / "s.sqlite3"),
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    meta = read_metadata(out.read_bytes())
    assert meta["aienergy:energy"] == "12.35 kWh" and meta["aienergy:status"] == "self-reported"
