"""Sweep units without any job running: plan.csv parsing and its messages, the class rule, GPU fit, the
CUDA_VISIBLE_DEVICES -> NVML mapping (fake device list), neighbours, the state file and the summary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runner.errors import RunnerError
from runner.sweep import neighbours
from runner.sweep.devices import NvmlGpu, map_visible, parse_visible, uuid_sha256
from runner.sweep.plan import PlanError, check_gpu_fit, parse_plan
from runner.sweep.state import (
    JobRecord,
    SubmissionRecord,
    SweepState,
    load_state,
    save_state,
    status_text,
    summary_table,
    write_summary_csv,
)

# --- plan.csv -------------------------------------------------------------------------------------


def test_plan_rows_become_jobs_with_run_options() -> None:
    jobs = parse_plan(
        "model,task,class,gpus,dtype,samples,repetitions,reasoning,backend\n"
        "meta-llama/Llama-3.2-1B,text_generation,,,bfloat16,100,3,,nvml\n"
        "big/model-405b,text_generation,C,8,,,,,\n"
        "# a comment line\n"
        "google/vit,image_classification,,,,,,,dry-run\n"
        "Qwen/Qwen3-8B,reasoning,A,1,,,,high,\n"
    )
    assert [j.id for j in jobs] == [
        "meta-llama-Llama-3.2-1B__text_generation",
        "big-model-405b__text_generation",
        "google-vit__image_classification",
        "Qwen-Qwen3-8B__reasoning__reasoning-high",
    ]
    assert [j.gpus for j in jobs] == [1, 8, 1, 1]
    assert [j.row for j in jobs] == [2, 3, 5, 6]
    assert jobs[0].run_args() == [
        "--task",
        "text_generation",
        "--model",
        "meta-llama/Llama-3.2-1B",
        "--dtype",
        "bfloat16",
        "--samples",
        "100",
        "--repetitions",
        "3",
    ]
    assert jobs[1].run_args()[-2:] == ["--model-class", "C"]
    assert jobs[2].dry_run and jobs[2].run_args()[-1] == "--dry-run"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("model,task,colour\nm,text_generation,red\n", "row 1 (header): unknown column(s) 'colour'"),
        ("model\nm\n", "the 'task' column is missing"),
        ("model,task\nm,text_generation\nm2,translation\n", "row 3: task 'translation' is not a task"),
        ("model,task,samples\nm,text_generation,ten\n", "row 2: samples must be a whole number, not 'ten'"),
        ("model,task,class\nm,image_classification,A\n", "row 2: class A is only for text generation"),
        ("model,task,class\nm,text_generation,C\n", "row 2: class C needs the gpus column"),
        ("model,task,class,gpus\nm,text_generation,B,2\n", "row 2: Class B models must run on exactly one GPU"),
        ("model,task,gpus\nm,text_generation,4\n", "row 2: gpus is 4 but no class is given"),
        ("model,task,gpus\nm,text_classification,2\n", "row 2: text_classification runs on exactly one GPU"),
        ("model,task\nm,text_generation\nm,text_generation\n", "row 3: job id 'm__text_generation' repeats row 2"),
        ("model,task,dry_run,backend\nm,text_generation,true,nvml\n", "row 2: backend 'nvml' contradicts"),
        ("model,task\n,text_generation\n", "row 2: the model cell is empty"),
        ("", "plan.csv is empty"),
    ],
)
def test_a_bad_plan_row_says_which_row_and_what_to_fix(text: str, expected: str) -> None:
    with pytest.raises(PlanError) as err:
        parse_plan(text)
    assert expected in str(err.value)


def test_a_class_c_job_larger_than_every_node_is_refused_before_anything_runs() -> None:
    jobs = parse_plan("model,task,class,gpus\nsmall,text_generation,A,1\nhuge,text_generation,C,8\n")
    check_gpu_fit(jobs, 8, "this machine")
    with pytest.raises(PlanError) as err:
        check_gpu_fit(jobs, 4, "the local Ray instance")
    assert "row 3 (huge__text_generation) needs 8" in str(err.value) and "Nothing was run" in str(err.value)


# --- CUDA_VISIBLE_DEVICES -> NVML -------------------------------------------------------------------

# NVML's list of a host's boards (NVML enumerates all of them, whatever CUDA_VISIBLE_DEVICES says).
# NVML index order is PCI bus order on real hosts; the fake deliberately lists them out of bus order
# to show that an index entry counts in PCI bus order (CUDA_DEVICE_ORDER=PCI_BUS_ID), not list order.
FAKE_HOST = [
    NvmlGpu(index=0, uuid="GPU-aaaa1111-0000", pci_bus_id="00000000:1B:00.0"),
    NvmlGpu(index=1, uuid="GPU-bbbb2222-0000", pci_bus_id="00000000:2A:00.0"),
    NvmlGpu(index=2, uuid="GPU-cccc3333-0000", pci_bus_id="00000000:0A:00.0"),
    NvmlGpu(index=3, uuid="GPU-cccc4444-0000", pci_bus_id="00000000:9D:00.0"),
]


@pytest.mark.parametrize(
    ("visible", "nvml_indices"),
    [
        ("0", [2]),  # the lowest PCI bus
        ("1,3", [0, 3]),
        ("GPU-bbbb2222-0000", [1]),
        ("GPU-cccc4444-0000,GPU-aaaa1111-0000", [3, 0]),  # CUDA's order is the variable's order
        ("GPU-aaaa", [0]),  # a unique prefix, as CUDA accepts
        ("bbbb2222-0000", [1]),  # without the GPU- prefix
        (" 2 , GPU-cccc4444 ", [1, 3]),
    ],
)
def test_cuda_visible_devices_maps_to_nvml_boards_by_uuid(visible: str, nvml_indices: list[int]) -> None:
    got = map_visible(parse_visible(visible), FAKE_HOST)
    assert [g.index for g in got] == nvml_indices
    assert [g.uuid_sha256 for g in got] == [uuid_sha256(FAKE_HOST[i].uuid) for i in nvml_indices]


@pytest.mark.parametrize(
    ("visible", "expected"),
    [
        ("4", "does not exist: NVML sees 4 GPU(s)"),
        ("GPU-cccc", "matches 2 GPUs"),
        ("GPU-ffff", "matches no GPU"),
        ("MIG-1234", "MIG instance"),
        ("0,GPU-cccc3333", "the same GPU twice"),
    ],
)
def test_a_bad_visible_entry_is_refused_not_guessed(visible: str, expected: str) -> None:
    with pytest.raises(RunnerError) as err:
        map_visible(parse_visible(visible), FAKE_HOST)
    assert expected in str(err.value)


# --- neighbours ---------------------------------------------------------------------------------------


def _reg(job: str, start: float, end: float | None, pid: int | None = None) -> neighbours.Registration:
    return neighbours.Registration(
        job_id=job,
        model=f"m/{job}",
        task="text_generation",
        gpu_uuid_sha256=[uuid_sha256(f"GPU-{job}")],
        pid=pid if pid is not None else os.getpid(),
        started_unix_s=start,
        finished_unix_s=end,
    )


def test_neighbours_are_the_other_jobs_overlapping_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for reg in (
        _reg("me", 100.0, None),
        _reg("before", 10.0, 50.0),  # ended before I started
        _reg("beside", 90.0, 150.0),
        _reg("still", 120.0, None),
        _reg("dead", 110.0, None, pid=2**22 + 12345),  # left running by a killed sweep: no such pid
    ):
        neighbours.register(tmp_path, reg)
    found = neighbours.neighbours_of(tmp_path, "me", now_unix_s=200.0)
    assert {n.job_id: n.overlap_s for n in found} == {"beside": 50.0, "still": 80.0}
    assert found[0].gpu_uuid_sha256 == [uuid_sha256("GPU-beside")]
    monkeypatch.delenv(neighbours.ENV_DIR, raising=False)
    assert neighbours.neighbours_from_env() is None  # not a sweep job
    monkeypatch.setenv(neighbours.ENV_DIR, str(tmp_path))
    monkeypatch.setenv(neighbours.ENV_JOB_ID, "me")
    assert {n.job_id for n in neighbours.neighbours_from_env() or []} == {"beside", "still"}


# --- state file and summary ---------------------------------------------------------------------------


def _state() -> SweepState:
    state = SweepState(plan="plan.csv", plan_sha256="0" * 64, executor="local")
    state.jobs["a"] = JobRecord(
        id="a",
        row=2,
        model="m/a",
        task="text_generation",
        gpus=1,
        state="done",
        attempts=1,
        wh_per_1k_mean=1.23456,
        ci95_low_wh_per_1k=1.2,
        ci95_high_wh_per_1k=1.3,
        wall_s=12.3,
        bundle="jobs/a/bundle.zip",
    )
    state.jobs["b"] = JobRecord(
        id="b", row=3, model="m/b", task="summarization", gpus=1, state="failed", attempts=2, message="boom\nOOM"
    )
    state.jobs["c"] = JobRecord(id="c", row=4, model="m/c", task="summarization", gpus=1, state="running")
    return state


def test_state_round_trips_atomically_and_status_counts(tmp_path: Path) -> None:
    state = _state()
    save_state(tmp_path, state)
    assert not list(tmp_path.glob(".*.tmp"))
    back = load_state(tmp_path)
    assert back is not None and back.jobs == state.jobs
    assert json.loads((tmp_path / "sweep_state.json").read_text())["schema_version"] == 2
    assert status_text(back).startswith("3 jobs: done 1, running 1, failed 1, left 0")
    back.driver_pid = 2**22 + 12345  # the driver is gone: its running job is interrupted
    assert "running 0, failed 1, left 1 (1 interrupted" in status_text(back)


def test_a_state_file_of_another_schema_version_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "sweep_state.json").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(RunnerError) as err:
        load_state(tmp_path)
    assert "schema_version 99" in str(err.value)


def test_summary_table_and_csv(tmp_path: Path) -> None:
    state = _state()
    table = summary_table(state).splitlines()
    assert table[0].split() == ["job", "task", "gpus", "state", "tries", "Wh/1k", "95%", "CI", "wall", "s", "message"]
    assert table[1].split()[:7] == ["a", "text_generation", "1", "done", "1", "1.2346", "1.2000..1.3000"]
    assert table[2].endswith("boom | OOM")
    rows = (write_summary_csv(tmp_path, state)).read_text().splitlines()
    assert rows[0].startswith("job,model,task,gpus,state,attempts,wh_per_1k_mean,ci95_low_wh_per_1k")
    assert rows[1].startswith("a,m/a,text_generation,1,done,1,1.2346,1.2000,1.3000,12.3,jobs/a/bundle.zip")


def test_a_version_1_state_is_read_and_written_back_as_version_2(tmp_path: Path) -> None:
    # A version 1 file: what a runner before `--submit` wrote (no repetitions, no submission per job).
    v1 = json.loads(_state().model_dump_json())
    v1["schema_version"] = 1
    for job in v1["jobs"].values():
        del job["repetitions"], job["submission"]
    (tmp_path / "sweep_state.json").write_text(json.dumps(v1))
    back = load_state(tmp_path)
    assert back is not None and back.schema_version == 2
    assert back.jobs["a"].repetitions is None and back.jobs["a"].submission is None
    assert back.jobs["a"].wh_per_1k_mean == 1.23456
    save_state(tmp_path, back)
    assert json.loads((tmp_path / "sweep_state.json").read_text())["schema_version"] == 2


def test_one_repetition_has_no_interval_n_a_in_the_table_and_empty_in_the_csv(tmp_path: Path) -> None:
    state = _state()
    one = state.jobs["a"].model_copy(update={"id": "one", "repetitions": 1})
    one.ci95_low_wh_per_1k = one.ci95_high_wh_per_1k = one.wh_per_1k_mean = 7.86431
    state.jobs["one"] = one
    # A version 1 state has no count: a zero-width interval is one repetition's.
    state.jobs["old"] = one.model_copy(update={"id": "old", "repetitions": None})
    state.jobs["two"] = state.jobs["a"].model_copy(update={"id": "two", "repetitions": 2})
    rows = {line.split()[0]: line for line in summary_table(state).splitlines()[1:]}
    for job in ("one", "old"):
        assert rows[job].split()[5:7] == ["7.8643", "n/a"]
        assert "7.8643..7.8643" not in rows[job]
    assert rows["two"].split()[6] == "1.2000..1.3000"
    assert rows["b"].split()[3] == "failed" and "n/a" not in rows["b"]  # no figure: no CI column text at all
    csv_rows = {r.split(",")[0]: r.split(",") for r in write_summary_csv(tmp_path, state).read_text().splitlines()}
    header = csv_rows["job"]
    col = {name: header.index(name) for name in ("ci95_low_wh_per_1k", "ci95_high_wh_per_1k", "repetitions")}
    assert [csv_rows["one"][col[c]] for c in col] == ["", "", "1"]
    assert [csv_rows["two"][col[c]] for c in col] == ["1.2000", "1.3000", "2"]


def test_the_submission_column_says_the_id_or_what_the_portal_said(tmp_path: Path) -> None:
    state = _state()
    state.jobs["a"].submission = SubmissionRecord(state="submitted", url="http://p", submission_id="sub_0123456789ab")
    state.jobs["b"].submission = SubmissionRecord(
        state="rejected", url="http://p", message="Not submitted: 1 error to fix.\n- error: simulated meter"
    )
    state.jobs["c"].submission = SubmissionRecord(state="not_sent", url="http://p", message="cannot reach http://p")
    rows = (write_summary_csv(tmp_path, state)).read_text().splitlines()
    assert rows[0].endswith(",message,repetitions,submission")
    assert rows[1].endswith(",sub_0123456789ab")
    assert rows[2].endswith(",rejected: Not submitted: 1 error to fix. | - error: simulated meter")
    assert rows[3].endswith(",not sent: cannot reach http://p")
    assert summary_table(state).splitlines()[0].split()[-1] == "submission"
