"""One pipeline (generator/render/pipeline.py): `render`, `plan`'s snapshots, bump and intake
take their files from `build`, so they agree on every file for the same repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

from generator.load import load_repo
from generator.plan.snapshot import snapshot_in, snapshot_of
from generator.render.pipeline import build
from generator.repo import layout
from generator.repo.changes import change_set
from generator.repo.scope import scope_of
from generator.repo.selection import Selection
from generator.repo.view import DiskView
from generator.validate import ValidRepo, validate_repo
from tests.support.example import example

EXAMPLE = example()


def _valid(root: Path) -> ValidRepo:
    valid, problems = validate_repo(load_repo(DiskView(str(root))))
    assert valid is not None, problems
    return valid


def _tracked(root: Path) -> dict[str, str]:
    """The generated files the example commits: environments/, CODEOWNERS, the catalog."""
    names = subprocess.run(
        ["git", "ls-files", "environments", "catalog", layout.CODEOWNERS_FILE],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return {name: (root / name).read_text() for name in names}


def test_render_builds_the_committed_files() -> None:
    built = build(DiskView(str(EXAMPLE)), _valid(EXAMPLE))
    files = {path: text for unit in built.units for path, text in unit.build().items()}
    files |= built.extra
    tracked = _tracked(EXAMPLE)
    assert built.problems == []
    assert {p: t for p, t in files.items() if p in tracked} == tracked
    # Every committed generated file comes from the pipeline (hand-written catalog files
    # excepted: the catalog folder holds both).
    assert set(tracked) - set(files) <= {p for p in tracked if p.startswith("catalog/")}
    assert not {p for p in tracked if p.startswith("environments/")} - set(files)


def test_a_plan_snapshot_holds_the_same_files_as_render() -> None:
    built = build(DiskView(str(EXAMPLE)), _valid(EXAMPLE), front=False)
    snapshot = snapshot_of(str(EXAMPLE))
    files = {path: text for unit in built.units for path, text in unit.build().items()}
    assert snapshot.files == {**files, layout.CODEOWNERS_FILE: built.codeowners}
    assert layout.CATALOG_LOCATION_FILE not in snapshot.files  # a plan compares the tree only


def test_a_scoped_selection_builds_the_full_files_of_its_tenants(tmp_path: Path) -> None:
    """The scoped render of a change and the full one agree on every file the scope holds,
    CODEOWNERS included (its other tenants' lines come from the base)."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(EXAMPLE), str(repo)], check=True)
    request = repo / "tenants/payments/tenant.yaml"
    request.write_text(request.read_text() + "# a comment changes no output\n")
    scope = scope_of(change_set(str(repo), "HEAD"))
    view = DiskView(str(repo))
    scoped = snapshot_in(view, "scoped", scope)
    full = snapshot_in(view, "full")
    assert scoped.tenants is not None and "payments" in scoped.tenants
    assert scoped.tenants != frozenset(full.valid.tenants if full.valid else ())
    assert scoped.files[layout.CODEOWNERS_FILE] == full.files[layout.CODEOWNERS_FILE]
    assert all(full.files[p] == t for p, t in scoped.files.items())
    everything = build(view, _valid(repo), Selection())
    assert everything.codeowners == full.files[layout.CODEOWNERS_FILE]
