"""The AI Energy Score runner: measures a model's GPU energy on the standard workload of a task
(NVML energy counter, on an NVIDIA H100) and writes a bundle the portal validates.

It imports only `shared/` from this repository.
"""

RUNNER_NAME = "aienergyscore-runner"
# 1.1.0: attention off cuDNN's kernels by default (docs/METHOD_CHOICES.md, "Attention kernels").
__version__ = "1.1.0"
