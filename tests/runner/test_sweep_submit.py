"""`sweep --submit` against the real submission portal, served on a free loopback port with a temporary
SQLite store: the real H100 fixture bundle, placed as a done job of a sweep, is stored pending review (read
back from the store); a dry-run bundle made by the sweep is rejected for its simulated meter, and the
rejection is recorded; an unreachable portal is recorded, not raised, and the next sweep retries only the
bundles not stored yet. The CLI refuses --submit without an explicit --attest before anything runs."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.sweep.driver import run_sweep
from runner.sweep.local import LocalExecutor
from runner.sweep.state import load_state
from runner.sweep.submit import PortalSubmitter, SubmitSettings, find_submit_endpoint
from tests.conftest import FIXTURES, free_port
from tests.runner.test_sweep_local import fake_env, fake_options, template_run  # noqa: F401  (fixtures)

pytest.importorskip("gradio_client")
pytest.importorskip("gradio")

H100 = FIXTURES / "h100_bundle.zip"
HEADER = "id,model,task,samples,repetitions,warmup_samples,idle_seconds,steady_warmup_s,dry_run\n"
# The fixture's job: a real run (1000 samples, one repetition) that the sweep never starts here, because
# its bundle is put in place first and counts as done.
H100_ROW = "h100,meta-llama/Llama-3.2-1B-replica,text_generation,1000,1,,,,false\n"
DRY_ROW = "dry,fake/ok-1,text_classification,3,2,1,0,0,true\n"
NAME, CONTACT = "Sweep Tester", "sweep-tester@example.org"


@dataclass
class Portal:
    """A served portal: its address and its SQLite file."""

    url: str
    db: Path


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    from shared.store.sqlite import SQLiteStore
    from submission_portal.app import build_demo
    from submission_portal.config import PortalConfig
    from tests.conftest import serve

    db = tmp_path_factory.mktemp("portal") / "store.sqlite3"
    url, demo = serve(build_demo(SQLiteStore(db), PortalConfig()))
    try:
        yield Portal(url, db)
    finally:
        demo.close()


def stored(db: Path, submission_id: str) -> Any:
    """The submission as the portal's store holds it, read through a store of our own on the same file."""
    from shared.store.sqlite import SQLiteStore

    return SQLiteStore(db).get_submission(submission_id)


def sweep_with_h100(tmp_path: Path, rows: str = "") -> tuple[Path, Path]:
    """A plan with the H100 fixture's job (its bundle already in place) and `rows`; returns (plan, out)."""
    plan = tmp_path / "plan.csv"
    plan.write_text(HEADER + H100_ROW + rows)
    out = tmp_path / "sweep"
    (out / "jobs" / "h100").mkdir(parents=True)
    shutil.copy(H100, out / "jobs" / "h100" / "bundle.zip")
    return plan, out


def submitter(url: str, lines: list[str]) -> PortalSubmitter:
    """An uploader to `url` (short timeout: a test must not hang on a dead portal)."""
    return PortalSubmitter(SubmitSettings(url, NAME, CONTACT, timeout_s=120), echo=lines.append)


