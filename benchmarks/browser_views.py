"""The apps' speed where the visitor feels it: a real browser (Debian's chromium) against the running suite.

Run from the repository root, on demand (not part of the test suite):

    python3 -m benchmarks.browser_views                              # 240, 10,000 and 100,000 results
    python3 -m benchmarks.browser_views --sizes 240,10000 --repeats 5 --out /tmp/views.json
    python3 -m benchmarks.browser_views --run-history off            # GRADIO_RUN_HISTORY=False (A/B)
    python3 -m benchmarks.browser_views --leaderboard-only           # skip the label and landing views

Two tables are printed: the issue's (one row per size: first view, task switch, class filter, search,
header sort, next page, server start and RSS) and every measure with its goal.

For each store size a store is filled by `benchmarks.leaderboard_scale.fill` (results spread over the
11 tasks, half in text generation; kept in --store-dir and reused), the suite is started as `app.py`
serves it (`benchmarks.browser_views_server`: same `app.build_app`, plus timing probes) and chromium
times, `--repeats` times each (figures are medians):

- first view: navigation start until the leaderboard table shows rows (fresh page load);
- task switch (to text generation, the largest view), header sort (Parameters), next page, class
  filter (B), search (a provider name): from the visitor's click / typing until the table shows the
  new rows (the next animation frame after the DOM change). Before each, the server's memoised views
  are dropped, so each is a query never asked before;
- label: picking another task in the label app until the new PNG has loaded in the page; and the
  label link (`/label?result=<id>`) from navigation until the image shows;
- landing page: navigation until the load event;
- the server's RSS after start (warm-up done) and after all the clicks.

Evidence of where the time goes, per action: the server's time per event (handler, Gradio's
post-processing) and the JSON size it returns per output component (from the probes), the bytes the
browser received, the browser's main-thread busy time (CDP Performance.TaskDuration) and the size of
localStorage (Gradio's run history). Everything goes to --out as JSON; the table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 180_000
OTHER_TASKS = [
    "Image classification",
    "Summarization",
    "Text classification",
    "Image generation",
    "Sentence similarity",
]
SEARCHES = ["qwen", "meta-llama", "google", "mistralai", "nvidia"]

# (key, label, goal ms or MB, size the goal is set at: None = every size)
MEASURES: list[tuple[str, str, float | None, int | None]] = [
    ("first_view", "first view (navigation until rows)", 1000, 10_000),
    ("task_switch", "task switch (to text generation)", 200, 10_000),
    ("task_other", "task switch (to another task)", 200, 10_000),
    ("sort", "header sort (Parameters)", 200, 10_000),
    ("next_page", "next page", 200, 10_000),
    ("class_filter", "class filter (B)", 200, 10_000),
    ("search", "search (provider name)", 200, 10_000),
    ("plots_after_load", "  plots shown after navigation", None, None),
    ("label_pick", "label: pick a task until PNG shows", 150, None),
    ("label_link", "label: /label?result= until PNG shows", None, None),
    ("landing", "landing page (navigation until load)", 200, None),
    ("rss_start", "server RSS after start, MB", 500, 100_000),
    ("rss_after", "server RSS after the clicks, MB", 500, 100_000),
]

INIT_JS = """
window.__sig = () => [...document.querySelectorAll('#lb-table tbody tr[data-row]')].map(r => r.dataset.row).join(',')
  + '|' + ((document.querySelector('#lb-pager') || {}).textContent || '');
window.__img = () => { const i = document.querySelector('#label-preview img');
  return i && i.complete && i.naturalWidth > 0 ? i.getAttribute('src') : ''; };
