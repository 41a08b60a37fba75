"""Builders of hostile uploads for the portal's safety tests, and small helpers shared by its tests."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any

from runner.run_files import run_files
from shared.bundle.make import make_bundle
from shared.bundle.schema import Environment, RunReport
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from testkit.factory import make_env, make_report

ALL_TERMS = Attestation(True, True, True)
ALICE = Submitter(name="Alice Example", contact="alice@example.org")


def zip_of(entries: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding `entries` (name or ZipInfo, body) in order, duplicates allowed."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buf, "w", compression=compression) as zf:
            for name, body in entries:
                zf.writestr(name, body)
    return buf.getvalue()


def symlink_zip() -> bytes:
    """A zip whose only member is a Unix symbolic link to /etc/passwd."""
    info = zipfile.ZipInfo("logs/run.log")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return zip_of([(info, b"/etc/passwd")])


def non_utf8_name_zip(flagged: bool) -> bytes:
    """A zip with the name b'run_\\xff.log': without the UTF-8 flag (read as cp437), or with it."""
    if not flagged:
        return zip_of([("run_Z.log", b"x")]).replace(b"run_Z.log", b"run_\xff.log")
    # A non-ASCII name makes zipfile set the UTF-8 flag; then swap in bytes that are not UTF-8.
    good = "run_é.log".encode()
    return zip_of([("run_é.log", b"x")]).replace(good, b"run_\xff\xfe.log")


def set_central_sizes(data: bytes, uncompressed: int) -> bytes:
    """Rewrite every central-directory entry's uncompressed size (a header that lies)."""
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", out, pos + 24, uncompressed)
        pos = out.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def lying_total_zip(members: int = 6, each: int = 1 << 20, claimed: int = 99 << 20) -> bytes:
    """Stored members of `each` random bytes whose headers claim `claimed` bytes each: every one
    passes the ratio limit (99-fold) but together they claim more than the total limit."""
    return set_central_sizes(
        zip_of([(f"logs/part{i}.bin", os.urandom(each)) for i in range(members)], zipfile.ZIP_STORED), claimed
    )


def signed_bundle(
    replace: dict[str, bytes | None] | None = None,
    report: RunReport | None = None,
    env: Environment | None = None,
) -> bytes:
    """A bundle whose files are replaced *before* hashing: the manifest agrees, so only the content
    checks can catch the change."""
    files = run_files(report or make_report(), env or make_env(), {"run.log": b"synthetic test bundle\n"})
    for name, body in (replace or {}).items():
        if body is None:
            files.pop(name, None)
        else:
            files[name] = body
    return make_bundle(files, "aienergyscore-runner", "test")


def report_dict(**changes: Any) -> dict[str, Any]:
    """A valid report as a JSON-ready dict with top-level keys replaced."""
    d = json.loads(make_report().model_dump_json())
    d.update(changes)
    return d


def row_counts(store: SQLiteStore) -> tuple[int, int]:
    """(submissions, results) rows in a SQLite store."""
    with sqlite3.connect(store.path) as db:
        subs = db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        results = db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    return subs, results


def write(tmp: Path, name: str, data: bytes) -> Path:
    """Write `data` to tmp/name and return the path."""
    path = tmp / name
    path.write_bytes(data)
    return path
