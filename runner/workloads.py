"""One workload per task: how a model is loaded, how a dataset row becomes model inputs (the counted
preprocess phase), and what one sample of the measured pass does (generate, forward or call).

All tasks run at batch size 1 with greedy decoding and fixed generation lengths from shared.method.tasks.
Generation goes through the model classes' `generate` with an explicit GenerationConfig, so a model's
own sampling defaults (temperature, beams, no-repeat n-grams) cannot change the workload, and the
first token is timed (one synchronize per sample) for the single-pass prefill/decode split.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.errors import RunnerError
from runner.models import ModelSource, count_parameters, load_transformers_model, torch_dtype
from shared.method.tasks import PASS_GENERATE, PRECISION_FP32, Task

# Inputs are truncated to the model's positions minus the new tokens; 512 when the config says none.
DEFAULT_MAX_POSITIONS = 512
REASONING_LEVELS = ("on", "low", "medium", "high")
# The reference's short warm-up calls (optimum-benchmark 0.6.0 energy_star: TEXT_GENERATION_WARMUP_OVERRIDES and
# IMAGE_DIFFUSION_WARMUP_OVERRIDES), reproduced by `--warmup reference`.
REFERENCE_SHORT_TOKENS = 2
REFERENCE_SHORT_STEPS = 2


@dataclass
class Prepared:
    """One preprocessed sample.

    Attributes:
        inputs: Model inputs (tensors on the CPU, moved to the GPU in the pass, as the reference does).
        input_tokens: Input tokens of the sample (text inputs), else None.
    """

    inputs: Any
    input_tokens: int | None = None


@dataclass
class SampleOutcome:
    """What one sample of the pass produced.

    Attributes:
        output_tokens: New tokens generated (generation tasks), else None.
        prefill_s: Time from the call to the first token's logits, synchronized (generation), s.
    """

    output_tokens: int | None = None
    prefill_s: float | None = None


def synchronizer(device: str) -> Callable[[], None]:
    """A function that waits for all queued GPU work (every visible GPU), or does nothing on CPU.

    It never starts CUDA itself: before the first CUDA call nothing can be queued, and the idle-power
    window (measured while the model is not loaded yet) must not create a CUDA context.
    """
    if not device.startswith("cuda"):
        return lambda: None
    import torch

    count: list[int] = []

    def sync() -> None:
        if not torch.cuda.is_initialized():
            return
        if not count:
            count.append(torch.cuda.device_count())
        for i in range(count[0]):
            torch.cuda.synchronize(i)

    return sync


def shape_keys(inputs: Any) -> frozenset[tuple[Any, ...]]:
    """The input shapes of one sample: one key per model call (a dict of tensors; a tuple of dicts
    for sentence pairs). Empty for inputs without tensors (diffusion prompts)."""
    calls = inputs if isinstance(inputs, tuple) else (inputs,)
    keys = set()
    for call in calls:
        if isinstance(call, dict):
            key = tuple(sorted((k, tuple(v.shape)) for k, v in call.items() if hasattr(v, "shape")))
            if key:
                keys.add(key)
    return frozenset(keys)


def new_shape_items(items: list[Any], seen: set[tuple[Any, ...]]) -> list[Any]:
    """The first item of every input shape not in `seen` (updated), in dataset order."""
    out = []
    for item in items:
        keys = shape_keys(item.inputs)
        if keys and not keys <= seen:
            seen |= keys
            out.append(item)
    return out


def input_length(item: Prepared) -> int | None:
    """Tokens of a text sample's input (its `input_ids`' last dimension), None for other inputs."""
    if item.input_tokens is not None:
        return item.input_tokens
    ids = item.inputs.get("input_ids") if isinstance(item.inputs, dict) else None
    return int(ids.shape[-1]) if ids is not None and hasattr(ids, "shape") else None


def kv_lengths(item: Prepared, new_tokens: int) -> range:
    """The key/value lengths a causal LM's attention meets generating `new_tokens` from this sample: its prompt
    length L (the prefill) up to L + new_tokens - 1; empty for a sample without a token count."""
    n = input_length(item) or 0
    return range(n, n + new_tokens) if n > 0 else range(0)


def decode_cover_items(items: list[Prepared], new_tokens: int, seen: set[int]) -> list[Prepared]:
    """The fewest samples whose full generation meets every key/value length the pass will meet.

    A sample meets the lengths `kv_lengths` gives; eager PyTorch pays a one-off cost the first time it meets
    each length (benchmarks/cold_start.py measured 38-56 ms per new length on an H200). The lengths are
    intervals of one width, so taking, for the shortest length not yet met, the longest prompt that still
    reaches it is an optimal cover. `seen` (updated) holds lengths already met; samples without a token
    count are left out.
    """
    by_length: dict[int, Prepared] = {}
    for item in items:
        lengths = kv_lengths(item, new_tokens)
        if lengths:
            by_length.setdefault(lengths.start, item)
    starts = sorted(by_length)
    needed = sorted({kv for n in starts for kv in kv_lengths(by_length[n], new_tokens)} - seen)
    out: list[Prepared] = []
    reach = -1
    for kv in needed:
        if kv <= reach:
            continue
        start = starts[bisect.bisect_right(starts, kv) - 1]  # the longest prompt not longer than kv
        out.append(by_length[start])
        reach = start + new_tokens - 1
        seen.update(kv_lengths(by_length[start], new_tokens))
    return out


def _first_token_timer(sync: Callable[[], None]) -> Any:
    from transformers import LogitsProcessor

    class FirstTokenTimer(LogitsProcessor):
        """Notes when the first token's logits are ready (prefill done); passes scores through."""

        def __init__(self) -> None:
            self.first_s: float | None = None

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if self.first_s is None:
                sync()
                self.first_s = time.perf_counter()
            return scores

    return FirstTokenTimer()


