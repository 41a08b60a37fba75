"""How long the portal takes to validate (and store) a large bundle, and the memory it takes.

    python3 benchmarks/portal_validate.py [--size-mb 50] [--repeat 3]

Builds two valid bundles whose .zip is about `--size-mb` MB: one padded with hex-text logs (which
compress about 2-fold, so twice the size to inflate), one with incompressible binary logs. For each it
times, as the portal does it: reading the upload from disk and validating it (`service.check_upload`),
and a whole submission into a fresh SQLite store (`service.submit_upload`). Peak memory is measured
apart from the timings: Python's allocations with tracemalloc, and the process's peak resident size.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runner.run_files import run_files
from shared.bundle.make import make_bundle
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from submission_portal import service
from submission_portal.config import MB, PortalConfig
from tests.factory import make_env, make_report

PARTS = 4


def build_bundle(size_mb: float, kind: str) -> bytes:
    """A valid bundle of about `size_mb` MB zipped, padded with `kind` ("text" or "binary") logs."""
    target = int(size_mb * MB)
    logs: dict[str, bytes] = {}
    for i in range(PARTS):
        if kind == "text":  # random hex digits deflate to about 57 %
            body = os.urandom(int(target / PARTS / 2 / 0.57)).hex().encode()
        else:
            body = os.urandom(target // PARTS)
        logs[f"nvml_trace_{i}.log"] = body
    return make_bundle(run_files(make_report(), make_env(), logs), "aienergyscore-runner", "bench")


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `fn` over `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def traced_peak(fn: Callable[[], object]) -> float:
    """Peak of Python allocations during `fn`, in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=50.0, help="size of the bundle .zip (MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (the median is shown)")
    args = parser.parse_args()
    config = PortalConfig()
    terms = Attestation(True, True, True)
    who = Submitter(name="Benchmark", contact="bench@example.org")
    rows = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        for kind in ("text", "binary"):
            data = build_bundle(args.size_mb, kind)
            path = Path(tmp) / f"{kind}.zip"
            path.write_bytes(data)
            report = service.check(data, config.limits)
            assert report.ok, report.text()
            inflated = sum(f.file_size for f in zipfile.ZipFile(path).infolist())
            del data, report
            validate_s = timed(lambda p=path: service.check_upload(p, config.limits), args.repeat)

            def submit_once(p: Path = path) -> None:
                with tempfile.TemporaryDirectory(dir=tmp) as d:
                    outcome = service.submit_upload(SQLiteStore(Path(d) / "s.sqlite3"), p, terms, who, config.limits)
                    assert outcome.status == "stored", outcome.text()

            submit_s = timed(submit_once, args.repeat)
            rows.append(
                (
                    kind,
                    path.stat().st_size / MB,
                    inflated / MB,
                    validate_s,
                    traced_peak(lambda p=path: service.check_upload(p, config.limits)),
                    submit_s,
                    traced_peak(submit_once),
                )
            )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB  # ru_maxrss is in KiB on Linux
    head = ("logs", "zip MB", "inflated MB", "validate s", "validate peak MB", "submit s", "submit peak MB")
    print(
        f"Portal validation of a ~{args.size_mb:.0f} MB bundle (median of {args.repeat}; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs)"
    )
    print(" | ".join(f"{h:>16}" for h in head))
    for kind, zmb, imb, vs, vpk, ss, spk in rows:
        print(
            " | ".join(
                f"{x:>16}"
                for x in (kind, f"{zmb:.1f}", f"{imb:.1f}", f"{vs:.2f}", f"{vpk:.0f}", f"{ss:.2f}", f"{spk:.0f}")
            )
        )
    print(f"Process peak resident size over the whole benchmark: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
