"""The endpoint backend's workload: the task's prompts sent to a serving engine instead of a model the
runner loads. It has the `Workload` interface, so the run's stages (idle power, warm-ups, measured
passes, repetitions, split, faults) are the same as for the runner's own model loading.

What differs: nothing is loaded (the `load` step probes the server and sends one request, so a dead
server fails before anything is measured); preprocessing builds the prompt texts (the server
tokenizes); one sample is one streamed request whose output and input tokens come from the server's
`usage`; there is nothing to synchronize (a request is over when its stream ends). The model's local
config (--model: its folder or Hub id) is read for the parameter count and class only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.endpoint.client import (
    API_CHAT,
    API_COMPLETIONS,
    DEFAULT_TIMEOUT_S,
    EndpointClient,
    EndpointOutcome,
    public_url,
)
from runner.endpoint.server import GpuOwnership, probe_identity, server_info
from runner.errors import RunnerError
from runner.models import ModelSource
from runner.perf import run_samples
from runner.workloads import WORKLOADS, Prepared, Workload
from shared.bundle.endpoint_fields import EndpointConfig, ServerInfo
from shared.method.tasks import Task

# Tasks whose queries are text prompts a completions server can answer.
ENDPOINT_TASKS = ("text_generation", "reasoning", "summarization")


@dataclass
class EndpointOptions:
    """The endpoint options of `runner run` (--backend endpoint ...).

    Attributes:
        url: --endpoint: the server's base URL.
        api: --endpoint-api: "completions" or "chat".
        api_key_env: --api-key-env: environment variable holding the API key (the key is never recorded).
        concurrency: --concurrency: requests in flight at once (1: the method's batch-1 workload).
        server_pid: --server-pid: the server's PID, to match it to the measured GPUs.
        served_model: --served-model: the request's `model` field (default: the one model the server
            lists, else --model as given).
        timeout_s: --endpoint-timeout: longest wait for a byte of an answer, s.
        extra_body: --endpoint-extra-body: JSON object merged into every request.
        server_software: --server-software: the serving software, stated by the user (when the API
            does not say).
    """

    url: str
    api: str = API_COMPLETIONS
    api_key_env: str | None = None
    concurrency: int = 1
    server_pid: int | None = None
    served_model: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    extra_body: str | None = None
    server_software: str | None = None

    def extra(self) -> dict[str, Any]:
        """The parsed --endpoint-extra-body. Raises RunnerError."""
        if not self.extra_body:
            return {}
        try:
            obj = json.loads(self.extra_body)
        except json.JSONDecodeError as exc:
            raise RunnerError(f"--endpoint-extra-body is not JSON ({exc.msg}): {self.extra_body[:80]!r}.") from exc
        if not isinstance(obj, dict):
            raise RunnerError("--endpoint-extra-body must be a JSON object, e.g. '{\"min_tokens\": 10}'.")
        return obj

    def api_key(self) -> str | None:
        """The API key from --api-key-env. Raises RunnerError when the variable is not set."""
        if not self.api_key_env:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise RunnerError(f"--api-key-env {self.api_key_env}: that environment variable is not set.")
        return key


def check_options(opts: EndpointOptions, task: Task) -> None:
    """Refuse options the endpoint backend cannot honour. Raises RunnerError."""
    if task.id not in ENDPOINT_TASKS:
        raise RunnerError(
            f"--backend endpoint measures text tasks answered by a completions server ({', '.join(ENDPOINT_TASKS)}), "
            f"not {task.id}."
        )
    if opts.api not in (API_COMPLETIONS, API_CHAT):
        raise RunnerError(f"--endpoint-api must be {API_COMPLETIONS} or {API_CHAT}, not {opts.api!r}.")
    if opts.concurrency < 1:
        raise RunnerError("--concurrency must be at least 1.")
    if opts.timeout_s <= 0:
        raise RunnerError("--endpoint-timeout must be positive.")
    if task.id == "reasoning" and opts.api != API_CHAT:
        raise RunnerError("Reasoning prompts need the chat template: use --endpoint-api chat.")
    opts.extra()


class EndpointWorkload(Workload):
    """A task's prompts answered by a serving engine (module docstring).

    Attributes:
        options: The endpoint options.
        client: The streaming client.
        identity: What the server said about itself (filled by `load`).
        ownership: How its GPUs were matched (set by the run before `load`).
        short_responses: Answers shorter than the task's fixed length (the server stopped at EOS).
        input_tokens_seen: Prompt tokens the server reported over every request (for the log).
    """

    def __init__(
        self,
        task: Task,
        source: ModelSource,
        options: EndpointOptions,
        reasoning: str = "off",
        seed: int = 0,
        dtype: str | None = "auto",
    ) -> None:
        super().__init__(task, source, dtype, "cpu", False, seed, reasoning)
        check_options(options, task)
        self.options = options
        self.model_cls_name = WORKLOADS[task.id].model_cls_name
        served = options.served_model
        self.client = EndpointClient(
            options.url,
            api=options.api,
            model=served,
            api_key=options.api_key(),
            timeout_s=options.timeout_s,
            extra_body=options.extra(),
        )
        self.identity: ServerInfo | None = None
        self.ownership: GpuOwnership | None = None
        self.short_responses = 0
        self.input_tokens_seen = 0
        self.reported_model: str | None = None
        self.server_header: str | None = None

    # -- model -----------------------------------------------------------------------------------
    def load(self) -> None:
        """Probe the server and send one request: a server that is down or refuses fails here, before
        anything is measured. The model's weights stay with the server (its parameters are counted
        from the config)."""
        # The dtype the server loads with dtype "auto" (the config's), or --dtype: the runner cannot see it.
        self.dtype = self.resolved_dtype()
        self.identity = probe_identity(self.client)
        if self.client.model is None and self.identity.models is not None and len(self.identity.models) == 1:
            self.client.model = self.identity.models[0]
        if self.client.model is None:
            self.client.model = self.source.path
        probe = self.client.complete(self._messages("Hello") if self.options.api == API_CHAT else "Hello", 1)
        self.reported_model = probe.model
        self.server_header = probe.server_header
        self.parameters = self.count_parameters()

    def load_preprocessor(self) -> None:
        """The server tokenizes: nothing to load."""

    def max_input_tokens(self) -> int:
        """The server truncates or refuses long prompts; the config's positions are recorded."""
        return super().max_input_tokens()

    # -- the pass ---------------------------------------------------------------------------------
    def _messages(self, text: str) -> list[dict[str, str]]:
        """Chat messages of one row: the reasoning system line of the model family (as TextGeneration),
        the row's text as the user's message; the server applies its chat template."""
        messages: list[dict[str, str]] = []
        if self.reasoning != "off":
            model_type = getattr(self.config(), "model_type", "")
            level = "medium" if self.reasoning == "on" else self.reasoning
            if model_type.startswith("gpt_oss"):
                messages.append({"role": "system", "content": f"Reasoning: {level}"})
            elif model_type.startswith("smollm3"):
                messages.append({"role": "system", "content": "/think"})
        messages.append({"role": "user", "content": text})
        return messages

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """The prompts (text for completions, messages for chat); tokens are counted by the server."""
        column = self.task.input_columns[0]
        if self.options.api == API_CHAT:
            return [Prepared({"messages": self._messages(r[column])}) for r in rows]
        return [Prepared({"prompt": r[column]}) for r in rows]

    def _send(self, item: Prepared, max_tokens: int) -> EndpointOutcome:
        prompt = item.inputs["messages"] if "messages" in item.inputs else item.inputs["prompt"]
        outcome = self.client.complete(prompt, max_tokens)
        if self.min_new_tokens is not None and max_tokens > 1 and outcome.output_tokens < self.min_new_tokens:
            self.short_responses += 1
        self.input_tokens_seen += outcome.input_tokens or 0
        return outcome

    def run(self, item: Prepared) -> EndpointOutcome:  # type: ignore[override]
        """One streamed request for the task's new tokens."""
        return self._send(item, self.max_new_tokens or 1)

    def run_prefill(self, item: Prepared) -> EndpointOutcome:  # type: ignore[override]
        """One streamed request for one token: the prefill-only pass of the two-pass split."""
        return self._send(item, 1)

    def run_all(
        self, items: list[Prepared], fn: Callable[[Prepared], Any], on_done: Callable[[int, Any], None]
    ) -> None:
        """Run `fn` over `items` with `options.concurrency` requests in flight; `on_done(i, outcome)` in
        completion order. The first failure stops the pass (the requests in flight finish first)."""
        run_samples(items, lambda item, _i: fn(item), lambda i, _item, out: on_done(i, out), self.options.concurrency)

    def records(self) -> tuple[EndpointConfig, ServerInfo]:
        """`config.endpoint` and environment.json's `server` of the run."""
        opts = self.options
        config = EndpointConfig(
            url=public_url(opts.url),
            api="chat" if opts.api == API_CHAT else "completions",
            served_model=self.client.model,
            concurrency=opts.concurrency,
            timeout_s=opts.timeout_s,
            extra_body=opts.extra(),
            api_key_env=opts.api_key_env,
        )
        identity = self.identity or ServerInfo(gpu_check="")
        identity = identity.model_copy(
            update={
                "reported_model": self.reported_model,
                "server_header": self.server_header or identity.server_header,
            }
        )
        own = self.ownership or GpuOwnership("not_checked", [], "")
        return config, server_info(identity, own, opts.server_software)

    def close(self) -> None:
        """Close the client's connections."""
        self.client.close()
