"""plan.csv: one row per job of a sweep, with the model, the task and any `runner run` option.

Columns (header names; `-` and `_` are interchangeable, case does not matter, empty cells take the default):
  model, task                         required
  id                                  job id (default: derived from model, task and reasoning); unique
  class | model_class                 A, B or C (text generation and reasoning only)
  gpus                                GPUs of the job: 1 unless class C, where it is required
  dtype, samples, repetitions, reasoning, phase_split, dataset, model_id, seed, warmup_samples,
  idle_seconds, steady_warmup_s, pin_cpu, no_shape_warmup
                                      as the `runner run` option of the same name
  dry_run                             true/false (or backend: dry-run | nvml)

Everything is checked before any job runs; an error names the row (the header is row 1) and what to fix.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from runner.errors import RunnerError
from shared.method.classes import ModelClass, gpu_count_problem
from shared.method.tasks import DEFAULT_SAMPLES, TASKS


class PlanError(RunnerError):
    """plan.csv cannot be used as written (the message says which row and what to fix)."""


REASONING_MODES = ("on", "off", "low", "medium", "high")
PHASE_SPLITS = ("single-pass", "two-pass", "off")
TRUE_WORDS = ("1", "true", "yes", "y", "on")
FALSE_WORDS = ("0", "false", "no", "n", "off")
BACKENDS = {"dry-run": True, "dry_run": True, "dryrun": True, "simulated": True, "nvml": False, "gpu": False}
_ID_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")


@dataclass(frozen=True)
class JobSpec:
    """One job of a sweep: what `runner run` is asked to do, and on how many GPUs.

    Attributes:
        id: Unique job id (also the job's folder name under the sweep's jobs/).
        row: Row of plan.csv the job came from (the header is row 1), for messages.
        model: Hub id or local model directory.
        task: Task id (shared/method/tasks.py).
        gpus: GPUs the job needs (1 unless class C).
        model_class: "A", "B", "C" or None (derived from the parameter count at run time).
        dry_run: Simulated meter on the CPU.
        dtype, samples, repetitions, reasoning, phase_split, dataset, model_id, seed, warmup_samples,
        idle_seconds, steady_warmup_s, pin_cpu, no_shape_warmup: The `runner run` options (None: its default).
    """

    id: str
    row: int
    model: str
    task: str
    gpus: int = 1
    model_class: str | None = None
    dry_run: bool = False
    dtype: str | None = None
    samples: int | None = None
    repetitions: int | None = None
    reasoning: str | None = None
    phase_split: str | None = None
    dataset: str | None = None
    model_id: str | None = None
    seed: int | None = None
    warmup_samples: int | None = None
    idle_seconds: float | None = None
    steady_warmup_s: float | None = None
    pin_cpu: str | None = None
    no_shape_warmup: bool = False

    @property
    def samples_or_default(self) -> int:
        """Samples per repetition the run will use."""
        return self.samples if self.samples is not None else DEFAULT_SAMPLES

    def run_args(self) -> list[str]:
        """The `runner run` options of this job, except --out and --device-ids (set per attempt)."""
        args = ["--task", self.task, "--model", self.model]
        options: list[tuple[str, object]] = [
            ("--dtype", self.dtype),
            ("--samples", self.samples),
            ("--repetitions", self.repetitions),
            ("--reasoning", self.reasoning),
            ("--phase-split", self.phase_split),
            ("--dataset", self.dataset),
            ("--model-id", self.model_id),
            ("--seed", self.seed),
            ("--warmup-samples", self.warmup_samples),
            ("--idle-seconds", self.idle_seconds),
            ("--steady-warmup-s", self.steady_warmup_s),
            ("--pin-cpu", self.pin_cpu),
            ("--model-class", self.model_class),
        ]
        for flag, value in options:
            if value is not None:
                args += [flag, str(value)]
        if self.no_shape_warmup:
            args.append("--no-shape-warmup")
        if self.dry_run:
            args.append("--dry-run")
        return args

    def to_dict(self) -> dict[str, object]:
        """Plain dict (for the state file and for shipping to a Ray worker)."""
        return asdict(self)


_INT_FIELDS = ("samples", "repetitions", "seed", "warmup_samples", "gpus")
_FLOAT_FIELDS = ("idle_seconds", "steady_warmup_s")
_STR_FIELDS = ("dtype", "dataset", "model_id", "pin_cpu", "id")
_BOOL_FIELDS = ("dry_run", "no_shape_warmup")
_ALIASES = {"class": "model_class", "model_class": "model_class"}
KNOWN_COLUMNS = (
    "model",
    "task",
    "class",
    "reasoning",
    "phase_split",
    "backend",
    *_INT_FIELDS,
    *_FLOAT_FIELDS,
    *_STR_FIELDS,
    *_BOOL_FIELDS,
)


def _norm(name: str) -> str:
    return _ALIASES.get(name.strip().lower().replace("-", "_"), name.strip().lower().replace("-", "_"))


def default_job_id(model: str, task: str, reasoning: str | None) -> str:
    """A readable, file-name-safe id: the model's last path parts, the task and a reasoning mode."""
    name = "-".join(Path(model.rstrip("/")).parts[-2:]) if "/" in model else model
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "model"
    parts = [base[:80], task] + ([f"reasoning-{reasoning}"] if reasoning else [])
    return "__".join(parts)


