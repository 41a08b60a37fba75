"""`python -m runner replica`: build a model directory with random weights from a config, for
machines without the Hub.

The directory gets the config, a preprocessor (a word-level tokenizer over the pseudo-word vocabulary
of runner.samples, an image processor or a feature extractor, built from defaults), the weights
(unless --no-weights: the run then builds them on the GPU, which a 30B replica needs) and a
`replica.json` marker, so every report of it says "random weights". For fixed-length work the
random weights do the architecture's real compute (docs/MEASUREMENT.md §4); the outputs mean nothing.

For image generation the config is a diffusers pipeline description: {"_class_name": pipeline class,
"<component>": {"_class_name": ..., ...config}, "scheduler": {...}}; its CLIP tokenizer is built from
a byte-level vocabulary.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from runner import RUNNER_NAME, __version__
from runner.errors import RunnerError
from runner.models import REPLICA_MARKER
from runner.samples import vocabulary
from runner.workloads import WORKLOADS
from shared.method.tasks import Task, get_task

SPECIAL_TOKENS = ["<pad>", "<unk>", "<s>", "</s>", "<mask>"]
ENCODER_TASKS = ("extractive_qa", "text_classification", "sentence_similarity")


def word_tokenizer(vocab_size: int, encoder: bool, max_length: int) -> Any:
    """A fast word-level tokenizer with at most `vocab_size` ids (specials first, then pseudo-words).

    Encoder tasks get a <s> A </s></s> B </s> template so pairs have separators, like RoBERTa.
    """
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    words = [".", ",", "?", *vocabulary()]
    tokens = (SPECIAL_TOKENS + words)[: max(len(SPECIAL_TOKENS) + 1, vocab_size)]
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(tokens)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if encoder:
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>",
            pair="<s> $A </s> </s> $B:1 </s>:1",
            special_tokens=[("<s>", 2), ("</s>", 3)],
        )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<pad>",
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        mask_token="<mask>",
        model_max_length=max_length,
    )


def _image_processor(config: Any) -> Any:
    import transformers
    from transformers.models.auto.image_processing_auto import IMAGE_PROCESSOR_MAPPING_NAMES

    vision = getattr(config, "vision_config", None) or config
    names = IMAGE_PROCESSOR_MAPPING_NAMES.get(
        getattr(vision, "model_type", config.model_type)
    ) or IMAGE_PROCESSOR_MAPPING_NAMES.get(config.model_type)
    if not names:
        raise RunnerError(f"No image processor is known for model type {config.model_type!r}.")
    # The PIL variants need no torchvision.
    name = names.get("pil") or names.get("torchvision") if isinstance(names, dict) else names
    if not name:
        raise RunnerError(f"No image processor class is named for model type {config.model_type!r}.")
    kwargs: dict[str, Any] = {}
    size = getattr(vision, "image_size", None)
    if config.model_type == "resnet":
        kwargs["size"] = {"shortest_edge": 224}  # as microsoft/resnet-50's preprocessor
    if isinstance(size, int) and config.model_type not in ("detr", "conditional_detr", "deformable_detr"):
        kwargs["size"] = {"height": size, "width": size}
    return getattr(transformers, name)(**kwargs)


def _text_max_length(config: Any) -> int:
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    return int(getattr(text, "max_position_embeddings", None) or 512)


def build_preprocessor(task: Task, config: Any) -> Any:
    """The tokenizer / processor / feature extractor of a replica."""
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    vocab = int(getattr(text, "vocab_size", 0) or 30000)
    if task.modality == "text":
        return word_tokenizer(vocab, task.id in ENCODER_TASKS, _text_max_length(config))
    if task.id == "asr":
        from transformers import WhisperFeatureExtractor

        return WhisperFeatureExtractor(feature_size=int(getattr(config, "num_mel_bins", 80)))
    if task.id == "image_captioning":
        from transformers import Blip2Processor

        tokenizer = word_tokenizer(vocab - 1, False, _text_max_length(config))
        processor = Blip2Processor(
            _image_processor(config), tokenizer, num_query_tokens=getattr(config, "num_query_tokens", 32)
        )
        config.image_token_id = tokenizer.convert_tokens_to_ids("<image>")
        config.image_token_index = config.image_token_id
        return processor
    return _image_processor(config)


def _auto_config(config_dict: dict[str, Any]) -> Any:
    from transformers import AutoConfig

    data = dict(config_dict)
    model_type = data.pop("model_type", None)
    if not model_type:
        raise RunnerError("The config has no model_type, so its architecture is unknown.")
    return AutoConfig.for_model(model_type, **data)


def build_replica(
    config_path: Path, out: Path, task_id: str, model_id: str | None = None, weights: bool = True, seed: int = 0
) -> Path:
    """Write a replica directory for `task_id` from a config file; returns `out`."""
    task = get_task(task_id)
    try:
        raw = json.loads(Path(config_path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise RunnerError(f"Cannot read config {config_path}: {exc}") from exc
    out.mkdir(parents=True, exist_ok=True)
    if task.id == "image_generation":
        _build_diffusion(raw, out, seed)
    else:
        import torch
        import transformers

        config = _auto_config(raw)
        pre = build_preprocessor(task, config)
        pre.save_pretrained(out)
        if weights:
            torch.manual_seed(seed)
            cls = getattr(transformers, WORKLOADS[task.id].model_cls_name)
            model = cls.from_config(config)
            model.save_pretrained(out)
        else:
            config.save_pretrained(out)
    marker = {
        "model_id": model_id or raw.get("_name_or_path") or Path(config_path).stem,
        "random_weights": True,
        "task": task.id,
        "weights_saved": weights,
        "seed": seed,
        "config_sha256": hashlib.sha256(Path(config_path).read_bytes()).hexdigest(),
        "built_by": f"{RUNNER_NAME} {__version__}",
    }
    (out / REPLICA_MARKER).write_text(json.dumps(marker, indent=2))
    return out


def _clip_tokenizer(folder: Path, max_length: int) -> Any:
    """A CLIP tokenizer over the byte-level alphabet (every text encodes, with short merges absent)."""
    from transformers import CLIPTokenizer

    # GPT-2's byte -> printable character table, which CLIP's byte-level BPE reads.
    printable = (
        list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    )
    extra = iter(range(256, 512))
    chars = [chr(b) if b in printable else chr(next(extra)) for b in range(256)]
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab.setdefault(c + "</w>", len(vocab))
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=max_length)


def _build_diffusion(raw: dict[str, Any], out: Path, seed: int) -> None:
    try:
        import diffusers
    except ImportError as exc:
        raise RunnerError("Image generation replicas need diffusers (pip install diffusers).") from exc
    import torch
    import transformers

    torch.manual_seed(seed)
    components: dict[str, Any] = {}
    max_len = int(raw.get("text_encoder", {}).get("max_position_embeddings", 77))
    tokenizer = components["tokenizer"] = _clip_tokenizer(out / "_tok", max_len)
    for name, spec in raw.items():
        if name.startswith("_") or not isinstance(spec, dict):
            continue
        spec = dict(spec)
        cls_name = spec.pop("_class_name")
        if name == "text_encoder":
            # The encoder pools at the end-of-text token: make its ids the tokenizer's.
            spec.update(
                bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id,
                pad_token_id=tokenizer.pad_token_id,
            )
            config = _auto_config(spec)
            components[name] = getattr(transformers, cls_name)(config)
        else:
            cls = getattr(diffusers, cls_name)
            components[name] = cls.from_config(spec) if name == "scheduler" else cls(**spec)
    pipe_cls = getattr(diffusers, raw.get("_class_name", "StableDiffusionPipeline"))
    extra: dict[str, Any] = {
        k: None
        for k in ("safety_checker", "feature_extractor", "image_encoder")
        if k in pipe_cls.__init__.__code__.co_varnames
    }
    if "requires_safety_checker" in pipe_cls.__init__.__code__.co_varnames:
        extra["requires_safety_checker"] = False
    pipe = pipe_cls(**components, **extra)
    pipe.save_pretrained(out)
    for f in (out / "_tok").iterdir():
        f.unlink()
    (out / "_tok").rmdir()
