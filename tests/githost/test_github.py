"""GitHubHost against the fake GitHub: the exact requests, the resulting state, the errors."""

from __future__ import annotations

import base64

import pytest

from generator.hosts.base import git_blob_sha
from generator.hosts.connect import GitHostError, GitHubHost, Secret
from tests.support.fake_github import CHECKOUT_TENANT, FakeGitHub

REPO = "/api/v3/repos/Codertocat/Hello-World"
MARK = "<!-- berth:plan -->"
BRANCH = "berth/tenant-payments"
TENANT = "tenants/payments/tenant.yaml"


def test_sticky_comment_is_created_once_then_updated(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    first = github_host.upsert_comment("pull", 2, "plan v1", marker="berth:plan")

    assert github.trace() == [
        ("GET", REPO, {}, None),
        ("GET", f"{REPO}/issues/2", {}, None),
        ("GET", f"{REPO}/issues/2/comments", {"per_page": "100"}, None),
        ("POST", f"{REPO}/issues/2/comments", {}, {"body": f"{MARK}\nplan v1"}),
    ]
    [comment] = github.comments_on(2)
    assert (
        first
        == comment["html_url"]
        == (f"https://github.com/Codertocat/Hello-World/issues/2#issuecomment-{comment['id']}")
    )

    start = len(github.requests)
    second = github_host.upsert_comment("pull", 2, "plan v2", marker="berth:plan")

    assert github.trace(start) == [
        ("GET", REPO, {}, None),
        ("GET", f"{REPO}/issues/2", {}, None),
        ("GET", f"{REPO}/issues/2/comments", {"per_page": "100"}, None),
        ("GET", "/api/v3/user", {}, None),  # who the token is: 403 for GITHUB_TOKEN
        ("PATCH", f"{REPO}/issues/comments/{comment['id']}", {}, {"body": f"{MARK}\nplan v2"}),
    ]
    assert second == first
    assert [c["body"] for c in github.comments_on(2)] == [f"{MARK}\nplan v2"]


def test_sticky_comment_is_found_by_marker_among_many_others(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    # Issue #1 has the reference payload's comment; bury ours on the second page.
    for n in range(120):
        github.add_comment(1, f"comment {n} mentioning berth:plan but without the marker")
    ours = github.add_comment(1, f"old plan\n{MARK}")
    github.add_comment(1, "a later comment")

    url = github_host.upsert_comment("issue", 1, "new plan", marker="berth:plan")

    assert url == ours["html_url"]
    assert github.calls("POST") == []
    assert github.trace()[-4:] == [
        ("GET", f"{REPO}/issues/1/comments", {"per_page": "100"}, None),
        ("GET", f"{REPO}/issues/1/comments", {"per_page": "100", "page": "2"}, None),
        ("GET", "/api/v3/user", {}, None),
        ("PATCH", f"{REPO}/issues/comments/{ours['id']}", {}, {"body": f"{MARK}\nnew plan"}),
    ]
    assert len(github.comments_on(1)) == 123


def test_an_unchanged_comment_is_not_rewritten(github: FakeGitHub, github_host: GitHubHost) -> None:
    body = f"## Plan\n\n{MARK}\nno changes"  # the marker may already be anywhere in the body
    github_host.upsert_comment("pull", 2, body, marker="berth:plan")
    github_host.upsert_comment("pull", 2, body, marker="<!-- berth:plan -->")

    assert github.calls("PATCH") == []
    assert [r.body for r in github.requests if r.method == "POST"] == [{"body": body}]


def test_pull_request_is_opened_once_with_one_commit_then_updated(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    master = github.git.refs["refs/heads/master"]
    master_tree = github.git.commits[master].tree
    files = {TENANT: b"kind: Tenant\n", "tenants/payments/apps/api.yaml": b"kind: Application\n"}

    url = github_host.upsert_pull_request(
        branch=BRANCH,
        base="master",
        title="Tenant payments",
        body="From #1",
        files=files,
        message="Add tenant payments",
    )

    head = github.git.refs[f"refs/heads/{BRANCH}"]
    commit = github.git.commits[head]
    blobs = [git_blob_sha(files[p]) for p in sorted(files)]
    assert github.trace() == [
        ("GET", REPO, {}, None),
        ("GET", f"{REPO}/git/ref/heads/master", {}, None),
        ("GET", f"{REPO}/git/ref/heads/{BRANCH}", {}, None),  # 404: the branch is new
        ("GET", f"{REPO}/git/commits/{master}", {}, None),
        ("GET", f"{REPO}/git/trees/{master_tree}", {"recursive": "1"}, None),
        *[
            ("POST", f"{REPO}/git/blobs", {}, {"content": _b64(files[p]), "encoding": "base64"})
            for p in sorted(files)
        ],
        (
            "POST",
            f"{REPO}/git/trees",
            {},
            {
                "base_tree": master_tree,
                "tree": [
                    {"path": p, "mode": "100644", "type": "blob", "sha": sha}
                    for p, sha in zip(sorted(files), blobs, strict=True)
                ],
            },
        ),
        (
            "POST",
            f"{REPO}/git/commits",
            {},
            {"message": "Add tenant payments", "tree": commit.tree, "parents": [master]},
        ),
        ("POST", f"{REPO}/git/refs", {}, {"ref": f"refs/heads/{BRANCH}", "sha": head}),
        (
            "GET",
            f"{REPO}/pulls",
            {"state": "open", "head": f"Codertocat:{BRANCH}", "per_page": "100"},
            None,
        ),
        (
            "POST",
            f"{REPO}/pulls",
            {},
            {"base": "master", "head": BRANCH, "title": "Tenant payments", "body": "From #1"},
        ),
    ]
    # One commit on top of master holds both files, next to what master had.
    assert commit.parents == [master]
    assert github.git.files(BRANCH) == github.git.files("master") | files
    [pull] = github.open_pulls(BRANCH)
    assert url == pull["html_url"] == "https://github.com/Codertocat/Hello-World/pull/3"

    start = len(github.requests)
    again = github_host.upsert_pull_request(
        branch=BRANCH,
        base="master",
        title="Tenant payments (edited)",
        body="From #1, edited",
        files={**files, TENANT: b"kind: Tenant\nspec: {}\n"},
        message="Update tenant payments",
    )

    new_head = github.git.refs[f"refs/heads/{BRANCH}"]
    edited = {**files, TENANT: b"kind: Tenant\nspec: {}\n"}
    writes = [(m, p, b) for m, p, _, b in github.trace(start) if m != "GET"]
    assert writes == [
        # Rebuilt from the base: one commit of all the files on master, and the branch is
        # replaced (force), so nothing else pushed to it survives.
        *[
            ("POST", f"{REPO}/git/blobs", {"content": _b64(edited[p]), "encoding": "base64"})
            for p in sorted(edited)
        ],
        (
            "POST",
            f"{REPO}/git/trees",
            {
                "base_tree": master_tree,
                "tree": [
                    {"path": p, "mode": "100644", "type": "blob", "sha": git_blob_sha(edited[p])}
                    for p in sorted(edited)
                ],
            },
        ),
        (
            "POST",
            f"{REPO}/git/commits",
            {
                "message": "Update tenant payments",
                "tree": github.git.commits[new_head].tree,
                "parents": [master],
            },
        ),
        ("PATCH", f"{REPO}/git/refs/heads/{BRANCH}", {"sha": new_head, "force": True}),
        (
            "PATCH",
            f"{REPO}/pulls/3",
            {"title": "Tenant payments (edited)", "body": "From #1, edited"},
        ),
    ]
    assert again == url
    assert [p["title"] for p in github.open_pulls(BRANCH)] == ["Tenant payments (edited)"]
    assert github.git.commits[new_head].parents == [master]
    assert github.git.files(BRANCH) == github.git.files("master") | edited


def test_what_others_pushed_to_the_branch_does_not_survive(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    proposal = {
        "branch": BRANCH,
        "base": "master",
        "title": "T",
        "body": "B",
        "files": {TENANT: b"kind: Tenant\n"},
        "message": "m",
    }
    github_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]
    github.git.commit_files(BRANCH, {"tenants/other/tenant.yaml": b"evil\n"}, "sneaked in")

    github_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]

    head = github.git.refs[f"refs/heads/{BRANCH}"]
    assert github.git.commits[head].parents == [github.git.refs["refs/heads/master"]]
    assert github.git.files(BRANCH) == github.git.files("master") | {TENANT: b"kind: Tenant\n"}


def test_nothing_is_written_when_branch_and_pull_request_are_current(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    proposal = {
        "branch": BRANCH,
        "base": "master",
        "title": "T",
        "body": "B",
        "files": {TENANT: b"kind: Tenant\n"},
        "message": "m",
    }
    github_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]
    start = len(github.requests)
    github_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]

    assert {m for m, *_ in github.trace(start)} == {"GET"}


def test_a_truncated_tree_listing_still_commits_only_real_changes(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    github.truncate_trees = True
    same = {"README.md": b"# Hello-World\n", "tenants/checkout/tenant.yaml": CHECKOUT_TENANT}

    with pytest.raises(GitHostError, match="nothing to propose"):
        github_host.upsert_pull_request(
            branch=BRANCH, base="master", title="T", body="", files=same, message="m"
        )
    # Every file had to be sent, but the identical tree made no commit and no branch.
    assert [p for _, p in github.calls("POST")] == [f"{REPO}/git/blobs"] * 2 + [f"{REPO}/git/trees"]

    github_host.upsert_pull_request(
        branch=BRANCH, base="master", title="T", body="", files=same | {TENANT: b"x"}, message="m"
    )
    assert github.git.files(BRANCH) == github.git.files("master") | {TENANT: b"x"}


def test_files_already_on_the_base_propose_nothing(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    with pytest.raises(GitHostError) as caught:
        github_host.upsert_pull_request(
            branch=BRANCH,
            base="master",
            title="T",
            body="",
            files={"README.md": b"# Hello-World\n"},
            message="m",
        )

    assert str(caught.value) == (
        "GitHub: nothing to propose on Codertocat/Hello-World: the files (README.md)"
        " already match 'master'"
    )
    assert {m for m, *_ in github.trace()} == {"GET"}  # no branch left behind


def test_binary_content_survives(github: FakeGitHub, github_host: GitHubHost) -> None:
    content = bytes(range(256))
    github_host.upsert_pull_request(
        branch=BRANCH, base="master", title="T", body="", files={"bin/blob": content}, message="m"
    )
    assert github.git.files(BRANCH)["bin/blob"] == content


def test_a_missing_issue_is_a_clear_error_without_token(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    with pytest.raises(GitHostError) as caught:
        github_host.upsert_comment("issue", 999, "x", marker="berth:plan")

    message = str(caught.value)
    assert message == (
        "GitHub: reading the comments of issue #999 in Codertocat/Hello-World failed:"
        " HTTP 404: Not Found. It does not exist, or the token cannot see it."
    )
    assert github.token not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_validation_failure_names_the_host_message(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    github.fail(
        f"{REPO}/pulls",
        422,
        method="POST",
        body={
            "message": "Validation Failed",
            "errors": [
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": "pull request creation is disabled for this branch",
                }
            ],
        },
    )
    with pytest.raises(GitHostError) as caught:
        github_host.upsert_pull_request(
            branch=BRANCH, base="master", title="T", body="", files={TENANT: b"x"}, message="m"
        )

    assert str(caught.value) == (
        f"GitHub: opening the pull request from '{BRANCH}' to 'master' in Codertocat/Hello-World"
        " failed: HTTP 422: Validation Failed (pull request creation is disabled for this branch)"
    )
    assert len(github.calls("POST")) == 5  # 422 is final: blob, tree, commit, ref, one PR try


def test_a_missing_base_branch_is_a_clear_error(github_host: GitHubHost) -> None:
    with pytest.raises(GitHostError, match=r"reading the base branch 'main' .* HTTP 404"):
        github_host.upsert_pull_request(
            branch=BRANCH, base="main", title="T", body="", files={TENANT: b"x"}, message="m"
        )


def test_a_rejected_token_is_never_echoed(github: FakeGitHub) -> None:
    host = GitHubHost(
        repository=github.full_name,
        token=Secret("ghp_wrong_token_987"),
        api_url=github.api_url,
        throttle=False,
    )
    with pytest.raises(GitHostError) as caught:
        host.upsert_comment("pull", 2, "x", marker="berth:plan")

    message = str(caught.value)
    assert "HTTP 401: Bad credentials" in message and "GITHUB_TOKEN" in message
    assert "ghp_wrong_token_987" not in message + repr(caught.value) + repr(host)
    assert github.requests[0].headers["Authorization"] == "token ghp_wrong_token_987"


def test_a_host_message_echoing_the_token_is_masked(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    github.fail(f"{REPO}", 404, body={"message": f"no repository for {github.token}"})
    with pytest.raises(GitHostError) as caught:
        github_host.upsert_comment("pull", 2, "x", marker="berth:plan")
    assert github.token not in str(caught.value)
    assert "no repository for ***" in str(caught.value)


def test_arguments_are_checked_before_any_request(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    with pytest.raises(ValueError, match="relative"):
        github_host.upsert_pull_request(
            branch=BRANCH, base="master", title="T", body="", files={"../x": b""}, message="m"
        )
    with pytest.raises(ValueError, match="invalid comment marker"):
        github_host.upsert_comment("pull", 2, "x", marker="a --> b")
    assert github.requests == []


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_marked_comment_by_someone_else_is_not_ours(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    # Anyone may paste the marker; editing their comment would put our text under their name.
    theirs = github.add_comment(1, f"{MARK}\nlooks like a plan", login="mallory")

    url = github_host.upsert_comment("issue", 1, "the plan", marker="berth:plan")

    assert theirs["body"] == f"{MARK}\nlooks like a plan"
    [ours] = [c for c in github.comments_on(1) if c["body"] == f"{MARK}\nthe plan"]
    assert url == ours["html_url"] and ours["user"]["login"] == "github-actions[bot]"
    assert github.calls("PATCH") == []


def test_with_a_token_that_reads_its_user_that_user_is_the_author(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    github.me = github.user | {"login": "berth-app[bot]"}
    github.add_comment(1, f"{MARK}\nby the Actions bot")  # not who this token is
    ours = github.add_comment(1, f"{MARK}\nold", login="Berth-App[bot]")

    url = github_host.upsert_comment("issue", 1, "new", marker="berth:plan")

    assert url == ours["html_url"] and ours["body"] == f"{MARK}\nnew"


def test_deleted_files_leave_the_tree_and_the_branch_is_current_after(
    github: FakeGitHub, github_host: GitHubHost
) -> None:
    proposal = {
        "branch": "berth/drop",
        "base": "master",
        "title": "t",
        "body": "b",
        "files": {"new.txt": b"new\n"},
        "message": "m",
        "deleted": ("tenants/checkout/tenant.yaml", "not/there.yaml"),
    }
    github_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]
    assert github.git.files("berth/drop") == {
        "README.md": github.git.files("master")["README.md"],
        "new.txt": b"new\n",
    }
    [tree] = [b for m, p, _, b in github.trace() if m == "POST" and p.endswith("/git/trees")]
    assert {
        "path": "tenants/checkout/tenant.yaml",
        "mode": "100644",
        "type": "blob",
        "sha": None,
    } in tree["tree"]

    start = len(github.requests)
    github_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]
    assert [m for m, *_ in github.trace(start) if m != "GET"] == []


def test_closing_the_pull_request_of_a_branch(github: FakeGitHub, github_host: GitHubHost) -> None:
    assert github_host.close_pull_request(branch="nothing-here", comment="x") is None
    [pull] = github.open_pulls(github.pulls[2]["head"]["ref"])

    url = github_host.close_pull_request(branch=pull["head"]["ref"], comment="Superseded.")

    assert url == pull["html_url"] and pull["state"] == "closed"
    assert [c["body"] for c in github.comments_on(2)] == ["Superseded."]
