"""What a determined cheater did, as regression tests: each forgery is built from the real H100 bundle
(tests/fixtures/h100_bundle.zip) with every total, summary, trace and hash re-derived, and must be
rejected with its own code. And every real bundle of the repository must still pass."""

from __future__ import annotations

import json
import os
import random
import string
from pathlib import Path
from typing import Any

import pytest

from shared.bundle.checks import margins
from shared.bundle.validate import validate_bundle
from tests.shared.forge import RUN_LOG, Forge, forged
from tests.shared.test_reference_format import reference_zip

ROOT = Path(__file__).resolve().parents[2]
GEN = 0  # index of the generate phase in the fixture's repetition


def gen(f: Forge) -> dict[str, Any]:
    """The fixture's generate window."""
    return f.report["repetitions"][0]["phases"][GEN]


def trace_point(f: Forge, label: str) -> dict[str, Any]:
    """The fixture's trace point of `label`."""
    assert f.trace is not None
    return next(t for t in f.trace if t["label"] == label)


def _set(path: str, value: Any, where: str = "report") -> Any:
    def edit(f: Forge) -> None:
        node = getattr(f, where)
        *head, last = path.split(".")
        for key in head:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value

    return edit


def _both(*edits: Any) -> Any:
    def edit(f: Forge) -> None:
        for e in edits:
            e(f)

    return edit


def _raw_report(transform: Any) -> Any:
    def edit(f: Forge) -> None:
        f.raw["benchmark_report.json"] = transform(json.dumps(f.report, indent=1)).encode()

    return edit


def _log(text_from: str, text_to: str) -> Any:
    def edit(f: Forge) -> None:
        f.files[RUN_LOG] = f.files[RUN_LOG].replace(text_from.encode(), text_to.encode())

    return edit


def _zero_preprocess_tokens(f: Forge) -> None:
    f.report["preprocess"]["input_tokens"] = 0


def _overlap(f: Forge) -> None:
    g = gen(f)
    start = g["counter_start_mj"][0] + 1000
    f.report["repetitions"][0]["phases"].append(
        {
            "name": "prefill_pass",
            "duration_s": 40.0,
            "samples": 1000,
            "input_tokens": 367159,
            "output_tokens": 1000,
            "counter_start_mj": [start],
            "counter_end_mj": [start + 6_000_000],
            "gpu_energy_wh": 0.0,
            "in_total": False,
        }
    )


def _preprocess_after_generate(f: Forge) -> None:
    pre, g = f.report["preprocess"], gen(f)
    delta = pre["counter_end_mj"][0] - pre["counter_start_mj"][0]
    start = g["counter_end_mj"][0] + 10_000
    pre["counter_start_mj"], pre["counter_end_mj"] = [start], [start + delta]
    assert f.trace is not None
    f.trace = [t for t in f.trace if not t["label"].startswith("preprocess")]
    t_end = trace_point(f, "generate:end")["time_s"]
    for label, c, t in (("start", [start], t_end + 1), ("end", [start + delta], t_end + 1 + pre["duration_s"])):
        f.trace.append({"label": f"preprocess:{label}", "time_s": t, "counters_mj": c, "raw_mj": c})


def _trace_counter(f: Forge) -> None:
    p = trace_point(f, "generate:end")
    p["counters_mj"] = p["raw_mj"] = [p["counters_mj"][0] + 5]


def _trace_backwards(f: Forge) -> None:
    trace_point(f, "preprocess:end")["time_s"] = 1000.0


def _no_manifest(f: Forge) -> None:
    f.raw["manifest.json"] = None
    f.sign = False


def _random_text(n: int) -> str:
    rng = random.Random(0)
    return "".join(rng.choice(string.ascii_letters) for _ in range(n))


def _halve_duration(f: Forge) -> None:
    gen(f)["duration_s"] /= 2


def _huge_counter(literal: str) -> Any:
    def transform(text: str) -> str:
        return text.replace("152495913", literal, 1)

    return _raw_report(transform)


def _duplicate_key(text: str) -> str:
    return text.replace('"task": "text_generation"', '"task": "text_generation", "task": "image_classification"', 1)


