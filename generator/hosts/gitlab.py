"""GitLab (gitlab.com or self-managed) through python-gitlab.

Comments are notes: on merge requests for `kind="pull"`, on issues for `kind="issue"`
(GitLab numbers the two separately). Files are proposed with the commits API, whose
`actions` put many files in one commit and whose `start_branch` creates the branch in the
same request.

Tokens: `CI_JOB_TOKEN` can read the project but cannot write notes, commits or merge
requests, so a real run needs a project access token (role Developer, scope `api`) in the
CI/CD variable `BERTH_GITLAB_TOKEN`. With only the job token, writes fail with HTTP 403 and
the error says so.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import gitlab
import requests
from gitlab.exceptions import GitlabError
from gitlab.v4.objects import Project

from generator.hosts.base import (
    GitHostError,
    Kind,
    LabelEvent,
    LabelHistory,
    Reviews,
    check_proposal,
    git_blob_sha,
    hidden_marker,
    noun,
    unreachable,
    with_marker,
)
from generator.hosts.retry import WaitBudget, transport_retry
from generator.hosts.secret import Secret

TokenKind = Literal["private", "job"]
_TIMEOUT = 30.0


class _TransportRetriedGitlab(gitlab.Gitlab):
    """python-gitlab with its own retry loop switched off: the session's urllib3 Retry
    (retry.py) already retried with a capped budget, and python-gitlab would otherwise
    sleep again on the 429 it finally gets, uncapped."""

    def http_request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["obey_rate_limit"] = False
        kwargs["retry_transient_errors"] = False
        return super().http_request(*args, **kwargs)


class GitLabHost:
    """A GitLab project (numeric id or `group/name`) behind `api_url` (`.../api/v4`)."""

    def __init__(
        self,
        *,
        api_url: str,
        project: str,
        token: Secret,
        token_kind: TokenKind = "private",
        budget: WaitBudget | None = None,
    ) -> None:
        # python-gitlab wants the instance URL and appends /api/v4 itself.
        self.url = api_url.rstrip("/").removesuffix("/api/v4")
        self.project = project
        self._token = token
        self._token_kind: TokenKind = token_kind
        self._budget = budget or WaitBudget()
        self._login: str | None = None

    def describe(self) -> str:
        via = "CI_JOB_TOKEN" if self._token_kind == "job" else "a project access token"
        return f"GitLab project {self.project} at {self.url} (via {via})"

    def __repr__(self) -> str:
        return f"GitLabHost({self.describe()!r})"

    # -- operations -------------------------------------------------------------------

    def upsert_comment(self, kind: Kind, number: int, body: str, *, marker: str) -> str:
        tag = hidden_marker(marker)
        text = with_marker(body, tag)
        target = noun(kind, number, gitlab=True)
        with self._client() as gl:
            with self._failure(f"reading the notes of {target}"):
                project = self._project(gl)
                owner = (project.mergerequests if kind == "pull" else project.issues).get(number)
                marked = [
                    n
                    for n in owner.notes.list(iterator=True, per_page=100)
                    if not n.system and tag in (n.body or "")  # system notes are GitLab's
                ]
                # Anyone can paste the marker into a note: ours is the one we wrote.
                me = self._me(gl) if marked else None
                existing = next((n for n in marked if me is None or _author(n) == me), None)
            if existing is None:
                with self._failure(f"commenting on {target}"):
                    note = owner.notes.create({"body": text})
            else:
                note = existing
                if note.body != text:
                    with self._failure(f"updating note {note.id} on {target}"):
                        note.body = text
                        note.save()
            # Notes have no URL of their own in the API; this anchor is what GitLab links.
            return f"{owner.web_url}#note_{note.id}"

    def upsert_pull_request(
        self,
        *,
        branch: str,
        base: str,
        title: str,
        body: str,
        files: dict[str, bytes],
        message: str,
        deleted: tuple[str, ...] = (),
    ) -> str:
        check_proposal(branch, base, files, deleted)
        with self._client() as gl:
            with self._failure(f"reading the branch {branch!r}"):
                project = self._project(gl)
                existing = _branch(project, branch)
                start = _branch(project, base)
                if start is None:
                    raise GitHostError(
                        f"GitLab: the base branch {base!r} does not exist in project {self.project}"
                    )
            with self._failure(f"committing to the branch {branch!r}"):
                # Always rebuilt from the base: one commit of `files` on the base's head
                # (`force` replaces the branch), so nothing anyone else pushed to the branch
                # survives into the merge request.
                actions = _actions(project, base, files, deleted)
                if not actions:
                    raise GitHostError(
                        f"GitLab: nothing to propose on project {self.project}: the files"
                        f" ({', '.join(sorted(files)) or 'none given'}) already match {base!r}"
                    )
                if existing is None or not _current(project, existing, start, base, files, deleted):
                    data: dict[str, Any] = {
                        "branch": branch,
                        "start_branch": base,
                        "commit_message": message,
                        "actions": actions,
                    }
                    if existing is not None:
                        data["force"] = True
                    project.commits.create(data)
            with self._failure(f"opening the merge request from {branch!r} to {base!r}"):
                found = project.mergerequests.list(
                    source_branch=branch, state="opened", get_all=True
                )
                if not found:
                    request = project.mergerequests.create(
                        {
                            "source_branch": branch,
                            "target_branch": base,
                            "title": title,
                            "description": body,
                            "remove_source_branch": True,
                        }
                    )
                    return str(request.web_url)
                request = found[0]
                if (request.title, request.description or "") != (title, body):
                    request.title = title
                    request.description = body
                    request.save()
                return str(request.web_url)

    def close_pull_request(self, *, branch: str, comment: str) -> str | None:
        with self._client() as gl, self._failure(f"closing the merge request from {branch!r}"):
            project = self._project(gl)
            found = project.mergerequests.list(source_branch=branch, state="opened", get_all=True)
            if not found:
                return None
            request = found[0]
            request.notes.create({"body": comment})
            request.state_event = "close"
            request.save()
            return str(request.web_url)

    def enable_auto_merge(self, *, branch: str) -> str:
        action = f"setting the merge request from {branch!r} to merge when the pipeline succeeds"
        with self._client() as gl, self._failure(action):
            project = self._project(gl)
            found = project.mergerequests.list(source_branch=branch, state="opened", get_all=True)
            if not found:
                raise GitHostError(f"GitLab: no open merge request from {branch!r}")
            found[0].merge(merge_when_pipeline_succeeds=True)
            return str(found[0].web_url)

    def reviews(self, number: int) -> Reviews:
        action = f"reading the approvals of merge request !{number}"
        with self._client() as gl, self._failure(action):
            request = self._project(gl).mergerequests.get(number)
            approvals = request.approvals.get()
        users = [entry.get("user") for entry in approvals.approved_by or []]
        approvers = frozenset(
            str(user["username"]).lower()
            for user in users
            if isinstance(user, dict) and user.get("username")
        )
        author = request.author.get("username", "") if isinstance(request.author, dict) else ""
        return Reviews(author=str(author), head_sha=str(request.sha), approvers=approvers)

    def label_history(self, number: int) -> LabelHistory:
        # GET /projects/:id/merge_requests/:iid/resource_label_events
        action = f"reading the label events of merge request !{number}"
        with self._client() as gl, self._failure(action):
            request = self._project(gl).mergerequests.get(number)
            listed = request.resourcelabelevents.list(iterator=True, per_page=100)
            found = [
                (str(e.created_at), int(e.id), event)
                for e in listed
                if (event := _label_event(e.attributes)) is not None
            ]
        found.sort(key=lambda item: (item[0], item[1]))
        author = request.author.get("username", "") if isinstance(request.author, dict) else ""
        return LabelHistory(str(author).lower(), tuple(event for _, _, event in found))

    # -- helpers ----------------------------------------------------------------------

    def _client(self) -> gitlab.Gitlab:
        # One client per operation, closed by `with`: no sockets outlive the call.
        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(
            max_retries=transport_retry(self._budget, github=False)
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        token = self._token.reveal()
        job = self._token_kind == "job"
        return _TransportRetriedGitlab(
            self.url,
            private_token=None if job else token,
            job_token=token if job else None,
            timeout=_TIMEOUT,
            user_agent="berth-githost",
            session=session,
        )

    def _me(self, gl: gitlab.Gitlab) -> str | None:
        """The username notes are written as (lower case); None for a job token, which
        cannot ask (and cannot write notes either)."""
        if self._token_kind == "job":
            return None
        if self._login is None:
            user = gl.http_get("/user")
            name = user.get("username", "") if isinstance(user, dict) else ""
            self._login = str(name).lower()
        return self._login

    def _project(self, gl: gitlab.Gitlab) -> Project:
        return gl.projects.get(self.project)

    @contextmanager
    def _failure(self, action: str) -> Iterator[None]:
        """Turn library and transport errors into one `GitHostError` with a full message."""
        try:
            yield
        except GitlabError as exc:
            text = _explain(self.project, action, exc, job_token=self._token_kind == "job")
            raise GitHostError(self._token.scrub(text)) from None
        except requests.RequestException as exc:
            text = unreachable("GitLab", action, self.url, exc)
            raise GitHostError(self._token.scrub(text)) from None


def _label_event(data: dict[str, Any]) -> LabelEvent | None:
    """An add or remove of a label that still exists (a deleted label has `label: null`)."""
    label, user = data.get("label"), data.get("user")
    if not isinstance(label, dict) or data.get("action") not in ("add", "remove"):
        return None
    actor = str(user.get("username", "")).lower() if isinstance(user, dict) else ""
    return LabelEvent(str(label.get("name", "")), data["action"] == "add", actor)


def _author(note: Any) -> str:
    author = getattr(note, "author", None)
    return str(author.get("username", "")).lower() if isinstance(author, dict) else ""


def _branch(project: Project, branch: str) -> Any:
    """The branch (with its head `commit`), or None if there is none of that name."""
    try:
        return project.branches.get(branch)
    except GitlabError as exc:
        if exc.response_code == 404:
            return None
        raise


def _current(
    project: Project,
    existing: Any,
    start: Any,
    base: str,
    files: dict[str, bytes],
    deleted: tuple[str, ...],
) -> bool:
    """The branch is already exactly one commit of `files` (and `deleted`) on the base's head."""
    if existing.commit.get("parent_ids") != [start.commit["id"]]:
        return False
    compare = project.repository_compare(base, existing.name)
    diffs = compare.get("diffs", []) if isinstance(compare, dict) else []
    changed = {d.get("new_path") for d in diffs} | {d.get("old_path") for d in diffs}
    wanted = set(files) | set(deleted)
    return changed <= wanted and not _actions(project, existing.name, files, deleted)