(() => {
  const mark = () => {
    const frame = (key) => { if (!window[key]) { window[key] = -1; \
requestAnimationFrame(() => { window[key] = performance.now(); }); } };
    if (document.querySelector('#lb-table tbody tr[data-row]')) frame('__firstRows');
    if (document.querySelectorAll('.js-plotly-plot').length >= 2) frame('__plots');
    if (window.__img()) frame('__labelImg');
  };
  const start = () => new MutationObserver(mark).observe(document.documentElement, \
{subtree: true, childList: true, attributes: true});
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);
  document.addEventListener('load', mark, true);
})();
"""

ARM_JS = """(cond) => {
  const b = window.__bench = {t0: null, t1: null, before: null};
  const start = (e) => { if (b.t0 === null) { b.t0 = e.timeStamp; b.before = test(); } };
  for (const t of ['pointerdown', 'mousedown', 'click', 'input', 'keydown'])
    document.addEventListener(t, start, {capture: true, once: true});
  const test = new Function('return (' + cond + ')');
  b.done = new Promise(resolve => {
    let fired = false;
    const check = () => {
      if (fired || b.t0 === null) return;
      try { const now = test(); if (now && now !== b.before) { fired = true; obs.disconnect();
        requestAnimationFrame(() => { b.t1 = performance.now(); resolve(); }); } } catch (e) {}
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

STORAGE_JS = """() => { const out = {}; for (const k of Object.keys(localStorage)) {
  const p = k.replace(/[:].*$/, ''); out[p] = (out[p] || 0) + k.length + localStorage.getItem(k).length; \
} return out; }"""


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def rss_mb(pid: int) -> float:
    """Resident set size of a process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_store(folder: Path, n: int) -> tuple[Path, float]:
    """The store of n synthetic published results (built once, then reused): (path, seconds to build)."""
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
    fill(SQLiteStore(tmp), n, False)
    for suffix in ("-wal", "-shm"):
        if Path(str(tmp) + suffix).exists():
            sqlite3.connect(tmp).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    tmp.replace(path)
    return path, time.perf_counter() - t0


def free_port() -> int:
    """A free loopback port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The suite with probes (`benchmarks.browser_views_server`) in a child process."""

    def __init__(self, store: Path, log: Path, run_history: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        log.write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIENERGY_", "GRADIO_"))}
        env.update(AIENERGY_STORE=str(store), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
        env["AIENERGY_SEED_REFERENCE"] = "0"
        if run_history != "default":
            env["GRADIO_RUN_HISTORY"] = "True" if run_history == "on" else "False"
        self.out = (log.parent / (log.stem + ".server.log")).open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.browser_views_server", "--port", str(self.port), "--log", str(log)],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 900) -> float:
        """Wait for /healthz and the leaderboard's warm-up; returns seconds from start."""
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: {(self.log.parent / (self.log.stem + '.server.log')).read_text()}")
            if time.monotonic() - t0 > timeout_s:
                raise SystemExit("server did not get ready")
            if any(e.get("kind") == "warm_up" for e in self.entries()):
                try:
                    with urllib.request.urlopen(self.url + "/healthz", timeout=5):
                        return time.monotonic() - t0
                except OSError:
                    pass
            time.sleep(0.5)

    def entries(self, start: int = 0) -> list[dict[str, Any]]:
        """Timing log entries from byte offset `start`."""
        with self.log.open("rb") as fh:
            fh.seek(start)
            data = fh.read()
        return [json.loads(line) for line in data.decode().splitlines() if line.strip().endswith("}")]

    def offset(self) -> int:
        """The timing log's size (to read what comes after)."""
        return self.log.stat().st_size

    def forget(self) -> None:
        """Drop the leaderboard's memoised views."""
        req = urllib.request.Request(self.url + "/__bench/forget", method="POST")
        with urllib.request.urlopen(req, timeout=30):
            pass

    def rss(self) -> float:
        """The server's resident size, MB."""
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        """Terminate the server (this process started it)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.out.close()


class Probe:
    """One page with its CDP session: main-thread time and bytes received around each action."""

    def __init__(self, page: Any, server: Server) -> None:
        self.page = page
        self.server = server
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.inflight: set[str] = set()
        self.cdp.on("Network.dataReceived", self._data)
        self.cdp.on("Network.requestWillBeSent", lambda e: self.inflight.add(e["requestId"]))
        self.cdp.on("Network.loadingFinished", lambda e: self.inflight.discard(e["requestId"]))
        self.cdp.on("Network.loadingFailed", lambda e: self.inflight.discard(e["requestId"]))

    def _data(self, e: dict[str, Any]) -> None:
        self.bytes += int(e.get("dataLength", 0))

    def task_s(self) -> float:
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        return float(metrics.get("TaskDuration", 0.0))

    def settle(self, quiet_s: float = 1.0, timeout_s: float = 300) -> None:
        """Wait until the server logged no new event for `quiet_s` and the page's main thread was busy
        less than 10% of the last `quiet_s` (the events an action chains, plots and JSON, are sent only
        when the page gets to them)."""
        t_end = time.monotonic() + timeout_s
        last, since = self.server.offset(), time.monotonic()
        samples = [(since, self.task_s())]
        while time.monotonic() < t_end:
            self.page.wait_for_timeout(250)
            now, t = self.server.offset(), time.monotonic()
            samples.append((t, self.task_s()))
            if now != last:
                last, since = now, t
                continue
            window = [v for ts, v in samples if ts >= t - quiet_s]
            if t - since >= quiet_s and t - samples[0][0] >= quiet_s and window[-1] - window[0] < 0.1 * quiet_s:
                return

    def begin(self) -> dict[str, Any]:
        """State before an action."""
        return {"off": self.server.offset(), "bytes": self.bytes, "task_s": self.task_s()}

    def end(self, before: dict[str, Any]) -> dict[str, Any]:
        """Evidence of an action (call after settle): server events, bytes, main-thread time."""
        events = [e for e in self.server.entries(before["off"]) if e.get("kind") in ("event", "landing")]
        return {
            "server_events": events,
            "server_ms": round(sum(e["ms"] for e in events), 1),
            "server_bytes": sum(max(0, e.get("bytes", 0)) for e in events),
            "received_bytes": self.bytes - before["bytes"],
            # A navigation starts a new document, whose count starts again.
            "main_thread_ms": round(
                (now if (now := self.task_s()) < before["task_s"] else now - before["task_s"]) * 1000, 1
            ),
        }

    def timed(self, action: Any, value: str) -> dict[str, Any]:
        """Arm the in-page watcher, act, wait until the JS expression `value` is truthy and differs from its
        value at the visitor's input event; ms from that event to the next animation frame."""
        state = self.begin()
        self.page.evaluate(ARM_JS, value)
        action()
        ms = self.page.evaluate(WAIT_JS, TIMEOUT_MS)
        to_rows = round((self.task_s() - state["task_s"]) * 1000, 1)
        self.settle()
        return {"ms": None if ms is None else round(ms, 1), "main_thread_to_shown_ms": to_rows, **self.end(state)}

    def navigate(self, url: str, mark: str | None, timeout_ms: float = TIMEOUT_MS) -> dict[str, Any]:
        """Go to `url`; ms from navigation start to the in-page mark (or the load event)."""
        state = self.begin()
        self.page.goto(url, wait_until="load", timeout=timeout_ms)
        if mark:
            self.page.wait_for_function(f"window.{mark} > 0", timeout=timeout_ms, polling=50)
            ms = self.page.evaluate(f"window.{mark}")
        else:
            ms = self.page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
        self.settle()
        out = {"ms": round(ms, 1), **self.end(state)}
        if mark == "__firstRows":
            plots = self.page.evaluate("window.__plots || null")
            out["plots_ms"] = None if not plots or plots < 0 else round(plots, 1)
        return out


def a_result_id(store: Path) -> str:
    """A published result of the store (for the label link)."""
    with sqlite3.connect(store) as db:
        row = db.execute("SELECT id FROM results WHERE task_id = 'text_generation' ORDER BY id LIMIT 1").fetchone()
    return str(row[0])


def one_size(n: int, args: argparse.Namespace) -> dict[str, Any]:
    """Every measure at one store size."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    store, build_s = build_store(args.store_dir, n)
    rid = a_result_id(store)
    server = Server(store, args.store_dir / f"timing-{n}.jsonl", args.run_history)
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    out: dict[str, Any] = {"results": n, "store_build_s": round(build_s, 1), "load_avg_start": os.getloadavg()}
    try:
        out["server_ready_s"] = round(server.wait_ready(), 1)
        time.sleep(2)
        out["rss_start"] = round(server.rss(), 1)
        out["warm_up_ms"] = next(e["ms"] for e in server.entries() if e.get("kind") == "warm_up")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.add_init_script(INIT_JS)
            page = ctx.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            probe = Probe(page, server)
            lb = server.url + "/leaderboard/"
            storage = []
            for r in range(args.repeats):
                server.forget()
                first = probe.navigate(lb, "__firstRows")
                runs["first_view"].append(first)
                runs["plots_after_load"].append({"ms": first.get("plots_ms")})
                sig = "window.__sig().split('|')[0] && window.__sig()"

                def click_task(name: str) -> None:
                    page.locator("#lb-task label", has_text=name).first.click()

                server.forget()
                runs["task_other"].append(probe.timed(lambda r=r: click_task(OTHER_TASKS[r % len(OTHER_TASKS)]), sig))
                server.forget()
                runs["task_switch"].append(
                    probe.timed(
                        lambda: page.locator("#lb-task label").filter(has_text="Text generation").first.click(),
                        sig,
                    )
                )
                server.forget()
                runs["sort"].append(
                    probe.timed(
                        lambda: page.locator("#lb-table th[data-sort='parameters']").click(),
                        sig,
                    )
                )
                server.forget()
                runs["next_page"].append(probe.timed(lambda: page.locator("#lb-next").click(), sig))
                server.forget()
                runs["class_filter"].append(
                    probe.timed(
                        lambda: page.locator("#lb-class label").filter(has_text="B").first.click(),
                        sig,
                    )
                )
                page.locator("#lb-class label").filter(has_text="All").first.click()
                probe.settle()
                server.forget()
                search_box = page.locator("#lb-search textarea, #lb-search input").first
                runs["search"].append(
                    probe.timed(lambda box=search_box, r=r: box.fill(SEARCHES[r % len(SEARCHES)]), sig)
                )
                storage.append(page.evaluate(STORAGE_JS))
                if args.leaderboard_only:
                    print(f"  {n:,} results: repeat {r + 1}/{args.repeats} done", flush=True)
                    continue

                label_ms = args.label_timeout_s * 1000
                try:
                    runs["label_link"].append(
                        probe.navigate(f"{server.url}/label/?result={rid}", "__labelImg", label_ms)
                    )
                    page.locator("#label-task input").first.click(timeout=label_ms)
                    option = page.locator("ul.options li, [role='option']").filter(
                        has_text=OTHER_TASKS[r % len(OTHER_TASKS)]
                    )
                    option.first.wait_for(timeout=label_ms)
                    runs["label_pick"].append(
                        probe.timed(lambda opt=option, ms=label_ms: opt.first.click(timeout=ms), "window.__img()")
                    )
                except PlaywrightError as exc:  # a label app too slow for --label-timeout-s: noted, not fatal
                    for key in ("label_link", "label_pick"):
                        if len(runs[key]) <= r:
                            runs[key].append({"ms": None, "error": str(exc).splitlines()[0][:200]})
                runs["landing"].append(probe.navigate(server.url + "/", None))
                print(f"  {n:,} results: repeat {r + 1}/{args.repeats} done", flush=True)
                if args.out:  # what is measured so far survives an interrupted run
                    partial = args.out.with_suffix(f".partial-{n}.json")
                    partial.write_text(json.dumps({**out, "runs": runs, "local_storage_chars": storage}, indent=1))
            out["local_storage_chars"] = storage
            browser.close()
        out["rss_after"] = round(server.rss(), 1)
        out["load_avg_end"] = os.getloadavg()
    finally:
        server.stop()
    out["runs"] = runs
    out["median_ms"] = {
        k: (
            statistics.median([v["ms"] for v in vs if v.get("ms") is not None])
            if any(v.get("ms") for v in vs)
            else None
        )
        for k, vs in runs.items()
    }
    return out


def evidence(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the evidence of one action, and its server events (by handler) of the median run."""
    keys = ("server_ms", "server_bytes", "received_bytes", "main_thread_to_shown_ms", "main_thread_ms")
    out = {k: statistics.median([r[k] for r in runs if k in r]) for k in keys if any(k in r for r in runs)}
    per_fn: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        for e in r.get("server_events", []):
            per_fn[e["fn"]].append(e)
    out["handlers"] = {
        fn: {
            "ms": statistics.median(e["ms"] for e in es),
            "call_ms": statistics.median(e.get("call_ms") or 0 for e in es),
            "post_ms": statistics.median(e.get("post_ms") or 0 for e in es),
            "bytes": statistics.median(e.get("bytes", 0) for e in es),
            "top_outputs": es[-1].get("outputs"),
        }
        for fn, es in per_fn.items()
    }
    return out


def verdict(value: float | None, goal: float | None, goal_size: int | None, n: int) -> str:
    """'PASS'/'FAIL' where the goal applies to this size, '' otherwise."""
    if value is None or goal is None or (goal_size is not None and n != goal_size):
        return ""
    return "PASS" if value < goal else "FAIL"


def print_table(sizes: list[dict[str, Any]], repeats: int, run_history: str) -> None:
    """The table of medians with PASS/FAIL per goal."""
    head = (
        f"Browser views ({os.cpu_count()} cores, {cpu_model()}; chromium headless; medians of {repeats}; "
        f"GRADIO_RUN_HISTORY {run_history})"
    )
    print("\n" + head)
    cols = "".join(f" | {s['results']:,} results" for s in sizes)
    print(f"| measure | goal{cols} |")
    print("|---|---" + "|---" * len(sizes) + "|")
    for key, label, goal, goal_size in MEASURES:
        cells = []
        for s in sizes:
            value = s.get(key) if key.startswith("rss") else s["median_ms"].get(key)
            if value is None:
                cells.append("n/a")
                continue
            mark = verdict(value, goal, goal_size, s["results"])
            cells.append(f"{value:,.0f} {mark}".strip())
        unit = "MB" if key.startswith("rss") else "ms"
        goal_text = "" if goal is None else f"< {goal:,.0f} {unit}" + (f" at {goal_size:,}" if goal_size else "")
        print(f"| {label} | {goal_text} | " + " | ".join(cells) + " |")


# The issue's table: (key, column, goal at 10,000 results in ms).
ISSUE_COLUMNS: list[tuple[str, str, float]] = [
    ("first_view", "first view", 1000),
    ("task_switch", "task switch", 200),
    ("class_filter", "class filter", 200),
    ("search", "search", 200),
    ("sort", "header sort", 200),
    ("next_page", "next page", 200),
]
RSS_GOAL_MB = 500


def print_issue_table(sizes: list[dict[str, Any]], repeats: int) -> None:
    """One row per store size: the leaderboard's views (median ms, goal marked at 10,000), the server's
    start (until its warm-up is done) and its RSS after start and after the clicks (goal at 100,000)."""
    print(f"\nLeaderboard in chromium ({os.cpu_count()} cores, {cpu_model()}; medians of {repeats}, ms)")
    head = " | ".join(f"{label}" for _, label, _ in ISSUE_COLUMNS)
    print(f"| results | {head} | server start s | RSS after start / after clicks MB |")
    print("|---:" * (len(ISSUE_COLUMNS) + 3) + "|")
    for s in sizes:
        cells = []
        for key, _, goal in ISSUE_COLUMNS:
            value = s["median_ms"].get(key)
            mark = verdict(value, goal, 10_000, s["results"])
            cells.append("n/a" if value is None else f"{value:,.0f} {mark}".strip())
        rss = [s.get("rss_start"), s.get("rss_after")]
        rss_mark = verdict(max(v for v in rss if v is not None), RSS_GOAL_MB, 100_000, s["results"])
        rss_text = " / ".join("n/a" if v is None else f"{v:,.0f}" for v in rss) + (f" {rss_mark}" if rss_mark else "")
        print(f"| {s['results']:,} | " + " | ".join(cells) + f" | {s['server_ready_s']:.1f} | {rss_text} |")


def main(argv: list[str] | None = None) -> int:
    """Measure every size, print the table, write --out."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="240,10000,100000", help="store sizes, comma-separated")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, help="write every measurement as JSON")
    ap.add_argument("--store-dir", type=Path, default=Path("/tmp/aienergy-browser-views"), help="built stores, reused")
    ap.add_argument(
        "--label-timeout-s", type=float, default=90, help="give up on a label view after this (noted as n/a)"
    )
    ap.add_argument(
        "--leaderboard-only", action="store_true", help="time the leaderboard only (no label or landing views)"
    )
    ap.add_argument(
        "--run-history",
        choices=("default", "on", "off"),
        default="default",
        help="set GRADIO_RUN_HISTORY for the server",
    )
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: run ./scripts/test, which installs Debian's chromium.")
    sizes = []
    for n in (int(x) for x in args.sizes.split(",") if x.strip()):
        print(f"{n:,} results: building/starting", flush=True)
        res = one_size(n, args)
        res["evidence"] = {k: evidence(v) for k, v in res["runs"].items() if k != "plots_after_load"}
        sizes.append(res)
        if args.out:
            args.out.write_text(
                json.dumps({"machine": f"{os.cpu_count()} cores, {cpu_model()}", "sizes": sizes}, indent=1)
            )
    print_issue_table(sizes, args.repeats)
    print_table(sizes, args.repeats, args.run_history)
    failed = False
    for s in sizes:
        print(
            f"\n{s['results']:,} results: server ready in {s['server_ready_s']} s (warm-up {s['warm_up_ms']:,.0f} ms), "
            f"localStorage chars after each repeat {[sum(x.values()) for x in s['local_storage_chars']]}; "
            f"load average at start {s['load_avg_start'][0]:.1f}, at end {s['load_avg_end'][0]:.1f}"
        )
        for key, ev in s["evidence"].items():
            hs = "; ".join(
                f"{fn} {h['ms']:.0f} ms (handler {h['call_ms']:.0f}, post {h['post_ms']:.0f}) "
                f"{h['bytes'] / 1024:,.0f} KB"
                for fn, h in ev["handlers"].items()
            )
            print(
                f"  {key}: server {ev.get('server_ms', 0):,.0f} ms, sent {ev.get('server_bytes', 0) / 1024:,.0f} KB, "
                f"received {ev.get('received_bytes', 0) / 1024:,.0f} KB, "
                f"main thread {ev.get('main_thread_to_shown_ms', 0):,.0f} ms "
                f"until shown, {ev.get('main_thread_ms', 0):,.0f} ms until settled | {hs}"
            )
        for key, _, goal, goal_size in MEASURES:
            value = s.get(key) if key.startswith("rss") else s["median_ms"].get(key)
            failed |= verdict(value, goal, goal_size, s["results"]) == "FAIL"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
