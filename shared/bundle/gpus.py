"""GPU products validation knows: which names are an H100 (rated), and each product's power limit.

Names are matched exactly (after trimming spaces and case), never as substrings, so a name such as
"NVIDIA GeForce RTX 4090 (not an H100)" is not an H100. Names are those NVML reports
(`nvmlDeviceGetName`) and optimum-benchmark copies into its `environment.gpu`.
"""

from __future__ import annotations

# Every NVML name of an H100 board. Only these are rated: all ratings compare H100 measurements.
H100_NAMES = frozenset(
    {
        "NVIDIA H100 80GB HBM3",  # SXM5
        "NVIDIA H100 SXM5 80GB",
        "NVIDIA H100 SXM5 64GB",
        "NVIDIA H100 PCIe",
        "NVIDIA H100 NVL",
        "NVIDIA H100",
    }
)

# Maximum board power (the highest power limit the product allows), W. A window's mean power above
# this is impossible whatever limit the bundle declares; from NVIDIA's product briefs.
MAX_POWER_W = {
    "NVIDIA H100 80GB HBM3": 700.0,
    "NVIDIA H100 SXM5 80GB": 700.0,
    "NVIDIA H100 SXM5 64GB": 700.0,
    "NVIDIA H100 PCIe": 350.0,
    "NVIDIA H100 NVL": 400.0,
    "NVIDIA H100": 700.0,
    "NVIDIA H200": 700.0,
    "NVIDIA H200 NVL": 600.0,
    "NVIDIA H800": 700.0,
    "NVIDIA H800 PCIe": 350.0,
    "NVIDIA GH200 480GB": 1000.0,
}

MAX_NAME_CHARS = 100


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_H100 = {_key(n) for n in H100_NAMES}
_POWER = {_key(n): w for n, w in MAX_POWER_W.items()}


def is_h100(name: object) -> bool:
    """True when `name` is exactly one of the H100 product names."""
    return isinstance(name, str) and len(name) <= MAX_NAME_CHARS and _key(name) in _H100


def max_power_w(name: object) -> float | None:
    """The product's maximum board power in W, or None for a product not in the table."""
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        return None
    return _POWER.get(_key(name))
