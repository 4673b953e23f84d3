"""Runtime-flow case folders (tests/cases/flows/README.md): requests and blueprints laid over
the example, rendered and verified with the real network-config-analyzer, both ways: what the
requests need is allowed, and a broken guardrail is reported on the request it betrays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.cases import case_names, check_text, lay_over
from tests.support.repo import berth, copy_example
from tests.support.tools import REPO, tool

pytestmark = pytest.mark.tools

CASES = REPO / "tests" / "cases" / "flows"
MARK = "(network-config-analyzer)"


@pytest.fixture(autouse=True)
def tools_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    dirs = {str(Path(tool(name)).parent) for name in ("kubectl", "helm", "nca")}
    monkeypatch.setenv("PATH", os.pathsep.join([*sorted(dirs), os.environ.get("PATH", "")]))


@pytest.mark.parametrize("name", case_names(CASES))
def test_flow_case(name: str, tmp_path: Path) -> None:
    repo = copy_example(tmp_path / "repo")
    lay_over(CASES / name, repo)
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    code, out, err = berth(repo, "verify", "--env", "dev", "--env", "staging")
    flows = "".join(line + "\n" for line in out.splitlines() if line.endswith(MARK))
    check_text(CASES / name / "expected.txt", flows)
    assert code == (1 if flows else 0), out + err
    assert err == ""


def test_every_case_has_expected_lines() -> None:
    for name in case_names(CASES):
        assert (CASES / name / "expected.txt").is_file(), name
