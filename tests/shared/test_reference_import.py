"""Importing published figures: the official February 2025 ratings (every star reproduced), the v2
reasoning.csv and master_results.csv layouts, and bad input that imports nothing."""

from __future__ import annotations

import csv
import hashlib
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from shared.method.scoring import scoring_group, stars_by_group
from shared.method.tasks import TASKS
from shared.records import FORMAT_PUBLISHED, PROVENANCE_PUBLISHED, ResultRecord
from shared.store.models import Attestation, StoreError, Submitter
from shared.store.reference_import import (
    LAYOUT_MASTER,
    LAYOUT_V1,
    LAYOUT_V2_REASONING,
    ReferenceImportError,
    import_published,
    layout_of,
    main,
    read_published,
)
from shared.store.sqlite import SQLiteStore
from shared.store.versions import recompute_stars

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "data" / "reference" / "aes_v1_feb2025"
VID, NAME = "aes-v1-2025-02", "AI Energy Score v1, February 2025"
# sha256 over (name, NUL, bytes, NUL) of each CSV, in name order.
SHIPPED_SHA256 = "7e61b9e3d9b6889aee3e6c81141ddc95936a65da6229c91f568598e697e37dbf"

V2_HEADER = (
    "model,total_gpu_energy,energy_score,class,test date,total_duration_seconds,avg_latency_seconds,total_tokens,"
    "total_prompt_tokens,total_completion_tokens,throughput_tokens_per_second,gpu_energy_wh,co2_emissions_g,"
    "tokens_per_joule,avg_energy_per_prompt_wh"
)
MASTER_HEADER = (
    "model_name,model_class,task,reasoning_state,total_prompts,successful_prompts,failed_prompts,"
    "total_duration_seconds,avg_latency_seconds,total_tokens,total_prompt_tokens,total_completion_tokens,"
    "throughput_tokens_per_second,gpu_energy_wh,co2_emissions_g,tokens_per_joule,avg_energy_per_prompt_wh,"
    "timestamp,error_message"
)


def _shipped_rows() -> list[tuple[str, dict[str, str]]]:
    rows = []
    for path in sorted(SHIPPED.glob("*.csv")):
        with path.open(newline="") as f:
            rows += [(path.name, row) for row in csv.DictReader(f)]
    return rows


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _counts(store: SQLiteStore) -> tuple[int, ...]:
    with sqlite3.connect(store.path) as db:
        return tuple(
            db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("versions", "submissions", "results", "version_results", "published_imports")
        )


