"""Which NVML devices a job was given: CUDA_VISIBLE_DEVICES (as Ray or a scheduler sets it) -> NVML
devices, matched by UUID.

Why this is needed: NVML enumerates every GPU of the host whatever CUDA_VISIBLE_DEVICES says, and
CUDA_VISIBLE_DEVICES may hold indices ("2,3") or UUIDs ("GPU-8f2c...", unique prefixes allowed, as
CUDA accepts them). A job must read the energy counters of exactly its own boards, so the entries are
resolved to NVML devices here and the run is then started with those NVML indices (`--device-ids`),
which `runner run` pins with CUDA_DEVICE_ORDER=PCI_BUS_ID, the order NVML uses.

An index entry counts in PCI bus order (CUDA_DEVICE_ORDER=PCI_BUS_ID, which the sweep sets for its
jobs and runner/README.md asks Ray nodes to set): that is NVML's order, so it is sorted by PCI bus id
here rather than trusted to be NVML's index.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from runner.errors import RunnerError

UUID_PREFIX = "GPU-"
MIG_PREFIX = "MIG-"


@dataclass(frozen=True)
class NvmlGpu:
    """One GPU as NVML sees it.

    Attributes:
        index: NVML index.
        uuid: Board UUID ("GPU-...").
        pci_bus_id: PCI bus id ("00000000:1A:00.0"), the order CUDA uses with CUDA_DEVICE_ORDER=PCI_BUS_ID.
    """

    index: int
    uuid: str
    pci_bus_id: str = ""

    @property
    def uuid_sha256(self) -> str:
        """sha256 of the UUID, as environment.json records it (the board without exposing its UUID)."""
        return uuid_sha256(self.uuid)


def uuid_sha256(uuid: str) -> str:
    """sha256 hex of a GPU UUID string (the same hash runner/nvml_meter.py records)."""
    return hashlib.sha256(uuid.encode()).hexdigest()


def parse_visible(text: str | None) -> list[str]:
    """CUDA_VISIBLE_DEVICES -> its entries (None or "" -> []). CUDA stops at the first invalid entry;
    we refuse instead, so a typo never silently measures other boards."""
    if text is None:
        return []
    return [e.strip() for e in text.split(",") if e.strip()]


def map_visible(entries: list[str], gpus: list[NvmlGpu]) -> list[NvmlGpu]:
    """The NVML devices that CUDA_VISIBLE_DEVICES entries name, in CUDA's order.

    Index entries count in PCI bus order; UUID entries ("GPU-..." or a unique prefix of one) are
    matched against NVML's UUIDs. Raises RunnerError for an unknown index, an unknown or ambiguous
    UUID, a MIG instance (no energy counter of its own) or a board named twice.
    """
    by_bus = sorted(gpus, key=lambda g: (g.pci_bus_id.lower(), g.index))
    out: list[NvmlGpu] = []
    for entry in entries:
        if entry.upper().startswith(MIG_PREFIX):
            raise RunnerError(
                f"CUDA_VISIBLE_DEVICES names a MIG instance ({entry}); MIG instances have no energy counter "
                "of their own, so a job cannot be measured on one. Give whole GPUs."
            )
        if entry.lstrip("-").isdigit():
            i = int(entry)
            if not 0 <= i < len(by_bus):
                raise RunnerError(
                    f"CUDA_VISIBLE_DEVICES entry {entry} does not exist: "
                    f"NVML sees {len(by_bus)} GPU(s) (0..{len(by_bus) - 1})."
                )
            out.append(by_bus[i])
            continue
        want = entry if entry.upper().startswith(UUID_PREFIX) else UUID_PREFIX + entry
        found = [g for g in gpus if g.uuid.lower().startswith(want.lower())]
        if len(found) != 1:
            what = "matches no GPU" if not found else f"matches {len(found)} GPUs"
            raise RunnerError(
                f"CUDA_VISIBLE_DEVICES entry {entry!r} {what} of this host "
                f"({', '.join(g.uuid for g in gpus) or 'none'}); give an index or a unique UUID."
            )
        out.append(found[0])
    if len({g.uuid for g in out}) != len(out):
        raise RunnerError(f"CUDA_VISIBLE_DEVICES {','.join(entries)} names the same GPU twice.")
    return out


def nvml_gpus() -> list[NvmlGpu]:
    """Every GPU of this host, from NVML. Raises RunnerError (MeterError) when NVML is unusable."""
    from runner.errors import MeterError
    from runner.nvml_meter import _decode, _nvml

    nv = _nvml()
    try:
        nv.nvmlInit()
    except nv.NVMLError as exc:
        raise MeterError(f"NVML could not start ({exc}): no NVIDIA driver is reachable on this node.") from exc
    try:
        out = []
        for i in range(nv.nvmlDeviceGetCount()):
            h = nv.nvmlDeviceGetHandleByIndex(i)
            try:
                bus = _decode(nv.nvmlDeviceGetPciInfo(h).busId)
            except nv.NVMLError:
                bus = ""
            out.append(NvmlGpu(index=i, uuid=_decode(nv.nvmlDeviceGetUUID(h)), pci_bus_id=bus))
        return out
    except nv.NVMLError as exc:
        raise MeterError(f"NVML failed while listing the GPUs: {exc}.") from exc
    finally:
        try:
            nv.nvmlShutdown()
        except nv.NVMLError:
            pass


def pretend_gpu(entry: str) -> NvmlGpu:
    """A stand-in for a GPU id that Ray or the local executor handed to a dry-run job (no NVML on the CPU)."""
    index = int(entry) if entry.isdigit() else 0
    return NvmlGpu(index=index, uuid=f"{UUID_PREFIX}pretend-{entry}")
