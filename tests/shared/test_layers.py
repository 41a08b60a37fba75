"""The architecture a reader is promised: shared/ in layers without cycles, apps apart, runner on shared only.

Read from the source with `ast`, so a new import that breaks a rule fails here, not in review.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("submission_portal", "leaderboard", "label_generator")
# Which layers of shared/ each layer may import (itself included).
LAYER_MAY_IMPORT = {
    "method": {"method"},
    "records": set(),
    "bundle": {"method", "records", "bundle"},
    "store": {"method", "records", "store"},
    "web": {"web"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _suite_imports(path: Path) -> set[str]:
    """Modules of the suite that `path` imports (at any depth of the file, TYPE_CHECKING included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    top = {"shared", "runner", "seed", "app", *APPS}
    return {m for m in found if m.split(".")[0] in top}


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_shared_layers_import_only_the_layers_below_them() -> None:
    bad = []
    for path in _files("shared"):
        mod = _module_name(path)
        if mod == "shared":
            continue
        layer = _layer(mod)
        assert layer in LAYER_MAY_IMPORT, f"{mod} is in no layer; put it in one of {sorted(LAYER_MAY_IMPORT)}"
        for dep in _suite_imports(path):
            if not dep.startswith("shared.") or _layer(dep) not in LAYER_MAY_IMPORT[layer] | {layer}:
                bad.append(f"{mod} imports {dep}")
    assert bad == []


def test_shared_has_no_import_cycles() -> None:
    graph = {_module_name(p): {d for d in _suite_imports(p) if d.startswith("shared.")} for p in _files("shared")}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, dep]))
            if dep not in state:
                visit(dep, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_no_app_imports_another_and_runner_imports_only_shared() -> None:
    bad = []
    for app in APPS:
        for path in _files(app):
            bad += [
                f"{path.relative_to(ROOT)} imports {d}"
                for d in _suite_imports(path)
                if d.split(".")[0] in set(APPS) - {app} | {"runner", "seed", "app"}
            ]
    for path in _files("runner"):
        bad += [
            f"{path.relative_to(ROOT)} imports {d}"
            for d in _suite_imports(path)
            if d.split(".")[0] not in {"shared", "runner"}
        ]
    for path in _files("shared"):
        bad += [f"{path.relative_to(ROOT)} imports {d}" for d in _suite_imports(path) if not d.startswith("shared")]
    assert bad == []


def test_the_read_only_store_loads_no_validation_code() -> None:
    code = "import sys, shared.store.factory; print(sorted(m for m in sys.modules if m.startswith('shared.bundle')))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Where the suite's own files are: the folders scanned for citations (benchmarks/sessions/ holds logs as
# they came back from a GPU machine, with that machine's paths in them, so it is left out).
OWN_FOLDERS = ("shared", "runner", *APPS, "docs", "benchmarks", "scripts", "tests", "testkit")
# Documents a comment or doc may cite by name; each must be in the repo.
CITED = re.compile(r"\b([A-Z][A-Z_]+\.md)\b")
# A path to a document, e.g. docs/BUNDLE_FORMAT.md or ../docs/APPS.md (not part of a URL or a longer path).
CITED_PATH = re.compile(r"(?<![\w./:-])((?:[\w.-]+/)+[\w.-]+\.md)\b")
# The method's documents: always cited by their path in the repo, with a section that exists.
METHOD_DOCS = ("METHODOLOGY.md", "MEASUREMENT.md", "APPS.md")
SECTIONS = re.compile(r"docs/([A-Z_]+\.md)`?\s*(§\d+(?:\s*(?:-|,|and)\s*§?\d+)*)")
# Places outside the repository that a citation must not lead to.
OUTSIDE = ("../shared", "shared/spec", "/work/", "device tool")


def _own_files() -> list[Path]:
    files = [*ROOT.glob("*.py"), *ROOT.glob("*.md")]
    for folder in OWN_FOLDERS:
        for p in sorted((ROOT / folder).rglob("*")):
            in_sessions = p.relative_to(ROOT).parts[:2] == ("benchmarks", "sessions")
            script = p.parent == ROOT / "scripts" and not p.suffix
            if p.is_file() and not in_sessions and (p.suffix in {".py", ".md", ".sh"} or script):
                files.append(p)
    return [p for p in files if p != Path(__file__).resolve() and "__pycache__" not in p.parts]


def _sections(doc: str) -> set[str]:
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    return set(re.findall(r"^##+ (\d+)\. ", text, flags=re.MULTILINE))


def test_every_cited_document_is_in_the_repo() -> None:
    files = _own_files()
    # Any document of the working tree counts (data/ included), but not hidden or build folders.
    shipped: set[str] = set()
    for _folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d not in {"spaces_build", "__pycache__"}]
        shipped |= {n for n in names if n.endswith(".md")}
    missing = []
    for path in files:
        where = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        paths = sorted(set(CITED_PATH.findall(text)))
        for cited in paths:
            found = [q.resolve() for q in (ROOT / cited, path.parent / cited) if q.is_file()]
            if not any(q.is_relative_to(ROOT) for q in found):
                missing.append(f"{where} cites {cited}, which is not in the repo")
        by_path = {Path(cited).name for cited in paths}
        missing += [
            f"{where} cites {name}, which is not in the repo"
            for name in sorted(set(CITED.findall(text)))
            if name not in shipped and name not in by_path
        ]
        missing += [
            f"{where} cites {name} without its path (docs/{name})"
            for name in METHOD_DOCS
            if re.search(rf"(?<![\w/]){re.escape(name)}", text)
        ]
        for doc, refs in SECTIONS.findall(text):
            if doc in METHOD_DOCS:
                sections = _sections(doc)
                missing += [
                    f"{where} cites docs/{doc} §{n}: no such section"
                    for n in re.findall(r"\d+", refs)
                    if n not in sections
                ]
        missing += [f"{where} points outside the repo ({o})" for o in OUTSIDE if o in text]
    assert missing == []
