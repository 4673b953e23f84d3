"""A CI job of the fake GitHub's or GitLab's repository: the variables GitHub Actions or GitLab
CI set for a job point at the fake, whose default branch holds the checkout when one is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import tree


def github_job(
    fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch, checkout: Path | None = None
) -> FakeGitHub:
    if checkout is not None:
        fake.git.commit_files(fake.default_branch, tree(checkout), "The platform repository")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_REPOSITORY", fake.full_name)
    monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
    monkeypatch.setenv("GITHUB_TOKEN", fake.token)
    return fake


def gitlab_job(
    fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch, checkout: Path | None = None
) -> FakeGitLab:
    if checkout is not None:
        fake.git.commit_files(fake.default_branch, tree(checkout), "The platform repository")
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_API_V4_URL", fake.api_url)
    monkeypatch.setenv("CI_PROJECT_ID", str(fake.project_id))
    monkeypatch.setenv("BERTH_GITLAB_TOKEN", fake.token)
    return fake
