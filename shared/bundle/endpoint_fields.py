"""What a bundle records about a run measured through a serving engine ("endpoint" backend).

`EndpointConfig` is what the run asked of the server (the report's `config.endpoint`); `ServerInfo`
is what the runner found out about it (environment.json's `server`): the identity the API reports
and how the runner knows the measured GPUs are the server's. Both are optional, so older bundles
validate; a run of the runner's own model loading records `config.backend: "transformers"`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt

# How the runner knows the server runs on the measured GPUs.
GPU_CHECK_NVML_PID = "nvml_pid"  # NVML lists the --server-pid (or a child of it) on the GPUs
GPU_CHECK_NVML_PROCESSES = "nvml_processes"  # NVML lists processes on the GPUs; taken as the server's
GPU_CHECK_USER = "user_confirmed"  # NVML shows no match; the user named the server's PID (--server-pid)
GPU_CHECK_DRY_RUN = "not_checked_dry_run"  # a dry run measures nothing


class EndpointConfig(BaseModel):
    """`config.endpoint`: how the runner talked to the server.

    Attributes:
        url: The server's base URL, without credentials or query string.
        api: "completions" (/v1/completions) or "chat" (/v1/chat/completions).
        served_model: The `model` field sent with each request (None: left out).
        concurrency: Requests in flight at once (1: one at a time, the method's batch-1 workload).
        timeout_s: Longest wait for a byte of an answer, s.
        stream: Requests were streamed (always True: time to first token needs it).
        extra_body: Fields merged into every request (engine-specific knobs such as min_tokens).
        api_key_env: Name of the environment variable the API key came from (never the key), or None.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    url: str
    api: Literal["completions", "chat"]
    served_model: str | None = None
    concurrency: int = Field(default=1, ge=1)
    timeout_s: float = Field(gt=0)
    stream: bool = True
    extra_body: dict[str, Any] = Field(default_factory=dict)
    api_key_env: str | None = None


class ServerInfo(BaseModel):
    """environment.json `server`: the serving engine the energy was measured through.

    Attributes:
        software: The serving software as far as the API tells (the `owned_by` of /v1/models or the
            `server` header), or what --server-software states; None when nothing said.
        server_header: The `server` response header of the completions endpoint (e.g. "uvicorn").
        models: Model ids /v1/models listed (None when it did not answer).
        models_error: Why /v1/models gave no list, if it did not.
        owned_by: The `owned_by` of the listed models (vLLM says "vllm").
        version: The `version` of /version when the server has that route (vLLM, SGLang).
        reported_model: The `model` the server wrote in its answers.
        pids: PIDs taken as the server's on the measured GPUs (as NVML reports them).
        gpu_check: How the runner knows the GPUs are the server's (GPU_CHECK_*).
    """

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    software: str | None = None
    server_header: str | None = None
    models: list[str] | None = None
    models_error: str | None = None
    owned_by: str | None = None
    version: str | None = None
    reported_model: str | None = None
    pids: list[NonNegativeInt] = Field(default_factory=list)
    gpu_check: str
