"""The portal's journey through its service and handlers: submit, duplicate, status, queue, review, publish."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from shared.records import ResultRecord
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from submission_portal import service
from submission_portal.app import PortalHandlers, build_demo, discard_upload
from submission_portal.auth import Reviewer, authorize, organisations, token_ok
from submission_portal.config import PortalConfig, oauth_configured
from testkit.factory import make_bundle_bytes
from tests.conftest import FIXTURES
from tests.portal.hostile import ALICE, ALL_TERMS, row_counts, write

REPO = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-reviewer-token"
ADMIN = Reviewer(name="admin (token)", via="token")


def submit(store: SQLiteStore, data: bytes, who: Submitter = ALICE) -> service.Outcome:
    return service.submit(store, data, "bundle.zip", ALL_TERMS, who)


# --- submitting ------------------------------------------------------------------------------


def test_valid_bundle_is_stored_pending_review(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes()
    outcome = submit(tmp_store, data)
    assert outcome.status == "stored", outcome.text()
    assert service.normalise_id(outcome.submission_id) == outcome.submission_id
    assert outcome.status_label == "pending review"
    assert "pending review" in outcome.headline()
    assert "acme/tiny-model" in outcome.result
    assert row_counts(tmp_store) == (1, 1)
    assert tmp_store.get_bundle(outcome.submission_id) == data
    sub = tmp_store.get_submission(outcome.submission_id)
    assert sub is not None and sub.submitter_contact == "alice@example.org"


def test_same_bundle_twice_points_to_the_first(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes()
    first = submit(tmp_store, data)
    again = submit(tmp_store, data, Submitter(name="Bob", contact="bob@example.org"))
    assert again.status == "duplicate"
    assert again.accepted
    assert again.submission_id == first.submission_id
    assert "already submitted as " + first.submission_id in again.headline()
    assert row_counts(tmp_store) == (1, 1)
    sub = tmp_store.get_submission(first.submission_id)
    assert sub is not None and sub.submitter_name == "Alice Example"


@pytest.mark.parametrize(
    "terms", [(False, True, True), (True, False, True), (True, True, False), (False, False, False)]
)
def test_attestation_required(tmp_store: SQLiteStore, terms: tuple[bool, bool, bool]) -> None:
    outcome = service.submit(tmp_store, make_bundle_bytes(), "b.zip", Attestation(*terms), ALICE)
    assert outcome.status == "rejected"
    assert "Accept all three attestation terms" in outcome.text()
    assert row_counts(tmp_store) == (0, 0)


@pytest.mark.parametrize(
    ("who", "fragment"),
    [(Submitter(name="", contact="a@b.c"), "Say who submits"), (Submitter(name="Al", contact=""), "Give a contact")],
)
def test_submitter_required(tmp_store: SQLiteStore, who: Submitter, fragment: str) -> None:
    outcome = submit(tmp_store, make_bundle_bytes(), who)
    assert outcome.status == "rejected" and fragment in outcome.text()
    assert row_counts(tmp_store) == (0, 0)


def test_hf_user_needs_no_contact(tmp_store: SQLiteStore) -> None:
    outcome = submit(tmp_store, make_bundle_bytes(), Submitter(name="Al", hf_username="al-hf"))
    assert outcome.status == "stored"


def test_store_failure_leaves_nothing(tmp_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure between the two INSERTs of the transaction rolls back the first."""

    def boom(self: ResultRecord) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ResultRecord, "to_json", boom)
    outcome = submit(tmp_store, make_bundle_bytes())
    assert outcome.status == "rejected"
    assert "server error; nothing was saved" in outcome.text()
    assert row_counts(tmp_store) == (0, 0)


def test_user_text_is_cleaned(tmp_store: SQLiteStore) -> None:
    who = service.make_submitter("  Eve\x00\x1b[31m  Example " + "x" * 500, "eve@example.org\n")
    assert "\x00" not in who.name and "\x1b" not in who.name and len(who.name) == 200
    assert who.contact == "eve@example.org"
    assert service.clean_filename("C:\\Users\\eve\\..\\run\x07.zip") == "run.zip"
    assert service.clean_filename("") == "bundle.zip"


