"""Loading the embedded data: real H100 bundles shipped in data/demo_bundles/ (with a few real bundles of
other GPUs, OTHER_HARDWARE_BUNDLES), and the official AI Energy Score ratings of February 2025 shipped in
data/reference/aes_v1_feb2025/.

The suite's first start fills an empty store with both, as two versions that are never rated together
(different runners): the demo bundles go through the same path a real submission takes (validation,
storage, review) and are published as a version of measured numbers (the other GPUs' results in it
are listed under other hardware, without stars); then the official ratings are imported as a frozen
version of published figures. That one is published last, so it is the newest version and the one a
newcomer sees first.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from shared.bundle.validate import validate_bundle
from shared.method.hardware import is_rated_hardware
from shared.store.models import STATUS_PENDING, Attestation, Store, StoreError, Submitter
from shared.store.reference_import import import_published
from shared.store.versions import version_for

ROOT = Path(__file__).resolve().parent
DEMO_DIR = ROOT / "data" / "demo_bundles"
# Real bundles measured on another GPU than the H100, seeded into the demo version so that its "Other GPUs
# (not rated)" view has content on a first start: the same Llama-3.2-1B replica measured on one NVIDIA
# H200 by our runner loading the model (transformers) and through a serving engine's API (endpoint,
# `transformers serve`), the standard 1,000 prompts, one repetition each, with performance figures
# (benchmarks/sessions/2026-12-03-h200-s9/README.md). Swap the paths for newer bundles here; a missing file
# is skipped with its reason.
H200_SESSION = ROOT / "benchmarks" / "sessions" / "2026-12-03-h200-s9"
OTHER_HARDWARE_BUNDLES: tuple[Path, ...] = (
    H200_SESSION / "s9_h200_perf_own_llama1b_1000.zip",
    H200_SESSION / "s9_h200_endpoint_llama1b_1000.zip",
)
DEMO_DIR_ENV = "AIENERGY_DEMO_BUNDLES"
DEMO_SUBMITTER = Submitter(name="AI Energy Score suite (demo data)", contact="")
DEMO_REVIEWER = "demo-seed"
REFERENCE_DIR = ROOT / "data" / "reference" / "aes_v1_feb2025"
REFERENCE_VERSION_ID = "aes-v1-2025-02"
REFERENCE_VERSION_NAME = "AI Energy Score v1, February 2025"
# Set to 0/false/no/off to start without the official ratings (e.g. a deployment of its own data only).
SEED_REFERENCE_ENV = "AIENERGY_SEED_REFERENCE"


@dataclass
class SeedOutcome:
    """What seeding did.

    Attributes:
        stored: Submission ids stored and approved now.
        skipped: (file name, reason) of bundles that did not validate.
        version_id: The version published, or '' if none.
        reference_version_id: The version of official ratings imported, or '' if none.
        reference_rows: Published figures imported.
    """

    stored: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    version_id: str = ""
    reference_version_id: str = ""
    reference_rows: int = 0


def demo_dir() -> Path:
    """The folder of demo bundles: $AIENERGY_DEMO_BUNDLES if set (a deployment's own data), else the
    shipped data/demo_bundles."""
    return Path(os.environ.get(DEMO_DIR_ENV) or DEMO_DIR)


def reference_wanted() -> bool:
    """False when $AIENERGY_SEED_REFERENCE switches the official ratings off."""
    return os.environ.get(SEED_REFERENCE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def seed_reference(store: Store, out: SeedOutcome, folder: Path = REFERENCE_DIR) -> None:
    """Import the official ratings as version REFERENCE_VERSION_ID, unless the store has it already;
    a failure is recorded in `out.skipped` (the demo data still loads)."""
    if any(v.id == REFERENCE_VERSION_ID for v in store.versions()):
        return
    try:
        done = import_published(store, folder, REFERENCE_VERSION_ID, REFERENCE_VERSION_NAME)
    except StoreError as exc:
        out.skipped.append((folder.name, str(exc)))
        return
    out.reference_version_id, out.reference_rows = done.version.id, done.rows_imported


def other_hardware_wanted(folder: Path | None) -> bool:
    """True when the first start seeds OTHER_HARDWARE_BUNDLES too: the shipped demo data (no `folder`, no
    $AIENERGY_DEMO_BUNDLES: a deployment of its own data gets only its own)."""
    return folder is None and not os.environ.get(DEMO_DIR_ENV)


def seed_demo(
    store: Store,
    folder: Path | None = None,
    only_if_empty: bool = True,
    reference: bool | None = None,
    other_hardware: bool | None = None,
) -> SeedOutcome:
    """Submit, approve and publish every valid bundle of `folder` (default: `demo_dir()`), with the bundles
    of OTHER_HARDWARE_BUNDLES when `other_hardware` is True, or None and `other_hardware_wanted(folder)`,
    then import the official ratings as a version of their own when `reference` is True, or when it is
    None and `folder` is None (the first start: app.py calls `seed_demo(store)`), unless
    $AIENERGY_SEED_REFERENCE is off. Idempotent: a bundle already in the store is not stored twice, the
    official version is imported once, and with `only_if_empty` a store with any version is left alone."""
    with_reference = (folder is None if reference is None else reference) and reference_wanted()
    with_other = other_hardware_wanted(folder) if other_hardware is None else other_hardware
    folder = folder or demo_dir()
    out = SeedOutcome()
    if only_if_empty and store.versions():
        return out
    attest = Attestation(True, True, True)
    paths = sorted(folder.glob("*.zip")) + (list(OTHER_HARDWARE_BUNDLES) if with_other else [])
    for path in paths:
        if not path.is_file():
            out.skipped.append((path.name, f"no such file: {path}"))
            continue
        data = path.read_bytes()
        report = validate_bundle(data, short_workload_ok=True)
        if not report.ok or report.record is None:
            out.skipped.append((path.name, "; ".join(p.message for p in report.problems)))
            continue
        sub, _ = store.add_submission(
            data, path.name, report.record, DEMO_SUBMITTER, attest, [w.message for w in report.warnings]
        )
        if sub.status == STATUS_PENDING:
            gpu = report.record.hardware or "a GPU"
            rated = is_rated_hardware(report.record.hardware)
            reason = f"Demo data: measured by the suite's runner on {'an H100' if rated else gpu}" + (
                "." if rated else " (other hardware, shown without stars)."
            )
            store.review(sub.id, True, reason, DEMO_REVIEWER)
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
    if with_reference:
        # After the demo version, so the official ratings are the newest version: the default view.
        seed_reference(store, out)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m seed`: load demo bundles into a store and publish a version (and, without --folder or
    with --reference, import the official ratings as a version of their own)."""
    from shared.store.factory import open_store

    ap = argparse.ArgumentParser(prog="python -m seed", description=main.__doc__)
    ap.add_argument("--store", type=Path, help="SQLite file (default: $AIENERGY_STORE or data/store/aienergy.sqlite3)")
    ap.add_argument("--folder", type=Path, help=f"folder of bundle .zip files (default: ${DEMO_DIR_ENV} or {DEMO_DIR})")
    ap.add_argument("--force", action="store_true", help="seed even if the store already has a published version")
    ref = ap.add_mutually_exclusive_group()
    ref.add_argument(
        "--reference",
        action="store_true",
        default=None,
        help="also import the official ratings (default without --folder)",
    )
    ref.add_argument(
        "--no-reference", dest="reference", action="store_false", help="do not import the official ratings"
    )
    args = ap.parse_args(argv)
    folder = args.folder or demo_dir()
    if not folder.is_dir():
        print(f"No such folder: {folder}. Pass --folder with a folder of bundle .zip files.")
        return 2
    # Without --folder (and --reference/--no-reference) the first start's defaults apply: demo and official.
    reference = args.folder is None if args.reference is None else args.reference
    out = seed_demo(open_store(args.store), folder, only_if_empty=not args.force, reference=reference)
    for name, reason in out.skipped:
        print(f"skipped {name}: {reason}")
    if out.version_id:
        print(f"stored {len(out.stored)} bundle(s) from {folder}; published version {out.version_id}")
    if out.reference_version_id:
        print(f"imported {out.reference_rows} official ratings as version {out.reference_version_id}")
    if not out.version_id and not out.reference_version_id:
        print("nothing published: the store already has a version (use --force) or no bundle was valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
