"""Imports follow the tiers: a module imports its own tier or an earlier one, never a later
one. A module's tier is its first package under `generator/`, so a new module is placed by
the folder it is put in, and one in a folder the list does not name fails here. Within a
tier, the packages' imports must not form a cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest

from tests.support.tools import REPO

PACKAGE = REPO / "generator"
TIERS: list[set[str]] = [
    {"problems", "yamlio", "repo", "models"},  # the foundation: what every stage speaks
    {"load"},
    {"validate"},
    {"render", "portal"},
    {"write"},
    {"plan"},
    {"cost", "release", "intake", "verify", "scaffold"},  # features built on the pipeline
    {"hosts"},  # Git hosts and CI detection: the edge
    {"commands"},
    {"cli", "__main__", "__init__"},
]
DATA = {"crds"}  # folders with no Python in them


def tier_of(package: str, tiers: Sequence[set[str]] = TIERS) -> int | None:
    return next((i for i, names in enumerate(tiers) if package in names), None)


def package_of(module: str) -> str | None:
    """`generator.plan.build` -> `plan`; None for a module outside `generator`."""
    parts = module.split(".")
    if parts[0] != "generator":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module
            found += [base] if base != "generator" else [f"generator.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            found.append("generator.<relative>")
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def modules(root: Path = PACKAGE) -> list[tuple[str, Path]]:
    return sorted(
        (".".join(p.relative_to(root.parent).with_suffix("").parts), p) for p in root.rglob("*.py")
    )


def violations(found: Iterable[tuple[str, Path]], tiers: Sequence[set[str]] = TIERS) -> list[str]:
    """Every module no tier places, every relative import, and every import of a later tier."""
    wrong = []
    for module, path in found:
        own = package_of(module)
        assert own is not None
        if tier_of(own, tiers) is None:
            wrong.append(f"{module}: its package {own!r} is in no tier")
            continue
        for imported in imports(path):
            if imported == "generator.<relative>":
                wrong.append(f"{module}: a relative import (write generator.<package>...)")
                continue
            other = package_of(imported)
            if other is None:
                continue
            there = tier_of(other, tiers)
            if there is None or there > (tier_of(own, tiers) or 0):
                wrong.append(f"{module} ({own}) imports {imported} ({other}: a later tier)")
    return wrong


def cycles(found: Iterable[tuple[str, Path]]) -> list[str]:
    """Pairs of packages of one tier that import each other (directly)."""
    edges: set[tuple[str, str]] = set()
    for module, path in found:
        own = package_of(module)
        for imported in imports(path):
            other = package_of(imported)
            if other is not None and own is not None and other != own:
                edges.add((own, other))
    return sorted(f"{a} <-> {b}" for a, b in edges if (b, a) in edges and a < b)


def test_every_import_follows_the_tiers() -> None:
    assert violations(modules()) == []


def test_no_two_packages_import_each_other() -> None:
    assert cycles(modules()) == []


def test_the_package_holds_only_placed_folders() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    placed = set().union(*TIERS) | DATA
    assert folders - placed == set()
    for name in DATA:
        assert not list((PACKAGE / name).rglob("*.py")), f"{name} holds Python: give it a tier"


def test_nothing_loose_at_the_top_but_the_entry_points() -> None:
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose == {"cli", "__main__", "__init__"}


@pytest.mark.parametrize(
    "module,source,expected",
    [
        # A foundation module reaching for the pipeline.
        ("generator.repo.misplaced", "from generator.render import tree\n", "a later tier"),
        # A new top-level folder nobody placed.
        ("generator.helpers.misc", "import os\n", "is in no tier"),
        # The pipeline reaching for the edge through a `from generator import` line.
        ("generator.plan.sneaky", "from generator import hosts\n", "a later tier"),
        # A relative import hides the package it names.
        ("generator.validate.rel", "from ..commands import render\n", "relative import"),
    ],
)
def test_a_misplaced_module_fails(module: str, source: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(source)
    found = violations([(module, path)])
    assert len(found) == 1 and expected in found[0], found


# Modules that hand the process environment on to a tool they run (git, kustomize, helm) or
# key a cache on the tool settings in it; none decides anything from it.
PASSES_ENVIRONMENT_ON = {
    "generator.repo.git_env",
    "generator.verify.sources",
    "generator.verify.cache",
}


def environment_readers(found: Iterable[tuple[str, Path]]) -> list[str]:
    """Modules that read the process environment (os.environ, os.getenv)."""
    readers = []
    for module, path in found:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "environb"):
                readers.append(module)
                break
    return readers


def test_only_the_cli_reads_the_environment() -> None:
    """`cli.main` reads it once and hands a mapping down; the CI detector (hosts/ci.py)
    answers every question about the job from that mapping."""
    readers = set(environment_readers(modules())) - PASSES_ENVIRONMENT_ON
    assert readers == {"generator.cli"}


def test_an_environment_reader_is_found(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import os\n\ndef f() -> bool:\n    return bool(os.environ.get('CI'))\n")
    assert environment_readers([("generator.plan.m", path)]) == ["generator.plan.m"]


def yaml_importers(found: Iterable[tuple[str, Path]]) -> list[str]:
    return [m for m, path in found if {"yaml", "ruamel.yaml"} & set(imports(path))]


def test_only_yamlio_parses_yaml() -> None:
    """One package reads YAML (yamlio/reader.py: requests; yamlio/trusted.py: Berth's own
    output and the tools'), so no module can read a request with a laxer loader."""
    assert {m for m in yaml_importers(modules()) if not m.startswith("generator.yamlio.")} == set()


def test_a_yaml_import_is_found(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("import yaml\n")
    assert yaml_importers([("generator.verify.m", path)]) == ["generator.verify.m"]


def env_parameters(found: Iterable[tuple[str, Path]]) -> list[str]:
    """Parameters named `env` whose annotation is not an environment's name."""
    wrong = []
    for module, path in found:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for arg in [*node.args.args, *node.args.kwonlyargs]:
                    kind = ast.unparse(arg.annotation) if arg.annotation else "?"
                    if arg.arg == "env" and kind not in ("str", "str | None"):
                        wrong.append(f"{module}.{node.name}: env: {kind}")
    return wrong


def test_env_is_always_an_environment_name() -> None:
    """`env` names an environment (a string); the model is `environment`, the process
    environment `environ`, a plan of one environment `env_plan`, Jinja's `jinja`."""
    assert env_parameters(modules()) == []


def test_a_misnamed_env_is_found(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f(env: dict[str, str]) -> None: ...\n")
    assert env_parameters([("generator.plan.m", path)]) == [
        "generator.plan.m.f: env: dict[str, str]"
    ]