def _actions(
    project: Project, ref: str, files: dict[str, bytes], deleted: tuple[str, ...] = ()
) -> list[dict[str, str]]:
    """Commit actions for the files whose content differs on `ref`, and for the `deleted`
    ones that `ref` has."""
    actions = []
    for path in sorted(deleted):
        try:
            project.files.get(file_path=path, ref=ref)
        except GitlabError as exc:
            if exc.response_code != 404:
                raise
            continue
        actions.append({"action": "delete", "file_path": path})
    for path, content in sorted(files.items()):
        try:
            current = project.files.get(file_path=path, ref=ref)
        except GitlabError as exc:
            if exc.response_code != 404:
                raise
            action = "create"
        else:
            if current.blob_id == git_blob_sha(content):
                continue
            action = "update"
        actions.append(
            {
                "action": action,
                "file_path": path,
                # base64: the contents may be any bytes, not only UTF-8 text.
                "encoding": "base64",
                "content": base64.b64encode(content).decode("ascii"),
            }
        )
    return actions


def _explain(project: str, action: str, exc: GitlabError, *, job_token: bool) -> str:
    status = exc.response_code
    said = exc.error_message
    if isinstance(said, list):
        said = "; ".join(str(s) for s in said)
    elif isinstance(said, dict):
        said = "; ".join(f"{k} {v}" for k, v in said.items())
    text = f"GitLab: {action} in project {project} failed"
    text += f": HTTP {status}" if status else ""
    text += f": {str(said).rstrip('.')}" if said else ""
    hint = _hint(status, job_token=job_token)
    return f"{text}. {hint}" if hint else text


def _hint(status: int | None, *, job_token: bool) -> str:
    if status in (401, 403) and job_token:
        return (
            "CI_JOB_TOKEN cannot write notes, commits or merge requests: set the CI/CD"
            " variable BERTH_GITLAB_TOKEN to a project access token (role Developer, scope api)."
        )
    if status == 401:
        return "The token was rejected (BERTH_GITLAB_TOKEN expired or wrong)."
    if status == 403:
        return "The token may not do this: it needs the api scope and the Developer role."
    if status == 404:
        return "It does not exist, or the token cannot see it."
    if status == 429:
        return "Rate limited by GitLab; gave up after retrying within the wait budget."
    return ""
