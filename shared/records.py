"""The result record: the normalised, validated outcome of one bundle, as the store keeps it."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

RECORD_SCHEMA_VERSION = 1
FORMAT_NATIVE = "aienergyscore-bundle-v1"
FORMAT_REFERENCE = "reference-runner"
# A figure taken from a published leaderboard (no bundle, no raw readings behind it in this store).
FORMAT_PUBLISHED = "published-figure"
# Where a record's number comes from: "" for a result measured from a bundle this suite validated.
PROVENANCE_MEASURED = ""
PROVENANCE_PUBLISHED = "published figure, reference runner, no raw readings"
# The runner names a random-weight replica after the Hub model whose architecture it copies.
REPLICA_SUFFIX = "-replica"
# Hub repositories renamed since a published leaderboard listed them (the Hub redirects the old name), old name ->
# current name, lower case: Meta dropped the "Meta-" prefix of its Llama 3.1 repositories in December 2024.
HUB_RENAMES = {
    "meta-llama/meta-llama-3.1-8b": "meta-llama/llama-3.1-8b",
    "meta-llama/meta-llama-3.1-8b-instruct": "meta-llama/llama-3.1-8b-instruct",
    "meta-llama/meta-llama-3.1-70b": "meta-llama/llama-3.1-70b",
    "meta-llama/meta-llama-3.1-70b-instruct": "meta-llama/llama-3.1-70b-instruct",
    "meta-llama/meta-llama-3.1-405b": "meta-llama/llama-3.1-405b",
    "meta-llama/meta-llama-3.1-405b-instruct": "meta-llama/llama-3.1-405b-instruct",
}


def split_model_id(model_id: str) -> tuple[str, str]:
    """('provider', 'name') of a Hub id; the provider is '' for an id without an owner."""
    provider, _, name = model_id.rpartition("/")
    return provider, name or model_id


@dataclass
class ResultRecord:
    """One rated result, independent of the bundle format it came from.

    Energies are GPU energy in Wh per 1,000 queries.

    Attributes:
        task_id: Task registry id.
        model_id: Hub id or name of the model.
        model_class: "A"/"B"/"C" for text generation, else None.
        parameters: Parameter count, if known.
        precision: dtype the model ran in.
        gpu_energy_wh_per_1k: The rated number (mean over repetitions).
        std_wh_per_1k: Standard deviation over repetitions (0 for one repetition).
        ci95_low_wh_per_1k: Lower 95% CI bound of the mean.
        ci95_high_wh_per_1k: Upper 95% CI bound of the mean.
        repetitions: Number of repetitions.
        samples: Queries per repetition.
        phases_wh_per_1k: Energy per phase (preprocess, prefill, decode / forward / call).
        hardware: GPU name.
        gpu_count: GPUs used.
        source_format: FORMAT_NATIVE, FORMAT_REFERENCE or FORMAT_PUBLISHED.
        runner: Runner name and version.
        random_weights: True when measured on a random-weight replica.
        quality_score: Optional task quality score (0-100) reported with the result.
        created_utc: When the run finished, ISO 8601.
        config: Run configuration as recorded.
        dataset: Dataset description as recorded.
        environment: Environment as recorded.
        provenance: PROVENANCE_MEASURED ("") for a validated bundle, else what the number is, e.g.
            PROVENANCE_PUBLISHED for a figure imported from a published leaderboard.
        source_note: Where an imported figure comes from, in words (file and line), else "".
        source_file: File an imported figure was read from ("" for a bundle).
        source_line: Line of `source_file` (1 = the header), or None.
        stars_published: Stars the source published with the figure, or None; the version's own stars
            are computed by our rule, and `stars_mismatch` says when the two differ.
        performance: The bundle's pooled performance figures (benchmark_report.json `performance`:
            latency percentiles, throughput, energy per output token, tokens per joule, energy-delay
            product, memory peaks), or {} when it has none.
    """

    task_id: str
    model_id: str
    gpu_energy_wh_per_1k: float
    model_class: str | None = None
    parameters: int | None = None
    precision: str | None = None
    std_wh_per_1k: float = 0.0
    ci95_low_wh_per_1k: float | None = None
    ci95_high_wh_per_1k: float | None = None
    repetitions: int = 1
    samples: int = 0
    phases_wh_per_1k: dict[str, float] = field(default_factory=dict)
    hardware: str = ""
    gpu_count: int = 1
    source_format: str = FORMAT_NATIVE
    runner: str = ""
    random_weights: bool = False
    quality_score: float | None = None
    created_utc: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    # Added after RECORD_SCHEMA_VERSION 1 records were stored: optional, so older JSON still loads.
    provenance: str = PROVENANCE_MEASURED
    source_note: str = ""
    source_file: str = ""
    source_line: int | None = None
    stars_published: int | None = None
    performance: dict[str, Any] = field(default_factory=dict)

    @property
    def ci95(self) -> tuple[float, float] | None:
        """The 95% interval of the mean, or None where there is none: one repetition (the summary
        then states the mean as both bounds) or a record without bounds."""
        lo, hi = self.ci95_low_wh_per_1k, self.ci95_high_wh_per_1k
        if lo is None or hi is None or self.repetitions < 2:
            return None
        return lo, hi

    def stars_mismatch(self, stars: int | None) -> str:
        """A sentence when the stars a source published differ from `stars` (ours), else ''."""
        if self.stars_published is None or stars is None or self.stars_published == stars:
            return ""
        return f"Published with {self.stars_published} stars; our rule gives {stars}."

    @property
    def is_published_figure(self) -> bool:
        """True for a figure imported from a published leaderboard (no bundle, no raw readings here)."""
        return self.source_format == FORMAT_PUBLISHED or self.provenance == PROVENANCE_PUBLISHED

    @property
    def architecture_id(self) -> str:
        """The model this result stands for: the Hub id, or for a random-weight replica the id of the
        architecture it copies (the runner names a replica '<hub id>-replica')."""
        if self.random_weights and self.model_id.endswith(REPLICA_SUFFIX):
            return self.model_id[: -len(REPLICA_SUFFIX)]
        return self.model_id

    @property
    def architecture_key(self) -> str:
        """`architecture_id` in lower case under the repository's current Hub name (HUB_RENAMES): what tells that
        a replica and a published figure stand for one model."""
        key = self.architecture_id.lower()
        return HUB_RENAMES.get(key, key)

    @property
    def provider(self) -> str:
        """Owner part of the model id ('' if none)."""
        return split_model_id(self.model_id)[0]

    @property
    def model_name(self) -> str:
        """Name part of the model id."""
        return split_model_id(self.model_id)[1]

    def to_json(self) -> str:
        """Serialise with a schema version, for the store."""
        return json.dumps({"record_schema_version": RECORD_SCHEMA_VERSION, **dataclasses.asdict(self)})

    @classmethod
    def from_json(cls, text: str) -> ResultRecord:
        """Inverse of to_json; unknown keys from a newer version are ignored."""
        raw = json.loads(text)
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in names})
