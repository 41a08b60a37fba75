"""The run set-up the runner tests share: a dry run of a tiny model, through the CLI or through `run`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from runner.cli import main
from runner.measure import RunConfig


def dry_run_cli(
    tiny_models: dict[str, Path],
    out: Path,
    *,
    task: str = "text_classification",
    samples: int | None = 4,
    repetitions: int = 1,
    warmup_samples: int | None = 1,
    extra: Sequence[str] = (),
) -> int:
    """`runner run --dry-run --no-progress` on the tiny model of `task`; the exit code.

    `samples` or `warmup_samples` of None leave that option out (its default applies); `extra` is added.
    """
    args = ["run", "--task", task, "--model", str(tiny_models[task]), "--out", str(out)]
    if samples is not None:
        args += ["--samples", str(samples)]
    args += ["--repetitions", str(repetitions)]
    if warmup_samples is not None:
        args += ["--warmup-samples", str(warmup_samples)]
    return main([*args, "--dry-run", "--no-progress", *extra])


def dry_run_config(tiny_models: dict[str, Path], out: Path, **kw: object) -> RunConfig:
    """A dry-run RunConfig on the tiny model of `task` (text classification unless given), no progress bar:
    4 samples, 2 repetitions and 1 warm-up sample unless `kw` says otherwise."""
    task = str(kw.pop("task", "text_classification"))
    base: dict[str, object] = {
        "task": task,
        "model": str(tiny_models[task]),
        "out": out,
        "samples": 4,
        "repetitions": 2,
        "dry_run": True,
        "warmup_samples": 1,
        "progress": False,
    }
    base.update(kw)
    return RunConfig(**base)  # type: ignore[arg-type]
