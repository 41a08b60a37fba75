"""Errors the runner reports to the user as one clear sentence (never a traceback)."""

from __future__ import annotations


class RunnerError(Exception):
    """A problem the user can fix; the CLI prints the message and exits with status 2."""


class MeterError(RunnerError):
    """The GPU energy counter is missing or failed: no energy can be measured (never a zero)."""


class RefusedRun(RunnerError):
    """The run breaks a rule of the method (e.g. class A/B on several GPUs) and is refused up front."""