def _second_gpu(f: Forge) -> None:
    f.env["gpus"].append({**f.env["gpus"][0], "index": 1})
    f.report["config"]["device_ids"] = [0, 1]
    f.files[RUN_LOG] = f.files[RUN_LOG].replace(
        b"GPUs NVIDIA H100 80GB HBM3;", b"GPUs NVIDIA H100 80GB HBM3, NVIDIA H100 80GB HBM3;"
    )


def _unsigned_edit(f: Forge) -> None:
    f.report["summary"]["gpu_energy_wh_per_1k_mean"] = 1.0
    f.derive = False
    f.sign = False
    f.manifest = json.loads(json.dumps(f.manifest))


def _altered_phase(f: Forge) -> None:
    f.derive = False
    gen(f)["gpu_energy_wh"] = 1.0


def _file_added(f: Forge) -> None:
    f.files["logs/extra.txt"] = b"x"
    f.sign = False


def _altered_text(f: Forge) -> None:
    f.derive = False
    f.raw["GPU_ENERGY_WH.txt"] = b"1.00\n"


HOSTILE: list[tuple[str, Any, str]] = [
    # consistent forgeries: every counter delta scaled, totals re-derived
    ("scaled_by_0.1", lambda f: f.scale_windows(0.1), "power_below_idle"),
    ("scaled_by_0.5", lambda f: f.scale_windows(0.5), "power_below_idle"),
    ("scaled_by_10", lambda f: f.scale_windows(10), "power_above_limit"),
    (
        "scaled_by_10_no_declared_limit",
        _both(lambda f: f.scale_windows(10), _set("gpus.0.power_limit_w", None, "env")),
        "power_above_limit",
    ),
    (
        "scaled_by_10_limit_raised",
        _both(lambda f: f.scale_windows(10), _set("gpus.0.power_limit_w", 7000.0, "env")),
        "power_limit_implausible",
    ),
    (
        "scaled_by_0.5_idle_edited",
        _both(lambda f: f.scale_windows(0.5), _set("idle_power_w", 50.0, "env")),
        "idle_mismatch",
    ),
    ("idle_of_5_watts", _set("idle_power_w", 5.0, "env"), "idle_implausible"),
    (
        "parameters_of_10_trillion",
        _both(_set("model.parameters", 10**13), _set("model.model_class", "C"), _set("model.class_overridden", True)),
        "below_compute_floor",
    ),
    # impossible or inconsistent content
    ("five_repetitions_same_index", lambda f: f.repeat(5, same_index=True), "repetition_index"),
    ("five_repetitions_same_counters", lambda f: f.repeat(5, same_counters=True), "duplicate_repetition"),
    ("repetition_numbered_1", _set("repetitions.0.index", 1), "repetition_index"),
    ("preprocess_after_generate", _preprocess_after_generate, "window_order"),
    ("overlapping_windows", _overlap, "window_overlap"),
    ("zero_duration", lambda f: gen(f).update(duration_s=0.0), "zero_duration"),
    ("finished_before_started", _set("finished_utc", "2026-11-24T16:00:00+00:00"), "time_order"),
    ("finished_in_the_future", _set("finished_utc", "2099-01-01T00:00:00+00:00"), "future_timestamp"),
    ("finished_not_a_date", _set("finished_utc", "yesterday evening"), "bad_timestamp"),
    ("created_before_finished", _set("created_utc", "2026-11-24T17:00:00+00:00", "manifest"), "time_order"),
    ("windows_longer_than_run", _set("started_utc", "2026-11-24T17:02:00+00:00"), "duration_mismatch"),
    ("preprocess_sample_count", _set("preprocess.samples", 999), "phase_samples"),
    ("preprocess_zero_tokens", _zero_preprocess_tokens, "token_count"),
    ("too_many_output_tokens", lambda f: gen(f).update(output_tokens=50_000), "token_count"),
    ("empty_counter_trace", lambda f: setattr(f, "trace", []), "bad_trace"),
    ("trace_runs_backwards", _trace_backwards, "bad_trace"),
    ("duration_halved", _halve_duration, "trace_mismatch"),
    ("trace_counter_differs", _trace_counter, "trace_mismatch"),
    (
        "other_process_not_contaminated",
        _set("other_processes", [{"pid": 4242, "name": "miner"}], "env"),
        "contamination_mismatch",
    ),
    (
        "class_b_one_gpu_four_device_ids",
        _both(
            _set("model.model_class", "B"),
            _set("model.class_overridden", True),
            _set("config.device_ids", [0, 1, 2, 3]),
        ),
        "device_ids_mismatch",
    ),
    ("rtx_4090_named_h100", _set("gpus.0.name", "NVIDIA GeForce RTX 4090 (not an H100)", "env"), "not_h100"),
    ("run_log_names_a100", _log("GPUs NVIDIA H100 80GB HBM3", "GPUs NVIDIA A100-SXM4-80GB"), "log_mismatch"),
    ("run_log_other_model", _log("meta-llama/Llama-3.2-1B-replica:", "meta-llama/Llama-3.1-8B:"), "log_mismatch"),
    ("duplicate_json_key", _raw_report(_duplicate_key), "duplicate_key"),
    ("counter_1e400", _huge_counter("1e400"), "number_too_large"),
    ("counter_10_pow_400", _huge_counter("1" + "0" * 400), "number_too_large"),
    ("integer_of_5000_digits", _huge_counter("9" * 5000), "number_too_large"),
    ("zip_without_manifest", _no_manifest, "missing_manifest"),
    # identity
    ("cyrillic_model_id", _set("model.id", "m\u0435ta-llama/Llama-3.2-1B-replica"), "bad_model_id"),
    ("zero_width_space_in_id", _set("model.id", "meta-llama/Llama\u200b-3.2-1B-replica"), "bad_model_id"),
    ("right_to_left_override_in_id", _set("model.id", "meta-llama/\u202eacilper-B1"), "bad_model_id"),
    ("model_id_three_parts", _set("model.id", "a/b/c"), "bad_model_id"),
    ("model_id_part_of_97", _set("model.id", "meta-llama/" + "x" * 97), "bad_model_id"),
    ("dtype_of_5_mb", _set("model.dtype", _random_text(5_000_000)), "bad_dtype"),
    ("driver_version_of_5000_chars", _set("driver_version", _random_text(5000), "env"), "text_too_long"),
    # what the arithmetic checks already caught
    ("simulated_meter", _set("meter", "simulated", "env"), "simulated_meter"),
    (
        "contaminated",
        _both(_set("contaminated", True, "env"), _set("other_processes", [{"pid": 1}], "env")),
        "contaminated",
    ),
    ("edited_without_resigning", _unsigned_edit, "hash_mismatch"),
    ("phase_energy_edited", _altered_phase, "altered_phase"),
    ("energy_text_edited", _altered_text, "altered_total"),
    ("counter_runs_backwards", lambda f: gen(f).update(counter_end_mj=[1]), "bad_counters"),
    ("second_gpu_without_readings", _second_gpu, "counter_gpus"),
    ("incomplete_run", _set("status", "incomplete"), "incomplete_run"),
    ("class_a_with_405b", _set("model.parameters", 405_000_000_000), "class_mismatch"),
    ("half_the_samples", _both(_set("dataset.samples", 500), _set("config.samples", 500)), "sample_count"),
    ("unknown_task", _set("task", "mining"), "unknown_task"),
    ("schema_version_2", _set("schema_version", 2), "schema_version"),
    ("file_added", _file_added, "unlisted_file"),
]


