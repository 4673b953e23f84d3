"""Hosts wired to the fakes of GitHub and GitLab on 127.0.0.1 (tests/conftest.py) that never
really sleep."""

from __future__ import annotations

import pytest

from generator.hosts.connect import GitHubHost, GitLabHost, Secret
from generator.hosts.retry import WaitBudget
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab

BUDGET = 60.0


@pytest.fixture
def gitlab(gitlab: FakeGitLab) -> FakeGitLab:
    """The shared fake GitLab (tests/conftest.py), which also takes a CI job token."""
    gitlab.job_token = "job-token-456"
    return gitlab


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait a host asked for, in seconds (recorded instead of slept)."""
    return []


@pytest.fixture
def github_host(github: FakeGitHub, sleeps: list[float]) -> GitHubHost:
    return GitHubHost(
        repository=github.full_name,
        token=Secret(github.token),
        api_url=github.api_url,
        budget=WaitBudget(BUDGET, sleeps.append),
        throttle=False,
    )


@pytest.fixture
def gitlab_host(gitlab: FakeGitLab, sleeps: list[float]) -> GitLabHost:
    return GitLabHost(
        api_url=gitlab.api_url,
        project=str(gitlab.project_id),
        token=Secret(gitlab.token),
        budget=WaitBudget(BUDGET, sleeps.append),
    )
