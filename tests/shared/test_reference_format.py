"""validate_bundle on a zipped run directory of the reference runner (optimum-benchmark energy_star)."""

from __future__ import annotations

import io
import json
import math
import zipfile
from typing import Any

import pytest

from shared.bundle.validate import validate_bundle
from shared.records import FORMAT_REFERENCE
from tests.shared.bundles import codes, problem

H100 = "NVIDIA H100 80GB HBM3"
# GPU energy per phase in kWh for 1,000 prompts: 0.0001 kWh = 0.1 Wh etc.
GEN_PHASES = {"preprocess_dataset": 0.00002, "prefill": 0.0005, "decode": 0.0015}


def phase(kwh: float, unit: str = "kWh") -> dict[str, Any]:
    return {
        "energy": {"unit": unit, "cpu": kwh / 4, "ram": kwh / 10, "gpu": kwh, "total": kwh * 1.35},
        "efficiency": {"unit": "tokens/kWh", "value": 1e6},
    }


def reference_zip(
    task: str = "text-generation",
    model: str = "acme/tiny-model",
    samples: Any = 1000,
    gpus: Any = (H100,),
    phases: dict[str, float] | None = None,
    unit: str = "kWh",
    txt: str | None = "auto",
    extra: Any = None,
    folder: str = "runs/2026-11-20/",
    config_name: str = "benchmark_config.json",
    backend: dict[str, Any] | None = None,
    wrap_report: bool = False,
    more: dict[str, bytes] | None = None,
) -> bytes:
    """A zipped reference run directory; by default a valid class A text-generation run."""
    phases = dict(GEN_PHASES if phases is None else phases)
    report: dict[str, Any] = {
        "load_dataset": phase(0.00001, unit),
        "load_model": phase(0.0002, unit),
        **{k: phase(v, unit) for k, v in phases.items()},
    }
    config = {
        "name": "energy_star",
        "backend": {"name": "pytorch", "model": model, "task": task, "device": "cuda", **(backend or {})},
        "scenario": {"name": "energy_star", "dataset_name": "AIEnergyScore/text_generation", "num_samples": samples},
        "environment": {"gpu": list(gpus) if isinstance(gpus, tuple) else gpus, "gpu_count": 1},
    }
    members: dict[str, bytes] = {
        "benchmark_report.json": json.dumps({"report": report} if wrap_report else report).encode(),
        config_name: json.dumps({"config": config}).encode(),
    }
    if txt == "auto":
        total_wh = sum(phases.values()) * 1000
        txt = f"{total_wh:.2f}\n"
    if txt is not None:
        members["GPU_ENERGY_WH.txt"] = txt.encode()
    if extra is None and task == "text-generation":
        extra = {"model_class": "A", "parameters": 1_000_000_000}
    if extra is not None:
        members["aienergyscore.json"] = json.dumps(extra).encode()
    members.update(more or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(folder + name, body)
    return buf.getvalue()


def test_reference_run_passes_and_is_marked() -> None:
    rep = validate_bundle(reference_zip())
    assert rep.ok, rep.text()
    assert rep.source_format == FORMAT_REFERENCE
    assert [w.code for w in rep.warnings] == ["reference_format"]
    assert "cannot be re-derived" in rep.warnings[0].message
    rec = rep.record
    assert rec is not None and rec.source_format == FORMAT_REFERENCE == "reference-runner"
    # total = preprocess + prefill + decode (as the reference), kWh -> Wh, per 1,000 queries
    assert math.isclose(rec.gpu_energy_wh_per_1k, (0.00002 + 0.0005 + 0.0015) * 1000)
    assert set(rec.phases_wh_per_1k) == {"preprocess", "prefill", "decode"}
    assert (rec.task_id, rec.model_id, rec.model_class, rec.samples, rec.hardware) == (
        "text_generation",
        "acme/tiny-model",
        "A",
        1000,
        H100,
    )
    assert rec.runner == "optimum-benchmark energy_star"


def test_reference_forward_task_passes_without_class_file() -> None:
    data = reference_zip(
        task="image-classification", phases={"preprocess_dataset": 0.00001, "forward": 0.0026}, folder=""
    )
    rep = validate_bundle(data)
    assert rep.ok, rep.text()
    assert rep.record.task_id == "image_classification" and rep.record.model_class is None
    assert math.isclose(rep.record.gpu_energy_wh_per_1k, 2.61)


def test_reference_normalises_n_prompts_to_per_1k() -> None:
    """The reference's txt file holds the energy of its N prompts; the rating is per 1,000 queries.
    With N = 1,000 both readings coincide, so the per-run total in the txt file is accepted."""
    rep = validate_bundle(reference_zip(txt="2.02\n"))
    assert rep.ok, rep.text()


def test_reference_variants_accepted() -> None:
    assert validate_bundle(reference_zip(wrap_report=True)).ok
    assert validate_bundle(reference_zip(config_name="experiment_config.json")).ok
    assert validate_bundle(reference_zip(txt=None)).ok  # the txt file is optional
    assert validate_bundle(reference_zip(unit="Wh", phases={k: v * 1000 for k, v in GEN_PHASES.items()}, txt=None)).ok
    rep = validate_bundle(reference_zip(gpus=H100))  # a single name instead of a list
    assert rep.ok, rep.text()
    rep = validate_bundle(reference_zip(extra={"parameters": 7_000_000_000}))  # class from parameters
    assert rep.ok and rep.record.model_class == "A"


def test_reference_reasoning_variant() -> None:
    data = reference_zip(extra={"model_class": "B", "reasoning": True})
    rep = validate_bundle(data)
    assert rep.ok, rep.text()
    assert rep.record.task_id == "reasoning"


def test_reference_all_machine_gpus_listed_but_one_used() -> None:
    """optimum-benchmark lists every GPU of the machine; backend.device_ids says which were used."""
    rep = validate_bundle(reference_zip(gpus=(H100,) * 8, backend={"device_ids": "0"}))
    assert rep.ok, rep.text()
    assert rep.record.gpu_count == 1


def test_reference_class_a_on_two_devices() -> None:
    rep = validate_bundle(reference_zip(gpus=(H100,) * 8, backend={"device_ids": "0,1"}))
    assert "exactly one GPU" in problem(rep, "class_gpu_count")


def test_reference_class_a_two_gpus_listed() -> None:
    rep = validate_bundle(reference_zip(gpus=(H100, H100)))
    assert "used 2" in problem(rep, "class_gpu_count")


def test_reference_missing_config() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("benchmark_report.json", json.dumps({"prefill": phase(0.001)}))
    msg = problem(validate_bundle(buf.getvalue()), "missing_config")
    assert "neither of the two formats" in msg and "manifest.json" in msg and "benchmark_config.json" in msg


def test_reference_unknown_task() -> None:
    rep = validate_bundle(reference_zip(task="fill-mask"))
    assert "'fill-mask' is not a rated task" in problem(rep, "unknown_task")


def test_reference_missing_model() -> None:
    assert "names no model" in problem(validate_bundle(reference_zip(model="")), "missing_model")


@pytest.mark.parametrize("samples", [10, 999])
def test_reference_non_standard_samples(samples: int) -> None:
    msg = problem(validate_bundle(reference_zip(samples=samples)), "sample_count")
    assert f"measured {samples} samples" in msg and "standard workload is 1000" in msg


@pytest.mark.parametrize("samples", [None, "1000", 0])
def test_reference_no_sample_count(samples: Any) -> None:
    assert "no sample count" in problem(validate_bundle(reference_zip(samples=samples)), "sample_count")


def test_reference_not_h100() -> None:
    rep = validate_bundle(reference_zip(gpus=("Tesla T4",)))
    msg = problem(rep, "not_h100")
    assert "Tesla T4" in msg and "cannot be accepted" in msg


def test_reference_other_known_gpu_accepted_without_stars() -> None:
    rep = validate_bundle(reference_zip(gpus=("NVIDIA A100-SXM4-80GB",)))
    assert rep.ok, rep.text()
    other = [w.message for w in rep.warnings if w.code == "other_hardware"]
    assert other and "NVIDIA A100-SXM4-80GB" in other[0] and "without stars" in other[0]
    assert rep.record is not None and rep.record.hardware == "NVIDIA A100-SXM4-80GB"


def test_reference_mixed_gpus_refused() -> None:
    rep = validate_bundle(reference_zip(gpus=("NVIDIA H100 80GB HBM3", "NVIDIA H200")))
    assert "different GPUs" in problem(rep, "mixed_gpus")


def test_reference_no_gpu() -> None:
    assert "lists no GPU" in problem(validate_bundle(reference_zip(gpus=())), "no_gpu")


def test_reference_missing_phase() -> None:
    rep = validate_bundle(reference_zip(phases={"preprocess_dataset": 0.00002, "prefill": 0.0005}))
    assert "phase 'decode'" in problem(rep, "missing_phase")


@pytest.mark.parametrize("bad", [-0.001, "lots", None])
def test_reference_bad_phase_energy(bad: Any) -> None:
    phases = dict(GEN_PHASES)
    data = reference_zip(phases=phases)
    members = {n: zipfile.ZipFile(io.BytesIO(data)).read(n) for n in zipfile.ZipFile(io.BytesIO(data)).namelist()}
    key = "runs/2026-11-20/benchmark_report.json"
    report = json.loads(members[key])
    report["decode"]["energy"]["gpu"] = bad
    members[key] = json.dumps(report).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    rep = validate_bundle(buf.getvalue())
    assert "no valid GPU energy for phase 'decode'" in problem(rep, "missing_phase")


def test_reference_wrong_units() -> None:
    rep = validate_bundle(reference_zip(unit="furlongs"))
    msg = problem(rep, "bad_units")
    assert "'furlongs'" in msg and "kWh" in msg


def test_reference_zero_energy() -> None:
    rep = validate_bundle(reference_zip(phases={"preprocess_dataset": 0.0, "prefill": 0.0, "decode": 0.0}, txt=None))
    assert "0 Wh" in problem(rep, "zero_energy")


def test_reference_altered_energy_text() -> None:
    msg = problem(validate_bundle(reference_zip(txt="0.50\n")), "altered_total")
    assert "GPU_ENERGY_WH.txt says 0.5 Wh" in msg and "altered" in msg


def test_reference_energy_text_not_a_number() -> None:
    assert "one number" in problem(validate_bundle(reference_zip(txt="about two\n")), "bad_energy_file")


def test_reference_missing_class() -> None:
    rep = validate_bundle(reference_zip(extra={"note": "no class"}))
    assert "aienergyscore.json" in problem(rep, "missing_class")


def test_reference_class_file_not_an_object() -> None:
    rep = validate_bundle(reference_zip(extra=["A"]))
    assert "missing_class" in codes(rep) and "internal_error" not in codes(rep)


def test_reference_nan_in_report() -> None:
    data = reference_zip(more={"benchmark_report.json": b'{"prefill": {"energy": {"unit": "kWh", "gpu": NaN}}}'})
    msg = problem(validate_bundle(data), "bad_json")
    assert "NaN" in msg


def test_reference_two_runs_in_one_zip() -> None:
    data = reference_zip(more={"../other/benchmark_report.json": b"{}"}, folder="a/")
    assert "unsafe_zip" in codes(validate_bundle(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a/benchmark_report.json", "{}")
        zf.writestr("b/benchmark_report.json", "{}")
    assert "one run per zip" in problem(validate_bundle(buf.getvalue()), "ambiguous")


def test_reference_report_not_an_object() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("benchmark_report.json", "[1, 2, 3]")
    assert "JSON object of phases" in problem(validate_bundle(buf.getvalue()), "bad_json")
