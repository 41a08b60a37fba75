"""A newcomer's first start, timed where they feel it: `python app.py` on an empty store (it seeds the demo
bundles and imports the official February 2025 ratings), then Debian's chromium opening the leaderboard
until its table shows the official version's rows.

    python -m benchmarks.first_start [--repeats 3]

Each repeat starts the suite in a fresh process on a fresh empty store (a temporary folder), on a free port.
Printed per repeat: seconds from the process's start until the server answers `/healthz` (imports, seeding,
index build included), the official version's results as the server reports them (`python -m leaderboard
export --list-versions` and the store), and milliseconds from navigation start to the first table row in
the browser, with the first row's model. Needs `./scripts/test`'s set-up (the venv with playwright, and
Debian's chromium).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.browser_views import CHROMIUM, CHROMIUM_ARGS, cpu_model, free_port

ROOT = Path(__file__).resolve().parents[1]
OFFICIAL = "AI Energy Score v1, February 2025"
TIMEOUT_S = 600


@dataclass(frozen=True)
class FirstStart:
    """One first start.

    Attributes:
        ready_s: From `python app.py` to the first answer of /healthz, s.
        official_results: Results in the official version of the seeded store.
        first_view_ms: Navigation start to the leaderboard table's first row, ms.
        first_model: The model of that row.
    """

    ready_s: float
    official_results: int
    first_view_ms: float
    first_model: str


def official_results(store: Path) -> int:
    """Results of the official version in a seeded store (read-only)."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM version_results vr JOIN versions v ON v.id = vr.version_id WHERE v.name = ?",
            (OFFICIAL,),
        ).fetchone()
    return int(row[0])


def one_start(folder: Path) -> FirstStart:
    """Start the suite on an empty store in `folder`, wait for it, open the leaderboard once."""
    from playwright.sync_api import sync_playwright

    store = folder / "store.sqlite3"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIENERGY_", "GRADIO_"))}
    env.update(AIENERGY_STORE=str(store), GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    env["HF_HUB_OFFLINE"] = "1"
    log = (folder / "server.log").open("w")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"app.py exited: {(folder / 'server.log').read_text()[-2000:]}")
            if time.monotonic() - t0 > TIMEOUT_S:
                raise SystemExit("app.py did not answer in time")
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5):
                    break
            except OSError:
                time.sleep(0.2)
        ready_s = time.monotonic() - t0
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url + "/leaderboard/", wait_until="commit", timeout=TIMEOUT_S * 1000)
            first = page.locator("#lb-table tbody td.model").first
            first.wait_for(timeout=TIMEOUT_S * 1000)
            ms = page.evaluate("performance.now() - performance.getEntriesByType('navigation')[0].startTime")
            model = first.locator("a").first.inner_text().strip()
            browser.close()
        return FirstStart(ready_s, official_results(store), float(ms), model)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run ./scripts/test, which installs Debian's chromium.")
    runs = []
    for k in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="aienergy-first-start-") as tmp:
            runs.append(one_start(Path(tmp)))
        r = runs[-1]
        print(
            f"repeat {k + 1}: ready {r.ready_s:.1f} s, {r.official_results} official results, "
            f"first view {r.first_view_ms:,.0f} ms (first row: {r.first_model})",
            flush=True,
        )
    print(
        f"\nFirst start on an empty store ({os.cpu_count()} cores, {cpu_model()}; load average "
        f"{os.getloadavg()[0]:.1f}; median of {len(runs)})"
    )
    print("| app.py until /healthz s | official results | leaderboard first view ms |")
    print("|---:|---:|---:|")
    print(
        f"| {statistics.median(r.ready_s for r in runs):.1f} | {runs[0].official_results} | "
        f"{statistics.median(r.first_view_ms for r in runs):,.0f} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
