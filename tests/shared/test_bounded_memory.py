"""Validation holds one small member at a time: its peak memory does not grow with the bundle."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

from runner.run_files import run_files
from shared.bundle.make import make_bundle
from shared.bundle.safezip import ZipArchive
from shared.bundle.validate import validate_bundle
from testkit.factory import make_env, make_report

MB = 1024 * 1024
LOG_MB = 40


def _peak_mb(fn: object) -> float:
    tracemalloc.start()
    try:
        fn()  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


def test_a_large_bundle_is_validated_in_bounded_memory(tmp_path: Path) -> None:
    logs = {f"trace_{i}.log": os.urandom(LOG_MB // 2 * MB) for i in range(2)}
    path = tmp_path / "big.zip"
    path.write_bytes(make_bundle(run_files(make_report(), make_env(), logs), "aienergyscore-runner", "test"))
    del logs
    results = []
    peak = _peak_mb(lambda: results.append(validate_bundle(path)))
    assert results[0].ok, results[0].text()
    # 40 MB of logs; the old reader held all of it (and a copy). Chunks are 1 MiB.
    assert peak < 8, f"validation took {peak:.1f} MB of Python memory for a {LOG_MB} MB bundle"


def test_membership_does_not_read_the_member(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(make_bundle({"logs/big.log": os.urandom(8 * MB)}, "r", "1"))
    archive = ZipArchive(path)
    try:
        peak = _peak_mb(lambda: ("logs/big.log" in archive, archive.size("logs/big.log")))
        assert peak < 1
        size, digest = archive.digest("logs/big.log")
        assert size == 8 * MB and len(digest) == 64
    finally:
        archive.close()
