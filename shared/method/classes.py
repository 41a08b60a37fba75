"""Text-generation classes A/B/C and the one-GPU rule for classes A and B.

The method gives two partly inconsistent definitions: a parameter table (A up to ~20B, B ~20B-66B,
C above 66B) and a memory rule M = 1.2 x params x 2 bytes with 24 GB / 80 GB limits. We classify by
the parameter table, because it is what the published leaderboard lists, and report the memory rule
alongside for information (see docs/METHOD_CHOICES.md). A submitter may override the class, e.g. for
a quantized model; the override is recorded.
"""

from __future__ import annotations

from enum import StrEnum

CLASS_A_MAX_PARAMS = 20e9
CLASS_B_MAX_PARAMS = 66e9
MEMORY_OVERHEAD = 1.2
FP16_BYTES_PER_PARAM = 2


class ModelClass(StrEnum):
    """Size class of a text-generation model."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def description(self) -> str:
        """What hardware the class fits on, in words."""
        return {
            "A": "fits one consumer GPU (up to ~20B parameters)",
            "B": "fits one H100 (~20B to 66B parameters)",
            "C": "needs several H100s (over 66B parameters)",
        }[self.value]


def estimate_memory_gb(parameters: int, bytes_per_param: float = FP16_BYTES_PER_PARAM) -> float:
    """GPU memory by the method's rule: 1.2 x parameters x bytes per parameter, in GB (1e9 bytes)."""
    return MEMORY_OVERHEAD * parameters * bytes_per_param / 1e9


def class_for_parameters(parameters: int, override: str | ModelClass | None = None) -> ModelClass:
    """Class of a model from its parameter count, unless an explicit override is given.

    Raises ValueError for a non-positive parameter count or an unknown override.
    """
    if override is not None and override != "":
        try:
            return ModelClass(str(getattr(override, "value", override)).upper())
        except ValueError:
            raise ValueError(f"Unknown class {override!r}: use A, B or C.") from None
    if parameters <= 0:
        raise ValueError(f"Parameter count must be positive, got {parameters}.")
    if parameters <= CLASS_A_MAX_PARAMS:
        return ModelClass.A
    if parameters <= CLASS_B_MAX_PARAMS:
        return ModelClass.B
    return ModelClass.C


def gpu_count_problem(model_class: ModelClass | str, gpu_count: int) -> str | None:
    """A sentence explaining why this GPU count is not allowed for the class, or None if it is."""
    cls = ModelClass(getattr(model_class, "value", model_class))
    if gpu_count < 1:
        return "The run used no GPU: a rated run must use at least one H100."
    if cls in (ModelClass.A, ModelClass.B) and gpu_count > 1:
        return (
            f"Class {cls.value} models must run on exactly one GPU, but this run used {gpu_count}. "
            "Run again with one GPU (e.g. --device-ids 0); only class C may use several."
        )
    return None
