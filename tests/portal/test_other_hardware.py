"""A bundle measured on another GPU than the H100 through the portal: the check and the outcome say in plain
words that it is accepted as other hardware and shown without stars; the reviewer's queue names the GPU;
approving and publishing it works, and it is published without stars beside rated H100 results."""

from __future__ import annotations

from pathlib import Path

import pytest

from seed import OTHER_HARDWARE_BUNDLES
from shared.store.sqlite import SQLiteStore
from submission_portal import service
from submission_portal.app import outcome_panel
from submission_portal.auth import Reviewer
from testkit.factory import make_bundle_bytes, make_env
from tests.portal.hostile import ALICE, ALL_TERMS, write

ADMIN = Reviewer(name="admin (token)", via="token")
REPO = Path(__file__).resolve().parents[2]
H200_ENDPOINT = REPO / "benchmarks/sessions/2026-12-02-h200-s7/s7_h200_endpoint_llama1b.zip"


def h200_bundle(seed: int = 0, energy_wh: float = 2.0) -> bytes:
    return make_bundle_bytes(env=make_env(gpu_name="NVIDIA H200"), seed=seed, energy_wh=energy_wh)


def test_check_report_says_accepted_as_other_hardware(tmp_path: Path) -> None:
    text = service.check_upload(write(tmp_path, "h200.zip", h200_bundle()))
    first = text.splitlines()[0]
    assert first == "ACCEPTED as other hardware (NVIDIA H200): shown without stars, with 1 warning"
    assert service.check_passed(text)
    assert "warning: Measured on NVIDIA H200 " in text and "only H100 results are rated" in text
    # An H100 bundle's verdict is unchanged; an unknown GPU is refused.
    assert service.check_upload(write(tmp_path, "h100.zip", make_bundle_bytes())).splitlines()[0] == "ACCEPTED"
    other = service.check_upload(write(tmp_path, "t4.zip", make_bundle_bytes(env=make_env(gpu_name="Tesla T4"))))
    assert other.startswith("REJECTED: 1 error") and "cannot be accepted" in other


def test_the_real_h200_endpoint_bundle_is_refused_only_for_its_short_workload(tmp_path: Path) -> None:
    # 100 prompts: the portal refuses it (sample_count), but no longer for its GPU.
    text = service.check_upload(write(tmp_path, "endpoint.zip", H200_ENDPOINT.read_bytes()))
    assert text.startswith("REJECTED: 1 error") and "standard workload" in text
    assert "not an NVIDIA H100: the result is stored and shown under other hardware" in text


@pytest.mark.parametrize("bundle", OTHER_HARDWARE_BUNDLES, ids=lambda p: p.name)
def test_the_seeded_h200_bundles_pass_the_portal_check_whole(tmp_path: Path, bundle: Path) -> None:
    # The standard workload (1,000 prompts) measured on the H200: accepted as other hardware, no error and no
    # short-workload warning; the verdict names the result the bundle holds.
    text = service.check_upload(write(tmp_path, bundle.name, bundle.read_bytes()))
    assert text.startswith("ACCEPTED as other hardware (NVIDIA H200)"), text
    assert "error:" not in text and "standard workload" not in text
    assert "result: meta-llama/Llama-3.2-1B-replica / text_generation:" in text
    if "endpoint" in bundle.name:
        assert "Measured through a serving engine (uvicorn)" in text


def test_submit_approve_and_publish_an_h200_result(tmp_store: SQLiteStore) -> None:
    h100 = service.submit(tmp_store, make_bundle_bytes(seed=1, energy_wh=1.0), "h100.zip", ALL_TERMS, ALICE)
    outcome = service.submit(tmp_store, h200_bundle(seed=2), "h200.zip", ALL_TERMS, ALICE)
    assert outcome.status == "stored" and outcome.other_hardware == "NVIDIA H200"
    assert "Accepted as other hardware (NVIDIA H200): shown without stars" in outcome.headline()
    panel = outcome_panel(outcome)
    assert "Accepted as other hardware (NVIDIA H200): shown without stars" in panel
    assert h100.other_hardware == "" and "other hardware" not in h100.headline()

    rows = {r[0]: r for r in service.review_rows(tmp_store, ADMIN)}
    gpu = service.REVIEW_COLUMNS.index("GPU")
    assert rows[outcome.submission_id][gpu] == "NVIDIA H200 (other hardware: no stars)"
    assert rows[h100.submission_id][gpu] == "NVIDIA H100 80GB HBM3"
    public = {r[0]: r for r in service.queue_rows(tmp_store)}
    assert public[outcome.submission_id][service.QUEUE_COLUMNS.index("GPU")] == "NVIDIA H200"

    detail = service.review_detail(tmp_store, ADMIN, outcome.submission_id)
    assert "Hardware: 1 x NVIDIA H200" in detail
    assert "listed under other hardware without stars, and no published result's stars change" in detail

    approved = service.review(tmp_store, ADMIN, outcome.submission_id, True, "")
    assert approved.ok and "under other hardware (NVIDIA H200), without stars" in approved.message
    assert "listed in the next leaderboard version under other hardware" in service.status_text(
        tmp_store, outcome.submission_id
    )
    assert service.review(tmp_store, ADMIN, h100.submission_id, True, "").ok
    published = service.publish(tmp_store, ADMIN, "2026-12", "December 2026")
    assert published.ok, published.message
    assert "with 1 rated result(s) and 1 on other hardware, without stars" in published.message
    stars = {r.result_id: r.stars for r in tmp_store.version_results("2026-12")}
    assert stars == {h100_result(tmp_store, h100.submission_id): 5, outcome_result(tmp_store, outcome): None}


def h100_result(store: SQLiteStore, submission_id: str) -> str:
    sub = store.get_submission(submission_id)
    assert sub is not None
    return sub.result_id


def outcome_result(store: SQLiteStore, outcome: service.Outcome) -> str:
    return h100_result(store, outcome.submission_id)
