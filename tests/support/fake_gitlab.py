"""A fake GitLab REST API (v4) on 127.0.0.1, for the endpoints Berth's GitLab host uses.

Its project (`gitlab-org/gitlab-test`, id 5), merge request !1, issue #17 and their first
notes come from the GitLab documentation's note-event payloads vendored in tests/upstream.
Repository content is kept as real Git objects (`GitStore` from fake_github), so
`blob_id` is what GitLab would report. Like GitLab, it accepts `PRIVATE-TOKEN` for
everything but `JOB-TOKEN` only for reads.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from typing import Any
from urllib.parse import unquote

from tests.support.fake_github import FakeServer, GitStore, Reply, Request, load_reference, page

README = b"# Gitlab Test\n"
CHECKOUT_TENANT = b"apiVersion: berth.dev/v1alpha1\nkind: Tenant\nmetadata:\n  name: checkout\n"
_WHEN = "2015-05-17T18:21:36.000Z"


class FakeGitLab(FakeServer):
    def __init__(self, *, token: str = "glpat-fake-token-123", job_token: str = "") -> None:
        super().__init__()
        self.token = token
        self.job_token = job_token
        self.git = GitStore()
        self._load_reference()
        self._register()

    @property
    def api_url(self) -> str:
        """What GitLab CI puts in CI_API_V4_URL."""
        return f"{self.url}/api/v4"

    # -- state from the reference payloads --------------------------------------------

    def _load_reference(self) -> None:
        docs = "gitlab/docs-webhook-events"
        on_mr = load_reference(f"{docs}/note_event.merge_request.json")
        on_issue = load_reference(f"{docs}/note_event.issue.json")
        project = on_mr["project"]  # webhook shape; add the REST fields it lacks
        namespace, _, path = project["path_with_namespace"].partition("/")
        project.update(
            path=path,
            name_with_namespace=f"{project['namespace']} / {project['name']}",
            namespace={"name": project["namespace"], "path": namespace, "full_path": namespace},
            http_url_to_repo=project["git_http_url"],
        )
        self.project: dict[str, Any] = project
        self.project_id: int = project["id"]  # 5
        self.default_branch: str = project["default_branch"]  # master
        user = on_mr["user"]
        self.user: dict[str, Any] = {
            key: user[key] for key in ("id", "name", "username", "avatar_url")
        } | {"state": "active", "web_url": f"http://example.com/{user['username']}"}

        self.git.commit_files(
            self.default_branch,
            {"README.md": README, "tenants/checkout/tenant.yaml": CHECKOUT_TENANT},
            "Initial commit",
        )
        merge_request = on_mr["merge_request"]
        self.git.commit_files(merge_request["target_branch"], {"README.md": README}, "Markdown")
        self.merge_requests: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}
        self._mr_template = copy.deepcopy(merge_request)
        self._store_mr(merge_request)
        issue = on_issue["issue"]
        issue.update(
            web_url=f"{project['web_url']}/-/issues/{issue['iid']}", author=self.user, type="ISSUE"
        )
        self.issues[issue["iid"]] = issue
        # (kind, iid) -> notes, kind being "merge_requests" or "issues" as in the URL
        self.notes: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.approvals: dict[int, list[str]] = {}  # merge request iid -> usernames
        self.label_events: dict[int, list[dict[str, Any]]] = {}  # merge request iid -> events
        self._note_id = 1240
        for kind, event in (("merge_requests", on_mr), ("issues", on_issue)):
            attributes = event["object_attributes"]
            iid = event["merge_request" if kind == "merge_requests" else "issue"]["iid"]
            note = self.add_note(kind, iid, attributes["note"])
            note.update(id=attributes["id"], noteable_id=attributes["noteable_id"])
        self.add_note("merge_requests", 1, "added 1 commit", system=True)

    def _store_mr(self, request: dict[str, Any]) -> dict[str, Any]:
        request.update(
            web_url=f"{self.project['web_url']}/-/merge_requests/{request['iid']}",
            project_id=self.project_id,
            author=self.user,
            sha=self.git.refs.get(f"refs/heads/{request['source_branch']}"),
        )
        self.merge_requests[request["iid"]] = request
        return request

    # -- helpers for tests --------------------------------------------------------------

    def add_note(
        self, kind: str, iid: int, body: str, *, system: bool = False, author: str | None = None
    ) -> dict[str, Any]:
        """A note by the token's user (what Berth writes), or by `author` (anyone else)."""
        ids = [n["id"] for notes in self.notes.values() for n in notes]
        self._note_id = max([self._note_id, *ids]) + 1
        owner = (self.merge_requests if kind == "merge_requests" else self.issues)[iid]
        note = {
            "id": self._note_id,
            "type": None,
            "body": body,
            "attachment": None,
            "author": self.user if author is None else self.user | {"username": author},
            "created_at": _WHEN,
            "updated_at": _WHEN,
            "system": system,
            "noteable_id": owner["id"],
            "noteable_type": "MergeRequest" if kind == "merge_requests" else "Issue",
            "noteable_iid": iid,
            "project_id": self.project_id,
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }
        self.notes.setdefault((kind, iid), []).append(note)
        return note

    def approve(self, iid: int, username: str) -> None:
        self.approvals.setdefault(iid, []).append(username)

    def label(self, iid: int, name: str, username: str, *, added: bool = True) -> dict[str, Any]:
        """`username` adds (or removes) the label `name` on merge request `iid`: the event
        `GET /projects/:id/merge_requests/:iid/resource_label_events` lists, as GitLab's docs
        show it."""
        events = self.label_events.setdefault(iid, [])
        eid = 142 + sum(len(e) for e in self.label_events.values())
        user = self.user | {"id": 100 + eid, "username": username, "name": username.title()}
        event = {
            "id": eid,
            "user": user,
            "created_at": f"2018-08-20T13:{len(events) // 60:02d}:{len(events) % 60:02d}.077Z",
            "resource_type": "MergeRequest",
            "resource_id": self.merge_requests[iid]["id"],
            "label": {"id": 73, "name": name, "color": "#34495E", "description": ""},
            "action": "add" if added else "remove",
        }
        events.append(event)
        return event

    def push(self, iid: int, files: dict[str, bytes], *, reset_approvals: bool = True) -> str:
        """Test setup: a commit on the merge request's source branch; GitLab's "reset
        approvals on push" setting drops the approvals."""
        request = self.merge_requests[iid]
        sha = self.git.commit_files(request["source_branch"], files, "Another change")
        request["sha"] = sha
        if reset_approvals:
            self.approvals.pop(iid, None)
        return sha

    def open_merge_requests(self, branch: str) -> list[dict[str, Any]]:
        return [
            mr
            for mr in self.merge_requests.values()
            if mr["source_branch"] == branch and mr["state"] == "opened"
        ]

    # -- routing ------------------------------------------------------------------------

    def authorize(self, request: Request) -> Reply | None:
        # Header names are case-insensitive (urllib sends `Private-token`).
        headers = {k.lower(): v for k, v in request.headers.items()}
        if self.token and headers.get("private-token") == self.token:
            return None
        if self.job_token and headers.get("job-token") == self.job_token:
            if request.method in ("GET", "HEAD"):
                return None
            return Reply(403, {"message": "403 Forbidden"})  # what GitLab says to job tokens
        return Reply(401, {"message": "401 Unauthorized"})

    def not_found(self, request: Request) -> Reply:
        return Reply(404, {"message": "404 Not found"})

    def _register(self) -> None:
        ids = f"(?:{self.project_id}|{re.escape(self.project['path_with_namespace'])})"
        ids = ids.replace("/", "%2F")
        project = f"/api/v4/projects/{ids}"
        kinds = "(merge_requests|issues)"
        for method, pattern, handler in [
            ("GET", "", self._get_project),
            ("GET", rf"/{kinds}/(\d+)", self._get_noteable),
            ("GET", rf"/{kinds}/(\d+)/notes", self._list_notes),
            ("POST", rf"/{kinds}/(\d+)/notes", self._create_note),
            ("PUT", rf"/{kinds}/(\d+)/notes/(\d+)", self._update_note),
            ("GET", r"/repository/branches/([^/]+)", self._get_branch),
            ("GET", r"/repository/files/([^/]+)", self._get_file),
            ("POST", r"/repository/commits", self._create_commit),
            ("GET", r"/merge_requests", self._list_mrs),
            ("POST", r"/merge_requests", self._create_mr),
            ("PUT", r"/merge_requests/(\d+)", self._update_mr),
            ("PUT", r"/merge_requests/(\d+)/merge", self._merge_mr),
            ("GET", r"/merge_requests/(\d+)/approvals", self._get_approvals),
            ("GET", r"/merge_requests/(\d+)/resource_label_events", self._list_label_events),
            ("GET", r"/repository/compare", self._compare),
        ]:
            self.route(method, project + pattern, handler)
        self.route("GET", "/api/v4/user", lambda request, match: Reply(200, self.user))

    def _get_project(self, request: Request, match: re.Match[str]) -> Reply:
        return Reply(200, self.project)

    # -- merge requests, issues and notes -----------------------------------------------

    def _noteable(self, kind: str, iid: int) -> dict[str, Any] | None:
        return (self.merge_requests if kind == "merge_requests" else self.issues).get(iid)

    def _get_noteable(self, request: Request, match: re.Match[str]) -> Reply:
        found = self._noteable(match[1], int(match[2]))
        what = "Merge Request" if match[1] == "merge_requests" else "Issue"
        return Reply(200, found) if found else Reply(404, {"message": f"404 {what} Not Found"})

    def _list_notes(self, request: Request, match: re.Match[str]) -> Reply:
        if self._noteable(match[1], int(match[2])) is None:
            return self.not_found(request)
        notes = self.notes.get((match[1], int(match[2])), [])
        return page(request, notes, default_per_page=20)

    def _create_note(self, request: Request, match: re.Match[str]) -> Reply:
        if self._noteable(match[1], int(match[2])) is None:
            return self.not_found(request)
        if not isinstance(request.body, dict) or not request.body.get("body"):
            return Reply(400, {"message": {"note": ["can't be blank"]}})
        return Reply(201, self.add_note(match[1], int(match[2]), request.body["body"]))

    def _update_note(self, request: Request, match: re.Match[str]) -> Reply:
        for note in self.notes.get((match[1], int(match[2])), []):
            if note["id"] == int(match[3]):
                note.update(body=request.body["body"], updated_at="2015-05-18T10:00:00.000Z")
                return Reply(200, note)
        return Reply(404, {"message": "404 Note Not Found"})

    # -- repository -----------------------------------------------------------------------

    def _commit_json(self, sha: str) -> dict[str, Any]:
        commit = self.git.commits[sha]
        return {
            "id": sha,
            "short_id": sha[:8],
            "created_at": _WHEN,
            "parent_ids": commit.parents,
            "title": commit.message.splitlines()[0] if commit.message else "",
            "message": commit.message,
            "author_name": self.user["name"],
            "author_email": "admin@example.com",
            "authored_date": _WHEN,
            "committer_name": self.user["name"],
            "committer_email": "admin@example.com",
            "committed_date": _WHEN,
            "web_url": f"{self.project['web_url']}/-/commit/{sha}",
        }

    def _get_branch(self, request: Request, match: re.Match[str]) -> Reply:
        name = unquote(match[1])
        sha = self.git.refs.get(f"refs/heads/{name}")
        if sha is None:
            return Reply(404, {"message": "404 Branch Not Found"})
        return Reply(
            200,
            {
                "name": name,
                "merged": False,
                "protected": name == self.default_branch,
                "default": name == self.default_branch,
                "developers_can_push": False,
                "developers_can_merge": False,
                "can_push": True,
                "web_url": f"{self.project['web_url']}/-/tree/{name}",
                "commit": self._commit_json(sha),
            },
        )

    def _get_file(self, request: Request, match: re.Match[str]) -> Reply:
        path = unquote(match[1])
        ref = request.query.get("ref", [""])[0]
        sha = self.git.refs.get(f"refs/heads/{ref}")
        if sha is None:
            return Reply(404, {"message": "404 File Not Found"})
        entry = self.git.flatten(self.git.commits[sha].tree).get(path)
        if entry is None:
            return Reply(404, {"message": "404 File Not Found"})
        content = self.git.blobs[entry[1]]
        return Reply(
            200,
            {
                "file_name": path.rsplit("/", 1)[-1],
                "file_path": path,
                "size": len(content),
                "encoding": "base64",
                "content_sha256": hashlib.sha256(content).hexdigest(),
                "ref": ref,
                "blob_id": entry[1],
                "commit_id": sha,
                "last_commit_id": sha,
                "execute_filemode": False,
                "content": base64.b64encode(content).decode(),
            },
        )

    def _create_commit(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.body or {}
        branch, start = body.get("branch"), body.get("start_branch")
        head = self.git.refs.get(f"refs/heads/{branch}")
        if body.get("force") and start is not None:
            head = None  # "force": the branch is replaced by a commit on start_branch
        if head is None and start is None:
            message = "You can only create or edit files when you are on a branch"
            return Reply(400, {"message": message})
        if head is None:
            head = self.git.refs.get(f"refs/heads/{start}")
            if head is None:
                return Reply(400, {"message": f"Invalid start branch name {start}"})
        flat = self.git.flatten(self.git.commits[head].tree)
        for action in body.get("actions", []):
            path = action["file_path"]
            if action["action"] == "create" and path in flat:
                return Reply(400, {"message": "A file with this name already exists"})
            if action["action"] in ("update", "delete") and path not in flat:
                return Reply(400, {"message": "A file with this name doesn't exist"})
            if action["action"] == "delete":
                del flat[path]
                continue
            content = action.get("content", "")
            data = base64.b64decode(content) if action.get("encoding") == "base64" else content
            data = data if isinstance(data, bytes) else data.encode()
            flat[path] = ("100644", self.git.blob(data))
        sha = self.git.commit(self.git.write_tree(flat), [head], body.get("commit_message", ""))
        self.git.refs[f"refs/heads/{branch}"] = sha
        return Reply(201, self._commit_json(sha))

    def _list_mrs(self, request: Request, match: re.Match[str]) -> Reply:
        state = request.query.get("state", ["all"])[0]
        source = request.query.get("source_branch", [None])[0]
        found = [
            mr
            for mr in self.merge_requests.values()
            if state in ("all", mr["state"]) and source in (None, mr["source_branch"])
        ]
        return page(request, found, default_per_page=20)

    def _create_mr(self, request: Request, match: re.Match[str]) -> Reply:
        body = request.body or {}
        source, target = body.get("source_branch", ""), body.get("target_branch", "")
        for branch in (source, target):
            if f"refs/heads/{branch}" not in self.git.refs:
                return Reply(400, {"message": {"source_branch": ["is invalid"]}})
        if existing := self.open_merge_requests(source):
            message = f"Another open merge request already exists for this source branch: !{existing[0]['iid']}"
            return Reply(409, {"message": [message]})
        iid = max(self.merge_requests) + 1
        request_json = copy.deepcopy(self._mr_template)
        request_json.update(
            id=self._mr_template["id"] + iid,
            iid=iid,
            title=body.get("title", ""),
            description=body.get("description", ""),
            source_branch=source,
            target_branch=target,
            state="opened",
            force_remove_source_branch=body.get("remove_source_branch", False),
        )
        return Reply(201, self._store_mr(request_json))

    def _compare(self, request: Request, match: re.Match[str]) -> Reply:
        ends = [request.query.get(k, [""])[0] for k in ("from", "to")]
        shas = [self.git.refs.get(f"refs/heads/{e}", e) for e in ends]
        if any(sha not in self.git.commits for sha in shas):
            return Reply(404, {"message": "404 Ref Not Found"})
        old, new = (self.git.flatten(self.git.commits[s].tree) for s in shas)
        diffs = [
            {
                "old_path": path,
                "new_path": path,
                "new_file": path not in old,
                "deleted_file": path not in new,
                "renamed_file": False,
                "diff": "",
            }
            for path in sorted(old.keys() | new.keys())
            if old.get(path) != new.get(path)
        ]
        commits, pending = [], [shas[1]]
        while pending and (current := pending.pop()) != shas[0]:
            commits.append(self._commit_json(current))
            pending += self.git.commits[current].parents[:1]
        return Reply(
            200, {"commit": commits[0] if commits else None, "commits": commits, "diffs": diffs}
        )

    def _get_approvals(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.merge_requests.get(int(match[1]))
        if found is None:
            return Reply(404, {"message": "404 Merge Request Not Found"})
        names = self.approvals.get(found["iid"], [])
        users = [
            {"user": {"id": 100 + i, "username": name, "name": name.title(), "state": "active"}}
            for i, name in enumerate(names)
        ]
        keys = ("id", "iid", "title", "state")
        return Reply(
            200,
            {key: found[key] for key in keys}
            | {"project_id": self.project_id, "approved": bool(users), "approved_by": users},
        )

    def _list_label_events(self, request: Request, match: re.Match[str]) -> Reply:
        iid = int(match[1])
        if iid not in self.merge_requests:
            return Reply(404, {"message": "404 Merge Request Not Found"})
        return page(request, self.label_events.get(iid, []), default_per_page=20)

    def _merge_mr(self, request: Request, match: re.Match[str]) -> Reply:
        """Only "merge when the pipeline succeeds": the pipeline is still running."""
        found = self.merge_requests.get(int(match[1]))
        if found is None:
            return Reply(404, {"message": "404 Merge Request Not Found"})
        if not (request.body or {}).get("merge_when_pipeline_succeeds"):
            return Reply(405, {"message": "405 Method Not Allowed"})
        found["merge_when_pipeline_succeeds"] = True
        return Reply(200, found)

    def _update_mr(self, request: Request, match: re.Match[str]) -> Reply:
        found = self.merge_requests.get(int(match[1]))
        if found is None:
            return Reply(404, {"message": "404 Merge Request Not Found"})
        for key in ("title", "description"):
            if key in (request.body or {}):
                found[key] = request.body[key]
        if (request.body or {}).get("state_event") == "close":
            found["state"] = "closed"
        return Reply(200, found)