class Workload:
    """Base of the task workloads.

    Attributes:
        task: The registry task.
        source: Where the model comes from.
        device: "cuda" or "cpu".
        multi_gpu: True when the model is spread over several GPUs (class C).
        seed: Seed for random-weight replicas and diffusion noise.
        reasoning: Reasoning level for text generation ("off", "on", "low", "medium", "high").
        sync: Waits for the GPU.
    """

    model_cls_name = "AutoModel"

    def __init__(
        self,
        task: Task,
        source: ModelSource,
        dtype: str | None,
        device: str,
        multi_gpu: bool,
        seed: int = 0,
        reasoning: str = "off",
    ) -> None:
        self.task = task
        self.source = source
        self.dtype_name = dtype
        self.device = device
        self.multi_gpu = multi_gpu
        self.seed = seed
        self.reasoning = reasoning
        self.sync = synchronizer(device)
        self.model: Any = None
        self.dtype: Any = None  # set by load(): the torch dtype the model runs in
        self._config: Any = None
        self.parameters = 0
        self.max_new_tokens = task.generation.max_new_tokens
        self.min_new_tokens = task.generation.min_new_tokens

    # -- model -----------------------------------------------------------------------------------
    def model_cls(self) -> Any:
        """The transformers Auto class of this task."""
        import transformers

        return getattr(transformers, self.model_cls_name)

    def config(self) -> Any:
        """The model's config (loaded once)."""
        if self._config is None:
            from transformers import AutoConfig

            try:
                self._config = AutoConfig.from_pretrained(self.source.path)
            except (OSError, ValueError) as exc:
                raise RunnerError(f"Could not read the config of {self.source.path!r}: {exc}") from exc
            if not self.source.local:
                self.source.revision = getattr(self._config, "_commit_hash", None)
        return self._config

    def count_parameters(self) -> int:
        """Parameter count, without loading weights (meta device)."""
        return count_parameters(self.model_cls(), self.config())

    def resolved_dtype(self) -> Any:
        """float32 for FP32 tasks; else the model's own dtype (bfloat16 if it names none); --dtype wins."""
        import torch

        if self.task.precision == PRECISION_FP32:
            default = torch.float32
        else:
            own = getattr(self.config(), "dtype", None) or getattr(self.config(), "torch_dtype", None)
            if isinstance(own, str):
                own = getattr(torch, own, None)
            default = own if own in (torch.float16, torch.bfloat16, torch.float32) else torch.bfloat16
        return torch_dtype(self.dtype_name, default)

    def load(self) -> None:
        """Load the model and its preprocessor."""
        self.dtype = self.resolved_dtype()
        self.model = load_transformers_model(
            self.model_cls(), self.source, self.config(), self.dtype, self.device, self.multi_gpu, self.seed
        )
        self.parameters = sum(p.numel() for p in self.model.parameters())
        self.load_preprocessor()

    def load_preprocessor(self) -> None:
        """Load the tokenizer / processor (subclasses)."""
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(self.source.path)

    @property
    def dtype_str(self) -> str:
        """The dtype the model runs in, e.g. 'bfloat16'."""
        return str(self.dtype).removeprefix("torch.")

    def max_input_tokens(self) -> int:
        """The model's positions (512 if unknown) minus the tokens to generate."""
        cfg = self.config()
        text_cfg = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
        positions = None
        for name in ("max_position_embeddings", "n_positions", "max_target_positions"):
            positions = getattr(text_cfg, name, None)
            if positions:
                break
        positions = int(positions or DEFAULT_MAX_POSITIONS)
        return max(1, positions - (self.max_new_tokens or 0))

    def _to_device(self, inputs: dict[str, Any]) -> dict[str, Any]:
        out = {}
        target = self.model.device if self.model is not None else self.device
        for k, v in inputs.items():
            if hasattr(v, "to"):
                v = v.to(target)
                if v.is_floating_point():
                    v = v.to(self.dtype)
            out[k] = v
        return out

    # -- the pass ---------------------------------------------------------------------------------
    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Turn dataset rows into model inputs (the counted preprocess phase)."""
        raise NotImplementedError

    def run(self, item: Prepared) -> SampleOutcome:
        """Process one sample in the measured pass."""
        raise NotImplementedError

    def run_prefill(self, item: Prepared) -> SampleOutcome:
        """The prefill-only pass of the two-pass split: generate exactly one token."""
        raise RunnerError(f"Task {self.task.id} has no prefill pass.")

    def fixed_decode_tokens(self) -> int | None:
        """New tokens of every generation when a decoder-only model generates a fixed number (min = max), so
        the key/value lengths each prompt meets are known before the pass; None otherwise."""
        return None

    def run_short(self, item: Prepared) -> SampleOutcome:
        """The reference's short warm-up call: the same call, shortened where the task generates
        (2 new tokens, or 2 denoising steps); a forward task has nothing to shorten."""
        return self.run(item)


class _TextTokens(Workload):
    """Tasks whose input is one text column, tokenized with truncation."""

    def _tokenize(self, *texts: str) -> Prepared:
        enc = self.tokenizer(
            *texts,
            return_tensors="pt",
            truncation=True if len(texts) == 1 else "only_second",
            max_length=self.max_input_tokens(),
        )
        return Prepared(dict(enc), int(enc["input_ids"].shape[1]))

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Tokenize the task's text columns."""
        return [self._tokenize(*(r[c] for c in self.task.input_columns)) for r in rows]


