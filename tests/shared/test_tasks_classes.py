"""The task registry (shared/method/tasks.py) and the text-generation classes (shared/method/classes.py)."""

from __future__ import annotations

import pytest

from shared.method.classes import (
    CLASS_A_MAX_PARAMS,
    CLASS_B_MAX_PARAMS,
    ModelClass,
    class_for_parameters,
    estimate_memory_gb,
    gpu_count_problem,
)
from shared.method.tasks import (
    PASS_CALL,
    PASS_FORWARD,
    PASS_GENERATE,
    PRECISION_FP32,
    PRECISION_MODEL,
    TASKS,
    get_task,
    summary_phases,
    task_ids,
    total_phases,
)

# docs/METHODOLOGY.md §3's table: task id -> (pipeline task, input columns, reference model, generation)
METHOD = {
    "text_generation": ("text-generation", ("text",), "openai/gpt-oss-20b", (10, 10)),
    "reasoning": ("text-generation", ("text",), "openai/gpt-oss-20b", (1, 8192)),
    "summarization": ("summarization", ("text",), "sshleifer/distilbart-cnn-12-6", (10, 10)),
    "extractive_qa": ("question-answering", ("question", "context"), "deepset/electra-base-squad2", None),
    "text_classification": ("text-classification", ("text",), "lvwerra/distilbert-imdb", None),
    "sentence_similarity": (
        "sentence-similarity",
        ("sentence1", "sentence2"),
        "sentence-transformers/all-MiniLM-L6-v2",
        None,
    ),
    "image_classification": ("image-classification", ("image",), "google/vit-base-patch16-224", None),
    "object_detection": ("object-detection", ("image",), "facebook/detr-resnet-50", None),
    "asr": ("automatic-speech-recognition", ("audio",), "openai/whisper-large-v3", (100, 100)),
    "image_captioning": ("image-to-text", ("image",), None, (100, 100)),
    "image_generation": ("text-to-image", ("prompt",), "segmind/tiny-sd", None),
}


def test_registry_holds_ten_tasks_plus_reasoning() -> None:
    assert len(TASKS) == 11
    assert task_ids() == list(TASKS) == list(METHOD)
    assert sum(1 for t in TASKS.values() if not t.generation.reasoning) == 10


@pytest.mark.parametrize("task_id", list(METHOD))
def test_task_fields_follow_the_method(task_id: str) -> None:
    t = get_task(task_id)
    pipeline, columns, model, gen = METHOD[task_id]
    assert t.id == task_id and t.display_name
    assert t.pipeline_task == pipeline
    assert t.input_columns == columns
    assert t.dataset_id == f"AIEnergyScore/{'text_generation' if task_id == 'reasoning' else task_id}"
    if model is not None:
        assert t.reference_model == model
    else:
        assert "blip2" in t.reference_model.lower() and "opt-2.7b" in t.reference_model.lower()
    assert (t.samples, t.batch_size, t.split) == (1000, 1, "train")
    # precision: FP32 for every task except text generation (and its reasoning variant)
    expected_precision = PRECISION_MODEL if task_id in ("text_generation", "reasoning") else PRECISION_FP32
    assert t.precision == expected_precision
    g = t.generation
    if gen is None:
        assert (g.min_new_tokens, g.max_new_tokens) == (None, None)
    else:
        assert (g.min_new_tokens, g.max_new_tokens) == gen
    assert g.reasoning == (task_id == "reasoning")
    assert t.has_classes == (task_id in ("text_generation", "reasoning"))
    assert t.efficiency_unit in ("samples/kWh", "tokens/kWh", "images/kWh")
    assert t.query_unit and t.modality in ("text", "image", "audio")


def test_pass_phases_and_efficiency_units() -> None:
    generative = {"text_generation", "reasoning", "summarization", "asr", "image_captioning"}
    for t in TASKS.values():
        if t.id in generative:
            assert t.pass_phase == PASS_GENERATE and t.generation.is_generative
            assert t.efficiency_unit == "tokens/kWh"
        elif t.id == "image_generation":
            assert t.pass_phase == PASS_CALL and t.generation.is_generative
            assert t.efficiency_unit == "images/kWh"
        else:
            assert t.pass_phase == PASS_FORWARD and not t.generation.is_generative
            assert t.efficiency_unit == ("images/kWh" if t.modality == "image" else "samples/kWh")


