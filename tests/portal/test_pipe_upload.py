"""`python -m submission_portal validate` on a named pipe used to block forever in open()."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from submission_portal import service


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    pipe = tmp_path / "bundle.zip"
    os.mkfifo(pipe)
    data, problem = service.read_upload(pipe)
    assert data is None and "not a regular file" in problem


def test_a_folder_is_refused(tmp_path: Path) -> None:
    data, problem = service.read_upload(tmp_path)
    assert data is None and "not a regular file" in problem
