"""Writing a submission bundle: a run's files zipped with a manifest of their sizes and hashes."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, datetime

from shared.bundle.schema import BUNDLE_FORMAT, MANIFEST_FILE, SCHEMA_VERSION, Manifest, ManifestFile


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def make_bundle(
    files: dict[str, bytes],
    runner_name: str,
    runner_version: str,
    created_utc: str | None = None,
) -> bytes:
    """Zip `files` (path -> bytes) with a manifest.json listing each one's size and sha256."""
    if MANIFEST_FILE in files:
        raise ValueError("files must not already contain a manifest.json")
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        format=BUNDLE_FORMAT,
        runner_name=runner_name,
        runner_version=runner_version,
        created_utc=created_utc or datetime.now(UTC).isoformat(timespec="seconds"),
        files=[ManifestFile(path=p, size_bytes=len(b), sha256=sha256_hex(b)) for p, b in sorted(files.items())],
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST_FILE, manifest.model_dump_json(indent=2))
        for path, body in sorted(files.items()):
            zf.writestr(path, body)
    return buf.getvalue()
