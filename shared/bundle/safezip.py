"""Reading an untrusted zip lazily and strict JSON, refusing every known trick.

Nothing is extracted to disk: members are read one at a time with a hard cap on bytes, so a header
that lies about its size cannot exhaust memory, and hashing streams in chunks. Every refusal is a plain
sentence saying what to do.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
import stat
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
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


CHUNK_BYTES = 1 << 20  # members are hashed in pieces of this size, never held whole


class ZipArchive(Mapping[str, bytes]):
    """An untrusted zip whose headers were all checked, read lazily: path -> bytes on demand.

    Opening checks every entry (names, links, encryption, duplicates, nested archives, sizes, ratio)
    without reading any body. `archive[name]` reads one member (capped), `digest(name)` hashes one in
    chunks, so validating a bundle holds at most one small file at a time, not the whole upload.
    """

    def __init__(self, source: bytes | Path, limits: ZipLimits = ZipLimits()) -> None:
        self._limits = limits
        self._zf = _open_zipfile(source, limits)
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._digests: dict[str, tuple[int, str]] = {}
        try:
            self._check_entries(self._zf.infolist())
        except BaseException:
            self._zf.close()
            raise

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self._limits
        if len(infos) > limits.max_files:
            raise UnsafeZip(
                f"The zip holds {len(infos)} entries, over the limit of {limits.max_files}. "
                "Bundle only the run's files."
            )
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
            if key in self._infos:
                raise UnsafeZip(f"The zip holds {key!r} twice; each file may appear once.")
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
            self._infos[key] = info

    def __getitem__(self, name: str) -> bytes:
        info = self._infos[name]
        parts = list(self._chunks(name, info))
        return b"".join(parts)

    def __iter__(self) -> Iterator[str]:
        return iter(self._infos)

    def __contains__(self, name: object) -> bool:
        # Mapping's default would read the member to answer; a lookup must not inflate a 100 MB log.
        return name in self._infos

    def __len__(self) -> int:
        return len(self._infos)

    def size(self, name: str) -> int:
        """Uncompressed size of a member as its header states it."""
        return self._infos[name].file_size

    def digest(self, name: str) -> tuple[int, str]:
        """(size in bytes, hex sha256) of a member, read in chunks once; UnsafeZip if it cannot be read."""
        if name not in self._digests:
            h = hashlib.sha256()
            size = 0
            for chunk in self._chunks(name, self._infos[name]):
                h.update(chunk)
                size += len(chunk)
            self._digests[name] = (size, h.hexdigest())
        return self._digests[name]

    def verify(self) -> None:
        """Read every member once (hashing it for `digest`), so that a damaged member, one holding more
        than its header says or an archive in disguise is refused even if no check reads it."""
        for name in self._infos:
            self.digest(name)

    def _chunks(self, key: str, info: zipfile.ZipInfo) -> Iterator[bytes]:
        cap = min(info.file_size, self._limits.max_member_bytes)
        seen = 0
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(min(CHUNK_BYTES, cap + 1 - seen))
                    if not chunk:
                        break
                    if seen == 0 and _is_archive(chunk):
                        raise UnsafeZip(
                            f"{key!r} is an archive inside the archive; put its files in the bundle directly."
                        )
                    seen += len(chunk)
                    if seen > cap:
                        raise UnsafeZip(f"{key!r} holds more data than its header says; the zip was tampered with.")
                    yield chunk
        except UnsafeZip:
            raise
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
            zlib.error,
            lzma.LZMAError,
        ) as exc:
            # zlib.error / LZMAError: a corrupt compressed stream (not subclasses of OSError or ValueError).
            raise UnsafeZip(f"{key!r} cannot be read ({exc}); the zip is damaged. Zip it again.") from None

    def close(self) -> None:
        """Close the underlying file."""
        self._zf.close()


def _is_archive(head: bytes) -> bool:
    return head[:4] in ARCHIVE_MAGICS or head[:3] in ARCHIVE_MAGICS or head[:2] == b"\x1f\x8b"


def _open_zipfile(source: bytes | Path, limits: ZipLimits) -> zipfile.ZipFile:
    if isinstance(source, bytes):
        size, head = len(source), source[:2]
    else:
        size = source.stat().st_size
        with source.open("rb") as fh:
            head = fh.read(2)
    if size > limits.max_zip_bytes:
        raise UnsafeZip(
            f"The upload is {size / 1e6:.1f} MB, over the {limits.max_zip_bytes / 1e6:.0f} MB "
            "limit. Leave model weights and datasets out of the bundle."
        )
    if head != b"PK":
        raise UnsafeZip("This is not a .zip file. Upload the bundle made by `python -m runner bundle`.")
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except UnicodeDecodeError:
        # A name flagged as UTF-8 whose bytes are not UTF-8: say so rather than "damaged".
        raise UnsafeZip(
            "A file name in the zip is not valid UTF-8. Rename it with plain letters and zip again."
        ) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise UnsafeZip(f"The zip file is damaged or truncated ({exc}). Create it again and re-upload.") from None


def read_zip(data: bytes, limits: ZipLimits = ZipLimits()) -> ZipContents:
    """Read every member of the zip `data` into memory, or raise UnsafeZip with the reason.

    For small zips and tests; validation uses ZipArchive, which reads members one at a time.
    """
    archive = ZipArchive(data, limits)
    try:
        return ZipContents({name: archive[name] for name in archive})
    finally:
        archive.close()


# Longest integer literal accepted in a JSON file. NVML counters are 64-bit (20 digits); anything
# longer is an attack on int() (Python refuses over 4,300 digits) or an edit, never a reading.
MAX_INT_DIGITS = 24


class BadJson(ValueError):
    """A JSON file is unreadable, too big, too deep, ambiguous or holds a number no reading can be.

    Attributes:
        code: The problem code validation reports ("bad_json", "duplicate_key", "number_too_large").
    """

    def __init__(self, message: str, code: str = "bad_json") -> None:
        super().__init__(message)
        self.code = code


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


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one key: json keeps the last, another reader the first, so the file means two
    # different things to two programs. Refuse rather than pick one.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BadJson(f"holds the key {key[:60]!r} twice in one object", "duplicate_key")
        out[key] = value
    return out


def _strict_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadJson(
            f"holds an integer of {len(text.lstrip('-')):,} digits; no reading has more than {MAX_INT_DIGITS}",
            "number_too_large",
        )
    return int(text)


def _strict_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise BadJson(f"holds the number {text[:40]}, too large for a 64-bit float", "number_too_large")
    return value


def load_json(name: str, body: bytes, limits: ZipLimits = ZipLimits()) -> Any:
    """Parse JSON from an upload strictly; raise BadJson (with its `code`) saying what is wrong.

    Refused: over `max_json_bytes`, not UTF-8, not JSON, NaN/Infinity, deeper than `max_json_depth`,
    a key twice in one object, an integer over MAX_INT_DIGITS digits, a float that overflows.
    """
    if len(body) > limits.max_json_bytes:
        raise BadJson(
            f"{name} is {len(body) / 1e6:.1f} MB, over the {limits.max_json_bytes / 1e6:.0f} MB limit for JSON"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson(f"{name} is not UTF-8 text") from None
    try:
        obj = json.loads(
            text,
            parse_constant=_no_constants,
            object_pairs_hook=_unique_keys,
            parse_int=_strict_int,
            parse_float=_strict_float,
        )
    except BadJson as exc:
        raise BadJson(f"{name} {exc}", exc.code) from None
    except RecursionError:
        raise BadJson(f"{name} is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise BadJson(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:  # any other number the parser cannot build
        raise BadJson(f"{name} holds a number that cannot be read ({exc})", "number_too_large") from None
    if _depth(obj, limits.max_json_depth) > limits.max_json_depth:
        raise BadJson(f"{name} is nested deeper than {limits.max_json_depth} levels")
    return obj
