"""Generate the small local sample sets (text JSONL, PNG images, WAV audio) used by the tests and by
offline runs on a GPU machine without the Hub.

    python -m runner.samples --out runner/sample_data              # the tiny sets shipped in git
    python -m runner.samples --out /tmp/data --rows 1000           # a 1,000-sample set for a real run

Everything is deterministic (seeded), so a given --rows gives the same bytes and dataset digest on
every machine. Text lengths follow the published per-sample token means of the standard sets
(text generation ~369 tokens, summarization ~384, classification ~157, sentence pairs ~23), counted
in words of a fixed pseudo-word vocabulary that `runner.replica` also uses for its tokenizer.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import struct
import wave
import zlib
from pathlib import Path

SEED = 20261120
VOCAB_SIZE = 2000
_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"]


def vocabulary(size: int = VOCAB_SIZE) -> list[str]:
    """The fixed pseudo-word vocabulary (deterministic)."""
    rng = random.Random(SEED)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        w = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(max(1, n))) + "."


def _length(rng: random.Random, mean: int) -> int:
    # Uniform on [mean/20, 2*mean - mean/20]: a broad spread with the published mean.
    lo = max(1, mean // 20)
    return rng.randint(lo, 2 * mean - lo)


# task -> (column -> mean words per sample)
TEXT_SETS: dict[str, dict[str, int]] = {
    "text_generation": {"text": 369},
    "summarization": {"text": 384},
    "extractive_qa": {"question": 11, "context": 120},
    "text_classification": {"text": 157},
    "sentence_similarity": {"sentence1": 11, "sentence2": 11},
    "image_generation": {"prompt": 12},
}


def text_rows(task: str, rows: int) -> list[dict[str, str]]:
    """Rows of a text set; one row in 25 has an empty field, to exercise the empty-row filter."""
    rng = random.Random(f"{SEED}-{task}")
    words = vocabulary()
    out = []
    for i in range(rows):
        row = {col: _sentence(rng, words, _length(rng, mean)) for col, mean in TEXT_SETS[task].items()}
        if i % 25 == 24:
            row[next(iter(row))] = ""
        out.append(row)
    return out


def _png(width: int, height: int, rng: random.Random) -> bytes:
    """A PNG of coloured rectangles on a gradient, written with zlib (no imaging library needed)."""
    import numpy as np

    x = np.arange(width, dtype=np.int64)[None, :].repeat(height, 0)
    y = np.arange(height, dtype=np.int64)[:, None].repeat(width, 1)
    img = np.stack([x * 255 // width, y * 255 // height, np.full_like(x, 128)], axis=-1).astype(np.uint8)
    for _ in range(4):
        rx, ry = rng.randrange(width), rng.randrange(height)
        rw, rh = rng.randint(8, width // 2), rng.randint(8, height // 2)
        img[ry : ry + rh, rx : rx + rw] = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    raw = b"".join(b"\x00" + img[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def _wav(seconds: float, rate: int, rng: random.Random) -> bytes:
    """A 16-bit mono WAV of a few tones with a little noise."""
    import io

    freqs = [rng.uniform(120, 900) for _ in range(3)]
    n = int(seconds * rate)
    frames = bytearray()
    for i in range(n):
        t = i / rate
        v = sum(math.sin(2 * math.pi * f * t) for f in freqs) / 4 + rng.uniform(-0.05, 0.05)
        frames.extend(struct.pack("<h", int(max(-1.0, min(1.0, v)) * 32000)))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def write_samples(
    out: Path, rows: int, images: int, audio: int, image_size: int = 96, audio_seconds: float = 1.0
) -> None:
    """Write <task>.jsonl files, images/NNNN.png and audio/NNNN.wav under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for task in TEXT_SETS:
        lines = [json.dumps(r, ensure_ascii=False) for r in text_rows(task, rows)]
        (out / f"{task}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rng = random.Random(f"{SEED}-media")
    if images:
        (out / "images").mkdir(exist_ok=True)
        for i in range(images):
            w = image_size + rng.randrange(0, image_size // 2)
            (out / "images" / f"{i:04d}.png").write_bytes(_png(w, image_size, rng))
    if audio:
        (out / "audio").mkdir(exist_ok=True)
        for i in range(audio):
            (out / "audio" / f"{i:04d}.wav").write_bytes(_wav(audio_seconds * rng.uniform(0.8, 1.2), 16000, rng))


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(prog="python -m runner.samples", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="Folder to write the sets into.")
    p.add_argument("--rows", type=int, default=24, help="Rows of each text set (default 24).")
    p.add_argument("--images", type=int, default=4, help="Number of PNG images (default 4).")
    p.add_argument("--audio", type=int, default=3, help="Number of WAV clips (default 3).")
    p.add_argument("--image-size", type=int, default=96, help="Image height in pixels (default 96).")
    p.add_argument("--audio-seconds", type=float, default=1.0, help="Mean clip length in seconds (default 1).")
    a = p.parse_args(argv)
    write_samples(a.out, a.rows, a.images, a.audio, a.image_size, a.audio_seconds)
    print(f"Wrote sample sets to {a.out}")


if __name__ == "__main__":
    main()
