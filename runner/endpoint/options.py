"""Command-line options of the endpoint backend (`runner run --backend endpoint --endpoint URL ...`)."""

from __future__ import annotations

import argparse

from runner.endpoint.client import API_CHAT, API_COMPLETIONS, DEFAULT_TIMEOUT_S
from runner.endpoint.workload import EndpointOptions
from runner.errors import RunnerError

BACKEND_TRANSFORMERS = "transformers"
BACKEND_ENDPOINT = "endpoint"

ENDPOINT_EPILOG = """\
endpoint backend (a serving engine on the measured GPUs):
  transformers serve ./replicas/llama-3.2-1b --device cuda:0 --port 8000 &
  python -m runner run --task text_generation --model ./replicas/llama-3.2-1b --out runs/ep \\
      --backend endpoint --endpoint http://localhost:8000 --device-ids 0 --server-pid $!
"""


def add_endpoint_arguments(r: argparse.ArgumentParser) -> None:
    """Add --backend and the endpoint options to the `run` parser."""
    g = r.add_argument_group("endpoint backend (measure a serving engine's GPUs through its OpenAI-compatible API)")
    g.add_argument(
        "--backend",
        choices=[BACKEND_TRANSFORMERS, BACKEND_ENDPOINT],
        default=BACKEND_TRANSFORMERS,
        help="transformers (default): the runner loads the model; endpoint: the task's prompts go to a server "
        "(--endpoint) running on the GPUs of --device-ids, which are measured. --model then names the served "
        "model's folder or Hub id (its config gives the parameter count).",
    )
    g.add_argument("--endpoint", metavar="URL", help="The server's base URL, e.g. http://localhost:8000.")
    g.add_argument(
        "--endpoint-api",
        choices=[API_COMPLETIONS, API_CHAT],
        default=API_COMPLETIONS,
        help="completions (default: /v1/completions, the raw prompt) or chat (/v1/chat/completions, the server's chat "
        "template; needed for reasoning).",
    )
    g.add_argument(
        "--api-key-env", metavar="VAR", help="Environment variable holding the API key (sent as a bearer token)."
    )
    g.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="Requests in flight at once (default 1, one at a time: the method's batch-1 workload; more is recorded "
        "and is not the standard workload).",
    )
    g.add_argument(
        "--server-pid",
        type=int,
        metavar="PID",
        help="The server's PID: the run checks NVML lists it (or a child) on --device-ids, and where NVML cannot show "
        "it (another PID namespace), naming it confirms the server runs there.",
    )
    g.add_argument(
        "--served-model", help="The request's `model` (default: the one model /v1/models lists, else --model)."
    )
    g.add_argument(
        "--endpoint-timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"Longest wait for a byte of an answer, s (default {DEFAULT_TIMEOUT_S:g}); a request gets 4x this in all.",
    )
    g.add_argument(
        "--endpoint-extra-body",
        metavar="JSON",
        help="JSON object merged into every request, for engine-specific knobs that fix the output length, e.g. "
        'vLLM: \'{"min_tokens": 10, "ignore_eos": true}\'; transformers serve: '
        '\'{"generation_config": "{\\"min_new_tokens\\": 10}"}\'.',
    )
    g.add_argument("--server-software", help="Name and version of the serving software, when its API does not say.")


def options_from_args(args: argparse.Namespace) -> EndpointOptions | None:
    """The endpoint options of a parsed `run` command line (None for the transformers backend).
    Raises RunnerError for endpoint options without --backend endpoint, or the backend without a URL."""
    if getattr(args, "backend", BACKEND_TRANSFORMERS) != BACKEND_ENDPOINT:
        given = [
            name
            for name in ("endpoint", "api_key_env", "server_pid", "served_model", "endpoint_extra_body")
            if getattr(args, name, None)
        ]
        if given or getattr(args, "concurrency", 1) != 1:
            raise RunnerError("The endpoint options need --backend endpoint.")
        return None
    if not args.endpoint:
        raise RunnerError("--backend endpoint needs --endpoint URL (the server's base URL).")
    return EndpointOptions(
        url=args.endpoint,
        api=args.endpoint_api,
        api_key_env=args.api_key_env,
        concurrency=args.concurrency,
        server_pid=args.server_pid,
        served_model=args.served_model,
        timeout_s=args.endpoint_timeout,
        extra_body=args.endpoint_extra_body,
        server_software=args.server_software,
    )
