"""A run: environment, dataset, model, the measured phases and repetitions, and the run's files.

Order (as the method): idle power and environment -> load dataset (untracked) -> load model
(untracked) -> preprocess (measured, counted) -> warm-up (untracked) -> repetitions of the pass
(measured; with --phase-split two-pass, a prefill-only pass per repetition, measured but not
counted, follows all of them). Any fault ends with an "incomplete" report that cannot be bundled.

Two choices of ours (docs/METHOD_CHOICES.md):
- The idle-power window opens before the CPU-only set-up (framework import, config, parameter count,
  dataset load) and also yields the counter's update period, so these fixed costs overlap.
- After the reference's warm-up, an untracked *shape warm-up* runs one sample of every input shape
  the dataset holds that the warm-up has not seen (a prefill for generation, a forward pass
  otherwise): eager PyTorch pays a one-off cost per new input shape, which would otherwise inflate
  the first measured pass only. It is recorded in the report's config (`shape_warmup`,
  `shape_warmup_samples`) and timings (`shape_warmup_s`); `--no-shape-warmup` turns it off.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner import RUNNER_NAME, __version__
from runner.datasets_io import LoadedDataset, default_local_dataset, load_samples
from runner.environment import ProcessWatch, build_environment
from runner.errors import MeterError, RefusedRun, RunnerError
from runner.host import PIN_OFF, choose_core, host_snapshot, pinned
from runner.models import resolve_source
from runner.nvml_meter import EnergyMeter, GpuDevice, IdleMeasurement, Window, open_device
from runner.progress import Progress
from runner.run_files import finalize_report, measured_phase, repetition, run_files
from runner.steady import DRY_RUN_STEADY_S, STEADY_WARMUP_S, SteadyWarmup
from runner.workloads import Prepared, SampleOutcome, Workload, make_workload, new_shape_items, shape_keys
from shared.bundle.energy import split_from_prefill_share
from shared.bundle.schema import (
    ENERGY_WH_FILE,
    ENVIRONMENT_FILE,
    REPORT_FILE,
    SCHEMA_VERSION,
    SUMMARY_FILE,
    DatasetInfo,
    Environment,
    ModelInfo,
    Phase,
    Repetition,
    RunReport,
)
from shared.method.classes import class_for_parameters, gpu_count_problem
from shared.method.tasks import PASS_GENERATE, PREPROCESS_PHASE, Task, get_task
from shared.method.units import mean_power_w, wh_per_1k_queries

log = logging.getLogger("runner")

PREFILL_PASS = "prefill_pass"
SPLIT_SINGLE = "single-pass"
SPLIT_TWO = "two-pass"
SPLIT_OFF = "off"
RUN_FILES = (REPORT_FILE, ENVIRONMENT_FILE, ENERGY_WH_FILE, SUMMARY_FILE)


@dataclass
class RunConfig:
    """Everything a run is asked to do (recorded in the report's config).

    Attributes:
        task: Task id.
        model: Hub id or local directory.
        out: Run directory.
        dataset: Hub id or local path (None: the task's Hub set; with --dry-run the shipped sample set).
        samples: Samples per repetition.
        repetitions: Passes over the dataset.
        dtype: "auto" or a dtype name.
        reasoning: "off", "on", "low", "medium" or "high".
        phase_split: "single-pass", "two-pass" or "off".
        device_ids: NVML indices of the GPUs to use.
        dry_run: Simulated meter on CPU.
        warmup_samples: Samples of the untracked warm-up.
        idle_seconds: Idle-power measurement before the run, s.
        model_class: Class override ("A", "B", "C") or None.
        model_id: Name recorded for the model (default: Hub id, replica name or folder name).
        seed: Seed of random-weight replicas and diffusion noise.
        progress: Show the progress bar.
        shape_warmup: Run the untracked shape warm-up (one sample per input shape not yet seen).
        pin_cpu: "off" (default), "auto" or a core number: the core the inference thread runs on during the
            warm-up and the measured passes (runner/host.py).
        steady_warmup_s: Cap on the steady warm-up, s (runner/steady.py; 0: off; a dry run caps it at
            DRY_RUN_STEADY_S, as a CPU rehearsal measures nothing).
    """

    task: str
    model: str
    out: Path
    dataset: str | None = None
    samples: int = 1000
    repetitions: int = 10
    dtype: str = "auto"
    reasoning: str | None = None
    phase_split: str = SPLIT_SINGLE
    device_ids: list[int] = field(default_factory=lambda: [0])
    dry_run: bool = False
    warmup_samples: int = 10
    idle_seconds: float = 3.0
    model_class: str | None = None
    model_id: str | None = None
    seed: int = 0
    progress: bool = True
    shape_warmup: bool = True
    pin_cpu: str = PIN_OFF
    steady_warmup_s: float = STEADY_WARMUP_S


@dataclass
class PassStats:
    """Per-pass accumulators.

    Attributes:
        input_tokens: Input tokens processed.
        output_tokens: Tokens generated.
        prefill_s: Summed time to first token (generation).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    prefill_s: float = 0.0
    has_tokens: bool = False
    has_output: bool = False


class SampleFailure(RunnerError):
    """A sample raised during a pass."""


def check_config(cfg: RunConfig, task: Task) -> str:
    """Validate options against the task; returns the reasoning level. Raises RunnerError."""
    if cfg.samples < 1 or cfg.repetitions < 1:
        raise RunnerError("--samples and --repetitions must be at least 1.")
    if not cfg.device_ids:
        raise RunnerError("--device-ids needs at least one GPU index.")
    reasoning = cfg.reasoning or ("on" if task.generation.reasoning else "off")
    if task.id == "text_generation" and reasoning != "off":
        raise RunnerError("Reasoning on is rated as its own task: use --task reasoning --reasoning on|low|medium|high.")
    if task.id == "reasoning" and reasoning == "off":
        raise RunnerError("Task reasoning measures reasoning on; for reasoning off use --task text_generation.")
    if not task.has_classes and task.id != "text_generation" and cfg.reasoning not in (None, "off"):
        raise RunnerError(f"--reasoning applies to text generation only, not {task.id}.")
    if cfg.phase_split not in (SPLIT_SINGLE, SPLIT_TWO, SPLIT_OFF):
        raise RunnerError("--phase-split must be single-pass, two-pass or off.")
    return reasoning


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _clean_out(out: Path) -> None:
    """Remove an earlier run's files so nothing stale can pass as this run's result."""
    out.mkdir(parents=True, exist_ok=True)
    for name in RUN_FILES:
        (out / name).unlink(missing_ok=True)
    shutil.rmtree(out / "logs", ignore_errors=True)


def write_files(out: Path, files: dict[str, bytes]) -> None:
    """Write files atomically (temp file then rename), energy files last."""
    order = sorted(files, key=lambda n: n in (ENERGY_WH_FILE, SUMMARY_FILE))
    for name in order:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(files[name])
        os.replace(tmp, path)


class Run:
    """One run of the runner (see the module docstring for its steps)."""

    def __init__(self, cfg: RunConfig) -> None:
        self.cfg = cfg
        self.task = get_task(cfg.task)
        self.reasoning = check_config(cfg, self.task)
        self.cpu_core = choose_core(cfg.pin_cpu)  # a bad --pin-cpu is refused before anything runs
        if cfg.dry_run:
            self.cpu_core = None  # a CPU run's own compute threads would inherit the one core
        self.split_mode = cfg.phase_split if self.task.pass_phase == PASS_GENERATE else SPLIT_OFF
        self.device_str = "cpu" if cfg.dry_run else "cuda"
        self.timings: dict[str, float] = {}
        self.phases_pre: Phase | None = None
        self.reps: list[Repetition] = []
        self.split_estimates: list[float] = []  # single-pass prefill Wh per 1k, one per repetition
        self.log_lines: list[str] = []
        self.dataset: LoadedDataset | None = None
        self.workload: Workload | None = None
        self.model_class: str | None = None
        self.params_counted = 1
        self.max_input_tokens: int | None = None
        self.device: GpuDevice | None = None
        self.device_error: MeterError | None = None
        self.meter: EnergyMeter | None = None
        self.idle: IdleMeasurement | None = None
        self.idle_power_w: float | None = None
        self.update_period_ms: float | None = None
        self.shape_warmup_samples = 0
        self.steady: SteadyWarmup | None = None
        self.static: list[Any] = []
        self.last_window: Window | None = None  # the latest pass's window: the next may start on its edge
        self.temps_start: list[float | None] = []
        self.clocks_start: list[dict[str, float | None]] = []
        self.host_start = host_snapshot()
        self.env: Environment | None = None
        self.watch = ProcessWatch()
        self.started = _now()
        self.t0 = time.perf_counter()

    def note(self, msg: str) -> None:
        """Log a line to the console and the bundle's run.log."""
        stamp = f"[{time.perf_counter() - self.t0:8.2f}s] {msg}"
        self.log_lines.append(stamp)
        log.info(msg)

    # -- set-up ------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Open the meter, note the environment at the start and open the idle-power window.

        Only NVML is touched (no CUDA context), so the GPU stays idle while the CPU-only set-up that
        follows runs inside the window. A meter fault is kept and raised by `execute`, so that it
        ends as an incomplete report, as every fault does.
        """
        cfg = self.cfg
        try:
            self.device = open_device(cfg.device_ids, cfg.dry_run)
            self.meter = EnergyMeter(self.device)
            self.watch.baseline(self.device)
            self.static = self.device.static_info()
            self.temps_start = self.device.temperatures_c()
            self.clocks_start = self.device.clocks_mhz()
            self.idle = IdleMeasurement.begin(self.meter, 0.0 if cfg.dry_run else cfg.idle_seconds)
        except MeterError as exc:
            self.device_error = exc

    def abandon(self) -> None:
        """Release the device when the run is refused before it starts."""
        if self.device is not None:
            self.device.close()
            self.device = None

    def prepare_model(self) -> None:
        """Resolve the model and refuse a class A/B model on several GPUs before touching a GPU."""
        cfg = self.cfg
        t = time.perf_counter()
        source = resolve_source(cfg.model, cfg.model_id)
        multi = len(cfg.device_ids) > 1
        self.workload = make_workload(self.task, source, cfg.dtype, self.device_str, multi, cfg.seed, self.reasoning)
        if self.task.has_classes:
            params = self.params_counted = self.workload.count_parameters()
            self.model_class = class_for_parameters(params, cfg.model_class).value
            problem = gpu_count_problem(self.model_class, len(cfg.device_ids))
            if problem:
                raise RefusedRun(problem.replace("this run used", "this run asks for").replace("Run again", "Use"))
            self.note(f"model {source.model_id}: {params:,} parameters, class {self.model_class}")
        else:
            self.workload.config()
        self.timings["setup_s"] = time.perf_counter() - t

    def finish_idle(self) -> None:
        """Close the idle window (after at least --idle-seconds and ~8 counter updates)."""
        if self.device is None or self.meter is None:
            if self.device_error is not None:
                raise self.device_error
            self.begin()
            if self.device_error is not None:
                raise self.device_error
        assert self.meter is not None and self.idle is not None
        t = time.perf_counter()
        self.idle_power_w, self.update_period_ms, cost = self.idle.finish(self.meter)
        self.timings["idle_wait_s"] = time.perf_counter() - t
        if self.idle.window is not None:
            self.timings["idle_window_s"] = self.idle.window.duration_s
        if self.update_period_ms is not None:
            self.note(f"counter update period {self.update_period_ms:.2f} ms, read cost {cost:.2f} ms")
        names = ", ".join(s.name for s in self.static)
        self.note(f"GPUs {names}; idle power {self.idle_power_w} W; other processes {len(self.watch.others)}")
        h = self.host_start
        load = "" if h.load_1min is None else f", load {h.load_1min:.2f}"
        self.note(f"host {h.cpu_model or 'CPU unknown'}, {h.cpus} cores for the runner{load}")

    # -- measured passes ---------------------------------------------------------------------------
    @staticmethod
    def _call(fn: Any, item: Prepared, i: int, name: str) -> SampleOutcome:
        """One sample; a failure becomes a SampleFailure naming the sample and the phase."""
        try:
            return fn(item)
        except (KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:
            if type(exc).__name__ == "OutOfMemoryError":
                raise
            raise SampleFailure(f"sample {i} failed in the {name} phase: {type(exc).__name__}: {exc}") from exc

    def _pass(
        self, name: str, items: list[Prepared], fn: Any, label: str, in_total: bool = True
    ) -> tuple[Phase, PassStats]:
        """Run `fn` over every item inside one measured window.

        Python's cyclic garbage collector is paused inside the window, so a collection cannot land
        in one repetition and not in another (host-side jitter). `execute` collects once and freezes
        the surviving objects before the first window, so no full collection is needed per window.
        """
        assert self.meter is not None
        stats = PassStats()
        gc.disable()
        try:
            window = self.meter.start(name, after=self.last_window)
            with Progress(len(items), label, self.meter, window, enabled=self.cfg.progress) as bar:
                for i, item in enumerate(items):
                    outcome = self._call(fn, item, i, name)
                    if item.input_tokens is not None:
                        stats.input_tokens += item.input_tokens
                        stats.has_tokens = True
                    if outcome.output_tokens is not None:
                        stats.output_tokens += outcome.output_tokens
                        stats.has_output = True
                    if outcome.prefill_s is not None:
                        stats.prefill_s += outcome.prefill_s
                    bar.step()
            self.meter.stop(window)
            self.last_window = window
        finally:
            gc.enable()
        self._check_processes(name)
        return self._phase(window, len(items), stats, in_total), stats

    def _phase(self, w: Window, samples: int, stats: PassStats, in_total: bool) -> Phase:
        assert w.end is not None
        phase = measured_phase(
            w.name,
            list(w.start.counters_mj),
            list(w.end.counters_mj),
            duration_s=w.duration_s,
            samples=samples,
            input_tokens=stats.input_tokens if stats.has_tokens else None,
            output_tokens=stats.output_tokens if stats.has_output else None,
            in_total=in_total,
        )
        # Extra, schema-allowed fields that make the window checkable.
        phase.tail_s = round(w.tail_s, 6)  # type: ignore[attr-defined]
        if stats.prefill_s:
            phase.prefill_time_s = stats.prefill_s  # type: ignore[attr-defined]
        return phase

    def _check_processes(self, name: str) -> None:
        assert self.device is not None
        found = self.watch.check(self.device)
        if found:
            self.note(
                f"WARNING: other processes on the GPU during {name}: {[p.pid for p in found]}; the run is flagged contaminated"
            )

    def execute(self) -> RunReport:
        """Run every step after `prepare_model`; return the complete report. Faults propagate to `run()`."""
        cfg = self.cfg
        if self.device_error is not None:
            raise self.device_error
        wl = self.workload
        assert wl is not None

        t = time.perf_counter()
        source = cfg.dataset or (str(default_local_dataset(self.task)) if cfg.dry_run else None)
        self.dataset = load_samples(source, self.task, cfg.samples)
        self.timings["dataset_load_s"] = time.perf_counter() - t
        self.note(
            f"dataset {self.dataset.id}: {len(self.dataset.rows)} samples, {self.dataset.dropped_empty} empty rows dropped"
        )
        self.finish_idle()
        assert self.meter is not None

        t = time.perf_counter()
        wl.load()
        wl.sync()
        self.meter.sync = wl.sync
        self.timings["model_load_s"] = time.perf_counter() - t
        self.watch.adopt_new(self.device)  # type: ignore[arg-type]
        self.max_input_tokens = wl.max_input_tokens() if wl.config() is not None else None
        self.note(
            f"model loaded in {self.timings['model_load_s']:.1f} s ({wl.parameters:,} parameters, {wl.dtype_str})"
        )

        window = self.meter.start(PREPROCESS_PHASE)
        items = wl.preprocess(self.dataset.rows)
        self.meter.stop(window)
        pre_stats = PassStats(
            input_tokens=sum(i.input_tokens or 0 for i in items),
            has_tokens=any(i.input_tokens is not None for i in items),
        )
        self.phases_pre = self._phase(window, len(items), pre_stats, True)

        with pinned(self.cpu_core):
            self._warm_up(items)
            self._repetitions(items)
        return self.report("complete")

    def _warm_up(self, items: list[Prepared]) -> None:
        """The reference's untracked warm-up, then our shape warm-up (module docstring)."""
        cfg, wl = self.cfg, self.workload
        assert wl is not None
        t = time.perf_counter()
        warm = items[: max(1, min(cfg.warmup_samples, len(items)))]
        for i, item in enumerate(warm):
            self._call(wl.run, item, i, "warm-up")
            if self.split_mode == SPLIT_TWO:
                self._call(wl.run_prefill, item, i, "warm-up")
        wl.sync()
        self.timings["warmup_s"] = time.perf_counter() - t
        if cfg.shape_warmup:
            t = time.perf_counter()
            seen: set[tuple[Any, ...]] = set()
            for item in warm:
                seen |= shape_keys(item.inputs)
            todo = new_shape_items(items, seen)
            fn = wl.run_prefill if self.task.pass_phase == PASS_GENERATE else wl.run
            for i, item in enumerate(todo):
                self._call(fn, item, i, "shape warm-up")
            wl.sync()
            self.shape_warmup_samples = len(todo)
            self.timings["shape_warmup_s"] = time.perf_counter() - t
            self.timings["warmup_s"] += self.timings["shape_warmup_s"]
            self.note(
                f"shape warm-up: {len(todo)} samples of new input shapes in {self.timings['shape_warmup_s']:.1f} s (untracked)"
            )
        self._steady_warm_up(items)

    def _steady_warm_up(self, items: list[Prepared]) -> None:
        """Repeat the first samples of the pass, untracked, until the host stops getting faster."""
        cap = self.cfg.steady_warmup_s if not self.cfg.dry_run else min(self.cfg.steady_warmup_s, DRY_RUN_STEADY_S)
        wl = self.workload
        assert wl is not None
        steady = self.steady = SteadyWarmup(max_s=cap)
        size = min(len(items), max(1, self.cfg.warmup_samples))
        while not steady.done:
            t = time.perf_counter()
            for i, item in enumerate(items[:size]):
                self._call(wl.run, item, i, "steady warm-up")
            wl.sync()
            size = steady.next_size(size, time.perf_counter() - t, len(items))
        self.timings["steady_warmup_s"] = steady.elapsed_s
        self.timings["warmup_s"] += steady.elapsed_s
        if cap > 0:
            rec = steady.record()
            state = "steady" if steady.steady else f"NOT steady after the {cap:.0f} s cap (repetitions may drift)"
            self.note(
                f"steady warm-up: {rec['chunks']} chunks of {steady.chunk_samples} samples in {steady.elapsed_s:.1f} s, "
                f"first {rec['first_chunk_s']} s, best {rec['best_earlier_s']} -> {rec['best_recent_s']} s: {state} (untracked)"
            )

    def _repetitions(self, items: list[Prepared]) -> None:
        """The measured passes. With two-pass, the prefill-only passes run after all generate passes:
        every generate pass (the counted total) then follows the warm-up or another generate pass,
        as in single-pass, so the split mode cannot move the total (docs/METHOD_CHOICES.md)."""
        cfg, wl = self.cfg, self.workload
        assert wl is not None
        gc.collect()
        gc.freeze()  # the model, data and library objects: later collections skip them (run() unfreezes)
        for r in range(cfg.repetitions):
            main, stats = self._pass(
                self.task.pass_phase, items, wl.run, f"{self.task.pass_phase} {r + 1}/{cfg.repetitions}"
            )
            self.reps.append(repetition(r, self.phases_pre, [main], cfg.samples))
            if self.task.pass_phase == PASS_GENERATE and main.duration_s > 0:
                share = min(1.0, stats.prefill_s / main.duration_s)
                self.split_estimates.append(wh_per_1k_queries(main.gpu_energy_wh, cfg.samples) * share)
            power = f", mean {mean_power_w(main.gpu_energy_wh, main.duration_s):.1f} W" if main.duration_s > 0 else ""
            self.note(
                f"repetition {r + 1}: {self.reps[-1].gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries ({main.duration_s:.1f} s{power})"
            )
        if self.split_mode != SPLIT_TWO:
            return
        for r, rep in enumerate(list(self.reps)):
            pre_pass, _ = self._pass(
                PREFILL_PASS, items, wl.run_prefill, f"prefill {r + 1}/{cfg.repetitions}", in_total=False
            )
            self.reps[r] = repetition(r, self.phases_pre, [*rep.phases, pre_pass], cfg.samples)

    # -- report ------------------------------------------------------------------------------------
    def report(self, status: str, failure: str | None = None) -> RunReport:
        """The report of the run so far (complete: with summary and split)."""
        cfg = self.cfg
        wl = self.workload
        task = self.task
        pre = self.phases_pre or Phase(
            name=PREPROCESS_PHASE, duration_s=0.0, samples=0, counter_start_mj=[], counter_end_mj=[], gpu_energy_wh=0.0
        )
        model = ModelInfo(
            id=(wl.source.model_id if wl else cfg.model) or "unknown",
            revision=wl.source.revision if wl else None,
            parameters=max(1, (wl.parameters if wl else 0) or self.params_counted),
            dtype=wl.dtype_str if wl and hasattr(wl, "dtype") else str(cfg.dtype),
            model_class=self.model_class if task.has_classes else None,
            class_overridden=bool(cfg.model_class) and task.has_classes,
            random_weights=bool(wl and wl.source.random_weights),
        )
        ds = self.dataset
        config = {
            "task": task.id,
            "model": cfg.model,
            "dataset": ds.id if ds else cfg.dataset,
            "samples": cfg.samples,
            "repetitions": cfg.repetitions,
            "batch_size": task.batch_size,
            "dtype": cfg.dtype,
            "reasoning": self.reasoning,
            "phase_split": self.split_mode,
            "device_ids": cfg.device_ids,
            "dry_run": cfg.dry_run,
            "warmup_samples": cfg.warmup_samples,
            "shape_warmup": cfg.shape_warmup,
            "shape_warmup_samples": self.shape_warmup_samples,
            "steady_warmup": self.steady.record() if self.steady else None,
            "gc_paused_in_windows": True,
            "cpu_pin": self.cpu_core,
            "max_new_tokens": wl.max_new_tokens if wl else task.generation.max_new_tokens,
            "min_new_tokens": wl.min_new_tokens if wl else task.generation.min_new_tokens,
            "num_inference_steps": task.generation.num_inference_steps,
            "max_input_tokens": self.max_input_tokens,
            "seed": cfg.seed,
            "runner": f"{RUNNER_NAME} {__version__}",
        }
        report = RunReport(
            schema_version=SCHEMA_VERSION,
            status=status,  # type: ignore[arg-type]
            failure=failure,
            task=task.id,
            model=model,
            dataset=DatasetInfo(
                id=ds.id if ds else str(cfg.dataset or task.dataset_id),
                split=ds.split if ds else task.split,
                samples=cfg.samples,
                sha256=ds.sha256 if ds else None,
            ),
            config=config,
            preprocess=pre,
            repetitions=self.reps,
            started_utc=self.started,
            finished_utc=_now(),
        )
        self.timings["total_s"] = time.perf_counter() - self.t0
        report.timings_s = dict(self.timings)  # type: ignore[attr-defined]
        if status == "complete" and task.pass_phase == PASS_GENERATE and self.reps:
            estimate = sum(self.split_estimates) / len(self.split_estimates) if self.split_estimates else 0.0
            report.split_single_pass_prefill_wh = estimate  # type: ignore[attr-defined]
            if self.split_mode == SPLIT_TWO:
                prefill = [
                    wh_per_1k_queries(p.gpu_energy_wh, cfg.samples)
                    for rep in self.reps
                    for p in rep.phases
                    if p.name == PREFILL_PASS
                ]
                report.split = split_from_prefill_share(report, sum(prefill) / len(prefill), SPLIT_TWO)
            elif self.split_mode == SPLIT_SINGLE:
                report.split = split_from_prefill_share(report, estimate, SPLIT_SINGLE)
        return finalize_report(report)

    def environment(self) -> Environment:
        """environment.json (a minimal one when the device never opened)."""
        if self.device is None:
            return Environment(
                schema_version=SCHEMA_VERSION, meter="simulated" if self.cfg.dry_run else "nvml", gpus=[]
            )
        return build_environment(
            self.device,
            self.static,
            self.temps_start,
            self.idle_power_w,
            self.update_period_ms,
            self.watch,
            self.clocks_start,
            self.host_start,
        )

    def logs(self) -> dict[str, bytes]:
        """The bundle's logs: the run log and the raw counter trace."""
        trace = self.meter.trace if self.meter else []
        return {
            "run.log": ("\n".join(self.log_lines) + "\n").encode(),
            "counter_trace.json": json.dumps(trace, indent=1).encode(),
        }


def overhead_s(report: RunReport) -> dict[str, float]:
    """Wall time split: set-up (framework import, config, parameter count), model load, warm-up
    (shape warm-up included), measured windows, and the rest (the runner's overhead).

    `overhead_share` counts the set-up as part of loading the model (importing torch and transformers
    and reading the config are what loading any model needs); `overhead_share_strict` counts it as
    the runner's overhead. Reports of older runners have no set-up time (0).
    """
    t = getattr(report, "timings_s", None) or (report.model_extra or {}).get("timings_s", {})
    windows = report.preprocess.duration_s + sum(p.duration_s for rep in report.repetitions for p in rep.phases)
    total = float(t.get("total_s", 0.0))
    setup = float(t.get("setup_s", 0.0))
    load = float(t.get("model_load_s", 0.0))
    warm = float(t.get("warmup_s", 0.0))
    rest = total - setup - load - warm - windows
    return {
        "total_s": total,
        "setup_s": setup,
        "model_load_s": load,
        "warmup_s": warm,
        "measured_s": windows,
        "overhead_s": rest,
        "overhead_share": rest / total if total else 0.0,
        "overhead_share_strict": (rest + setup) / total if total else 0.0,
    }


@dataclass
class RunOutcome:
    """What `run` did.

    Attributes:
        report: The report written.
        environment: The environment written.
        out: The run directory.
    """

    report: RunReport
    environment: Environment
    out: Path

    @property
    def complete(self) -> bool:
        """True for a complete run."""
        return self.report.status == "complete"


def run(cfg: RunConfig) -> RunOutcome:
    """Execute a run and write its files into cfg.out. A fault writes an incomplete report instead;
    a RefusedRun (breaking a rule of the method) is raised before anything is measured."""
    cfg.out = Path(cfg.out)
    r = Run(cfg)
    r.begin()  # NVML only: the idle window runs while the CPU-only set-up below runs
    try:
        r.prepare_model()  # refusals and unusable models stop here, before anything is written
    except BaseException:
        r.abandon()
        raise
    _clean_out(cfg.out)
    try:
        report = r.execute()
    except KeyboardInterrupt:
        report = r.report("incomplete", "interrupted by the user (Ctrl-C) before the run finished")
    except Exception as exc:
        report = r.report("incomplete", describe_failure(exc))
    finally:
        gc.unfreeze()
        if r.device is not None:
            env = r.environment()
            r.device.close()
    if r.device is None:
        env = r.environment()
    if report.status != "complete":
        r.note(f"RUN INCOMPLETE: {report.failure}")
    write_files(cfg.out, run_files(report, env, r.logs()))
    return RunOutcome(report, env, cfg.out)


def describe_failure(exc: BaseException) -> str:
    """One sentence about a fault, with what to do."""
    name = type(exc).__name__
    if name == "OutOfMemoryError":
        return f"CUDA out of memory ({str(exc).splitlines()[0]}). Use a GPU with more memory, a smaller dtype, or a smaller model."
    if isinstance(exc, RunnerError):
        return str(exc)
    return f"{name}: {exc}"


def config_dict(cfg: RunConfig) -> dict[str, Any]:
    """The run config as JSON-able data."""
    d = asdict(cfg)
    d["out"] = str(cfg.out)
    return d