def test_image_generation_settings() -> None:
    g = get_task("image_generation").generation
    assert (g.num_inference_steps, g.images_per_prompt) == (30, 1)


def test_tasks_are_immutable() -> None:
    with pytest.raises(AttributeError):
        get_task("asr").samples = 10  # type: ignore[misc]


def test_get_task_error_names_valid_ids() -> None:
    with pytest.raises(KeyError) as exc:
        get_task("poetry")
    msg = str(exc.value)
    assert "'poetry'" in msg
    for task_id in TASKS:
        assert task_id in msg


def test_total_and_summary_phases() -> None:
    assert total_phases(get_task("text_generation")) == ("preprocess", "generate")
    assert total_phases(get_task("extractive_qa")) == ("preprocess", "forward")
    assert summary_phases(get_task("text_generation")) == ("preprocess", "prefill", "decode")
    assert summary_phases(get_task("image_generation")) == ("preprocess", "call")


# --- classes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "cls"),
    [
        (1, "A"),
        (124_000_000, "A"),
        (20_000_000_000, "A"),  # "up to ~20B": the boundary belongs to A
        (20_000_000_001, "B"),
        (32_000_000_000, "B"),
        (66_000_000_000, "B"),
        (66_000_000_001, "C"),
        (671_000_000_000, "C"),
    ],
)
def test_class_thresholds(params: int, cls: str) -> None:
    assert class_for_parameters(params) == ModelClass(cls)
    assert class_for_parameters(params).value == cls


def test_threshold_constants() -> None:
    assert CLASS_A_MAX_PARAMS == 20e9 and CLASS_B_MAX_PARAMS == 66e9


@pytest.mark.parametrize("params", [0, -5])
def test_non_positive_parameters_refused(params: int) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        class_for_parameters(params)


def test_memory_rule() -> None:
    # M = 1.2 x params x 2 bytes
    assert estimate_memory_gb(10_000_000_000) == pytest.approx(24.0)
    assert estimate_memory_gb(20_000_000_000) == pytest.approx(48.0)
    assert estimate_memory_gb(33_333_333_333) == pytest.approx(80.0)
    assert estimate_memory_gb(10_000_000_000, bytes_per_param=4) == pytest.approx(48.0)
    # the two rules disagree: 20B is class A by the parameter table but needs 48 GB by the memory rule
    assert class_for_parameters(20_000_000_000) == ModelClass.A and estimate_memory_gb(20_000_000_000) > 24


@pytest.mark.parametrize("override", ["C", "c", ModelClass.C])
def test_override_wins(override: object) -> None:
    assert class_for_parameters(1_000_000_000, override=override) == ModelClass.C  # type: ignore[arg-type]


def test_empty_override_is_ignored_and_bad_override_refused() -> None:
    assert class_for_parameters(70_000_000_000, override="") == ModelClass.C
    assert class_for_parameters(70_000_000_000, override=None) == ModelClass.C
    with pytest.raises(ValueError, match="use A, B or C"):
        class_for_parameters(1_000, override="D")


def test_class_descriptions() -> None:
    assert "consumer GPU" in ModelClass.A.description
    assert "one H100" in ModelClass.B.description
    assert "several H100s" in ModelClass.C.description


@pytest.mark.parametrize("cls", ["A", "B", ModelClass.A])
def test_one_gpu_rule_for_a_and_b(cls: object) -> None:
    assert gpu_count_problem(cls, 1) is None  # type: ignore[arg-type]
    msg = gpu_count_problem(cls, 2)  # type: ignore[arg-type]
    assert msg is not None
    letter = getattr(cls, "value", cls)
    assert f"Class {letter} models must run on exactly one GPU" in msg
    assert "used 2" in msg and "only class C may use several" in msg


def test_class_c_may_use_several_gpus() -> None:
    assert gpu_count_problem("C", 1) is None
    assert gpu_count_problem("C", 8) is None


@pytest.mark.parametrize("cls", ["A", "C"])
def test_no_gpu_is_a_problem(cls: str) -> None:
    assert "no GPU" in (gpu_count_problem(cls, 0) or "")
