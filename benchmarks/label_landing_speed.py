"""Landing page and label app in a real browser (Debian's chromium) at 240, 10,000 and 100,000 results.

Run from the repository root, on demand (not part of the test suite):

    python3 benchmarks/label_landing_speed.py                          # 240, 10,000 and 100,000 results
    python3 benchmarks/label_landing_speed.py --sizes 240,10000 --repeats 5 --out /tmp/label.json

For each size a store is filled by `benchmarks.leaderboard_scale.fill` (records varied from one bundle per
task and class built by `testkit.factory.make_bundle_bytes` and validated by the portal; half the results
in text generation, every model id distinct; one published version), kept in --store-dir and reused.
The suite is then served as `app.py` serves it (`app.build_app`, no seeding) in a child process
(`--serve`, which only adds a log of the label handler's and the landing page's own time), and chromium
(Playwright) times, `--repeats` times each (medians):

- landing page: navigation until the load event;
- label first view: a new visitor (fresh browser context, empty cache) opens /label/, from navigation
  until the first label's PNG has loaded in the page (Gradio's front-end start included);
- label change model: on that page, choosing another model in the picker, from the click on the option
  until the new PNG has loaded (the next animation frame);
- server RSS: the suite process's resident size after start (when its CPU is idle) and after the clicks.

The label app's own memory is measured apart (`--label-rss`, run in a child for each size): RSS before and
after `label_generator.app.build_demo` plus one label, in a process that builds nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
TIMEOUT_MS = 180_000

# Marks, in the page, the animation frame after the label's PNG has loaded.
INIT_JS = """
window.__img = () => { const i = document.querySelector('#label-preview img');
  return i && i.complete && i.naturalWidth > 0 ? i.getAttribute('src') : ''; };
(() => {
  const mark = () => { if (window.__img() && !window.__labelImg) { window.__labelImg = -1;
    requestAnimationFrame(() => { window.__labelImg = performance.now(); }); } };
  const start = () => new MutationObserver(mark).observe(document.documentElement,
    {subtree: true, childList: true, attributes: true});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
  document.addEventListener('load', mark, true);
})();
"""
# Armed before an action: t0 = the visitor's first input event, t1 = the frame after `cond` changed value.
ARM_JS = """(cond) => {
  const b = window.__bench = {t0: null, t1: null, before: null};
  const test = new Function('return (' + cond + ')');
  const start = (e) => { if (b.t0 === null) { b.t0 = e.timeStamp; b.before = test(); } };
  for (const t of ['pointerdown', 'mousedown', 'click', 'input', 'keydown'])
    document.addEventListener(t, start, {capture: true, once: true});
  b.done = new Promise(resolve => {
    let fired = false;
    const check = () => {
      if (fired || b.t0 === null) return;
      const now = test();
      if (now && now !== b.before) { fired = true; obs.disconnect();
        requestAnimationFrame(() => { b.t1 = performance.now(); resolve(); }); }
    };
    const obs = new MutationObserver(check);
    obs.observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true});
    document.addEventListener('load', check, true);
  });
}"""
WAIT_JS = """async (ms) => {
  const b = window.__bench;
  await Promise.race([b.done, new Promise(r => setTimeout(r, ms))]);
  return b.t1 === null || b.t0 === null ? null : b.t1 - b.t0;
}"""


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process, MB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used, seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(folder: Path, n: int) -> tuple[Path, float]:
    """The store of n published results (built once, then reused): (path, seconds spent building)."""
    from benchmarks.leaderboard_scale import fill
    from shared.store.sqlite import SQLiteStore

    path = folder / f"store-{n}.sqlite3"
    if path.exists():
        return path, 0.0
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"store-{n}.building.sqlite3"
    for p in folder.glob(f"store-{n}.building.sqlite3*"):
        p.unlink()
    t0 = time.perf_counter()
    store = SQLiteStore(tmp)
    fill(store, n, False)
    with store._read() as db:  # fold the WAL into the file before it is renamed
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    tmp.replace(path)
    return path, time.perf_counter() - t0


# --- the server (child process) -------------------------------------------------------------------


def serve(port: int, log: Path) -> None:
    """Serve the suite as app.py does (`app.build_app`, no seeding), logging the label handler's and the
    landing page's own time per call (one JSON line each in `log`)."""
    import uvicorn

    import app as suite
    from label_generator.handlers import LabelHandlers
    from shared.store.factory import open_store

    def write(entry: dict[str, Any]) -> None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    pick, landing = LabelHandlers.pick, suite.landing_html

    def timed_pick(self: LabelHandlers, *a: Any, **kw: Any) -> list[Any]:
        t0 = time.perf_counter()
        try:
            return pick(self, *a, **kw)
        finally:
            write({"kind": "label_pick", "ms": round((time.perf_counter() - t0) * 1000, 2)})

    def timed_landing(*a: Any, **kw: Any) -> str:
        t0 = time.perf_counter()
        try:
            return landing(*a, **kw)
        finally:
            write({"kind": "landing", "ms": round((time.perf_counter() - t0) * 1000, 2)})

    LabelHandlers.pick = timed_pick  # type: ignore[method-assign]
    suite.landing_html = timed_landing  # the route looks the name up in app's globals on each request
    t0 = time.perf_counter()
    fastapi_app = suite.build_app(open_store(), seed=False)
    write({"kind": "built", "s": round(time.perf_counter() - t0, 2), "rss_mb": round(rss_mb(), 1)})
    uvicorn.run(fastapi_app, host="127.0.0.1", port=port, log_level="warning")


