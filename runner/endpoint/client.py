"""A streaming client of an OpenAI-compatible server (`/v1/completions` or `/v1/chat/completions`).

One call sends one prompt with `stream: true` and `stream_options: {include_usage: true}`, reads the
server-sent events as they come, and returns the query's timings and the server's token counts.
Every way a server can fail (no connection, a timeout, an HTTP error, an error event in the stream,
a line that is not JSON, no usage, more tokens than asked) raises an `EndpointError` with one clear
sentence: a run that meets one ends incomplete, never with a number.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from runner.errors import RunnerError

API_COMPLETIONS = "completions"
API_CHAT = "chat"
PATHS = {API_COMPLETIONS: "/v1/completions", API_CHAT: "/v1/chat/completions"}
CONNECT_TIMEOUT_S = 10.0
DEFAULT_TIMEOUT_S = 300.0
# A chunk carries at least one token, so more content chunks than this over max_tokens means the
# server is generating past the limit: stop reading rather than wait for it to finish.
EXTRA_CHUNKS_ALLOWED = 2
BODY_EXCERPT_CHARS = 300

Clock = Callable[[], float]


class EndpointError(RunnerError):
    """The server failed a request, or answered in a way the runner cannot measure."""


@dataclass
class EndpointOutcome:
    """One query answered by the server (a `SampleOutcome` for the run's pass).

    Attributes:
        output_tokens: `usage.completion_tokens` reported by the server.
        input_tokens: `usage.prompt_tokens` reported by the server.
        prefill_s: Request sent -> first streamed text, s (time to first token; the first chunk carrying
            the answer when the tokens decode to no text).
        latency_s: Request sent -> end of the stream, s.
        text_chars: Characters of text received (for the log; the text itself is not kept).
        finish_reason: The server's finish reason ("length", "stop", ...), if it sent one.
        model: The model name the server put in its chunks.
        server_header: The response's `server` header, if any.
    """

    output_tokens: int
    input_tokens: int | None
    prefill_s: float | None
    latency_s: float
    text_chars: int = 0
    finish_reason: str | None = None
    model: str | None = None
    server_header: str | None = None


@dataclass
class EndpointClient:
    """Sends prompts to one server.

    Attributes:
        base_url: The server's base URL (scheme://host:port, with or without a trailing /v1).
        api: API_COMPLETIONS or API_CHAT.
        model: The `model` field of each request (None: left out, the server's only model).
        api_key: Sent as a bearer token when set (read from the environment by the caller).
        timeout_s: Longest wait for any byte of an answer, s (and for a whole request: 4x this).
        extra_body: Fields merged into every request (engine-specific knobs, e.g. vLLM's min_tokens).
        clock: The clock (tests drive a fake one).
    """

    base_url: str
    api: str = API_COMPLETIONS
    model: str | None = None
    api_key: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    extra_body: dict[str, Any] = field(default_factory=dict)
    clock: Clock = time.perf_counter
    _http: httpx.Client | None = None

    def __post_init__(self) -> None:
        if self.api not in PATHS:
            raise EndpointError(f"--endpoint-api must be one of {sorted(PATHS)}, not {self.api!r}.")
        self.base_url = base_url(self.base_url)

    @property
    def http(self) -> httpx.Client:
        """The connection pool (opened on first use)."""
        if self._http is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            timeout = httpx.Timeout(self.timeout_s, connect=min(CONNECT_TIMEOUT_S, self.timeout_s))
            self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)
        return self._http

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def body(self, prompt: str | list[dict[str, str]], max_tokens: int) -> dict[str, Any]:
        """The JSON body of one request: greedy, streaming, usage asked for; `extra_body` merged last."""
        body: dict[str, Any] = {"max_tokens": max_tokens, "temperature": 0, "stream": True}
        body["stream_options"] = {"include_usage": True}
        if self.model is not None:
            body["model"] = self.model
        if self.api == API_CHAT:
            body["messages"] = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
        else:
            if not isinstance(prompt, str):
                raise EndpointError("The completions API takes a text prompt; use --endpoint-api chat for messages.")
            body["prompt"] = prompt
        body.update(self.extra_body)
        return body

    def get_json(self, path: str) -> tuple[int, dict[str, Any] | None, httpx.Headers | None]:
        """(status, JSON object or None, headers) of a GET; (0, None, None) when nothing answered."""
        try:
            r = self.http.get(path, timeout=min(CONNECT_TIMEOUT_S, self.timeout_s))
        except httpx.HTTPError:
            return 0, None, None
        try:
            obj = r.json()
        except ValueError:
            obj = None
        return r.status_code, obj if isinstance(obj, dict) else None, r.headers

    def complete(self, prompt: str | list[dict[str, str]], max_tokens: int) -> EndpointOutcome:
        """Send one prompt and read its stream to the end. Raises EndpointError."""
        path = PATHS[self.api]
        where = f"{self.base_url}{path}"
        body = self.body(prompt, max_tokens)
        deadline_s = self.timeout_s * 4
        t0 = self.clock()
        try:
            with self.http.stream("POST", path, json=body) as r:
                if r.status_code != 200:
                    raise EndpointError(_http_error(where, r))
                outcome = _read_stream(r.iter_lines(), where, max_tokens, t0, self.clock, deadline_s)
                outcome.server_header = r.headers.get("server")
        except httpx.TimeoutException as exc:
            raise EndpointError(
                f"{where} did not answer within {self.timeout_s:g} s ({type(exc).__name__}); the server is stuck or "
                "overloaded. Raise --endpoint-timeout if it is only slow."
            ) from exc
        except httpx.ConnectError as exc:
            raise EndpointError(f"Cannot connect to {where} ({exc}). Is the server running at that address?") from exc
        except httpx.HTTPError as exc:
            raise EndpointError(f"The request to {where} failed: {type(exc).__name__}: {exc}.") from exc
        return outcome


def base_url(url: str) -> str:
    """The server's root URL: no trailing slash, no /v1 (the client adds the API paths)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointError(f"--endpoint must be an http(s) URL such as http://localhost:8000, not {url!r}.")
    path = parts.path.rstrip("/").removesuffix("/v1")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def public_url(url: str) -> str:
    """The URL as the report records it: no user name or password, no query string."""
    parts = urlsplit(base_url(url))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _http_error(where: str, r: httpx.Response) -> str:
    """One sentence about a refused request, with the server's own words."""
    try:
        text = r.read().decode("utf-8", "replace")
    except httpx.HTTPError:
        text = ""
    excerpt = " ".join(text.split())[:BODY_EXCERPT_CHARS]
    hint = ""
    if r.status_code in (401, 403):
        hint = " Give the API key's environment variable with --api-key-env."
    elif r.status_code == 404:
        hint = " Check the URL, --endpoint-api and --served-model."
    elif r.status_code in (400, 422):
        hint = " The server refused the request's fields; see --endpoint-extra-body."
    return f"{where} answered HTTP {r.status_code}: {excerpt or '(no body)'}.{hint}"


def _chunk_text(chunk: dict[str, Any]) -> str:
    """The new text of one chunk (completions: text; chat: delta content or reasoning)."""
    out = []
    for choice in chunk.get("choices") or []:
        if not isinstance(choice, dict):
            continue
        if isinstance(choice.get("text"), str):
            out.append(choice["text"])
        delta = choice.get("delta")
        if isinstance(delta, dict):
            for key in ("content", "reasoning_content", "reasoning"):
                if isinstance(delta.get(key), str):
                    out.append(delta[key])
    return "".join(out)


def _finish_reason(chunk: dict[str, Any]) -> str | None:
    for choice in chunk.get("choices") or []:
        if isinstance(choice, dict) and choice.get("finish_reason"):
            return str(choice["finish_reason"])
    return None


def _read_stream(
    lines: Iterator[str], where: str, max_tokens: int, t0: float, clock: Clock, deadline_s: float
) -> EndpointOutcome:
    """Parse server-sent events until [DONE] or the end of the stream. Raises EndpointError."""
    first: float | None = None  # the first chunk with text
    first_choice: float | None = None  # the first chunk carrying a choice, text or not
    usage: dict[str, Any] | None = None
    chars = content_chunks = 0
    finish: str | None = None
    model: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(":"):  # keep-alive comments and event separators
            continue
        if not line.startswith("data:"):
            if line.startswith(("event:", "id:", "retry:")):
                continue
            raise EndpointError(f"{where} sent a malformed stream: {line[:80]!r} is not a server-sent event line.")
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            chunk = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise EndpointError(f"{where} sent a malformed stream: {payload[:80]!r} is not JSON ({exc.msg}).") from exc
        if not isinstance(chunk, dict):
            raise EndpointError(f"{where} sent a malformed stream: a chunk is {type(chunk).__name__}, not an object.")
        if chunk.get("error"):
            err = chunk["error"]
            msg = err.get("message", err) if isinstance(err, dict) else err
            raise EndpointError(
                f"{where} reported an error in the middle of the stream: {str(msg)[:BODY_EXCERPT_CHARS]}"
            )
        now = clock()
        if first_choice is None and chunk.get("choices"):
            first_choice = now
        text = _chunk_text(chunk)
        if text:
            content_chunks += 1
            chars += len(text)
            if first is None:
                first = now
        model = model or (chunk.get("model") if isinstance(chunk.get("model"), str) else None)
        finish = _finish_reason(chunk) or finish
        if isinstance(chunk.get("usage"), dict):
            usage = chunk["usage"]
        if content_chunks > max_tokens + EXTRA_CHUNKS_ALLOWED:
            raise EndpointError(
                f"{where} ignored max_tokens: it streamed more than {max_tokens} tokens' worth of chunks for "
                f"max_tokens={max_tokens}. The workload's length cannot be controlled on this server."
            )
        if now - t0 > deadline_s:
            raise EndpointError(f"{where} was still streaming one answer after {deadline_s:g} s; stopped reading.")
    end = clock()
    if usage is None:
        raise EndpointError(
            f"{where} sent no usage (token counts) in its stream. The runner counts tokens from the server's "
            "usage fields (it asks for them with stream_options.include_usage); use a server that sends them."
        )
    out_tokens = _count(usage, "completion_tokens", where)
    if out_tokens > max_tokens:
        raise EndpointError(
            f"{where} ignored max_tokens: it generated {out_tokens} tokens for max_tokens={max_tokens}. "
            "The workload's length cannot be controlled on this server."
        )
    # A token may decode to no text (a special token, or part of a multi-byte character the server holds
    # back until the next token completes it; random-weight replicas emit such tokens). The first token
    # then arrived no later than the first chunk carrying the answer.
    first = first if first is not None else first_choice if out_tokens > 0 else None
    prompt_tokens = usage.get("prompt_tokens")
    return EndpointOutcome(
        output_tokens=out_tokens,
        input_tokens=_count(usage, "prompt_tokens", where) if prompt_tokens is not None else None,
        prefill_s=(first - t0) if first is not None else None,
        latency_s=end - t0,
        text_chars=chars,
        finish_reason=finish,
        model=model,
    )


def _count(usage: dict[str, Any], key: str, where: str) -> int:
    value = usage.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EndpointError(f"{where} sent a malformed usage block: {key} = {value!r} is not a token count.")
    return value
