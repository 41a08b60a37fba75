"""`python -m label_generator`: serve the app alone (GRADIO_SERVER_PORT, GRADIO_SERVER_NAME).

`python -m label_generator render --result <id> -o label.png` writes a result's label; the same from
fields: `--model --provider --task --energy-wh --stars --class --version --hardware` (a self-reported label
unless the values match an approved result of the store). `-o` ending in .svg writes SVG; `--badge`
prints the Markdown badge.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from label_generator.badge import badge_markdown
from label_generator.data import LabelData, label_for_result, match_result, typed
from label_generator.render import render_png
from label_generator.svg import render_svg
from shared.store.factory import open_store
from shared.store.models import DEFAULT_STORE_PATH, STORE_ENV, Store
from shared.web.config import BASE_URL_ENV, SiteConfig
from shared.web.links import CSS, Links


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m label_generator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the app (the default)")
    render = sub.add_parser("render", help="write one label")
    render.add_argument("--result", help="result id in the store (res_...)")
    render.add_argument("--model", help="model id (provider/name) or name, for a label from fields")
    render.add_argument("--provider", default="", help="provider, when --model is the bare name")
    render.add_argument("--task", help="task id or display name")
    render.add_argument("--energy-wh", type=float, help="GPU energy in Wh per 1,000 queries")
    render.add_argument("--stars", type=int, default=0, help="filled stars, 0-5")
    render.add_argument(
        "--class", dest="model_class", default="", help="class A, B or C the stars compare (tasks rated per class)"
    )
    render.add_argument("--version", default="", help="version id (with --result) or what 'Scored' shows")
    render.add_argument("--hardware", default="", help="GPU, e.g. 'NVIDIA H100 80GB HBM3'")
    render.add_argument("--store", help=f"SQLite store path (default: ${STORE_ENV} or the suite's store)")
    render.add_argument("--base-url", help=f"public address of the suite for links (default: ${BASE_URL_ENV})")
    render.add_argument("--badge", action="store_true", help="also print the Markdown badge")
    render.add_argument("-o", "--output", type=Path, default=Path("label.png"), help="output .png or .svg")
    return parser


def _store(path: str | None, required: bool) -> Store | None:
    """The store to read; None when matching fields and no store is configured or present."""
    if path or required or os.environ.get(STORE_ENV) or DEFAULT_STORE_PATH.exists():
        return open_store(path)
    return None


def label_from_args(args: argparse.Namespace, links: Links = Links()) -> LabelData:
    """The label the render command's arguments describe, linked by `links` (raises ValueError / LookupError)."""
    if args.result:
        store = _store(args.store, required=True)
        assert store is not None
        return label_for_result(store, args.result, args.version or None, links)
    missing = [
        flag
        for flag, value in (("--model", args.model), ("--task", args.task), ("--energy-wh", args.energy_wh))
        if value is None
    ]
    if missing:
        raise ValueError(f"Give --result, or the fields of the label (missing: {', '.join(missing)}).")
    data = typed(
        args.model,
        args.task,
        args.energy_wh,
        args.stars,
        args.version,
        args.hardware,
        args.provider,
        links,
        getattr(args, "model_class", "") or "",
    )
    store = _store(args.store, required=False)
    return (match_result(store, data, links) if store else None) or data


def render_command(args: argparse.Namespace, site: SiteConfig) -> int:
    """Write the label (linked by `site`, or by --base-url); print what was written."""
    if args.base_url:
        site = site.with_base_url(args.base_url)
    try:
        data = label_from_args(args, site.links)
    except (ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: Path = args.output
    if out.suffix.lower() == ".svg":
        out.write_text(render_svg(data), encoding="utf-8")
    else:
        out.write_bytes(render_png(data))
    where = f"{data.status}: {data.result_id} -> {data.link}" if data.linked else "self-reported"
    print(f"wrote {out} ({where})")
    if args.badge:
        print(badge_markdown(data))
    return 0


def serve(site: SiteConfig) -> None:
    """Serve the app on the configured store, where `site` says."""
    from label_generator.app import build_demo

    build_demo(open_store(), site.links).queue().launch(server_name=site.host, server_port=site.port, css=CSS)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    args = _parser().parse_args(argv)
    site = SiteConfig.from_env()
    if args.command == "render":
        return render_command(args, site)
    serve(site)
    return 0


if __name__ == "__main__":
    sys.exit(main())