class _Generating(Workload):
    """Shared generation logic: fixed-length greedy generate with a first-token timer."""

    def generation_config(self, max_new: int, min_new: int | None) -> Any:
        """A greedy GenerationConfig with the model's special token ids and nothing else."""
        from transformers import GenerationConfig

        own = getattr(self.model, "generation_config", None)
        cfg = self.config()
        ids = {}
        for name in ("bos_token_id", "eos_token_id", "pad_token_id", "decoder_start_token_id"):
            value = getattr(own, name, None) if own is not None else None
            if value is None:
                value = getattr(cfg, name, None)
            if value is not None:
                ids[name] = value
        if ids.get("pad_token_id") is None:
            eos = ids.get("eos_token_id")
            ids["pad_token_id"] = eos[0] if isinstance(eos, list) else (eos if eos is not None else 0)
        return GenerationConfig(do_sample=False, num_beams=1, max_new_tokens=max_new, min_new_tokens=min_new, **ids)

    def load(self) -> None:
        """Load, then fix the two generation configs (full pass and 1-token prefill pass)."""
        super().load()
        self.gen_full = self.generation_config(self.max_new_tokens or 1, self.min_new_tokens)
        self.gen_prefill = self.generation_config(1, 1)
        self.gen_short = self.generation_config(REFERENCE_SHORT_TOKENS, REFERENCE_SHORT_TOKENS)

    def _generate_call(self, inputs: dict[str, Any], gen: Any, processors: Any) -> Any:
        return self.model.generate(**inputs, generation_config=gen, logits_processor=processors)

    def _new_tokens(self, out: Any, inputs: dict[str, Any]) -> int:
        if self.model.config.is_encoder_decoder:
            return int(out.shape[1]) - 1  # the decoder start token is not generated
        return int(out.shape[1]) - int(inputs["input_ids"].shape[1])

    def _generate(self, item: Prepared, gen: Any) -> SampleOutcome:
        import torch
        from transformers import LogitsProcessorList

        timer = _first_token_timer(self.sync)
        inputs = self._to_device(item.inputs)
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = self._generate_call(inputs, gen, LogitsProcessorList([timer]))
        prefill = timer.first_s - t0 if timer.first_s is not None else None
        return SampleOutcome(output_tokens=self._new_tokens(out, inputs), prefill_s=prefill)

    def run(self, item: Prepared) -> SampleOutcome:
        """Generate the task's fixed number of tokens (greedy)."""
        return self._generate(item, self.gen_full)

    def run_prefill(self, item: Prepared) -> SampleOutcome:
        """Generate exactly one token: the reference's prefill pass."""
        return self._generate(item, self.gen_prefill)

    def run_short(self, item: Prepared) -> SampleOutcome:
        """Generate exactly 2 tokens: the reference's short warm-up call."""
        return self._generate(item, self.gen_short)


