"""Assemble one deployable Hugging Face Space folder per app.

    python3 scripts/build_spaces.py --out spaces_build

Each folder holds the Space README front matter (gradio SDK and version, app file), an `app.py` that
starts the app exactly as `python -m <package>` does, the pinned requirements (no torch), the app's
package and the `shared/` package. Separate Spaces don't keep their disk, so they should use the
Hugging Face dataset store: set AIENERGY_STORE_BACKEND=hf-dataset, AIENERGY_HF_DATASET=<org/name>
and (on the portal, which writes) HF_TOKEN as Space secrets, and AIENERGY_<APP>_URL so the
navigation links point at the other Spaces.
"""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests")


@dataclass(frozen=True)
class SpaceSpec:
    """One Space: its folder name, title, package and whether it needs the demo bundles."""

    name: str
    title: str
    package: str
    emoji: str
    description: str
    oauth: bool = False


SPACES = (
    SpaceSpec(
        "aienergyscore-leaderboard",
        "AI Energy Score Leaderboard",
        "leaderboard",
        "⚡",
        "GPU energy ratings of AI models per task and class",
    ),
    SpaceSpec(
        "aienergyscore-submit",
        "AI Energy Score Submission Portal",
        "submission_portal",
        "📤",
        "Submit an energy benchmark bundle for review",
        oauth=True,
    ),
    SpaceSpec(
        "aienergyscore-label",
        "AI Energy Score Label",
        "label_generator",
        "🏷️",
        "Download the verifiable energy label of a rated model",
    ),
)

APP_TEMPLATE = '''"""Hugging Face Space entry point: starts {package} as `python -m {package}` would."""

import runpy

runpy.run_module("{package}", run_name="__main__", alter_sys=True)
'''


def gradio_version() -> str:
    """The gradio version pinned in requirements.txt."""
    match = re.search(r"^gradio==([\w.]+)$", (ROOT / "requirements.txt").read_text(), re.M)
    if not match:
        raise SystemExit("requirements.txt must pin gradio (gradio==X.Y.Z).")
    return match.group(1)


def readme(spec: SpaceSpec, sdk_version: str) -> str:
    """The Space README with its front matter."""
    return f"""---
title: {spec.title}
emoji: {spec.emoji}
colorFrom: green
colorTo: gray
sdk: gradio
sdk_version: {sdk_version}
python_version: "3.11"
app_file: app.py
pinned: false
short_description: {spec.description}
{"hf_oauth: true" + chr(10) if spec.oauth else ""}---

# {spec.title}

{spec.description}. Part of the AI Energy Score suite; built by `scripts/build_spaces.py`.

Configure the store with Space variables and secrets: `AIENERGY_STORE_BACKEND=hf-dataset`,
`AIENERGY_HF_DATASET=<org/dataset>`, `HF_TOKEN` (the portal writes), and `AIENERGY_LEADERBOARD_URL`,
`AIENERGY_SUBMIT_URL`, `AIENERGY_LABEL_URL` so the navigation reaches the other Spaces.\
{OAUTH_NOTE if spec.oauth else ""}
"""


OAUTH_NOTE = """

Submitters and reviewers sign in with Hugging Face (`hf_oauth: true`); members of the organisation in
`AIENERGY_REVIEWER_ORG` review. `AIENERGY_ADMIN_TOKEN` (a secret) also opens the reviewer panel."""


def build(out: Path) -> list[Path]:
    """Write the three Space folders under `out` (replacing earlier builds); returns their paths."""
    version = gradio_version()
    requirements = (ROOT / "requirements.txt").read_text()
    if re.search(r"^torch", requirements, re.M):
        raise SystemExit("requirements.txt must not contain torch: the apps run without it.")
    folders = []
    for spec in SPACES:
        folder = out / spec.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        shutil.copytree(ROOT / "shared", folder / "shared", ignore=IGNORE)
        shutil.copytree(ROOT / spec.package, folder / spec.package, ignore=IGNORE)
        (folder / "requirements.txt").write_text(requirements)
        (folder / "app.py").write_text(APP_TEMPLATE.format(package=spec.package))
        (folder / "README.md").write_text(readme(spec, version))
        folders.append(folder)
    return folders


def main() -> None:
    """Command line: build the Space folders."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "spaces_build", help="folder to write the Spaces into")
    args = parser.parse_args()
    for folder in build(args.out):
        print(f"built {folder}")


if __name__ == "__main__":
    main()
