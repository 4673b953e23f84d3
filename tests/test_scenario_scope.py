"""A change scoped to a tenant (`--base`, a release) carries its scenarios' files with it: a
scenario renders as `<tenant>-<scenario>` (generator/repo/scenario_layout.py `owned_by`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_github import FakeGitHub
from tests.support.jobs import github_job
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, commit_all, write
from tests.support.scenarios import scenario_platform

QA = "tenants/payments/scenarios/qa.yaml"
QA_VALUES = "environments/dev/tenants/payments-qa/apps/api.values.yaml"
SCENARIO = """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: qa
spec:
  base: dev
  expires: "2026-12-19"
  size: medium
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = scenario_platform(tmp_path / "repo", monkeypatch)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API, QA: SCENARIO})
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    commit_all(root)
    return root


def test_a_scoped_check_sees_a_removed_scenarios_files_and_render_removes_them(repo: Path) -> None:
    write(repo, {QA: None})
    code, out, _ = berth(repo, "render", "--check", "--base", "main")
    assert code == 1
    assert f"stale: {QA_VALUES} (would delete)" in out
    code, out, err = berth(repo, "render", "--base", "main")
    assert code == 0, out + err
    assert not (repo / QA_VALUES).exists()
    assert berth(repo, "render", "--check")[0] == 0


def test_a_release_carries_the_scenarios_that_copy_it(
    repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """qa runs dev's releases: bumping payments/api in dev changes qa's copy in the same pull
    request, or the default branch would be stale once it merges."""
    github_job(github, monkeypatch, repo)
    code, out, err = berth(
        repo,
        "bump",
        "payments/api",
        "--env",
        "dev",
        "--tag",
        "1.5.0",
        "--into",
        github.default_branch,
    )
    assert (code, err) == (0, ""), out
    branch = github.git.files("berth/bump/payments-api-dev")
    assert b'tag: "1.5.0"' in branch[QA_VALUES]
    assert b'tag: "1.4.0"' in github.git.files(github.default_branch)[QA_VALUES]
