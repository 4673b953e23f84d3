"""Golden edits of `berth bump` and `berth promote` (tests/cases/edits, see its README)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from tests.support.cases import case_names, check_text, lay_over
from tests.support.golden import updating
from tests.support.hosts import proposing
from tests.support.repo import berth, git, make_repo, tree

CASES = Path(__file__).parent / "cases" / "edits"


def _requests(snapshot: dict[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in snapshot.items() if path.startswith("tenants/")}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("edits") / "repo", commit=False)
    lay_over(CASES / "_base", root)
    return root


def _prepare(base: Path, case: Path, root: Path) -> None:
    shutil.copytree(base, root, symlinks=True)
    lay_over(case, root)
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")


@pytest.mark.parametrize("name", case_names(CASES))
def test_edit_case(name: str, base: Path, tmp_path: Path) -> None:
    case = CASES / name
    root = tmp_path / "repo"
    _prepare(base, case, root)
    before = tree(root)

    code, out_text, err_text, files = proposing(root, *shlex.split((case / "command").read_text()))

    assert tree(root) == before  # a dry run writes nothing, not even environments/
    if name.startswith("refuse-"):
        assert code == 1, out_text + err_text
        check_text(case / "expected.txt", err_text)
        return
    assert code == 0, out_text + err_text
    # The dry run is given only the files that differ from the working tree.
    assert all(before.get(p) != d for p, d in files.items())
    changed = _requests(files)
    expected = case / "expected"
    if updating():
        shutil.rmtree(expected, ignore_errors=True)
        expected.mkdir()
        (expected / ".keep").write_text("")
        for path, data in changed.items():
            (expected / path).parent.mkdir(parents=True, exist_ok=True)
            (expected / path).write_bytes(data)
    wanted = {
        p.relative_to(expected).as_posix(): p.read_bytes()
        for p in sorted(expected.rglob("*"))
        if p.is_file() and p.name != ".keep"
    }
    assert changed == wanted
    # The generated files proposed follow the requests: `berth render --check` of the tree
    # with the proposal laid over it has nothing to do.
    for path, data in files.items():
        (root / path).write_bytes(data)
    assert berth(root, "render", "--check")[0] == 0
