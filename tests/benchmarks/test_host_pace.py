"""benchmarks/host_pace.py on the session-10 H200 call shipped in benchmarks/sessions: every prompt of a pass falls
in one window, the windows line up with the host monitor's log, and the report names what moved."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.host_pace import read_cpu, read_gpu, report, windows

CALL = Path(__file__).resolve().parents[2] / "benchmarks" / "sessions" / "2026-12-03-h200-s10" / "call2"


def test_the_windows_cover_the_pass_and_see_the_gpu_log_beside_it() -> None:
    rec = json.loads((CALL / "runs" / "01_reference_ref_1000.json").read_text())
    gpu, cpu = read_gpu(CALL / "host" / "gpu.csv"), read_cpu(CALL / "host" / "cpu.txt")
    ws = windows(rec, gpu, cpu, 50)
    assert [w.first_prompt for w in ws] == list(range(0, 1000, 50))
    times = np.asarray(rec["pass_times_ms"])
    assert ws[3].median_ms == pytest.approx(float(np.median(times[150:200])))
    # The monitor ran during the pass: every window has GPU and CPU samples (a misaligned clock gives NaN).
    assert all(np.isfinite([w.sm_clock_mhz, w.power_w, w.cpu_busy_pct, w.steal_pct]).all() for w in ws)
    # A busy GPU draws more than an idle one: power rises with utilisation across the windows.
    assert np.corrcoef([w.gpu_util_pct for w in ws], [w.power_w for w in ws])[0, 1] > 0.8


def test_the_cpu_counters_are_shares_of_the_machines_time() -> None:
    cpu = read_cpu(CALL / "host" / "cpu.txt")
    assert len(cpu) > 100
    assert ((cpu[:, 2] >= 0) & (cpu[:, 2] <= 100)).all() and ((cpu[:, 3] >= 0) & (cpu[:, 3] <= 100)).all()
    assert (np.diff(cpu[:, 0]) > 0).all()


def test_the_report_has_a_section_per_run_record_and_skips_other_json() -> None:
    text = report(CALL)
    assert text.count("### ") == 3  # the reference alone and one pair; table.md and the monitor files are no runs
    assert "runs/01_reference_ref_1000.json: reference, 1000 prompts" in text
    assert "pace ranged" in text
