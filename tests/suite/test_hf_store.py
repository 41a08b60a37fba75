"""The Hugging Face dataset store backend, against an in-memory stand-in for the Hub's file API.

The Hub is not reachable from CI, so this fake replaces only the two HTTP calls (download, upload);
everything else is the real SQLite store being synchronised.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.bundle.validate import validate_bundle
from shared.store.factory import store_from_env
from shared.store.hf_dataset import REMOTE_PATH, HFDatasetStore
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from testkit.factory import make_bundle_bytes


class FakeHub:
    """Files of dataset repos kept in a folder; records every commit message."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.commits: list[str] = []

    def _path(self, repo_id: str, filename: str) -> Path:
        return self.root / repo_id / filename

    def file_exists(self, repo_id: str, filename: str, repo_type: str | None = None) -> bool:
        assert repo_type == "dataset"
        return self._path(repo_id, filename).exists()

    def hf_hub_download(
        self,
        repo_id: str,
        filename: str,
        repo_type: str | None = None,
        local_dir: Path | None = None,
        force_download: bool = False,
    ) -> str:
        assert local_dir is not None and repo_type == "dataset"
        dest = Path(local_dir) / filename
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path(repo_id, filename), dest)
        return str(dest)

    def upload_file(
        self, *, path_or_fileobj: str, path_in_repo: str, repo_id: str, repo_type: str, commit_message: str
    ) -> None:
        dest = self._path(repo_id, path_in_repo)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path_or_fileobj, dest)
        self.commits.append(commit_message)


def _submit(store: HFDatasetStore, model: str) -> str:
    data = make_bundle_bytes(task_id="text_classification", model_id=model)
    report = validate_bundle(data)
    assert report.ok and report.record is not None
    sub, created = store.add_submission(data, "b.zip", report.record, Submitter("Ada"), Attestation(True, True, True))
    assert created
    return sub.id


def test_writer_and_reader_spaces_share_one_store(tmp_path: Path) -> None:
    hub = FakeHub(tmp_path / "hub")
    portal = HFDatasetStore("org/energy", api=hub, local_dir=tmp_path / "portal", refresh_s=0)
    board = HFDatasetStore("org/energy", api=hub, local_dir=tmp_path / "board", refresh_s=0)
    assert board.versions() == []
    sub_id = _submit(portal, "acme/a")
    assert (hub.root / "org/energy" / REMOTE_PATH).exists()
    assert board.get_submission(sub_id) is not None and board.get_submission(sub_id).status == "pending"
    portal.review(sub_id, True, "", "reviewer")
    portal.publish_version("2026-11", "November 2026")
    assert [v.id for v in board.versions()] == ["2026-11"]
    assert [r.stars for r in board.version_results("2026-11")] == [5]
    assert hub.commits[0].startswith("Submission of acme/a") and hub.commits[-1] == "Publish version 2026-11"


def test_a_restarted_space_recovers_everything_from_the_repo(tmp_path: Path) -> None:
    hub = FakeHub(tmp_path / "hub")
    first = HFDatasetStore("org/energy", api=hub, local_dir=tmp_path / "one")
    sub_id = _submit(first, "acme/b")
    restarted = HFDatasetStore("org/energy", api=hub, local_dir=tmp_path / "two")
    assert restarted.get_bundle(sub_id) == first.get_bundle(sub_id)


def test_store_from_env_defaults_to_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIENERGY_STORE_BACKEND", raising=False)
    monkeypatch.setenv("AIENERGY_STORE", str(tmp_path / "s.sqlite3"))
    store = store_from_env()
    assert isinstance(store, SQLiteStore) and store.path == tmp_path / "s.sqlite3"


def test_store_from_env_explains_missing_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIENERGY_STORE_BACKEND", "hf-dataset")
    monkeypatch.delenv("AIENERGY_HF_DATASET", raising=False)
    with pytest.raises(SystemExit, match="AIENERGY_HF_DATASET"):
        store_from_env()
    monkeypatch.setenv("AIENERGY_STORE_BACKEND", "postgres")
    with pytest.raises(SystemExit, match="Unknown AIENERGY_STORE_BACKEND"):
        store_from_env()
