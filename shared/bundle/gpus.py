"""GPU products validation knows: which names are an H100 (rated), which other GPUs are accepted as
other hardware (stored and shown without stars), and each product's maximum board power.

The table is part of the method, so it lives in `shared.method.hardware` (the store's scoring reads it
too); this module keeps the names the bundle checks import.
"""

from __future__ import annotations

from shared.method.hardware import (
    H100_NAMES,
    MAX_NAME_CHARS,
    MAX_POWER_W,
    canonical_name,
    is_h100,
    is_known_gpu,
    is_other_known_gpu,
    max_power_w,
    same_product,
)

__all__ = [
    "H100_NAMES",
    "MAX_NAME_CHARS",
    "MAX_POWER_W",
    "canonical_name",
    "is_h100",
    "is_known_gpu",
    "is_other_known_gpu",
    "max_power_w",
    "same_product",
]
