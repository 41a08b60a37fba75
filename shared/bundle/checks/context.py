"""The bundle of our format being validated: its files, and what the early checks parsed from them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.bundle.problems import Problem
from shared.bundle.safezip import BadJson, ZipArchive, ZipLimits, load_json
from shared.bundle.schema import Environment, Manifest, RunReport
from shared.method.tasks import Task
from shared.records import ResultRecord

RECREATE = "Re-create the bundle with `python -m runner bundle`."


@dataclass
class NativeBundle:
    """A bundle of our runner under validation; the checks fill in the parsed parts as they go.

    Attributes:
        files: The zip's members, path -> bytes, read on demand (a ZipArchive) or held (a dict).
        limits: Size limits of the upload.
        short_workload_ok: Accept a demo run on fewer samples with a warning (never the portal).
        now: The validating machine's time, for "not in the future".
        manifest, raw_report, raw_env, run, env, task, trace: Parsed by the early checks.
        record: The normalised result, built by the last check.
    """

    files: Mapping[str, bytes]
    limits: ZipLimits = field(default_factory=ZipLimits)
    short_workload_ok: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    manifest: Manifest | None = None
    raw_report: dict[str, Any] | None = None
    raw_env: dict[str, Any] | None = None
    run: RunReport | None = None
    env: Environment | None = None
    task: Task | None = None
    trace: list[Any] | None = None
    record: ResultRecord | None = None
    _json: dict[str, Any] = field(default_factory=dict)

    def digest(self, name: str) -> tuple[int, str]:
        """(size, sha256 hex) of a member, streamed when the files are a ZipArchive."""
        if isinstance(self.files, ZipArchive):
            return self.files.digest(name)
        body = self.files[name]
        return len(body), hashlib.sha256(body).hexdigest()

    def json_object(self, name: str) -> tuple[dict[str, Any] | None, Problem | None]:
        """The JSON object of member `name` (parsed once), or the problem that stops it being one."""
        if name in self._json:
            return self._json[name], None
        size = self.files_size(name)
        if size > self.limits.max_json_bytes:
            return None, Problem(
                "bad_json",
                f"{name} is {size / 1e6:.1f} MB, over the {self.limits.max_json_bytes / 1e6:.0f} MB limit for JSON. "
                + RECREATE,
                name,
            )
        try:
            obj = load_json(name, self.files[name], self.limits)
        except BadJson as exc:
            return None, Problem(exc.code, f"{exc}. {RECREATE}", name)
        if not isinstance(obj, dict):
            # None means "failed" to the callers, so a JSON null (or list, number) must be a problem here.
            return None, Problem("schema", f"{name} must be a JSON object, not {type(obj).__name__}. {RECREATE}", name)
        self._json[name] = obj
        return obj, None

    def files_size(self, name: str) -> int:
        """A member's size without reading it when the files are a ZipArchive."""
        if isinstance(self.files, ZipArchive):
            return self.files.size(name)
        return len(self.files[name])
