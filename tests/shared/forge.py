"""Forging bundles from the real H100 fixture as a determined cheater would: edit the JSON, then
re-derive every total, summary, energy file, trace and manifest hash so that the bundle stays
internally consistent and only the check under test can catch the edit."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.bundle.energy import counters_energy_wh, energy_wh_text, summarize, summary_file
from shared.bundle.make import make_bundle
from shared.bundle.safezip import read_zip
from shared.bundle.schema import (
    ENERGY_WH_FILE,
    ENVIRONMENT_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    SUMMARY_FILE,
    RunReport,
)
from shared.method.tasks import PASS_GENERATE, get_task
from shared.method.units import wh_per_1k_queries

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "h100_bundle.zip"
TRACE = "logs/counter_trace.json"
RUN_LOG = "logs/run.log"


@dataclass
class Forge:
    """The fixture's files, parsed for editing; `bundle()` re-derives and re-signs them.

    Attributes:
        report, env, manifest: The JSON documents as dicts.
        trace: logs/counter_trace.json as a list (None to leave it out).
        files: The other files (logs/run.log ...), path -> bytes.
        raw: Files to write byte for byte after deriving (e.g. a report with a duplicate key).
        derive: Re-derive energies, totals and summaries from the counters (False keeps stated numbers).
        sign: Write a manifest with the files' hashes (False keeps the original manifest).
    """

    report: dict[str, Any]
    env: dict[str, Any]
    manifest: dict[str, Any]
    trace: list[dict[str, Any]] | None
    files: dict[str, bytes]
    raw: dict[str, bytes | None] = field(default_factory=dict)
    derive: bool = True
    sign: bool = True

    @classmethod
    def fixture(cls) -> Forge:
        """The real H100 bundle, ready to edit."""
        contents = read_zip(FIXTURE.read_bytes()).files
        others = {k: v for k, v in contents.items() if k not in (REPORT_FILE, ENVIRONMENT_FILE, MANIFEST_FILE, TRACE)}
        return cls(
            report=json.loads(contents[REPORT_FILE]),
            env=json.loads(contents[ENVIRONMENT_FILE]),
            manifest=json.loads(contents[MANIFEST_FILE]),
            trace=json.loads(contents[TRACE]),
            files=others,
        )

    def windows(self) -> list[dict[str, Any]]:
        """Every measured window of the report (preprocess first)."""
        return [self.report["preprocess"]] + [p for rep in self.report["repetitions"] for p in rep["phases"]]

    def scale_windows(self, k: float) -> None:
        """Scale every measured window's counter delta by `k` (idle window and gaps kept), in report and trace."""
        assert self.trace is not None
        window_ends = {f"{w['name']}:end" for w in self.windows()}
        mapping: dict[tuple[int, ...], list[int]] = {}
        prev_old: list[int] | None = None
        prev_new: list[int] | None = None
        for pt in self.trace:
            old = list(pt["counters_mj"])
            if prev_old is None or prev_new is None:
                new = old
            else:
                factor = k if pt["label"] in window_ends else 1.0
                new = [pn + round((o - po) * factor) for pn, o, po in zip(prev_new, old, prev_old, strict=True)]
            mapping[tuple(old)] = new
            pt["counters_mj"] = pt["raw_mj"] = new
            prev_old, prev_new = old, new
        for w in self.windows():
            w["counter_start_mj"] = mapping[tuple(w["counter_start_mj"])]
            w["counter_end_mj"] = mapping[tuple(w["counter_end_mj"])]

    def repeat(self, n: int, same_index: bool = False, same_counters: bool = False) -> None:
        """Make `n` repetitions of the first, each a later copy (trace included) unless `same_counters`."""
        assert self.trace is not None
        first = self.report["repetitions"][0]
        reps = [first]
        for i in range(1, n):
            rep = copy.deepcopy(first)
            rep["index"] = 0 if same_index else i
            if not same_counters:
                for p in rep["phases"]:
                    delta = p["counter_end_mj"][0] - first["phases"][0]["counter_start_mj"][0] + 50_000
                    shift = i * delta
                    dt = i * (p["duration_s"] + 1.0)
                    t0 = next(t["time_s"] for t in self.trace if t["counters_mj"] == p["counter_start_mj"])
                    p["counter_start_mj"] = [c + shift for c in p["counter_start_mj"]]
                    p["counter_end_mj"] = [c + shift for c in p["counter_end_mj"]]
                    for label, c, t in (
                        ("start", p["counter_start_mj"], t0 + dt),
                        ("end", p["counter_end_mj"], t0 + dt + p["duration_s"]),
                    ):
                        self.trace.append({"label": f"{p['name']}:{label}", "time_s": t, "counters_mj": c, "raw_mj": c})
            reps.append(rep)
        self.report["repetitions"] = reps
        # The run lasted longer: move the end stamps so that only the check under test fires.
        self.report["finished_utc"] = "2026-11-24T17:30:00+00:00"
        self.manifest["created_utc"] = "2026-11-24T17:30:02+00:00"

    def _derive(self) -> None:
        r = self.report
        samples = r["dataset"]["samples"]
        for w in self.windows():
            try:
                w["gpu_energy_wh"] = counters_energy_wh(w["counter_start_mj"], w["counter_end_mj"])
            except ValueError:
                pass  # counters that run backwards: leave the stated energy for the validator to refuse
        pre = r["preprocess"]["gpu_energy_wh"]
        for rep in r["repetitions"]:
            rep["gpu_energy_wh"] = pre + sum(p["gpu_energy_wh"] for p in rep["phases"] if p.get("in_total", True))
            rep["gpu_energy_wh_per_1k"] = wh_per_1k_queries(rep["gpu_energy_wh"], samples)
        if r.get("split"):
            gens = [
                wh_per_1k_queries(sum(p["gpu_energy_wh"] for p in rep["phases"] if p["name"] == PASS_GENERATE), samples)
                for rep in r["repetitions"]
            ]
            gen = sum(gens) / len(gens)
            old = r["split"]["prefill_wh"] + r["split"]["decode_wh"]
            share = r["split"]["prefill_wh"] / old if old else 0.3
            r["split"]["prefill_wh"] = gen * share
            r["split"]["decode_wh"] = gen - gen * share
            r["split_single_pass_prefill_wh"] = gen * share
        model = RunReport.model_validate({**r, "summary": None})
        try:
            task = get_task(model.task)
        except KeyError:
            return  # an unknown task: nothing to summarise
        summary = summarize(model, task)
        r["summary"] = json.loads(summary.model_dump_json())
        self.files[ENERGY_WH_FILE] = energy_wh_text(summary).encode()
        self.files[SUMMARY_FILE] = json.dumps(summary_file(summary), indent=2).encode()

    def bundle(self) -> bytes:
        """The forged bundle: derived, written and signed as the flags say."""
        if self.derive:
            self._derive()
        files = dict(self.files)
        files[REPORT_FILE] = json.dumps(self.report, indent=1).encode()
        files[ENVIRONMENT_FILE] = json.dumps(self.env, indent=1).encode()
        if self.trace is not None:
            files[TRACE] = json.dumps(self.trace, indent=1).encode()
        for name, body in self.raw.items():
            if body is None:
                files.pop(name, None)
            else:
                files[name] = body
        if self.sign:
            m = self.manifest
            return make_bundle(files, m["runner_name"], m["runner_version"], m["created_utc"])
        keep = MANIFEST_FILE not in self.raw  # raw[MANIFEST_FILE] = None: a zip without one
        return make_unsigned(files, self.manifest if keep else None)


def make_unsigned(files: dict[str, bytes], manifest: dict[str, Any] | None) -> bytes:
    """A zip of `files` with `manifest` as it is (hashes not recomputed; None: no manifest)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if manifest is not None:
            zf.writestr(MANIFEST_FILE, json.dumps(manifest, indent=2))
        for path, body in sorted(files.items()):
            zf.writestr(path, body)
    return buf.getvalue()


Edit = Callable[[Forge], None]


def forged(edit: Edit) -> bytes:
    """The fixture with `edit` applied, re-derived and re-signed."""
    f = Forge.fixture()
    edit(f)
    return f.bundle()
