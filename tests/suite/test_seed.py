"""Demo seeding: bundles go through validation, storage and review, then one version is published."""

from __future__ import annotations

from pathlib import Path

from shared.seed import DEMO_DIR, seed_demo
from shared.store import SQLiteStore
from tests.factory import make_bundle_bytes, make_env


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "a.zip").write_bytes(make_bundle_bytes(task_id="image_classification", model_id="acme/a", energy_wh=1.0))
    (folder / "b.zip").write_bytes(make_bundle_bytes(task_id="image_classification", model_id="acme/b", energy_wh=3.0))
    (folder / "sim.zip").write_bytes(make_bundle_bytes(env=make_env(meter="simulated")))
    return folder


def test_seed_stores_valid_bundles_and_publishes_once(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    out = seed_demo(tmp_store, folder)
    assert len(out.stored) == 2
    assert [name for name, _ in out.skipped] == ["sim.zip"]
    assert "simulated meter" in out.skipped[0][1]
    rated = {r.record.model_id: r.stars for r in tmp_store.version_results(out.version_id)}
    assert rated == {"acme/a": 5, "acme/b": 1}
    again = seed_demo(tmp_store, folder)
    assert again.stored == [] and len(tmp_store.versions()) == 1


def test_shipped_demo_bundles_all_validate(tmp_store: SQLiteStore) -> None:
    bundles = sorted(DEMO_DIR.glob("*.zip"))
    out = seed_demo(tmp_store)
    assert out.skipped == []
    assert len(out.stored) == len(bundles)
