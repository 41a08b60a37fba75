"""The suite as `app.py` serves it, with timing probes, for `benchmarks/browser_views.py`.

Run from the repository root (the benchmark starts it; not meant to be run by hand):

    AIENERGY_STORE=<file> python3 -m benchmarks.browser_views_server --port 7861 --log timing.jsonl

It builds the same FastAPI app as `app.py` (`app.build_app`, no seeding) and serves it with uvicorn, but
first wraps, in this process only, without touching the apps' code:

- `gradio.Blocks.process_api` / `call_function` / `postprocess_data`: per event, the handler's name,
  its wall time (whole event, the handler itself, Gradio's post-processing) and the size of the JSON
  it sends back (total and per output component), one JSON line each in --log;
- `app.landing_html`: the landing page's build time;
- `leaderboard.views.Leaderboard.__init__`: keeps the instances, so that `POST /__bench/forget` can
  drop their memoised views (each timed click is then a query never asked before, as in
  benchmarks/leaderboard_scale.py). `GET /__bench/rss` answers the process's resident size.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import gradio as gr

_LOG_LOCK = threading.Lock()
_LOG_PATH: Path | None = None
_LEADERBOARDS: list[Any] = []
_CURRENT: dict[int, dict[str, Any]] = {}  # id(block_fn) and thread-free per-task scratch (asyncio: one loop)


def log(entry: dict[str, Any]) -> None:
    """One JSON line in the timing log."""
    if _LOG_PATH is None:
        return
    entry["t"] = time.time()
    with _LOG_LOCK, _LOG_PATH.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def rss_mb() -> float:
    """Resident set size of this process, MB (from /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _fn_name(block_fn: Any) -> str:
    fn = getattr(block_fn, "fn", None)
    name = getattr(fn, "__qualname__", None) or getattr(block_fn, "name", None) or str(block_fn)
    return str(name).replace("build_demo.<locals>.", "")


def _json_size(value: Any) -> int:
    try:
        return len(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return -1


def install_probes() -> None:
    """Wrap the Gradio and app functions whose time and output sizes the benchmark reports."""
    blocks_cls = gr.Blocks
    orig_process = blocks_cls.process_api
    orig_call = blocks_cls.call_function
    orig_post = blocks_cls.postprocess_data

    def _block_fn(self: Any, block_fn: Any) -> Any:
        return self.fns[block_fn] if isinstance(block_fn, int) else block_fn

    @functools.wraps(orig_call)
    async def call_function(self: Any, block_fn: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await orig_call(self, block_fn, *args, **kwargs)
        finally:
            _CURRENT.setdefault(id(_block_fn(self, block_fn)), {})["call_ms"] = (time.perf_counter() - t0) * 1000

    @functools.wraps(orig_post)
    async def postprocess_data(self: Any, block_fn: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await orig_post(self, block_fn, *args, **kwargs)
        finally:
            _CURRENT.setdefault(id(_block_fn(self, block_fn)), {})["post_ms"] = (time.perf_counter() - t0) * 1000

    @functools.wraps(orig_process)
    async def process_api(self: Any, block_fn: Any, *args: Any, **kwargs: Any) -> Any:
        fn = _block_fn(self, block_fn)
        t0 = time.perf_counter()
        out = await orig_process(self, block_fn, *args, **kwargs)
        total = (time.perf_counter() - t0) * 1000
        parts = _CURRENT.pop(id(fn), {})
        data = out.get("data") if isinstance(out, dict) else None
        sizes = []
        for comp, value in zip(getattr(fn, "outputs", []) or [], data or [], strict=False):
            label = f"{type(comp).__name__}#{getattr(comp, 'elem_id', None) or getattr(comp, 'label', None) or ''}"
            sizes.append((label, _json_size(value)))
        log(
            {
                "kind": "event",
                "app": getattr(self, "title", ""),
                "fn": _fn_name(fn),
                "ms": round(total, 2),
                "call_ms": round(parts.get("call_ms", float("nan")), 2),
                "post_ms": round(parts.get("post_ms", float("nan")), 2),
                "bytes": _json_size(data),
                "outputs": sorted(sizes, key=lambda kv: -kv[1])[:4],
            }
        )
        return out

    blocks_cls.process_api = process_api  # type: ignore[method-assign]
    blocks_cls.call_function = call_function  # type: ignore[method-assign]
    blocks_cls.postprocess_data = postprocess_data  # type: ignore[method-assign]

    import app as suite
    import leaderboard.views as views

    orig_landing = suite.landing_html

    def landing_html(*args: Any, **kwargs: Any) -> str:
        t0 = time.perf_counter()
        page = orig_landing(*args, **kwargs)
        log({"kind": "landing", "fn": "app.landing_html", "ms": round((time.perf_counter() - t0) * 1000, 2)})
        return page

    suite.landing_html = landing_html  # the route looks the name up in app's globals on each request

    orig_init = views.Leaderboard.__init__

    @functools.wraps(orig_init)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        orig_init(self, *args, **kwargs)
        _LEADERBOARDS.append(self)
        orig_warm = self.warm_up

        def warm_up() -> None:
            t0 = time.perf_counter()
            orig_warm()
            log({"kind": "warm_up", "fn": "Leaderboard.warm_up", "ms": round((time.perf_counter() - t0) * 1000, 2)})

        self.warm_up = warm_up

    views.Leaderboard.__init__ = init  # type: ignore[method-assign]


def main() -> None:
    """Build the suite's app with the probes and serve it."""
    global _LOG_PATH
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", type=Path, required=True)
    args = ap.parse_args()
    _LOG_PATH = args.log
    address = f"http://localhost:{args.port}"
    os.environ.setdefault("AIENERGY_BASE_URL", address)
    install_probes()

    import uvicorn

    import app as suite
    from shared.store.factory import open_store

    try:
        from shared.web.links import BASE_URL_ENV

        os.environ.setdefault(BASE_URL_ENV, address)
    except ImportError:
        pass
    fastapi_app = suite.build_app(open_store(), seed=False)

    @fastapi_app.post("/__bench/forget")
    def forget() -> dict[str, int]:
        for lb in _LEADERBOARDS:
            lb.forget_selections()
        return {"leaderboards": len(_LEADERBOARDS)}

    @fastapi_app.get("/__bench/rss")
    def rss() -> dict[str, float]:
        return {"rss_mb": rss_mb()}

    # A route added after the mounts is matched after them: move the bench routes first.
    fastapi_app.router.routes[:] = sorted(
        fastapi_app.router.routes, key=lambda r: 0 if getattr(r, "path", "").startswith("/__bench") else 1
    )
    log({"kind": "started", "rss_mb": rss_mb()})
    uvicorn.run(fastapi_app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
