"""Checks of what the run ran on and what it ran: GPUs, contamination, class rule, identity, logs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from shared.bundle.checks.context import NativeBundle
from shared.bundle.checks.identity import dtype_problem, model_id_problem, text_caps
from shared.bundle.gpus import canonical_name, is_h100, is_known_gpu, max_power_w, same_product
from shared.bundle.problems import Notice, Problem
from shared.bundle.schema import ENVIRONMENT_FILE, METER_SIMULATED, REPORT_FILE
from shared.method.classes import class_for_parameters, gpu_count_problem

RUN_LOG = "logs/run.log"
MAX_LOG_SCAN_BYTES = 1 << 20  # the runner's run.log is a few kB; only its head is compared
_LOG_GPUS = re.compile(r"\] GPUs (.+?); idle power")
_LOG_MODEL = re.compile(r"\] model (\S+): ([\d,]{1,40}) parameters")


def meter(b: NativeBundle) -> Iterator[Problem]:
    """The energy was read from NVML, not simulated."""
    assert b.env is not None
    if b.env.meter == METER_SIMULATED:
        yield Problem(
            "simulated_meter",
            "This run used the simulated meter (--dry-run), so its energy is not a measurement. "
            "Run without --dry-run on an NVIDIA H100 to get a submittable bundle.",
            ENVIRONMENT_FILE,
        )


# The warning of a result measured on a known GPU other than the H100 (shared.method.hardware).
OTHER_HARDWARE = "other_hardware"


def gpu_findings(names: Sequence[object], file: str | None = None) -> Iterator[Problem]:
    """What the GPU names of one run make of it (both bundle formats): refused when a name is not a GPU the
    checks know (`not_h100`: an unknown product, or one merely named like an H100) or when the run mixed
    products (`mixed_gpus`); accepted with the `other_hardware` warning on a known GPU other than the H100."""
    if not names:
        return
    unknown = sorted({str(n)[:100] for n in names if not is_known_gpu(n)})
    if unknown:
        yield Problem(
            "not_h100",
            f"The run used {', '.join(map(repr, unknown[:4]))}, which is not an NVIDIA H100 nor another datacenter "
            "GPU whose power limit the checks know (names must match the product name NVML reports, exactly), so "
            "the energy cannot be checked and the result cannot be accepted. Run it again on an NVIDIA H100 80GB "
            "to be rated (docs/BUNDLE_FORMAT.md lists the other GPUs accepted without stars).",
            file,
        )
        return
    known = [str(n) for n in names]  # every name is a known product's, so a string
    if not same_product(known):
        shown = sorted({canonical_name(n) or n[:100] for n in known})
        yield Problem(
            "mixed_gpus",
            f"The run used different GPUs together ({', '.join(shown[:4])}); one run must measure one kind of GPU, "
            "so that its energy and power limit describe one product. Run it again on identical GPUs.",
            file,
        )
        return
    if not is_h100(known[0]):
        gpu = canonical_name(known[0]) or known[0][:100]
        limit = max_power_w(gpu) or 0.0
        yield Notice(
            OTHER_HARDWARE,
            f"Measured on {gpu} (power limit up to {limit:,.0f} W per GPU), not an NVIDIA H100: the result "
            "is stored and shown under other hardware without stars; only H100 results are rated.",
            file,
        )


def gpus_known(b: NativeBundle) -> Iterator[Problem]:
    """At least one GPU, every one of one product the checks know: an H100 (rated), or another known
    datacenter GPU (accepted with a warning, shown under other hardware without stars)."""
    assert b.env is not None
    if not b.env.gpus:
        yield Problem("no_gpu", "environment.json lists no GPU; a rated run needs an NVIDIA H100.", ENVIRONMENT_FILE)
        return
    # A dry run names a simulated board ("... (simulated, --dry-run)"): simulated_meter already says it.
    dry = b.env.meter == METER_SIMULATED
    yield from gpu_findings([g.name for g in b.env.gpus if not (dry and "(simulated" in g.name)], ENVIRONMENT_FILE)


def _process_names(processes: list[dict[str, Any]]) -> str:
    return ", ".join(str(p.get("name", p.get("pid", "?")))[:60] for p in processes[:5]) or "another process"


def contamination(b: NativeBundle) -> Iterator[Problem]:
    """No other process used the GPU, and the contamination flag agrees with the process list."""
    assert b.env is not None
    if b.env.contaminated:
        yield Problem(
            "contaminated",
            f"Another process ({_process_names(b.env.other_processes)}) used the GPU during the run, so its energy "
            "is mixed in. Run again on an idle GPU.",
            ENVIRONMENT_FILE,
        )
    elif b.env.other_processes:
        yield Problem(
            "contamination_mismatch",
            f"environment.json lists other processes on the GPU ({_process_names(b.env.other_processes)}) but says "
            "the run was not contaminated; the runner sets both together, so the file was edited. Run again on an "
            "idle GPU.",
            ENVIRONMENT_FILE,
        )


def model_class(b: NativeBundle) -> Iterator[Problem]:
    """Text generation: a class A/B/C that fits the parameters and the GPU count."""
    assert b.run is not None and b.env is not None and b.task is not None
    if not b.task.has_classes:
        return
    cls = b.run.model.model_class
    if cls not in ("A", "B", "C"):
        yield Problem(
            "missing_class",
            "Text generation results need a model class (A, B or C) in benchmark_report.json.",
            REPORT_FILE,
        )
        return
    msg = gpu_count_problem(cls, len(b.env.gpus))
    if msg:
        yield Problem("class_gpu_count", msg, ENVIRONMENT_FILE)
    expected = class_for_parameters(b.run.model.parameters).value
    if cls != expected and not b.run.model.class_overridden:
        yield Problem(
            "class_mismatch",
            f"The model has {b.run.model.parameters:,} parameters, which makes it class {expected}, "
            f"but the report says class {cls}. Re-run with the right class or mark the override.",
            REPORT_FILE,
        )


def _device_count(ids: object) -> int | None:
    if isinstance(ids, bool):
        return None
    if isinstance(ids, int):
        return 1
    if isinstance(ids, str):
        return len([i for i in ids.split(",") if i.strip()]) or None
    if isinstance(ids, list):
        return len(ids) or None
    return None


def device_ids(b: NativeBundle) -> Iterator[Problem]:
    """config.device_ids names as many GPUs as environment.json lists (and the counters read)."""
    assert b.run is not None and b.env is not None
    n = _device_count(b.run.config.get("device_ids"))
    if n is not None and n != len(b.env.gpus):
        yield Problem(
            "device_ids_mismatch",
            f"The run's config names {n} GPU(s) (device_ids) but environment.json lists {len(b.env.gpus)}; "
            "the files disagree on how many GPUs did the work. Submit the bundle as the runner wrote it.",
            REPORT_FILE,
        )


def identity(b: NativeBundle) -> Iterator[Problem]:
    """The model id is a valid Hub id, the dtype a torch dtype name, and free text within its caps."""
    assert b.run is not None and b.raw_report is not None and b.raw_env is not None
    msg = model_id_problem(b.run.model.id)
    if msg:
        yield Problem("bad_model_id", f"In benchmark_report.json, {msg}. Use the model's Hub id.", REPORT_FILE)
    msg = dtype_problem(b.run.model.dtype)
    if msg:
        yield Problem("bad_dtype", f"In benchmark_report.json, {msg}. {_RUNNER_WROTE}", REPORT_FILE)
    yield from text_caps(b.raw_report, REPORT_FILE)
    yield from text_caps(b.raw_env, ENVIRONMENT_FILE)


_RUNNER_WROTE = "Submit the report as the runner wrote it."


def random_weights(b: NativeBundle) -> Iterator[Problem]:
    """A random-weight replica is reported to the reviewer."""
    assert b.run is not None
    if b.run.model.random_weights:
        yield Notice(
            "random_weights",
            "The model was a random-weight replica built from its config: the energy reflects the architecture's "
            "compute, not trained outputs.",
        )


def attention_kernels(b: NativeBundle) -> Iterator[Problem]:
    """A run that let attention use cuDNN's kernels is reported to the reviewer: not the method's configuration."""
    assert b.run is not None
    if b.run.config.get("cudnn_attention") is True:  # the report reads config as a plain object
        yield Notice(
            "cudnn_attention",
            "Attention ran on cuDNN's kernels (--cudnn-attention, or runner 1.0.0's default). The official board's "
            "PyTorch ran flash, and on Hopper cuDNN's attention builds a plan for every new sequence length while the "
            "GPU waits, so text-generation figures read higher (11-25% for a 1B model on one H200 with every length "
            "warmed first). Re-run without --cudnn-attention for the method's configuration.",
            REPORT_FILE,
        )


def logs_agree(b: NativeBundle) -> Iterator[Problem]:
    """logs/run.log names the same GPUs, model and parameter count as the JSON files."""
    assert b.run is not None and b.env is not None
    if RUN_LOG not in b.files or b.files_size(RUN_LOG) > b.limits.max_json_bytes:
        return
    head = b.files[RUN_LOG][:MAX_LOG_SCAN_BYTES].decode("utf-8", errors="replace")
    names = ", ".join(g.name for g in b.env.gpus)
    said = _LOG_GPUS.search(head)
    if said and said.group(1) != names:
        yield Problem(
            "log_mismatch",
            f"logs/run.log says the GPUs were {said.group(1)[:100]!r} but environment.json says {names[:100]!r}; "
            "the files describe different runs. Submit the bundle as the runner wrote it.",
            RUN_LOG,
        )
    model = _LOG_MODEL.search(head)
    if model and (model.group(1) != b.run.model.id or int(model.group(2).replace(",", "")) != b.run.model.parameters):
        yield Problem(
            "log_mismatch",
            f"logs/run.log says the model was {model.group(1)[:100]!r} with {model.group(2)} parameters but "
            f"benchmark_report.json says {b.run.model.id[:100]!r} with {b.run.model.parameters:,}; the files "
            "describe different runs. Submit the bundle as the runner wrote it.",
            RUN_LOG,
        )
