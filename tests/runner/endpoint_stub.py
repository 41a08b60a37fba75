"""A stub OpenAI-compatible server for the endpoint tests: a real HTTP server on a local port, in a
thread, whose behaviour (a normal stream, an HTTP error, a stall, a malformed stream...) is set per test."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NORMAL = "normal"
HTTP_500 = "http_500"
HTTP_401 = "http_401"
STALL = "stall"  # sends headers, then nothing for `stall_s`
IGNORE_MAX_TOKENS = "ignore_max_tokens"  # streams max_tokens * 5 chunks
OVERCOUNT = "overcount"  # streams max_tokens chunks but reports more tokens in usage
MALFORMED = "malformed"  # a data line that is not JSON
NO_USAGE = "no_usage"
ERROR_EVENT = "error_event"
DROP = "drop"  # closes the connection in the middle of the stream
EMPTY_TEXT = "empty_text"  # tokens that decode to no text (special tokens, held-back partial characters)


@dataclass
class StubState:
    """What the stub does and what it saw.

    Attributes:
        mode: One of the modes above (the first `fail_after` requests are answered normally).
        fail_after: Requests answered normally before `mode` applies.
        stall_s: How long STALL waits.
        token_delay_s: Pause between chunks of a normal stream.
        requests: The JSON bodies received.
        models_status: Status of GET /v1/models.
    """

    mode: str = NORMAL
    fail_after: int = 0
    stall_s: float = 3.0
    token_delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    models_status: int = 200
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: StubState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "stub-engine/0.1"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, obj: Any) -> None:
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/v1/models":
                if state.models_status != 200:
                    self._json(state.models_status, {"error": "no list"})
                    return
                self._json(200, {"object": "list", "data": [{"id": "stub/model", "owned_by": "stubllm"}]})
            elif self.path == "/version":
                self._json(200, {"version": "9.9.9"})
            else:
                self._json(404, {"error": "not found"})

        def _event(self, obj: Any) -> None:
            data = obj if isinstance(obj, str) else json.dumps(obj)
            self._chunk(f"data: {data}\n\n".encode())

        def _chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with state.lock:
                state.requests.append(body)
                n = len(state.requests)
            mode = state.mode if n > state.fail_after else NORMAL
            if mode == HTTP_500:
                self._json(500, {"error": {"message": "CUDA error: an illegal memory access was encountered"}})
                return
            if mode == HTTP_401:
                self._json(401, {"error": {"message": "invalid api key"}})
                return
            chat = self.path.endswith("/chat/completions")
            max_tokens = int(body.get("max_tokens", 16))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            if mode == STALL:
                time.sleep(state.stall_s)
                return
            chunks = max_tokens * 5 if mode == IGNORE_MAX_TOKENS else max_tokens
            for i in range(chunks):
                if mode == MALFORMED and i == 1:
                    self._chunk(b"data: {not json\n\n")
                    break
                if mode == ERROR_EVENT and i == 1:
                    self._event({"error": {"message": "out of KV cache blocks"}})
                    break
                if mode == DROP and i == 1:
                    self.wfile.write(b"5\r\nda")  # a truncated chunk, then the connection closes
                    self.wfile.flush()
                    self.close_connection = True
                    return
                text = "" if mode == EMPTY_TEXT else f" w{i}"
                choice = {"index": 0, "delta": {"content": text}} if chat else {"index": 0, "text": text}
                self._event({"id": "x", "model": "stub/model", "choices": [choice]})
                if state.token_delay_s:
                    time.sleep(state.token_delay_s)
            if mode not in (NO_USAGE, MALFORMED, ERROR_EVENT):
                reported = chunks + 7 if mode == OVERCOUNT else chunks
                usage = {"prompt_tokens": 5, "completion_tokens": reported, "total_tokens": 5 + reported}
                self._event({"id": "x", "model": "stub/model", "choices": [], "usage": usage})
            self._event("[DONE]")
            self._chunk(b"")

    return Handler


@contextmanager
def stub_server(state: StubState | None = None) -> Iterator[tuple[str, StubState]]:
    """(base URL, state) of a stub server running for the duration of the block."""
    state = state or StubState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
