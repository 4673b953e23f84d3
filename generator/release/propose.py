"""A release as a pull request: the request files edited, the repository validated with the
edit, rendered like `berth render`, planned for the tenant, and proposed to the base branch
through the Git host (`berth bump` and `berth promote`; `berth status` reads with
`valid_repo`). Nothing is written unless the edited repository validates.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import dataclass
from typing import TextIO

from generator.load import RequestCache, load_repo
from generator.plan.markdown import format_markdown
from generator.plan.one_tenant import scoped_plan
from generator.plan.snapshot import resolve_revision
from generator.plan.text import format_text
from generator.problems import BerthError, HostError, Problem, UsageError
from generator.problems.code_spans import COMMENT_LIMIT
from generator.problems.reporters import format_problems
from generator.release.read import TenantRequests
from generator.render.pipeline import Built, build
from generator.repo.atomic import write_atomic
from generator.repo.pull_request import PullRequestWriter
from generator.repo.view import DiskView
from generator.validate import ValidRepo, validate_repo
from generator.write import Workspace, apply_changes
from generator.write.rendered import plan_render
from generator.yamlio.edit import Edit, EditError, edit
from generator.yamlio.reader import read_request_bytes


@dataclass(frozen=True)
class ReleaseProposal:
    """What a release changes, and the pull request that carries it."""

    branch: str
    title: str
    summary: str  # the first paragraph of the pull request
    edits: dict[str, list[Edit]]  # request file -> its changes
    auto_merge: bool = False  # a bump into an environment with `autoMerge: bumps`


MAX_SUMMARY = 8_000  # characters of the release summary above the plan


def valid_repo(root: str) -> ValidRepo:
    valid, problems = _validated(root)
    if valid is None:
        errors = [p for p in problems if p.severity == "error"]
        raise BerthError([*errors, Problem("<repository>", 1, 1, "", "fix these first")])
    return valid


def _validated(root: str) -> tuple[ValidRepo | None, list[Problem]]:
    # The render's request cache: unchanged request files are not parsed again.
    requests = RequestCache(root)
    valid, problems = validate_repo(load_repo(root, requests))
    if valid is not None:
        requests.save()
    return valid, problems


def propose_release(
    root: str,
    requests: TenantRequests,
    proposal: ReleaseProposal,
    host: PullRequestWriter,
    *,
    target: str,
    job_url: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Edit, validate, render and plan the release in the working tree, then propose it to
    `target` through `host` (one pull request per branch); nothing is written unless the
    edited repository validates."""
    before = {path: read_request_bytes(os.path.join(root, path), path) for path in proposal.edits}
    after = {}
    for path, data in before.items():
        try:
            after[path] = edit(data, path, proposal.edits[path])
        except EditError as exc:
            line, col = exc.where
            raise BerthError([Problem(path, line, col, exc.field, str(exc))]) from None
    if after == before:
        out.write(f"berth: {target} has this release already; nothing to change\n")
        closed = host.close_pull_request(
            branch=proposal.branch, comment="The base branch has this release already."
        )
        if closed:
            out.write(f"berth: closed the outdated pull request {closed}\n")
        return 0
    new = _write_valid(root, before, after, err)
    if new is None:
        return 1
    built = build(DiskView(root), new)
    _render(root, built)
    tenants = frozenset({requests.tenant})
    plan, generated = scoped_plan(
        root,
        _before(new, requests),
        new,
        tenants,
        base_ref=target,
        base_sha=_head(root),
        after_units=built.units,
    )
    for path in after:
        out.write(_diff(path, before[path], after[path]))
    out.write(format_text(plan))
    # Every generated file of the tenant: the host commits those that differ from the
    # base branch (a file an older bump changed on the branch is put back, too).
    files = {path: after[path] for path in after}
    files |= {path: text.encode() for path, text in generated.items()}
    scope = ", ".join(f"`{t}`" for t in sorted(tenants))
    note = (
        f"\n_The plan covers the tenant(s) this release changes ({scope}); the other"
        " tenants' generated files do not change, and their applications' costs are not"
        " in the totals._\n"
    )
    summary = f"{proposal.summary[:MAX_SUMMARY]}\n\n"
    # GitHub and GitLab cap a description at 65,536 characters, as a comment.
    room = COMMENT_LIMIT - len(summary) - len(note)
    body = summary + format_markdown(plan, job_url=job_url, limit=room) + note
    url = host.upsert_pull_request(
        branch=proposal.branch,
        base=target,
        title=proposal.title,
        body=body,
        files=files,
        message=proposal.title,
    )
    out.write(f"berth: {proposal.title} -> {url}\n")
    if proposal.auto_merge:
        try:
            host.enable_auto_merge(branch=proposal.branch)
            out.write("berth: auto-merge is on: it merges once its checks and reviews pass\n")
        except HostError as exc:
            # The pull request stands; it is merged by hand instead.
            err.write(f"berth: warning: auto-merge could not be enabled: {exc}\n")
    return 0


def _write_valid(
    root: str, before: dict[str, bytes], after: dict[str, bytes], err: TextIO
) -> ValidRepo | None:
    """Write the edited files; put the old bytes back unless the repository still validates.
    Returns the repository as validated after the edit."""
    for path, data in after.items():
        write_atomic(os.path.join(root, path), data)
    new, problems = _validated(root)
    if new is None:
        for path, data in before.items():
            write_atomic(os.path.join(root, path), data)
        err.write(format_problems([p for p in problems if p.severity == "error"], "text"))
        err.write("berth: the release does not validate; nothing was written\n")
        return None
    return new


def _before(after: ValidRepo, requests: TenantRequests) -> ValidRepo:
    """The repository before the edit: the one after it, with the tenant's applications as
    they were (only their files were edited)."""
    apps = dict(after.apps) | {requests.tenant: dict(requests.apps)}
    return dataclasses.replace(after, apps=apps)


def _render(root: str, built: Built) -> None:
    """`berth render` of the built repository: only the units that changed are built."""
    workspace = Workspace(root)
    workspace.recover()
    outcome, writes, cache = plan_render(root, built, workspace)
    apply_changes(root, outcome, writes, workspace, cache)
    workspace.save_cache(cache)


def _head(root: str) -> str:
    try:
        return resolve_revision(root, "HEAD")
    except UsageError:
        return ""  # not a Git checkout: the plan names no commit


def _diff(path: str, old: bytes, new: bytes) -> str:
    lines = difflib.unified_diff(
        old.decode().splitlines(keepends=True),
        new.decode().splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
    )
    return "".join(lines)
