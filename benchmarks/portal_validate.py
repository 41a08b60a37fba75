"""How long the portal takes to validate (and store) a large bundle, and the memory it takes.

    python3 benchmarks/portal_validate.py [--size-mb 50] [--repeat 3]
    python3 benchmarks/portal_validate.py --rss 50 200   # validation's peak RSS in a fresh process
    python3 benchmarks/portal_validate.py --margins      # where the real bundles sit in the checks' margins

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
from testkit.factory import make_env, make_report

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


ROOT = Path(__file__).resolve().parent.parent
# Validation of one bundle in a fresh interpreter, so that its peak resident size is validation's own.
_CHILD = """
import sys, time
from pathlib import Path
from shared.bundle.validate import validate_bundle
t = time.perf_counter()
src = Path(sys.argv[1]) if sys.argv[2] == "path" else Path(sys.argv[1]).read_bytes()
ok = validate_bundle(src).ok
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec from the (large) parent.
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))
print(ok, time.perf_counter() - t, hwm)
"""


def rss_table(sizes: list[float]) -> None:
    """Wall time and peak resident size of validate_bundle in a fresh process, per bundle size and input.

    "path": validate_bundle(path) streams the upload from disk; "bytes": the caller holds the upload
    in memory (as the portal does), so the peak is that plus validation's own.
    """
    import subprocess

    print("validate_bundle in a fresh process: wall s (validation only) and peak RSS MB (whole process)")
    print(" | ".join(f"{h:>12}" for h in ("logs", "zip MB", "input", "ok", "validate s", "peak RSS MB")))
    with tempfile.TemporaryDirectory(prefix="portal-rss-") as tmp:
        for size in sizes:
            for kind in ("text", "binary"):
                path = Path(tmp) / f"{kind}_{size:.0f}.zip"
                path.write_bytes(build_bundle(size, kind))
                for mode in ("path", "bytes"):
                    out = subprocess.run(
                        [sys.executable, "-c", _CHILD, str(path), mode],
                        capture_output=True,
                        text=True,
                        cwd=ROOT,
                        check=True,
                    ).stdout.split()
                    cells = (
                        kind,
                        f"{path.stat().st_size / MB:.0f}",
                        mode,
                        out[0],
                        f"{float(out[1]):.2f}",
                        f"{int(out[2]) / 1024:.0f}",
                    )
                    print(" | ".join(f"{c:>12}" for c in cells))
                path.unlink()


def margins_table() -> None:
    """Where every real bundle of the repository sits inside the physical checks' margins."""
    import json

    from shared.bundle.checks import margins
    from shared.bundle.gpus import max_power_w

    paths = [*sorted(ROOT.glob("data/demo_bundles/*.zip")), ROOT / "tests/fixtures/h100_bundle.zip"]
    paths += sorted(ROOT.glob("benchmarks/**/*.zip"))
    head = ("bundle", "GPU", "min W", "max W", "idle W", "limit W", "min/idle", "max/limit", "E/floor min")
    print(" | ".join(f"{h:>10}" for h in head))
    for p in paths:
        z = zipfile.ZipFile(p)
        if "manifest.json" not in z.namelist():
            continue
        r, e = json.loads(z.read("benchmark_report.json")), json.loads(z.read("environment.json"))
        wins = [r["preprocess"]] + [w for rep in r["repetitions"] for w in rep["phases"]]
        watts = [
            sum(b - a for a, b in zip(w["counter_start_mj"], w["counter_end_mj"], strict=False))
            / 1000
            / w["duration_s"]
            for w in wins
        ]
        limit = sum(g.get("power_limit_w") or max_power_w(g["name"]) or 0 for g in e["gpus"])
        idle = e.get("idle_power_w") or 0.0
        floors = []
        for w in wins:
            if w.get("in_total", True) and w is not r["preprocess"]:
                tokens = max((w.get("input_tokens") or 0) + (w.get("output_tokens") or 0), w["samples"])
                joules = sum(b - a for a, b in zip(w["counter_start_mj"], w["counter_end_mj"], strict=False)) / 1000
                floors.append(joules / margins.compute_floor_j(r["model"]["parameters"], tokens))
        cells = (
            p.stem[:28],
            e["gpus"][0]["name"].replace("NVIDIA ", "")[:10],
            f"{min(watts):.1f}",
            f"{max(watts):.1f}",
            f"{idle:.1f}",
            f"{limit:.0f}",
            f"{min(watts) / idle:.3f}",
            f"{max(watts) / limit:.3f}",
            f"{min(floors):,.0f}",
        )
        print(" | ".join(f"{c:>10}" for c in cells))
    print(
        f"Rejected below {margins.IDLE_FLOOR_FRACTION} x idle, above {margins.LIMIT_MARGIN} x limit, "
        f"below 1 x compute floor ({margins.JOULES_PER_PARAM_TOKEN_FLOOR:.2e} J per parameter-token)."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=50.0, help="size of the bundle .zip (MB)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (the median is shown)")
    parser.add_argument("--margins", action="store_true", help="print where the real bundles sit in the margins")
    parser.add_argument("--rss", type=float, nargs="*", help="print validation's peak RSS per bundle size (MB)")
    args = parser.parse_args()
    if args.margins:
        margins_table()
        return 0
    if args.rss is not None:
        rss_table(args.rss or [50.0, 200.0])
        return 0
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
        f"Portal validation of a ~{args.size_mb:.0f} MB bundle (median of {args.repeat}; "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)"
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
