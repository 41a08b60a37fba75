"""Every safety case of the upload: a generated hostile zip each, the message it gets, nothing stored."""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from shared.bundle.safezip import ZipLimits
from shared.method.scoring import assign_stars
from shared.store.models import Quota, Submitter
from shared.store.sqlite import SQLiteStore
from shared.web.csv_safe import safe_cell, safe_frame
from submission_portal import service
from submission_portal.auth import Reviewer
from submission_portal.config import MB, PortalConfig
from testkit.factory import make_bundle_bytes, make_env, make_report
from tests.portal.hostile import (
    ALICE,
    ALL_TERMS,
    lying_total_zip,
    non_utf8_name_zip,
    report_dict,
    row_counts,
    set_central_sizes,
    signed_bundle,
    symlink_zip,
    zip_of,
)

BOB = Submitter(name="Bob Example", contact="bob@example.org")
REVIEWER = Reviewer(name="admin (token)", via="token")


def assert_rejected(store: SQLiteStore, data: bytes, *fragments: str, limits: ZipLimits = ZipLimits()) -> str:
    """Submit `data`; assert it is rejected with every fragment in the message and nothing stored."""
    outcome = service.submit(store, data, "upload.zip", ALL_TERMS, ALICE, limits)
    text = outcome.text()
    assert outcome.status == "rejected", text
    assert outcome.submission_id == ""
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert "Nothing was stored" in text
    assert row_counts(store) == (0, 0)
    return text


# --- size ------------------------------------------------------------------------------------


