"""Validating submission bundles.

`validate_bundle` reads an untrusted upload (our format, or a reference-runner run directory zipped)
and returns every problem it finds as a plain sentence; it never raises on bad input. The checks
themselves are small functions listed in shared.bundle.checks.native (our format) and
shared.bundle.reference_format (the reference runner's); docs/BUNDLE_FORMAT.md lists them with their codes.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from shared.bundle.checks import run_stages
from shared.bundle.checks.context import NativeBundle
from shared.bundle.checks.counters import SHORT_WORKLOAD
from shared.bundle.checks.native import NATIVE_STAGES
from shared.bundle.problems import ValidationReport
from shared.bundle.reference_format import validate_reference
from shared.bundle.safezip import UnsafeZip, ZipArchive, ZipLimits
from shared.bundle.schema import MANIFEST_FILE
from shared.records import FORMAT_NATIVE

__all__ = ["SHORT_WORKLOAD", "validate_bundle"]

_HASH_CHUNK = 1 << 20


def _open_source(
    source: str | Path | bytes, report: ValidationReport, limits: ZipLimits
) -> tuple[bytes | Path | None, str]:
    """The upload as bytes or a regular file's path, with its sha256; (None, '') after reporting why not."""
    if isinstance(source, bytearray | memoryview):
        source = bytes(source)
    if isinstance(source, bytes):
        return source, hashlib.sha256(source).hexdigest()
    try:
        path = Path(source)
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            # A named pipe or device would block or never end; only a plain file is a bundle.
            report.add(
                "unreadable",
                f"{str(source)[:200]} cannot be read: it is not a regular file (a named pipe, device or folder). "
                "Give the bundle .zip itself.",
            )
            return None, ""
        if st.st_size > limits.max_zip_bytes:
            report.add(
                "too_large",
                f"The file is {st.st_size / 1e6:.1f} MB, over the {limits.max_zip_bytes / 1e6:.0f} MB limit.",
            )
            return None, ""
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                h.update(chunk)
        return path, h.hexdigest()
    except OSError as exc:
        report.add("unreadable", f"The file {str(source)[:200]} cannot be read ({exc.strerror}). Check the path.")
    except (TypeError, ValueError) as exc:
        # e.g. a path with a NUL byte, or neither a path nor bytes.
        report.add("unreadable", f"{source!r:.80} is not a readable file path ({exc}). Upload the bundle .zip.")
    return None, ""


def validate_bundle(
    source: str | Path | bytes, limits: ZipLimits = ZipLimits(), short_workload_ok: bool = False
) -> ValidationReport:
    """Validate a bundle (path or bytes). Never raises on bad input: every problem is in the report.

    `short_workload_ok` is for the suite's own demo data only (never the portal): a run on fewer
    than the standard samples is then accepted with a `short_workload` warning, its figures being
    normalised per 1,000 queries like any other (the issue allows this where device time is short).
    A path is read from disk in pieces: validation holds one small member at a time, not the upload.
    """
    report = ValidationReport()
    try:
        data, digest = _open_source(source, report, limits)
        if data is None:
            return report
        report.bundle_sha256 = digest
        archive = ZipArchive(data, limits)
    except UnsafeZip as exc:
        report.add("unsafe_zip", str(exc))
        return report
    except Exception as exc:  # a damaged zip that trips the zipfile module in an unforeseen way
        report.add(
            "unsafe_zip", f"The zip file is damaged ({type(exc).__name__}: {exc}). Create it again and re-upload."
        )
        return report
    try:
        archive.verify()  # stream every member once: damaged, nested or overlong ones are refused here
        if MANIFEST_FILE in archive:
            report.source_format = FORMAT_NATIVE
            bundle = NativeBundle(archive, limits, short_workload_ok)
            run_stages(NATIVE_STAGES, bundle, report)
            report.record = bundle.record
        else:
            validate_reference(archive, report, limits)
    except UnsafeZip as exc:  # a member that turned out damaged when read
        report.add("unsafe_zip", str(exc))
    except Exception as exc:
        report.add(
            "internal_error",
            f"The bundle could not be checked ({type(exc).__name__}: {str(exc)[:200]}). Please report this.",
        )
    finally:
        archive.close()
    if report.problems:
        report.record = None
    elif report.record is None:  # never "accepted" without a result
        report.add("internal_error", "The bundle was read but yielded no result. Please report this.")
    return report
