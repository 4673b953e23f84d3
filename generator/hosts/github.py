"""GitHub and GitHub Enterprise Server through PyGithub.

Enterprise needs nothing but the API base URL (`GITHUB_API_URL`, e.g.
`https://ghe.example.com/api/v3`), which Actions sets on both.

Files are proposed through the Git Data API (blobs, one tree, one commit, one ref update)
rather than the contents API, which would make one commit per file.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
from github import Auth, Github, GithubException, UnknownObjectException
from github.GitCommit import GitCommit
from github.GitRef import GitRef
from github.InputGitTreeElement import InputGitTreeElement
from github.IssueComment import IssueComment
from github.IssueEvent import IssueEvent
from github.Repository import Repository

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

DEFAULT_API_URL = "https://api.github.com"
ACTIONS_BOT = "github-actions[bot]"
_FILE_MODE = "100644"
_TIMEOUT = 30  # seconds per request; PyGithub wants an int
# Review states that replace a user's earlier verdict (a dismissal withdraws an approval).
_DECIDING = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
_LABEL_EVENTS = frozenset({"labeled", "unlabeled"})


class GitHubHost:
    """A GitHub repository (`owner/name`) reached at `api_url` with a token."""

    def __init__(
        self,
        *,
        repository: str,
        token: Secret,
        api_url: str = DEFAULT_API_URL,
        budget: WaitBudget | None = None,
        throttle: bool = True,
    ) -> None:
        if repository.count("/") != 1:
            # A configuration error the user must fix: reported like any host error.
            raise GitHostError(f"GITHUB_REPOSITORY must look like owner/name, not {repository!r}")
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        self._token = token
        self._budget = budget or WaitBudget()
        # PyGithub spaces requests (0.25 s) and writes (1 s) as GitHub advises against
        # secondary rate limits; tests turn that off to stay fast.
        self._throttle = throttle
        self._login: str | None = None

    def describe(self) -> str:
        return f"GitHub repository {self.repository} at {self.api_url}"

    def __repr__(self) -> str:
        return f"GitHubHost({self.describe()!r})"

    # -- operations -------------------------------------------------------------------

    def upsert_comment(self, kind: Kind, number: int, body: str, *, marker: str) -> str:
        # Pull requests are issues to this API: one comments endpoint serves both kinds.
        tag = hidden_marker(marker)
        text = with_marker(body, tag)
        target = noun(kind, number)
        with self._client() as gh:
            with self._failure(f"reading the comments of {target}"):
                issue = self._repo(gh).get_issue(number)
                marked = [c for c in issue.get_comments() if tag in (c.body or "")]
            with self._failure("reading which user the token writes as"):
                # Anyone can paste the marker into a comment: ours is the one we wrote.
                me = self._me(gh) if marked else ""
                existing = next((c for c in marked if _login(c) == me), None)
            if existing is None:
                with self._failure(f"commenting on {target}"):
                    return issue.create_comment(text).html_url
            if existing.body != text:
                with self._failure(f"updating comment {existing.id} on {target}"):
                    existing.edit(text)
            return existing.html_url

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
        with self._client() as gh:
            repo = self._repo(gh)
            with self._failure(f"reading the base branch {base!r}"):
                base_sha = repo.get_git_ref(f"heads/{base}").object.sha
            with self._failure(f"reading the branch {branch!r}"):
                branch_ref = _ref_or_none(repo, branch)
            with self._failure(f"committing to the branch {branch!r}"):
                # Always rebuilt from the base: one commit of `files` on the base's head, so
                # nothing anyone else pushed to the branch survives into the pull request.
                start = repo.get_git_commit(base_sha)
                listed = self._listing(repo, start.tree.sha)
                current = branch_ref is not None and self._current(
                    repo, branch_ref, start, listed, files, deleted
                )
                if current:
                    commit = None
                else:
                    changed = self._changed(listed, files, deleted)
                    commit = self._commit(repo, start, changed, message)
                    if commit is None:
                        raise GitHostError(
                            f"GitHub: nothing to propose on {self.repository}: the files"
                            f" ({', '.join(sorted(files)) or 'none given'}) already match {base!r}"
                        )
                    if branch_ref is None:
                        repo.create_git_ref(f"refs/heads/{branch}", commit.sha)
                    else:
                        branch_ref.edit(commit.sha, force=True)
            with self._failure(f"opening the pull request from {branch!r} to {base!r}"):
                owner = self.repository.split("/")[0]
                pull = next(iter(repo.get_pulls(state="open", head=f"{owner}:{branch}")), None)
                if pull is None:
                    return repo.create_pull(base=base, head=branch, title=title, body=body).html_url
                if (pull.title, pull.body or "") != (title, body):
                    pull.edit(title=title, body=body)
                return pull.html_url

    def close_pull_request(self, *, branch: str, comment: str) -> str | None:
        with self._client() as gh:
            repo = self._repo(gh)
            with self._failure(f"closing the pull request from {branch!r}"):
                owner = self.repository.split("/")[0]
                pull = next(iter(repo.get_pulls(state="open", head=f"{owner}:{branch}")), None)
                if pull is None:
                    return None
                pull.create_issue_comment(comment)
                pull.edit(state="closed")
                return pull.html_url

    def enable_auto_merge(self, *, branch: str) -> str:
        with self._client() as gh:
            repo = self._repo(gh)
            with self._failure(f"enabling auto-merge on the pull request from {branch!r}"):
                owner = self.repository.split("/")[0]
                pull = next(iter(repo.get_pulls(state="open", head=f"{owner}:{branch}")), None)
                if pull is None:
                    raise GitHostError(f"GitHub: no open pull request from {branch!r}")
                # GraphQL only; the repository must allow auto-merge and squash merges.
                pull.enable_automerge(merge_method="SQUASH")
                return pull.html_url

    def reviews(self, number: int) -> Reviews:
        action = f"reading the reviews of pull request #{number}"
        with self._client() as gh, self._failure(action):
            pull = self._repo(gh).get_pull(number)
            head = pull.head.sha
            latest: dict[str, tuple[str, str]] = {}
            for review in pull.get_reviews():  # oldest first
                # COMMENTED and PENDING reviews neither give nor take an approval.
                if review.user is not None and review.state in _DECIDING:
                    latest[review.user.login.lower()] = (review.state, review.commit_id)
            author = pull.user.login if pull.user is not None else ""
        approvers = frozenset(
            user
            for user, (state, commit) in latest.items()
            if state == "APPROVED" and commit == head
        )
        return Reviews(author=author, head_sha=head, approvers=approvers)

    def label_history(self, number: int) -> LabelHistory:
        # GET /repos/{o}/{r}/issues/{n}/events: a pull request's label events (and author) are
        # its issue's, so the token needs `issues: read` only.
        action = f"reading the label events of pull request #{number}"
        with self._client() as gh, self._failure(action):
            issue = self._repo(gh).get_issue(number)
            author = issue.user.login.lower() if issue.user is not None else ""
            found = [
                (e.created_at, e.id, _label_event(e))
                for e in issue.get_events()
                if e.event in _LABEL_EVENTS  # only these carry `label`: no lazy fetch
            ]
        found.sort(key=lambda item: (item[0], item[1]))
        return LabelHistory(author, tuple(event for _, _, event in found))

    # -- helpers ----------------------------------------------------------------------

    def _client(self) -> Github:
        # One client per operation, closed by `with`: no sockets outlive the call.
        delays: dict[str, Any] = {}
        if not self._throttle:
            delays = {"seconds_between_requests": None, "seconds_between_writes": None}
        return Github(
            auth=Auth.Token(self._token.reveal()),
            base_url=self.api_url,
            timeout=_TIMEOUT,
            user_agent="berth-githost",
            per_page=100,
            retry=transport_retry(self._budget, github=True),
            **delays,
        )

    def _me(self, gh: Github) -> str:
        """The login comments are written as (lower case)."""
        if self._login is None:
            try:
                self._login = gh.get_user().login.lower()
            except GithubException as exc:
                if exc.status != 403:
                    raise
                # An Actions GITHUB_TOKEN (an app installation token) may not read /user;
                # what it writes is signed by the Actions app's bot user.
                self._login = ACTIONS_BOT
        return self._login

    def _repo(self, gh: Github) -> Repository:
        with self._failure(f"opening the repository {self.repository}"):
            return gh.get_repo(self.repository)

    def _listing(self, repo: Repository, tree_sha: str) -> dict[str, tuple[str, str]] | None:
        """path -> (mode, blob sha) of every blob below a tree; None if GitHub truncated it."""
        tree = repo.get_git_tree(tree_sha, recursive=True)
        if tree.raw_data.get("truncated"):
            return None
        return {e.path: (e.mode, e.sha) for e in tree.tree if e.type == "blob"}

    def _current(
        self,
        repo: Repository,
        branch_ref: GitRef,
        start: GitCommit,
        listed: dict[str, tuple[str, str]] | None,
        files: dict[str, bytes],
        deleted: tuple[str, ...],
    ) -> bool:
        """The branch is already exactly one commit of `files` (and `deleted`) on the base's head."""
        head = repo.get_git_commit(branch_ref.object.sha)
        if listed is None or [p.sha for p in head.parents] != [start.sha]:
            return False
        wanted = {
            p: (listed.get(p, (_FILE_MODE, ""))[0], git_blob_sha(c)) for p, c in files.items()
        }
        expected = {p: e for p, e in (listed | wanted).items() if p not in deleted}
        return self._listing(repo, head.tree.sha) == expected

    @staticmethod
    def _changed(
        listed: dict[str, tuple[str, str]] | None,
        files: dict[str, bytes],
        deleted: tuple[str, ...] = (),
    ) -> dict[str, tuple[str, bytes | None]]:
        """path -> (mode, content) for the files that differ from the listing; content None
        for a file to delete."""
        # A truncated listing (huge trees) cannot prove a file unchanged: propose them all;
        # `_commit` then notices if the resulting tree is the one we started from.
        changed: dict[str, tuple[str, bytes | None]] = {}
        for path, content in sorted(files.items()):
            mode, sha = (listed or {}).get(path, (_FILE_MODE, ""))
            if sha != git_blob_sha(content):
                changed[path] = (mode, content)
        for path in sorted(deleted):
            # A tree entry with a null sha deletes the path; one that is not there would be
            # refused (422), so only paths the listing has, or all after a truncated one.
            if listed is None or path in listed:
                changed[path] = ((listed or {}).get(path, (_FILE_MODE, ""))[0], None)
        return changed

    def _commit(
        self,
        repo: Repository,
        head: GitCommit,
        changed: dict[str, tuple[str, bytes | None]],
        message: str,
    ) -> GitCommit | None:
        """One commit on `head` with the `changed` files; None if the tree stays the same."""
        if not changed:
            return None
        elements = []
        for path, (mode, content) in changed.items():
            if content is None:
                elements.append(InputGitTreeElement(path, mode, "blob", sha=None))
                continue
            # base64 blobs: the contents may be any bytes, not only UTF-8 text.
            blob = repo.create_git_blob(base64.b64encode(content).decode("ascii"), "base64")
            elements.append(InputGitTreeElement(path, mode, "blob", sha=blob.sha))
        tree = repo.create_git_tree(elements, base_tree=head.tree)
        if tree.sha == head.tree.sha:
            return None  # after a truncated listing, "changed" files may have been equal
        return repo.create_git_commit(message, tree, [head])

    @contextmanager
    def _failure(self, action: str) -> Iterator[None]:
        """Turn library and transport errors into one `GitHostError` with a full message."""
        try:
            yield
        except GithubException as exc:
            raise GitHostError(self._token.scrub(_explain(self.repository, action, exc))) from None
        except requests.RequestException as exc:
            text = unreachable("GitHub", action, self.api_url, exc)
            raise GitHostError(self._token.scrub(text)) from None


