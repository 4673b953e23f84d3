"""Atomic writes: an interrupted render never leaves a mixed tree behind."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from generator import write
from generator.cli import main
from tests.support.tools import REPO
from tests.support.trees import snapshot


def berth(root: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["--root", str(root), *args], out=out, err=err), out.getvalue(), err.getvalue()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(REPO / name, tmp_path / name)
    for name in ("tenants", "blueprints", "environments"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


def change_every_quota(repo: Path) -> None:
    platform = repo / "platform.yaml"
    platform.write_text(platform.read_text().replace('small:  {cpu: "2"', 'small:  {cpu: "3"'))


class Crash(Exception):
    pass


def test_crash_while_staging_leaves_the_old_tree(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(repo / "environments")
    change_every_quota(repo)
    real_open = open
    staged = 0

    def crashing_open(path: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        nonlocal staged
        if "staging" in str(path) and ("w" in mode or "x" in mode):
            staged += 1
            if staged == 3:
                raise Crash("killed while writing")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(write, "open", crashing_open, raising=False)
    with pytest.raises(Crash):
        write.apply_changes(*_plan(repo))
    assert snapshot(repo / "environments") == before
    monkeypatch.undo()

    # The next run cleans the staging area and renders normally.
    code, out, _ = berth(repo, "render")
    assert code == 0, out
    assert not (repo / ".berth" / "staging").exists()
    assert snapshot(repo / "environments") != before
    assert berth(repo, "render", "--check")[0] == 0


def test_crash_during_the_swap_is_finished_by_the_next_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    change_every_quota(repo)
    real_replace = write.os.replace
    swapped = 0

    def crashing_replace(src: str, dst: str) -> None:
        nonlocal swapped
        if "staging" in str(src):
            swapped += 1
            if swapped == 2:
                raise Crash("killed between two renames")
        real_replace(src, dst)

    monkeypatch.setattr(write.os, "replace", crashing_replace)
    with pytest.raises(Crash):
        write.apply_changes(*_plan(repo))
    monkeypatch.undo()
    assert (repo / ".berth" / "journal.json").exists()
    code, _out, _ = berth(repo, "render", "--check")
    assert code == 1  # a half-swapped tree is never reported as current

    code, _, _ = berth(repo, "render")
    assert code == 0
    assert not (repo / ".berth" / "journal.json").exists()
    assert berth(repo, "render", "--check")[0] == 0
    quota = (
        repo / "environments" / "dev" / "tenants" / "checkout" / "guardrails" / "kustomization.yaml"
    ).read_text()
    assert 'requests.cpu: "3"' in quota


def test_no_temporary_files_are_left_in_the_tree(repo: Path) -> None:
    change_every_quota(repo)
    assert berth(repo, "render")[0] == 0
    names = [p.name for p in (repo / "environments").rglob("*")]
    assert not [n for n in names if "tmp" in n or n.startswith(".")]


def test_invalid_input_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    (repo / "tenants" / "search" / "tenant.yaml").write_text("kind: Tenant\n")
    before = snapshot(repo)
    code, _, err = berth(repo, "render")
    assert code == 1
    assert "tenants/search/tenant.yaml:1:1: apiVersion: is required" in err
    after = snapshot(repo)
    assert after.pop(".berth/lock") == b""  # the (empty) render lock itself
    assert after == before


def _plan(repo: Path) -> tuple[str, write.Outcome, dict[str, bytes], write.Workspace, write.Cache]:
    from generator.load import load_repo
    from generator.render.tree import units
    from generator.validate import validate_repo

    valid, problems = validate_repo(load_repo(str(repo)))
    assert valid is not None, problems
    workspace = write.Workspace(str(repo))
    outcome, writes, cache = write.plan_tree(str(repo), units(valid), {}, workspace)
    assert outcome.changes
    return str(repo), outcome, writes, workspace, cache
