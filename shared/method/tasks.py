"""The task registry: the one source of truth for the standard workload.

Every part of the suite (runner, portal, leaderboard, label) reads task facts from here, so a task's
sample count, precision or generation length is never restated elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_SAMPLES = 1000
DEFAULT_BATCH_SIZE = 1
DEFAULT_SPLIT = "train"

# Precision values: "fp32" forces float32; "model" keeps the model's own dtype (FP16/BF16).
PRECISION_FP32 = "fp32"
PRECISION_MODEL = "model"


@dataclass(frozen=True)
class GenerationSettings:
    """How much a generative task produces per query.

    Attributes:
        min_new_tokens: Lower bound on generated tokens (None for non-generative tasks).
        max_new_tokens: Upper bound on generated tokens (None for non-generative tasks).
        num_inference_steps: Denoising steps for diffusion (None otherwise).
        images_per_prompt: Images generated per prompt (diffusion only).
        reasoning: True when the model's reasoning mode is switched on.
    """

    min_new_tokens: int | None = None
    max_new_tokens: int | None = None
    num_inference_steps: int | None = None
    images_per_prompt: int | None = None
    reasoning: bool = False

    @property
    def is_generative(self) -> bool:
        """True when the task generates tokens or images rather than one forward pass."""
        return self.max_new_tokens is not None or self.num_inference_steps is not None


@dataclass(frozen=True)
class Task:
    """One rated task of the standard workload.

    Attributes:
        id: Stable identifier used in files, URLs and the store.
        display_name: Human name shown in the apps.
        pipeline_task: transformers pipeline task (or "text-to-image" for diffusers).
        input_columns: Dataset columns the runner feeds the model.
        dataset_id: Hub dataset holding the 1,000 standard samples.
        reference_model: The model the reference method uses by default for this task.
        precision: PRECISION_FP32 or PRECISION_MODEL.
        generation: Generation length settings.
        pass_phase: The measured pass over the dataset: "generate", "forward" or "call".
        query_unit: What one "query" of "Wh per 1,000 queries" is, in words.
        efficiency_unit: Unit of the efficiency figure of the reference report.
        has_classes: True when results are rated per class A/B/C (text generation).
        modality: "text", "image" or "audio" input, for the runner's loaders.
        samples: Standard number of samples.
        batch_size: Standard batch size.
        split: Dataset split.
        reference_differs: Empty when our workload is the reference runner's; else, in words, how the reference's
            workload for the task differs, so that its published figures are not set against ours as if comparable.
    """

    id: str
    display_name: str
    pipeline_task: str
    input_columns: tuple[str, ...]
    dataset_id: str
    reference_model: str
    precision: str
    generation: GenerationSettings
    pass_phase: str
    query_unit: str
    efficiency_unit: str
    modality: str
    has_classes: bool = False
    samples: int = DEFAULT_SAMPLES
    batch_size: int = DEFAULT_BATCH_SIZE
    split: str = DEFAULT_SPLIT
    notes: str = field(default="", compare=False)
    reference_differs: str = field(default="", compare=False)


# The measured pass over the dataset: one full generate (split into prefill and decode), one forward
# pass, or one diffusion pipeline call per prompt.
PASS_GENERATE = "generate"
PASS_FORWARD = "forward"
PASS_CALL = "call"


def _t(**kw: object) -> Task:
    return Task(**kw)  # type: ignore[arg-type]


TASKS: dict[str, Task] = {
    t.id: t
    for t in (
        _t(
            id="text_generation",
            display_name="Text generation",
            pipeline_task="text-generation",
            input_columns=("text",),
            dataset_id="AIEnergyScore/text_generation",
            reference_model="openai/gpt-oss-20b",
            precision=PRECISION_MODEL,
            generation=GenerationSettings(min_new_tokens=10, max_new_tokens=10),
            pass_phase=PASS_GENERATE,
            query_unit="prompt answered with 10 new tokens",
            efficiency_unit="tokens/kWh",
            modality="text",
            has_classes=True,
        ),
        _t(
            id="reasoning",
            display_name="Text generation (reasoning)",
            pipeline_task="text-generation",
            input_columns=("text",),
            dataset_id="AIEnergyScore/text_generation",
            reference_model="openai/gpt-oss-20b",
            precision=PRECISION_MODEL,
            generation=GenerationSettings(min_new_tokens=1, max_new_tokens=8192, reasoning=True),
            pass_phase=PASS_GENERATE,
            query_unit="prompt answered with reasoning on (up to 8,192 new tokens)",
            efficiency_unit="tokens/kWh",
            modality="text",
            has_classes=True,
        ),
        _t(
            id="summarization",
            display_name="Summarization",
            pipeline_task="summarization",
            input_columns=("text",),
            dataset_id="AIEnergyScore/summarization",
            reference_model="sshleifer/distilbart-cnn-12-6",
            precision=PRECISION_FP32,
            generation=GenerationSettings(min_new_tokens=10, max_new_tokens=10),
            pass_phase=PASS_GENERATE,
            query_unit="document summarized in 10 new tokens",
            efficiency_unit="tokens/kWh",
            modality="text",
            reference_differs="the reference runner measures summarization as one forward pass per document; we "
            "generate 10 new tokens, as the method's task table says",
        ),
        _t(
            id="extractive_qa",
            display_name="Extractive QA",
            pipeline_task="question-answering",
            input_columns=("question", "context"),
            dataset_id="AIEnergyScore/extractive_qa",
            reference_model="deepset/electra-base-squad2",
            precision=PRECISION_FP32,
            generation=GenerationSettings(),
            pass_phase=PASS_FORWARD,
            query_unit="question answered from its context",
            efficiency_unit="samples/kWh",
            modality="text",
        ),
        _t(
            id="text_classification",
            display_name="Text classification",
            pipeline_task="text-classification",
            input_columns=("text",),
            dataset_id="AIEnergyScore/text_classification",
            reference_model="lvwerra/distilbert-imdb",
            precision=PRECISION_FP32,
            generation=GenerationSettings(),
            pass_phase=PASS_FORWARD,
            query_unit="text classified",
            efficiency_unit="samples/kWh",
            modality="text",
        ),
        _t(
            id="sentence_similarity",
            display_name="Sentence similarity",
            pipeline_task="sentence-similarity",
            input_columns=("sentence1", "sentence2"),
            dataset_id="AIEnergyScore/sentence_similarity",
            reference_model="sentence-transformers/all-MiniLM-L6-v2",
            precision=PRECISION_FP32,
            generation=GenerationSettings(),
            pass_phase=PASS_FORWARD,
            query_unit="sentence pair compared",
            efficiency_unit="samples/kWh",
            modality="text",
            reference_differs="the reference runner encodes each sentence pair as one input (one forward pass); we "
            "embed each sentence with its own forward pass, two per pair, as a sentence-embedding model is used",
        ),
        _t(
            id="image_classification",
            display_name="Image classification",
            pipeline_task="image-classification",
            input_columns=("image",),
            dataset_id="AIEnergyScore/image_classification",
            reference_model="google/vit-base-patch16-224",
            precision=PRECISION_FP32,
            generation=GenerationSettings(),
            pass_phase=PASS_FORWARD,
            query_unit="image classified",
            efficiency_unit="images/kWh",
            modality="image",
        ),
        _t(
            id="object_detection",
            display_name="Object detection",
            pipeline_task="object-detection",
            input_columns=("image",),
            dataset_id="AIEnergyScore/object_detection",
            reference_model="facebook/detr-resnet-50",
            precision=PRECISION_FP32,
            generation=GenerationSettings(),
            pass_phase=PASS_FORWARD,
            query_unit="image searched for objects",
            efficiency_unit="images/kWh",
            modality="image",
        ),
        _t(
            id="asr",
            display_name="Speech recognition (ASR)",
            pipeline_task="automatic-speech-recognition",
            input_columns=("audio",),
            dataset_id="AIEnergyScore/asr",
            reference_model="openai/whisper-large-v3",
            precision=PRECISION_FP32,
            generation=GenerationSettings(min_new_tokens=100, max_new_tokens=100),
            pass_phase=PASS_GENERATE,
            query_unit="audio clip transcribed (100 new tokens)",
            efficiency_unit="tokens/kWh",
            modality="audio",
        ),
        _t(
            id="image_captioning",
            display_name="Image captioning",
            pipeline_task="image-to-text",
            input_columns=("image",),
            dataset_id="AIEnergyScore/image_captioning",
            reference_model="Salesforce/blip2-opt-2.7b",
            precision=PRECISION_FP32,
            generation=GenerationSettings(min_new_tokens=100, max_new_tokens=100),
            pass_phase=PASS_GENERATE,
            query_unit="image captioned (100 new tokens)",
            efficiency_unit="tokens/kWh",
            modality="image",
        ),
        _t(
            id="image_generation",
            display_name="Image generation",
            pipeline_task="text-to-image",
            input_columns=("prompt",),
            dataset_id="AIEnergyScore/image_generation",
            reference_model="segmind/tiny-sd",
            precision=PRECISION_FP32,
            generation=GenerationSettings(num_inference_steps=30, images_per_prompt=1),
            pass_phase=PASS_CALL,
            query_unit="image generated (30 steps)",
            efficiency_unit="images/kWh",
            modality="text",
        ),
    )
}

# Phase that is measured before the model phases and counted in the total (as the reference does).
PREPROCESS_PHASE = "preprocess"


def task_ids() -> list[str]:
    """All task ids in display order."""
    return list(TASKS)


def get_task(task_id: str) -> Task:
    """Return the task with this id, or raise KeyError naming the valid ids."""
    try:
        return TASKS[task_id]
    except KeyError:
        raise KeyError(f"Unknown task {task_id!r}. Use one of: {', '.join(TASKS)}.") from None


def total_phases(task: Task) -> tuple[str, ...]:
    """Measured phases whose GPU energy sums to the reported total: preprocess and the pass."""
    return (PREPROCESS_PHASE, task.pass_phase)


def summary_phases(task: Task) -> tuple[str, ...]:
    """Phase keys of GPU_ENERGY_SUMMARY.json: preprocess, then prefill and decode for generation
    (as the reference reports them), else the pass itself ("forward" or "call")."""
    if task.pass_phase == PASS_GENERATE:
        return (PREPROCESS_PHASE, "prefill", "decode")
    return (PREPROCESS_PHASE, task.pass_phase)
