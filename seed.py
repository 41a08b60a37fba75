"""Loading the embedded demo data: real H100 bundles shipped in data/demo_bundles/.

The suite's first start fills an empty store with them through the same path a real submission takes
(validation, storage, review), then publishes a version, so the demo shows only measured numbers.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shared.bundle.validate import validate_bundle
from shared.store.models import STATUS_PENDING, Attestation, Store, StoreError, Submitter
from shared.store.versions import version_for

DEMO_DIR = Path(__file__).resolve().parent / "data" / "demo_bundles"
DEMO_DIR_ENV = "AIENERGY_DEMO_BUNDLES"
DEMO_SUBMITTER = Submitter(name="AI Energy Score suite (demo data)", contact="")
DEMO_REVIEWER = "demo-seed"


@dataclass
class SeedOutcome:
    """What seeding did.

    Attributes:
        stored: Submission ids stored and approved now.
        skipped: (file name, reason) of bundles that did not validate.
        version_id: The version published, or '' if none.
    """

    stored: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    version_id: str = ""


def demo_dir() -> Path:
    """The folder of demo bundles: $AIENERGY_DEMO_BUNDLES if set (a deployment's own data), else the
    shipped data/demo_bundles."""
    return Path(os.environ.get(DEMO_DIR_ENV) or DEMO_DIR)


def seed_demo(store: Store, folder: Path | None = None, only_if_empty: bool = True) -> SeedOutcome:
    """Submit, approve and publish every valid bundle of `folder` (default: `demo_dir()`). Idempotent:
    a bundle already in the store is not stored twice, and with `only_if_empty` a store with any
    version is left alone."""
    folder = folder or demo_dir()
    out = SeedOutcome()
    if only_if_empty and store.versions():
        return out
    attest = Attestation(True, True, True)
    for path in sorted(folder.glob("*.zip")):
        data = path.read_bytes()
        report = validate_bundle(data, short_workload_ok=True)
        if not report.ok or report.record is None:
            out.skipped.append((path.name, "; ".join(p.message for p in report.problems)))
            continue
        sub, _ = store.add_submission(
            data, path.name, report.record, DEMO_SUBMITTER, attest, [w.message for w in report.warnings]
        )
        if sub.status == STATUS_PENDING:
            store.review(sub.id, True, "Demo data: measured by the suite's runner on an H100.", DEMO_REVIEWER)
        out.stored.append(sub.id)
    if out.stored:
        vid, name = version_for(datetime.now(UTC).date())
        taken = {v.id for v in store.versions()}
        suffix = 1
        base = vid
        while vid in taken:
            suffix += 1
            vid = f"{base}.{suffix}"
        try:
            out.version_id = store.publish_version(vid, name, "Demo data shipped with the suite.").id
        except StoreError as exc:
            out.skipped.append(("(publish)", str(exc)))
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m seed`: load demo bundles into a store and publish a version."""
    from shared.store.factory import open_store

    ap = argparse.ArgumentParser(prog="python -m seed", description=main.__doc__)
    ap.add_argument("--store", type=Path, help="SQLite file (default: $AIENERGY_STORE or data/store/aienergy.sqlite3)")
    ap.add_argument("--folder", type=Path, help=f"folder of bundle .zip files (default: ${DEMO_DIR_ENV} or {DEMO_DIR})")
    ap.add_argument("--force", action="store_true", help="seed even if the store already has a published version")
    args = ap.parse_args(argv)
    folder = args.folder or demo_dir()
    if not folder.is_dir():
        print(f"No such folder: {folder}. Pass --folder with a folder of bundle .zip files.")
        return 2
    out = seed_demo(open_store(args.store), folder, only_if_empty=not args.force)
    for name, reason in out.skipped:
        print(f"skipped {name}: {reason}")
    if out.version_id:
        print(f"stored {len(out.stored)} bundle(s) from {folder}; published version {out.version_id}")
    else:
        print("nothing published: the store already has a version (use --force) or no bundle was valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
