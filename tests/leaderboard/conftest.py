"""A store filled the way the portal fills it: real bundles validated, stored, approved, published.

Version 2026-05 holds four text-generation results and one image-classification result; version
2026-11 adds a class-B model, a random-weight replica with a quality score, and a speech model, so
stars of the older version differ where the newer one recalibrated them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shared.bundle.schema import ModelInfo
from shared.bundle.validate import validate_bundle
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from testkit.factory import make_bundle_bytes, make_report

CLASS_PARAMS = {"A": 1_000_000_000, "B": 30_000_000_000, None: 300_000_000}


@dataclass(frozen=True)
class Spec:
    """One result to submit."""

    task_id: str
    model_id: str
    energy_wh: float
    model_class: str | None = None
    quality: float | None = None
    random_weights: bool = False
    config: dict[str, Any] = field(default_factory=dict)


FIRST = [
    Spec("text_generation", "acme/frugal-1b", 1.0, "A", quality=40.0),
    Spec("text_generation", "acme/hungry-1b", 5.0, "A", quality=45.0),
    Spec("text_generation", "bigco/large-30b", 20.0, "B", quality=70.0),
    Spec("text_generation", "bigco/huge-30b", 40.0, "B", quality=60.0),
    Spec("image_classification", "google/vit-base-patch16-224", 2.6),
]
SECOND = [
    Spec("text_generation", "zeta/mid-1b", 3.0, "A", quality=55.0, random_weights=True),
    Spec("text_generation", "bigco/medium-30b", 60.0, "B"),
    Spec("asr", "openai/whisper-large-v3", 9.0),
]


def submit(store: SQLiteStore, spec: Spec, seed: int) -> str:
    """Validate, store and approve one synthetic bundle; returns its result id."""
    report = make_report(
        task_id=spec.task_id,
        model_id=spec.model_id,
        energy_wh=spec.energy_wh,
        model_class=spec.model_class,
        parameters=CLASS_PARAMS[spec.model_class],
        seed=seed,
    )
    extra = {"random_weights": spec.random_weights}
    if spec.quality is not None:
        extra["quality_score"] = spec.quality
    report.model = ModelInfo.model_validate({**report.model.model_dump(), **extra})
    report.config = {**report.config, **spec.config}  # run settings beyond the factory's (a compare test's diff)
    bundle = make_bundle_bytes(report=report)
    checked = validate_bundle(bundle)
    assert checked.ok and checked.record is not None, checked.text()
    sub, _ = store.add_submission(
        bundle, f"{spec.model_id}.zip", checked.record, Submitter("tester"), Attestation(True, True, True)
    )
    store.review(sub.id, True, "", "reviewer")
    return sub.result_id


@dataclass
class Filled:
    """The filled store and the result id of each model."""

    store: SQLiteStore
    ids: dict[str, str]


def fill_store(path: Path) -> Filled:
    """Two published versions, as the module docstring says."""
    store = SQLiteStore(path)
    ids = {s.model_id: submit(store, s, i) for i, s in enumerate(FIRST)}
    store.publish_version("2026-05", "May 2026")
    ids |= {s.model_id: submit(store, s, 10 + i) for i, s in enumerate(SECOND)}
    store.publish_version("2026-11", "November 2026")
    return Filled(store, ids)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Filled:
    """A store with two published versions (shared by a module's tests: they only read it)."""
    return fill_store(tmp_path_factory.mktemp("lb") / "store.sqlite3")


# Gradio answers events in turn: on a busy machine one can wait behind others for longer than the
# 20 s default, which says nothing about the page. Wrong pages still fail, only later.
BUSY_MACHINE_TIMEOUT_MS = 60_000


@pytest.fixture
def page(page: Any) -> Any:
    """The shared browser page, with waits that tolerate a loaded machine."""
    page.set_default_timeout(BUSY_MACHINE_TIMEOUT_MS)
    return page
