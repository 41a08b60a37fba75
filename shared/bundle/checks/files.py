"""Checks of the bundle's files: the manifest, the hashes, and the two JSON documents parsed into models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from shared.bundle.checks.context import RECREATE, NativeBundle
from shared.bundle.problems import Problem
from shared.bundle.safezip import UnsafeZip
from shared.bundle.schema import (
    ENVIRONMENT_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    REQUIRED_FILES,
    SCHEMA_VERSION,
    Environment,
    Manifest,
    RunReport,
)
from shared.method.tasks import TASKS


def pydantic_message(name: str, exc: ValidationError) -> str:
    """The first five schema errors of `name` as one sentence."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        parts.append(f"{loc}: {err['msg']}")
    more = f" (and {exc.error_count() - 5} more)" if exc.error_count() > 5 else ""
    return f"{name} does not match the bundle schema: {'; '.join(parts)}{more}. {RECREATE}"


def _version_problem(name: str, raw: dict[str, Any]) -> Problem | None:
    if raw.get("schema_version") in (None, SCHEMA_VERSION):
        return None
    return Problem(
        "schema_version",
        f"{name} uses schema version {raw.get('schema_version')!r:.40}; this portal reads version "
        f"{SCHEMA_VERSION}. Update the runner and bundle again.",
        name,
    )


def _model(name: str, raw: dict[str, Any], cls: type[BaseModel]) -> tuple[Any, Problem | None]:
    problem = _version_problem(name, raw)
    if problem is not None:
        return None, problem
    try:
        return cls.model_validate(raw), None
    except ValidationError as exc:
        return None, Problem("schema", pydantic_message(name, exc), name)


def _parse(b: NativeBundle, name: str, cls: type[BaseModel]) -> tuple[dict[str, Any] | None, Any, Problem | None]:
    """(JSON object, model of `cls`, problem) of the bundle's file `name`; the object is None when the
    file is not a readable JSON object (the problem then says so)."""
    raw, problem = b.json_object(name)
    if problem is not None or raw is None:
        return None, None, problem or Problem("bad_json", f"{name} cannot be read.", name)
    model, problem = _model(name, raw, cls)
    return raw, model, problem


def parse_manifest(b: NativeBundle) -> Iterator[Problem]:
    """manifest.json is a JSON object of the manifest schema, of the version this portal reads."""
    raw, manifest, problem = _parse(b, MANIFEST_FILE, Manifest)
    if raw is not None:
        b.manifest = manifest
    if problem:
        yield problem


def files_match_manifest(b: NativeBundle) -> Iterator[Problem]:
    """Every listed file is present with its size and sha256, and nothing else is in the zip."""
    assert b.manifest is not None
    listed = {f.path for f in b.manifest.files}
    for f in b.manifest.files:
        if f.path not in b.files:
            yield Problem(
                "missing_file",
                f"{f.path[:200]} is listed in the manifest but missing from the zip. Bundle the whole run again.",
                f.path,
            )
            continue
        try:
            size, sha = b.digest(f.path)
        except UnsafeZip as exc:
            yield Problem("unsafe_zip", str(exc), f.path)
            continue
        if size != f.size_bytes or sha != f.sha256:
            yield Problem(
                "hash_mismatch",
                f"{f.path} was altered after the run: its sha256 differs from the manifest. "
                "Submit the bundle exactly as the runner wrote it.",
                f.path,
            )
    for name in sorted(set(b.files) - listed - {MANIFEST_FILE}):
        yield Problem(
            "unlisted_file",
            f"{name} is in the zip but not in the manifest; files cannot be added to a bundle. {RECREATE}",
            name,
        )


def required_files(b: NativeBundle) -> Iterator[Problem]:
    """The four files of a complete run are present (an incomplete run says why it has none)."""
    missing = [n for n in REQUIRED_FILES if n not in b.files]
    for name in missing:
        yield Problem(
            "missing_file",
            f"The bundle has no {name}. Re-create it with `python -m runner bundle` from a complete run.",
            name,
        )
    if missing and REPORT_FILE in b.files:
        raw, _ = b.json_object(REPORT_FILE)
        if raw is not None and raw.get("status") == "incomplete":
            yield Problem(
                "incomplete_run",
                f"The run did not complete ({str(raw.get('failure') or 'no reason recorded')[:300]}); "
                "an incomplete run cannot be rated. Fix the cause and run again.",
                REPORT_FILE,
            )


def parse_report(b: NativeBundle) -> Iterator[Problem]:
    """benchmark_report.json is a JSON object of the report schema."""
    raw, run, problem = _parse(b, REPORT_FILE, RunReport)
    if raw is not None:
        b.raw_report, b.run = raw, run
    if problem:
        yield problem


def parse_environment(b: NativeBundle) -> Iterator[Problem]:
    """environment.json is a JSON object of the environment schema."""
    raw, env, problem = _parse(b, ENVIRONMENT_FILE, Environment)
    if raw is not None:
        b.raw_env, b.env = raw, env
    if problem:
        yield problem


def run_complete(b: NativeBundle) -> Iterator[Problem]:
    """The report records a complete run."""
    assert b.run is not None
    if b.run.status != "complete":
        yield Problem(
            "incomplete_run",
            f"The run did not complete ({(b.run.failure or 'no reason recorded')[:300]}); an incomplete run "
            "cannot be rated. Fix the cause and run again.",
            REPORT_FILE,
        )


def known_task(b: NativeBundle) -> Iterator[Problem]:
    """The report's task is a rated task."""
    assert b.run is not None
    b.task = TASKS.get(b.run.task)
    if b.task is None:
        yield Problem("unknown_task", f"Unknown task {b.run.task[:60]!r}; use one of: {', '.join(TASKS)}.", REPORT_FILE)