def test_shipped_files_are_the_published_ones() -> None:
    """The ten CSVs are the published bytes (sha256 taken from the copy described in SOURCE.md)."""
    digest = hashlib.sha256()
    for path in sorted(SHIPPED.glob("*.csv")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    assert digest.hexdigest() == SHIPPED_SHA256
    assert len(_shipped_rows()) == 166


def test_every_official_star_is_reproduced(tmp_store: SQLiteStore) -> None:
    out = import_published(tmp_store, SHIPPED, VID, NAME)
    assert out.rows_imported == out.stars_published == out.stars_reproduced == 166
    assert out.mismatches == []
    assert len(out.files) == 10
    rated = tmp_store.version_results(VID)
    assert all(r.stars == r.record.stars_published for r in rated)
    # The version's stars are exactly what our rule gives over the version's own members.
    assert recompute_stars(rated) == {r.result_id: r.stars for r in rated}


def test_stars_reproduced_straight_from_the_files() -> None:
    """Without the store: the method's groups (per task; per class for text generation) on the files."""
    items, published = [], {}
    for i, (name, row) in enumerate(_shipped_rows()):
        task = "extractive_qa" if name == "question_answering.csv" else name.removesuffix(".csv")
        group = scoring_group(task, row.get("class"), TASKS[task].has_classes)
        items.append((i, group, float(Decimal(row["total_gpu_energy"]) * 1000)))
        published[i] = int(row["energy_score"])
    assert stars_by_group(items) == published


def test_records_carry_units_and_provenance(tmp_store: SQLiteStore) -> None:
    import_published(tmp_store, SHIPPED, VID, NAME)
    rated = tmp_store.version_results(VID)
    by_model = {(r.record.task_id, r.record.model_id): r.record for r in rated}
    gpt2 = by_model[("text_generation", "distilbert/distilgpt2")]
    assert gpt2.gpu_energy_wh_per_1k == 1.313333  # 0.001313333 kWh per 1,000 queries
    assert gpt2.model_class == "A" and gpt2.stars_published == 5
    assert gpt2.source_note == "aes_v1_feb2025/text_generation.csv, line 3"
    assert (gpt2.source_file, gpt2.source_line) == ("text_generation.csv", 3)
    assert by_model[("extractive_qa", "distilbert/distilbert-base-cased-distilled-squad")].model_class is None
    assert all(r.record.provenance == PROVENANCE_PUBLISHED for r in rated)
    assert all(r.record.source_format == FORMAT_PUBLISHED and not r.record.random_weights for r in rated)
    # A model listed twice with two energies stays two rows, as published.
    swin = [r for r in rated if r.record.model_id == "microsoft/swinv2-large-patch4-window12-192-22k"]
    assert len(swin) == 2 and len({r.result_id for r in swin}) == 2


def test_old_records_load_without_the_new_fields() -> None:
    old = '{"record_schema_version": 1, "task_id": "asr", "model_id": "a/b", "gpu_energy_wh_per_1k": 2.0}'
    rec = ResultRecord.from_json(old)
    assert (rec.provenance, rec.source_note, rec.source_line, rec.stars_published) == ("", "", None, None)
    assert rec.stars_mismatch(3) == ""
    assert ResultRecord.from_json(rec.to_json()) == rec


def test_imported_figures_stay_out_of_the_queue_and_the_next_version(tmp_store: SQLiteStore) -> None:
    ours = ResultRecord(task_id="asr", model_id="acme/whisper", gpu_energy_wh_per_1k=1000.0)
    sub, _ = tmp_store.add_submission(b"bundle", "b.zip", ours, Submitter(name="Ada"), Attestation(True, True, True))
    tmp_store.review(sub.id, True, "", "rev")
    import_published(tmp_store, SHIPPED, VID, NAME)
    assert [s.id for s in tmp_store.submissions()] == [sub.id]
    assert [r.submission_id for r in tmp_store.approved_results()] == [sub.id]
    mine = tmp_store.publish_version("2026-12", "December 2026")
    assert mine.result_count == 1
    # Alone in its version, our 1,000 Wh ASR result gets 5 stars: never rated against the reference's.
    assert [r.stars for r in tmp_store.version_results("2026-12")] == [5]
    assert tmp_store.versions()[0].id == "2026-12"


def test_importing_a_version_twice_is_refused(tmp_store: SQLiteStore) -> None:
    import_published(tmp_store, SHIPPED, VID, NAME)
    before = _counts(tmp_store)
    with pytest.raises(StoreError, match="already exists"):
        import_published(tmp_store, SHIPPED, VID, NAME)
    # The store-level check holds too (a caller that skips the importer's own check).
    figures, _ = read_published(SHIPPED, VID)
    with pytest.raises(StoreError, match="already exists"):
        tmp_store.import_published_version(
            VID, NAME, "", [(f.source_bytes, f.file_name, f.record) for f in figures], "x"
        )
    assert _counts(tmp_store) == before == (1, 166, 166, 166, 166)


def test_layouts_are_recognised() -> None:
    assert layout_of(["model", "total_gpu_energy", "energy_score"]) == LAYOUT_V1
    assert layout_of(["energy_score", "class", "model", "total_gpu_energy"]) == LAYOUT_V1
    assert layout_of(V2_HEADER.split(",")) == LAYOUT_V2_REASONING
    assert layout_of(MASTER_HEADER.split(",")) == LAYOUT_MASTER
    renamed = MASTER_HEADER.replace("avg_latency_seconds", "avg_total_time,avg_time_to_first_token")
    assert layout_of(renamed.split(",")) == LAYOUT_MASTER
    assert layout_of(["model", "energy"]) is None
    assert layout_of(["model", "total_gpu_energy", "energy_score", "extra"]) is None
    assert layout_of(["model", "model", "total_gpu_energy", "energy_score"]) is None


def test_v2_reasoning_csv(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    tail = "2025-11-20,100,0.1,1000,500,500,10,5,2,0.05"
    folder = tmp_path / "aes_v2"
    _write(
        folder,
        "reasoning.csv",
        f"{V2_HEADER}\n"
        f"acme/think-8b,0.002,5,A,{tail},0.002\n"
        f"acme/ponder-8b,0.012,1,A,{tail},0.012\n"
        f"bigco/deep-40b,0.05,5,B,{tail},0.05\n",
    )
    out = import_published(tmp_store, folder, "aes-v2", "AI Energy Score v2")
    assert (out.rows_imported, out.stars_reproduced, out.mismatches) == (3, 3, [])
    rated = {r.record.model_id: r for r in tmp_store.version_results("aes-v2")}
    think = rated["acme/think-8b"].record
    assert think.task_id == "reasoning" and think.gpu_energy_wh_per_1k == 2.0 and think.model_class == "A"
    assert think.created_utc == "2025-11-20"
    assert think.config["published_columns"]["total_tokens"] == "1000"
    # Class B is rated on its own: alone, it gets 5 stars.
    assert rated["bigco/deep-40b"].stars == 5


def test_master_results_csv(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    mid = "12.5,0.1,1000,400,600,80.0"
    folder = tmp_path / "batch"
    _write(
        folder,
        "master_results.csv",
        f"{MASTER_HEADER}\n"
        f"acme/small-1b,A,text_gen,Off,10,10,0,{mid},0.0200,0.01,1.0,0.0020,2025-10-17T14:30:00,\n"
        f"acme/small-1b,A,text_gen,On (High),10,8,2,{mid},0.4000,0.2,1.0,0.0500,2025-10-17T15:00:00,\n"
        f"stability/sd-tiny,,image_gen,N/A,10,10,0,{mid},1.0000,0.5,1.0,0.1000,2025-10-17T16:00:00,\n",
    )
    out = import_published(tmp_store, folder, "batch-2025-10", "Batch October 2025")
    assert out.rows_imported == 3 and out.stars_published == 0 and out.mismatches == []
    rated = {(r.record.task_id, r.record.model_id): r for r in tmp_store.version_results("batch-2025-10")}
    off = rated[("text_generation", "acme/small-1b")].record
    assert off.gpu_energy_wh_per_1k == pytest.approx(2.0)  # 0.02 Wh over 10 prompts, per 1,000
    on = rated[("reasoning", "acme/small-1b")].record
    assert on.gpu_energy_wh_per_1k == pytest.approx(50.0) and on.samples == 8  # over the 8 that succeeded
    image = rated[("image_generation", "stability/sd-tiny")]
    assert image.record.model_class is None and image.stars == 5
    assert all(r.record.stars_published is None for r in rated.values())


def test_master_results_prefers_the_runners_own_per_1k(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    header = MASTER_HEADER.replace("gpu_energy_wh,", "gpu_energy_wh,wh_per_1000_queries,")
    mid = "12.5,0.1,1000,400,600,80.0"
    _write(
        tmp_path / "b",
        "master_results.csv",
        f"{header}\nacme/a-1b,A,text_gen,Off,10,10,0,{mid},0.0200,2.5,0.01,1.0,0.0020,2025-10-17,\n",
    )
    import_published(tmp_store, tmp_path / "b", "b", "b")
    assert tmp_store.version_results("b")[0].record.gpu_energy_wh_per_1k == 2.5


def test_a_published_star_that_differs_is_kept_and_reported(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    _write(tmp_path / "f", "asr.csv", "model,total_gpu_energy,energy_score\na/x,0.001,5\na/y,0.002,3\n")
    out = import_published(tmp_store, tmp_path / "f", "v", "v")
    assert out.stars_reproduced == 1 and len(out.mismatches) == 1
    assert "a/y" in out.mismatches[0] and "asr.csv, line 3" in out.mismatches[0]
    y = next(r for r in tmp_store.version_results("v") if r.record.model_id == "a/y")
    assert (y.stars, y.record.stars_published) == (1, 3)
    assert y.record.stars_mismatch(y.stars) == "Published with 3 stars; our rule gives 1."


GOOD_ASR = "model,total_gpu_energy,energy_score\na/x,0.001,5\n"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("asr.csv", "model,energy,stars\na/x,0.001,5\n", "unknown column layout"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,lots,5\n", "total_gpu_energy is 'lots', not a number"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,,5\n", "not a number"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,nan,5\n", "not a number"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,0,5\n", "must be positive"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,1e400,5\n", "must be positive and finite"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,1e-400,5\n", "must be positive and finite"),
        ("asr.csv", f"model,total_gpu_energy,energy_score\n{'a' * 201},0.1,5\n", "is not a model id"),
        ("asr.csv", 'model,total_gpu_energy,energy_score\n"a\nb",0.1,5\n', "is not a model id"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,0.001,6\n", "whole numbers from 1 to 5"),
        ("asr.csv", "model,total_gpu_energy,energy_score\n,0.001,5\n", "model is empty"),
        ("asr.csv", "model,total_gpu_energy,energy_score\na/x,0.001\n", "2 cells for 3 columns"),
        ("asr.csv", "model,total_gpu_energy,energy_score\n", "a header but no rows"),
        ("asr.csv", "", "empty file"),
        ("poetry.csv", GOOD_ASR, "unknown task 'poetry'"),
        ("text_generation.csv", GOOD_ASR, "class is missing"),
        ("text_generation.csv", "model,total_gpu_energy,energy_score,class\na/x,0.001,5,D\n", "class is 'D'"),
        (
            "master_results.csv",
            f"{MASTER_HEADER}\na/x,A,poetry,Off,10,10,0,1,1,1,1,1,1,0.02,1,1,1,2025,\n",
            "unknown task 'poetry'",
        ),
        (
            "master_results.csv",
            f"{MASTER_HEADER}\na/x,A,text_gen,Off,10,0,10,1,1,1,1,1,1,0,1,1,1,2025,CUDA out of memory\n",
            "the run failed (CUDA out of memory)",
        ),
        (
            "master_results.csv",
            f"{MASTER_HEADER}\na/x,A,text_gen,Off,10,10,0,1,1,1,1,1,1,n/a,1,1,1,2025,\n",
            "gpu_energy_wh is 'n/a', not a number",
        ),
        (
            "master_results.csv",
            f"{MASTER_HEADER}\na/x,,asr,On,10,10,0,1,1,1,1,1,1,0.02,1,1,1,2025,\n",
            "only text generation reasons",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_imports_nothing(
    tmp_store: SQLiteStore, tmp_path: Path, name: str, text: str, message: str
) -> None:
    folder = tmp_path / "in"
    _write(folder, "asr.csv" if name != "asr.csv" else "image_classification.csv", GOOD_ASR)
    _write(folder, name, text)
    with pytest.raises(ReferenceImportError, match="Nothing was imported") as err:
        import_published(tmp_store, folder, "v", "v")
    assert any(message in p for p in err.value.problems), err.value.problems
    assert all(f"{name} line" in p or p.startswith(name) for p in err.value.problems)
    assert _counts(tmp_store) == (0, 0, 0, 0, 0)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    _write(tmp_path / "in", "asr.csv", "model,total_gpu_energy,energy_score\na/x,x,5\na/y,0.1,9\n")
    _write(tmp_path / "in", "odd.csv", "a,b\n1,2\n")
    with pytest.raises(ReferenceImportError) as err:
        read_published(tmp_path / "in", "v")
    assert len(err.value.problems) == 3


def test_missing_or_empty_source(tmp_store: SQLiteStore, tmp_path: Path) -> None:
    with pytest.raises(ReferenceImportError, match="no such file or folder"):
        import_published(tmp_store, tmp_path / "missing", "v", "v")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReferenceImportError, match=r"no \.csv file"):
        import_published(tmp_store, tmp_path / "empty", "v", "v")


def test_one_file_can_be_imported(tmp_store: SQLiteStore) -> None:
    out = import_published(tmp_store, SHIPPED / "text_generation.csv", "tg", "Text generation only")
    assert out.rows_imported == out.stars_reproduced == 40


def test_store_refuses_unknown_tasks_and_empty_imports(tmp_store: SQLiteStore) -> None:
    bad = ResultRecord(task_id="poetry", model_id="a/x", gpu_energy_wh_per_1k=1.0)
    with pytest.raises(StoreError, match="Unknown task"):
        tmp_store.import_published_version("v", "v", "", [(b"x", "f.csv", bad)], "src")
    with pytest.raises(StoreError, match="no published figure"):
        tmp_store.import_published_version("v", "v", "", [], "src")
    assert _counts(tmp_store) == (0, 0, 0, 0, 0)


def test_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite3"
    args = ["--store", str(db), str(SHIPPED), "--version", VID, "--name", NAME]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert f"imported 166 published figures from 10 file(s) into version {VID}" in printed
    assert "stars reproduced: 166 of 166 published" in printed
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    bad = tmp_path / "bad"
    shutil.copytree(SHIPPED, bad)
    (bad / "asr.csv").write_text("model,total_gpu_energy,energy_score\na/x,?,5\n")
    assert main(["--store", str(db), str(bad), "--version", "other", "--name", "x"]) == 2
    assert "asr.csv line 2: total_gpu_energy is '?'" in capsys.readouterr().err
    assert [v.id for v in SQLiteStore(db).versions()] == [VID]


def test_the_hub_dataset_store_imports_and_pushes_once(tmp_path: Path) -> None:
    from shared.store.hf_dataset import HFDatasetStore
    from tests.suite.test_hf_store import FakeHub

    hub = FakeHub(tmp_path / "hub")
    store = HFDatasetStore("org/store", api=hub, local_dir=tmp_path / "local")
    out = import_published(store, SHIPPED, VID, NAME)
    assert out.stars_reproduced == 166
    assert hub.commits == [f"Import published version {VID}"]
    reader = HFDatasetStore("org/store", api=hub, local_dir=tmp_path / "reader")
    assert [v.id for v in reader.versions()] == [VID]
