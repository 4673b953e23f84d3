"""GitLabHost against the fake GitLab: notes, the commits API, merge requests, errors."""

from __future__ import annotations

import base64

import pytest

from generator.hosts.connect import GitHostError, GitLabHost, Secret
from tests.support.fake_gitlab import FakeGitLab

PROJECT = "/api/v4/projects/5"
MARK = "<!-- berth:plan -->"
BRANCH = "berth/tenant-payments"
ENCODED_BRANCH = "berth%2Ftenant-payments"
TENANT = "tenants/payments/tenant.yaml"
MR_URL = "http://example.com/gitlab-org/gitlab-test/-/merge_requests"


def test_merge_request_note_is_created_once_then_updated(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    notes_path = f"{PROJECT}/merge_requests/1/notes"
    first = gitlab_host.upsert_comment("pull", 1, "plan v1", marker="berth:plan")

    note = gitlab.notes[("merge_requests", 1)][-1]
    assert gitlab.trace() == [
        ("GET", PROJECT, {}, None),
        ("GET", f"{PROJECT}/merge_requests/1", {}, None),
        ("GET", notes_path, {"per_page": "100"}, None),
        ("POST", notes_path, {}, {"body": f"{MARK}\nplan v1"}),
    ]
    assert first == f"{MR_URL}/1#note_{note['id']}"

    start = len(gitlab.requests)
    second = gitlab_host.upsert_comment("pull", 1, "plan v2", marker="berth:plan")

    assert gitlab.trace(start) == [
        ("GET", PROJECT, {}, None),
        ("GET", f"{PROJECT}/merge_requests/1", {}, None),
        ("GET", notes_path, {"per_page": "100"}, None),
        ("GET", "/api/v4/user", {}, None),  # who the token is
        ("PUT", f"{notes_path}/{note['id']}", {}, {"body": f"{MARK}\nplan v2"}),
    ]
    assert second == first
    bodies = [n["body"] for n in gitlab.notes[("merge_requests", 1)]]
    assert bodies == ["This MR needs work.", "added 1 commit", f"{MARK}\nplan v2"]


def test_issue_and_merge_request_numbers_are_separate(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    gitlab.add_note("merge_requests", 1, f"{MARK}\nthe plan of !1")

    url = gitlab_host.upsert_comment("issue", 17, "request accepted", marker="berth:plan")

    assert gitlab.calls("POST") == [("POST", f"{PROJECT}/issues/17/notes")]
    assert url.startswith("http://example.com/gitlab-org/gitlab-test/-/issues/17#note_")
    assert gitlab.notes[("merge_requests", 1)][-1]["body"] == f"{MARK}\nthe plan of !1"


def test_system_notes_are_never_taken_for_ours(gitlab: FakeGitLab, gitlab_host: GitLabHost) -> None:
    gitlab.add_note("merge_requests", 1, f"changed the description {MARK}", system=True)

    gitlab_host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    assert gitlab.calls("POST") == [("POST", f"{PROJECT}/merge_requests/1/notes")]
    assert gitlab.calls("PUT") == []


def test_merge_request_is_opened_once_with_one_commit_then_updated(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    files = {TENANT: b"kind: Tenant\n", "README.md": b"# Gitlab Test\n"}  # README unchanged
    url = gitlab_host.upsert_pull_request(
        branch=BRANCH,
        base="master",
        title="Tenant payments",
        body="From #17",
        files=files,
        message="Add tenant payments",
    )

    assert gitlab.trace() == [
        ("GET", PROJECT, {}, None),
        ("GET", f"{PROJECT}/repository/branches/{ENCODED_BRANCH}", {}, None),  # 404
        ("GET", f"{PROJECT}/repository/branches/master", {}, None),
        ("GET", f"{PROJECT}/repository/files/README.md", {"ref": "master"}, None),
        (
            "GET",
            f"{PROJECT}/repository/files/tenants%2Fpayments%2Ftenant.yaml",
            {"ref": "master"},
            None,
        ),
        (
            "POST",
            f"{PROJECT}/repository/commits",
            {},
            {
                "branch": BRANCH,
                "start_branch": "master",
                "commit_message": "Add tenant payments",
                "actions": [
                    {
                        "action": "create",
                        "file_path": TENANT,
                        "encoding": "base64",
                        "content": _b64(b"kind: Tenant\n"),
                    }
                ],
            },
        ),
        ("GET", f"{PROJECT}/merge_requests", {"source_branch": BRANCH, "state": "opened"}, None),
        (
            "POST",
            f"{PROJECT}/merge_requests",
            {},
            {
                "source_branch": BRANCH,
                "target_branch": "master",
                "title": "Tenant payments",
                "description": "From #17",
                "remove_source_branch": True,
            },
        ),
    ]
    assert url == f"{MR_URL}/2"
    assert gitlab.git.files(BRANCH) == gitlab.git.files("master") | files
    first = gitlab.git.refs[f"refs/heads/{BRANCH}"]
    assert gitlab.git.commits[first].parents == [gitlab.git.refs["refs/heads/master"]]

    start = len(gitlab.requests)
    again = gitlab_host.upsert_pull_request(
        branch=BRANCH,
        base="master",
        title="Tenant payments (edited)",
        body="From #17",
        files={TENANT: b"kind: Tenant\nspec: {}\n"},
        message="Update tenant payments",
    )

    assert [(m, p, b) for m, p, _, b in gitlab.trace(start) if m != "GET"] == [
        (
            "POST",
            f"{PROJECT}/repository/commits",
            {
                # Rebuilt from the base and forced over the branch: nothing else survives.
                "branch": BRANCH,
                "start_branch": "master",
                "commit_message": "Update tenant payments",
                "actions": [
                    {
                        "action": "create",
                        "file_path": TENANT,
                        "encoding": "base64",
                        "content": _b64(b"kind: Tenant\nspec: {}\n"),
                    }
                ],
                "force": True,
            },
        ),
        (
            "PUT",
            f"{PROJECT}/merge_requests/2",
            {
                "title": "Tenant payments (edited)",
                "description": "From #17",
            },
        ),
    ]
    assert again == url
    assert [mr["title"] for mr in gitlab.open_merge_requests(BRANCH)] == [
        "Tenant payments (edited)"
    ]
    master = gitlab.git.refs["refs/heads/master"]
    assert gitlab.git.commits[gitlab.git.refs[f"refs/heads/{BRANCH}"]].parents == [master]


def test_what_others_pushed_to_the_branch_does_not_survive(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    proposal = {
        "branch": BRANCH,
        "base": "master",
        "title": "T",
        "body": "B",
        "files": {TENANT: b"kind: Tenant\n"},
        "message": "m",
    }
    gitlab_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]
    gitlab.git.commit_files(BRANCH, {"tenants/other/tenant.yaml": b"evil\n"}, "sneaked in")

    gitlab_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]

    head = gitlab.git.refs[f"refs/heads/{BRANCH}"]
    assert gitlab.git.commits[head].parents == [gitlab.git.refs["refs/heads/master"]]
    assert gitlab.git.files(BRANCH) == gitlab.git.files("master") | {TENANT: b"kind: Tenant\n"}


def test_nothing_is_written_when_branch_and_merge_request_are_current(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    proposal = {
        "branch": BRANCH,
        "base": "master",
        "title": "T",
        "body": "B",
        "files": {TENANT: b"kind: Tenant\n"},
        "message": "m",
    }
    gitlab_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]
    start = len(gitlab.requests)
    gitlab_host.upsert_pull_request(**proposal)  # type: ignore[arg-type]

    assert {m for m, *_ in gitlab.trace(start)} == {"GET"}


def test_a_missing_base_branch_is_a_clear_error(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    with pytest.raises(GitHostError, match=r"^GitLab: the base branch 'main' does not exist"):
        gitlab_host.upsert_pull_request(
            branch=BRANCH, base="main", title="T", body="", files={TENANT: b"x"}, message="m"
        )
    assert gitlab.calls("POST") == []


def test_a_missing_merge_request_is_a_clear_error(gitlab_host: GitLabHost) -> None:
    with pytest.raises(GitHostError) as caught:
        gitlab_host.upsert_comment("pull", 99, "x", marker="berth:plan")
    assert str(caught.value) == (
        "GitLab: reading the notes of merge request !99 in project 5 failed: HTTP 404:"
        " 404 Merge Request Not Found. It does not exist, or the token cannot see it."
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_conflict_reports_the_host_message(gitlab: FakeGitLab, gitlab_host: GitLabHost) -> None:
    gitlab.fail(
        f"{PROJECT}/merge_requests",
        409,
        method="POST",
        body={"message": ["Another open merge request already exists for this source branch: !7"]},
    )
    with pytest.raises(GitHostError) as caught:
        gitlab_host.upsert_pull_request(
            branch=BRANCH, base="master", title="T", body="", files={TENANT: b"x"}, message="m"
        )
    assert str(caught.value) == (
        f"GitLab: opening the merge request from '{BRANCH}' to 'master' in project 5 failed:"
        " HTTP 409: Another open merge request already exists for this source branch: !7"
    )


def test_the_job_token_can_read_but_not_write_and_says_what_to_do(
    gitlab: FakeGitLab, sleeps: list[float]
) -> None:
    host = GitLabHost(
        api_url=gitlab.api_url, project="5", token=Secret(gitlab.job_token), token_kind="job"
    )
    with pytest.raises(GitHostError) as caught:
        host.upsert_comment("pull", 1, "plan", marker="berth:plan")

    message = str(caught.value)
    assert message.startswith(
        "GitLab: commenting on merge request !1 in project 5 failed: HTTP 403"
    )
    assert "set the CI/CD variable BERTH_GITLAB_TOKEN to a project access token" in message
    assert gitlab.job_token not in message + repr(host)
    assert all(r.headers.get("JOB-TOKEN") == gitlab.job_token for r in gitlab.requests)
    assert all("PRIVATE-TOKEN" not in r.headers for r in gitlab.requests)


def test_a_rejected_token_is_never_echoed(gitlab: FakeGitLab) -> None:
    host = GitLabHost(api_url=gitlab.api_url, project="5", token=Secret("glpat-wrong-000"))
    with pytest.raises(GitHostError) as caught:
        host.upsert_comment("pull", 1, "x", marker="berth:plan")
    assert "HTTP 401: 401 Unauthorized" in str(caught.value)
    assert "glpat-wrong-000" not in str(caught.value) + repr(caught.value) + repr(host)
    assert gitlab.requests[0].headers["PRIVATE-TOKEN"] == "glpat-wrong-000"


def test_the_project_may_be_given_by_path(gitlab: FakeGitLab) -> None:
    host = GitLabHost(
        api_url=gitlab.api_url, project="gitlab-org/gitlab-test", token=Secret(gitlab.token)
    )
    host.upsert_comment("issue", 17, "x", marker="berth:plan")
    assert gitlab.requests[0].path == "/api/v4/projects/gitlab-org%2Fgitlab-test"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_marked_note_by_someone_else_is_not_ours(
    gitlab: FakeGitLab, gitlab_host: GitLabHost
) -> None:
    theirs = gitlab.add_note("merge_requests", 1, f"{MARK}\nfake plan", author="mallory")

    gitlab_host.upsert_comment("pull", 1, "the plan", marker="berth:plan")

    assert theirs["body"] == f"{MARK}\nfake plan"
    bodies = [n["body"] for n in gitlab.notes[("merge_requests", 1)]]
    assert bodies.count(f"{MARK}\nthe plan") == 1
    assert [m for m, *_ in gitlab.trace() if m == "PUT"] == []


def test_deleted_files_become_delete_actions(gitlab: FakeGitLab, gitlab_host: GitLabHost) -> None:
    gitlab_host.upsert_pull_request(
        branch="berth/drop",
        base="master",
        title="t",
        body="b",
        files={"new.txt": b"new\n"},
        message="m",
        deleted=("tenants/checkout/tenant.yaml", "not/there.yaml"),
    )
    [commit] = [b for m, p, _, b in gitlab.trace() if m == "POST" and p.endswith("/commits")]
    assert {"action": "delete", "file_path": "tenants/checkout/tenant.yaml"} in commit["actions"]
    assert "not/there.yaml" not in {a["file_path"] for a in commit["actions"]}
    assert "tenants/checkout/tenant.yaml" not in gitlab.git.files("berth/drop")
