"""Results measured on another GPU than the H100: validation accepts a known datacenter GPU with a warning
(its own power limit in the physics checks), refuses an unknown, spoofed or mixed one; the store keeps them
without stars, in no scoring group with H100 results, and opens stores of the schema before NULL stars."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from shared.bundle.checks.environment import OTHER_HARDWARE
from shared.bundle.gpus import H100_NAMES, MAX_POWER_W, is_h100, is_known_gpu, max_power_w
from shared.bundle.validate import validate_bundle
from shared.method.hardware import is_rated_hardware, not_rated_text
from shared.method.scoring import scoring_group, stars_by_group
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import STORE_SCHEMA_VERSION, Attestation, StoreError, Submitter, record_group
from shared.store.sqlite import SQLiteStore
from shared.store.versions import recompute_stars
from testkit.factory import make_bundle_bytes, make_env, make_report
from tests.shared.bundles import codes, problem
from tests.shared.forge import RUN_LOG, Forge

H100 = "NVIDIA H100 80GB HBM3"
OTHER_GPUS = sorted(n for n in MAX_POWER_W if n not in H100_NAMES)


def _warning(rep, code: str) -> str:  # type: ignore[no-untyped-def]
    found = [w.message for w in rep.warnings if w.code == code]
    assert found, rep.text()
    return found[0]


# ---- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gpu", ["NVIDIA H200", "NVIDIA H200 NVL"])
def test_h200_is_accepted_with_the_other_hardware_warning(gpu: str) -> None:
    rep = validate_bundle(make_bundle_bytes(env=make_env(gpu_name=gpu)))
    assert rep.ok, rep.text()
    msg = _warning(rep, OTHER_HARDWARE)
    assert f"Measured on {gpu} " in msg
    assert "stored and shown under other hardware without stars" in msg and "only H100 results are rated" in msg
    assert rep.record is not None and rep.record.hardware == gpu


@pytest.mark.parametrize("gpu", OTHER_GPUS)
def test_every_known_other_gpu_is_accepted_and_never_rated(gpu: str) -> None:
    rep = validate_bundle(make_bundle_bytes(env=make_env(gpu_name=gpu)))
    assert rep.ok, rep.text()
    assert OTHER_HARDWARE in {w.code for w in rep.warnings}
    assert rep.record is not None and not is_rated_hardware(rep.record.hardware)


def test_an_h100_has_no_other_hardware_warning() -> None:
    rep = validate_bundle(make_bundle_bytes())
    assert rep.ok and OTHER_HARDWARE not in {w.code for w in rep.warnings}


@pytest.mark.parametrize(
    "gpu",
    [
        "NVIDIA GeForce RTX 4090",  # a workstation card: its power limit is not in the table
        "Tesla T4",
        "AMD Instinct MI300X",
        "",
    ],
)
def test_an_unknown_gpu_is_refused_with_a_clear_message(gpu: str) -> None:
    rep = validate_bundle(make_bundle_bytes(env=make_env(gpu_name=gpu)))
    msg = problem(rep, "not_h100")
    assert "cannot be accepted" in msg and "NVIDIA H100" in msg and "exactly" in msg
    assert OTHER_HARDWARE not in {w.code for w in rep.warnings}


@pytest.mark.parametrize(
    "gpu",
    [
        "NVIDIA GeForce RTX 4090 (not an H100)",
        "NVIDIA H100 80GB HBM3 (really an RTX 4090)",
        "H100",
        "NVIDIA H100 80GB HBM3\u200b",  # a zero-width space after a real name
        "NVIDIA H2OO",  # letters O for zeros
        "NVIDIA H200 " + "x" * 200,
    ],
)
def test_a_name_merely_like_a_known_gpu_is_refused(gpu: str) -> None:
    assert not is_h100(gpu) and not is_known_gpu(gpu)
    rep = validate_bundle(make_bundle_bytes(env=make_env(gpu_name=gpu, power_limit_w=700.0)))
    assert "not_h100" in codes(rep), rep.text()
    assert not rep.ok


def test_known_names_match_whatever_the_spacing_and_case() -> None:
    assert is_known_gpu("nvidia  h200") and max_power_w(" NVIDIA H200 NVL ") == 600.0
    rep = validate_bundle(make_bundle_bytes(env=make_env(gpu_name="nvidia  h200")))
    assert rep.ok and "Measured on NVIDIA H200 " in _warning(rep, OTHER_HARDWARE)


def test_mixed_gpus_in_one_run_are_refused() -> None:
    report = make_report(gpus=2, model_class="C", parameters=100_000_000_000)
    env = make_env(gpus=2)
    env.gpus[1].name = "NVIDIA H200"
    rep = validate_bundle(make_bundle_bytes(report=report, env=env))
    assert "different GPUs" in problem(rep, "mixed_gpus")
    assert not rep.ok
    # Two H100s of one product are one run's GPUs, as before.
    assert validate_bundle(make_bundle_bytes(report=report, env=make_env(gpus=2))).ok


def _renamed(gpu: str, declared: float | None, scale: float = 1.0) -> bytes:
    """The real H100 fixture as if measured on `gpu` (declared limit `declared`), windows scaled by `scale`."""

    def edit(f: Forge) -> None:
        f.env["gpus"][0]["name"] = gpu
        f.env["gpus"][0]["power_limit_w"] = declared
        f.files[RUN_LOG] = f.files[RUN_LOG].replace(f"GPUs {H100};".encode(), f"GPUs {gpu};".encode())
        if scale != 1.0:
            f.scale_windows(scale)

    f = Forge.fixture()
    edit(f)
    return f.bundle()


def test_the_physics_checks_use_the_measured_gpus_own_power_limit() -> None:
    assert max_power_w("NVIDIA H200") == 700.0 and max_power_w("NVIDIA H200 NVL") == 600.0
    assert max_power_w("NVIDIA A100-PCIE-40GB") == 250.0
    # The fixture's windows scaled by 5 draw ~680 W: within 1.1 x 700 W, over 1.1 x 600 W.
    assert validate_bundle(_renamed("NVIDIA H200", 700.0, 5.0)).ok
    assert "power_above_limit" in codes(validate_bundle(_renamed("NVIDIA H200 NVL", 600.0, 5.0)))
    # No declared limit: the product's maximum is the ceiling (250 W for an A100 PCIe 40GB; ~136 W passes).
    assert validate_bundle(_renamed("NVIDIA A100-PCIE-40GB", None)).ok
    assert "power_above_limit" in codes(validate_bundle(_renamed("NVIDIA A100-PCIE-40GB", None, 2.5)))
    # A declared limit above the product's maximum is refused, whatever the GPU.
    rep = validate_bundle(_renamed("NVIDIA H200 NVL", 700.0))
    assert "at most 600.0 W" in problem(rep, "power_limit_implausible")


# ---- scoring and the store ----------------------------------------------------------------------


def record(model: str, energy: float, hardware: str = H100, task: str = "text_generation") -> ResultRecord:
    return ResultRecord(
        task_id=task, model_id=model, gpu_energy_wh_per_1k=energy, model_class="A", samples=1000, hardware=hardware
    )


def add(store: SQLiteStore, rec: ResultRecord, approve: bool = True) -> str:
    sub, _ = store.add_submission(
        f"{rec.model_id} {rec.hardware} {rec.gpu_energy_wh_per_1k}".encode(),
        "b.zip",
        rec,
        Submitter(name="Ada"),
        Attestation(True, True, True),
    )
    if approve:
        store.review(sub.id, True, "", "rev")
    return sub.result_id


def test_scoring_gives_no_group_and_no_stars_to_an_unrated_result() -> None:
    assert scoring_group("text_generation", "A", True, rated=False) is None
    items = [
        ("h100-low", scoring_group("text_generation", "A", True), 1.0),
        ("h100-high", scoring_group("text_generation", "A", True), 2.0),
        ("h200", scoring_group("text_generation", "A", True, rated=False), 0.1),
    ]
    assert stars_by_group(items) == {"h100-low": 5, "h100-high": 1}
    assert record_group(record("a/b", 1.0, "NVIDIA H200")) is None
    assert record_group(record("a/b", 1.0)) == ("text_generation", "A")
    published = record("a/b", 1.0, "NVIDIA H100 80GB")  # the reference's loose GPU name
    published.source_format, published.provenance = FORMAT_PUBLISHED, PROVENANCE_PUBLISHED
    assert record_group(published) == ("text_generation", "A")
    assert not_rated_text("NVIDIA H200 NVL") == "not rated (H200 NVL)"


def test_publishing_never_rates_another_gpu_with_the_h100s(tmp_store: SQLiteStore) -> None:
    h100 = [add(tmp_store, record(f"acme/m{i}", e)) for i, e in enumerate((1.0, 2.0, 3.0, 6.0))]
    # Far below the H100s: rated with them it would push every one of them down.
    h200 = add(tmp_store, record("acme/h200-run", 0.01, "NVIDIA H200"))
    a100 = add(tmp_store, record("acme/a100-run", 50.0, "NVIDIA A100-SXM4-80GB"))
    info = tmp_store.publish_version("2026-12", "December 2026")
    assert info.result_count == 6  # the other GPUs' results are in the version, listed apart
    stars = {r.result_id: r.stars for r in tmp_store.version_results("2026-12")}
    assert stars[h200] is None and stars[a100] is None
    alone = stars_by_group(
        (rid, ("text_generation", "A"), e) for rid, e in zip(h100, (1.0, 2.0, 3.0, 6.0), strict=True)
    )
    assert {rid: stars[rid] for rid in h100} == alone == {h100[0]: 5, h100[1]: 4, h100[2]: 3, h100[3]: 1}
    results = tmp_store.version_results("2026-12")
    assert recompute_stars(results) == stars
    got = tmp_store.get_result(h200, "2026-12")
    assert got is not None and got.stars is None and not got.rated_hardware
    # The reviewer's queue sees the GPU of every submission.
    assert {s.hardware for s in tmp_store.submissions()} == {H100, "NVIDIA H200", "NVIDIA A100-SXM4-80GB"}


# The schema of store version 1, as the code before NULL stars created it.
OLD_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE submissions(
    id TEXT PRIMARY KEY,
    bundle_sha256 TEXT NOT NULL UNIQUE,
    bundle BLOB NOT NULL,
    filename TEXT NOT NULL,
    submitter_name TEXT NOT NULL,
    submitter_contact TEXT NOT NULL DEFAULT '',
    hf_username TEXT NOT NULL DEFAULT '',
    attested_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    review_reason TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at TEXT NOT NULL DEFAULT '',
    warnings_json TEXT NOT NULL DEFAULT '[]',
    content_sha256 TEXT
);
CREATE UNIQUE INDEX submissions_content ON submissions(content_sha256);
CREATE INDEX submissions_created ON submissions(created_at);
CREATE TABLE results(
    id TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id),
    task_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    model_class TEXT,
    gpu_energy_wh_per_1k REAL NOT NULL CHECK (gpu_energy_wh_per_1k > 0),
    record_json TEXT NOT NULL
);
CREATE INDEX results_task ON results(task_id);
CREATE TABLE versions(
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    published_at TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE version_results(
    version_id TEXT NOT NULL REFERENCES versions(id),
    result_id TEXT NOT NULL REFERENCES results(id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    PRIMARY KEY (version_id, result_id)
);
CREATE TABLE published_imports(
    submission_id TEXT PRIMARY KEY REFERENCES submissions(id),
    version_id TEXT NOT NULL REFERENCES versions(id)
);
INSERT INTO meta(key, value) VALUES ('schema_version', '1');
"""


