"""A store kept in a Hugging Face dataset repository, for apps deployed as separate Spaces.

A Space's disk is not kept across restarts, so the SQLite file itself lives in a dataset repo: each
Space works on a local copy (an `SQLiteStore`, so every rule of the embedded store holds), pulls the
latest copy before a write and at most every `refresh_s` seconds before a read, and pushes the file
after every write. Only the portal writes; the leaderboard and label Spaces read. Configured by
environment variables (see `shared.store.factory`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from shared.records import ResultRecord
from shared.store.models import (
    PRIVATE_FILE_MODE,
    Attestation,
    Quota,
    RatedResult,
    Submission,
    Submitter,
    VersionInfo,
)
from shared.store.sqlite import SQLiteStore

TOKEN_ENV = "HF_TOKEN"
REMOTE_PATH = "store/aienergy.sqlite3"


class HFDatasetStore:
    """Store whose SQLite file is synchronised with a Hugging Face dataset repository."""

    def __init__(
        self, repo_id: str, api: Any | None = None, local_dir: str | Path | None = None, refresh_s: float = 30.0
    ) -> None:
        if api is None:
            from huggingface_hub import HfApi

            api = HfApi(token=os.environ.get(TOKEN_ENV) or None)
        self.api = api
        self.repo_id = repo_id
        self.refresh_s = refresh_s
        self.local_dir = Path(local_dir or tempfile.mkdtemp(prefix="aienergy-hf-store-"))
        self.local_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.local_dir / "aienergy.sqlite3"
        self._lock = threading.RLock()
        self._pulled_at = 0.0
        self._pull()
        self._inner = SQLiteStore(self.path)

    def _pull(self) -> None:
        """Replace the local copy with the repository's, if it has one."""
        if not self.api.file_exists(self.repo_id, REMOTE_PATH, repo_type="dataset"):
            self._pulled_at = time.monotonic()
            return
        fetched = self.api.hf_hub_download(
            self.repo_id,
            REMOTE_PATH,
            repo_type="dataset",
            local_dir=self.local_dir / "download",
            force_download=True,
        )
        tmp = self.path.with_suffix(".incoming")
        shutil.copyfile(fetched, tmp)
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        os.chmod(tmp, PRIVATE_FILE_MODE)  # the copy holds submitters' contacts, like the store it replaces
        os.replace(tmp, self.path)
        self._pulled_at = time.monotonic()
        if hasattr(self, "_inner"):
            # The repository's copy may have been pushed by older code (an older schema version): opening it
            # again migrates the local copy (SQLiteStore's schema steps), so publishing can store NULL stars
            # for results not rated; the next write pushes the migrated file.
            self._inner = SQLiteStore(self.path)

    def _push(self, message: str) -> None:
        # Fold the WAL into the main file so the uploaded copy is complete on its own.
        with sqlite3.connect(self.path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.api.upload_file(
            path_or_fileobj=str(self.path),
            path_in_repo=REMOTE_PATH,
            repo_id=self.repo_id,
            repo_type="dataset",
            commit_message=message,
        )

    def _fresh(self) -> SQLiteStore:
        with self._lock:
            if time.monotonic() - self._pulled_at > self.refresh_s:
                self._pull()
        return self._inner

    def _write(self, message: str, fn: str, *args: Any, **kw: Any) -> Any:
        with self._lock:
            self._pull()
            out = getattr(self._inner, fn)(*args, **kw)
            self._push(message)
            return out

    def add_submission(
        self,
        bundle: bytes,
        filename: str,
        record: ResultRecord,
        submitter: Submitter,
        attestation: Attestation,
        warnings: list[str] | None = None,
        content_sha256: str | None = None,
        quota: Quota | None = None,
    ) -> tuple[Submission, bool]:
        """See Store.add_submission; pushes the store after storing."""
        return self._write(
            f"Submission of {record.model_id} ({record.task_id})",
            "add_submission",
            bundle,
            filename,
            record,
            submitter,
            attestation,
            warnings,
            content_sha256=content_sha256,
            quota=quota,
        )

    def review(self, submission_id: str, approve: bool, reason: str, reviewer: str) -> Submission:
        """See Store.review; pushes the store after the review."""
        verdict = "Approve" if approve else "Reject"
        return self._write(f"{verdict} {submission_id}", "review", submission_id, approve, reason, reviewer)

    def publish_version(self, version_id: str, name: str, notes: str = "") -> VersionInfo:
        """See Store.publish_version; pushes the store after publishing."""
        return self._write(f"Publish version {version_id}", "publish_version", version_id, name, notes)

    def import_published_version(
        self, version_id: str, name: str, notes: str, items: list[tuple[bytes, str, ResultRecord]], source_name: str
    ) -> VersionInfo:
        """See SQLiteStore.import_published_version; pushes the store after importing."""
        return self._write(
            f"Import published version {version_id}",
            "import_published_version",
            version_id,
            name,
            notes,
            items,
            source_name,
        )

    def get_submission(self, submission_id: str) -> Submission | None:
        """See Store.get_submission."""
        return self._fresh().get_submission(submission_id)

    def get_bundle(self, submission_id: str) -> bytes | None:
        """See Store.get_bundle."""
        return self._fresh().get_bundle(submission_id)

    def submissions(self, status: str | None = None) -> list[Submission]:
        """See Store.submissions."""
        return self._fresh().submissions(status)

    def approved_results(self) -> list[RatedResult]:
        """See Store.approved_results."""
        return self._fresh().approved_results()

    def versions(self) -> list[VersionInfo]:
        """See Store.versions."""
        return self._fresh().versions()

    def version_results(self, version_id: str) -> list[RatedResult]:
        """See Store.version_results."""
        return self._fresh().version_results(version_id)

    def get_result(self, result_id: str, version_id: str | None = None) -> RatedResult | None:
        """See Store.get_result."""
        return self._fresh().get_result(result_id, version_id)
