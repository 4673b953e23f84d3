"""Approval labels count only when the Git host's history shows a platform maintainer, not
the pull request's author, added them (`plan --fail-on-delete`, `--fail-on-skip`).

End to end against the local fake GitHub (pull request #2, opened by `Codertocat`) and fake
GitLab (merge request !1, opened by `root`), which list label events as the hosts' APIs do.
The base's platform.yaml names the maintainers `mona` and `Codertocat`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.hosts.connect import LabelEvent, LabelHistory
from generator.plan.labels import judge
from tests.support.fake_github import FakeGitHub, load_reference
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import berth, git, make_repo, write
from tests.test_plan import API_APP
from tests.test_plan_approvals import API_WITH_DATABASE

DELETION = "berth/approve-deletion"
SKIP = "berth/approve-skip"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A base whose payments/api has a database; the working tree turns it off in prod (a
    deletion) and sends a never-run tag to prod (a skip)."""
    root = make_repo(tmp_path / "repo", commit=False)
    platform = root / "platform.yaml"
    text = re.sub(
        r"(?m)^  maintainers: .*$", "  maintainers: [mona, Codertocat]", platform.read_text()
    )
    assert "[mona, Codertocat]" in text
    platform.write_text(text)
    write(root, {"tenants/payments/apps/api.yaml": API_WITH_DATABASE})
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    write(root, {"tenants/payments/apps/api.yaml": API_APP.replace('"1.3.2"', '"9.9.9"')})
    return root


def github_event(tmp_path: Path, fake: FakeGitHub, labels: list[str]) -> Path:
    payload = load_reference("github/webhooks/pull_request.opened.payload.json")
    payload["pull_request"] |= {"number": 2, "labels": [{"name": n} for n in labels]}
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    return event


@pytest.fixture
def github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        for name, value in {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_PATH": str(github_event(tmp_path, fake, [DELETION, SKIP])),
            "GITHUB_REPOSITORY": fake.full_name,
            "GITHUB_API_URL": fake.api_url,
            "GITHUB_TOKEN": fake.token,
        }.items():
            monkeypatch.setenv(name, value)
        yield fake


def guard(root: Path, flag: str) -> tuple[int, str]:
    code, _, err = berth(root, "plan", "--base", "main", flag)
    return code, err


def test_a_maintainer_who_is_not_the_author_approves(repo: Path, github: FakeGitHub) -> None:
    github.label(2, DELETION, "mona")
    code, err = guard(repo, "--fail-on-delete")
    assert code == 0, err
    assert f"approved by the label {DELETION!r} (added by mona, a platform maintainer)" in err
    events = "/api/v3/repos/Codertocat/Hello-World/issues/2/events"
    assert ("GET", events) in github.calls()


def test_the_authors_own_label_does_not_count_though_a_maintainer(
    repo: Path, github: FakeGitHub
) -> None:
    github.label(2, DELETION, "Codertocat")  # the author, listed as a maintainer
    code, err = guard(repo, "--fail-on-delete")
    assert code == 1
    assert f"{DELETION!r} was added by codertocat, the pull request's author" in err
    assert "a platform maintainer other than the author adds the label" in err


def test_the_author_is_the_hosts_not_the_events(repo: Path, github: FakeGitHub) -> None:
    github.pulls[2]["user"]["login"] = "mona"  # mona opened it: her own label cannot approve
    github.label(2, DELETION, "mona")
    code, err = guard(repo, "--fail-on-delete")
    assert code == 1 and "added by mona, the pull request's author" in err


def test_a_label_by_someone_with_triage_rights_only_does_not_count(
    repo: Path, github: FakeGitHub
) -> None:
    github.label(2, SKIP, "eve")
    code, err = guard(repo, "--fail-on-skip")
    assert code == 1
    assert f"{SKIP!r} was added by eve, who is not a platform maintainer" in err
    assert "payments/api: 1.3.2 -> 9.9.9 in prod did not run in dev before this change" in err


def test_the_latest_add_counts(repo: Path, github: FakeGitHub) -> None:
    github.label(2, DELETION, "mona")
    github.label(2, DELETION, "eve", added=False)
    github.label(2, DELETION, "eve")  # re-added by someone who may not approve
    assert guard(repo, "--fail-on-delete")[0] == 1
    github.label(2, DELETION, "mona", added=False)
    github.label(2, DELETION, "mona")  # the latest add after a removal
    assert guard(repo, "--fail-on-delete")[0] == 0


def test_a_label_the_history_shows_removed_does_not_count(repo: Path, github: FakeGitHub) -> None:
    github.label(2, DELETION, "mona")
    github.label(2, DELETION, "mona", added=False)  # the event payload still lists it
    code, err = guard(repo, "--fail-on-delete")
    assert code == 1 and f"the host's history shows no {DELETION!r}" in err


def test_maintainers_come_from_the_base(repo: Path, github: FakeGitHub) -> None:
    platform = repo / "platform.yaml"
    platform.write_text(platform.read_text().replace("[mona, Codertocat]", "[mona, eve]"))
    github.label(2, DELETION, "eve")  # the change names eve a maintainer: too late for it
    code, err = guard(repo, "--fail-on-delete")
    assert code == 1 and "eve, who is not a platform maintainer" in err


def test_without_the_label_on_the_pull_request_the_host_is_not_asked(
    repo: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(github_event(tmp_path, github, [])))
    github.label(2, DELETION, "mona")
    code, err = guard(repo, "--fail-on-delete")
    assert code == 1 and f"the pull request does not carry the label {DELETION!r}" in err
    assert github.calls() == []


def test_without_a_token_a_label_fails_closed(
    repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    code, err = guard(repo, "--fail-on-skip")
    assert code == 2
    assert "cannot read the label events of pull request #2" in err


def test_on_gitlab_the_resource_label_events_decide(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitLab(token="glpat-read-only-123") as gitlab:
        for name, value in {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": gitlab.api_url,
            "CI_PROJECT_ID": str(gitlab.project_id),
            "CI_MERGE_REQUEST_IID": "1",
            "CI_MERGE_REQUEST_LABELS": f"{SKIP},other",
            "BERTH_GITLAB_READ_TOKEN": gitlab.token,
        }.items():
            monkeypatch.setenv(name, value)
        gitlab.label(1, SKIP, "root")  # the merge request's author
        code, err = guard(repo, "--fail-on-skip")
        assert code == 1 and f"{SKIP!r} was added by root, the pull request's author" in err
        gitlab.label(1, SKIP, "root", added=False)
        gitlab.label(1, SKIP, "mona")
        code, err = guard(repo, "--fail-on-skip")
        assert code == 0, err
        assert ("GET", "/api/v4/projects/5/merge_requests/1/resource_label_events") in [
            (method, path) for method, path in gitlab.calls()
        ]


def test_judge_is_pure() -> None:
    history = LabelHistory(
        "alice",
        (
            LabelEvent("x", True, "bob"),
            LabelEvent("y", True, "bob"),
            LabelEvent("x", False, "carol"),
            LabelEvent("x", True, "alice"),
        ),
    )
    assert history.added_by("x") == "alice" and history.added_by("y") == "bob"
    assert history.added_by("z") is None
    assert not judge("x", history, ["alice", "bob"]).approved  # the author
    assert judge("y", history, ["Bob"]).approved  # usernames compare case-insensitively
    assert not judge("y", history, []).approved
    gone = LabelHistory("", (LabelEvent("x", True, ""),))  # a deleted account added it
    assert judge("x", gone, ["alice"]).reason == "'x' was added by an account that is gone"
