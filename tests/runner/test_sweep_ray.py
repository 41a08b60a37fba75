"""A real sweep on a local Ray instance with pretend GPUs: 2 models x 2 tasks of dry-run jobs (the real
`runner run` in a subprocess per job), one of them class C on 2 GPUs. Checks GPU assignment (Ray's ids,
never shared by jobs that overlapped), the class rule against the cluster's size, bundles, the summary and
the neighbours each job recorded in environment.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.sweep.driver import run_sweep
from runner.sweep.plan import PlanError, check_gpu_fit, parse_plan
from runner.sweep.state import NEIGHBOURS_DIR
from shared.bundle.schema import Environment
from tests.runner.tiny_configs import TINY

ray = pytest.importorskip("ray")

TASKS = ("text_generation", "text_classification")


@pytest.fixture(scope="module")
def two_models(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """(model name, task) -> a tiny replica: two models (different seeds) for each of two tasks."""
    from runner.replica import build_replica

    root = tmp_path_factory.mktemp("sweep_models")
    out = {}
    for task in TASKS:
        cfg = root / f"{task}.json"
        cfg.write_text(json.dumps(TINY[task]))
        for seed, name in enumerate(("a", "b")):
            out[(name, task)] = build_replica(cfg, root / f"{name}-{task}", task, f"test/{name}-{task}", seed=seed)
    return out


@pytest.mark.slow
def test_ray_sweep_of_two_models_by_two_tasks(two_models: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    from runner.sweep.ray_backend import RayExecutor

    rows = ["id,model,task,class,gpus,samples,repetitions,warmup_samples,idle_seconds,steady_warmup_s,dry_run"]
    for (name, task), path in sorted(two_models.items()):
        cls, gpus = ("C", 2) if (name, task) == ("b", "text_generation") else ("", "")
        rows.append(f"{name}-{task},{path},{task},{cls},{gpus},3,2,1,0,0,true")
    plan = tmp_path / "plan.csv"
    plan.write_text("\n".join(rows) + "\n")
    out = tmp_path / "sweep"
    executor = RayExecutor(out, num_cpus=2, num_gpus=4)
    # The class rule against the cluster's size, before anything runs: 4 pretend GPUs on the one node.
    assert executor.max_gpus_per_node() == 4
    with pytest.raises(PlanError):
        check_gpu_fit(parse_plan("model,task,class,gpus\nhuge,text_generation,C,8\n"), 4, executor.describe())
    state = run_sweep(plan, out, executor, retries=0, progress=False, echo=print)
    assert ray.is_initialized() is False  # the local instance is stopped at the end

    assert {j.id: j.state for j in state.jobs.values()} == dict.fromkeys(state.jobs, "done"), [
        j.message for j in state.jobs.values()
    ]
    big = state.jobs["b-text_generation"]
    assert len(big.gpu_ids) == 2 and len(set(big.gpu_ids)) == 2
    assert all(len(j.gpu_ids) == 1 for j in state.jobs.values() if j is not big)
    assert all(set(j.gpu_ids) <= {"0", "1", "2", "3"} for j in state.jobs.values())
    summary = (out / "summary.csv").read_text().splitlines()
    assert len(summary) == 5 and all(",done,1," in row for row in summary[1:])

    regs = {r.stem: json.loads(r.read_text()) for r in (out / NEIGHBOURS_DIR).glob("*/*.json")}
    assert set(regs) == set(state.jobs)

    def overlap(a: str, b: str) -> bool:
        ra, rb = regs[a], regs[b]
        return ra["started_unix_s"] < rb["finished_unix_s"] and rb["started_unix_s"] < ra["finished_unix_s"]

    for job in state.jobs.values():
        # Jobs that ran at the same time never shared a GPU.
        for other in state.jobs.values():
            if other is not job and overlap(job.id, other.id):
                assert not set(job.gpu_ids) & set(other.gpu_ids), (job.id, other.id)
        env = Environment.model_validate_json((out / "jobs" / job.id / "run" / "environment.json").read_text())
        assert len(env.gpus) == job.gpus and env.contaminated is False
        assert env.neighbours is not None  # a sweep job always records its neighbours (maybe none)
        for n in env.neighbours:
            assert n.job_id != job.id and overlap(job.id, n.job_id)
            assert n.gpu_uuid_sha256 == regs[n.job_id]["gpu_uuid_sha256"]
            assert not set(n.gpu_uuid_sha256) & set(regs[job.id]["gpu_uuid_sha256"])
