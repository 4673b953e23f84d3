"""Valid requests: each case folder is a request tree in and the exact rendered tree out.

A case's files are laid over `tests/cases/valid/_base` (the example platform, no tenants)
together with the repository's blueprints/; `expected/` holds every file `berth render`
writes (environments/ and CODEOWNERS). Each case also validates clean, renders to the same
bytes a second time, and passes `berth verify`: the real kustomize and helm build every
Application, and every object is checked against its schema and its AppProject.
Regenerate after a deliberate change: `pytest --update-golden tests/test_render_cases.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cases import case_names, check_tree, lay_over
from tests.support.cli import berth
from tests.support.tools import REPO, tool
from tests.support.trees import snapshot

CASES = Path(__file__).parent / "cases" / "valid"


def rendered(repo: Path) -> dict[str, bytes]:
    files = {f"environments/{k}": v for k, v in snapshot(repo / "environments").items()}
    return {**files, "CODEOWNERS": (repo / "CODEOWNERS").read_bytes()}


def make_repo(case: Path, root: Path) -> Path:
    shutil.copytree(CASES / "_base", root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(case, root)
    return root


@pytest.mark.tools
@pytest.mark.parametrize("name", case_names(CASES))
def test_valid_case_renders_the_expected_tree(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BERTH_TODAY", "2026-12-05")  # what scenarios' `expires` is held to
    case = CASES / name
    repo = make_repo(case, tmp_path / "repo")
    code, out, err = berth(repo, "validate", "--format", "text")
    assert (code, err) == (0, ""), out + err

    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    check_tree(case / "expected", rendered(repo))
    # This case's README says what it covers; an empty case covers nothing.
    assert (case / "README.md").read_text().strip()

    first = rendered(repo)
    shutil.rmtree(repo / "environments")
    assert berth(repo, "render")[0] == 0
    assert rendered(repo) == first, "a second render from scratch gave other bytes"

    monkeypatch.setenv("PATH", f"{Path(tool('kubectl')).parent}:{Path(tool('helm')).parent}")
    code, out, err = berth(repo, "verify")
    assert code == 0, out + err


def test_every_case_folder_has_requests() -> None:
    names = case_names(CASES)
    assert len(names) >= 7
    for name in names:
        assert list((CASES / name / "tenants").glob("*/tenant.yaml")), name
