"""`berth comment`: the one sticky comment on a pull request or merge request, posted once and
then updated, cut to the Git host's limit, a dry run without a token; against the fake GitHub
and GitLab on 127.0.0.1 with the real pull_request webhook payload (tests/upstream).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import EXIT_HOST
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.jobs import github_job, gitlab_job
from tests.support.repo import berth
from tests.support.tools import reference

GH = "/api/v3/repos/Codertocat/Hello-World"
GL = "/api/v4/projects/5"
PLAN = "<!-- berth:plan -->"


@pytest.fixture
def github(github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    return github_job(github, monkeypatch)


@pytest.fixture
def gitlab(gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch) -> FakeGitLab:
    return gitlab_job(gitlab, monkeypatch)


def pull_request_event(tmp_path: Path) -> Path:
    path = tmp_path / "pull_request.json"
    path.write_text(reference("github", "webhooks", "pull_request.opened.payload.json").read_text())
    return path


def test_comment_without_a_token_is_a_dry_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text(f"{PLAN}\n## Berth plan\n\nNo changes.\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_REPOSITORY", "Codertocat/Hello-World")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(pull_request_event(tmp_path)))

    code, out, _ = berth(tmp_path, "comment", "--file", str(plan))

    assert code == 0
    assert out.startswith(
        "[dry run] would create or update the comment marked <!-- berth:plan --> on pull"
        " request #2 of GitHub repository Codertocat/Hello-World at https://api.github.com,"
        " with this body:\n    <!-- berth:plan -->\n    ## Berth plan\n"
    )

    monkeypatch.delenv("GITHUB_EVENT_PATH")  # on a laptop: no pull request at all
    code, out, _ = berth(tmp_path, "comment", "--file", str(plan))
    assert code == 0
    assert out.startswith("[dry run] no pull request or merge request to comment on")


def test_comment_is_posted_once_then_updated(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.md"
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(pull_request_event(tmp_path)))

    plan.write_text(f"{PLAN}\nplan one\n")
    code, out, _ = berth(tmp_path, "comment", "--file", str(plan))
    assert code == 0
    [posted] = github.comments_on(2)
    assert out == f"berth: comment {posted['html_url']}\n"
    plan.write_text(f"{PLAN}\nplan two\n")
    assert berth(tmp_path, "comment", "--file", str(plan))[0] == 0

    assert github.trace() == [
        ("GET", GH, {}, None),
        ("GET", f"{GH}/issues/2", {}, None),
        ("GET", f"{GH}/issues/2/comments", {"per_page": "100"}, None),
        ("POST", f"{GH}/issues/2/comments", {}, {"body": f"{PLAN}\nplan one\n"}),
        ("GET", GH, {}, None),
        ("GET", f"{GH}/issues/2", {}, None),
        ("GET", f"{GH}/issues/2/comments", {"per_page": "100"}, None),
        ("GET", "/api/v3/user", {}, None),
        ("PATCH", f"{GH}/issues/comments/{posted['id']}", {}, {"body": f"{PLAN}\nplan two\n"}),
    ]
    assert [c["body"] for c in github.comments_on(2)] == [f"{PLAN}\nplan two\n"]


def test_comment_on_a_gitlab_merge_request(
    gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("plan one\n")  # the marker is added when missing
    monkeypatch.setenv("CI_MERGE_REQUEST_IID", "1")

    assert berth(tmp_path, "comment", "--file", str(plan))[0] == 0
    plan.write_text("plan two\n")
    assert berth(tmp_path, "comment", "--file", str(plan))[0] == 0

    writes = [(m, p, b) for m, p, _, b in gitlab.trace() if m != "GET"]
    note = gitlab.notes[("merge_requests", 1)][-1]
    assert writes == [
        ("POST", f"{GL}/merge_requests/1/notes", {"body": f"{PLAN}\nplan one\n"}),
        ("PUT", f"{GL}/merge_requests/1/notes/{note['id']}", {"body": f"{PLAN}\nplan two\n"}),
    ]


def test_comment_errors(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("plan\n")

    code, _, err = berth(tmp_path, "comment", "--file", str(plan))  # a token, but no PR
    assert code == 2 and "no pull request to comment on" in err

    monkeypatch.setenv("GITHUB_EVENT_PATH", str(pull_request_event(tmp_path)))
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not-the-token")
    code, _, err = berth(tmp_path, "comment", "--file", str(plan))
    assert code == EXIT_HOST
    assert "HTTP 401" in err and "Traceback" not in err and "not-the-token" not in err

    code, _, err = berth(tmp_path, "comment", "--file", str(tmp_path / "missing.md"))
    assert code == 2 and "cannot read" in err

    code, _, err = berth(tmp_path, "comment", "--file", str(plan), "--marker", "a -->b")
    assert code == 2 and "invalid comment marker" in err


def test_an_oversized_comment_is_cut_to_the_limit(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("x" * 100_000)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(pull_request_event(tmp_path)))

    assert berth(tmp_path, "comment", "--file", str(plan))[0] == 0

    [posted] = github.comments_on(2)
    assert len(posted["body"]) == 65_536
    assert posted["body"].startswith(PLAN) and posted["body"].endswith("see the job log)\n")
