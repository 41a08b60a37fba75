"""The endpoint backend against a real OpenAI-compatible server: `transformers serve` on the CPU with a
tiny random-weight Llama (tests/runner/tiny_configs.py). One server for the module; skipped where
transformers' serving extras (fastapi, uvicorn, openai, accelerate) are not installed.

Starting the server imports torch and transformers (about 10 s on an idle 2-core machine, several
times that on a loaded one): the start gets a generous limit, the requests themselves take < 1 s.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from runner.endpoint.client import EndpointClient
from tests.runner.tiny_configs import TINY

START_LIMIT_S = 240.0
# transformers serve takes engine knobs as a GenerationConfig JSON: a fixed 10 new tokens, greedy.
FIXED_LENGTH = {"generation_config": json.dumps({"min_new_tokens": 10, "max_new_tokens": 10, "do_sample": False})}


def _serve_available() -> bool:
    try:
        import accelerate  # noqa: F401 - transformers serve loads with a device map
        from transformers.utils.import_utils import is_serve_available
    except ImportError:
        return False
    return bool(is_serve_available())


pytestmark = pytest.mark.skipif(not _serve_available(), reason="transformers serve extras not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    """(base URL, model folder, server PID) of `transformers serve` running a tiny Llama on the CPU."""
    from runner.replica import build_replica

    root = tmp_path_factory.mktemp("serve")
    cfg = root / "cfg.json"
    cfg.write_text(json.dumps(TINY["text_generation"]))
    model = build_replica(cfg, root / "tiny-llama", "text_generation", "test/tiny-llama")
    (root / "hub").mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(root / "hub"), "CUDA_VISIBLE_DEVICES": ""}
    port = _free_port()
    log = (root / "serve.log").open("wb")
    cmd = [sys.executable, "-m", "transformers.cli.transformers", "serve", str(model), "--device", "cpu"]
    proc = subprocess.Popen([*cmd, "--port", str(port), "--host", "127.0.0.1"], stdout=log, stderr=log, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_LIMIT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"transformers serve exited ({proc.returncode}): {(root / 'serve.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"transformers serve did not start in {START_LIMIT_S:.0f} s")
            time.sleep(0.5)
        yield url, model, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_real_server_streams_usage_and_first_token(served: tuple[str, Path, int]) -> None:
    url, model, _ = served
    client = EndpointClient(url, model=str(model), timeout_s=60, extra_body=FIXED_LENGTH)
    out = client.complete("the quick brown fox", 10)
    one = client.complete("the quick brown fox", 1)
    client.close()
    assert out.output_tokens == 10 and out.input_tokens is not None and out.input_tokens > 0
    assert out.prefill_s is not None and 0 < out.prefill_s <= out.latency_s
    assert one.output_tokens == 1
    assert out.server_header == "uvicorn" and out.model is not None and str(model) in out.model


def test_real_server_refuses_an_unknown_field_with_a_clear_error(served: tuple[str, Path, int]) -> None:
    from runner.endpoint.client import EndpointError

    url, model, _ = served
    client = EndpointClient(url, model=str(model), timeout_s=60, extra_body={"ignore_eos": True})
    with pytest.raises(EndpointError, match=r"HTTP 422.*--endpoint-extra-body"):
        client.complete("hello", 10)
    client.close()


def test_dry_run_through_transformers_serve(served: tuple[str, Path, int], tmp_path: Path) -> None:
    """The whole pipeline (simulated meter) against the real server: a complete report with the server's
    identity, usage-counted tokens and performance figures."""
    from runner.cli import main
    from shared.bundle.schema import ENVIRONMENT_FILE, REPORT_FILE, Environment, RunReport

    url, model, pid = served
    out = tmp_path / "run"
    args = ["run", "--task", "text_generation", "--model", str(model), "--out", str(out), "--samples", "3"]
    args += ["--repetitions", "2", "--warmup-samples", "1", "--dry-run", "--no-progress", "--backend", "endpoint"]
    args += ["--endpoint", url, "--served-model", str(model), "--server-pid", str(pid), "--endpoint-timeout", "60"]
    args += ["--endpoint-extra-body", FIXED_LENGTH_ARG]
    assert main(args) == 0
    report = RunReport.model_validate_json((out / REPORT_FILE).read_text())
    env = Environment.model_validate_json((out / ENVIRONMENT_FILE).read_text())
    assert report.status == "complete" and report.config["backend"] == "endpoint"
    assert env.server is not None and env.server.server_header == "uvicorn"
    assert report.performance is not None and report.performance.figures.output_tokens == 2 * 3 * 10
    assert report.performance.figures.ttft_p50_s is not None


FIXED_LENGTH_ARG = json.dumps(FIXED_LENGTH)
