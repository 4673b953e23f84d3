"""Reading a pull request's label history: GitHub's issue events, GitLab's resource label
events, against the local fakes (pull request #2 by `Codertocat`, merge request !1 by
`root`). Other events are left out, and the events come oldest first."""

from __future__ import annotations

import io

import pytest

from generator.hosts.connect import DryRunHost, GitHostError, GitHubHost, GitLabHost, LabelEvent
from generator.problems import UsageError
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab


def test_github_lists_label_events_by_actor(github: FakeGitHub, github_host: GitHubHost) -> None:
    github.label(2, "berth/approve-skip", "Mona")
    github.label(2, "bug", "eve")
    github.label(2, "berth/approve-skip", "eve", added=False)

    history = github_host.label_history(2)

    assert history.author == "codertocat"
    assert history.events == (
        LabelEvent("berth/approve-skip", True, "mona"),
        LabelEvent("bug", True, "eve"),
        LabelEvent("berth/approve-skip", False, "eve"),
    )
    # Non-label events are listed too and skipped without another request for each.
    assert github.calls() == [
        ("GET", "/api/v3/repos/Codertocat/Hello-World"),
        ("GET", "/api/v3/repos/Codertocat/Hello-World/issues/2"),
        ("GET", "/api/v3/repos/Codertocat/Hello-World/issues/2/events"),
    ]


def test_github_pages_through_long_histories(github: FakeGitHub, github_host: GitHubHost) -> None:
    for _ in range(60):
        github.label(2, "x", "eve")
        github.label(2, "x", "eve", added=False)
    github.label(2, "x", "mona")
    assert github_host.label_history(2).added_by("x") == "mona"


def test_github_unknown_pull_request_is_a_host_error(github_host: GitHubHost) -> None:
    with pytest.raises(GitHostError, match=r"label events of pull request #99.*HTTP 404"):
        github_host.label_history(99)


def test_gitlab_lists_resource_label_events(gitlab: FakeGitLab, gitlab_host: GitLabHost) -> None:
    gitlab.label(1, "berth/approve-deletion", "root")
    gitlab.label(1, "berth/approve-deletion", "root", added=False)
    gitlab.label(1, "berth/approve-deletion", "Mona")

    history = gitlab_host.label_history(1)

    assert history.author == "root"
    assert history.added_by("berth/approve-deletion") == "mona"
    assert [e.added for e in history.events] == [True, False, True]
    path = "/api/v4/projects/5/merge_requests/1/resource_label_events"
    assert ("GET", path) in gitlab.calls()


def test_gitlab_skips_events_of_deleted_labels(gitlab: FakeGitLab, gitlab_host: GitLabHost) -> None:
    gitlab.label(1, "gone", "mona")["label"] = None
    assert gitlab_host.label_history(1).events == ()


def test_a_dry_run_cannot_say_who_labelled() -> None:
    with pytest.raises(UsageError, match="cannot read the label events of pull request #3"):
        DryRunHost(io.StringIO(), reason="no token").label_history(3)
