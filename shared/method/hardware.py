"""The GPUs the method knows: which names are an H100 (rated), which other datacenter GPUs a result may
be measured on (stored and shown apart, never rated), and each product's maximum board power.

The method rates H100 measurements only (docs/METHODOLOGY.md §1): stars compare results measured on
one kind of GPU. A result measured on another GPU of this table is kept and listed under "other
hardware", without stars; a GPU not in the table is refused, because the physical checks need its
power limit. Names are those NVML reports (`nvmlDeviceGetName`) and optimum-benchmark copies into its
`environment.gpu`, matched exactly (after tidying spaces and case), never as substrings, so a name
such as "NVIDIA GeForce RTX 4090 (not an H100)" is neither an H100 nor a known GPU.
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

# Maximum board power of each product (the highest power limit it can be set to), W, from NVIDIA's
# product briefs and datasheets. A window's mean power above the limit is impossible whatever limit a
# bundle declares, so only GPUs whose maximum is stated here can be checked, and so accepted.
MAX_POWER_W = {
    # H100: SXM5 boards go up to 700 W, the PCIe card to 350 W, the NVL card to 400 W.
    "NVIDIA H100 80GB HBM3": 700.0,
    "NVIDIA H100 SXM5 80GB": 700.0,
    "NVIDIA H100 SXM5 64GB": 700.0,
    "NVIDIA H100 PCIe": 350.0,
    "NVIDIA H100 NVL": 400.0,
    "NVIDIA H100": 700.0,
    # H200 (Hopper with 141 GB of HBM3e): the SXM board up to 700 W like the H100 SXM, the NVL card 600 W.
    "NVIDIA H200": 700.0,
    "NVIDIA H200 NVL": 600.0,
    # H800 (the H100's export variant): the same limits as the H100 SXM and PCIe.
    "NVIDIA H800": 700.0,
    "NVIDIA H800 PCIe": 350.0,
    # H20 (a cut-down Hopper for export, 96 GB of HBM3): 400 W.
    "NVIDIA H20": 400.0,
    # GH200 superchip: the module (Grace CPU, Hopper GPU and memory) is configurable up to 1,000 W.
    "NVIDIA GH200 480GB": 1000.0,
    # A100 (Ampere): SXM4 boards of either memory size 400 W; the PCIe cards 300 W (80 GB) and 250 W (40 GB).
    "NVIDIA A100-SXM4-80GB": 400.0,
    "NVIDIA A100-SXM4-40GB": 400.0,
    "NVIDIA A100 80GB PCIe": 300.0,
    "NVIDIA A100-PCIE-40GB": 250.0,
    # L40S and L40 (Ada, PCIe, passively cooled): 350 W and 300 W.
    "NVIDIA L40S": 350.0,
    "NVIDIA L40": 300.0,
}

MAX_NAME_CHARS = 100


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


_H100 = {_key(n) for n in H100_NAMES}
_POWER = {_key(n): w for n, w in MAX_POWER_W.items()}
_CANONICAL = {_key(n): n for n in MAX_POWER_W}


def is_h100(name: object) -> bool:
    """True when `name` is exactly one of the H100 product names."""
    return isinstance(name, str) and len(name) <= MAX_NAME_CHARS and _key(name) in _H100


def is_known_gpu(name: object) -> bool:
    """True when `name` is exactly a product of MAX_POWER_W (an H100 or another GPU the checks know)."""
    return isinstance(name, str) and len(name) <= MAX_NAME_CHARS and _key(name) in _POWER


def is_other_known_gpu(name: object) -> bool:
    """True for a known GPU that is not an H100: its results are stored and shown apart, never rated."""
    return is_known_gpu(name) and not is_h100(name)


def canonical_name(name: object) -> str | None:
    """The table's spelling of a known GPU name ('nvidia  h200' -> 'NVIDIA H200'), else None."""
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        return None
    return _CANONICAL.get(_key(name))


def same_product(names: list[str]) -> bool:
    """True when every name is the same product (spaces and case aside): one run, one kind of GPU."""
    return len({_key(n) for n in names}) <= 1


def max_power_w(name: object) -> float | None:
    """The product's maximum board power in W, or None for a product not in the table."""
    if not isinstance(name, str) or len(name) > MAX_NAME_CHARS:
        return None
    return _POWER.get(_key(name))


def is_rated_hardware(hardware: str, published_figure: bool = False) -> bool:
    """True when a result measured on `hardware` is rated (given stars): an H100, or a figure imported from
    a published leaderboard (the reference rates H100 results only, and names its GPU loosely).

    A record naming no GPU at all ('') counts as rated: validation never makes one (a run without a known
    GPU is refused), only tools and tests that build records by hand, and those were always rated.
    """
    return published_figure or not str(hardware).strip() or is_h100(hardware)


def short_gpu_name(hardware: str) -> str:
    """A GPU name without the maker's prefix, as tables show it ('NVIDIA H200 NVL' -> 'H200 NVL')."""
    name = " ".join(str(hardware).split())
    return name.removeprefix("NVIDIA ") or "another GPU"


def not_rated_text(hardware: str) -> str:
    """What readers show in place of the stars of a result measured on another GPU: 'not rated (H200)'."""
    return f"not rated ({short_gpu_name(hardware)})"
