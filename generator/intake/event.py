"""The issue an intake runs for, from a GitHub `issues` or a GitLab Issue Hook payload.

Only what intake needs is taken, and only with the expected types: the rest of the payload
(which the issue author partly controls) is never looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from generator.problems import UsageError


@dataclass(frozen=True)
class IssueEvent:
    host: Literal["github", "gitlab"]
    number: int  # GitHub's issue number, GitLab's issue iid
    body: object  # the text as sent (None for an empty GitHub body); body.py judges it
    labels: tuple[str, ...]
    open: bool
    default_branch: str  # where the request's pull request goes
    pull_request: bool  # GitHub sends pull requests as issues too
    # Who stands behind the issue's text: its author and the user whose action sent this event
    # (an edit by someone else changes the request). "" when the payload does not say: GitLab
    # gives the author only as a numeric id.
    author: str = ""
    sender: str = ""


def issue_event(payload: dict[str, Any]) -> IssueEvent:
    if payload.get("object_kind") == "issue" and isinstance(payload.get("object_attributes"), dict):
        return _gitlab(payload)
    if isinstance(payload.get("issue"), dict):
        return _github(payload)
    raise UsageError(
        "the event payload is not an issue event (GitHub `issues` or GitLab Issue Hook)"
    )


def _github(payload: dict[str, Any]) -> IssueEvent:
    issue = payload["issue"]
    repository = payload.get("repository")
    return IssueEvent(
        host="github",
        number=_number(issue.get("number")),
        body=issue.get("body"),
        labels=_names(issue.get("labels"), "name"),
        open=issue.get("state") == "open",
        default_branch=_branch(repository),
        pull_request=isinstance(issue.get("pull_request"), dict),
        author=_login(issue.get("user"), "login"),
        sender=_login(payload.get("sender"), "login"),
    )


def _gitlab(payload: dict[str, Any]) -> IssueEvent:
    issue = payload["object_attributes"]
    labels = payload.get("labels")
    return IssueEvent(
        host="gitlab",
        number=_number(issue.get("iid")),
        body=issue.get("description"),
        labels=_names(labels if isinstance(labels, list) else issue.get("labels"), "title"),
        open=issue.get("state") == "opened",
        default_branch=_branch(payload.get("project")),
        pull_request=False,
        sender=_login(payload.get("user"), "username"),
    )


def _login(user: Any, key: str) -> str:
    name = user.get(key) if isinstance(user, dict) else None
    return name if isinstance(name, str) else ""


def _number(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise UsageError("the event payload names no issue number")


def _names(labels: Any, key: str) -> tuple[str, ...]:
    if not isinstance(labels, list):
        return ()
    return tuple(
        label[key]
        for label in labels
        if isinstance(label, dict) and isinstance(label.get(key), str)
    )


def _branch(repository: Any) -> str:
    branch = repository.get("default_branch") if isinstance(repository, dict) else None
    if not isinstance(branch, str) or not branch:
        raise UsageError("the event payload names no default branch for the pull request")
    return branch