def test_the_fixture_itself_passes() -> None:
    rep = validate_bundle(Forge.fixture().bundle())
    assert rep.ok, rep.text()


@pytest.mark.parametrize(("edit", "code"), [pytest.param(e, c, id=n) for n, e, c in HOSTILE])
def test_forgery_is_rejected_with_its_code(edit: Any, code: str) -> None:
    rep = validate_bundle(forged(edit))
    found = [p.code for p in rep.problems]
    assert code in found, rep.text()
    assert "internal_error" not in found and rep.record is None
    message = next(p.message for p in rep.problems if p.code == code)
    assert len(message) < 1200, "a message must stay readable"


def test_at_least_forty_forgeries_with_their_own_codes() -> None:
    assert len(HOSTILE) >= 40
    assert len({c for _, _, c in HOSTILE}) >= 30
    assert len({n for n, _, _ in HOSTILE}) == len(HOSTILE)


def test_consistent_forgeries_are_caught_only_by_physics() -> None:
    """The scaled bundles pass every arithmetic check: physics is the only finding."""
    for k, code in ((0.1, "power_below_idle"), (0.5, "power_below_idle"), (10, "power_above_limit")):

        def scale(f: Forge, k: float = k) -> None:
            f.scale_windows(k)

        rep = validate_bundle(forged(scale))
        assert [p.code for p in rep.problems] == [code], rep.text()


