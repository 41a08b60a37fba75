"""What a result is attached to: the model id, its dtype and the free-text fields around them.

A rating is looked up by model id, so an id must be exactly what the Hugging Face Hub accepts: ASCII
from the Hub's character set, so that a Cyrillic "е" in "mеta-llama", a zero-width space or a
right-to-left override cannot make one model look like another on the leaderboard. Free text gets
length caps so that a 5 MB string cannot ride along into the store and every page that shows it.
Both formats (ours and the reference runner's) use these functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from shared.bundle.problems import Problem

# The Hub's rules: one optional namespace, each part [A-Za-z0-9._-], at most 96 characters, not
# starting or ending with "-" or ".", no "--" or "..".
HUB_PART_MAX = 96
_PART = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# torch dtypes ("bfloat16", "torch.float16", "float8_e4m3fn") and "auto".
DTYPE = re.compile(r"(?:torch\.)?[a-z][a-z0-9_]{0,31}")
MAX_TEXT_CHARS = 1000  # any string of report or environment (paths, versions, failure reasons)
MAX_TEXT_REPORTED = 3  # strings over the cap named in one finding


def _char_name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def model_id_problem(model_id: object) -> str | None:
    """Why `model_id` is not a valid Hub model id ("provider/name"), or None when it is."""
    if not isinstance(model_id, str):
        return f"the model id must be a string like 'provider/name', not a JSON {type(model_id).__name__}"
    if not model_id:
        return "the model id is empty"
    odd = next((ch for ch in model_id if not (ch.isascii() and (ch.isalnum() or ch in "._-/"))), None)
    if odd is not None:
        return (
            f"the model id {model_id[:100]!r} holds {_char_name(odd)}; Hub ids use only ASCII letters, "
            "digits, '.', '_', '-' and one '/', so a look-alike or invisible character could pass for another model"
        )
    parts = model_id.split("/")
    if len(parts) > 2:
        return f"the model id {model_id[:100]!r} has {len(parts) - 1} '/'; a Hub id is 'provider/name'"
    for part in parts:
        if len(part) > HUB_PART_MAX:
            return f"a part of the model id is {len(part)} characters long; the Hub allows {HUB_PART_MAX}"
        if not _PART.fullmatch(part) or "--" in part or ".." in part:
            return (
                f"the model id {model_id[:100]!r} is not a Hub id: each part must start and end with a letter "
                "or digit and hold no '--' or '..'"
            )
    return None


def dtype_problem(dtype: object) -> str | None:
    """Why `dtype` is not a torch dtype name, or None when it is."""
    if not isinstance(dtype, str):
        return f"the dtype must be a name such as 'bfloat16', not a JSON {type(dtype).__name__}"
    if not DTYPE.fullmatch(dtype):
        return (
            f"the dtype {dtype[:40]!r}{'...' if len(dtype) > 40 else ''} ({len(dtype):,} characters) "
            "is not a torch dtype name"
        )
    return None


def long_strings(obj: Any, where: str, limit: int = MAX_TEXT_CHARS) -> Iterator[tuple[str, int]]:
    """(path, length) of every string (key or value) in a JSON document longer than `limit`."""
    stack: list[tuple[Any, str]] = [(obj, where)]
    while stack:
        cur, path = stack.pop()
        if isinstance(cur, str):
            if len(cur) > limit:
                yield path, len(cur)
        elif isinstance(cur, dict):
            for k, v in cur.items():
                if len(k) > limit:
                    yield f"{path} (a key)", len(k)
                stack.append((v, f"{path}.{k[:40]}"))
        elif isinstance(cur, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(cur))


def text_caps(obj: Any, name: str) -> Iterator[Problem]:
    """One `text_too_long` finding when strings of the document `name` exceed MAX_TEXT_CHARS."""
    found = sorted(long_strings(obj, name))
    if found:
        shown = "; ".join(f"{p} ({n:,} characters)" for p, n in found[:MAX_TEXT_REPORTED])
        more = f" and {len(found) - MAX_TEXT_REPORTED} more" if len(found) > MAX_TEXT_REPORTED else ""
        yield Problem(
            "text_too_long",
            f"{name} holds text over the {MAX_TEXT_CHARS:,}-character cap: {shown}{more}. "
            "Shorten it; bundle logs as files under logs/ instead.",
            name,
        )
