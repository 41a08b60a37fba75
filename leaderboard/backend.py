"""What ran the model of a result, in words: the backend column and filter of the table, the detail view
and the export. Pure functions of a `ResultRecord`, without pandas, so `python -m leaderboard export` stays light.

A bundle records `config.backend` ("transformers": the runner loaded the model; "endpoint": a serving
engine answered through its API and the runner measured its GPUs) and, for an endpoint run, the engine
in `environment.server`. Records of runners older than the option ran in transformers, the only backend
they had; published figures and reference-runner uploads were measured by the reference runner.
"""

from __future__ import annotations

from shared.records import FORMAT_REFERENCE, ResultRecord

REFERENCE_RUNNER = "reference runner"
BACKENDS = ("transformers", "endpoint")


def _text(value: object) -> str:
    """A recorded value as one line of text ('' for none): server names come from the bundle."""
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def server_name(rec: ResultRecord) -> str:
    """The serving engine of an endpoint run as its bundle names it ('vllm 0.6.3', 'uvicorn'), '' if unnamed."""
    server = rec.environment.get("server")
    if not isinstance(server, dict):
        return ""
    name = _text(server.get("software")) or _text(server.get("owned_by")) or _text(server.get("server_header"))
    version = _text(server.get("version"))
    return " ".join(part for part in (name, version) if part)


def backend_kind(rec: ResultRecord) -> str:
    """'transformers', 'endpoint' or REFERENCE_RUNNER: what ran the model (records of runners older than
    the backend option ran it in transformers, the only backend they had)."""
    if rec.is_published_figure or rec.source_format == FORMAT_REFERENCE:
        return REFERENCE_RUNNER
    backend = rec.config.get("backend")
    return backend if backend in BACKENDS else "transformers"


def backend_text(rec: ResultRecord, limit: int | None = None) -> str:
    """The backend as shown: 'transformers', 'endpoint: <server name and version>' or 'reference runner';
    the server name cut to `limit` characters when given."""
    kind = backend_kind(rec)
    if kind != "endpoint":
        return kind
    server = server_name(rec)
    if limit is not None and len(server) > limit:
        server = server[: limit - 1] + "…"
    return f"endpoint: {server}" if server else "endpoint (server not named)"


def backend_recorded(rec: ResultRecord) -> bool:
    """True when the record's bundle states its backend (runners since the endpoint option)."""
    return not rec.is_published_figure and rec.config.get("backend") in BACKENDS