def _parse_row(row_no: int, cells: dict[str, str]) -> JobSpec:
    """One plan row -> JobSpec; PlanError names the row and the cell to fix."""

    def bad(msg: str) -> PlanError:
        return PlanError(f"plan.csv row {row_no}: {msg}")

    model = cells.get("model", "").strip()
    task = cells.get("task", "").strip()
    if not model:
        raise bad("the model cell is empty; give a Hub id ('owner/name') or a local model directory.")
    if task not in TASKS:
        raise bad(f"task {task!r} is not a task; use one of: {', '.join(TASKS)}.")
    values: dict[str, object] = {}
    for key in _INT_FIELDS:
        text = cells.get(key, "").strip()
        if text:
            try:
                number = int(text)
            except ValueError:
                raise bad(f"{key} must be a whole number, not {text!r}.") from None
            if number < (0 if key == "seed" else 1):
                raise bad(f"{key} must be at least {0 if key == 'seed' else 1}, not {number}.")
            values[key] = number
    for key in _FLOAT_FIELDS:
        text = cells.get(key, "").strip()
        if text:
            try:
                values[key] = float(text)
            except ValueError:
                raise bad(f"{key} must be a number of seconds, not {text!r}.") from None
            if float(text) < 0:
                raise bad(f"{key} must not be negative, not {text}.")
    for key in _STR_FIELDS:
        text = cells.get(key, "").strip()
        if text:
            values[key] = text
    for key in _BOOL_FIELDS:
        text = cells.get(key, "").strip().lower()
        if text:
            if text not in TRUE_WORDS + FALSE_WORDS:
                raise bad(f"{key} must be true or false, not {text!r}.")
            values[key] = text in TRUE_WORDS
    backend = cells.get("backend", "").strip().lower()
    if backend:
        if backend not in BACKENDS:
            raise bad(f"backend must be one of {', '.join(sorted(BACKENDS))}, not {backend!r}.")
        if "dry_run" in values and values["dry_run"] != BACKENDS[backend]:
            raise bad(f"backend {backend!r} contradicts dry_run={values['dry_run']}; keep one of the two columns.")
        values["dry_run"] = BACKENDS[backend]
    reasoning = cells.get("reasoning", "").strip().lower() or None
    if reasoning is not None and reasoning not in REASONING_MODES:
        raise bad(f"reasoning must be one of {', '.join(REASONING_MODES)}, not {reasoning!r}.")
    split = cells.get("phase_split", "").strip().lower() or None
    if split is not None and split not in PHASE_SPLITS:
        raise bad(f"phase_split must be one of {', '.join(PHASE_SPLITS)}, not {split!r}.")
    cls_text = cells.get("model_class", "").strip().upper() or None
    has_classes = TASKS[task].has_classes
    if cls_text is not None:
        if cls_text not in ("A", "B", "C"):
            raise bad(f"class must be A, B or C, not {cls_text!r}.")
        if not has_classes:
            raise bad(f"class {cls_text} is only for text generation and reasoning, not {task}; leave the cell empty.")
    gpus = values.pop("gpus", None)
    if cls_text == ModelClass.C.value and gpus is None:
        raise bad("class C needs the gpus column: how many GPUs the model runs on (e.g. 4).")
    gpus_needed = int(gpus) if isinstance(gpus, int) else 1
    if gpus_needed > 1:
        if not has_classes:
            raise bad(f"{task} runs on exactly one GPU, but gpus is {gpus_needed}. Set gpus to 1 or leave it empty.")
        if cls_text is None:
            raise bad(
                f"gpus is {gpus_needed} but no class is given: only class C may use several GPUs. "
                "Set class to C (if the model is over 66B parameters) or gpus to 1."
            )
        problem = gpu_count_problem(cls_text, gpus_needed)
        if problem:
            raise bad(problem.replace("this run used", "the row asks for"))
    job_id = str(values.pop("id", "")) or default_job_id(model, task, reasoning)
    if not _ID_OK.match(job_id):
        raise bad(
            f"id {job_id!r} must be letters, digits, '.', '_' or '-' (up to 120), starting with a letter or digit."
        )
    return JobSpec(
        id=job_id,
        row=row_no,
        model=model,
        task=task,
        gpus=gpus_needed,
        model_class=cls_text,
        reasoning=reasoning,
        phase_split=split,
        **values,  # type: ignore[arg-type]
    )