def test_upload_over_size_limit_is_refused_before_reading(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    big = tmp_path / "huge.zip"
    with open(big, "wb") as fh:  # sparse: 201 MB on paper, nothing on disk
        fh.truncate(201 * MB)
    outcome = service.submit_upload(tmp_store, big, ALL_TERMS, ALICE, PortalConfig().limits)
    assert outcome.status == "rejected"
    assert "over the 200 MB upload limit" in outcome.text()
    assert row_counts(tmp_store) == (0, 0)


def test_size_limit_applies_to_bytes_and_is_configurable(
    tmp_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIENERGY_MAX_UPLOAD_MB", "1")
    limits = PortalConfig.from_env().limits
    assert limits.max_zip_bytes == MB
    data = zip_of([("logs/noise.bin", os.urandom(2 * MB))], zipfile.ZIP_STORED)
    assert_rejected(tmp_store, data, "over the 1 MB limit", limits=limits)


def test_default_upload_limit_is_200_mb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIENERGY_MAX_UPLOAD_MB", raising=False)
    assert PortalConfig.from_env().max_upload_bytes == 200 * MB
    monkeypatch.setenv("AIENERGY_MAX_UPLOAD_MB", "not a number")
    assert PortalConfig.from_env().max_upload_bytes == 200 * MB


# --- zip bombs -------------------------------------------------------------------------------


def test_zip_bomb_ratio(tmp_store: SQLiteStore) -> None:
    data = zip_of([("logs/zeros.log", bytes(30 * MB))])
    assert len(data) < MB
    assert_rejected(tmp_store, data, "logs/zeros.log", "fold: it looks like a zip bomb")


def test_zip_bomb_total_uncompressed_size(tmp_store: SQLiteStore) -> None:
    data = lying_total_zip()  # 6 members, each claiming 99 MiB at a 99-fold ratio
    assert_rejected(tmp_store, data, "The files expand to over 524 MB")


def test_member_larger_than_its_header_says(tmp_store: SQLiteStore) -> None:
    # zipfile stops at the declared size, so the lie is caught (by the CRC) without reading on.
    data = set_central_sizes(zip_of([("logs/run.log", b"x" * 5000)]), 10)
    text = assert_rejected(tmp_store, data, "'logs/run.log'")
    assert "the zip is damaged" in text or "holds more data than its header says" in text


def test_total_limit_with_real_data(tmp_store: SQLiteStore) -> None:
    limits = replace(ZipLimits(), max_total_bytes=3_000_000)
    data = zip_of([(f"logs/p{i}.bin", os.urandom(MB)) for i in range(4)], zipfile.ZIP_STORED)
    assert_rejected(tmp_store, data, "The files expand to over 3 MB", limits=limits)


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../evil.txt", "logs/../../evil.txt"])
def test_path_traversal(tmp_store: SQLiteStore, name: str) -> None:
    assert_rejected(tmp_store, zip_of([(name, b"x")]), "climbs out of the folder", repr(name))


@pytest.mark.parametrize("name", ["/etc/passwd", "C:/Windows/evil.txt"])
def test_absolute_paths(tmp_store: SQLiteStore, name: str) -> None:
    assert_rejected(tmp_store, zip_of([(name, b"x")]), "absolute path", repr(name))


def test_backslash_names(tmp_store: SQLiteStore) -> None:
    assert_rejected(tmp_store, zip_of([("..\\evil.txt", b"x")]), "backslash")


def test_symlink(tmp_store: SQLiteStore) -> None:
    assert_rejected(tmp_store, symlink_zip(), "symbolic link", "regular files only")


@pytest.mark.parametrize("name", ["logs/inner.zip", "logs/data.tar.gz", "logs/x.7z"])
def test_nested_archive_by_name(tmp_store: SQLiteStore, name: str) -> None:
    assert_rejected(tmp_store, zip_of([(name, b"not really")]), "archive inside the archive")


def test_nested_archive_by_content(tmp_store: SQLiteStore) -> None:
    inner = make_bundle_bytes()
    assert_rejected(tmp_store, zip_of([("logs/run.log", inner)]), "'logs/run.log' is an archive inside the archive")


def test_duplicate_names(tmp_store: SQLiteStore) -> None:
    valid = make_bundle_bytes()
    with zipfile.ZipFile(__import__("io").BytesIO(valid)) as zf:
        entries = [(n, zf.read(n)) for n in zf.namelist()]
    data = zip_of([*entries, ("GPU_ENERGY_WH.txt", b"0.01\n")])
    assert_rejected(tmp_store, data, "'GPU_ENERGY_WH.txt' twice")


def test_too_many_files(tmp_store: SQLiteStore) -> None:
    data = zip_of([(f"logs/f{i}.log", b"") for i in range(501)], zipfile.ZIP_STORED)
    assert_rejected(tmp_store, data, "501 entries, over the limit of 500")


def test_non_utf8_name_without_flag(tmp_store: SQLiteStore) -> None:
    assert_rejected(tmp_store, non_utf8_name_zip(flagged=False), "is not valid UTF-8")


def test_non_utf8_name_with_utf8_flag(tmp_store: SQLiteStore) -> None:
    assert_rejected(tmp_store, non_utf8_name_zip(flagged=True), "file name in the zip is not valid UTF-8")


# --- not a zip -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"hello, this is text", b"\x89PNG\r\n\x1a\n" + bytes(100)])
def test_not_a_zip(tmp_store: SQLiteStore, data: bytes) -> None:
    assert_rejected(tmp_store, data, "This is not a .zip file")


def test_truncated_zip(tmp_store: SQLiteStore) -> None:
    valid = make_bundle_bytes()
    assert_rejected(tmp_store, valid[: len(valid) // 2], "damaged or truncated")
    assert_rejected(tmp_store, valid[:-10], "damaged or truncated")


def test_corrupt_compressed_stream(tmp_store: SQLiteStore) -> None:
    valid = bytearray(zip_of([("logs/run.log", os.urandom(2000) + bytes(2000))]))
    start = valid.find(b"PK\x03\x04") + 30 + len("logs/run.log")
    valid[start + 10 : start + 60] = bytes(50)
    text = assert_rejected(tmp_store, bytes(valid), "logs/run.log")
    assert "damaged" in text or "header says" in text


# --- JSON ------------------------------------------------------------------------------------


def test_json_too_large(tmp_store: SQLiteStore) -> None:
    noise = os.urandom(11 * MB).hex()  # 22 MB of text that compresses only 2-fold
    body = json.dumps({**report_dict(), "padding": noise}).encode()
    assert_rejected(
        tmp_store, signed_bundle({"benchmark_report.json": body}), "benchmark_report.json is 2", "limit for JSON"
    )


@pytest.mark.parametrize(("depth", "message"), [(100, "nested deeper than 32 levels"), (100_000, "nested too deeply")])
def test_json_deeply_nested(tmp_store: SQLiteStore, depth: int, message: str) -> None:
    body = ("[" * depth + "]" * depth).encode()
    assert_rejected(tmp_store, signed_bundle({"environment.json": body}), "environment.json", message)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_nan(tmp_store: SQLiteStore, constant: str) -> None:
    text = json.dumps(report_dict()).replace('"gpu_energy_wh":', f'"gpu_energy_wh": {constant}, "x":', 1)
    assert_rejected(tmp_store, signed_bundle({"benchmark_report.json": text.encode()}), f"holds {constant}")


def test_json_not_utf8(tmp_store: SQLiteStore) -> None:
    assert_rejected(tmp_store, signed_bundle({"environment.json": b'{"a": "\xff"}'}), "environment.json is not UTF-8")


def test_json_invalid(tmp_store: SQLiteStore) -> None:
    assert_rejected(tmp_store, signed_bundle({"environment.json": b'{"a": '}), "environment.json is not valid JSON")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [({"repetitions": "three"}, "repetitions"), ({"status": 7}, "status"), ({"model": [1, 2]}, "model")],
)
def test_json_wrong_type(tmp_store: SQLiteStore, changes: dict, fragment: str) -> None:
    body = json.dumps(report_dict(**changes)).encode()
    assert_rejected(
        tmp_store, signed_bundle({"benchmark_report.json": body}), "does not match the bundle schema", fragment
    )


def test_json_top_level_wrong_type(tmp_store: SQLiteStore) -> None:
    text = assert_rejected(tmp_store, signed_bundle({"environment.json": b"[1, 2, 3]"}), "environment.json")
    assert "must be a JSON object" in text or "does not match the bundle schema" in text


# --- altered numbers -------------------------------------------------------------------------


def test_altered_energy_text_without_rehash(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(override={"GPU_ENERGY_WH.txt": b"0.50\n"})
    assert_rejected(tmp_store, data, "GPU_ENERGY_WH.txt was altered after the run", "differs from the manifest")


def test_altered_energy_text_with_rehashed_manifest(tmp_store: SQLiteStore) -> None:
    data = signed_bundle({"GPU_ENERGY_WH.txt": b"0.50\n"})
    assert_rejected(
        tmp_store, data, "GPU_ENERGY_WH.txt says 0.5 Wh but the phase readings give", "the number was altered"
    )


def test_file_hash_differs_from_manifest(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(override={"logs/run.log": b"edited log\n"})
    assert_rejected(tmp_store, data, "logs/run.log was altered after the run: its sha256 differs from the manifest")


def test_file_added_to_bundle(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(override={"logs/extra.log": b"added later\n"})
    assert_rejected(tmp_store, data, "logs/extra.log is in the zip but not in the manifest")


def test_altered_phase_energy(tmp_store: SQLiteStore) -> None:
    d = report_dict()
    d["repetitions"][0]["phases"][0]["gpu_energy_wh"] *= 0.5
    assert_rejected(
        tmp_store, signed_bundle({"benchmark_report.json": json.dumps(d).encode()}), "the number was altered"
    )


# --- what the run was ------------------------------------------------------------------------


def test_simulated_meter_refused(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(env=make_env(meter="simulated"))
    assert_rejected(tmp_store, data, "simulated meter", "not a measurement")


def test_non_h100_refused(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(env=make_env(gpu_name="NVIDIA GeForce RTX 4090"))
    assert_rejected(tmp_store, data, "not an NVIDIA H100")


def test_every_problem_is_listed_together(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(env=make_env(meter="simulated", gpu_name="NVIDIA GeForce RTX 4090"))
    outcome = service.submit(tmp_store, data, "b.zip", type(ALL_TERMS)(True, False, True), type(ALICE)(name=""))
    text = outcome.text()
    for fragment in ("Data integrity", "Say who submits", "simulated meter", "not an NVIDIA H100"):
        assert fragment in text
    assert len(outcome.problems) >= 4
    assert row_counts(tmp_store) == (0, 0)


def test_incomplete_report(tmp_store: SQLiteStore) -> None:
    report = make_report()
    report.status = "incomplete"
    report.failure = "CUDA out of memory"
    data = signed_bundle({"benchmark_report.json": report.model_dump_json().encode()})
    assert_rejected(tmp_store, data, "did not complete")


# --- intake: the same files re-zipped, the daily quota, what the reviewer sees ----------------------


def rezip(data: bytes, level: int = 9, comment: bytes = b"re-zipped by hand", stored: bool = False) -> bytes:
    """The same members in another zip: reversed order, another compression level, a comment."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method, compresslevel=None if stored else level) as dst:
        dst.comment = comment
        for name, body in reversed(entries):
            dst.writestr(name, body)
    return buf.getvalue()


def test_rezipped_bundle_is_the_same_submission(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(seed=11)
    copies = [rezip(data), rezip(data, level=1, comment=b""), rezip(data, stored=True)]
    assert len({data, *copies}) == 4  # four different zips...
    assert {service.content_identity(c) for c in copies} == {service.content_identity(data)}  # ...one bundle
    first = service.submit(tmp_store, data, "a.zip", ALL_TERMS, ALICE)
    assert first.status == "stored"
    for copy in copies:
        again = service.submit(tmp_store, copy, "b.zip", ALL_TERMS, ALICE)
        assert again.status == "duplicate" and again.submission_id == first.submission_id, again.text()
    assert row_counts(tmp_store) == (1, 1)


def test_content_identity_ignores_the_manifest_but_not_the_files() -> None:
    data = make_bundle_bytes(seed=12)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["created_utc"] = "2030-01-01T00:00:00+00:00"
    rewritten = rezip_with(data, {"manifest.json": json.dumps(manifest).encode()})
    assert service.content_identity(rewritten) == service.content_identity(data)
    assert service.content_identity(make_bundle_bytes(seed=13)) != service.content_identity(data)
    assert service.content_identity(b"not a zip") is None


def rezip_with(data: bytes, replace_members: dict[str, bytes]) -> bytes:
    """The zip with some members' bodies replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries: list[tuple[str | zipfile.ZipInfo, bytes]] = [
            (i.filename, replace_members.get(i.filename, src.read(i))) for i in src.infolist()
        ]
    return zip_of(entries)


def test_quota_refuses_with_nothing_stored(tmp_store: SQLiteStore) -> None:
    quota = Quota(submissions_per_day=1, bytes_per_day=10**9)
    first = service.submit(tmp_store, make_bundle_bytes(seed=21), "a.zip", ALL_TERMS, ALICE, quota=quota)
    assert first.status == "stored"
    refused = service.submit(tmp_store, make_bundle_bytes(seed=22), "b.zip", ALL_TERMS, ALICE, quota=quota)
    text = refused.text()
    assert refused.status == "rejected" and "Daily limit reached" in text and "Nothing was stored" in text
    assert row_counts(tmp_store) == (1, 1)
    small = Quota(submissions_per_day=10, bytes_per_day=100)
    by_size = service.submit(tmp_store, make_bundle_bytes(seed=23), "c.zip", ALL_TERMS, BOB, quota=small)
    assert by_size.status == "rejected" and "over the limit of 0 MB" in by_size.text()
    assert row_counts(tmp_store) == (1, 1)


def test_quota_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIENERGY_QUOTA_SUBMISSIONS_PER_DAY", raising=False)
    monkeypatch.delenv("AIENERGY_QUOTA_MB_PER_DAY", raising=False)
    assert PortalConfig.from_env().quota == Quota(20, 500 * MB)
    monkeypatch.setenv("AIENERGY_QUOTA_SUBMISSIONS_PER_DAY", "3")
    monkeypatch.setenv("AIENERGY_QUOTA_MB_PER_DAY", "7.5")
    assert PortalConfig.from_env().quota == Quota(3, int(7.5 * MB))
    monkeypatch.setenv("AIENERGY_QUOTA_SUBMISSIONS_PER_DAY", "lots")
    assert PortalConfig.from_env().quota.submissions_per_day == 20


def _publish(store: SQLiteStore, energies: list[float]) -> list[str]:
    """Submit, approve and publish one result per energy; returns their result ids."""
    rids = []
    for i, energy in enumerate(energies):
        data = make_bundle_bytes(seed=100 + i, energy_wh=energy, model_id=f"acme/published-{i}")
        sub = service.submit(store, data, "p.zip", ALL_TERMS, BOB)
        assert service.review(store, REVIEWER, sub.submission_id, True, "").ok
        rids.append(store.get_submission(sub.submission_id).result_id)  # type: ignore[union-attr]
    assert service.publish(store, REVIEWER, "2026-01", "January 2026").ok
    return rids


def test_reviewer_sees_which_published_stars_change(tmp_store: SQLiteStore) -> None:
    rids = _publish(tmp_store, [1.0, 2.0, 3.0])
    cand = service.submit(
        tmp_store, make_bundle_bytes(seed=200, energy_wh=5.0, model_id="acme/new"), "n.zip", ALL_TERMS, ALICE
    )
    sub = tmp_store.get_submission(cand.submission_id)
    assert sub is not None
    published = {r.result_id: r for r in tmp_store.version_results("2026-01")}
    energies = [published[r].record.gpu_energy_wh_per_1k for r in rids] + [sub.gpu_energy_wh_per_1k]
    expected = assign_stars(energies)
    lines = service.review_stakes(tmp_store, sub)
    text = "\n".join(lines)
    assert f"gets {expected[-1]} star" in lines[0] and "text_generation, class A" in lines[0]
    changed = [r for r, after in zip(rids, expected, strict=False) if published[r].stars != after]
    assert changed, "the test's energies must move some stars"
    assert f"whose stars would change ({len(changed)} of 3)" in text
    for rid in rids:
        assert (rid in text) == (rid in changed)
    # What the reviewer's view shows holds the same lines, and the plausibility figures.
    detail = service.review_detail(tmp_store, REVIEWER, sub.id)
    assert lines[1] in detail and "Plausibility (mean GPU power per measured window): idle 70.0 W" in detail


def test_reviewer_stakes_with_nothing_published(tmp_store: SQLiteStore) -> None:
    cand = service.submit(tmp_store, make_bundle_bytes(seed=201), "n.zip", ALL_TERMS, ALICE)
    sub = tmp_store.get_submission(cand.submission_id)
    assert sub is not None
    lines = service.review_stakes(tmp_store, sub)
    assert "gets 5 stars" in lines[0] and "0 other approved" in lines[0]
    assert "No published result in this group yet" in lines[1]


def test_plausibility_marks_impossible_power() -> None:
    fine = service.plausibility(make_bundle_bytes(seed=300))
    assert "power limit 700 W" in fine[0] and not any("implausible" in line for line in fine)
    d = report_dict()
    d["repetitions"][0]["phases"][0]["duration_s"] = 0.001  # kWh in a millisecond: far above 700 W
    d["repetitions"][1]["phases"][0]["duration_s"] = 1e9  # near zero watts: below idle
    lines = service.plausibility(signed_bundle({"benchmark_report.json": json.dumps(d).encode()}))
    text = "\n".join(lines)
    assert "above the power limit: implausible" in text and "below idle power: implausible" in text
    assert "2 window(s) outside idle..limit" in text


def test_plausibility_power_limit_sources() -> None:
    env = json.loads(make_env(gpus=2).model_dump_json())
    assert service.power_limit_w(env) == 1400.0
    assert service.power_limit_w({**env, "power_limit_w": 650}) == 650.0
    env["gpus"][1]["power_limit_w"] = None
    assert service.power_limit_w(env) is None
    unknown = make_env()
    unknown.gpus[0].power_limit_w = None
    assert "power limit unknown" in service.plausibility(signed_bundle(env=unknown))[0]
    assert service.plausibility(None) == ["Plausibility: the bundle could not be read."]
    assert "not available for this bundle format" in service.plausibility(zip_of([("run/log.txt", b"x")]))[0]


def test_csv_cells_are_neutralised() -> None:
    frame = pd.DataFrame(
        {
            "model_id": ['=HYPERLINK("http://evil.example","x")', "+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "ok", "a=b"],
            "energy": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    safe = safe_frame(frame)
    assert safe["model_id"].tolist() == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'+1",
        "'-cmd",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "ok",
        "a=b",
    ]
    assert safe["energy"].tolist() == frame["energy"].tolist()  # numbers, negative ones too, untouched
    assert safe_cell(-3) == -3 and safe_cell(None) is None
    assert frame["model_id"][0].startswith("=")  # the input is not changed


def test_backfill_gives_old_submissions_their_identity(tmp_store: SQLiteStore) -> None:
    data = make_bundle_bytes(seed=14)
    record = service.check(data).record
    assert record is not None
    old, _ = tmp_store.add_submission(data, "old.zip", record, ALICE, ALL_TERMS)  # as stored before identities
    assert service.backfill_content_identities(tmp_store) == 1
    assert service.backfill_content_identities(tmp_store) == 0  # idempotent
    again = service.submit(tmp_store, rezip(data), "again.zip", ALL_TERMS, ALICE)
    assert again.status == "duplicate" and again.submission_id == old.id