class TextGeneration(_Generating, _TextTokens):
    """text_generation and reasoning: a causal LM; reasoning prompts are model-family specific."""

    model_cls_name = "AutoModelForCausalLM"

    def fixed_decode_tokens(self) -> int | None:
        """The task's new tokens when fixed (text generation: 10; reasoning lets the model stop: None)."""
        n = self.max_new_tokens
        return n if n is not None and n == self.min_new_tokens else None

    def load_preprocessor(self) -> None:
        """Tokenizer; pad with EOS when the tokenizer has no pad token."""
        super().load_preprocessor()
        if self.tokenizer.pad_token is None and self.tokenizer.eos_token is not None:
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def prompt(self, text: str) -> str:
        """The prompt for one row: the raw text with reasoning off, else a reasoning chat prompt."""
        if self.reasoning == "off":
            return text
        model_type = getattr(self.config(), "model_type", "")
        level = "medium" if self.reasoning == "on" else self.reasoning
        messages: list[dict[str, str]] = []
        kwargs: dict[str, Any] = {}
        if model_type.startswith("gpt_oss"):
            messages.append({"role": "system", "content": f"Reasoning: {level}"})
            kwargs["reasoning_effort"] = level
        elif model_type.startswith("smollm3"):
            messages.append({"role": "system", "content": "/think"})
        elif model_type.startswith("qwen3"):
            kwargs["enable_thinking"] = True
        messages.append({"role": "user", "content": text})
        if getattr(self.tokenizer, "chat_template", None):
            prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, **kwargs)
            return str(prompt)  # tokenize=False returns the prompt text
        # No chat template (e.g. a bare replica tokenizer): the system line, then the text.
        return "\n\n".join(m["content"] for m in messages)

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Build each prompt and tokenize it (truncated to positions minus new tokens)."""
        return [self._tokenize(self.prompt(r["text"])) for r in rows]


class Summarization(_Generating, _TextTokens):
    """A seq2seq model that really generates its 10 tokens (the reference ran a forward pass)."""

    model_cls_name = "AutoModelForSeq2SeqLM"


class _Forward(Workload):
    """Forward-pass tasks."""

    def run(self, item: Prepared) -> SampleOutcome:
        """One forward pass."""
        import torch

        with torch.inference_mode():
            self.model(**self._to_device(item.inputs))
        return SampleOutcome()


class ExtractiveQA(_Forward, _TextTokens):
    """Question answering: (question, context) pairs, the context truncated."""

    model_cls_name = "AutoModelForQuestionAnswering"


class TextClassification(_Forward, _TextTokens):
    """Sequence classification."""

    model_cls_name = "AutoModelForSequenceClassification"


class SentenceSimilarity(_Forward, _TextTokens):
    """Embed both sentences (mean pooling) and compare them by cosine similarity."""

    model_cls_name = "AutoModel"

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Tokenize both sentences separately (no padding at batch size 1)."""
        out = []
        for r in rows:
            a, b = self._tokenize(r["sentence1"]), self._tokenize(r["sentence2"])
            out.append(Prepared((a.inputs, b.inputs), (a.input_tokens or 0) + (b.input_tokens or 0)))
        return out

    def run(self, item: Prepared) -> SampleOutcome:
        """Two forward passes, mean pooling, cosine similarity."""
        import torch

        embs = []
        with torch.inference_mode():
            for inputs in item.inputs:
                inputs = self._to_device(inputs)
                hidden = self.model(**inputs).last_hidden_state
                mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                embs.append((hidden * mask).sum(1) / mask.sum(1).clamp(min=1))
            torch.nn.functional.cosine_similarity(embs[0], embs[1])
        return SampleOutcome()


