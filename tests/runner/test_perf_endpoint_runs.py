"""Whole dry runs with performance figures: the runner's own model (HF generate) and the endpoint
backend against the stub server (tests/runner/endpoint_stub.py), its failures ending incomplete."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from runner.cli import main
from shared.bundle.perf_checks import pass_figures, run_figures
from shared.bundle.schema import ENERGY_WH_FILE, ENVIRONMENT_FILE, REPORT_FILE, Environment, RunReport
from shared.bundle.validate import validate_bundle
from tests.runner import endpoint_stub as stub
from tests.runner.tiny_configs import TINY

SAMPLES = 3
# Problems this work could cause (the dry run is refused for the simulated meter and the sample count only).
PERF_CODES = {"bad_performance", "altered_performance", "bad_dtype", "log_mismatch", "contaminated", "schema"}
REPETITIONS = 2


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight Llama replica (weights written, so a server could load it too)."""
    from runner.replica import build_replica

    root = tmp_path_factory.mktemp("perf_llama")
    cfg = root / "cfg.json"
    cfg.write_text(json.dumps(TINY["text_generation"]))
    return build_replica(cfg, root / "tiny-llama", "text_generation", "test/tiny-llama")


def _run(model: Path, out: Path, *extra: str) -> int:
    args = ["run", "--task", "text_generation", "--model", str(model), "--out", str(out)]
    args += ["--samples", str(SAMPLES), "--repetitions", str(REPETITIONS), "--warmup-samples", "1"]
    return main([*args, "--dry-run", "--no-progress", *extra])


def _read(out: Path) -> tuple[RunReport, Environment]:
    report = RunReport.model_validate_json((out / REPORT_FILE).read_text())
    env = Environment.model_validate_json((out / ENVIRONMENT_FILE).read_text())
    return report, env


def _checks(report: RunReport, env: Environment) -> list[str]:
    return [p.message for p in [*pass_figures(report), *run_figures(report, env, "generate")]]


def test_dry_run_records_performance_beside_energy(tiny_llama: Path, tmp_path: Path) -> None:
    out, zip_path = tmp_path / "run", tmp_path / "run.zip"
    assert _run(tiny_llama, out) == 0
    report, env = _read(out)
    perf = report.performance
    assert perf is not None and perf.backend == "transformers" and perf.passes == REPETITIONS
    f = perf.figures
    assert f.queries == SAMPLES * REPETITIONS and f.output_tokens == SAMPLES * REPETITIONS * 10
    assert f.ttft_p50_s is not None and f.ttft_p50_s <= f.latency_p50_s
    assert f.energy_per_output_token_wh is not None and f.output_tokens_per_j is not None
    assert perf.peak_memory_allocated_bytes is None and perf.peak_memory_used_mib is None  # CPU, simulated meter
    phase = report.repetitions[0].phases[0]
    assert phase.performance is not None and len(phase.performance.queries.latency_s) == SAMPLES
    assert report.config["backend"] == "transformers" and env.server is None
    assert _checks(report, env) == []
    assert "performance:" in (out / "logs" / "run.log").read_text()
    assert main(["bundle", str(out), "-o", str(zip_path)]) == 0
    codes = {p.code for p in validate_bundle(zip_path, short_workload_ok=True).problems}
    assert "simulated_meter" in codes and not codes & PERF_CODES
    raw = json.loads(zipfile.ZipFile(zip_path).read(REPORT_FILE))
    assert raw["performance"]["figures"]["throughput_queries_per_s"] > 0


