"""Landing page and label app at many results: time per request, and the label response's size.

    python3 benchmarks/label_landing_speed.py [--results 10000] [--repeat 15] [--landing-only]

Fills a temporary store with `--results` published figures (half of them text-generation models, as
many model ids as results in that task), then measures:

- landing: `app.landing_html` as the route calls it (facts kept between requests), median of the
  repeats, after the start-up count; and the start-up count itself;
- label: a model picked in the label app, through gradio's API in one session (gradio_client: the
  event's full round trip, queue, handler, label rendering, files), median of the repeats; and the
  size of that event's response.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradio_client import Client

from app import LandingFacts, landing_html
from label_generator.app import build_demo
from label_generator.handlers import LabelHandlers
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.sqlite import SQLiteStore
from shared.web.links import Links
from tests.conftest import serve

TASKS = ("text_generation", "image_classification", "summarization", "asr")


def fill(store: SQLiteStore, n: int) -> list[str]:
    """n published figures; returns the text-generation model ids."""
    items, models = [], []
    for k in range(n):
        task = "text_generation" if k % 2 == 0 else TASKS[1 + k % 3]
        model = f"org{k % 97}/model-{k:06d}"
        if task == "text_generation":
            models.append(model)
        rec = ResultRecord(
            task_id=task,
            model_id=model,
            gpu_energy_wh_per_1k=0.1 + (k % 1000) / 10,
            model_class="A" if task == "text_generation" else None,
            hardware="NVIDIA H100 80GB HBM3",
            source_format=FORMAT_PUBLISHED,
            provenance=PROVENANCE_PUBLISHED,
        )
        items.append((f"bench|{k}".encode(), f"{task}.csv", rec))
    store.import_published_version("aes-v1-2025-02", "AI Energy Score v1, February 2025", "", items, "AES")
    return models


def timed_call(client: Client, api: str, *data: object) -> tuple[float, int]:
    """(seconds, bytes of the JSON result) of one event of the client's session through gradio's API."""
    t0 = time.perf_counter()
    result = client.predict(*data, api_name=api)
    elapsed = time.perf_counter() - t0
    return elapsed, len(json.dumps(result, default=str))


def main() -> int:
    """Measure and print one line per figure."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--landing-only", action="store_true", help="skip the label app")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "bench.sqlite3")
        t0 = time.perf_counter()
        models = fill(store, args.results)
        print(
            f"store: {args.results:,} results, {len(models):,} text-generation models "
            f"({time.perf_counter() - t0:.1f} s)"
        )

        facts = LandingFacts(store)
        t0 = time.perf_counter()
        facts.current()
        print(f"landing: start-up count {1000 * (time.perf_counter() - t0):.0f} ms (once per version)")
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            landing_html(store, Links(), facts)
            times.append(time.perf_counter() - t0)
        print(f"landing: {1000 * statistics.median(times):.1f} ms per request (median of {args.repeat})")
        if args.landing_only:
            return 0

        # The handler's own time, inside the server, to tell it from gradio's round trip.
        handler_s: list[float] = []
        pick = LabelHandlers.pick

        def timed_pick(self: LabelHandlers, *a: Any, **kw: Any) -> list[Any]:
            t = time.perf_counter()
            try:
                return pick(self, *a, **kw)
            finally:
                handler_s.append(time.perf_counter() - t)

        LabelHandlers.pick = timed_pick  # type: ignore[method-assign]
        t0 = time.perf_counter()
        demo = build_demo(store, Links())
        print(f"label: app built (catalog read once) in {time.perf_counter() - t0:.1f} s")
        url, demo = serve(demo)
        try:
            # One session, as a page has: its first event fills the pickers (gradio then accepts their
            # choices as input values of this session).
            client = Client(url + "/", verbose=False, download_files=False)  # a page fetches only the preview
            timed_call(client, "/on_load")
            timed_call(client, "/pick_model", "text_generation", models[0], "")  # warm fonts and caches
            times, sizes = [], []
            handler_s.clear()
            for k in range(args.repeat):
                query = models[(k * 7919) % len(models)]
                timed_call(client, "/search", "text_generation", query)  # the picker then lists it
                seconds, size = timed_call(client, "/pick_model", "text_generation", query, query)
                times.append(seconds)
                sizes.append(size)
            print(
                f"label: {1000 * statistics.median(times):.0f} ms per label through the app "
                f"(median of {args.repeat}; min {1000 * min(times):.0f}), response {max(sizes) / 1000:.1f} KB"
            )
            print(f"label: of which the handler {1000 * statistics.median(handler_s[1::2]):.0f} ms (median)")
        finally:
            demo.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
