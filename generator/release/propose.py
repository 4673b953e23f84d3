"""A release as a pull request: the request files edited in memory, the repository validated
with the edit, rendered like `berth render` (in memory too), planned for the tenant, and
proposed to the base branch through the Git host (`berth bump` and `berth promote`; `berth
status` reads with `valid_repo`). The working tree is never written: a dry run leaves
nothing behind, and two in a row see the same tree.
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
from generator.render.pipeline import build
from generator.repo.pull_request import PullRequestWriter
from generator.repo.view import DiskView, OverlayView
from generator.validate import ValidRepo, validate_repo
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
    dry_run: bool = False,
) -> int:
    """Edit, validate, render and plan the release in memory (the working tree with the edited
    request files laid over it), then propose it to `target` through `host` (one pull request
    per branch). No file of the working tree is written, with a token or without: the pull
    request is the change. `dry_run`: `host` only prints, and is given only the files that
    differ from the working tree."""
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
    view = OverlayView(DiskView(root), dict(after))
    new = _validate_edit(view, err)
    if new is None:
        return 1
    built = build(view, new)
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
    # Every generated file of the tenant: the host commits those that differ from the
    # base branch (a file an older bump changed on the branch is put back, too).
    files = {path: after[path] for path in after}
    files |= {path: text.encode() for path, text in generated.items()}
    differ = {path: data for path, data in files.items() if _on_disk(root, path) != data}
    for path in after:  # the plan shows the generated files' diffs
        out.write(_diff(path, before[path], after[path]))
    out.write(format_text(plan))
    if dry_run:  # what a host would commit from this working tree: only what differs
        files = differ
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
    # The title names berth already ("berth: bump ..."): the line does not say it twice.
    out.write(f"berth: {proposal.title.removeprefix('berth: ')}: {url}\n")
    if proposal.auto_merge:
        try:
            host.enable_auto_merge(branch=proposal.branch)
            out.write("berth: auto-merge is on: it merges once its checks and reviews pass\n")
        except HostError as exc:
            # The pull request stands; it is merged by hand instead.
            err.write(f"berth: warning: auto-merge could not be enabled: {exc}\n")
    return 0


def _validate_edit(view: OverlayView, err: TextIO) -> ValidRepo | None:
    """The repository as validated with the edit; None (the problems said) when it fails."""
    new, problems = validate_repo(load_repo(view, RequestCache(view.root)))
    if new is None:
        err.write(format_problems([p for p in problems if p.severity == "error"], "text"))
        err.write("berth: the release does not validate; nothing was proposed\n")
    return new


def _on_disk(root: str, path: str) -> bytes | None:
    try:
        with open(os.path.join(root, path), "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def _before(after: ValidRepo, requests: TenantRequests) -> ValidRepo:
    """The repository before the edit: the one after it, with the tenant's applications and
    chart apps as they were (only their files were edited)."""
    apps = dict(after.apps) | {requests.tenant: dict(requests.apps)}
    charts = dict(after.chart_apps) | {requests.tenant: dict(requests.charts)}
    return dataclasses.replace(after, apps=apps, chart_apps=charts)


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
