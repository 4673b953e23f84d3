"""Reading who approved a pull request (GitHub reviews) or merge request (GitLab approvals).

Against the local fakes, which serve the vendored webhook payloads' pull request #2
(Codertocat/Hello-World) and merge request !1 (gitlab-org/gitlab-test).
"""

from __future__ import annotations

import io

import pytest

from generator.hosts.connect import DryRunHost, GitHostError, GitHubHost, GitLabHost
from generator.problems import UsageError
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab


def test_github_counts_the_latest_deciding_review_per_user_on_the_head(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    head = github.pulls[2]["head"]["sha"]
    github.add_review(2, "Alice", "APPROVED")
    github.add_review(2, "bob", "APPROVED")
    github.add_review(2, "bob", "COMMENTED")  # a comment leaves bob's approval standing
    github.add_review(2, "carol", "APPROVED")
    github.add_review(2, "carol", "CHANGES_REQUESTED")  # carol withdrew hers
    github.add_review(2, "dave", "APPROVED")
    github.add_review(2, "dave", "DISMISSED")

    reviews = github_host.reviews(2)

    assert reviews.author == "Codertocat"
    assert reviews.head_sha == head
    assert reviews.approvers == {"alice", "bob"}
    assert ("GET", "/api/v3/repos/Codertocat/Hello-World/pulls/2/reviews") in github.calls()


def test_github_approvals_of_an_older_commit_are_stale(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    github.add_review(2, "alice", "APPROVED")
    new_head = github.push(2, {"tenants/search/tenant.yaml": b"changed\n"})

    reviews = github_host.reviews(2)

    assert reviews.head_sha == new_head
    assert reviews.approvers == frozenset()


def test_github_unknown_pull_request_is_a_host_error(github_host: GitHubHost) -> None:
    with pytest.raises(GitHostError, match=r"reading the reviews of pull request #99.*HTTP 404"):
        github_host.reviews(99)


def test_gitlab_reads_the_merge_request_approvals(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    gitlab.approve(1, "Alice")
    gitlab.approve(1, "bob")

    reviews = gitlab_host.reviews(1)

    assert reviews.author == gitlab.user["username"]
    assert reviews.head_sha == gitlab.merge_requests[1]["sha"]
    assert reviews.approvers == {"alice", "bob"}
    assert ("GET", "/api/v4/projects/5/merge_requests/1/approvals") in gitlab.calls()


def test_gitlab_push_resets_approvals(gitlab: FakeGitLab, gitlab_host: GitLabHost) -> None:
    gitlab.approve(1, "alice")
    head = gitlab.push(1, {"tenants/search/tenant.yaml": b"changed\n"})

    reviews = gitlab_host.reviews(1)

    assert (reviews.head_sha, reviews.approvers) == (head, frozenset())


def test_a_dry_run_cannot_say_who_approved() -> None:
    host = DryRunHost(io.StringIO(), reason="GITHUB_TOKEN is not set")
    with pytest.raises(UsageError, match="cannot read the reviews of pull request #3"):
        host.reviews(3)
