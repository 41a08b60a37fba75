"""validate_bundle on our own bundle format: one passing bundle, then one failing bundle per check.

Every failing case asserts the problem code AND that the message names the problem. Edits are
re-signed (manifest hashes recomputed) so the content checks are what catches them, not the hashes.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile

import pytest

from runner.run_files import run_files
from shared.bundle.energy import summary_file
from shared.bundle.make import make_bundle, sha256_hex
from shared.bundle.safezip import ZipLimits
from shared.bundle.schema import (
    ENERGY_WH_FILE,
    ENVIRONMENT_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    SCHEMA_VERSION,
    SUMMARY_FILE,
    RunReport,
)
from shared.bundle.validate import validate_bundle
from shared.method.tasks import TASKS
from shared.records import FORMAT_NATIVE
from testkit.factory import H100, make_bundle_bytes, make_env, make_report, resigned, rewrite_zip
from tests.shared.bundles import LOGS, bundle_of, codes, env_dict, problem, rebuild, report_dict


@pytest.fixture(scope="module")
def good() -> bytes:
    return make_bundle_bytes()


def read_member(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


# --- a bundle that passes ------------------------------------------------------------------------


def test_valid_bundle_passes_with_record(good: bytes) -> None:
    rep = validate_bundle(good)
    assert rep.ok, rep.text()
    assert rep.problems == [] and rep.warnings == []
    assert rep.source_format == FORMAT_NATIVE
    assert rep.bundle_sha256 == sha256_hex(good)
    rec = rep.record
    assert rec is not None
    report = make_report()
    assert rec.gpu_energy_wh_per_1k == report.summary.gpu_energy_wh_per_1k_mean
    assert math.isclose(rec.gpu_energy_wh_per_1k, 2.0, rel_tol=0.02)
    assert (rec.task_id, rec.model_id, rec.model_class, rec.gpu_count) == ("text_generation", "acme/tiny-model", "A", 1)
    assert rec.hardware == H100 and rec.repetitions == 3 and rec.samples == 1000
    assert rec.source_format == FORMAT_NATIVE
    assert rec.ci95_low_wh_per_1k < rec.gpu_energy_wh_per_1k < rec.ci95_high_wh_per_1k
    # total = preprocess + prefill + decode, per 1,000 queries
    assert math.isclose(sum(rec.phases_wh_per_1k.values()), rec.gpu_energy_wh_per_1k, rel_tol=1e-12)
    assert set(rec.phases_wh_per_1k) == {"preprocess", "prefill", "decode"}
    assert rep.text().startswith("ACCEPTED")


@pytest.mark.parametrize("task_id", list(TASKS))
@pytest.mark.parametrize("repetitions", [1, 3])
def test_valid_bundle_of_every_task_passes(task_id: str, repetitions: int) -> None:
    rep = validate_bundle(make_bundle_bytes(task_id=task_id, repetitions=repetitions))
    assert rep.ok, rep.text()
    assert rep.record is not None and rep.record.task_id == task_id
    assert rep.record.repetitions == repetitions
    if repetitions == 1:
        assert rep.record.std_wh_per_1k == 0.0
        assert rep.record.ci95_low_wh_per_1k == rep.record.ci95_high_wh_per_1k == rep.record.gpu_energy_wh_per_1k


def test_valid_bundle_from_path_and_bytes_like(good: bytes, tmp_path) -> None:
    path = tmp_path / "run.zip"
    path.write_bytes(good)
    assert validate_bundle(path).ok
    assert validate_bundle(str(path)).ok
    assert validate_bundle(bytearray(good)).ok
    assert validate_bundle(memoryview(good)).ok


def test_rebuilt_report_passes() -> None:
    """The helper used by the failing cases yields a passing bundle when nothing is edited."""
    assert validate_bundle(bundle_of(rebuild(report_dict()))).ok


def test_class_c_on_several_gpus_passes() -> None:
    report = make_report(gpus=4, parameters=120_000_000_000, model_class="C")
    rep = validate_bundle(make_bundle_bytes(report=report, env=make_env(gpus=4)))
    assert rep.ok, rep.text()
    assert rep.record.gpu_count == 4 and rep.record.model_class == "C"


def test_class_override_is_accepted_when_marked() -> None:
    d = report_dict(parameters=30_000_000_000, model_class="A")
    d["model"]["class_overridden"] = True
    assert validate_bundle(bundle_of(rebuild(d))).ok


def test_random_weights_is_a_warning_not_an_error() -> None:
    d = report_dict()
    d["model"]["random_weights"] = True
    rep = validate_bundle(bundle_of(rebuild(d)))
    assert rep.ok
    assert [w.code for w in rep.warnings] == ["random_weights"]
    assert "random-weight" in rep.warnings[0].message


def test_attention_on_cudnns_kernels_is_a_warning_that_names_the_option() -> None:
    """The method's configuration keeps attention off cuDNN's kernels; a bundle that did not is accepted, with a
    warning; one that did, or that predates the field, gets none."""
    d = report_dict(task_id="text_generation")
    d["config"]["cudnn_attention"] = True
    rep = validate_bundle(bundle_of(rebuild(d)))
    assert rep.ok and [w.code for w in rep.warnings] == ["cudnn_attention"]
    assert "--cudnn-attention" in rep.warnings[0].message and rep.warnings[0].file == REPORT_FILE
    for value in (False, None):
        d["config"]["cudnn_attention"] = value
        assert validate_bundle(bundle_of(rebuild(d))).warnings == []


def _with_pass_times(times: list[float]) -> RunReport:
    d = report_dict(task_id="text_classification", repetitions=len(times))
    for rep, t in zip(d["repetitions"], times, strict=True):
        rep["phases"][0]["duration_s"] = t
    return rebuild(d)


def test_passes_that_slow_during_the_run_are_a_warning_for_the_reviewer() -> None:
    rep = validate_bundle(bundle_of(_with_pass_times([60.0, 61.0, 70.0, 72.0])))  # 71 / 60.5 s: +17%
    assert rep.ok  # a warning, not a rejection: the figure and its CI stand
    drift = [w.message for w in rep.warnings if w.code == "host_drift"]
    assert len(drift) == 1
    assert "slowed during the run (+17% pass time" in drift[0] and "over 4 repetitions" in drift[0]
    assert rep.warnings[0].file == REPORT_FILE


def test_steady_passes_give_no_drift_warning() -> None:
    for times in ([60.0, 61.0, 59.5, 60.5], [60.0, 66.0, 54.0, 62.0]):  # scatter, no drift between the halves
        rep = validate_bundle(bundle_of(_with_pass_times(times)))
        assert rep.ok and "host_drift" not in {w.code for w in rep.warnings}


def test_energy_text_file_within_rounding_passes() -> None:
    report = make_report()
    mean = report.summary.gpu_energy_wh_per_1k_mean
    rep = validate_bundle(bundle_of(report, edit={ENERGY_WH_FILE: f"{mean:.4f}\n".encode()}))
    assert rep.ok, rep.text()


# --- manifest and files ----------------------------------------------------------------------------


def test_hash_mismatch(good: bytes) -> None:
    rep = validate_bundle(rewrite_zip(good, {"logs/run.log": b"edited log\n"}))
    assert not rep.ok and rep.record is None
    msg = problem(rep, "hash_mismatch")
    assert "logs/run.log" in msg and "sha256 differs from the manifest" in msg
    assert [p.file for p in rep.problems if p.code == "hash_mismatch"] == ["logs/run.log"]


def test_hash_mismatch_on_edited_report_without_resigning(good: bytes) -> None:
    d = json.loads(read_member(good, REPORT_FILE))
    d["summary"]["gpu_energy_wh_per_1k_mean"] = 0.5
    rep = validate_bundle(rewrite_zip(good, {REPORT_FILE: json.dumps(d).encode()}))
    assert "altered after the run" in problem(rep, "hash_mismatch")
    assert "altered_total" in codes(rep)  # the content check catches it too


def test_missing_listed_file(good: bytes) -> None:
    rep = validate_bundle(rewrite_zip(good, {"logs/run.log": None}))
    msg = problem(rep, "missing_file")
    assert "logs/run.log" in msg and "missing from the zip" in msg


@pytest.mark.parametrize("name", [REPORT_FILE, ENVIRONMENT_FILE, ENERGY_WH_FILE, SUMMARY_FILE])
def test_missing_required_file(name: str) -> None:
    rep = validate_bundle(bundle_of(make_report(), edit={name: None}))
    msg = problem(rep, "missing_file")
    assert f"has no {name}" in msg


def test_unlisted_file(good: bytes) -> None:
    rep = validate_bundle(rewrite_zip(good, {"logs/extra.txt": b"added later"}))
    msg = problem(rep, "unlisted_file")
    assert "logs/extra.txt" in msg and "not in the manifest" in msg


def test_manifest_schema_version(good: bytes) -> None:
    manifest = json.loads(read_member(good, MANIFEST_FILE))
    manifest["schema_version"] = SCHEMA_VERSION + 1
    rep = validate_bundle(rewrite_zip(good, {MANIFEST_FILE: json.dumps(manifest).encode()}))
    msg = problem(rep, "schema_version")
    assert f"schema version {SCHEMA_VERSION + 1}" in msg and f"reads version {SCHEMA_VERSION}" in msg


@pytest.mark.parametrize("name", [REPORT_FILE, ENVIRONMENT_FILE])
def test_report_and_environment_schema_version(name: str) -> None:
    d = report_dict() if name == REPORT_FILE else env_dict()
    d["schema_version"] = 99
    rep = validate_bundle(bundle_of(d) if name == REPORT_FILE else bundle_of(make_report(), d))
    msg = problem(rep, "schema_version")
    assert name in msg and "schema version 99" in msg


def test_manifest_schema_error(good: bytes) -> None:
    manifest = json.loads(read_member(good, MANIFEST_FILE))
    manifest["files"][0]["sha256"] = "not-a-hash"
    del manifest["runner_version"]
    rep = validate_bundle(rewrite_zip(good, {MANIFEST_FILE: json.dumps(manifest).encode()}))
    msg = problem(rep, "schema")
    assert "manifest.json does not match the bundle schema" in msg
    assert "runner_version" in msg and "files.0.sha256" in msg


def test_manifest_not_json(good: bytes) -> None:
    rep = validate_bundle(rewrite_zip(good, {MANIFEST_FILE: b"{not json"}))
    assert "manifest.json is not valid JSON" in problem(rep, "bad_json")


# --- pydantic schema of the report and the environment -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("preprocess", "duration_s"), -1.0, "preprocess.duration_s"),
        (("status",), "finished", "status"),
        (("model", "parameters"), 0, "model.parameters"),
        (("repetitions", 0, "phases", 0, "counter_end_mj"), "lots", "counter_end_mj"),
        (("dataset", "samples"), "many", "dataset.samples"),
    ],
)
def test_report_schema_errors(path: tuple, value: object, where: str) -> None:
    d = report_dict()
    node = d
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    rep = validate_bundle(resigned(d))
    msg = problem(rep, "schema")
    assert "benchmark_report.json does not match the bundle schema" in msg and where in msg


def test_report_missing_field() -> None:
    d = report_dict()
    del d["model"]
    assert "model: Field required" in problem(validate_bundle(resigned(d)), "schema")


def test_environment_schema_error() -> None:
    env = env_dict()
    env["meter"] = "guess"
    rep = validate_bundle(bundle_of(make_report(), env))
    msg = problem(rep, "schema")
    assert "environment.json does not match the bundle schema" in msg and "meter" in msg


def test_negative_energy_is_a_schema_error() -> None:
    d = report_dict()
    d["repetitions"][0]["phases"][0]["gpu_energy_wh"] = -1.0
    msg = problem(validate_bundle(resigned(d)), "schema")
    assert "gpu_energy_wh" in msg and "greater than or equal to 0" in msg


# --- run status and task -----------------------------------------------------------------------------


def test_incomplete_run_resigned() -> None:
    d = report_dict()
    d["status"] = "incomplete"
    d["failure"] = "CUDA out of memory"
    msg = problem(validate_bundle(resigned(d)), "incomplete_run")
    assert "did not complete" in msg and "CUDA out of memory" in msg


def test_incomplete_run_as_the_runner_writes_it() -> None:
    """run_files writes no energy files for an incomplete run; the validator still says why."""
    report = make_report().model_copy(update={"status": "incomplete", "failure": "CUDA out of memory", "summary": None})
    files = run_files(report, make_env(), LOGS)
    assert ENERGY_WH_FILE not in files
    rep = validate_bundle(make_bundle(files, "aienergyscore-runner", "test"))
    msg = problem(rep, "incomplete_run")
    assert "CUDA out of memory" in msg
    assert "missing_file" in codes(rep)


def test_unknown_task() -> None:
    d = report_dict()
    d["task"] = "poetry"
    msg = problem(validate_bundle(resigned(d)), "unknown_task")
    assert "'poetry'" in msg and "text_generation" in msg and "image_generation" in msg


def test_no_repetitions() -> None:
    d = report_dict()
    d["repetitions"] = []
    d["summary"] = None
    assert "no measured repetition" in problem(validate_bundle(resigned(d)), "no_repetitions")


# --- energies re-derived from counters -----------------------------------------------------------------


def test_altered_phase_energy() -> None:
    d = report_dict()
    d["repetitions"][1]["phases"][0]["gpu_energy_wh"] *= 0.8
    msg = problem(validate_bundle(resigned(d)), "altered_phase")
    assert "repetition 1 generate phase" in msg and "counter readings give" in msg and "altered" in msg


def test_altered_preprocess_energy() -> None:
    d = report_dict()
    d["preprocess"]["gpu_energy_wh"] += 0.001
    assert "The preprocess phase" in problem(validate_bundle(resigned(d)), "altered_phase")


def test_counter_going_backwards() -> None:
    d = report_dict()
    phase = d["repetitions"][0]["phases"][0]
    phase["counter_end_mj"] = [phase["counter_start_mj"][0] - 5]
    msg = problem(validate_bundle(resigned(d)), "bad_counters")
    assert "went backwards" in msg and "repetition 0" in msg


def test_counter_count_differs_from_gpu_count() -> None:
    d = report_dict()
    phase = d["repetitions"][0]["phases"][0]
    phase["counter_start_mj"].append(5)
    phase["counter_end_mj"].append(10)
    msg = problem(validate_bundle(resigned(d)), "counter_gpus")
    assert "counter readings for 2 GPU(s) but the run used 1" in msg


def test_counters_for_fewer_gpus_than_environment() -> None:
    report = make_report()  # one GPU's readings
    rep = validate_bundle(bundle_of(report, make_env(gpus=2)))
    assert "but the run used 2" in problem(rep, "counter_gpus")


def test_altered_repetition_total() -> None:
    d = report_dict()
    d["repetitions"][2]["gpu_energy_wh"] *= 0.9
    msg = problem(validate_bundle(resigned(d)), "altered_total")
    assert "Repetition 2's total disagrees with the sum of its phases" in msg


def test_altered_repetition_per_1k() -> None:
    d = report_dict()
    d["repetitions"][0]["gpu_energy_wh_per_1k"] /= 2
    assert "Repetition 0's total" in problem(validate_bundle(resigned(d)), "altered_total")


def test_altered_summary_mean() -> None:
    d = report_dict()
    d["summary"]["gpu_energy_wh_per_1k_mean"] = 1.0
    msg = problem(validate_bundle(resigned(d)), "altered_total")
    assert "report's summary says 1.000000 Wh" in msg


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ci95_high_wh_per_1k", 9.0),
        ("repetitions", 10),
        ("phases_wh_per_1k", {"preprocess": 0.0, "prefill": 0.1, "decode": 0.2}),
    ],
)
def test_altered_summary_details(key: str, value: object) -> None:
    d = report_dict()
    d["summary"][key] = value
    msg = problem(validate_bundle(resigned(d)), "altered_summary")
    assert "report's summary says" in msg and key in msg


def test_missing_summary_block() -> None:
    d = report_dict()
    d["summary"] = None
    assert "no summary block" in problem(validate_bundle(resigned(d)), "no_summary")


def test_altered_split() -> None:
    d = report_dict()
    d["split"]["decode_wh"] *= 1.5
    assert "split was altered" in problem(validate_bundle(resigned(d)), "altered_split")


def test_altered_energy_text_file() -> None:
    rep = validate_bundle(bundle_of(make_report(), edit={ENERGY_WH_FILE: b"1.00\n"}))
    msg = problem(rep, "altered_total")
    assert "GPU_ENERGY_WH.txt says 1.0 Wh" in msg and "altered" in msg
    assert [p.file for p in rep.problems] == [ENERGY_WH_FILE]


@pytest.mark.parametrize("body", [b"two watt-hours\n", b"", b"nan\n", b"\xff\xfe"])
def test_energy_text_file_not_a_number(body: bytes) -> None:
    rep = validate_bundle(bundle_of(make_report(), edit={ENERGY_WH_FILE: body}))
    assert codes(rep) & {"bad_energy_file", "altered_total"}
    assert "GPU_ENERGY_WH.txt" in " ".join(p.message for p in rep.problems)


def test_altered_summary_file_total() -> None:
    report = make_report()
    data = summary_file(report.summary)
    data["total"] = 1.5
    rep = validate_bundle(bundle_of(report, edit={SUMMARY_FILE: json.dumps(data).encode()}))
    msg = problem(rep, "altered_total")
    assert "GPU_ENERGY_SUMMARY.json says a total of 1.5 Wh" in msg
    assert {p.file for p in rep.problems} == {SUMMARY_FILE}


def test_altered_summary_file_phase() -> None:
    report = make_report()
    data = summary_file(report.summary)
    data["decode_wh"] += 0.5
    rep = validate_bundle(bundle_of(report, edit={SUMMARY_FILE: json.dumps(data).encode()}))
    msg = problem(rep, "altered_summary")
    assert "GPU_ENERGY_SUMMARY.json says decode_wh" in msg


def test_summary_file_wrong_units() -> None:
    report = make_report()
    data = summary_file(report.summary)
    data["units"] = "kWh"
    rep = validate_bundle(bundle_of(report, edit={SUMMARY_FILE: json.dumps(data).encode()}))
    msg = problem(rep, "bad_summary_file")
    assert "units 'kWh'" in msg and 'must be "Wh"' in msg


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"units": "Wh"}', b'{"units": "Wh", "total": "lots"}', b"not json"])
def test_summary_file_malformed(body: bytes) -> None:
    rep = validate_bundle(bundle_of(make_report(), edit={SUMMARY_FILE: body}))
    assert 'numeric "total"' in problem(rep, "bad_summary_file")


def test_zero_energy() -> None:
    d = report_dict()
    phase = d["repetitions"][0]["phases"][0]
    phase["counter_end_mj"] = list(phase["counter_start_mj"])
    rep = validate_bundle(bundle_of(rebuild(d)))
    msg = problem(rep, "zero_energy")
    assert "Repetition 0 measured 0.0 Wh" in msg and "counter was not read" in msg


# --- sample counts -------------------------------------------------------------------------------


def test_config_sample_count_differs_from_dataset() -> None:
    d = report_dict()
    d["config"]["samples"] = 10
    msg = problem(validate_bundle(resigned(d)), "sample_count")
    assert "config asks for 10 samples" in msg and "says 1000" in msg


def _with_samples(n: int) -> bytes:
    d = report_dict()
    d["dataset"]["samples"] = n
    d["config"]["samples"] = n
    for p in [d["preprocess"]] + [p for r in d["repetitions"] for p in r["phases"]]:
        p["samples"] = n
    return bundle_of(rebuild(d))


def test_non_standard_sample_count() -> None:
    rep = validate_bundle(_with_samples(100))
    msg = problem(rep, "sample_count")
    assert "measured 100 samples" in msg and "standard workload" in msg and "1000" in msg


def test_short_workload_is_accepted_for_demo_data_only() -> None:
    data = _with_samples(100)
    demo = validate_bundle(data, short_workload_ok=True)
    assert demo.ok and demo.record is not None and demo.record.samples == 100
    warning = next(w.message for w in demo.warnings if w.code == "short_workload")
    assert "100 of the standard 1,000" in warning and "normalised per 1,000 queries" in warning
    # Normalised like any run: Wh per 1,000 queries = Wh of the repetition x 1,000 / 100.
    rep0 = demo.record.gpu_energy_wh_per_1k
    assert rep0 > 0
    # More than the standard is never a short workload.
    assert problem(validate_bundle(_with_samples(1200), short_workload_ok=True), "sample_count")


def test_phase_processed_fewer_samples() -> None:
    d = report_dict()
    d["repetitions"][1]["phases"][0]["samples"] = 999
    msg = problem(validate_bundle(resigned(d)), "sample_count")
    assert "Repetition 1 processed 999 samples" in msg


# --- phases ----------------------------------------------------------------------------------------


def test_wrong_counted_phase() -> None:
    d = report_dict(task_id="extractive_qa")
    d["repetitions"][0]["phases"][0]["name"] = "generate"
    rep = validate_bundle(bundle_of(d, energy_files_from=make_report(task_id="extractive_qa")))
    assert "counts exactly ['forward']" in problem(rep, "phases")


def test_first_phase_must_be_preprocess() -> None:
    d = report_dict()
    d["preprocess"]["name"] = "load_model"
    assert "must be 'preprocess'" in problem(validate_bundle(resigned(d)), "phases")


# --- hardware, classes, meter ----------------------------------------------------------------------


def test_not_h100() -> None:
    rep = validate_bundle(bundle_of(make_report(), make_env(gpu_name="NVIDIA GeForce RTX 4090")))
    msg = problem(rep, "not_h100")
    assert "NVIDIA GeForce RTX 4090" in msg and "cannot be accepted" in msg and "H100" in msg
    assert rep.record is None


def test_no_gpu() -> None:
    rep = validate_bundle(bundle_of(make_report(), make_env(gpus=0)))
    assert "lists no GPU" in problem(rep, "no_gpu")


def test_class_a_on_two_gpus() -> None:
    report = make_report(gpus=2, model_class="A")
    rep = validate_bundle(make_bundle_bytes(report=report, env=make_env(gpus=2)))
    msg = problem(rep, "class_gpu_count")
    assert "Class A models must run on exactly one GPU" in msg and "used 2" in msg
    assert codes(rep) == {"class_gpu_count"}


def test_class_b_on_two_gpus() -> None:
    report = make_report(gpus=2, model_class="B", parameters=40_000_000_000)
    rep = validate_bundle(make_bundle_bytes(report=report, env=make_env(gpus=2)))
    assert "Class B" in problem(rep, "class_gpu_count")


def test_class_mismatch_with_parameters() -> None:
    d = report_dict(parameters=30_000_000_000, model_class="A")
    rep = validate_bundle(bundle_of(rebuild(d)))
    msg = problem(rep, "class_mismatch")
    assert "30,000,000,000 parameters" in msg and "class B" in msg and "says class A" in msg


def test_missing_class_for_text_generation() -> None:
    d = report_dict()
    d["model"]["model_class"] = None
    assert "need a model class" in problem(validate_bundle(resigned(d)), "missing_class")


def test_class_ignored_for_tasks_without_classes() -> None:
    d = report_dict(task_id="image_classification")
    d["model"]["model_class"] = "Z"
    rep = validate_bundle(bundle_of(rebuild(d)))
    assert rep.ok, rep.text()
    assert rep.record.model_class is None


def test_simulated_meter() -> None:
    rep = validate_bundle(bundle_of(make_report(), make_env(meter="simulated")))
    msg = problem(rep, "simulated_meter")
    assert "simulated meter" in msg and "--dry-run" in msg


def test_contaminated_gpu() -> None:
    env = env_dict()
    env["contaminated"] = True
    env["other_processes"] = [{"pid": 4242, "name": "python train.py", "used_memory_mib": 1000}]
    rep = validate_bundle(bundle_of(make_report(), env))
    msg = problem(rep, "contaminated")
    assert "python train.py" in msg and "used the GPU during the run" in msg


# --- JSON hazards ----------------------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_or_infinity_in_report(constant: str) -> None:
    text = re.sub(r'"duration_s": [0-9.e-]+', f'"duration_s": {constant}', json.dumps(report_dict()), count=1)
    assert constant in text
    rep = validate_bundle(bundle_of(make_report(), edit={REPORT_FILE: text.encode()}))
    msg = problem(rep, "bad_json")
    assert "benchmark_report.json holds" in msg and constant in msg and "finite" in msg


def test_nan_in_environment() -> None:
    env = env_dict()
    env["idle_power_w"] = float("nan")
    msg = problem(validate_bundle(bundle_of(make_report(), env)), "bad_json")
    assert "environment.json holds NaN" in msg


def test_report_not_utf8() -> None:
    rep = validate_bundle(bundle_of(make_report(), edit={REPORT_FILE: b"\xff\xfe{}"}))
    assert "not UTF-8" in problem(rep, "bad_json")


def test_report_nested_too_deep() -> None:
    deep = "[" * 40 + "]" * 40
    rep = validate_bundle(bundle_of(make_report(), edit={REPORT_FILE: f'{{"x": {deep}}}'.encode()}))
    assert "nested deeper than 32 levels" in problem(rep, "bad_json")


def test_report_too_large() -> None:
    limits = ZipLimits(max_json_bytes=1000)
    rep = validate_bundle(make_bundle_bytes(), limits=limits)
    msg = problem(rep, "bad_json")
    assert "limit for JSON" in msg and "benchmark_report.json" in msg


# --- unsafe zips --------------------------------------------------------------------------------------


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return buf.getvalue()


def test_path_traversal(good: bytes) -> None:
    rep = validate_bundle(rewrite_zip(good, {"../../etc/cron.d/evil": b"x"}))
    msg = problem(rep, "unsafe_zip")
    assert "climbs out of the folder" in msg and "../../etc/cron.d/evil" in msg


def test_absolute_path() -> None:
    msg = problem(validate_bundle(zip_of({"/etc/passwd": b"x"})), "unsafe_zip")
    assert "absolute path" in msg


def test_backslash_name() -> None:
    msg = problem(validate_bundle(zip_of({"..\\evil.txt": b"x"})), "unsafe_zip")
    assert "backslash" in msg


@pytest.mark.parametrize("data", [b"", b"hello world", b"%PDF-1.7 ...", b"\x1f\x8b\x08\x00 gzip"])
def test_not_a_zip(data: bytes) -> None:
    rep = validate_bundle(data)
    assert "not a .zip file" in problem(rep, "unsafe_zip")
    assert rep.record is None


def test_truncated_zip(good: bytes) -> None:
    msg = problem(validate_bundle(good[: len(good) // 2]), "unsafe_zip")
    assert "damaged or truncated" in msg


def test_corrupt_compressed_stream(good: bytes) -> None:
    """A flipped byte inside deflated data: the CRC or the inflater catches it, never an exception."""
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo(REPORT_FILE)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(0, min(info.compress_size, 64)):
        b = bytearray(good)
        b[start + offset] ^= 0xFF
        rep = validate_bundle(bytes(b))
        assert not rep.ok
        assert codes(rep) <= {"unsafe_zip", "bad_json", "hash_mismatch", "schema"}


def test_nested_archive() -> None:
    msg = problem(validate_bundle(zip_of({"inner.zip": b"PK\x03\x04 not really"})), "unsafe_zip")
    assert "archive inside the archive" in msg


def test_nested_archive_by_magic() -> None:
    msg = problem(validate_bundle(zip_of({"logs/run.log": b"\x1f\x8b\x08\x00gzipped"})), "unsafe_zip")
    assert "archive inside the archive" in msg


def test_duplicate_member(good: bytes) -> None:
    buf = io.BytesIO(good)
    with zipfile.ZipFile(buf, "a") as zf, pytest.warns(UserWarning):
        zf.writestr(REPORT_FILE, b"{}")
    msg = problem(validate_bundle(buf.getvalue()), "unsafe_zip")
    assert "twice" in msg


def test_symlink_member() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("benchmark_report.json")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    assert "symbolic link" in problem(validate_bundle(buf.getvalue()), "unsafe_zip")


def test_zip_bomb_ratio() -> None:
    data = zip_of({"logs/big.log": b"\0" * (4 << 20)})
    assert "zip bomb" in problem(validate_bundle(data), "unsafe_zip")


def test_too_many_members() -> None:
    data = zip_of({f"logs/{i}.log": b"x" for i in range(6)})
    msg = problem(validate_bundle(data, limits=ZipLimits(max_files=5)), "unsafe_zip")
    assert "6 entries" in msg and "limit of 5" in msg


def test_upload_too_large(tmp_path) -> None:
    limits = ZipLimits(max_zip_bytes=100)
    msg = problem(validate_bundle(make_bundle_bytes(), limits=limits), "unsafe_zip")
    assert "over the" in msg and "limit" in msg
    path = tmp_path / "big.zip"
    path.write_bytes(make_bundle_bytes())
    assert "limit" in problem(validate_bundle(path, limits=limits), "too_large")


def test_member_larger_than_limit() -> None:
    data = zip_of({"logs/a.log": b"x" * 5000}, zipfile.ZIP_STORED)
    msg = problem(validate_bundle(data, limits=ZipLimits(max_member_bytes=1000)), "unsafe_zip")
    assert "over the limit" in msg


def test_unreadable_paths(tmp_path) -> None:
    assert "cannot be read" in problem(validate_bundle(tmp_path / "missing.zip"), "unreadable")
    assert "cannot be read" in problem(validate_bundle(tmp_path), "unreadable")
    assert "not a readable file path" in problem(validate_bundle("bad\x00path.zip"), "unreadable")


def test_zip_with_neither_format() -> None:
    rep = validate_bundle(zip_of({"notes.txt": b"hello"}))
    msg = problem(rep, "unknown_format")
    assert "neither manifest.json" in msg and "benchmark_report.json" in msg


def test_text_lists_every_problem() -> None:
    rep = validate_bundle(bundle_of(make_report(), make_env(gpu_name="NVIDIA L4", meter="simulated")))
    text = rep.text()
    assert text.startswith("REJECTED: 2 problem(s)")
    assert "cannot be accepted" in text and "simulated meter" in text


@pytest.mark.parametrize("name", [MANIFEST_FILE, REPORT_FILE, ENVIRONMENT_FILE])
@pytest.mark.parametrize("body", [b"null", b"[]", b"42"])
def test_json_that_is_not_an_object_is_rejected(good: bytes, name: str, body: bytes) -> None:
    """Regression: a JSON `null` used to stop validation silently with no problem, i.e. ACCEPTED."""
    data = rewrite_zip(good, {name: body}) if name == MANIFEST_FILE else bundle_of(make_report(), edit={name: body})
    rep = validate_bundle(data)
    assert not rep.ok and rep.record is None
    assert f"{name} must be a JSON object" in problem(rep, "schema")


@pytest.mark.parametrize("value", ["high", 250, -1, True, [50]])
def test_a_bad_quality_score_is_refused_with_its_value(value: object) -> None:
    # NaN cannot get this far: the JSON reader refuses it first (bad_json, tested above).
    report = make_report().model_dump(mode="json")
    report["model"]["quality_score"] = value
    out = validate_bundle(resigned(report))
    assert not out.ok and out.record is None
    message = problem(out, "bad_quality")
    assert repr(value) in message and "from 0 to 100" in message


def test_a_valid_quality_score_reaches_the_record() -> None:
    report = make_report().model_dump(mode="json")
    report["model"]["quality_score"] = 71.5
    out = validate_bundle(resigned(report))
    assert out.ok, out.problems
    assert out.record is not None and out.record.quality_score == 71.5
