"""Fixtures of the label tests: a store with published results, and helpers to read labels back."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from shared.bundle.validate import validate_bundle
from shared.store.models import Attestation, Submitter
from shared.store.sqlite import SQLiteStore
from shared.web.links import Links
from testkit.factory import make_bundle_bytes

BASE_URL = "https://aienergy.example.org"
# Links of these tests point at a fixed public address.
LINKS = Links(base_url=BASE_URL)


@dataclass(frozen=True)
class Published:
    """A store with two published versions and the ids of its results."""

    store: SQLiteStore
    results: dict[str, str]  # model id -> result id


def add_approved(store: SQLiteStore, **bundle_kw: object) -> str:
    """Validate, store and approve a synthetic bundle; returns its result id."""
    data = make_bundle_bytes(**bundle_kw)
    report = validate_bundle(data)
    assert report.ok and report.record is not None, report.problems
    sub, _ = store.add_submission(
        data, "run.zip", report.record, Submitter(name="tester"), Attestation(True, True, True)
    )
    store.review(sub.id, True, "", "reviewer")
    return sub.result_id


@pytest.fixture
def published(tmp_store: SQLiteStore) -> Published:
    """Three image-classification results and one text-generation result, in versions 2026-10 and
    2026-11 (the second adds acme/gamma)."""
    results = {}
    for model, energy in (("acme/alpha", 1.0), ("acme/beta", 4.0)):
        results[model] = add_approved(tmp_store, task_id="image_classification", model_id=model, energy_wh=energy)
    results["acme/talker"] = add_approved(tmp_store, task_id="text_generation", model_id="acme/talker", energy_wh=2.37)
    tmp_store.publish_version("2026-10", "October 2026")
    results["acme/gamma"] = add_approved(
        tmp_store, task_id="image_classification", model_id="acme/gamma", energy_wh=12000.0
    )
    tmp_store.publish_version("2026-11", "November 2026")
    return Published(tmp_store, results)


def open_png(data: bytes) -> Image.Image:
    """A PNG's image, loaded, in RGBA."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.convert("RGBA")
