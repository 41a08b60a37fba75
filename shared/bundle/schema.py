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
    # Unknown keys are kept (forward compatibility within a schema version); NaN/inf are refused.
    model_config = ConfigDict(extra="allow", allow_inf_nan=False, frozen=False)


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
    """

    id: str = Field(min_length=1, max_length=300)
    revision: str | None = None
    parameters: int = Field(ge=1)
    dtype: str
    model_class: str | None = None
    class_overridden: bool = False
    random_weights: bool = False


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


class RunReport(_Model):
    """benchmark_report.json."""

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
    """

    index: int
    name: str
    uuid_sha256: str | None = None
    memory_total_mib: float | None = None
    power_limit_w: float | None = None
    temperature_start_c: float | None = None
    temperature_end_c: float | None = None


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
