"""A stand-in for `python -m runner` in the sweep tests (--runner-cmd), so resume and retry tests take
seconds, not a model load per job.

`run` copies a real dry-run run directory (FAKE_TEMPLATE) to --out; `bundle` is the real `runner bundle`.
The model string chooses the behaviour:
  .../ok...        succeed
  .../fail...      print an error to stderr and exit 3
  .../hang-once... the first time: hang until killed (FAKE_STATE/<id>.hung marks it); then succeed
Every `run` appends "<model>" to FAKE_LOG, so a test counts how often each job ran.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path


def _opt(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def main(argv: list[str]) -> int:
    """Entry point: argv as `python -m runner` takes it."""
    if argv[0] == "bundle":
        from runner.cli import main as runner_main

        return runner_main(argv)
    assert argv[0] == "run", argv
    model, out = _opt(argv, "--model"), Path(_opt(argv, "--out"))
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(model + "\n")
    name = Path(model).name
    if name.startswith("fail"):
        print("loading the model...", file=sys.stderr)
        print(f"RuntimeError: CUDA out of memory while loading {name} (fake)", file=sys.stderr)
        return 3
    if name.startswith("hang-once"):
        marker = Path(os.environ["FAKE_STATE"]) / f"{name}.hung"
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            while True:  # until the test kills the sweep (and with it this process)
                time.sleep(0.2)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(os.environ["FAKE_TEMPLATE"], out)
    print(f"{model}: done (fake)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