def _label_event(event: IssueEvent) -> LabelEvent:
    actor = event.actor.login.lower() if event.actor is not None else ""
    return LabelEvent(event.label.name, event.event == "labeled", actor)


def _login(comment: IssueComment) -> str:
    return comment.user.login.lower() if comment.user is not None else ""


def _ref_or_none(repo: Repository, branch: str) -> GitRef | None:
    try:
        # The GET happens here or, for a lazy client, at `.object`: cover both.
        ref = repo.get_git_ref(f"heads/{branch}")
        _ = ref.object.sha
    except UnknownObjectException:
        return None
    return ref


def _explain(repository: str, action: str, exc: GithubException) -> str:
    status = exc.status
    data = exc.data
    said = ""
    if isinstance(data, dict):
        said = str(data.get("message") or "")
        details = [
            str(e.get("message") or e.get("code") or "") if isinstance(e, dict) else str(e)
            for e in data.get("errors") or []
        ]
        if any(details):
            said = f"{said} ({'; '.join(d for d in details if d)})"
    elif data:
        said = str(data)
    text = f"GitHub: {action} in {repository} failed: HTTP {status}"
    if said:
        text += f": {said.rstrip('.')}"
    hint = _hint(status, {k.lower(): v for k, v in (exc.headers or {}).items()})
    return f"{text}. {hint}" if hint else text


def _hint(status: int, headers: dict[str, str]) -> str:
    used_up = headers.get("x-ratelimit-remaining") == "0"
    if status == 429 or (status == 403 and ("retry-after" in headers or used_up)):
        reset = headers.get("x-ratelimit-reset", "")
        if used_up and reset.isdigit():
            when = datetime.fromtimestamp(int(reset), UTC).strftime("%H:%M:%S UTC")
            return (
                f"The token's GitHub rate limit is used up until {when}; waiting that long"
                " would exceed the retry budget."
            )
        if "retry-after" in headers:
            return (
                f"Rate limited by GitHub (Retry-After: {headers['retry-after']}s); gave up"
                " after retrying within the wait budget."
            )
        return "Rate limited by GitHub; gave up after retrying within the wait budget."
    if status == 401:
        return "The token was rejected (GITHUB_TOKEN expired or wrong)."
    if status == 403:
        return (
            "The token may not do this: give the workflow `permissions:` contents: write,"
            " pull-requests: write, issues: write."
        )
    if status == 404:
        return "It does not exist, or the token cannot see it."
    return ""
