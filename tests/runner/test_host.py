"""--pin-cpu: which core the inference thread runs on, and that the thread's affinity is restored;
the host's CPU, cores and load recorded in environment.json."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from runner.cli import main
from runner.errors import RunnerError
from runner.host import allowed_cores, choose_core, cpu_model, host_snapshot, pinned
from shared.bundle.schema import ENVIRONMENT_FILE
from tests.runner.helpers import dry_run_cli

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
    code = main(
        ["run", "--task", "text_classification", "--model", str(tmp_path), "--out", str(tmp_path), "--pin-cpu", "fast"]
    )
    assert code == 2
    assert "--pin-cpu takes auto, off or a CPU core number" in capsys.readouterr().err


def test_cpu_model_reads_the_first_model_name(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text(
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n\n"
        "processor\t: 1\nmodel name\t: something else\n"
    )
    assert cpu_model(info) == "Intel(R) Xeon(R) Platinum 8480+"
    info.write_text("processor\t: 0\nmodel name\t:\n")  # present but empty: fall back, never ""
    assert cpu_model(info) != ""
    assert cpu_model(tmp_path / "missing") != ""  # no /proc: the platform's string, or None


def test_host_snapshot_counts_the_usable_cores() -> None:
    snap = host_snapshot()
    assert snap.cpus == len(allowed_cores()) >= 1
    if hasattr(os, "getloadavg"):
        assert snap.load_1min is not None and snap.load_1min >= 0


def test_environment_records_the_host(tiny_models: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert dry_run_cli(tiny_models, out, extra=["--steady-warmup-s", "0"]) == 0
    env = json.loads((out / ENVIRONMENT_FILE).read_text())
    assert env["host_cpus"] == len(allowed_cores())
    assert env["host_cpu_model"] == cpu_model()
    if hasattr(os, "getloadavg"):
        assert env["host_load_1min_start"] >= 0 and env["host_load_1min_end"] >= 0
