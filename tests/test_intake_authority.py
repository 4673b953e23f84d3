"""Intake for an existing tenant only for its owners or the platform's maintainers.

Real webhook payloads (tests/upstream) with the author and sender set by each test, the fake
GitHub and GitLab from tests/support, and the throwaway checkout of tests/test_intake.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import test_intake as base
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import write
from tests.test_intake import INTAKE, app_form, github_event, gitlab_event, intake, tenant_form

# The fakes of tests/test_intake.py, holding the checkout (tests/conftest.py) as the job sees it.
github, gitlab = base.github, base.gitlab


def as_people(event: Path, author: str, sender: str, *, on_gitlab: bool = False) -> Path:
    payload = json.loads(event.read_text())
    if on_gitlab:
        payload["user"]["username"] = sender
    else:
        payload["issue"]["user"]["login"] = author
        payload["sender"]["login"] = sender
    event.write_text(json.dumps(payload))
    return event


def app_request(tmp_path: Path, author: str, sender: str) -> Path:
    event = github_event(tmp_path, "opened", app_form(), ("app-request",))
    return as_people(event, author, sender)


def test_an_owner_may_request_an_app_for_their_tenant(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = intake(checkout, app_request(tmp_path, "Alice", "alice"), monkeypatch)
    assert (code, err) == (0, ""), out
    assert len(github.open_pulls("berth/issue-1")) == 1


@pytest.mark.parametrize(
    ("author", "sender", "named"),
    [
        ("mallory", "mallory", "`mallory`"),
        ("alice", "mallory", "`mallory`"),
        ("mallory", "alice", "`mallory`"),
    ],
    ids=["outsider", "edited-by-outsider", "labelled-by-owner"],
)
def test_anyone_else_is_refused_before_a_branch_exists(
    checkout: Path,
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    author: str,
    sender: str,
    named: str,
) -> None:
    code, out, _ = intake(checkout, app_request(tmp_path, author, sender), monkeypatch)

    assert code == 1
    assert "may not change this tenant" in out
    assert "refs/heads/berth/issue-1" not in github.git.refs
    assert github.open_pulls("berth/issue-1") == []
    [comment] = [c for c in github.comments_on(1) if c["body"].startswith(INTAKE)]
    assert "Tenant `payments` exists" in comment["body"]
    assert "owners (`alice`, `bob`)" in comment["body"] and named in comment["body"]


def test_a_platform_maintainer_may_request_for_any_tenant(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = (checkout / "platform.yaml").read_text()
    write(
        checkout, {"platform.yaml": platform.replace("maintainers: [olivia]", "maintainers: [pat]")}
    )
    code, out, err = intake(checkout, app_request(tmp_path, "pat", "pat"), monkeypatch)
    assert (code, err) == (0, ""), out


def test_anyone_may_request_a_new_tenant(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = as_people(github_event(tmp_path, "opened", tenant_form()), "mallory", "mallory")
    code, _, err = intake(checkout, event, monkeypatch)
    assert (code, err) == (0, "")


def test_changing_an_existing_tenant_on_gitlab_checks_the_sender(
    checkout: Path, gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = tenant_form(name="search", owners="@frank", description="Search, now bigger")
    event = as_people(gitlab_event(tmp_path, form), "", "mallory", on_gitlab=True)
    code, out, _ = intake(checkout, event, monkeypatch, gitlab=True)
    assert code == 1 and "may not change this tenant" in out
    as_people(event, "", "frank", on_gitlab=True)
    code, out, err = intake(checkout, event, monkeypatch, gitlab=True)
    assert (code, err) == (0, ""), out