def test_two_pass_prefill_passes_have_figures_but_are_not_pooled(tiny_llama: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert _run(tiny_llama, out, "--phase-split", "two-pass") == 0
    report, env = _read(out)
    prefill = report.repetitions[0].phases[1]
    assert prefill.name == "prefill_pass" and prefill.performance is not None
    assert prefill.performance.figures.output_tokens == SAMPLES
    assert report.performance is not None and report.performance.passes == REPETITIONS
    assert _checks(report, env) == []


def test_endpoint_dry_run_records_the_server_and_its_figures(tiny_llama: Path, tmp_path: Path) -> None:
    out, zip_path = tmp_path / "run", tmp_path / "run.zip"
    with stub.stub_server() as (url, st):
        rc = _run(tiny_llama, out, "--backend", "endpoint", "--endpoint", url)
    assert rc == 0
    report, env = _read(out)
    assert report.config["backend"] == "endpoint"
    assert report.config["endpoint"]["url"] == url and report.config["endpoint"]["concurrency"] == 1
    assert env.server is not None and env.server.software == "stubllm 9.9.9"
    assert env.server.gpu_check == "not_checked_dry_run" and env.server.reported_model == "stub/model"
    perf = report.performance
    assert perf is not None and perf.backend == "endpoint" and perf.figures.concurrency == 1
    assert perf.figures.output_tokens == SAMPLES * REPETITIONS * 10 and perf.peak_memory_allocated_bytes is None
    phase = report.repetitions[0].phases[0]
    assert phase.input_tokens == SAMPLES * 5  # from the server's usage
    assert all(r["stream"] for r in st.requests)
    assert _checks(report, env) == []
    assert main(["bundle", str(out), "-o", str(zip_path)]) == 0
    # A short workload is a warning here, so the checks behind the counters' gate run too.
    check = validate_bundle(zip_path, short_workload_ok=True)
    codes = {p.code for p in check.problems}
    assert "simulated_meter" in codes and not codes & (PERF_CODES | {"not_batch_1"})
    assert "endpoint_backend" in {w.code for w in check.warnings}


def test_concurrent_requests_are_recorded_and_refused_for_rating(tiny_llama: Path, tmp_path: Path) -> None:
    out, zip_path = tmp_path / "run", tmp_path / "run.zip"
    with stub.stub_server(stub.StubState(token_delay_s=0.002)) as (url, _):
        rc = _run(tiny_llama, out, "--backend", "endpoint", "--endpoint", url, "--concurrency", "3")
    assert rc == 0
    report, env = _read(out)
    assert report.performance is not None and report.performance.figures.concurrency == 3
    assert _checks(report, env) == []
    assert main(["bundle", str(out), "-o", str(zip_path)]) == 0
    assert "not_batch_1" in {p.code for p in validate_bundle(zip_path).problems}


@pytest.mark.parametrize(("mode", "words"), [(stub.HTTP_500, "HTTP 500"), (stub.IGNORE_MAX_TOKENS, "max_tokens")])
def test_a_failing_server_gives_an_incomplete_run_never_a_number(
    tiny_llama: Path, tmp_path: Path, mode: str, words: str
) -> None:
    out = tmp_path / "run"
    # The load probe and the warm-up are answered; the server fails in the measured pass.
    with stub.stub_server(stub.StubState(mode=mode, fail_after=4)) as (url, _):
        rc = _run(tiny_llama, out, "--backend", "endpoint", "--endpoint", url, "--steady-warmup-s", "0")
    assert rc == 1
    report, _ = _read(out)
    assert report.status == "incomplete" and report.failure is not None and words in report.failure
    assert report.summary is None and not (out / ENERGY_WH_FILE).exists()


def test_an_unreachable_server_fails_before_measuring(tiny_llama: Path, tmp_path: Path) -> None:
    with stub.stub_server() as (url, _):
        pass
    out = tmp_path / "run"
    rc = _run(tiny_llama, out, "--backend", "endpoint", "--endpoint", url)
    assert rc == 1
    report, _ = _read(out)
    assert report.status == "incomplete" and "Cannot connect" in (report.failure or "")
    assert report.repetitions == []


def test_endpoint_options_need_the_endpoint_backend(tiny_llama: Path, tmp_path: Path) -> None:
    assert _run(tiny_llama, tmp_path / "run", "--endpoint", "http://127.0.0.1:9") == 2
