"""The command line's contract, one case folder per message (tests/cases/command-line).

A case holds `command` (optional `cwd: PATH` lines, relative to the repository, then the one
`berth ...` line; `{root}` is the repository), the files to lay over a rendered base (three
tenants and the app payments/api), and `expected.txt`: the exit code, stdout and stderr, with
the repository's path written `{root}`. Every case also shows that the command changed no file.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest

from tests.support.cases import case_names, check_text, lay_over
from tests.support.cli import run
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, make_repo, tree, write

CASES = Path(__file__).parent / "cases" / "command-line"


@pytest.fixture(scope="module")
def rendered_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("command-line") / "repo", commit=False)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API})
    code, _, err = run("--root", str(root), "render")
    assert code == 0, err
    return root


def _command(case: Path, root: Path) -> tuple[Path, list[str]]:
    cwd, argv = root, None
    for line in (case / "command").read_text().splitlines():
        if line.startswith("cwd:"):
            cwd = (root / line.removeprefix("cwd:").strip()).resolve()
        elif line.startswith("berth "):
            argv = shlex.split(line.replace("{root}", str(root)))[1:]
    assert argv is not None, f"{case}/command has no `berth ...` line"
    return cwd, argv


@pytest.mark.parametrize("name", case_names(CASES))
def test_command_line_case(
    name: str, rendered_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(shutil.copytree(rendered_base, tmp_path / "repo", symlinks=True)).resolve()
    lay_over(CASES / name, root)
    before = tree(tmp_path)
    cwd, argv = _command(CASES / name, root)
    monkeypatch.chdir(cwd)
    code, out, err = run(*argv)
    shown = f"exit {code}\n--- stdout\n{out}--- stderr\n{err}"
    check_text(CASES / name / "expected.txt", shown.replace(str(root), "{root}"))
    assert tree(tmp_path) == before, "the command changed files"
    assert os.getcwd() == str(cwd)