def test_power_messages_give_the_watts() -> None:
    rep = validate_bundle(forged(lambda f: f.scale_windows(0.1)))
    assert "13.6 W" in rep.problems[0].message and "115.2 W" in rep.problems[0].message
    rep = validate_bundle(forged(lambda f: f.scale_windows(10)))
    assert "1,357.3 W" in rep.problems[0].message and "700 W" in rep.problems[0].message


def test_unclear_rejections_are_now_clear() -> None:
    rep = validate_bundle(forged(_huge_counter("9" * 5000)))
    assert "5,000 digits" in rep.problems[0].message and "Please report" not in rep.text()
    rep = validate_bundle(forged(_huge_counter("1e400")))
    assert "1e400" in rep.problems[0].message and "upload it again" not in rep.text()
    rep = validate_bundle(forged(_no_manifest))
    assert "manifest.json" in rep.problems[0].message and "no benchmark_config.json" not in rep.text()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "bundle.zip"
    os.mkfifo(pipe)
    rep = validate_bundle(pipe)
    assert [p.code for p in rep.problems] == ["unreadable"]
    assert "not a regular file" in rep.problems[0].message


REFERENCE_HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    (
        "3e-6_wh_per_1k_for_8b",
        {
            "phases": {"preprocess_dataset": 1e-12, "prefill": 1e-9, "decode": 2e-9},
            "extra": {"model_class": "A", "parameters": 8_000_000_000},
        },
        "below_compute_floor",
    ),
    ("parameters_minus_5", {"extra": {"model_class": "A", "parameters": -5}}, "bad_parameters"),
    ("model_id_a_list", {"model": ["acme/a", "acme/b"]}, "bad_model_id"),
    ("dtype_a_dict", {"backend": {"torch_dtype": {"bits": 16}}}, "bad_dtype"),
    ("405b_as_class_a", {"extra": {"model_class": "A", "parameters": 405_000_000_000}}, "class_mismatch"),
    ("rtx_4090_named_h100", {"gpus": ("NVIDIA GeForce RTX 4090 (not an H100)",)}, "not_h100"),
    ("cyrillic_model_id", {"model": "m\u0435ta-llama/Llama-3.1-8B"}, "bad_model_id"),
]


@pytest.mark.parametrize(("kwargs", "code"), [pytest.param(k, c, id=n) for n, k, c in REFERENCE_HOSTILE])
def test_reference_forgery_is_rejected_with_its_code(kwargs: dict[str, Any], code: str) -> None:
    rep = validate_bundle(reference_zip(**kwargs))
    assert code in [p.code for p in rep.problems], rep.text()
    assert "internal_error" not in [p.code for p in rep.problems]


def real_bundles() -> list[Path]:
    """Every real bundle of the repository (demo data, the fixture, benchmark sessions)."""
    found = [
        *ROOT.glob("data/demo_bundles/*.zip"),
        ROOT / "tests/fixtures/h100_bundle.zip",
        *ROOT.glob("benchmarks/**/*.zip"),
    ]
    return sorted(p for p in found if p.is_file())


def test_there_are_real_bundles() -> None:
    assert len(real_bundles()) >= 19


@pytest.mark.parametrize("path", real_bundles(), ids=lambda p: p.name)
def test_every_real_bundle_is_still_accepted(path: Path) -> None:
    """Every real bundle passes (no physical check comes near it); H200 ones with the other-hardware warning."""
    rep = validate_bundle(path, short_workload_ok=True)
    assert rep.ok, rep.text()
    other = "other_hardware" in {w.code for w in rep.warnings}
    assert other == ("H200" in path.name or "h200" in path.name), rep.text()


def test_margins_leave_room_around_the_real_bundles() -> None:
    """The idle floor and the power ceiling are far from where real windows sit."""
    assert margins.IDLE_FLOOR_FRACTION <= 0.8 and margins.LIMIT_MARGIN >= 1.0
    assert margins.JOULES_PER_PARAM_TOKEN_FLOOR < 2 * 0.71e-12
