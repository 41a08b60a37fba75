"""Loading a task's samples: a Hub dataset id (through `datasets`) or a local parquet / JSONL file,
image folder or audio folder. Empty rows are dropped and the first N kept, as the method says.

Rows are plain dicts holding the task's input columns: text as str, images as PIL images, audio as
{"array": float32 numpy array, "sampling_rate": int}. The digest covers exactly the rows used.
"""

from __future__ import annotations

import hashlib
import io
import json
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import RunnerError
from runner.hub import require_hub
from shared.method.tasks import Task

SAMPLE_DATA = Path(__file__).resolve().parent / "sample_data"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
AUDIO_SUFFIXES = (".wav",)


@dataclass
class LoadedDataset:
    """The samples of one run.

    Attributes:
        id: Hub id or local path as given.
        split: Split used.
        rows: The first N non-empty rows.
        sha256: Digest of the rows used.
        dropped_empty: Empty rows skipped before N were found.
    """

    id: str
    split: str
    rows: list[dict[str, Any]]
    sha256: str
    dropped_empty: int


def default_local_dataset(task: Task) -> Path:
    """The shipped sample set of a task (for tests and offline trials)."""
    if task.modality == "image":
        return SAMPLE_DATA / "images"
    if task.modality == "audio":
        return SAMPLE_DATA / "audio"
    name = "text_generation" if task.id == "reasoning" else task.id
    return SAMPLE_DATA / f"{name}.jsonl"


def sample_set_size(task: Task) -> int:
    """Non-empty samples of the task's shipped sample set (what a dry run uses by default)."""
    rows = _local_rows(default_local_dataset(task), task)
    return sum(
        1
        for r in rows
        if all(c in r for c in task.input_columns)
        and not any(_is_empty(_normalise(r[c], task.modality)) for c in task.input_columns)
    )


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict) and "array" in value:
        return len(value["array"]) == 0
    return False


def _read_wav(path: Path) -> dict[str, Any]:
    import numpy as np

    with wave.open(str(path), "rb") as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        frames = w.readframes(w.getnframes())
    if width != 2:
        raise RunnerError(f"{path}: only 16-bit PCM WAV files are supported (this one has {8 * width}-bit samples).")
    data = np.frombuffer(frames, dtype="<i2").astype("float32") / 32768.0
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return {"array": data, "sampling_rate": rate}


def _local_rows(path: Path, task: Task) -> list[dict[str, Any]]:
    col = task.input_columns[0]
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        if task.modality == "image":
            from PIL import Image

            rows = []
            for f in (f for f in files if f.suffix.lower() in IMAGE_SUFFIXES):
                with Image.open(f) as im:
                    im.load()
                    rows.append({col: im.copy()})
            return rows
        if task.modality == "audio":
            return [{col: _read_wav(f)} for f in files if f.suffix.lower() in AUDIO_SUFFIXES]
        raise RunnerError(f"{path} is a folder, but task {task.id} reads text: give a .jsonl or .parquet file.")
    if path.suffix == ".jsonl":
        try:
            return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise RunnerError(f"{path} is not valid JSONL (line {exc.lineno}): {exc.msg}.") from exc
    if path.suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(path).to_dict(orient="records")
    raise RunnerError(f"{path}: use a .jsonl or .parquet file, an image folder or an audio folder.")


def _normalise(value: Any, modality: str) -> Any:
    """Hub/parquet cells to the runner's row types (PIL image; audio dict)."""
    if modality == "image" and isinstance(value, dict) and value.get("bytes"):
        from PIL import Image

        return Image.open(io.BytesIO(value["bytes"]))
    if modality == "audio" and not isinstance(value, dict) and hasattr(value, "get_all_samples"):
        samples = value.get_all_samples()  # datasets >= 4 decodes audio lazily
        return {"array": samples.data.mean(dim=0).numpy(), "sampling_rate": int(samples.sample_rate)}
    return value


def _hub_rows(dataset_id: str, split: str, task: Task, need: int) -> tuple[list[dict[str, Any]], int]:
    try:
        import datasets
    except ImportError as exc:
        raise RunnerError(
            "Loading a Hub dataset needs the `datasets` package (pip install datasets), or pass a local file."
        ) from exc
    require_hub("dataset", dataset_id)
    try:
        ds = datasets.load_dataset(dataset_id, split=split, streaming=True)
    except Exception as exc:
        raise RunnerError(f"Could not load dataset {dataset_id!r} (split {split!r}): {exc}") from exc
    rows, dropped = [], 0
    for row in ds:
        picked = {c: _normalise(row.get(c), task.modality) for c in task.input_columns}
        if any(_is_empty(v) for v in picked.values()):
            dropped += 1
            continue
        rows.append(picked)
        if len(rows) >= need:
            break
    return rows, dropped


def _row_digest(h: Any, row: dict[str, Any]) -> None:
    for key in sorted(row):
        value = row[key]
        h.update(key.encode())
        if isinstance(value, str):
            h.update(value.encode("utf-8"))
        elif isinstance(value, dict) and "array" in value:
            h.update(str(value["sampling_rate"]).encode())
            h.update(value["array"].tobytes())
        elif hasattr(value, "tobytes"):
            h.update(value.convert("RGB").tobytes() if hasattr(value, "convert") else value.tobytes())
        else:
            h.update(json.dumps(value, sort_keys=True, default=str).encode())


def load_samples(source: str | None, task: Task, samples: int, split: str | None = None) -> LoadedDataset:
    """The first `samples` non-empty rows of a Hub dataset id or local path (the task's Hub set if None).

    Raises RunnerError when the source is unreadable, lacks the task's columns or has too few rows.
    """
    split = split or task.split
    source = source or task.dataset_id
    path = Path(source)
    if path.exists():
        raw = _local_rows(path, task)
        rows, dropped = [], 0
        for r in raw:
            missing = [c for c in task.input_columns if c not in r]
            if missing:
                raise RunnerError(
                    f"{source} has no column {missing[0]!r} (task {task.id} reads {', '.join(task.input_columns)}; "
                    f"the file has {', '.join(map(str, r))})."
                )
            picked = {c: _normalise(r[c], task.modality) for c in task.input_columns}
            if any(_is_empty(v) for v in picked.values()):
                dropped += 1
                continue
            rows.append(picked)
            if len(rows) >= samples:
                break
    else:
        rows, dropped = _hub_rows(source, split, task, samples)
    if len(rows) < samples:
        raise RunnerError(
            f"{source} has only {len(rows)} non-empty samples but the run asks for {samples}. "
            "Use a larger dataset or a smaller --samples."
        )
    h = hashlib.sha256()
    for row in rows:
        _row_digest(h, row)
    return LoadedDataset(id=source, split=split, rows=rows, sha256=h.hexdigest(), dropped_empty=dropped)