class _Images(Workload):
    """Image input through the model's image processor."""

    def load_preprocessor(self) -> None:
        """The image processor."""
        from transformers import AutoImageProcessor

        self.processor = AutoImageProcessor.from_pretrained(self.source.path)

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Convert to RGB and process."""
        return [Prepared(dict(self.processor(images=r["image"].convert("RGB"), return_tensors="pt"))) for r in rows]


class ImageClassification(_Forward, _Images):
    """Image classification."""

    model_cls_name = "AutoModelForImageClassification"


class ObjectDetection(_Forward, _Images):
    """Object detection."""

    model_cls_name = "AutoModelForObjectDetection"


class SpeechRecognition(_Generating):
    """ASR with a speech seq2seq model (Whisper): 100 new tokens per clip."""

    model_cls_name = "AutoModelForSpeechSeq2Seq"

    def load_preprocessor(self) -> None:
        """The feature extractor."""
        from transformers import AutoFeatureExtractor

        self.features = AutoFeatureExtractor.from_pretrained(self.source.path)

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Resample (linear) to the extractor's rate when needed, then extract features."""
        import numpy as np

        rate = int(getattr(self.features, "sampling_rate", 16000))
        out = []
        for r in rows:
            audio = r["audio"]
            array = np.asarray(audio["array"], dtype="float32")
            if int(audio["sampling_rate"]) != rate:
                n = round(len(array) * rate / int(audio["sampling_rate"]))
                array = np.interp(np.linspace(0, len(array) - 1, n), np.arange(len(array)), array).astype("float32")
            out.append(Prepared(dict(self.features(array, sampling_rate=rate, return_tensors="pt"))))
        return out

    def _generate_call(self, inputs: dict[str, Any], gen: Any, processors: Any) -> Any:
        from transformers import GenerationMixin

        # Whisper's own generate adds language detection and timestamp logic around the same encoder
        # + decoder compute; the plain encoder-decoder generate keeps the token count exact.
        return GenerationMixin.generate(self.model, **inputs, generation_config=gen, logits_processor=processors)


