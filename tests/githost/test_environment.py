"""host_from_environment: which host, which URL, which token; dry run without a token."""

from __future__ import annotations

import io
import socket
from typing import Any

import pytest

from generator.hosts.connect import (
    DryRunHost,
    GitHostError,
    GitHubHost,
    GitLabHost,
    host_from_environment,
)
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab


def test_github_enterprise_is_reached_through_github_api_url(github: FakeGitHub) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "Codertocat/Hello-World",
        "GITHUB_TOKEN": github.token,
        "GITHUB_API_URL": github.api_url,  # like https://ghe.example.com/api/v3
    }
    host = host_from_environment(env, out=io.StringIO())

    assert isinstance(host, GitHubHost)
    assert host.describe() == f"GitHub repository Codertocat/Hello-World at {github.api_url}"
    host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.requests, "no request reached the Enterprise URL"
    assert all(r.path.startswith("/api/v3/repos/Codertocat/Hello-World") for r in github.requests)
    assert all(r.headers["Authorization"] == f"token {github.token}" for r in github.requests)
    assert github.token not in repr(host) + str(host) + host.describe()


def test_a_malformed_repository_is_a_clear_error() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "platform", "GITHUB_TOKEN": "t"}
    with pytest.raises(GitHostError, match="GITHUB_REPOSITORY must look like owner/name"):
        host_from_environment(env, out=io.StringIO())


def test_github_defaults_to_api_github_com() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/platform", "GITHUB_TOKEN": "t"}
    host = host_from_environment(env, out=io.StringIO())
    assert isinstance(host, GitHubHost)
    assert host.api_url == "https://api.github.com"


def test_gitlab_uses_ci_api_v4_url_and_the_project_access_token(gitlab: FakeGitLab) -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": gitlab.api_url,
        "CI_PROJECT_ID": "5",
        "BERTH_GITLAB_TOKEN": gitlab.token,
        "CI_JOB_TOKEN": gitlab.job_token,  # present in every job; the access token wins
    }
    host = host_from_environment(env, out=io.StringIO())

    assert isinstance(host, GitLabHost)
    assert host.url == gitlab.url  # python-gitlab wants it without /api/v4
    host.upsert_comment("pull", 1, "plan", marker="berth:plan")
    assert all(r.path.startswith("/api/v4/projects/5") for r in gitlab.requests)
    assert all(r.headers.get("PRIVATE-TOKEN") == gitlab.token for r in gitlab.requests)
    assert gitlab.token not in repr(host) + host.describe()


def test_gitlab_falls_back_to_the_job_token(gitlab: FakeGitLab) -> None:
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": gitlab.api_url,
        "CI_PROJECT_ID": "5",
        "CI_JOB_TOKEN": gitlab.job_token,
    }
    host = host_from_environment(env, out=io.StringIO())

    assert isinstance(host, GitLabHost)
    assert "CI_JOB_TOKEN" in host.describe()
    with pytest.raises(Exception, match="BERTH_GITLAB_TOKEN"):
        host.upsert_comment("pull", 1, "plan", marker="berth:plan")
    assert gitlab.requests[0].headers.get("JOB-TOKEN") == gitlab.job_token


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "neither GitHub Actions nor GitLab CI variables are set"),
        ({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "a/b"}, "GITHUB_TOKEN is not set"),
        ({"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "t"}, "GITHUB_REPOSITORY is not set"),
        ({"GITHUB_REPOSITORY": "a/b", "GITHUB_TOKEN": " \n"}, "GITHUB_TOKEN is not set"),
        (
            {"GITLAB_CI": "true", "CI_API_V4_URL": "https://gl/api/v4", "CI_PROJECT_ID": "5"},
            "none of BERTH_GITLAB_TOKEN, BERTH_GITLAB_READ_TOKEN, CI_JOB_TOKEN is set",
        ),
        ({"CI_PROJECT_ID": "5", "CI_JOB_TOKEN": "j"}, "CI_API_V4_URL or CI_PROJECT_ID is not set"),
    ],
)
def test_without_what_it_needs_it_is_a_dry_run(env: dict[str, str], reason: str) -> None:
    host = host_from_environment(env, out=io.StringIO())
    assert isinstance(host, DryRunHost)
    assert reason in host.describe()


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "a/b", "CI_PROJECT_ID": "5"}, GitHubHost),
        ({"GITLAB_CI": "true", "GITHUB_REPOSITORY": "a/b", "CI_PROJECT_ID": "5"}, GitLabHost),
        ({"GITHUB_REPOSITORY": "a/b"}, GitHubHost),
        ({"CI_PROJECT_ID": "5"}, GitLabHost),
    ],
)
def test_the_ci_systems_own_flag_decides(env: dict[str, str], kind: type) -> None:
    common = {
        "GITHUB_TOKEN": "t",
        "CI_API_V4_URL": "https://gl.example/api/v4",
        "CI_JOB_TOKEN": "j",
    }
    assert isinstance(host_from_environment(env | common, out=io.StringIO()), kind)


def test_a_dry_run_from_the_environment_sends_nothing(
    github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a dry run opened a connection")

    env = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": github.full_name}
    env["GITHUB_API_URL"] = github.api_url
    out = io.StringIO()
    host = host_from_environment(env, out=out)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    comment = host.upsert_comment("pull", 2, "plan", marker="berth:plan")
    pull = host.upsert_pull_request(
        branch="berth/x", base="master", title="T", body="B", files={"a": b"1"}, message="m"
    )

    assert github.requests == []
    assert (comment, pull) == ("dry-run://pull/2/comment", "dry-run://pull/berth/x")
    assert "GITHUB_TOKEN is not set" in host.describe()
    assert out.getvalue().count("[dry run] would") == 3
