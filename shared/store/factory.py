"""The one place that decides which store an app opens."""

from __future__ import annotations

import os
from pathlib import Path

from shared.store.hf_dataset import HFDatasetStore
from shared.store.models import STORE_ENV, Store
from shared.store.sqlite import SQLiteStore

BACKEND_ENV = "AIENERGY_STORE_BACKEND"
DATASET_ENV = "AIENERGY_HF_DATASET"


def store_from_env() -> Store:
    """The store the environment asks for: `AIENERGY_STORE_BACKEND=hf-dataset` with
    `AIENERGY_HF_DATASET=<org/name>` (and `HF_TOKEN` to write), else SQLite at `$AIENERGY_STORE`."""
    backend = os.environ.get(BACKEND_ENV, "sqlite").strip().lower()
    if backend in ("", "sqlite"):
        return SQLiteStore(os.environ.get(STORE_ENV) or None)
    if backend == "hf-dataset":
        repo = os.environ.get(DATASET_ENV, "").strip()
        if not repo:
            raise SystemExit(f"{BACKEND_ENV}=hf-dataset needs {DATASET_ENV}=<org/dataset-name>.")
        return HFDatasetStore(repo)
    raise SystemExit(f"Unknown {BACKEND_ENV}={backend!r}: use 'sqlite' or 'hf-dataset'.")


def open_store(path: str | Path | None = None) -> Store:
    """SQLite at `path` if given; else what the environment configures (`store_from_env`):
    the embedded SQLite store by default, or a Hugging Face dataset repository."""
    if path is not None:
        return SQLiteStore(path)
    return store_from_env()
