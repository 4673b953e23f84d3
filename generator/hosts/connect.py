"""Talking to GitHub or GitLab from CI: sticky comments and pull requests.

`host_from_environment` is the only place that reads tokens (docs/ci.md). It picks
the host from the variables the CI system sets, and falls back to a dry run that prints
instead of sending when the token is missing, so every step also runs on a laptop.

Variables read:

- GitHub Actions: `GITHUB_ACTIONS`, `GITHUB_REPOSITORY` (owner/name), `GITHUB_TOKEN`,
  `GITHUB_API_URL` (REST base URL; GitHub Enterprise Server works through it alone).
- GitLab CI: `GITLAB_CI`, `CI_API_V4_URL`, `CI_PROJECT_ID`, and a token:
  `BERTH_GITLAB_TOKEN` (project access token, scope `api`; needed to write; a protected
  variable, so only default-branch pipelines have it), else `BERTH_GITLAB_READ_TOKEN`
  (scope `read_api`: what merge-request pipelines get, enough to read approvals), else
  `CI_JOB_TOKEN` (reads only, and not merge-request approvals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, TextIO

from generator.hosts import ci
from generator.hosts.base import (
    GitHost,
    GitHostError,
    Kind,
    LabelEvent,
    LabelHistory,
    Reviews,
    hidden_marker,
)
from generator.hosts.dryrun import DryRunHost
from generator.hosts.github import DEFAULT_API_URL, GitHubHost
from generator.hosts.gitlab import GitLabHost
from generator.hosts.secret import Secret

__all__ = [
    "DryRunHost",
    "GitHost",
    "GitHostError",
    "GitHubHost",
    "GitLabHost",
    "Kind",
    "LabelEvent",
    "LabelHistory",
    "Reviews",
    "Secret",
    "hidden_marker",
    "host_from_environment",
]


class Connect(Protocol):
    """How a command gets its Git host: `host_from_environment`, or a test's own."""

    def __call__(self, environ: Mapping[str, str], *, out: TextIO) -> GitHost: ...


def host_from_environment(environ: Mapping[str, str], *, out: TextIO) -> GitHost:
    """The Git host this CI job runs for; a `DryRunHost` writing to `out` if it lacks a
    token (or is not in CI at all)."""
    platform = ci.platform(environ)
    if platform == "github":
        return _github(environ, out)
    if platform == "gitlab":
        return _gitlab(environ, out)
    return DryRunHost(out, reason="neither GitHub Actions nor GitLab CI variables are set")


def _github(environ: Mapping[str, str], out: TextIO) -> GitHost:
    repository = _get(environ, "GITHUB_REPOSITORY")
    api_url = _get(environ, "GITHUB_API_URL") or DEFAULT_API_URL
    if not repository:
        return DryRunHost(out, target="GitHub", reason="GITHUB_REPOSITORY is not set")
    token = _get(environ, "GITHUB_TOKEN")
    if not token:
        target = f"GitHub repository {repository} at {api_url}"
        return DryRunHost(out, target=target, reason="GITHUB_TOKEN is not set")
    return GitHubHost(repository=repository, token=Secret(token), api_url=api_url)


def _gitlab(environ: Mapping[str, str], out: TextIO) -> GitHost:
    api_url = _get(environ, "CI_API_V4_URL")
    project = _get(environ, "CI_PROJECT_ID")
    if not api_url or not project:
        return DryRunHost(out, target="GitLab", reason="CI_API_V4_URL or CI_PROJECT_ID is not set")
    target = f"GitLab project {project} at {api_url}"
    if token := _get(environ, "BERTH_GITLAB_TOKEN") or _get(environ, "BERTH_GITLAB_READ_TOKEN"):
        return GitLabHost(api_url=api_url, project=project, token=Secret(token))
    if token := _get(environ, "CI_JOB_TOKEN"):
        return GitLabHost(api_url=api_url, project=project, token=Secret(token), token_kind="job")
    return DryRunHost(
        out,
        target=target,
        reason="none of BERTH_GITLAB_TOKEN, BERTH_GITLAB_READ_TOKEN, CI_JOB_TOKEN is set",
    )


def _get(environ: Mapping[str, str], name: str) -> str:
    # Values pasted into CI settings often carry a trailing newline.
    return environ.get(name, "").strip()