def _old_store(path: Path, rows: int = 3) -> None:
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO versions VALUES ('2026-05', 'May 2026', '2026-05-01T00:00:00+00:00', '')")
    for i in range(rows):
        rec = record(f"acme/old{i}", 1.0 + i)
        db.execute(
            "INSERT INTO submissions(id, bundle_sha256, bundle, filename, submitter_name, attested_at, created_at,"
            " status) VALUES (?, ?, ?, 'b.zip', 'Ada', '2026-05-01', '2026-05-01', 'approved')",
            (f"sub_{i:012d}", f"{i:064d}", b"bundle"),
        )
        db.execute(
            "INSERT INTO results VALUES (?, ?, 'text_generation', ?, 'A', ?, ?)",
            (f"res_{i:012d}", f"sub_{i:012d}", rec.model_id, rec.gpu_energy_wh_per_1k, rec.to_json()),
        )
        db.execute("INSERT INTO version_results VALUES ('2026-05', ?, ?)", (f"res_{i:012d}", 5 - i))
    db.commit()
    with pytest.raises(sqlite3.IntegrityError):  # what the old schema refused: a result without stars
        db.execute("INSERT INTO version_results VALUES ('2026-05', 'res_000000000000', NULL)")
    db.close()


def _dump(path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        return {
            t: sorted(db.execute(f"SELECT * FROM {t}").fetchall())  # our own table names
            for t in ("submissions", "results", "versions", "version_results", "published_imports")
        }
    finally:
        db.close()


def test_a_store_of_the_old_schema_is_migrated_keeping_every_row(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_store(path)
    before = _dump(path)
    store = SQLiteStore(path)
    after = _dump(path)
    for table, rows in before.items():
        assert after[table] == rows, table
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(STORE_SCHEMA_VERSION),)
    # A NULL star is insertable now, and stars outside 1..5 are still refused.
    db.execute("INSERT INTO versions VALUES ('2026-06', 'June 2026', '2026-06-01T00:00:00+00:00', '')")
    db.execute("INSERT INTO version_results VALUES ('2026-06', 'res_000000000000', NULL)")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO version_results VALUES ('2026-06', 'res_000000000001', 6)")
    db.commit()
    db.close()
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys=ON")
    with pytest.raises(sqlite3.IntegrityError):  # the foreign keys survived the rebuild
        db.execute("INSERT INTO version_results VALUES ('2026-06', 'res_nonexistent', 3)")
    db.close()
    # The store reads the old rows and the new one; opening it again is a no-op.
    assert [r.stars for r in store.version_results("2026-05")] == [5, 4, 3]
    assert [r.stars for r in store.version_results("2026-06")] == [None]
    SQLiteStore(path)
    assert [r.stars for r in store.version_results("2026-05")] == [5, 4, 3]
    # And it publishes an unrated result through the normal path.
    add(store, record("acme/h200-run", 2.0, "NVIDIA H200"))
    store.publish_version("2026-12", "December 2026")
    assert {r.record.model_id: r.stars for r in store.version_results("2026-12")} == {
        **{f"acme/old{i}": s for i, s in enumerate((5, 3, 1))},
        "acme/h200-run": None,
    }


def test_a_store_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SQLiteStore(path)
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(STORE_SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version"):
        SQLiteStore(path)


def test_an_unrated_result_reads_back_through_every_store_call(tmp_store: SQLiteStore) -> None:
    rid = add(tmp_store, record("acme/h200-run", 2.0, "NVIDIA H200"))
    tmp_store.publish_version("2026-12", "December 2026")
    sub = tmp_store.submissions()[0]
    assert sub.hardware == "NVIDIA H200"
    rated = tmp_store.get_result(rid)
    assert rated is not None and rated.stars is None and rated.version_id == "2026-12"
    assert json.loads(rated.record.to_json())["hardware"] == "NVIDIA H200"


def test_an_old_store_without_its_version_row_is_migrated_by_its_shape(tmp_path: Path) -> None:
    path = tmp_path / "no-meta.sqlite3"
    _old_store(path, rows=1)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM meta")
    db.commit()
    db.close()
    store = SQLiteStore(path)
    add(store, record("acme/h200-run", 2.0, "NVIDIA H200"))
    store.publish_version("2026-12", "December 2026")
    assert {r.record.model_id: r.stars for r in store.version_results("2026-12")} == {
        "acme/old0": 5,
        "acme/h200-run": None,
    }