class ImageCaptioning(_Generating):
    """Image to text (BLIP-2 style): 100 new tokens per image."""

    model_cls_name = "AutoModelForImageTextToText"

    def load_preprocessor(self) -> None:
        """The multimodal processor."""
        from transformers import AutoProcessor

        self.processor = AutoProcessor.from_pretrained(self.source.path)

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """Process each image (with the processor's image tokens as the only prompt)."""
        out = []
        for r in rows:
            enc = dict(self.processor(images=r["image"].convert("RGB"), text="", return_tensors="pt"))
            out.append(Prepared(enc, int(enc["input_ids"].shape[1]) if "input_ids" in enc else None))
        return out

    def _new_tokens(self, out: Any, inputs: dict[str, Any]) -> int:
        prompt = int(inputs["input_ids"].shape[1]) if "input_ids" in inputs else 0
        return int(out.shape[1]) - prompt if out.shape[1] > prompt else int(out.shape[1])


class ImageGeneration(Workload):
    """Text to image with a diffusers pipeline: 30 steps, 1 image per prompt."""

    def _pipeline_cls(self) -> Any:
        try:
            import diffusers
        except ImportError as exc:
            raise RunnerError("Image generation needs diffusers (pip install diffusers).") from exc
        return diffusers.DiffusionPipeline

    def config(self) -> Any:
        """Diffusion pipelines have no single transformers config."""
        return None

    def count_parameters(self) -> int:
        """Known only after loading."""
        return 0

    def resolved_dtype(self) -> Any:
        """FP32 unless --dtype says otherwise."""
        import torch

        return torch_dtype(self.dtype_name, torch.float32)

    def load(self) -> None:
        """Load the pipeline (a replica folder holds random weights written by `runner replica`)."""
        import torch

        self.dtype = self.resolved_dtype()
        try:
            self.pipe = self._pipeline_cls().from_pretrained(self.source.path, dtype=self.dtype)
        except (OSError, ValueError) as exc:
            raise RunnerError(f"Could not load diffusion pipeline {self.source.path!r}: {exc}") from exc
        self.pipe = self.pipe.to(self.device)
        self.pipe.set_progress_bar_config(disable=True)
        self.parameters = sum(
            sum(p.numel() for p in c.parameters())
            for c in self.pipe.components.values()
            if isinstance(c, torch.nn.Module)
        )

    def preprocess(self, rows: list[dict[str, Any]]) -> list[Prepared]:
        """The prompts (the pipeline tokenizes inside its call, as in the reference)."""
        return [Prepared(r["prompt"]) for r in rows]

    def run(self, item: Prepared) -> SampleOutcome:
        """One pipeline call: 30 denoising steps, one image."""
        return self._call_pipe(item, self.task.generation.num_inference_steps)

    def run_short(self, item: Prepared) -> SampleOutcome:
        """The reference's short warm-up call: 2 denoising steps."""
        return self._call_pipe(item, REFERENCE_SHORT_STEPS)

    def _call_pipe(self, item: Prepared, steps: int | None) -> SampleOutcome:
        import torch

        gen = torch.Generator(device=self.device).manual_seed(self.seed)
        with torch.inference_mode():
            self.pipe(
                item.inputs,
                num_inference_steps=steps,
                num_images_per_prompt=self.task.generation.images_per_prompt,
                generator=gen,
            )
        return SampleOutcome()


WORKLOADS: dict[str, type[Workload]] = {
    "text_generation": TextGeneration,
    "reasoning": TextGeneration,
    "summarization": Summarization,
    "extractive_qa": ExtractiveQA,
    "text_classification": TextClassification,
    "sentence_similarity": SentenceSimilarity,
    "image_classification": ImageClassification,
    "object_detection": ObjectDetection,
    "asr": SpeechRecognition,
    "image_captioning": ImageCaptioning,
    "image_generation": ImageGeneration,
}


def make_workload(
    task: Task, source: ModelSource, dtype: str | None, device: str, multi_gpu: bool, seed: int, reasoning: str
) -> Workload:
    """The workload of a task."""
    cls = WORKLOADS[task.id]
    if task.pass_phase == PASS_GENERATE and not issubclass(cls, _Generating):  # pragma: no cover - registry guard
        raise RunnerError(f"Task {task.id} generates but its workload does not.")
    return cls(task, source, dtype, device, multi_gpu, seed, reasoning)
