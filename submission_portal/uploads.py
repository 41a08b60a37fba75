"""Uploaded files: only those the app received are ever read, and each is removed once used.

Two holes of gradio 6 that the portal closes here, for the portal alone and mounted in the suite:

- Server paths as input. An event input is a FileData whose `path` the client writes. Gradio checks
  that it names a file in its upload folder only for an app it launched itself (`has_launched`):
  `gr.mount_gradio_app` never sets it, so in the suite (app.py) any server file, say a `.zip` of
  another process, was copied into the cache and validated, and the reply told whether it existed.
  `harden` turns gradio's own check on for a mounted app too, and its file inputs check again.
- Leftovers. `gr.File(type="filepath")` opens an empty temporary file in the upload folder on every
  event that reads it and never deletes it; and the upload's folder stays behind after its file is
  deleted. `discard` removes the upload and its folder; the file input no longer makes empty files.
"""

from __future__ import annotations

import logging
import os
import stat
import types
from pathlib import Path
from typing import Any

import gradio as gr
import gradio_client.utils as client_utils
from gradio.data_classes import FileData
from gradio.utils import NamedString, get_upload_folder

log = logging.getLogger(__name__)

# One message whatever the path was: a reply must not tell whether a server path exists.
NOT_AN_UPLOAD = "Upload the bundle .zip with the upload box; only files uploaded to this page are read."


def upload_folder() -> Path:
    """Gradio's upload folder (GRADIO_TEMP_DIR, or <tmp>/gradio), resolved."""
    return Path(get_upload_folder()).resolve()


def is_upload(path: str | Path | None) -> bool:
    """True when `path` is a regular file (not a link) inside gradio's upload folder."""
    if not path:
        return False
    try:
        raw = Path(os.path.abspath(str(path)))
        # A link could point anywhere: refuse it outright rather than follow it.
        if stat.S_ISLNK(raw.lstat().st_mode) or not raw.is_file():
            return False
        return raw.resolve().is_relative_to(upload_folder()) and raw.resolve() != upload_folder()
    except (OSError, ValueError):
        return False


def discard(path: str | Path | None) -> None:
    """Delete an upload and its folder once used (never anything outside the upload folder)."""
    if not path or not is_upload(path):
        return
    file = Path(os.path.abspath(str(path)))
    try:
        file.unlink()
    except OSError:
        log.warning("could not delete the upload %s", file.name)
        return
    folder = file.parent
    # Gradio stores each upload in a folder of its own (named by its sha256): remove it once empty.
    if folder.resolve() != upload_folder() and folder.resolve().is_relative_to(upload_folder()):
        try:
            folder.rmdir()
        except OSError:
            pass  # another upload of the same content is still in it


def _only_uploads(component: gr.File, payload: FileData) -> NamedString | bytes:
    """`gr.File._process_single_file` without its leaked temporary file, for uploads only."""
    if not is_upload(payload.path):
        raise gr.Error(NOT_AN_UPLOAD)
    if component.type != "filepath":
        return gr.File._process_single_file(component, payload)
    if component.file_types and not client_utils.is_valid_file(payload.path, component.file_types):
        raise gr.Error(f"Invalid file type. Please upload a file that is one of these formats: {component.file_types}")
    return NamedString(payload.path)


def harden(blocks: gr.Blocks) -> gr.Blocks:
    """Make every file input of `blocks` accept only files uploaded to this app, mounted or not.

    Returns `blocks`, so it can wrap a builder's result.
    """
    # Gradio refuses input files outside its upload folder only once `has_launched` is set; launch()
    # sets it, gr.mount_gradio_app does not. It gates nothing else in gradio 6.
    blocks.has_launched = True
    for block in blocks.blocks.values():
        if isinstance(block, gr.File):
            # Bound on the instance: the component stays a plain gr.File for the browser and the API.
            block._process_single_file = types.MethodType(_only_uploads, block)  # type: ignore[method-assign]
    return blocks


def is_hardened(blocks: Any) -> bool:
    """True when `harden` was applied to `blocks` (for tests)."""
    files = [b for b in blocks.blocks.values() if isinstance(b, gr.File)]
    methods = [getattr(b, "_process_single_file", None) for b in files]
    return bool(getattr(blocks, "has_launched", False)) and all(
        isinstance(m, types.MethodType) and m.__func__ is _only_uploads for m in methods
    )
