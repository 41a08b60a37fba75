"""The endpoint backend against a stub server (tests/runner/endpoint_stub.py): streams, token counts,
time to first token, the server's identity, the GPU check, and every failure as one clear error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from runner.endpoint.client import EndpointClient, EndpointError, base_url, public_url
from runner.endpoint.options import add_endpoint_arguments, options_from_args
from runner.endpoint.server import check_server_gpus, descendants, probe_identity, software_name
from runner.endpoint.workload import EndpointOptions, EndpointWorkload
from runner.environment import ProcessWatch
from runner.errors import RefusedRun, RunnerError
from runner.models import resolve_source
from runner.nvml_meter import GpuProcess
from runner.perf import QueryLog
from shared.bundle.endpoint_fields import GPU_CHECK_NVML_PID, GPU_CHECK_NVML_PROCESSES, GPU_CHECK_USER
from shared.method.tasks import get_task
from tests.runner import endpoint_stub as stub
from tests.runner.tiny_configs import TINY


def _client(url: str, **kw: object) -> EndpointClient:
    return EndpointClient(url, timeout_s=kw.pop("timeout_s", 2.0), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", ["completions", "chat"])
def test_stream_gives_tokens_from_usage_and_time_to_first_token(api: str) -> None:
    state = stub.StubState(token_delay_s=0.01)
    with stub.stub_server(state) as (url, st):
        out = _client(url, api=api, model="stub/model").complete("hello there", 10)
    assert out.output_tokens == 10 and out.input_tokens == 5
    assert out.prefill_s is not None and 0 < out.prefill_s < out.latency_s
    assert out.latency_s >= 0.09  # ten chunks 10 ms apart
    assert out.model == "stub/model" and out.server_header == "stub-engine/0.1"
    body = st.requests[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["max_tokens"] == 10 and body["temperature"] == 0 and body["model"] == "stub/model"
    assert ("messages" in body) == (api == "chat") and ("prompt" in body) == (api == "completions")


def test_tokens_that_decode_to_no_text_still_time_the_first_token() -> None:
    with stub.stub_server(stub.StubState(mode=stub.EMPTY_TEXT, token_delay_s=0.01)) as (url, _):
        out = _client(url).complete("hi", 5)
    assert out.output_tokens == 5 and out.text_chars == 0
    assert out.prefill_s is not None and out.prefill_s < out.latency_s


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        (stub.HTTP_500, ["HTTP 500", "illegal memory access"]),
        (stub.HTTP_401, ["HTTP 401", "--api-key-env"]),
        (stub.IGNORE_MAX_TOKENS, ["ignored max_tokens"]),
        (stub.OVERCOUNT, ["ignored max_tokens", "17 tokens"]),
        (stub.MALFORMED, ["malformed stream", "not JSON"]),
        (stub.NO_USAGE, ["no usage"]),
        (stub.ERROR_EVENT, ["error in the middle of the stream", "KV cache"]),
        (stub.DROP, ["failed"]),
    ],
)
def test_each_server_failure_is_one_clear_error(mode: str, words: list[str]) -> None:
    with stub.stub_server(stub.StubState(mode=mode)) as (url, _), pytest.raises(EndpointError) as err:
        _client(url).complete("hi", 10)
    for w in words:
        assert w in str(err.value), str(err.value)


def test_a_stalled_server_times_out_with_a_clear_error() -> None:
    with stub.stub_server(stub.StubState(mode=stub.STALL, stall_s=2.0)) as (url, _):
        with pytest.raises(EndpointError, match=r"did not answer within 0\.3 s.*--endpoint-timeout"):
            _client(url, timeout_s=0.3).complete("hi", 10)


def test_no_server_is_a_clear_error() -> None:
    with stub.stub_server() as (url, _):
        pass  # the port is closed again
    with pytest.raises(EndpointError, match="Cannot connect"):
        _client(url).complete("hi", 3)


def test_urls_are_normalised_and_recorded_without_credentials() -> None:
    assert base_url("http://host:8000/v1/") == "http://host:8000"
    assert public_url("https://user:secret@host:8443/base/v1?key=abc") == "https://host:8443/base"
    with pytest.raises(EndpointError, match="http"):
        base_url("localhost:8000")


def test_identity_from_models_version_and_header() -> None:
    with stub.stub_server() as (url, st):
        info = probe_identity(_client(url))
        st.models_status = 500
        failed = probe_identity(_client(url))
    assert info.models == ["stub/model"] and info.owned_by == "stubllm" and info.version == "9.9.9"
    assert info.server_header == "stub-engine/0.1"
    assert software_name(info, None) == "stubllm 9.9.9" and software_name(info, "vLLM 0.11") == "vLLM 0.11"
    assert failed.models is None and failed.models_error == "HTTP 500"


def _proc(pid: int) -> GpuProcess:
    return GpuProcess(gpu_index=0, pid=pid)


def test_gpu_check_refuses_gpus_without_the_server() -> None:
    with pytest.raises(RefusedRun, match="no process on GPU"):
        check_server_gpus([], [0], None, dry_run=False)
    with pytest.raises(RefusedRun, match="no such process"):
        check_server_gpus([_proc(5)], [0], 2**22 + 12345, dry_run=False)


def test_gpu_check_matches_the_server_pid_or_takes_the_listed_processes() -> None:
    import os

    me = os.getpid()
    assert me in descendants(os.getppid())
    own = check_server_gpus([_proc(me), _proc(7)], [0], os.getppid(), dry_run=False)
    assert own.check == GPU_CHECK_NVML_PID and own.pids == [me]
    listed = check_server_gpus([_proc(7)], [0], None, dry_run=False)
    assert listed.check == GPU_CHECK_NVML_PROCESSES and listed.pids == [7]
    confirmed = check_server_gpus([], [0], me, dry_run=False)
    assert confirmed.check == GPU_CHECK_USER and confirmed.pids == []
    watch = ProcessWatch(before=[_proc(7)], others={7: _proc(7)})
    from runner.endpoint.server import adopt_server

    adopt_server(watch, listed)
    assert not watch.contaminated and 7 in watch.own_pids


def test_options_refuse_endpoint_flags_without_the_backend() -> None:
    p = argparse.ArgumentParser()
    add_endpoint_arguments(p)
    assert options_from_args(p.parse_args([])) is None
    with pytest.raises(RunnerError, match="need --backend endpoint"):
        options_from_args(p.parse_args(["--endpoint", "http://x:1"]))
    with pytest.raises(RunnerError, match="needs --endpoint URL"):
        options_from_args(p.parse_args(["--backend", "endpoint"]))
    opts = options_from_args(p.parse_args(["--backend", "endpoint", "--endpoint", "http://x:1", "--concurrency", "2"]))
    assert opts is not None and opts.concurrency == 2


def _model_dir(tmp_path: Path) -> Path:
    d = tmp_path / "served"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({**TINY["text_generation"], "architectures": ["LlamaForCausalLM"]}))
    return d


def test_workload_sends_the_tasks_prompts_and_counts_short_answers(tmp_path: Path) -> None:
    task = get_task("text_generation")
    with stub.stub_server() as (url, st):
        wl = EndpointWorkload(task, resolve_source(str(_model_dir(tmp_path))), EndpointOptions(url=url))
        wl.load()
        assert wl.client.model == "stub/model" and wl.parameters > 0 and wl.reported_model == "stub/model"
        items = wl.preprocess([{"text": "a b c"}, {"text": "d e"}])
        log = QueryLog()
        timed = log.wrap(wl.run, lambda: None)
        outs = [timed(i) for i in items]
        prefill = wl.run_prefill(items[0])
        config, server = wl.records()
    assert [o.output_tokens for o in outs] == [10, 10] and prefill.output_tokens == 1
    assert [r["max_tokens"] for r in st.requests] == [1, 10, 10, 1]  # the load probe first
    timings = log.timings()
    assert timings.output_tokens == [10, 10] and timings.ttft_s is not None and len(timings.latency_s) == 2
    assert config.api == "completions" and config.concurrency == 1 and config.served_model == "stub/model"
    assert server.software == "stubllm 9.9.9" and server.reported_model == "stub/model"
    assert wl.short_responses == 0 and wl.dtype_str == "bfloat16"


def test_workload_runs_concurrent_requests_and_stops_at_the_first_failure(tmp_path: Path) -> None:
    task = get_task("text_generation")
    with stub.stub_server(stub.StubState(token_delay_s=0.005)) as (url, st):
        opts = EndpointOptions(url=url, concurrency=4, served_model="stub/model")
        wl = EndpointWorkload(task, resolve_source(str(_model_dir(tmp_path))), opts)
        items = wl.preprocess([{"text": f"t {i}"} for i in range(8)])
        done: list[int] = []
        wl.run_all(items, wl.run, lambda i, out: done.append(i))
        assert sorted(done) == list(range(8))
        st.mode, st.fail_after = stub.HTTP_500, len(st.requests) + 2
        with pytest.raises(EndpointError, match="HTTP 500"):
            wl.run_all(items, wl.run, lambda i, out: None)


def test_workload_refuses_tasks_and_options_it_cannot_honour(tmp_path: Path) -> None:
    src = resolve_source(str(_model_dir(tmp_path)))
    with pytest.raises(RunnerError, match="not text_classification"):
        EndpointWorkload(get_task("text_classification"), src, EndpointOptions(url="http://x:1"))
    with pytest.raises(RunnerError, match="chat"):
        EndpointWorkload(get_task("reasoning"), src, EndpointOptions(url="http://x:1"), reasoning="on")
    with pytest.raises(RunnerError, match="not JSON"):
        EndpointWorkload(get_task("text_generation"), src, EndpointOptions(url="http://x:1", extra_body="{min"))
    with pytest.raises(RunnerError, match="NO_SUCH_KEY_VAR"):
        EndpointWorkload(
            get_task("text_generation"), src, EndpointOptions(url="http://x:1", api_key_env="NO_SUCH_KEY_VAR")
        )
