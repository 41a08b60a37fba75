"""--pin-cpu: which core the inference thread runs on, and that the thread's affinity is restored."""

from __future__ import annotations

import os
import threading

import pytest

from runner.cli import main
from runner.errors import RunnerError
from runner.host import allowed_cores, choose_core, pinned

needs_affinity = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this platform")


@needs_affinity
def test_choose_core() -> None:
    cores = allowed_cores()
    assert choose_core("off") is None
    assert choose_core("auto") == (cores[-1] if len(cores) > 1 else None)
    assert choose_core(str(cores[0])) == cores[0]
    with pytest.raises(RunnerError, match="auto, off or a CPU core number"):
        choose_core("fast")
    with pytest.raises(RunnerError, match=r"may use cores .* Pick one of them"):
        choose_core(str(max(cores) + 1000))


@needs_affinity
def test_pinned_moves_only_the_calling_thread_and_restores_it() -> None:
    before = os.sched_getaffinity(0)
    core = min(before)
    other: list[set[int]] = []
    with pinned(core):
        assert os.sched_getaffinity(0) == {core}
        # Another thread started elsewhere keeps its own affinity (CUDA's and NVML's threads).
        t = threading.Thread(target=lambda: other.append(os.sched_getaffinity(0)))
        t.start()
        t.join()
    assert os.sched_getaffinity(0) == before
    with pytest.raises(ValueError), pinned(core):
        raise ValueError("a failing pass")
    assert os.sched_getaffinity(0) == before
    assert other and core in other[0]
    with pinned(None):
        assert os.sched_getaffinity(0) == before


def test_bad_pin_is_a_usage_error(tmp_path: os.PathLike[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--task", "text_classification", "--model", str(tmp_path), "--out", str(tmp_path), "--pin-cpu", "fast"])
    assert code == 2
    assert "--pin-cpu takes auto, off or a CPU core number" in capsys.readouterr().err
