"""benchmarks/replica_vs_official.py on the shipped files: the demo bundles seed.py loads and the official
February 2025 CSVs. Checks the table's rows, their figures against the files, and that the rows whose
workload differs from the reference's are flagged."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest

import seed
from benchmarks.replica_vs_official import MAPPING, Row, build_rows, main, render

EXPECTED = {  # official model -> (our bundle, comparable)
    "openai/whisper-tiny": ("h100_asr_whisper_tiny.zip", True),
    "Salesforce/blip2-opt-2.7b": ("h100_cap_blip2_opt27b.zip", True),
    "microsoft/resnet-50": ("h100_ic_resnet50.zip", True),
    "google/vit-base-patch16-224": ("h100_ic_vit.zip", True),
    "facebook/detr-resnet-101": ("h100_od_detr101.zip", True),
    "distilbert/distilbert-base-cased-distilled-squad": ("h100_qa_distilbert.zip", True),
    "deepset/electra-base-squad2": ("h100_qa_electra.zip", True),
    "lvwerra/distilbert-imdb": ("h100_tc_distilbert_imdb.zip", True),
    "avsolatorio/GIST-all-MiniLM-L6-v2": ("h100_ss_minilm.zip", False),
    "sshleifer/distilbart-cnn-12-6": ("h100_sum_distilbart126.zip", False),
    "meta-llama/Meta-Llama-3.1-8B": ("h100_tg_llama8b_single.zip", True),
}


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    """The rows for the shipped files, sample sets regenerated and measured (about 30 s)."""
    return build_rows()


def _official(model: str) -> float:
    for path in sorted(seed.REFERENCE_DIR.glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["model"] == model:
                    return float(row["total_gpu_energy"]) * 1000
    raise AssertionError(model)


def _ours(bundle: str) -> dict:
    with zipfile.ZipFile(seed.DEMO_DIR / bundle) as z:
        return json.loads(z.read("benchmark_report.json"))


@pytest.mark.slow
def test_rows_match_the_shipped_files(rows: list[Row]) -> None:
    assert [r.official_model for r in rows] == list(EXPECTED)
    assert set(MAPPING.values()) == set(EXPECTED)
    for r in rows:
        bundle, _ = EXPECTED[r.official_model]
        report = _ours(bundle)
        assert r.bundle == bundle
        assert r.ours == pytest.approx(report["summary"]["gpu_energy_wh_per_1k_mean"])
        assert r.official == pytest.approx(_official(r.official_model))
        assert r.ratio == pytest.approx(r.ours / r.official)
        assert r.samples == report["dataset"]["samples"]
        assert r.gpu.startswith("NVIDIA H100")
        # Every sample set was regenerated with a command of RESULTS.md and matched the bundle's digest.
        assert r.sample_set.startswith("python -m runner.samples"), r.sample_set
        assert r.sample_measures


@pytest.mark.slow
def test_non_comparable_rows_are_flagged(rows: list[Row]) -> None:
    for r in rows:
        assert r.comparable is EXPECTED[r.official_model][1], (r.official_model, r.reasons)
        assert bool(r.reasons) is not r.comparable
    by = {r.official_model: r for r in rows}
    summ = by["sshleifer/distilbart-cnn-12-6"]
    assert (summ.our_pass, summ.reference_pass) == ("generate", "forward")
    assert summ.output_tokens_per_sample == 10 and summ.output_pinned
    ss = by["avsolatorio/GIST-all-MiniLM-L6-v2"]
    assert "2 forward passes per query" in ss.reasons[0]
    # Generative rows the reference also generates: output pinned at the method's length, so comparable.
    for model, tokens in (("openai/whisper-tiny", 100), ("Salesforce/blip2-opt-2.7b", 100)):
        assert by[model].output_pinned and by[model].output_tokens_per_sample == tokens
    # The 8B row names the other H100 run of the same job (session 2, machine 1: 18.2332).
    llama = by["meta-llama/Meta-Llama-3.1-8B"]
    assert [o.value for o in llama.others] == [18.2332]
    assert "18.2332" in " ".join(llama.caveats)
    table = render(rows)
    assert table.count("**no**") == 2
    assert (
        "| avsolatorio/GIST-all-MiniLM-L6-v2 (sentence-transformers/all-MiniLM-L6-v2) | sentence_similarity |" in table
    )


@pytest.mark.slow
def test_measured_inputs(rows: list[Row]) -> None:
    by = {r.official_model: r for r in rows}
    detr = by["facebook/detr-resnet-101"].model_input
    assert detr.startswith("pixel_values 800-800 x 800-1196"), detr
    assert by["microsoft/resnet-50"].model_input == "pixel_values 224 x 224 (every image)"
    assert by["openai/whisper-tiny"].model_input.startswith("input_features 80 x 3000")
    assert by["sshleifer/distilbart-cnn-12-6"].published_tokens_per_sample == pytest.approx(383.715)


def test_main_without_sample_sets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-sample-sets", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["official_model"] for r in out] == list(EXPECTED)
    assert [r["comparable"] for r in out] == [c for _, c in EXPECTED.values()]
