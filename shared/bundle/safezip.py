"""Reading an untrusted zip entirely in memory, refusing every known trick.

Nothing is extracted to disk: members are read with a hard cap on bytes, so a header that lies about
its size cannot exhaust memory. Every refusal is a plain sentence saying what to do.
"""

from __future__ import annotations

import io
import json
import lzma
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

NESTED_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".zst")
ARCHIVE_MAGICS = (b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh", b"\xfd7zXZ")


@dataclass(frozen=True)
class ZipLimits:
    """Limits on an uploaded bundle. Defaults fit a run of 10 repetitions with logs many times over.

    Attributes:
        max_zip_bytes: Size of the .zip itself.
        max_files: Number of members.
        max_member_bytes: Uncompressed size of one member.
        max_total_bytes: Uncompressed size of all members together.
        max_ratio: Compression ratio (uncompressed / compressed) of any member over 1 MiB.
        max_json_bytes: Size of one JSON file.
        max_json_depth: Nesting depth of one JSON document.
    """

    max_zip_bytes: int = 200 * 1024 * 1024
    max_files: int = 500
    max_member_bytes: int = 200 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: float = 100.0
    max_json_bytes: int = 20 * 1024 * 1024
    max_json_depth: int = 32


class UnsafeZip(Exception):
    """The upload cannot be read safely; the message says why and what to do."""


@dataclass
class ZipContents:
    """Members of a zip read into memory: path -> bytes (directories left out)."""

    files: dict[str, bytes] = field(default_factory=dict)


def _check_name(info: zipfile.ZipInfo) -> str:
    raw = info.filename
    if not info.flag_bits & 0x800:
        # Without the UTF-8 flag, zipfile decodes names as cp437; insist on plain ASCII then.
        if not raw.isascii():
            raise UnsafeZip(f"The file name {raw!r} is not valid UTF-8. Rename it with plain letters and zip again.")
    if "\x00" in raw or "\\" in raw:
        raise UnsafeZip(f"The file name {raw!r} has a backslash or NUL byte; use plain names.")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise UnsafeZip(f"The zip holds an absolute path ({raw!r}). Zip the run folder with relative paths.")
    parts = PurePosixPath(raw).parts
    if ".." in parts:
        raise UnsafeZip(f"The zip holds a path that climbs out of the folder ({raw!r}). Zip the run folder itself.")
    return raw


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def read_zip(data: bytes, limits: ZipLimits = ZipLimits()) -> ZipContents:
    """Read every member of the zip `data` into memory, or raise UnsafeZip with the reason."""
    if len(data) > limits.max_zip_bytes:
        raise UnsafeZip(
            f"The upload is {len(data) / 1e6:.1f} MB, over the {limits.max_zip_bytes / 1e6:.0f} MB "
            "limit. Leave model weights and datasets out of the bundle."
        )
    if not data.startswith(b"PK"):
        raise UnsafeZip("This is not a .zip file. Upload the bundle made by `python -m runner bundle`.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except UnicodeDecodeError:
        # A name flagged as UTF-8 whose bytes are not UTF-8: say so rather than "damaged".
        raise UnsafeZip(
            "A file name in the zip is not valid UTF-8. Rename it with plain letters and zip again."
        ) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise UnsafeZip(f"The zip file is damaged or truncated ({exc}). Create it again and re-upload.") from None
    if len(infos) > limits.max_files:
        raise UnsafeZip(
            f"The zip holds {len(infos)} entries, over the limit of {limits.max_files}. Bundle only the run's files."
        )
    out = ZipContents()
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = _check_name(info)
        if _is_symlink(info):
            raise UnsafeZip(f"{name!r} is a symbolic link; bundles may hold regular files only.")
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise UnsafeZip(f"{name!r} is encrypted; upload an unencrypted zip.")
        key = name.rstrip("/")
        if key in seen:
            raise UnsafeZip(f"The zip holds {key!r} twice; each file may appear once.")
        seen.add(key)
        if key.lower().endswith(NESTED_ARCHIVE_SUFFIXES):
            raise UnsafeZip(f"{key!r} is an archive inside the archive; put its files in the bundle directly.")
        if info.file_size > limits.max_member_bytes:
            raise UnsafeZip(f"{key!r} is {info.file_size / 1e6:.0f} MB uncompressed, over the limit.")
        if info.file_size > 1 << 20 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeZip(
                f"{key!r} expands {info.file_size / max(info.compress_size, 1):.0f}-fold: it looks "
                "like a zip bomb and was not opened."
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise UnsafeZip(
                f"The files expand to over {limits.max_total_bytes / 1e6:.0f} MB; bundle only the run's files."
            )
        out.files[key] = _read_member(zf, info, key, limits)
    return out


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, limits: ZipLimits) -> bytes:
    cap = min(info.file_size, limits.max_member_bytes)
    try:
        with zf.open(info) as fh:
            body = fh.read(cap + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error, lzma.LZMAError) as exc:
        # zlib.error / LZMAError: a corrupt compressed stream (not subclasses of OSError or ValueError).
        raise UnsafeZip(f"{key!r} cannot be read ({exc}); the zip is damaged. Zip it again.") from None
    if len(body) > cap:
        raise UnsafeZip(f"{key!r} holds more data than its header says; the zip was tampered with.")
    if body[:4] in ARCHIVE_MAGICS or body[:3] in ARCHIVE_MAGICS or body[:2] == b"\x1f\x8b":
        raise UnsafeZip(f"{key!r} is an archive inside the archive; put its files in the bundle directly.")
    return body


class BadJson(ValueError):
    """A JSON file is unreadable, too big, too deep or holds NaN/Infinity."""


def _depth(obj: Any, limit: int) -> int:
    stack = [(obj, 1)]
    deepest = 0
    while stack:
        cur, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(cur, dict):
            stack.extend((v, d + 1) for v in cur.values())
        elif isinstance(cur, list):
            stack.extend((v, d + 1) for v in cur)
    return deepest


def _no_constants(name: str) -> Any:
    raise BadJson(f"holds {name}, which is not a number; energies must be finite")


def load_json(name: str, body: bytes, limits: ZipLimits = ZipLimits()) -> Any:
    """Parse JSON from an upload with size, depth and NaN checks; raise BadJson with the reason."""
    if len(body) > limits.max_json_bytes:
        raise BadJson(
            f"{name} is {len(body) / 1e6:.1f} MB, over the {limits.max_json_bytes / 1e6:.0f} MB limit for JSON"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson(f"{name} is not UTF-8 text") from None
    try:
        obj = json.loads(text, parse_constant=_no_constants)
    except BadJson as exc:
        raise BadJson(f"{name} {exc}") from None
    except RecursionError:
        raise BadJson(f"{name} is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadJson(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if _depth(obj, limits.max_json_depth) > limits.max_json_depth:
        raise BadJson(f"{name} is nested deeper than {limits.max_json_depth} levels")
    return obj
