"""On-disk schema of a run and its bundle (version 1), as pydantic models.

Files of a bundle (docs/BUNDLE_FORMAT.md describes them for people):
- manifest.json          Manifest: every other file with its size and sha256.
- benchmark_report.json  RunReport: config, raw NVML counter readings at every phase boundary,
                         per-repetition energies and the summary.
- environment.json       Environment: GPUs, driver, CUDA, power limit, idle power, other processes.
- GPU_ENERGY_WH.txt      The rated number, Wh per 1,000 queries (mean of repetitions), 2 decimals.
- GPU_ENERGY_SUMMARY.json  {"units": "Wh", "total": ..., "preprocess_wh": ..., ...} per 1,000 queries.
- logs/...               Free-form logs (hashed like everything else).

Energies are always derived from counter differences; a stored energy that disagrees with its
counters marks the bundle as altered.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, NonNegativeInt

from shared.bundle.endpoint_fields import EndpointConfig, ServerInfo
from shared.bundle.perf_fields import PassPerformance, RunPerformance

SCHEMA_VERSION = 1
BUNDLE_FORMAT: Literal["aienergyscore-bundle"] = "aienergyscore-bundle"

MANIFEST_FILE = "manifest.json"
REPORT_FILE = "benchmark_report.json"
ENVIRONMENT_FILE = "environment.json"
ENERGY_WH_FILE = "GPU_ENERGY_WH.txt"
SUMMARY_FILE = "GPU_ENERGY_SUMMARY.json"
REQUIRED_FILES = (REPORT_FILE, ENVIRONMENT_FILE, ENERGY_WH_FILE, SUMMARY_FILE)

METER_NVML = "nvml"
METER_SIMULATED = "simulated"


class _Model(BaseModel):
    # Reading: unknown keys are kept (forward compatibility within a schema version); NaN/inf are refused.
    # Writing: the runner declares every field it writes (`undeclared_fields` must find none).
    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=False)


def undeclared_fields(model: BaseModel, path: str = "") -> list[str]:
    """Dotted paths of every key in `model` (and the models it holds) that its class does not declare.

    The schema keeps unknown keys when reading; what the runner writes must have none, so a field
    attached by mistake (a typo, a field nobody documented) is refused before it reaches a bundle.
    """
    found = [f"{path}{key}" for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = f"{path}{name}[{i}]." if isinstance(value, list) else f"{path}{name}."
                found += undeclared_fields(item, where)
    return found


class Phase(_Model):
    """One measured window.

    Attributes:
        name: "preprocess", "generate", "prefill_pass", "forward" or "call".
        duration_s: Wall time of the window in seconds.
        samples: Samples processed in the window.
        input_tokens: Input tokens processed (text tasks), if counted.
        output_tokens: Tokens generated, if any.
        counter_start_mj: NVML cumulative energy counter at the start, one value per GPU (mJ).
        counter_end_mj: The same counter at the end (mJ).
        gpu_energy_wh: Sum over GPUs of (end - start), in Wh.
        in_total: True when the phase counts in the rated total.
        tail_s: Time between the end of the work and the counter update that closed the window, s
            (at most one update period, spent near idle power; written by runners since 1.0).
        prefill_time_s: Summed time to first token over the window's samples, s (generate phases of
            runners since 1.0; absent elsewhere). The single-pass split apportions energy by it.
        performance: Per-query latency, time to first token and output tokens of the window, with the
            figures derived from them (shared/bundle/perf_fields.py); measured passes of runners since 1.1.
    """

    name: str
    duration_s: NonNegativeFloat
    samples: NonNegativeInt
    input_tokens: NonNegativeInt | None = None
    output_tokens: NonNegativeInt | None = None
    counter_start_mj: list[NonNegativeInt]
    counter_end_mj: list[NonNegativeInt]
    gpu_energy_wh: NonNegativeFloat
    in_total: bool = True
    tail_s: NonNegativeFloat | None = None
    prefill_time_s: NonNegativeFloat | None = None
    performance: PassPerformance | None = None


class Repetition(_Model):
    """One full pass over the dataset.

    Attributes:
        index: 0-based repetition number.
        phases: The measured windows of this pass.
        gpu_energy_wh: Preprocess energy plus this pass's in-total phases, in Wh.
        gpu_energy_wh_per_1k: The same, normalised to 1,000 queries.
    """

    index: NonNegativeInt
    phases: list[Phase]
    gpu_energy_wh: NonNegativeFloat
    gpu_energy_wh_per_1k: NonNegativeFloat


class PhaseSplit(_Model):
    """Prefill/decode split of the generate phase, Wh per 1,000 queries (mean of repetitions).

    Attributes:
        method: "single-pass" (apportioned from one pass by measured prefill time) or "two-pass"
            (a separate prefill-only pass, as the reference does).
        prefill_wh: Prefill energy per 1,000 queries.
        decode_wh: Decode energy per 1,000 queries.
    """

    method: Literal["single-pass", "two-pass"]
    prefill_wh: NonNegativeFloat
    decode_wh: NonNegativeFloat


class Summary(_Model):
    """The rated figure over repetitions, Wh per 1,000 queries.

    Attributes:
        gpu_energy_wh_per_1k_mean: Mean over repetitions (the rated number).
        gpu_energy_wh_per_1k_std: Sample standard deviation over repetitions.
        ci95_low_wh_per_1k: Lower bound of the 95% CI of the mean.
        ci95_high_wh_per_1k: Upper bound of the 95% CI of the mean.
        repetitions: Number of repetitions.
        phases_wh_per_1k: Mean energy per summary phase (preprocess, prefill, decode, forward, call).
    """

    gpu_energy_wh_per_1k_mean: NonNegativeFloat
    gpu_energy_wh_per_1k_std: NonNegativeFloat
    ci95_low_wh_per_1k: float
    ci95_high_wh_per_1k: float
    repetitions: int = Field(ge=1)
    phases_wh_per_1k: dict[str, NonNegativeFloat]


class ModelInfo(_Model):
    """The model that was measured.

    Attributes:
        id: Hub id ("provider/name") or a local name.
        revision: Hub revision or local digest, if known.
        parameters: Parameter count.
        dtype: Torch dtype the model ran in ("float32", "bfloat16", ...).
        model_class: "A", "B" or "C" for text generation, else None.
        class_overridden: True when the class was set by hand rather than from parameters.
        random_weights: True for a replica built from a config with random weights.
        quality_score: Optional task quality score, 0-100 (higher is better), added by the submitter.
            Any JSON value is read so that validation can refuse a bad one with a clear message.
    """

    id: str = Field(min_length=1, max_length=300)
    revision: str | None = None
    parameters: int = Field(ge=1)
    dtype: str
    model_class: str | None = None
    class_overridden: bool = False
    random_weights: bool = False
    quality_score: Any = None


class DatasetInfo(_Model):
    """The workload's data.

    Attributes:
        id: Hub dataset id or local file name.
        split: Dataset split.
        samples: Samples per repetition.
        sha256: Digest of the exact samples used, if known.
    """

    id: str
    split: str = "train"
    samples: int = Field(ge=1)
    sha256: str | None = None


class SteadyWarmupRecord(_Model):
    """config.steady_warmup: the untracked steady warm-up (runner/steady.py), so the host's ramp can be
    seen afterwards.

    Attributes:
        max_s: Cap on the steady warm-up, s (0: off).
        window_s: Span of each of the two windows compared, s.
        tolerance: Fraction by which the recent best chunk may beat the earlier best and still be steady.
        chunk_samples: Samples per timed chunk (0 when the cap came before sizing ended).
        chunks: Timed chunks run.
        elapsed_s: Time spent, sizing included, s.
        steady: True when it stopped because the host was steady (not at the cap).
        first_chunk_s: Time of the first timed chunk, s.
        best_earlier_s: Fastest chunk of the earlier window, s.
        best_recent_s: Fastest chunk of the recent window, s.
        chunk_s: Time of every timed chunk, s.
    """

    max_s: NonNegativeFloat
    window_s: NonNegativeFloat
    tolerance: NonNegativeFloat
    chunk_samples: NonNegativeInt
    chunks: NonNegativeInt
    elapsed_s: NonNegativeFloat
    steady: bool
    first_chunk_s: NonNegativeFloat | None = None
    best_earlier_s: NonNegativeFloat | None = None
    best_recent_s: NonNegativeFloat | None = None
    chunk_s: list[NonNegativeFloat] = Field(default_factory=list)


class ReportConfig(BaseModel):
    """The run configuration as the runner records it (`config` of benchmark_report.json).

    The report reads `config` as a plain object (other runners and the reference format record other
    keys); the runner writes it through this model, which refuses unknown keys. Fields that older
    runners did not record are optional.

    Attributes:
        task: Task id.
        model: The --model argument (Hub id or local directory).
        dataset: Dataset id or local path used.
        samples: Samples per repetition.
        repetitions: Passes over the dataset.
        batch_size: Samples per model call (1, as the method says).
        dtype: The --dtype argument ("auto" or a dtype name).
        reasoning: Reasoning mode ("off", "on", "low", "medium", "high").
        phase_split: "single-pass", "two-pass" or "off".
        device_ids: NVML indices of the GPUs used.
        dry_run: True for a CPU rehearsal with the simulated meter.
        warmup_samples: Samples of the untracked warm-up.
        shape_warmup: Whether the untracked shape warm-up ran.
        shape_warmup_samples: Samples of new input shapes it ran (its full generations included).
        shape_warmup_decode: Whether the shape warm-up began with full generations meeting every key/value length
            of the pass (`--shape-warmup-decode`); None in bundles written before the option existed (it did not).
        shape_warmup_decode_samples: Those full generations (samples), None when the option was off.
        cudnn_attention: Whether PyTorch's attention could use cuDNN's kernels (`--cudnn-attention`); False by
            default since runner 1.1 (the official board's PyTorch ranked them last); None with the endpoint backend
            and in bundles written before the option (they ran PyTorch's default, cuDNN's on Hopper with torch 2.11).
        steady_warmup: The steady warm-up's record.
        warmup: "ours" (the default warm-ups) or "reference" (the reference runner's, call for call); None in
            bundles written before the option existed (they ran "ours").
        gc_paused_in_windows: Python's garbage collector was paused inside measured windows.
        cpu_pin: CPU core the inference thread was pinned to, or None.
        max_new_tokens: Most new tokens per generation (tokens), None when the task generates none.
        min_new_tokens: Least new tokens per generation (tokens), None when the task generates none.
        num_inference_steps: Diffusion steps per image (image generation), else None.
        max_input_tokens: Longest input the model accepts (tokens), None when unknown.
        seed: Seed of random-weight replicas and diffusion noise.
        runner: Runner name and version.
        backend: "transformers" (the runner loads the model) or "endpoint" (a serving engine answers the
            prompts; the runner measures its GPUs). None in reports of older runners: transformers.
        endpoint: How the runner talked to the serving engine (endpoint backend only).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    task: str
    model: str
    dataset: str | None = None
    samples: int = Field(ge=1)
    repetitions: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    dtype: str
    reasoning: str | None = None
    phase_split: str
    device_ids: list[NonNegativeInt]
    dry_run: bool
    warmup_samples: int
    shape_warmup: bool | None = None
    shape_warmup_samples: NonNegativeInt | None = None
    shape_warmup_decode: bool | None = None
    shape_warmup_decode_samples: NonNegativeInt | None = None
    cudnn_attention: bool | None = None
    steady_warmup: SteadyWarmupRecord | None = None
    warmup: Literal["ours", "reference"] | None = None
    gc_paused_in_windows: bool | None = None
    cpu_pin: NonNegativeInt | None = None
    max_new_tokens: int | None = None
    min_new_tokens: int | None = None
    num_inference_steps: int | None = None
    max_input_tokens: int | None = None
    seed: int
    runner: str
    backend: str | None = None
    endpoint: EndpointConfig | None = None


class RunReport(_Model):
    """benchmark_report.json.

    Attributes:
        config: The run configuration as recorded (the runner writes a `ReportConfig`).
        timings_s: Wall time of the run's steps, s: `setup_s`, `dataset_load_s`, `idle_wait_s`,
            `idle_window_s`, `model_load_s`, `warmup_s` (shape and steady warm-ups included),
            `shape_warmup_s`, `steady_warmup_s` and `total_s` (each present when the step ran).
        split_single_pass_prefill_wh: The single-pass estimate of prefill energy, Wh per 1,000 queries
            (mean over repetitions; generative tasks; written in two-pass runs too, for comparison).
        performance: The counted passes' per-query figures pooled (latency percentiles, throughput,
            energy per output token, tokens per joule, energy-delay product) and the GPU memory peaks.
    """

    schema_version: int
    status: Literal["complete", "incomplete"]
    failure: str | None = None
    task: str
    model: ModelInfo
    dataset: DatasetInfo
    config: dict[str, Any] = Field(default_factory=dict)
    preprocess: Phase
    repetitions: list[Repetition]
    split: PhaseSplit | None = None
    summary: Summary | None = None
    started_utc: str | None = None
    finished_utc: str | None = None
    timings_s: dict[str, NonNegativeFloat] | None = None
    split_single_pass_prefill_wh: NonNegativeFloat | None = None
    performance: RunPerformance | None = None


class GpuInfo(_Model):
    """One GPU used by the run.

    Attributes:
        index: CUDA/NVML index.
        name: Marketing name from NVML ("NVIDIA H100 80GB HBM3").
        uuid_sha256: sha256 of the GPU UUID (identifies the board without exposing it).
        memory_total_mib: Board memory in MiB.
        power_limit_w: Enforced power limit in W.
        temperature_start_c: Temperature before the run, degrees C.
        temperature_end_c: Temperature after the run, degrees C.
        sm_clock_max_mhz: Maximum SM clock, MHz.
        mem_clock_max_mhz: Maximum memory clock, MHz.
    """

    index: int
    name: str
    uuid_sha256: str | None = None
    memory_total_mib: float | None = None
    power_limit_w: float | None = None
    temperature_start_c: float | None = None
    temperature_end_c: float | None = None
    sm_clock_max_mhz: NonNegativeFloat | None = None
    mem_clock_max_mhz: NonNegativeFloat | None = None


class GpuClocks(_Model):
    """One GPU's current clocks.

    Attributes:
        sm_mhz: SM clock, MHz (None when unknown, e.g. the simulated meter).
        mem_mhz: Memory clock, MHz.
    """

    sm_mhz: NonNegativeFloat | None = None
    mem_mhz: NonNegativeFloat | None = None


class Neighbour(_Model):
    """Another job of the same sweep that ran on the run's host during the run (runner/sweep/neighbours.py).

    Attributes:
        job_id: The sweep's id of that job.
        model: Its model.
        task: Its task.
        gpu_uuid_sha256: sha256 of the UUIDs of its GPUs.
        overlap_s: Seconds both ran at once, as far as the run could see when it ended.
    """

    job_id: str
    model: str | None = None
    task: str | None = None
    gpu_uuid_sha256: list[str] = Field(default_factory=list)
    overlap_s: float | None = None


class Environment(_Model):
    """environment.json.

    Attributes:
        meter: "nvml" for the real counter, "simulated" for a dry run.
        gpus: GPUs the run used, in counter order.
        idle_power_w: Mean GPU power before the run, W (summed over GPUs).
        other_processes: Processes seen on the run's GPUs that were not the runner.
        contaminated: True when another process used a GPU during the run.
        software: Package name -> version.
        host_cpu_model: The host CPU's model name (batch-1 inference is paced by the host).
        host_cpus: CPU cores the runner's process could use.
        host_load_1min_start: The host's 1-minute load average when the run started.
        host_load_1min_end: The same when the run ended (the runner's own threads included).
        clocks_start_mhz: Each GPU's clocks when the run started, MHz (in `gpus` order).
        clocks_end_mhz: The same when the run ended.
        neighbours: Other jobs of the same sweep that ran on this host meanwhile (on other GPUs, so not
            contamination); None when the run was not part of a sweep.
        server: The serving engine measured through its API (endpoint backend only): its identity and how
            the runner knows it runs on the measured GPUs.
    """

    schema_version: int
    meter: Literal["nvml", "simulated"]
    gpus: list[GpuInfo]
    driver_version: str | None = None
    cuda_version: str | None = None
    idle_power_w: float | None = None
    counter_update_period_ms: float | None = None
    other_processes: list[dict[str, Any]] = Field(default_factory=list)
    contaminated: bool = False
    software: dict[str, str] = Field(default_factory=dict)
    platform: str | None = None
    host_cpu_model: str | None = None
    host_cpus: NonNegativeInt | None = None
    host_load_1min_start: NonNegativeFloat | None = None
    host_load_1min_end: NonNegativeFloat | None = None
    clocks_start_mhz: list[GpuClocks] | None = None
    clocks_end_mhz: list[GpuClocks] | None = None
    neighbours: list[Neighbour] | None = None
    server: ServerInfo | None = None


class ManifestFile(_Model):
    """One file of a bundle: path inside the zip, size and sha256."""

    path: str
    size_bytes: NonNegativeInt
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(_Model):
    """manifest.json."""

    schema_version: int
    format: Literal["aienergyscore-bundle"]
    runner_name: str
    runner_version: str
    created_utc: str
    files: list[ManifestFile]
