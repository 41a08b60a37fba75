"""Command line: `python -m submission_portal` serves the portal; `... validate x.zip` checks a bundle."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from submission_portal.config import PortalConfig


def validate_command(path: str, config: PortalConfig) -> int:
    """Print the validation report of one bundle; 0 when accepted, 1 when rejected."""
    from submission_portal import service

    data, problem = service.read_upload(path, config.limits)
    if data is None:
        print(f"{service.verdict_line(1, 0)}\n  error: {problem}")
        return 1
    report = service.check(data, config.limits)
    print(service.report_text(report))
    return 0 if report.ok else 1


def serve_command(store_path: str | None, config: PortalConfig) -> int:
    """Serve the portal alone until interrupted (GRADIO_SERVER_PORT / GRADIO_SERVER_NAME honoured)."""
    from shared.store.factory import open_store
    from shared.web.config import SiteConfig
    from submission_portal import service
    from submission_portal.app import build_demo, launch_kwargs

    site = SiteConfig.from_env()
    store = open_store(store_path)
    service.backfill_content_identities(store)  # older submissions get the identity re-zips are found by
    demo = build_demo(store, config, site.links)
    print(f"Submission portal: open {site.local_address}/", flush=True)
    demo.queue(default_concurrency_limit=config.concurrency).launch(**launch_kwargs(config, site))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m submission_portal`."""
    parser = argparse.ArgumentParser(
        prog="python -m submission_portal",
        description="The AI Energy Score submission portal. Without a command, serve it.",
    )
    parser.add_argument("--store", help="SQLite store file (default: AIENERGY_STORE or the embedded store)")
    sub = parser.add_subparsers(dest="command")
    val = sub.add_parser("validate", help="check a bundle .zip as the portal would; exit 1 if rejected")
    val.add_argument("bundle", help="path to the bundle .zip")
    sub.add_parser("serve", help="serve the portal (the default)")
    args = parser.parse_args(argv)
    config = PortalConfig.from_env()
    if args.command == "validate":
        return validate_command(args.bundle, config)
    return serve_command(args.store, config)


if __name__ == "__main__":
    sys.exit(main())