def parse_plan(text: str) -> list[JobSpec]:
    """The jobs of a plan.csv text. Raises PlanError for unknown columns, bad cells or duplicate ids."""
    rows = list(csv.reader(text.splitlines()))
    rows = [r for r in rows if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows:
        raise PlanError("plan.csv is empty: it needs a header row (model,task,...) and one row per job.")
    header = [_norm(h) for h in rows[0]]
    known = {_norm(c) for c in KNOWN_COLUMNS}
    unknown = [h for h in header if h not in known]
    if unknown:
        raise PlanError(
            f"plan.csv row 1 (header): unknown column(s) {', '.join(map(repr, unknown))}; "
            f"the columns are: {', '.join(KNOWN_COLUMNS)}."
        )
    for need in ("model", "task"):
        if need not in header:
            raise PlanError(f"plan.csv row 1 (header): the {need!r} column is missing.")
    if len(set(header)) != len(header):
        raise PlanError("plan.csv row 1 (header): a column appears twice.")
    jobs: list[JobSpec] = []
    seen: dict[str, int] = {}
    line_of = _line_numbers(text)
    for n, raw in enumerate(rows[1:], start=1):
        row_no = line_of[n] if n < len(line_of) else n + 1
        if len(raw) > len(header):
            raise PlanError(f"plan.csv row {row_no}: {len(raw)} cells but the header has {len(header)} columns.")
        job = _parse_row(row_no, dict(zip(header, raw, strict=False)))
        if job.id in seen:
            raise PlanError(
                f"plan.csv row {row_no}: job id {job.id!r} repeats row {seen[job.id]}; give one of them an id column."
            )
        seen[job.id] = row_no
        jobs.append(job)
    if not jobs:
        raise PlanError("plan.csv has a header but no job rows.")
    return jobs


def _line_numbers(text: str) -> list[int]:
    """File line number (1-based) of each kept CSV record, so messages point at the line in the file."""
    out = []
    for i, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            out.append(i)
    return out


def load_plan(path: Path) -> list[JobSpec]:
    """Read plan.csv. Raises PlanError when it is missing or malformed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PlanError(f"Cannot read the plan {path}: {exc.strerror}.") from None
    return parse_plan(text)


def check_gpu_fit(jobs: list[JobSpec], gpus_per_node: int, where: str) -> None:
    """Refuse, before anything runs, a job that needs more GPUs than any one node of `where` has."""
    too_big = [j for j in jobs if j.gpus > gpus_per_node]
    if too_big:
        listed = "; ".join(f"row {j.row} ({j.id}) needs {j.gpus}" for j in too_big[:5])
        raise PlanError(
            f"{len(too_big)} job(s) need more GPUs than {where} has on one node ({gpus_per_node}): {listed}. "
            "Nothing was run. Lower their gpus, or run the sweep on a larger node"
            + (
                " (or, for dry runs on a CPU, declare pretend GPUs: --pretend-gpus N)."
                if all(j.dry_run for j in too_big)
                else "."
            )
        )