def test_submit_upload_reads_the_file(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    path = write(tmp_path, "mine.zip", make_bundle_bytes())
    outcome = service.submit_upload(tmp_store, path, ALL_TERMS, ALICE)
    assert outcome.status == "stored"
    sub = tmp_store.get_submission(outcome.submission_id)
    assert sub is not None and sub.filename == "mine.zip"
    missing = service.submit_upload(tmp_store, tmp_path / "gone.zip", ALL_TERMS, ALICE)
    assert missing.status == "rejected" and "could not be read" in missing.text()
    assert service.submit_upload(tmp_store, None, ALL_TERMS, ALICE).problems[0] == "Upload the bundle .zip first."


# --- status and queue ------------------------------------------------------------------------


def test_status_lookup(tmp_store: SQLiteStore) -> None:
    sid = submit(tmp_store, make_bundle_bytes()).submission_id
    assert "pending review" in service.status_text(tmp_store, f"  {sid.upper()} ")
    assert "No submission sub_000000000000" in service.status_text(tmp_store, "sub_000000000000")
    assert "Enter a submission id" in service.status_text(tmp_store, "'; DROP TABLE submissions; --")
    service.review(tmp_store, ADMIN, sid, False, "The GPU was shared with another job.")
    text = service.status_text(tmp_store, sid)
    assert "rejected" in text and "Reason: The GPU was shared with another job." in text
    assert "alice" not in text.lower()


def test_queue_shows_no_contact_data(tmp_store: SQLiteStore) -> None:
    a = submit(tmp_store, make_bundle_bytes(seed=1)).submission_id
    b = submit(tmp_store, make_bundle_bytes(seed=2), Submitter(name="Bob B", contact="bob@example.org")).submission_id
    service.review(tmp_store, ADMIN, b, False, "Counter readings missing on GPU 1")
    rows = service.queue_rows(tmp_store)
    assert {r[0] for r in rows} == {a, b}
    flat = " ".join(" ".join(r) for r in rows)
    for private in ("alice", "Alice", "bob@example.org", "Bob B"):
        assert private not in flat
    assert [r[5] for r in rows if r[0] == b] == ["rejected"]
    assert [r[6] for r in rows if r[0] == b] == ["Counter readings missing on GPU 1"]
    assert [r[0] for r in service.queue_rows(tmp_store, "pending")] == [a]
    assert service.queue_rows(tmp_store, "bogus") == rows


# --- review and publish ----------------------------------------------------------------------


def test_review_needs_a_reviewer_and_a_reason(tmp_store: SQLiteStore) -> None:
    sid = submit(tmp_store, make_bundle_bytes()).submission_id
    assert not service.review(tmp_store, None, sid, True, "").ok
    assert service.review_rows(tmp_store, None) == []
    assert "Reviewer access required" in service.review_detail(tmp_store, None, sid)
    rejected = service.review(tmp_store, ADMIN, sid, False, "  ")
    assert not rejected.ok and "reason" in rejected.message
    assert "pending review" in service.status_text(tmp_store, sid)
    rows = service.review_rows(tmp_store, ADMIN)
    assert rows[0][0] == sid and "alice@example.org" in rows[0]
    detail = service.review_detail(tmp_store, ADMIN, sid)
    assert "alice@example.org" in detail and "Wh per 1,000 queries" in detail
    ok = service.review(tmp_store, ADMIN, sid, True, "")
    assert ok.ok and ok.message.startswith(f"Approved {sid}")
    again = service.review(tmp_store, ADMIN, sid, False, "changed my mind")
    assert not again.ok and "already approved" in again.message


def test_publish_next_version(tmp_store: SQLiteStore) -> None:
    assert service.next_version(today=date(2026, 11, 3)) == ("2026-11", "November 2026")
    sid = submit(tmp_store, make_bundle_bytes()).submission_id
    assert not service.publish(tmp_store, None, "2026-11", "November 2026").ok
    assert "no approved result" in service.publish(tmp_store, ADMIN, "2026-11", "November 2026").message
    service.review(tmp_store, ADMIN, sid, True, "")
    assert "must look like 2026-11" in service.publish(tmp_store, ADMIN, "november", "November 2026").message
    done = service.publish(tmp_store, ADMIN, "2026-11", "November 2026", "first")
    assert done.ok and "1 rated result" in done.message
    assert tmp_store.versions()[0].id == "2026-11"
    assert "already exists" in service.publish(tmp_store, ADMIN, "2026-11", "November 2026").message
    assert "2026-11  November 2026" in service.versions_text(tmp_store)


# --- auth and config -------------------------------------------------------------------------


def test_token_check() -> None:
    config = PortalConfig(admin_token=TOKEN)
    assert token_ok(config, TOKEN) and token_ok(config, f" {TOKEN} ")
    assert not token_ok(config, "wrong") and not token_ok(config, "") and not token_ok(config, None)
    assert not token_ok(PortalConfig(admin_token=""), "")
    assert authorize(config, TOKEN) == ADMIN
    assert authorize(config, TOKEN, {"preferred_username": "rev"}).name == "rev (admin token)"  # type: ignore[union-attr]


def test_org_membership() -> None:
    config = PortalConfig(reviewer_org="AIEnergyScore", oauth=True)
    member = {"preferred_username": "rev", "orgs": [{"preferred_username": "AIEnergyScore"}]}
    outsider = {"preferred_username": "eve", "orgs": [{"name": "other-org"}]}
    assert authorize(config, None, member) == Reviewer(name="rev", via="org")
    assert authorize(config, None, outsider) is None
    assert authorize(config, "", None) is None
    # Without orgs in the profile, ask the Hub with the user's token; a failing Hub means no access.
    assert authorize(
        config, None, {"preferred_username": "rev"}, "tok", lambda t: {"orgs": [{"name": "aienergyscore"}]}
    )
    assert organisations({"preferred_username": "rev"}, "tok", lambda t: 1 / 0) == set()
    # Org membership counts only when OAuth is on.
    assert authorize(PortalConfig(reviewer_org="AIEnergyScore", oauth=False), None, member) is None


def test_config_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OAUTH_CLIENT_ID", "AIENERGY_OAUTH", "AIENERGY_ADMIN_TOKEN", "AIENERGY_REVIEWER_ORG"):
        monkeypatch.delenv(name, raising=False)
    assert not oauth_configured()
    assert not PortalConfig.from_env().reviewing_possible
    monkeypatch.setenv("OAUTH_CLIENT_ID", "abc")
    assert not oauth_configured()  # not on a Space: gradio would need a local HF login
    monkeypatch.setenv("SYSTEM", "spaces")
    monkeypatch.setattr("submission_portal.config._oauth_libraries", lambda on_space: True)
    assert oauth_configured()
    monkeypatch.setattr("submission_portal.config._oauth_libraries", lambda on_space: False)
    assert not oauth_configured()  # gradio[oauth] missing: name and contact instead, no crash
    monkeypatch.setattr("submission_portal.config._oauth_libraries", lambda on_space: True)
    monkeypatch.setenv("AIENERGY_OAUTH", "0")
    assert not oauth_configured()
    monkeypatch.setenv("AIENERGY_ADMIN_TOKEN", f" {TOKEN} ")
    monkeypatch.setenv("AIENERGY_PORTAL_CONCURRENCY", "3")
    config = PortalConfig.from_env()
    assert config.admin_token == TOKEN and config.concurrency == 3 and config.reviewing_possible


# --- handlers (what the buttons call) --------------------------------------------------------


def test_handlers_journey(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    h = PortalHandlers(tmp_store, PortalConfig(admin_token=TOKEN))
    path = str(write(tmp_path, "b.zip", make_bundle_bytes()))
    report = h.check_upload(path)
    assert "ACCEPTED" in report
    who = ("Alice", "alice@example.org")
    assert h.gate(path, True, True, False, report, *who)[0]["interactive"] is False
    assert h.gate(None, True, True, True, report, *who)[0]["interactive"] is False
    assert h.gate(path, True, True, True, report, *who)[0]["interactive"] is True
    headline, details, sid, _, _ = h.submit_clicked(path, True, True, True, "Alice", "alice@example.org", None)
    assert sid and "pending review" in headline and sid in details
    assert Path(path).exists()  # not gradio's upload cache: never deleted
    assert sid in h.queue("Pending review")["Submission"].tolist()
    assert h.queue("Approved").empty
    panel, msg, *_ = h.unlock("wrong")
    assert panel["visible"] is False and "Not a reviewer" in msg
    panel, msg, frame, choices, vid, vname, _ = h.unlock(TOKEN)
    assert panel["visible"] is True and choices["value"] == sid and vid == service.next_version()[0]
    assert "Not a reviewer" not in msg and "alice@example.org" in frame.to_string()
    message, frame, _ = h.approve("wrong", sid, "")
    assert "Reviewer access required" in message
    message, frame, _ = h.approve(TOKEN, sid, "")
    assert message.startswith(f"Approved {sid}") and frame.empty
    assert "approved" in h.status(sid)[0]
    message, versions = h.publish(TOKEN, vid, vname, "")
    assert "Published" in message and vid in versions


def test_oauth_mode_shows_the_login_button(tmp_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import gradio as gr

    # Off a Space gradio mocks the login with the machine's HF account; give it a fake one.
    fake = {"access_token": "x", "scope": "openid profile", "expires_at": 0, "userinfo": {"preferred_username": "t"}}
    monkeypatch.setattr("gradio.oauth._get_mocked_oauth_info", lambda: fake)

    with_login = build_demo(tmp_store, PortalConfig(oauth=True, reviewer_org="AIEnergyScore"))
    assert with_login.expects_oauth
    assert any(isinstance(b, gr.LoginButton) for b in with_login.blocks.values())
    assert not build_demo(tmp_store, PortalConfig()).expects_oauth


def test_handler_uses_the_hf_login(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    h = PortalHandlers(tmp_store, PortalConfig(oauth=True))
    path = str(write(tmp_path, "b.zip", make_bundle_bytes()))
    profile = {"preferred_username": "alice-hf", "name": "Alice HF"}
    _, _, sid, _, _ = h.submit_clicked(path, True, True, True, "", "", profile)
    sub = tmp_store.get_submission(sid)
    assert sub is not None and sub.hf_username == "alice-hf" and sub.submitter_name == "Alice HF"


def test_discard_upload_only_touches_gradio_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "gradio-cache"
    (cache / "abc").mkdir(parents=True)
    inside = write(cache / "abc", "b.zip", b"x")
    outside = write(tmp_path, "b.zip", b"x")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    discard_upload(str(outside))
    discard_upload(str(inside))
    assert outside.exists() and not inside.exists()
    discard_upload(None)


def test_mounts_under_a_sub_path(tmp_store: SQLiteStore) -> None:
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = gr.mount_gradio_app(FastAPI(), build_demo(tmp_store, PortalConfig()), path="/submit")
    with TestClient(app) as client:
        page = client.get("/submit/")
        assert page.status_code == 200
        config = client.get("/submit/config").json()
    text = str(config)
    assert config["run_history"] is False  # would keep tokens and contacts in the browser
    assert config["max_file_size"] == 200_000_000
    assert "Submit for review" in text and "Public data sharing" in text and "aes-nav" in text


# --- command line ----------------------------------------------------------------------------


def test_cli_validate(tmp_path: Path) -> None:
    good = write(tmp_path, "good.zip", make_bundle_bytes())
    bad = write(tmp_path, "bad.zip", make_bundle_bytes(override={"GPU_ENERGY_WH.txt": b"0.01\n"}))
    ok = subprocess.run(
        [sys.executable, "-m", "submission_portal", "validate", str(good)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("ACCEPTED") and "acme/tiny-model" in ok.stdout
    no = subprocess.run(
        [sys.executable, "-m", "submission_portal", "validate", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert no.returncode == 1 and "REJECTED" in no.stdout and "altered" in no.stdout
    assert service.check_upload(str(bad)) == no.stdout.rstrip("\n")


def test_cli_validate_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from submission_portal.cli import main

    assert main(["validate", str(tmp_path / "nope.zip")]) == 1
    assert "could not be read" in capsys.readouterr().out


# --- the real H100 bundle --------------------------------------------------------------------


def test_real_h100_bundle(tmp_store: SQLiteStore) -> None:
    path = FIXTURES / "h100_bundle.zip"
    if not path.exists():
        pytest.skip("tests/fixtures/h100_bundle.zip is not there yet (produced by the runner's engineer on an H100).")
    outcome = service.submit_upload(tmp_store, path, ALL_TERMS, ALICE)
    assert outcome.status == "stored", outcome.text()
    assert "H100" in outcome.result
    assert row_counts(tmp_store) == (1, 1)


def test_review_detail_of_one_repetition_has_no_interval(tmp_store: SQLiteStore) -> None:
    one = submit(
        tmp_store, (FIXTURES / "h100_bundle.zip").read_bytes()
    ).submission_id  # the real H100 run: 1 repetition
    assert "95% CI n/a: one repetition" in service.review_detail(tmp_store, ADMIN, one)
    many = submit(tmp_store, make_bundle_bytes(model_id="acme/many")).submission_id
    assert "95% CI n/a" not in service.review_detail(tmp_store, ADMIN, many)
