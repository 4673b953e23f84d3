"""Scenario requests (tenants/<tenant>/scenarios/<name>.yaml) that Berth refuses: one case folder
per rule, each with the exact lines `berth validate --base` prints.

A case's files are laid over `tests/cases/scenarios/_base` (see the README there), committed
first, so each case is a change that adds or edits scenarios. Today is fixed at 2026-12-05
(`BERTH_TODAY`), the date rules' "today". Every case also proves that `berth render` refuses
the tree and leaves environments/ untouched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cases import case_names, check_text, lay_over
from tests.support.cli import run
from tests.support.repo import commit_all, git
from tests.support.tools import REPO
from tests.support.trees import snapshot

CASES = Path(__file__).parent / "cases" / "scenarios"
TODAY = "2026-12-05"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERTH_TODAY", TODAY)


@pytest.fixture(scope="module")
def rendered_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("scenarios") / "repo"
    shutil.copytree(CASES / "_base", repo)
    shutil.copytree(REPO / "blueprints", repo / "blueprints")
    shutil.copy(REPO / ".gitignore", repo / ".gitignore")
    code, _, err = run("--root", str(repo), "render")
    assert code == 0, err
    commit_all(repo)
    return repo


@pytest.fixture
def base_repo(rendered_base: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(rendered_base, tmp_path / "repo", symlinks=True))


@pytest.mark.parametrize("name", case_names(CASES))
def test_refused(name: str, base_repo: Path) -> None:
    before = snapshot(base_repo / "environments")
    lay_over(CASES / name, base_repo)
    code, out, err = run("--root", str(base_repo), "validate", "--format", "text", "--base", "main")
    check_text(CASES / name / "expected.txt", out)
    assert code == 1, out + err
    assert out.strip(), "a refusal prints its reasons"

    code, _, err = run("--root", str(base_repo), "render", "--base", "main")
    assert code == 1
    assert "nothing was written" in err
    assert snapshot(base_repo / "environments") == before


SCENARIO = """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: load
spec:
  base: dev
  expires: "{expires}"
  size: small
"""


def add_scenario(repo: Path, expires: str) -> Path:
    path = repo / "tenants" / "checkout" / "scenarios" / "load.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCENARIO.format(expires=expires))
    return path


def test_a_scenario_within_the_limits_is_valid(base_repo: Path) -> None:
    add_scenario(base_repo, "2026-12-19")  # today + maxDays (14): the last day allowed
    code, out, err = run("--root", str(base_repo), "validate", "--base", "main")
    assert (code, out) == (0, "berth: platform.yaml and 3 tenant(s) are valid\n"), out + err


def test_three_days_before_expiry_is_a_warning(base_repo: Path) -> None:
    add_scenario(base_repo, "2026-12-08")
    code, out, _ = run("--root", str(base_repo), "validate", "--format", "text")
    assert code == 0, out
    assert out.splitlines()[0] == (
        "tenants/checkout/scenarios/load.yaml:7:12: warning: spec.expires: expires in 3 days;"
        " change `expires` to keep it (at most 14 days)"
    )
    add_scenario(base_repo, "2026-12-09")
    code, out, _ = run("--root", str(base_repo), "validate", "--format", "text")
    assert "warning" not in out


def test_an_unchanged_expired_scenario_warns_and_blocks_nothing(base_repo: Path) -> None:
    """Expired since it was merged: the default branch's check (no base) warns, and a change
    elsewhere still passes; `berth expire` removes it."""
    add_scenario(base_repo, "2026-12-04")
    assert run("--root", str(base_repo), "render")[0] == 0
    git(base_repo, "add", "-A")
    git(base_repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "s")
    code, out, _ = run("--root", str(base_repo), "validate", "--format", "text")
    assert code == 0, out
    assert out.splitlines()[0] == (
        "tenants/checkout/scenarios/load.yaml:7:12: warning: spec.expires: expired on 2026-12-04"
        " (today is 2026-12-05); `berth expire` removes it"
    )
    code, out, _ = run("--root", str(base_repo), "render", "--check", "--base", "main")
    assert code == 0, out
    code, out, _ = run("--root", str(base_repo), "render", "--check")
    assert code == 0, out
