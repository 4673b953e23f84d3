"""Transient failures are retried through the libraries' transport retry, waits are honoured
and capped; permanent ones are not retried. Waits are recorded by `sleeps`, never slept."""

from __future__ import annotations

import re
import socket
import time

import pytest

from generator.hosts.connect import GitHostError, GitHubHost, GitLabHost, Secret
from generator.hosts.retry import WaitBudget
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab

COMMENTS = "/api/v3/repos/Codertocat/Hello-World/issues/2/comments"
NOTES = "/api/v4/projects/5/merge_requests/1/notes"
SECONDARY = {"message": "You have exceeded a secondary rate limit. Please wait a few minutes."}
PRIMARY = {"message": "API rate limit exceeded for installation ID 4242."}


# -- GitHub (PyGithub `retry=`: urllib3 Retry + GithubRetry) --------------------------------


def test_github_retries_a_502_with_backoff_then_succeeds(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    github.fail(COMMENTS, 502, times=3, method="POST")

    github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.calls("POST") == [("POST", COMMENTS)] * 4
    assert sleeps == [2.0, 4.0]  # urllib3: the first retry is immediate, then doubling
    assert len(github.comments_on(2)) == 1


def test_github_secondary_rate_limit_honours_retry_after(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    github.fail(COMMENTS, 403, method="GET", headers={"Retry-After": "1"}, body=SECONDARY)

    github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.calls().count(("GET", COMMENTS)) == 2
    assert sleeps == [1]


def test_github_429_honours_retry_after(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    github.fail(COMMENTS, 429, method="POST", headers={"Retry-After": "3"}, body=SECONDARY)

    github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.calls("POST") == [("POST", COMMENTS)] * 2
    assert sleeps == [3]


def test_github_primary_rate_limit_waits_for_the_reset(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    reset = int(time.time()) + 5
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    github.fail(COMMENTS, 403, method="GET", headers=headers, body=PRIMARY)

    github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    [waited] = sleeps
    assert 4 <= waited <= 7  # until x-ratelimit-reset, plus GithubRetry's second of margin


def test_github_gives_up_at_once_when_the_wait_exceeds_the_budget(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    github.fail(COMMENTS, 403, method="GET", headers={"Retry-After": "3600"}, body=SECONDARY)

    with pytest.raises(GitHostError) as caught:
        github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert sleeps == []
    assert github.calls().count(("GET", COMMENTS)) == 1
    assert str(caught.value) == (
        "GitHub: reading the comments of pull request #2 in Codertocat/Hello-World failed:"
        " HTTP 403: You have exceeded a secondary rate limit. Please wait a few minutes."
        " Rate limited by GitHub (Retry-After: 3600s); gave up after retrying within the wait"
        " budget."
    )


def test_github_primary_rate_limit_far_away_is_reported_with_its_reset(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3600)}
    github.fail(COMMENTS, 403, method="GET", headers=headers, body=PRIMARY)

    with pytest.raises(GitHostError, match=r"rate limit is used up until .* UTC") as caught:
        github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert sleeps == []
    assert "HTTP 403" in str(caught.value)


def test_github_total_waiting_is_capped_across_requests(github: FakeGitHub) -> None:
    sleeps: list[float] = []
    host = GitHubHost(
        repository=github.full_name,
        token=Secret(github.token),
        api_url=github.api_url,
        budget=WaitBudget(5, sleeps.append),
        throttle=False,
    )
    wait, slow = {"Retry-After": "2"}, {"message": "slow"}
    github.fail(COMMENTS, 429, method="GET", headers=wait, body=slow)
    github.fail(COMMENTS, 429, times=10, method="POST", headers=wait, body=slow)

    with pytest.raises(GitHostError, match=r"commenting on .* HTTP 429: slow\. Rate limited"):
        host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert sleeps == [2, 2]  # one for the GET, one for the POST; a third would pass 5 s
    assert github.calls().count(("GET", COMMENTS)) == 2
    assert github.calls("POST") == [("POST", COMMENTS)] * 2


def test_github_gives_up_after_the_last_attempt_with_the_host_status(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float]
) -> None:
    github.fail(COMMENTS, 503, times=100, method="GET", body={"message": "Service Unavailable"})

    with pytest.raises(GitHostError, match=r"HTTP 503: Service Unavailable$"):
        github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.calls().count(("GET", COMMENTS)) == 6  # 1 + 5 retries
    assert sleeps == [2.0, 4.0, 8.0, 16.0]


@pytest.mark.parametrize("status", [403, 404, 422])
def test_github_permanent_failures_are_not_retried(
    github: FakeGitHub, github_host: GitHubHost, sleeps: list[float], status: int
) -> None:
    github.fail(COMMENTS, status, method="POST", body={"message": "Resource not accessible"})

    with pytest.raises(GitHostError, match=f"HTTP {status}: Resource not accessible"):
        github_host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.calls("POST") == [("POST", COMMENTS)]
    assert sleeps == []


def test_github_default_configuration_retries(github: FakeGitHub) -> None:
    # The production budget (real time.sleep): the first retry is immediate, so this is fast.
    host = GitHubHost(
        repository=github.full_name, token=Secret(github.token), api_url=github.api_url
    )
    github.fail(COMMENTS, 502, method="POST")

    host.upsert_comment("pull", 2, "plan", marker="berth:plan")

    assert github.calls("POST") == [("POST", COMMENTS)] * 2


# -- GitLab (urllib3 Retry on python-gitlab's requests session) ------------------------------


def test_gitlab_retries_a_502_then_succeeds(
    gitlab: FakeGitLab, gitlab_host: GitLabHost, sleeps: list[float]
) -> None:
    gitlab.fail(NOTES, 502, times=2, method="POST")

    gitlab_host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    assert gitlab.calls("POST") == [("POST", NOTES)] * 3
    assert sleeps == [2.0]
    assert sum("berth:plan" in n["body"] for n in gitlab.notes[("merge_requests", 1)]) == 1


def test_gitlab_429_honours_retry_after(
    gitlab: FakeGitLab, gitlab_host: GitLabHost, sleeps: list[float]
) -> None:
    gitlab.fail(
        NOTES, 429, method="GET", headers={"Retry-After": "1"}, body={"message": "Retry later"}
    )

    gitlab_host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    assert gitlab.calls().count(("GET", NOTES)) == 2
    assert sleeps == [1]


def test_gitlab_gives_up_when_the_wait_exceeds_the_budget(
    gitlab: FakeGitLab, gitlab_host: GitLabHost, sleeps: list[float]
) -> None:
    gitlab.fail(
        NOTES, 429, method="GET", headers={"Retry-After": "600"}, body={"message": "Retry later"}
    )

    with pytest.raises(GitHostError) as caught:
        gitlab_host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    # python-gitlab's own 429 loop is off: it would have slept 600 s, uncapped.
    assert gitlab.calls().count(("GET", NOTES)) == 1
    assert sleeps == []
    assert str(caught.value) == (
        "GitLab: reading the notes of merge request !1 in project 5 failed: HTTP 429: Retry later."
        " Rate limited by GitLab; gave up after retrying within the wait budget."
    )


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_gitlab_permanent_failures_are_not_retried(
    gitlab: FakeGitLab, gitlab_host: GitLabHost, sleeps: list[float], status: int
) -> None:
    gitlab.fail(NOTES, status, method="POST", body={"message": "nope"})

    with pytest.raises(GitHostError, match=f"HTTP {status}: nope"):
        gitlab_host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    assert gitlab.calls("POST") == [("POST", NOTES)]
    assert sleeps == []


def test_gitlab_gives_up_after_the_last_attempt_with_the_host_status(
    gitlab: FakeGitLab, gitlab_host: GitLabHost, sleeps: list[float]
) -> None:
    gitlab.fail(NOTES, 502, times=100, method="GET", body={"message": "502 Bad Gateway"})

    with pytest.raises(GitHostError, match=r"HTTP 502: 502 Bad Gateway$"):
        gitlab_host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    assert gitlab.calls().count(("GET", NOTES)) == 6  # 1 + 5 retries, no second loop
    assert sleeps == [2.0, 4.0, 8.0, 16.0]


@pytest.mark.parametrize("platform", ["github", "gitlab"])
def test_an_unreachable_host_is_retried_then_reported(platform: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    budget = WaitBudget(60, sleeps.append)
    host: GitHubHost | GitLabHost
    if platform == "github":
        url = f"http://127.0.0.1:{port}/api/v3"
        host = GitHubHost(
            repository="a/b", token=Secret("t0k3n"), api_url=url, budget=budget, throttle=False
        )
    else:
        url = f"http://127.0.0.1:{port}"
        host = GitLabHost(
            api_url=f"{url}/api/v4", project="5", token=Secret("t0k3n"), budget=budget
        )

    said = re.escape(f"could not reach {url}: Failed to establish a new connection: ")
    with pytest.raises(GitHostError, match=said + r"\[Errno \d+\] Connection refused$") as caught:
        host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    assert sleeps == [2.0, 4.0, 8.0, 16.0]
    assert "t0k3n" not in str(caught.value)
