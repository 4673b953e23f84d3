"""A fake GitHub REST API on 127.0.0.1, for the endpoints Berth's GitHub host uses.

It serves the real webhook payload objects vendored in tests/upstream (octokit/webhooks:
the `Codertocat/Hello-World` repository, issue #1 with one comment, pull request #2) with
their URLs pointed at the fake, keeps real Git objects (SHA-1 ids computed like Git does,
so unchanged files are recognised by blob id), records every request, and can be told to
fail the next requests to a path.

`FakeServer`, the recording/failure-injecting HTTP server, is shared with fake_gitlab.py.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.support.tools import REFERENCE

# -- the generic server -------------------------------------------------------------------


@dataclass
class Request:
    """One request as the fake saw it. `path` is raw (still percent-encoded), no query."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request, re.Match[str]], Reply]


@dataclass
class _Failure:
    method: str | None
    path: re.Pattern[str]
    replies: deque[Reply]


class FakeServer:
    """ThreadingHTTPServer on a random port with a regex routing table.

    Subclasses register routes with `route`; tests read `requests` and call `fail`.
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                fake._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        # A short poll keeps `close()` (which waits for one poll) from costing 0.5 s per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern), handler))

    def fail(
        self,
        path: str,
        status: int,
        *,
        times: int = 1,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """The next `times` requests whose raw path fully matches the regex `path` (and
        `method`, if given) get `status` instead of being served."""
        reply = Reply(status, body if body is not None else {"message": f"injected {status}"})
        reply.headers = dict(headers or {})
        replies = deque(copy.deepcopy(reply) for _ in range(times))
        with self._lock:
            self._failures.append(_Failure(method, re.compile(path), replies))

    def calls(self, method: str | None = None) -> list[tuple[str, str]]:
        """(method, raw path) of every request so far, optionally of one method."""
        return [(r.method, r.path) for r in self.requests if method in (None, r.method)]

    def trace(self, start: int = 0) -> list[tuple[str, str, dict[str, str], Any]]:
        """(method, raw path, query, JSON body) of the requests from index `start` on:
        what tests compare against the exact requests they expect."""
        return [
            (r.method, r.path, {k: v[0] for k, v in r.query.items()}, r.body)
            for r in self.requests[start:]
        ]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- hooks for subclasses ---------------------------------------------------------

    def authorize(self, request: Request) -> Reply | None:
        """A reply that refuses the request, or None to serve it."""
        return None

    def not_found(self, request: Request) -> Reply:
        return Reply(404, {"message": "Not Found"})

    # -- serving ----------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        request = Request(
            method=handler.command,
            path=split.path,
            query=parse_qs(split.query),
            body=body,
            headers={k: v for k, v in handler.headers.items()},
        )
        with self._lock:
            self.requests.append(request)
            reply = self._injected(request) or self.authorize(request) or self._dispatch(request)
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(payload)

    def _injected(self, request: Request) -> Reply | None:
        for failure in self._failures:
            wanted = failure.method in (None, request.method) and failure.path.fullmatch(
                request.path
            )
            if failure.replies and wanted:
                return failure.replies.popleft()
        return None

    def _dispatch(self, request: Request) -> Reply:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                return handler(request, match)
        return self.not_found(request)


def page(request: Request, items: list[Any], *, default_per_page: int) -> Reply:
    """One page of `items` with a `Link: <...>; rel="next"` header, as both hosts do."""
    per_page = int(request.query.get("per_page", [default_per_page])[0])
    number = int(request.query.get("page", ["1"])[0])
    start = (number - 1) * per_page
    reply = Reply(200, items[start : start + per_page])
    if start + per_page < len(items):
        query = {k: v[0] for k, v in request.query.items()} | {"page": str(number + 1)}
        host = request.headers.get("Host", "")
        reply.headers["Link"] = f'<http://{host}{request.path}?{urlencode(query)}>; rel="next"'
    return reply


def load_reference(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFERENCE / relative).read_text())
    return data


# -- Git objects, hashed like Git -----------------------------------------------------------


def git_sha(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


@dataclass
class Commit:
    sha: str
    tree: str
    parents: list[str]
    message: str


class GitStore:
    """Blobs, trees and commits by SHA, and branch refs, like a bare repository."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.trees: dict[str, list[tuple[str, str, str]]] = {}  # sha -> [(mode, name, sha)]
        self.commits: dict[str, Commit] = {}
        self.refs: dict[str, str] = {}  # "refs/heads/x" -> commit sha
        self._clock = 1_557_933_565  # the reference payloads' era; +1 per commit

    def blob(self, content: bytes) -> str:
        sha = git_sha("blob", content)
        self.blobs[sha] = content
        return sha

    def write_tree(self, flat: dict[str, tuple[str, str]]) -> str:
        """Store the nested trees for path -> (mode, blob sha); return the root tree sha."""
        children: dict[str, dict[str, tuple[str, str]]] = {}
        entries: list[tuple[str, str, str]] = []
        for path, (mode, sha) in flat.items():
            head, _, rest = path.partition("/")
            if rest:
                children.setdefault(head, {})[rest] = (mode, sha)
            else:
                entries.append((mode, head, sha))
        entries += [("40000", name, self.write_tree(sub)) for name, sub in children.items()]
        # Git orders entries by name, comparing a tree's name as if it ended in "/".
        entries.sort(key=lambda e: e[1] + ("/" if e[0] == "40000" else ""))
        data = b"".join(f"{m} {n}\0".encode() + bytes.fromhex(s) for m, n, s in entries)
        sha = git_sha("tree", data)
        self.trees[sha] = entries
        return sha

    def flatten(self, tree: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        flat: dict[str, tuple[str, str]] = {}
        for mode, name, sha in self.trees[tree]:
            if mode == "40000":
                flat |= self.flatten(sha, f"{prefix}{name}/")
            else:
                flat[f"{prefix}{name}"] = (mode, sha)
        return flat

    def walk(self, tree: str, prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
        """(path, mode, type, sha) of every entry below `tree`, trees included."""
        for mode, name, sha in self.trees[tree]:
            kind = "tree" if mode == "40000" else "blob"
            yield f"{prefix}{name}", mode, kind, sha
            if kind == "tree":
                yield from self.walk(sha, f"{prefix}{name}/")

    def commit(self, tree: str, parents: list[str], message: str) -> str:
        self._clock += 1
        who = f"Codertocat <21031067+Codertocat@users.noreply.github.com> {self._clock} +0000"
        text = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
        text += f"author {who}\ncommitter {who}\n\n{message}"
        sha = git_sha("commit", text.encode())
        self.commits[sha] = Commit(sha, tree, list(parents), message)
        return sha

    def commit_files(self, branch: str, files: dict[str, bytes], message: str) -> str:
        """Test setup: commit `files` on top of `branch` (created if missing)."""
        parent = self.refs.get(f"refs/heads/{branch}")
        flat = self.flatten(self.commits[parent].tree) if parent else {}
        flat |= {path: ("100644", self.blob(content)) for path, content in files.items()}
        sha = self.commit(self.write_tree(flat), [parent] if parent else [], message)
        self.refs[f"refs/heads/{branch}"] = sha
        return sha

    def files(self, branch: str) -> dict[str, bytes]:
        tree = self.commits[self.refs[f"refs/heads/{branch}"]].tree
        return {path: self.blobs[sha] for path, (_, sha) in self.flatten(tree).items()}

    def is_ancestor(self, ancestor: str, sha: str) -> bool:
        pending = [sha]
        while pending:
            current = pending.pop()
            if current == ancestor:
                return True
            pending += self.commits[current].parents
        return False


# -- the GitHub fake --------------------------------------------------------------------------

README = b"# Hello-World\n"
CHECKOUT_TENANT = b"apiVersion: berth.dev/v1alpha1\nkind: Tenant\nmetadata:\n  name: checkout\n"


class FakeGitHub(FakeServer):
    """GitHub's REST API for one repository, served under `prefix` (GHE uses /api/v3)."""

    def __init__(self, *, token: str = "ghs_fake_token_123", prefix: str = "/api/v3") -> None:
        super().__init__()
        self.token = token
        self.prefix = prefix
        self.git = GitStore()
        # GitHub cuts recursive tree listings of huge repositories and says "truncated".
        self.truncate_trees = False
        self._load_reference()
        self._register()

    @property
    def api_url(self) -> str:
        return f"{self.url}{self.prefix}"

    # -- state from the reference payloads --------------------------------------------

    def _load_reference(self) -> None:
        hooks = "github/webhooks"
        opened_pr = self._localize(load_reference(f"{hooks}/pull_request.opened.payload.json"))
        opened_issue = self._localize(load_reference(f"{hooks}/issues.opened.payload.json"))
        commented = self._localize(load_reference(f"{hooks}/issue_comment.created.payload.json"))
        self.repository: dict[str, Any] = opened_pr["repository"]
        self.full_name: str = self.repository["full_name"]  # Codertocat/Hello-World
        self.owner: str = self.repository["owner"]["login"]
        self.default_branch: str = self.repository["default_branch"]  # master
        self.user: dict[str, Any] = commented["comment"]["user"]
        # Who the token writes as: an Actions GITHUB_TOKEN writes as the Actions bot and may
        # not read /user (403), which is what `GET /user` answers unless `me` is set.
        self.actor: dict[str, Any] = self.user | {
            "login": "github-actions[bot]",
            "id": 41898282,
            "type": "Bot",
        }
        self.me: dict[str, Any] | None = None

        master = self.git.commit_files(
            self.default_branch,
            {"README.md": README, "tenants/checkout/tenant.yaml": CHECKOUT_TENANT},
            "Initial commit",
        )
        template_pr = opened_pr["pull_request"]
        changes = self.git.commit_files(
            template_pr["head"]["ref"], {"README.md": README + b"More.\n"}, "Update README"
        )
        self._pull_template = copy.deepcopy(template_pr)
        self._issue_template = copy.deepcopy(opened_issue["issue"])
        self._comment_template = copy.deepcopy(commented["comment"])
        self._label_template = self._localize(
            load_reference(f"{hooks}/issues.labeled.payload.json")
        )["label"]

        self.issues: dict[int, dict[str, Any]] = {1: opened_issue["issue"]}
        self.pulls: dict[int, dict[str, Any]] = {}
        template_pr["head"]["sha"], template_pr["base"]["sha"] = changes, master
        self.pulls[2] = template_pr
        self.issues[2] = self._issue_for_pull(template_pr)
        self.comments: dict[int, dict[str, Any]] = {}  # id -> comment JSON
        self.reviews: dict[int, list[dict[str, Any]]] = {}  # pull number -> reviews, oldest first
        self.comment_issue: dict[int, int] = {}  # comment id -> issue number
        self.events: dict[int, list[dict[str, Any]]] = {}  # issue number -> events, oldest first
        self._store_comment(1, commented["comment"])

    def _localize(self, payload: dict[str, Any]) -> dict[str, Any]:
        # API URLs in the payloads point at api.github.com; PyGithub follows some of them.
        text = json.dumps(payload).replace("https://api.github.com", self.api_url)
        localized: dict[str, Any] = json.loads(text)
        return localized

    def _issue_for_pull(self, pull: dict[str, Any]) -> dict[str, Any]:
        """The issue view GitHub keeps of every pull request (same number)."""
        issue = _renumber(self._issue_template, 1, pull["number"])
        issue.update(title=pull["title"], body=pull["body"], state=pull["state"])
        issue["user"] = pull["user"]  # one author: the same object, as a test may change it
        issue["pull_request"] = {"url": pull["url"], "html_url": pull["html_url"]}
        return issue

    # -- helpers for tests --------------------------------------------------------------

    def add_comment(self, number: int, body: str, *, login: str | None = None) -> dict[str, Any]:
        """A comment by the token's identity (what Berth writes), or by `login`."""
        comment = copy.deepcopy(self._comment_template)
        comment["body"] = body
        comment["user"] = copy.deepcopy(
            self.actor if login is None else self.user | {"login": login}
        )
        return self._store_comment(number, comment)

    def add_review(
        self, number: int, login: str, state: str, *, commit_id: str | None = None
    ) -> dict[str, Any]:
        """A review as GitHub lists it; on the pull request's head unless `commit_id`."""
        pull = self.pulls[number]
        user = copy.deepcopy(self.user) | {"login": login, "id": 1000 + len(self.reviews)}
        reviews = self.reviews.setdefault(number, [])
        rid = 80 + sum(len(r) for r in self.reviews.values())
        review = {
            "id": rid,
            "node_id": f"PRR_{rid}",
            "user": user,
            "body": "",
            "state": state,
            "html_url": f"{pull['html_url']}#pullrequestreview-{rid}",
            "pull_request_url": pull["url"],
            "author_association": "COLLABORATOR",
            "submitted_at": "2019-05-15T15:30:00Z",
            "commit_id": commit_id or pull["head"]["sha"],
        }
        reviews.append(review)
        return review

    def label(self, number: int, name: str, login: str, *, added: bool = True) -> dict[str, Any]:
        """`login` adds (or removes) the label `name` on issue or pull request `number`: the
        event `GET /repos/{o}/{r}/issues/{n}/events` lists, as GitHub's docs show it."""
        events = self.events.setdefault(number, [])
        eid = 6430000 + sum(len(e) for e in self.events.values())
        label = copy.deepcopy(self._label_template)
        label.update(name=name, url=f"{self.api_url}/repos/{self.full_name}/labels/{name}")
        event = {
            "id": eid,
            "node_id": f"LE_{eid}",
            "url": f"{self.api_url}/repos/{self.full_name}/issues/events/{eid}",
            "actor": copy.deepcopy(self.user) | {"login": login},
            "event": "labeled" if added else "unlabeled",
            "commit_id": None,
            "commit_url": None,
            "created_at": f"2019-05-15T16:{len(events) // 60:02d}:{len(events) % 60:02d}Z",
            "label": {"name": label["name"], "color": label["color"]},
            "performed_via_github_app": None,
        }
        events.append(event)
        # The issue's own events (assigned, closed, ...) are listed too: only labels count.
        if len(events) == 1:
            events.insert(0, event | {"id": eid - 1, "event": "subscribed", "label": None})
            del events[0]["label"]
        return event

    def push(self, number: int, files: dict[str, bytes]) -> str:
        """Test setup: a new commit on the pull request's branch, which becomes its head."""
        pull = self.pulls[number]
        sha = self.git.commit_files(pull["head"]["ref"], files, "Another change")
        pull["head"]["sha"] = sha
        return sha

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for cid, c in self.comments.items() if self.comment_issue[cid] == number]

    def open_pulls(self, branch: str) -> list[dict[str, Any]]:
        return [
            p for p in self.pulls.values() if p["head"]["ref"] == branch and p["state"] == "open"
        ]

    # -- routing ------------------------------------------------------------------------

    def authorize(self, request: Request) -> Reply | None:
        sent = request.headers.get("Authorization", "")
        if sent not in (f"token {self.token}", f"Bearer {self.token}"):
            return Reply(401, {"message": "Bad credentials", "documentation_url": _DOCS})
        return None

    def not_found(self, request: Request) -> Reply:
        return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})

    def _register(self) -> None:
        repo = f"{re.escape(self.prefix)}/repos/{re.escape(self.full_name)}"
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "", self._get_repo),
            ("GET", r"/issues/(\d+)", self._get_issue),
            ("GET", r"/issues/(\d+)/comments", self._list_comments),
            ("GET", r"/issues/(\d+)/events", self._list_events),
            ("POST", r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", r"/issues/comments/(\d+)", self._edit_comment),
            ("GET", r"/git/ref/(.+)", self._get_ref),
            ("POST", r"/git/refs", self._create_ref),
            ("PATCH", r"/git/refs/(.+)", self._update_ref),
            ("GET", r"/git/commits/([0-9a-f]{40})", self._get_commit),
            ("GET", r"/git/trees/([0-9a-f]{40})", self._get_tree),
            ("POST", r"/git/blobs", self._create_blob),
            ("POST", r"/git/trees", self._create_tree),
            ("POST", r"/git/commits", self._create_commit),
            ("GET", r"/pulls", self._list_pulls),
            ("POST", r"/pulls", self._create_pull),
            ("PATCH", r"/pulls/(\d+)", self._edit_pull),
            ("GET", r"/pulls/(\d+)", self._get_pull),
            ("GET", r"/pulls/(\d+)/reviews", self._list_reviews),
        ]
        for method, pattern, handler in routes:
            self.route(method, repo + pattern, handler)
        self.route("GET", f"{re.escape(self.prefix)}/user", self._get_user)
        graphql = re.escape(self.prefix.removesuffix("/v3")) + "/graphql"
        self.route("POST", graphql, self._graphql)

    def _graphql(self, request: Request, match: re.Match[str]) -> Reply:
        """Only the mutation Berth sends: enablePullRequestAutoMerge, by the pull's node_id."""
        query = str(request.body.get("query", ""))
        given = (request.body.get("variables") or {}).get("input") or {}
        pulls = [p for p in self.pulls.values() if p["node_id"] == given.get("pullRequestId")]
        if "enablePullRequestAutoMerge" not in query or not pulls:
            error = {"type": "NOT_FOUND", "message": "Could not resolve to a node"}
            return Reply(200, {"data": None, "errors": [error]})
        pulls[0]["auto_merge"] = {"merge_method": str(given.get("mergeMethod", "")).lower()}
        actor = {"login": self.actor["login"], "avatarUrl": "", "resourcePath": "", "url": ""}
        result = {"actor": actor, "clientMutationId": None}
        return Reply(200, {"data": {"enablePullRequestAutoMerge": result}})

    def _get_user(self, request: Request, match: re.Match[str]) -> Reply:
        if self.me is None:
            message = "Resource not accessible by integration"
            return Reply(403, {"message": message, "documentation_url": _DOCS})
        return Reply(200, self.me)

    # -- issues and comments ------------------------------------------------------------

    def _get_repo(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, self.repository)

    def _get_issue(self, request: Request, match: re.Match[str]) -> Reply:
        issue = self.issues.get(int(match[1]))
        return Reply(200, issue) if issue else self.not_found(request)

    def _list_comments(self, request: Request, match: re.Match[str]) -> Reply:
        number = int(match[1])
        if number not in self.issues:
            return self.not_found(request)
        return page(request, self.comments_on(number), default_per_page=30)

    def _list_events(self, request: Request, match: re.Match[str]) -> Reply:
        number = int(match[1])
        if number not in self.issues:
            return self.not_found(request)
        return page(request, self.events.get(number, []), default_per_page=30)

    def _create_comment(self, request: Request, match: re.Match[str]) -> Reply:
        number = int(match[1])
        if number not in self.issues:
            return self.not_found(request)
        if not isinstance(request.body, dict) or not request.body.get("body"):
            return _invalid("IssueComment", "body", "missing_field")
        comment = copy.deepcopy(self._comment_template)
        comment["body"] = request.body["body"]
        comment["user"] = copy.deepcopy(self.me or self.actor)
        return Reply(201, self._store_comment(number, comment))

    def _edit_comment(self, request: Request, match: re.Match[str]) -> Reply:
        comment = self.comments.get(int(match[1]))
        if comment is None:
            return self.not_found(request)
        comment["body"] = request.body["body"]
        comment["updated_at"] = "2019-05-15T16:00:00Z"
        return Reply(200, comment)

    def _store_comment(self, number: int, comment: dict[str, Any]) -> dict[str, Any]:
        # The reference comment keeps its id; later ones count up from the highest.
        cid = max(self.comments, default=comment["id"] - 1) + 1
        issue_api = f"{self.api_url}/repos/{self.full_name}/issues"
        html = self.issues[number]["html_url"]
        comment.update(
            id=cid,
            url=f"{issue_api}/comments/{cid}",
            html_url=f"{html}#issuecomment-{cid}",
            issue_url=f"{issue_api}/{number}",
        )
        self.comments[cid] = comment
        self.comment_issue[cid] = number
        return comment

    # -- Git data -----------------------------------------------------------------------

    def _git_url(self, kind: str, name: str) -> str:
        return f"{self.api_url}/repos/{self.full_name}/git/{kind}/{name}"

    def _ref_json(self, ref: str) -> dict[str, Any]:
        sha = self.git.refs[ref]
        return {
            "ref": ref,
            "node_id": base64.b64encode(ref.encode()).decode(),
            "url": self._git_url("refs", ref.removeprefix("refs/")),
            "object": {"sha": sha, "type": "commit", "url": self._git_url("commits", sha)},
        }

    def _commit_json(self, sha: str) -> dict[str, Any]:
        commit = self.git.commits[sha]
        person = {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"}
        person["date"] = "2019-05-15T15:20:30Z"
        html = f"{self.repository['html_url']}/commit"
        return {
            "sha": sha,
            "node_id": base64.b64encode(sha.encode()).decode(),
            "url": self._git_url("commits", sha),
            "html_url": f"{html}/{sha}",
            "author": person,
            "committer": person,
            "message": commit.message,
            "tree": {"sha": commit.tree, "url": self._git_url("trees", commit.tree)},
            "parents": [
                {"sha": p, "url": self._git_url("commits", p), "html_url": f"{html}/{p}"}
                for p in commit.parents
            ],
            "verification": {"verified": False, "reason": "unsigned", "signature": None},
        }

    def _tree_json(self, sha: str, *, recursive: bool) -> dict[str, Any]:
        if recursive:
            listing = list(self.git.walk(sha))
        else:
            listing = [
                (name, mode, "tree" if mode == "40000" else "blob", s)
                for mode, name, s in self.git.trees[sha]
            ]
        entries = []
        for path, mode, kind, entry_sha in listing:
            entry: dict[str, Any] = {
                "path": path,
                "mode": mode.rjust(6, "0"),
                "type": kind,
                "sha": entry_sha,
                "url": self._git_url(f"{kind}s", entry_sha),
            }
            if kind == "blob":
                entry["size"] = len(self.git.blobs[entry_sha])
            entries.append(entry)
        return {"sha": sha, "url": self._git_url("trees", sha), "tree": entries, "truncated": False}

    def _get_ref(self, request: Request, match: re.Match[str]) -> Reply:
        ref = "refs/" + unquote(match[1])
        return Reply(200, self._ref_json(ref)) if ref in self.git.refs else self.not_found(request)

    def _create_ref(self, request: Request, match: re.Match[str]) -> Reply:
        ref, sha = request.body.get("ref", ""), request.body.get("sha", "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            return Reply(422, {"message": f"{ref} is not a valid ref name.", "status": "422"})
        if ref in self.git.refs:
            return Reply(422, {"message": "Reference already exists", "status": "422"})
        if sha not in self.git.commits:
            return Reply(422, {"message": "Object does not exist", "status": "422"})
        self.git.refs[ref] = sha
        return Reply(201, self._ref_json(ref))

    def _update_ref(self, request: Request, match: re.Match[str]) -> Reply:
        ref = "refs/" + unquote(match[1])
        sha = request.body.get("sha", "")
        if ref not in self.git.refs:
            return Reply(422, {"message": "Reference does not exist", "status": "422"})
        if sha not in self.git.commits:
            return Reply(422, {"message": "Object does not exist", "status": "422"})
        if not request.body.get("force") and not self.git.is_ancestor(self.git.refs[ref], sha):
            return Reply(422, {"message": "Update is not a fast forward", "status": "422"})
        self.git.refs[ref] = sha
        return Reply(200, self._ref_json(ref))

    def _get_commit(self, request: Request, match: re.Match[str]) -> Reply:
        if match[1] not in self.git.commits:
            return self.not_found(request)
        return Reply(200, self._commit_json(match[1]))

    def _get_tree(self, request: Request, match: re.Match[str]) -> Reply:
        if match[1] not in self.git.trees:
            return self.not_found(request)
        recursive = request.query.get("recursive", ["0"])[0] not in ("0", "false", "")
        tree = self._tree_json(match[1], recursive=recursive)
        if recursive and self.truncate_trees:
            tree.update(tree=tree["tree"][:1], truncated=True)
        return Reply(200, tree)

    def _create_blob(self, request: Request, match: re.Match[str]) -> Reply:
        content, encoding = request.body.get("content"), request.body.get("encoding", "utf-8")
        if not isinstance(content, str) or encoding not in ("utf-8", "base64"):
            return _invalid("Blob", "content", "invalid")
        data = base64.b64decode(content) if encoding == "base64" else content.encode()
        sha = self.git.blob(data)
        return Reply(201, {"sha": sha, "url": self._git_url("blobs", sha)})

    def _create_tree(self, request: Request, match: re.Match[str]) -> Reply:
        base_tree = request.body.get("base_tree")
        if base_tree is not None and base_tree not in self.git.trees:
            return Reply(404, {"message": "Not Found", "documentation_url": _DOCS})
        flat = self.git.flatten(base_tree) if base_tree else {}
        for entry in request.body.get("tree", []):
            if entry.get("sha") is None and "content" not in entry:
                flat.pop(entry["path"], None)
            elif "content" in entry:
                flat[entry["path"]] = (entry["mode"], self.git.blob(entry["content"].encode()))
            elif entry["sha"] in self.git.blobs:
                flat[entry["path"]] = (entry["mode"], entry["sha"])
            else:
                message = f"tree.sha {entry['sha']} is not a valid blob"
                return Reply(422, {"message": message, "status": "422"})
        return Reply(201, self._tree_json(self.git.write_tree(flat), recursive=False))

    def _create_commit(self, request: Request, match: re.Match[str]) -> Reply:
        tree, parents = request.body.get("tree"), request.body.get("parents", [])
        if tree not in self.git.trees or any(p not in self.git.commits for p in parents):
            return Reply(422, {"message": "Tree SHA does not exist", "status": "422"})
        sha = self.git.commit(tree, parents, request.body.get("message", ""))
        return Reply(201, self._commit_json(sha))

    # -- pull requests ------------------------------------------------------------------

    def _list_pulls(self, request: Request, match: re.Match[str]) -> Reply:
        state = request.query.get("state", ["open"])[0]
        head = request.query.get("head", [None])[0]
        found = [
            p
            for p in self.pulls.values()
            if state in ("all", p["state"]) and head in (None, p["head"]["label"])
        ]
        return page(request, found, default_per_page=30)

    def _create_pull(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.body
        head = body.get("head", "").split(":")[-1]
        base = body.get("base", "")
        head_sha = self.git.refs.get(f"refs/heads/{head}")
        base_sha = self.git.refs.get(f"refs/heads/{base}")
        if head_sha is None:
            return _invalid("PullRequest", "head", "invalid")
        if base_sha is None:
            return _invalid("PullRequest", "base", "invalid")
        if self.open_pulls(head):
            message = f"A pull request already exists for {self.owner}:{head}."
            return _invalid("PullRequest", "", "custom", message)
        if self.git.is_ancestor(head_sha, base_sha):
            return _invalid("PullRequest", "", "custom", f"No commits between {base} and {head}")
        number = max(self.issues) + 1
        pull = _renumber(self._pull_template, self._pull_template["number"], number)
        pull.update(
            id=pull["id"] + number, title=body.get("title", ""), body=body.get("body"), state="open"
        )
        pull["node_id"] = f"PR_kwDOfake{number}"
        pull["head"].update(ref=head, sha=head_sha, label=f"{self.owner}:{head}")
        pull["base"].update(ref=base, sha=base_sha, label=f"{self.owner}:{base}")
        self.pulls[number] = pull
        self.issues[number] = self._issue_for_pull(pull)
        return Reply(201, pull)

    def _get_pull(self, request: Request, match: re.Match[str]) -> Reply:
        pull = self.pulls.get(int(match[1]))
        return Reply(200, pull) if pull else self.not_found(request)

    def _list_reviews(self, request: Request, match: re.Match[str]) -> Reply:
        number = int(match[1])
        if number not in self.pulls:
            return self.not_found(request)
        return page(request, self.reviews.get(number, []), default_per_page=30)

    def _edit_pull(self, request: Request, match: re.Match[str]) -> Reply:
        pull = self.pulls.get(int(match[1]))
        if pull is None:
            return self.not_found(request)
        for key in ("title", "body", "state"):
            if key in request.body:
                pull[key] = request.body[key]
        self.issues[pull["number"]].update(title=pull["title"], body=pull["body"])
        return Reply(200, pull)


_DOCS = "https://docs.github.com/rest"


def _invalid(resource: str, field: str, code: str, message: str = "") -> Reply:
    error: dict[str, str] = {"resource": resource, "code": code}
    if field:
        error["field"] = field
    if message:
        error["message"] = message
    return Reply(
        422, {"message": "Validation Failed", "errors": [error], "documentation_url": _DOCS}
    )


def _renumber(template: dict[str, Any], old: int, new: int) -> dict[str, Any]:
    """A copy of an issue or pull request JSON whose URLs and number say `new`."""
    text = re.sub(rf"/(pulls|pull|issues)/{old}(?=[/\".#])", rf"/\g<1>/{new}", json.dumps(template))
    renumbered: dict[str, Any] = json.loads(text)
    renumbered["number"] = new
    return renumbered
