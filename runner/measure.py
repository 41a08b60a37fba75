"""A run: environment, dataset, model, the measured phases and repetitions, and the run's files.

Order (as the method): idle power and environment -> load dataset (untracked) -> load model
(untracked) -> preprocess (measured, counted) -> warm-up (untracked) -> repetitions of the pass
(measured; with --phase-split two-pass, a prefill-only pass per repetition, measured but not
counted, follows all of them). Any fault ends with an "incomplete" report that cannot be bundled.

Each stage is a method that returns a frozen result (`IdleResult`, `LoadResult`, `PreprocessResult`,
`WarmupResult`, `RepetitionsResult`); `RunProgress` holds the results finished so far, so that a
fault still yields a report of what was done. The recorded configuration is a
`shared.bundle.schema.ReportConfig` (it refuses unknown keys).

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
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runner import RUNNER_NAME, __version__
from runner.datasets_io import LoadedDataset, default_local_dataset, load_samples
from runner.endpoint.workload import EndpointOptions
from runner.environment import ProcessWatch, build_environment
from runner.errors import MeterError, RefusedRun, RunnerError
from runner.host import PIN_OFF, choose_core, host_snapshot, pinned
from runner.hub import require_hub
from runner.models import attention_kernels, resolve_source
from runner.nvml_meter import EnergyMeter, GpuDevice, GpuStatic, IdleMeasurement, Window, open_device
from runner.perf import MemoryPeaks, QueryLog, report_performance, run_samples
from runner.progress import Progress
from runner.reference_warmup import (
    REFERENCE_WARMUP_RUNS,
    WARMUP_OURS,
    WARMUP_REFERENCE,
    WarmupMode,
    reference_warm_up,
)
from runner.run_files import finalize_report, measured_phase, repetition, run_files
from runner.steady import DRY_RUN_STEADY_S, STEADY_WARMUP_S, SteadyWarmup
from runner.workloads import (
    Prepared,
    SampleOutcome,
    Workload,
    decode_cover_items,
    kv_lengths,
    make_workload,
    new_shape_items,
    shape_keys,
)
from shared.bundle.energy import split_from_prefill_share
from shared.bundle.perf_fields import BACKEND_ENDPOINT, BACKEND_TRANSFORMERS, PassPerformance, figures_text
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
    ReportConfig,
    RunReport,
    SteadyWarmupRecord,
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
NOT_MEASURED = "n/a"

Clock = Callable[[], float]
SampleFn = Callable[[Prepared], SampleOutcome]


@dataclass
class RunConfig:
    """Everything a run is asked to do (the options; the report records a `ReportConfig` built from them).

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
        shape_warmup_decode: Start the shape warm-up with the fewest full generations that meet every key/value
            length the pass will meet (text generation with a fixed output length; workloads.decode_cover_items).
            None (default): on exactly when `cudnn_attention` is, since cuDNN's attention is what charges a
            one-off cost per new length inside the counted pass.
        cudnn_attention: Let PyTorch's attention use cuDNN's kernels (recent PyTorch's default on Hopper). Off by
            default, as the official board's PyTorch dispatched attention (cuDNN's kernels ranked last; flash
            first): docs/METHOD_CHOICES.md, "Attention kernels".
        pin_cpu: "off" (default), "auto" or a core number: the core the inference thread runs on during the
            warm-up and the measured passes (runner/host.py).
        steady_warmup_s: Cap on the steady warm-up, s (runner/steady.py; 0: off; a dry run caps it at
            DRY_RUN_STEADY_S, as a CPU rehearsal measures nothing).
        endpoint: The endpoint backend's options (runner/endpoint/); None: the runner loads the model.
        warmup: "ours" (the first samples, the shape and the steady warm-ups) or "reference" (the reference
            runner's warm-up, call for call: runner/reference_warmup.py; shape and steady warm-ups off).
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
    shape_warmup_decode: bool | None = None
    cudnn_attention: bool = False
    pin_cpu: str = PIN_OFF
    steady_warmup_s: float = STEADY_WARMUP_S
    endpoint: EndpointOptions | None = None
    warmup: WarmupMode = WARMUP_OURS

    @property
    def decode_warmup(self) -> bool:
        """Whether the shape warm-up begins with the decode-length cover (`shape_warmup_decode`, resolved)."""
        return self.cudnn_attention if self.shape_warmup_decode is None else self.shape_warmup_decode


@dataclass
class PassStats:
    """Per-pass accumulators.

    Attributes:
        input_tokens: Input tokens processed.
        output_tokens: Tokens generated.
        prefill_s: Summed time to first token (generation), s.
        has_tokens: Some sample counted input tokens.
        has_output: Some sample counted output tokens.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    prefill_s: float = 0.0
    has_tokens: bool = False
    has_output: bool = False


@dataclass(frozen=True)
class MeterSession:
    """The meter opened at the start of the run, with what was read before anything ran.

    Attributes:
        device: The run's GPUs (or the simulated one).
        meter: Reads the device's counters at window boundaries.
        static: Facts about each GPU.
        temps_start: Temperatures at the start, degrees C.
        clocks_start: SM and memory clocks at the start, MHz.
        idle: The open idle-power window.
    """

    device: GpuDevice
    meter: EnergyMeter
    static: list[GpuStatic]
    temps_start: list[float | None]
    clocks_start: list[dict[str, float | None]]
    idle: IdleMeasurement


@dataclass(frozen=True)
class ModelSetup:
    """The model, resolved and classed before any GPU work.

    Attributes:
        workload: The task's workload for the model (not loaded yet).
        model_class: "A", "B" or "C" for classed tasks, else None.
        parameters_counted: Parameter count from the config (1 when not counted).
        setup_s: Wall time of the set-up (framework import, config, parameter count), s.
    """

    workload: Workload
    model_class: str | None
    parameters_counted: int
    setup_s: float


@dataclass(frozen=True)
class DatasetResult:
    """The samples of the run.

    Attributes:
        dataset: The loaded samples.
        load_s: Wall time of loading them, s.
    """

    dataset: LoadedDataset
    load_s: float


@dataclass(frozen=True)
class IdleResult:
    """The closed idle-power window.

    Attributes:
        power_w: Mean GPU power over the window, W (None when not measured, as in a dry run).
        update_period_ms: The counter's update period, ms (None when not timed).
        read_cost_ms: Mean cost of one counter read, ms (None when not timed).
        wait_s: Time spent waiting for the window to close after the set-up, s.
        window_s: Duration of the window, s (None when no window was opened).
    """

    power_w: float | None
    update_period_ms: float | None
    read_cost_ms: float | None
    wait_s: float
    window_s: float | None


@dataclass(frozen=True)
class LoadResult:
    """The loaded model.

    Attributes:
        model_load_s: Wall time of loading the model onto the device, s.
        max_input_tokens: Longest input the model takes (tokens), None when it has no config.
    """

    model_load_s: float
    max_input_tokens: int | None


@dataclass(frozen=True)
class PreprocessResult:
    """The measured preprocess phase.

    Attributes:
        phase: Its window.
        items: The preprocessed samples, in dataset order.
    """

    phase: Phase
    items: list[Prepared]


@dataclass(frozen=True)
class WarmupResult:
    """The untracked warm-ups.

    Attributes:
        reference_s: The reference's warm-up, s.
        shape_warmup_samples: Samples of new input shapes the shape warm-up ran (0 when off), its full
            generations of `decode_cover_samples` included.
        shape_warmup_s: The shape warm-up, s (None when off).
        steady: The steady warm-up's record.
        steady_s: The steady warm-up, s.
        decode_cover_samples: Full generations that met every key/value length of the pass (0 when not run).
    """

    reference_s: float
    shape_warmup_samples: int
    shape_warmup_s: float | None
    steady: SteadyWarmupRecord
    steady_s: float
    decode_cover_samples: int = 0

    @property
    def total_s(self) -> float:
        """Every warm-up together, s."""
        return self.reference_s + (self.shape_warmup_s or 0.0) + self.steady_s


@dataclass(frozen=True)
class RepetitionsResult:
    """The measured passes.

    Attributes:
        repetitions: One per pass over the dataset.
        split_estimates_wh_per_1k: The single-pass prefill estimate of each repetition, Wh per 1,000
            queries (generation tasks).
    """

    repetitions: tuple[Repetition, ...]
    split_estimates_wh_per_1k: tuple[float, ...]


@dataclass
class RunProgress:
    """The stages finished so far: a run that stops early reports what it did from these.

    Attributes:
        model: The model set-up.
        dataset: The loaded samples.
        idle: The idle-power window.
        load: The loaded model.
        preprocess: The preprocess phase.
        warmup: The warm-ups.
        repetitions: Repetitions measured so far (filled while the repetitions stage runs).
        split_estimates_wh_per_1k: Their single-pass prefill estimates, Wh per 1,000 queries.
    """

    model: ModelSetup | None = None
    dataset: DatasetResult | None = None
    idle: IdleResult | None = None
    load: LoadResult | None = None
    preprocess: PreprocessResult | None = None
    warmup: WarmupResult | None = None
    repetitions: list[Repetition] = field(default_factory=list)
    split_estimates_wh_per_1k: list[float] = field(default_factory=list)

    def timings_s(self, total_s: float) -> dict[str, float]:
        """Wall time of every finished step, s (the report's `timings_s`)."""
        t: dict[str, float] = {}
        if self.model is not None:
            t["setup_s"] = self.model.setup_s
        if self.dataset is not None:
            t["dataset_load_s"] = self.dataset.load_s
        if self.idle is not None:
            t["idle_wait_s"] = self.idle.wait_s
            if self.idle.window_s is not None:
                t["idle_window_s"] = self.idle.window_s
        if self.load is not None:
            t["model_load_s"] = self.load.model_load_s
        if self.warmup is not None:
            t["warmup_s"] = self.warmup.total_s
            if self.warmup.shape_warmup_s is not None:
                t["shape_warmup_s"] = self.warmup.shape_warmup_s
            t["steady_warmup_s"] = self.warmup.steady_s
        t["total_s"] = total_s
        return t


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


def open_meter(cfg: RunConfig, watch: ProcessWatch) -> MeterSession:
    """Open the device, note what it is at the start and open the idle-power window.

    Only NVML is touched (no CUDA context), so the GPU stays idle while the CPU-only set-up that
    follows runs inside the window. Raises MeterError.
    """
    device = open_device(cfg.device_ids, cfg.dry_run)
    try:
        meter = EnergyMeter(device)
        watch.baseline(device)
        static = device.static_info()
        temps = device.temperatures_c()
        clocks = device.clocks_mhz()
        idle = IdleMeasurement.begin(meter, 0.0 if cfg.dry_run else cfg.idle_seconds)
    except MeterError:
        device.close()
        raise
    return MeterSession(device, meter, static, temps, clocks, idle)


def idle_power_text(power_w: float | None, meter: str) -> str:
    """The idle power for the log: watts, or why there is none."""
    if power_w is not None:
        return f"{power_w:.1f} W"
    return f"{NOT_MEASURED} (simulated meter)" if meter == "simulated" else f"{NOT_MEASURED} (not measured)"


def steady_text(rec: SteadyWarmupRecord) -> str:
    """The steady warm-up's chunk times for the log, in plain words when there are none."""
    first = f"first {rec.first_chunk_s} s" if rec.first_chunk_s is not None else "no timed chunk"
    if rec.best_earlier_s is not None and rec.best_recent_s is not None:
        best = f"best {rec.best_earlier_s} -> {rec.best_recent_s} s"
    else:
        best = "too few chunks to compare two windows"
    return f"{first}, {best}"


class Run:
    """One run of the runner (see the module docstring for its stages).

    `begin` opens the meter, `prepare_model` resolves and classes the model, `execute` runs every
    later stage; `report` and `environment` describe the run so far, whatever stage it reached.
    """

    def __init__(self, cfg: RunConfig, clock: Clock = time.perf_counter) -> None:
        self.cfg = cfg
        self.task = get_task(cfg.task)
        self.reasoning = check_config(cfg, self.task)
        # A bad --pin-cpu is refused before anything runs; a CPU run's own compute threads would
        # inherit the one core, so a dry run never pins.
        core = choose_core(cfg.pin_cpu)
        self.cpu_core = None if cfg.dry_run else core
        self.split_mode = cfg.phase_split if self.task.pass_phase == PASS_GENERATE else SPLIT_OFF
        self.device_str = "cpu" if cfg.dry_run else "cuda"
        self.clock = clock
        self.progress = RunProgress()
        self.log_lines: list[str] = []
        self.host_start = host_snapshot()
        self.watch = ProcessWatch()
        self.started = _now()
        self.t0 = clock()
        self.session: MeterSession | None = None
        self.meter_fault: MeterError | None = None
        self.backend = BACKEND_ENDPOINT if cfg.endpoint is not None else BACKEND_TRANSFORMERS
        self.concurrency = cfg.endpoint.concurrency if cfg.endpoint is not None else 1
        # Memory peaks of the measured passes: torch's for the runner's own model (none for an
        # endpoint: the server's allocator is not the runner's), NVML's used memory for both.
        self.memory = MemoryPeaks(
            "cpu" if cfg.endpoint is not None else self.device_str, not cfg.dry_run, list(cfg.device_ids)
        )
        self.counted_perf: list[tuple[PassPerformance, float, float]] = []

    def note(self, msg: str) -> None:
        """Log a line to the console and the bundle's run.log."""
        stamp = f"[{self.clock() - self.t0:8.2f}s] {msg}"
        self.log_lines.append(stamp)
        log.info(msg)

    # -- set-up ------------------------------------------------------------------------------------
    def begin(self) -> None:
        """Open the meter and the idle-power window (`open_meter`). A meter fault is kept and raised
        by `execute`, so that it ends as an incomplete report, as every fault does."""
        try:
            self.session = open_meter(self.cfg, self.watch)
        except MeterError as exc:
            self.meter_fault = exc

    def _session(self) -> MeterSession:
        """The open meter; raises the fault that kept it from opening."""
        if self.session is None:
            raise self.meter_fault or MeterError("The meter was not opened: call begin() before execute().")
        return self.session

    def abandon(self) -> None:
        """Release the device when the run is refused before it starts."""
        if self.session is not None:
            self.session.device.close()
            self.session = None

    def prepare_model(self) -> ModelSetup:
        """Resolve the model and refuse a class A/B model on several GPUs before touching a GPU."""
        cfg = self.cfg
        t = self.clock()
        source = resolve_source(cfg.model, cfg.model_id)
        if not source.local:
            require_hub("model", source.path)
        multi = len(cfg.device_ids) > 1
        if cfg.endpoint is not None:
            workload: Workload = self._endpoint_workload(source, cfg.endpoint)
        else:
            workload = make_workload(self.task, source, cfg.dtype, self.device_str, multi, cfg.seed, self.reasoning)
        model_class: str | None = None
        params = 1
        if self.task.has_classes:
            params = workload.count_parameters()
            model_class = class_for_parameters(params, cfg.model_class).value
            problem = gpu_count_problem(model_class, len(cfg.device_ids))
            if problem:
                raise RefusedRun(problem.replace("this run used", "this run asks for").replace("Run again", "Use"))
            self.note(f"model {source.model_id}: {params:,} parameters, class {model_class}")
        else:
            workload.config()
        setup = ModelSetup(workload, model_class, params, self.clock() - t)
        self.progress.model = setup
        return setup

    def _endpoint_workload(self, source: Any, options: EndpointOptions) -> Workload:
        """The endpoint backend's workload, once the server is matched to the measured GPUs (refused
        before anything is measured when it cannot be: runner/endpoint/server.py)."""
        from runner.endpoint.server import adopt_server, check_server_gpus
        from runner.endpoint.workload import EndpointWorkload

        workload = EndpointWorkload(self.task, source, options, self.reasoning, self.cfg.seed, self.cfg.dtype)
        processes = self.session.device.processes() if self.session is not None else []
        ownership = check_server_gpus(processes, self.cfg.device_ids, options.server_pid, self.cfg.dry_run)
        adopt_server(self.watch, ownership)
        workload.ownership = ownership
        self.note(f"endpoint {workload.client.base_url} ({options.api} API): {ownership.note}")
        return workload

    def _model(self) -> ModelSetup:
        if self.progress.model is None:
            raise RunnerError("The model was not prepared: call prepare_model() before execute().")
        return self.progress.model

    def load_dataset(self) -> DatasetResult:
        """The run's samples (the shipped sample set for a dry run without --dataset)."""
        cfg = self.cfg
        t = self.clock()
        source = cfg.dataset or (str(default_local_dataset(self.task)) if cfg.dry_run else None)
        dataset = load_samples(source, self.task, cfg.samples)
        result = DatasetResult(dataset, self.clock() - t)
        self.note(f"dataset {dataset.id}: {len(dataset.rows)} samples, {dataset.dropped_empty} empty rows dropped")
        return result

    def finish_idle(self, session: MeterSession) -> IdleResult:
        """Close the idle window (after at least --idle-seconds and ~8 counter updates)."""
        t = self.clock()
        power_w, period_ms, cost_ms = session.idle.finish(session.meter)
        window = session.idle.window
        result = IdleResult(
            power_w=power_w,
            update_period_ms=period_ms,
            read_cost_ms=cost_ms,
            wait_s=self.clock() - t,
            window_s=window.duration_s if window is not None else None,
        )
        if period_ms is not None:
            self.note(f"counter update period {period_ms:.2f} ms, read cost {cost_ms or 0.0:.2f} ms")
        names = ", ".join(s.name for s in session.static)
        idle = idle_power_text(power_w, session.meter.meter)
        self.note(f"GPUs {names}; idle power {idle}; other processes {len(self.watch.others)}")
        h = self.host_start
        load = "" if h.load_1min is None else f", load {h.load_1min:.2f}"
        self.note(f"host {h.cpu_model or 'CPU unknown'}, {h.cpus} cores for the runner{load}")
        return result

    def load_model(self, session: MeterSession, wl: Workload) -> LoadResult:
        """Load the model onto the device (untracked); its CUDA context is the runner's own process."""
        t = self.clock()
        wl.load()
        wl.sync()
        session.meter.sync = wl.sync
        result = LoadResult(
            model_load_s=self.clock() - t,
            max_input_tokens=wl.max_input_tokens() if wl.config() is not None else None,
        )
        self.watch.adopt_new(session.device)
        if self.backend == BACKEND_ENDPOINT:
            self.note(f"server answered in {result.model_load_s:.1f} s ({wl.parameters:,} parameters in the config)")
        else:
            kernels = (
                "; attention may use cuDNN's kernels"
                if self.cfg.cudnn_attention
                else "; attention kept off cuDNN's kernels"
            )
            self.note(
                f"model loaded in {result.model_load_s:.1f} s ({wl.parameters:,} parameters, {wl.dtype_str}){kernels}"
            )
        return result

    def preprocess(self, session: MeterSession, wl: Workload, dataset: LoadedDataset) -> PreprocessResult:
        """The measured, counted preprocess phase."""
        window = session.meter.start(PREPROCESS_PHASE)
        items = wl.preprocess(dataset.rows)
        session.meter.stop(window)
        stats = PassStats(
            input_tokens=sum(i.input_tokens or 0 for i in items),
            has_tokens=any(i.input_tokens is not None for i in items),
        )
        return PreprocessResult(_phase(window, len(items), stats, True), items)

    def execute(self) -> RunReport:
        """Run every stage after `prepare_model`; return the complete report. Faults propagate to `run()`."""
        session = self._session()
        wl = self._model().workload
        p = self.progress
        p.dataset = self.load_dataset()
        p.idle = self.finish_idle(session)
        p.load = self.load_model(session, wl)
        p.preprocess = self.preprocess(session, wl, p.dataset.dataset)
        with pinned(self.cpu_core):
            p.warmup = self.warm_up(wl, p.preprocess.items)
            self.repetitions(session, wl, p.preprocess)
        return self.report("complete")

    # -- warm-ups ----------------------------------------------------------------------------------
    def warm_up(self, wl: Workload, items: list[Prepared]) -> WarmupResult:
        """The first samples, then our shape warm-up (module docstring) and the steady one; or, with
        `--warmup reference`, the reference runner's warm-up alone."""
        cfg = self.cfg
        t = self.clock()
        if cfg.warmup == WARMUP_REFERENCE:
            ref = reference_warm_up(wl, items, self.task.pass_phase, _call, REFERENCE_WARMUP_RUNS)
            reference_s = self.clock() - t
            self.note(
                f"reference warm-up: {ref.first_sample_calls} calls on the first sample"
                + (
                    f", then the prefill pass over {ref.prefill_pass_samples} samples"
                    if ref.prefill_pass_samples
                    else ""
                )
                + f", in {reference_s:.1f} s (untracked; no shape or steady warm-up)"
            )
            off = SteadyWarmupRecord.model_validate(SteadyWarmup(max_s=0.0).record())
            return WarmupResult(reference_s, 0, None, off, 0.0)
        warm = items[: max(1, min(cfg.warmup_samples, len(items)))]
        for i, item in enumerate(warm):
            _call(wl.run, item, i, "warm-up")
            if self.split_mode == SPLIT_TWO:
                _call(wl.run_prefill, item, i, "warm-up")
        wl.sync()
        reference_s = self.clock() - t
        shape_samples, shape_s, cover = 0, None, []
        if cfg.shape_warmup:
            t = self.clock()
            seen: set[tuple[Any, ...]] = set()
            for item in warm:
                seen |= shape_keys(item.inputs)
            new_tokens = wl.fixed_decode_tokens() if cfg.decode_warmup else None
            if new_tokens:
                met: set[int] = set()
                for item in warm:
                    met.update(kv_lengths(item, new_tokens))
                cover = decode_cover_items(items, new_tokens, met)
                for i, item in enumerate(cover):
                    _call(wl.run, item, i, "shape warm-up")
                    seen |= shape_keys(item.inputs)
            todo = new_shape_items(items, seen)
            fn = wl.run_prefill if self.task.pass_phase == PASS_GENERATE else wl.run
            for i, item in enumerate(todo):
                _call(fn, item, i, "shape warm-up")
            wl.sync()
            shape_samples, shape_s = len(cover) + len(todo), self.clock() - t
            full = f"{len(cover)} full generations meeting every key/value length, then " if new_tokens else ""
            self.note(f"shape warm-up: {full}{len(todo)} samples of new input shapes in {shape_s:.1f} s (untracked)")
        cap = cfg.steady_warmup_s if not cfg.dry_run else min(cfg.steady_warmup_s, DRY_RUN_STEADY_S)
        steady = steady_warm_up(wl.run, wl.sync, items, cap, cfg.warmup_samples, self.clock)
        rec = SteadyWarmupRecord.model_validate(steady.record())
        if cap > 0:
            state = "steady" if steady.steady else f"NOT steady after the {cap:.0f} s cap (repetitions may drift)"
            self.note(
                f"steady warm-up: {rec.chunks} chunks of {steady.chunk_samples} samples in {steady.elapsed_s:.1f} s, "
                f"{steady_text(rec)}: {state} (untracked)"
            )
        return WarmupResult(reference_s, shape_samples, shape_s, rec, steady.elapsed_s, len(cover))

    # -- measured passes ---------------------------------------------------------------------------
    def _pass(
        self,
        meter: EnergyMeter,
        name: str,
        items: list[Prepared],
        fn: SampleFn,
        label: str,
        after: Window | None,
    ) -> tuple[Window, PassStats, QueryLog]:
        """Run `fn` over every item inside one measured window (opened on `after`'s closing edge when
        it just closed).

        Python's cyclic garbage collector is paused inside the window, so a collection cannot land
        in one repetition and not in another (host-side jitter). `repetitions` collects once and freezes
        the surviving objects before the first window, so no full collection is needed per window.

        Every query's latency, time to first token and output tokens go to the returned `QueryLog`
        (runner/perf.py); an endpoint run with --concurrency N keeps N requests in flight.
        """
        stats = PassStats()
        log = QueryLog(concurrency=self.concurrency)
        timed = log.wrap(fn, self.progress.model.workload.sync if self.progress.model else (lambda: None))

        def done(i: int, item: Prepared, outcome: SampleOutcome) -> None:
            # An endpoint's prompts are tokenized by the server: its usage counts the input tokens.
            tokens_in = item.input_tokens if item.input_tokens is not None else getattr(outcome, "input_tokens", None)
            if tokens_in is not None:
                stats.input_tokens += tokens_in
                stats.has_tokens = True
            if outcome.output_tokens is not None:
                stats.output_tokens += outcome.output_tokens
                stats.has_output = True
            if outcome.prefill_s is not None:
                stats.prefill_s += outcome.prefill_s
            bar.step()

        gc.disable()
        try:
            window = meter.start(name, after=after)
            with Progress(len(items), label, meter, window, enabled=self.cfg.progress) as bar:
                run_samples(items, lambda item, i: _call(timed, item, i, name), done, self.concurrency)
            meter.stop(window)
        finally:
            gc.enable()
        self.memory.note_pass_end()
        return window, stats, log

    def _with_performance(self, phase: Phase, log: QueryLog, counted: bool) -> Phase:
        """The phase with its per-query performance block; a counted pass also joins the run's pooled figures."""
        perf = log.performance(phase.duration_s, phase.gpu_energy_wh)
        if perf is None:
            return phase
        if counted:
            self.counted_perf.append((perf, phase.duration_s, phase.gpu_energy_wh))
        return phase.model_copy(update={"performance": perf})

    def _check_processes(self, device: GpuDevice, name: str) -> None:
        found = self.watch.check(device)
        if found:
            self.note(
                f"WARNING: other processes on the GPU during {name}: {[p.pid for p in found]}; "
                "the run is flagged contaminated"
            )

    def repetitions(self, session: MeterSession, wl: Workload, pre: PreprocessResult) -> RepetitionsResult:
        """The measured passes. With two-pass, the prefill-only passes run after all generate passes:
        every generate pass (the counted total) then follows the warm-up or another generate pass,
        as in single-pass, so the split mode cannot move the total (docs/METHOD_CHOICES.md).

        Each repetition is added to `progress` as soon as it is measured (a later fault reports it)."""
        cfg, meter, items = self.cfg, session.meter, pre.items
        reps, estimates = self.progress.repetitions, self.progress.split_estimates_wh_per_1k
        pass_name = self.task.pass_phase
        gc.collect()
        gc.freeze()  # the model, data and library objects: later collections skip them (run() unfreezes)
        self.memory.reset()
        last: Window | None = None
        for r in range(cfg.repetitions):
            label = f"{pass_name} {r + 1}/{cfg.repetitions}"
            last, stats, log = self._pass(meter, pass_name, items, wl.run, label, last)
            self._check_processes(session.device, pass_name)
            main = self._with_performance(_phase(last, len(items), stats, True), log, counted=True)
            reps.append(repetition(r, pre.phase, [main], cfg.samples))
            if pass_name == PASS_GENERATE and main.duration_s > 0:
                share = min(1.0, stats.prefill_s / main.duration_s)
                estimates.append(wh_per_1k_queries(main.gpu_energy_wh, cfg.samples) * share)
            power = f", mean {mean_power_w(main.gpu_energy_wh, main.duration_s):.1f} W" if main.duration_s > 0 else ""
            self.note(
                f"repetition {r + 1}: {reps[-1].gpu_energy_wh_per_1k:.4f} Wh per 1,000 queries "
                f"({main.duration_s:.1f} s{power})"
            )
        if self.split_mode == SPLIT_TWO:
            for r, rep in enumerate(list(reps)):
                label = f"prefill {r + 1}/{cfg.repetitions}"
                last, stats, log = self._pass(meter, PREFILL_PASS, items, wl.run_prefill, label, last)
                self._check_processes(session.device, PREFILL_PASS)
                prefill = self._with_performance(_phase(last, len(items), stats, False), log, counted=False)
                reps[r] = repetition(r, pre.phase, [*rep.phases, prefill], cfg.samples)
        perf = report_performance(self.counted_perf, pass_name, self.memory, self.backend)
        if perf is not None:
            self.note(f"performance: {figures_text(perf.figures)}")
        short = getattr(wl, "short_responses", 0)
        if short:
            self.note(
                f"WARNING: {short} answers were shorter than the task's {wl.min_new_tokens} new tokens (the server "
                "stopped at end-of-sequence; see --endpoint-extra-body to fix the length)"
            )
        return RepetitionsResult(tuple(reps), tuple(estimates))

    # -- report ------------------------------------------------------------------------------------
    def report_config(self) -> ReportConfig:
        """The configuration the report records (its `config`)."""
        cfg, task, p = self.cfg, self.task, self.progress
        wl = p.model.workload if p.model else None
        return ReportConfig(
            task=task.id,
            model=cfg.model,
            dataset=p.dataset.dataset.id if p.dataset else cfg.dataset,
            samples=cfg.samples,
            repetitions=cfg.repetitions,
            batch_size=task.batch_size,
            dtype=cfg.dtype,
            reasoning=self.reasoning,
            phase_split=self.split_mode,
            device_ids=cfg.device_ids,
            dry_run=cfg.dry_run,
            warmup_samples=cfg.warmup_samples,
            shape_warmup=cfg.shape_warmup and cfg.warmup == WARMUP_OURS,
            warmup=cfg.warmup,
            shape_warmup_samples=p.warmup.shape_warmup_samples if p.warmup else 0,
            shape_warmup_decode=cfg.decode_warmup if cfg.shape_warmup and cfg.warmup == WARMUP_OURS else None,
            shape_warmup_decode_samples=p.warmup.decode_cover_samples if p.warmup and cfg.decode_warmup else None,
            cudnn_attention=cfg.cudnn_attention if self.backend == BACKEND_TRANSFORMERS else None,
            steady_warmup=p.warmup.steady if p.warmup else None,
            gc_paused_in_windows=True,
            cpu_pin=self.cpu_core,
            max_new_tokens=wl.max_new_tokens if wl else task.generation.max_new_tokens,
            min_new_tokens=wl.min_new_tokens if wl else task.generation.min_new_tokens,
            num_inference_steps=task.generation.num_inference_steps,
            max_input_tokens=p.load.max_input_tokens if p.load else None,
            seed=cfg.seed,
            runner=f"{RUNNER_NAME} {__version__}",
            backend=self.backend,
            endpoint=(self._endpoint_records() or (None, None))[0],
        )

    def _endpoint_records(self) -> tuple[Any, Any] | None:
        """(config.endpoint, environment's server) of an endpoint run whose workload exists, else None."""
        wl = self.progress.model.workload if self.progress.model else None
        records = getattr(wl, "records", None)
        return records() if callable(records) else None

    def _model_info(self) -> ModelInfo:
        cfg, task, p = self.cfg, self.task, self.progress
        wl = p.model.workload if p.model else None
        counted = p.model.parameters_counted if p.model else 1
        return ModelInfo(
            id=(wl.source.model_id if wl else cfg.model) or "unknown",
            revision=wl.source.revision if wl else None,
            parameters=max(1, (wl.parameters if wl else 0) or counted),
            dtype=wl.dtype_str if wl is not None and wl.dtype is not None else str(cfg.dtype),
            model_class=p.model.model_class if p.model and task.has_classes else None,
            class_overridden=bool(cfg.model_class) and task.has_classes,
            random_weights=bool(wl and wl.source.random_weights),
        )

    def _split_single_pass_wh(self) -> float | None:
        """Mean single-pass prefill estimate, Wh per 1,000 queries (complete generation runs only)."""
        est = self.progress.split_estimates_wh_per_1k
        return sum(est) / len(est) if est else 0.0

    def report(self, status: str, failure: str | None = None) -> RunReport:
        """The report of the run so far (complete: with summary and split)."""
        cfg, task, p = self.cfg, self.task, self.progress
        ds = p.dataset.dataset if p.dataset else None
        pre = p.preprocess.phase if p.preprocess else _empty_preprocess()
        complete_generation = status == "complete" and task.pass_phase == PASS_GENERATE and bool(p.repetitions)
        estimate = self._split_single_pass_wh() if complete_generation else None
        report = RunReport(
            schema_version=SCHEMA_VERSION,
            status="complete" if status == "complete" else "incomplete",
            failure=failure,
            task=task.id,
            model=self._model_info(),
            dataset=DatasetInfo(
                id=ds.id if ds else str(cfg.dataset or task.dataset_id),
                split=ds.split if ds else task.split,
                samples=cfg.samples,
                sha256=ds.sha256 if ds else None,
            ),
            config=self.report_config().model_dump(),
            preprocess=pre,
            repetitions=list(p.repetitions),
            started_utc=self.started,
            finished_utc=_now(),
            timings_s=p.timings_s(self.clock() - self.t0),
            split_single_pass_prefill_wh=estimate,
            performance=report_performance(self.counted_perf, task.pass_phase, self.memory, self.backend),
        )
        if estimate is not None:
            if self.split_mode == SPLIT_TWO:
                prefill = [
                    wh_per_1k_queries(ph.gpu_energy_wh, cfg.samples)
                    for rep in p.repetitions
                    for ph in rep.phases
                    if ph.name == PREFILL_PASS
                ]
                report.split = split_from_prefill_share(report, sum(prefill) / len(prefill), SPLIT_TWO)
            elif self.split_mode == SPLIT_SINGLE:
                report.split = split_from_prefill_share(report, estimate, SPLIT_SINGLE)
        return finalize_report(report)

    def environment(self) -> Environment:
        """environment.json (a minimal one when the device never opened)."""
        s = self.session
        if s is None:
            return Environment(
                schema_version=SCHEMA_VERSION, meter="simulated" if self.cfg.dry_run else "nvml", gpus=[]
            )
        idle = self.progress.idle
        env = build_environment(
            s.device,
            s.static,
            s.temps_start,
            idle.power_w if idle else None,
            idle.update_period_ms if idle else None,
            self.watch,
            s.clocks_start,
            self.host_start,
        )
        records = self._endpoint_records()
        return env.model_copy(update={"server": records[1]}) if records else env

    def logs(self) -> dict[str, bytes]:
        """The bundle's logs: the run log and the raw counter trace."""
        trace = self.session.meter.trace if self.session else []
        return {
            "run.log": ("\n".join(self.log_lines) + "\n").encode(),
            "counter_trace.json": json.dumps(trace, indent=1).encode(),
        }


def _call(fn: SampleFn, item: Prepared, i: int, name: str) -> SampleOutcome:
    """One sample; a failure becomes a SampleFailure naming the sample and the phase."""
    try:
        return fn(item)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:
        if type(exc).__name__ == "OutOfMemoryError":
            raise
        raise SampleFailure(f"sample {i} failed in the {name} phase: {type(exc).__name__}: {exc}") from exc


def _phase(w: Window, samples: int, stats: PassStats, in_total: bool) -> Phase:
    """The report's Phase of a closed window, with the fields that make it checkable."""
    if w.end is None:
        raise MeterError(f"window {w.name!r} was never closed")
    return measured_phase(
        w.name,
        list(w.start.counters_mj),
        list(w.end.counters_mj),
        duration_s=w.duration_s,
        samples=samples,
        input_tokens=stats.input_tokens if stats.has_tokens else None,
        output_tokens=stats.output_tokens if stats.has_output else None,
        in_total=in_total,
        tail_s=round(w.tail_s, 6),
        prefill_time_s=stats.prefill_s or None,
    )


def _empty_preprocess() -> Phase:
    """The preprocess phase of a run that stopped before it."""
    return Phase(
        name=PREPROCESS_PHASE, duration_s=0.0, samples=0, counter_start_mj=[], counter_end_mj=[], gpu_energy_wh=0.0
    )


def steady_warm_up(
    run_sample: SampleFn,
    sync: Callable[[], None],
    items: list[Prepared],
    cap_s: float,
    warmup_samples: int,
    clock: Clock = time.perf_counter,
) -> SteadyWarmup:
    """Repeat the first samples of the pass, untracked, until the host stops getting faster
    (runner/steady.py); `clock` times the chunks (tests drive a fake one)."""
    steady = SteadyWarmup(max_s=cap_s)
    size = min(len(items), max(1, warmup_samples))
    while not steady.done:
        t = clock()
        for i, item in enumerate(items[:size]):
            _call(run_sample, item, i, "steady warm-up")
        sync()
        size = steady.next_size(size, clock() - t, len(items))
    return steady


def overhead_s(report: RunReport) -> dict[str, float]:
    """Wall time split: set-up (framework import, config, parameter count), model load, warm-up
    (shape warm-up included), measured windows, and the rest (the runner's overhead).

    `overhead_share` counts the set-up as part of loading the model (importing torch and transformers
    and reading the config are what loading any model needs); `overhead_share_strict` counts it as
    the runner's overhead. Reports of older runners have no set-up time (0).
    """
    t = report.timings_s or {}
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


def run(cfg: RunConfig, clock: Clock = time.perf_counter) -> RunOutcome:
    """Execute a run and write its files into cfg.out. A fault writes an incomplete report instead;
    a RefusedRun (breaking a rule of the method) is raised before anything is measured.

    `clock` times the run's stages and the steady warm-up's chunks (not the meter's windows)."""
    cfg.out = Path(cfg.out)
    r = Run(cfg, clock)
    r.begin()  # NVML only: the idle window runs while the CPU-only set-up below runs
    try:
        r.prepare_model()  # refusals and unusable models stop here, before anything is written
    except BaseException:
        r.abandon()
        raise
    _clean_out(cfg.out)
    # The endpoint backend's server is another process, maybe without torch: the setting is the runner's own model's.
    kernels = attention_kernels(cfg.cudnn_attention) if r.backend == BACKEND_TRANSFORMERS else nullcontext()
    try:
        with kernels:
            report = r.execute()
    except KeyboardInterrupt:
        report = r.report("incomplete", "interrupted by the user (Ctrl-C) before the run finished")
    except Exception as exc:
        report = r.report("incomplete", describe_failure(exc))
    finally:
        gc.unfreeze()
        env = r.environment()
        if r.session is not None:
            r.session.device.close()
    if report.status != "complete":
        r.note(f"RUN INCOMPLETE: {report.failure}")
    write_files(cfg.out, run_files(report, env, r.logs()))
    return RunOutcome(report, env, cfg.out)


def describe_failure(exc: BaseException) -> str:
    """One sentence about a fault, with what to do."""
    name = type(exc).__name__
    if name == "OutOfMemoryError":
        first = str(exc).splitlines()[0]
        return f"CUDA out of memory ({first}). Use a GPU with more memory, a smaller dtype, or a smaller model."
    if isinstance(exc, RunnerError):
        return str(exc)
    return f"{name}: {exc}"


def config_dict(cfg: RunConfig) -> dict[str, Any]:
    """The run options as JSON-able data."""
    d = asdict(cfg)
    d["out"] = str(cfg.out)
    return d
