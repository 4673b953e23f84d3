"""Imports follow the pipeline (load -> validate -> render -> write -> plan): no stage imports a
later one, and the core stages import no I/O edge (commands, Git hosts, intake, verify)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.tools import REPO

PACKAGE = REPO / "generator"
STAGES = ["load", "validate", "render", "write", "plan"]
# Modules of the load and write stages that live at the package's top level.
TOP_LEVEL = {
    "yaml_load": "load",
    "load": "load",
    "blueprints": "load",
    "repo_files": "load",
    "repo_view": "load",
    "changes": "load",
    "scope": "load",
    "write": "write",
    "output": "write",
    "journal": "write",
    "strays": "write",
    "tree_files": "write",
}
EDGES = ("generator.commands", "generator.githost", "generator.intake", "generator.verify")


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "generator":
        return None
    if parts[1] in STAGES[1:] and parts[1] != "write":  # packages validate/, render/, plan/
        return parts[1]
    return TOP_LEVEL.get(parts[1])


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def modules() -> list[tuple[str, Path]]:
    return sorted(
        (".".join(p.relative_to(REPO).with_suffix("").parts), p) for p in PACKAGE.rglob("*.py")
    )


@pytest.mark.parametrize("module,path", modules(), ids=lambda v: str(v))
def test_no_stage_imports_a_later_one(module: str, path: Path) -> None:
    own = stage_of(module.removesuffix(".__init__"))
    if own is None:
        return
    wrong = []
    for imported in imports(path):
        other = stage_of(imported)
        if other is not None and STAGES.index(other) > STAGES.index(own):
            wrong.append(imported)
        # plan, the last stage, reads the pull request's reviews through the Git host.
        if imported.startswith(EDGES) and not (own == "plan" and imported == "generator.githost"):
            wrong.append(imported)
        # render takes the validated repository (generator.validate) but none of its rules.
        if own == "render" and other == "validate" and imported != "generator.validate":
            wrong.append(imported)
    assert not wrong, f"{module} ({own}) imports {wrong}"


def test_the_stages_exist() -> None:
    found = {stage_of(m) for m, _ in modules()}
    assert set(STAGES) <= found