def test_done_bundles_are_submitted_and_rejections_recorded_then_only_unsubmitted_ones_retried(
    portal: Portal,
    fake_env: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    plan, out = sweep_with_h100(tmp_path, DRY_ROW)
    lines: list[str] = []
    ex = LocalExecutor(out, ["0"], fake_options())
    state = run_sweep(plan, out, ex, progress=False, echo=lines.append, submitter=submitter(portal.url, lines))
    h100, dry = state.jobs["h100"], state.jobs["dry"]
    assert h100.state == dry.state == "done"  # the dry run's simulated meter is expected: the job counts as done

    # The real H100 bundle is stored, pending review, with the submitter and the three terms.
    assert h100.submission is not None and h100.submission.state == "submitted", h100.submission
    sid = h100.submission.submission_id
    assert sid is not None
    sub = stored(portal.db, sid)
    assert sub is not None and sub.status == "pending"
    assert (sub.submitter_name, sub.submitter_contact) == (NAME, CONTACT)
    assert sub.attested_at and sub.task_id == "text_generation"
    assert any("found by view_api" in line and "Data integrity" in line for line in lines)

    # The dry run's bundle is refused by the portal for its simulated meter; its text is kept.
    assert dry.submission is not None and dry.submission.state == "rejected"
    assert dry.submission.submission_id is None
    assert "simulated meter" in (dry.submission.message or "")
    # The state on disk and summary.csv say the same; the one-repetition H100 run has no interval.
    on_disk = load_state(out)
    assert on_disk is not None and on_disk.jobs["h100"].submission == h100.submission
    with (out / "summary.csv").open(newline="") as f:
        csv_rows = {r["job"]: r for r in csv.DictReader(f)}
    assert (csv_rows["h100"]["repetitions"], csv_rows["h100"]["submission"]) == ("1", sid)
    assert csv_rows["h100"]["ci95_low_wh_per_1k"] == ""  # one repetition: no interval
    assert csv_rows["dry"]["submission"].startswith("rejected: Not submitted: ")
    assert "simulated meter" in csv_rows["dry"]["submission"]
    table = [row for entry in lines for row in entry.splitlines()]
    assert next(row for row in table if row.startswith("h100 ")).split()[5:7] == ["8.4770", "n/a"]

    # Run again: nothing is measured again; the stored bundle is not sent again, the rejected one is.
    lines.clear()
    ex = LocalExecutor(out, ["0"], fake_options())
    again = run_sweep(plan, out, ex, progress=False, echo=lines.append, submitter=submitter(portal.url, lines))
    assert not any("h100: submitted" in line for line in lines)
    assert again.jobs["h100"].submission == h100.submission
    assert again.jobs["dry"].submission is not None and again.jobs["dry"].submission.attempts == 2
    assert again.jobs["dry"].submission.state == "rejected"


def test_an_unreachable_portal_is_recorded_and_the_next_sweep_submits(portal: Portal, tmp_path: Path) -> None:
    plan, out = sweep_with_h100(tmp_path)
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    lines: list[str] = []
    state = run_sweep(
        plan, out, LocalExecutor(out, ["0"]), progress=False, echo=lines.append, submitter=submitter(dead, lines)
    )
    rec = state.jobs["h100"]
    assert rec.state == "done"  # the sweep itself is not failed by the portal
    assert rec.submission is not None and rec.submission.state == "not_sent"
    assert f"cannot reach {dead}" in (rec.submission.message or "")
    assert "not sent: cannot reach" in (out / "summary.csv").read_text()

    # The portal is up now (or the right address given): the unsent bundle goes, and is stored.
    state = run_sweep(
        plan, out, LocalExecutor(out, ["0"]), progress=False, echo=lines.append, submitter=submitter(portal.url, lines)
    )
    rec = state.jobs["h100"]
    assert rec.submission is not None and rec.submission.state == "submitted" and rec.submission.attempts == 2
    assert stored(portal.db, rec.submission.submission_id or "").status == "pending"


def test_the_cli_submits_with_an_explicit_attestation_only(
    portal: Portal, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, out = sweep_with_h100(tmp_path)
    base = ["sweep", str(plan), "--out", str(out), "--no-ray", "--gpus", "0", "--no-progress", "--submit", portal.url]
    who = ["--submitter-name", NAME, "--submitter-contact", CONTACT]
    assert main([*base, *who]) == 2
    assert "--submit needs --attest" in capsys.readouterr().err
    assert main([*base, "--submitter-name", NAME, "--attest"]) == 2
    assert "--submit needs --submitter-contact" in capsys.readouterr().err
    assert main(["sweep", str(plan), "--out", str(out), "--attest"]) == 2
    assert "--attest only apply with --submit" in capsys.readouterr().err
    assert not (out / "sweep_state.json").exists()  # every refusal came before anything ran

    assert main([*base, *who, "--attest"]) == 0
    printed = capsys.readouterr().out
    assert f"portal {portal.url}: submitted 1, rejected 0, not sent 0" in printed
    state = load_state(out)
    assert state is not None and state.jobs["h100"].submission is not None
    assert state.jobs["h100"].submission.state == "submitted"


def test_the_submit_endpoint_is_found_by_its_shape_not_its_name() -> None:
    form = [
        {"parameter_name": n, "component": c, "label": f"{n} label"}
        for n, c in (
            ("path", "File"),
            ("term1", "Checkbox"),
            ("term2", "Checkbox"),
            ("term3", "Checkbox"),
            ("name", "Textbox"),
            ("contact", "Textbox"),
        )
    ]
    gate = [*form[:4], {"parameter_name": "report", "component": "Textbox"}, *form[4:]]
    api = {
        "named_endpoints": {
            "/gate_6": {"parameters": gate, "returns": [{}]},
            "/renamed_handler": {"parameters": form, "returns": [{}] * 5},
        }
    }
    assert find_submit_endpoint(api, {"/gate_6": 9, "/renamed_handler": 11}) == (
        11,
        "/renamed_handler",
        ["term1 label", "term2 label", "term3 label"],
    )
    from runner.sweep.submit import PortalError

    with pytest.raises(PortalError, match="no submit form"):
        find_submit_endpoint({"named_endpoints": {"/gate_6": {"parameters": gate, "returns": [{}]}}}, {"/gate_6": 9})