def label_rss(store: Path) -> None:
    """Print, as JSON, this process's RSS before and after building the label app alone and one label."""
    from label_generator.app import build_demo
    from shared.store.sqlite import SQLiteStore
    from shared.web.links import Links

    before = rss_mb()
    t0 = time.perf_counter()
    demo = build_demo(SQLiteStore(store), Links())
    built_s = time.perf_counter() - t0
    demo.label_handlers.pick(None, None, None)  # type: ignore[attr-defined]
    print(json.dumps({"before_mb": before, "after_mb": rss_mb(), "build_s": built_s}))


class Server:
    """The suite in a child process (this script with --serve)."""

    def __init__(self, store: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        log.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIENERGY_", "GRADIO_"))}
        env.update(AIENERGY_STORE=str(store), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
        env["AIENERGY_BASE_URL"] = self.url
        self.out = log.with_suffix(".server.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(self.port), "--log", str(log)],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 900) -> float:
        """Wait until /healthz answers and the process's CPU has been near idle (< 15%: an idle suite uses
        ~5% here) for 2 s (the apps' background warm-ups done); returns seconds from start."""
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit("server exited: " + self.log.with_suffix(".server.log").read_text())
            if time.monotonic() - t0 > timeout_s:
                raise SystemExit("server did not get ready")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        while time.monotonic() - t0 < timeout_s:
            c0 = cpu_seconds(self.proc.pid)
            time.sleep(2)
            if cpu_seconds(self.proc.pid) - c0 < 0.3:
                break
        return time.monotonic() - t0

    def entries(self, kind: str) -> list[dict[str, Any]]:
        """The server log's entries of one kind."""
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [e for e in (json.loads(x) for x in lines if x.strip()) if e.get("kind") == kind]

    def stop(self) -> None:
        """Terminate the server (this process started it)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.out.close()


# --- the browser -----------------------------------------------------------------------------------


def landing_ms(browser: Any, url: str) -> float:
    """Navigation start until the landing page's load event, in a fresh context."""
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(url + "/", wait_until="load", timeout=TIMEOUT_MS)
        return float(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))
    finally:
        ctx.close()


def label_views(browser: Any, url: str, changes: int, offset: int) -> tuple[float, list[float]]:
    """A new visitor's label page: (ms until the first PNG shows, ms of each of `changes` model changes)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.add_init_script(INIT_JS)
        page.goto(url + "/label/", wait_until="load", timeout=TIMEOUT_MS)
        page.wait_for_function("window.__labelImg > 0", timeout=TIMEOUT_MS, polling=50)
        first = float(page.evaluate("window.__labelImg"))
        times = []
        for k in range(changes):
            picker = page.get_by_label("Model", exact=True).first
            shown = picker.input_value()
            picker.click()
            options = page.get_by_role("option")
            options.first.wait_for(timeout=TIMEOUT_MS)
            # Another model than the one shown: choosing the same one changes no label.
            others = [j for j, name in enumerate(options.all_inner_texts()) if name.strip() != shown]
            target = options.nth(others[(offset + k) % len(others)])
            page.evaluate(ARM_JS, "window.__img()")
            target.click()
            ms = page.evaluate(WAIT_JS, TIMEOUT_MS)
            if ms is None:
                raise SystemExit("the label did not change within the timeout")
            times.append(float(ms))
            page.wait_for_timeout(300)  # let the page settle before the next change
        return first, times
    finally:
        ctx.close()


def median(values: list[float]) -> float:
    """Median, rounded to 0.1."""
    return round(statistics.median(values), 1)


def measure(size: int, args: argparse.Namespace, browser: Any) -> dict[str, Any]:
    """Every figure of one store size."""
    store, built_s = build_store(args.store_dir, size)
    how = f"built in {built_s:.0f} s" if built_s else "reused"
    print(f"[{size:,}] store {store} ({how})", flush=True)
    label_alone = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--label-rss", str(store)], cwd=ROOT, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = Server(store, args.store_dir / f"server-{size}.jsonl")
    try:
        ready_s = server.wait_ready()
        out: dict[str, Any] = {
            "size": size,
            "ready_s": round(ready_s, 1),
            "rss_start": round(rss_mb(server.proc.pid), 1),
        }
        print(f"[{size:,}] suite ready in {ready_s:.0f} s, RSS {out['rss_start']} MB", flush=True)
        landing_ms(browser, server.url)  # the first request of the process (imports, route setup): not timed
        out["landing"] = [landing_ms(browser, server.url) for _ in range(args.repeats)]
        firsts, changes = [], []
        for r in range(args.repeats):
            first, times = label_views(browser, server.url, args.changes, offset=r * args.changes)
            firsts.append(first)
            changes.extend(times)
        out["label_first"], out["label_change"] = firsts, changes
        out["rss_after"] = round(rss_mb(server.proc.pid), 1)
        out["server_landing_ms"] = median([e["ms"] for e in server.entries("landing")])
        out["server_pick_ms"] = median([e["ms"] for e in server.entries("label_pick")])
        out["built"] = server.entries("built")
    finally:
        server.stop()
    out["label_alone"] = label_alone
    return out


def main() -> int:
    """Measure each size and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", default="240,10000,100000", help="results in the store, comma-separated")
    ap.add_argument("--repeats", type=int, default=5, help="landing requests and label page visits per size")
    ap.add_argument("--changes", type=int, default=3, help="model changes per label page visit")
    ap.add_argument("--store-dir", type=Path, default=Path("/tmp/aienergy-label-bench"))
    ap.add_argument("--out", type=Path, help="write every measurement here as JSON")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--label-rss", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.log)
        return 0
    if args.label_rss:
        label_rss(args.label_rss)
        return 0

    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for size in (int(s) for s in args.sizes.split(",")):
                rows.append(measure(size, args, browser))
        finally:
            browser.close()
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))
    cpu = next(
        (
            x.split(":", 1)[1].strip()
            for x in Path("/proc/cpuinfo").read_text().splitlines()
            if x.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"\n{os.cpu_count()} CPU cores ({cpu}), load average {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"medians: landing of {args.repeats} requests, label first view of {args.repeats} visits, "
        f"model change of {args.repeats * args.changes} changes\n"
    )
    print(
        "| results in store | landing page ms | label first view ms | label change-model ms | server RSS MB "
        "(after start / after clicks) | label app alone, RSS MB added | server: landing / label event ms |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        alone = r["label_alone"]
        print(
            f"| {r['size']:,} | {median(r['landing'])} | {median(r['label_first'])} | {median(r['label_change'])} "
            f"| {r['rss_start']:.0f} / {r['rss_after']:.0f} | {alone['after_mb'] - alone['before_mb']:.0f} "
            f"(built in {alone['build_s']:.2f} s) | {r['server_landing_ms']} / {r['server_pick_ms']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
