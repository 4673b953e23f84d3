"""`berth bump TENANT/APP --env ENV (--tag TAG | --digest sha256:...)`: release an image.

The order is the safety: the names, the environment, the tag and the digest are checked
(generator/release/target.py) before any path is built or any file read; the request file is
changed in memory by the round-trip editor (generator/yamlio/edit.py: that one scalar, every other
byte kept), and only a change that validates with the whole repository is written to the
working tree, which is then rendered like `berth render`. Otherwise nothing is written.

With a token (generator/hosts) the change becomes one pull request per application and
environment, on the fixed branch `berth/bump/<tenant>-<app>-<env>`: a newer bump replaces
the branch's commit and the pull request's text, so bumps never stack. A bump that the
base already has is a no-op, and an open pull request for an older bump is closed. The
pull request's body is the plan (generator/plan). Without a token it is a dry run that
prints the diff and the plan (exit 0).

Exit codes: 0 proposed, or nothing to do; 1 an invalid value or repository (nothing
written); 2 usage error; 4 the Git host refused (cli.EXIT_HOST).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from generator.hosts import ci
from generator.hosts.connect import GitHostError, host_from_environment
from generator.load import RequestCache, load_repo
from generator.models.image import released
from generator.plan.markdown import render_markdown
from generator.plan.report import render_text
from generator.plan.scoped import scoped_plan
from generator.plan.snapshot import resolve_revision
from generator.problems import BerthError, Problem, UsageError
from generator.problems.reporters import render_problems
from generator.release import trigger as dispatch
from generator.release.read import TenantRequests, read_tenant
from generator.release.target import (
    argument_problem,
    check_image,
    environment_index,
    find_app,
    image_changes,
    parse_target,
    request_file,
)
from generator.release.trigger import BumpRequest
from generator.render.pipeline import Built, build
from generator.repo.atomic import write_atomic
from generator.repo.view import DiskView
from generator.validate import ValidRepo, validate_repo
from generator.write import Workspace, apply_changes
from generator.write.rendered import plan_render
from generator.yamlio.edit import Change, EditError, edit
from generator.yamlio.reader import read_request_bytes


@dataclass(frozen=True)
class Proposal:
    """What a release changes, and the pull request that carries it."""

    branch: str
    title: str
    summary: str  # the first paragraph of the pull request
    edits: dict[str, list[Change]]  # request file -> its changes
    auto_merge: bool = False  # a bump into an environment with `autoMerge: bumps`


MAX_SUMMARY = 8_000  # characters of the release summary above the plan


def bump_branch(tenant: str, app: str, env: str) -> str:
    return f"berth/bump/{tenant}-{app}-{env}"


def request_from(args: Any, env: Mapping[str, str]) -> BumpRequest:
    """The bump from the command line, a dispatch event file, or trigger variables."""
    given = [args.target, args.env, args.tag, args.digest]
    if args.event or args.from_variables:
        if any(value is not None for value in given):
            raise UsageError(
                "--event and --from-variables take everything from there: no TENANT/APP, --env, --tag or --digest"
            )
        if args.event:
            return dispatch.from_event(ci.read_event(args.event), args.event)
        return dispatch.from_variables(env)
    if args.target is None or args.env is None:
        raise UsageError("give TENANT/APP and --env ENV (or --event FILE, or --from-variables)")
    return BumpRequest(args.target, args.env, args.tag, args.digest)


def run(
    root: str,
    *,
    target: str,
    env_name: str,
    tag: str | None,
    digest: str | None,
    into: str | None,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> int:
    tenant, app = parse_target(target, app_required=True)
    assert app is not None
    image = check_image(tag, digest)
    requests = read_tenant(root, tenant)
    environment_index(requests.platform, env_name, "--env")
    application = find_app(requests, app)
    current = released(application, env_name)
    if current is None:
        runs = sorted(application.spec.environments)
        raise argument_problem(
            "--env",
            f"{tenant}/{app} does not run in {env_name!r} (it runs in {runs}); add the"
            " environment to its request first",
        )
    proposal = Proposal(
        branch=bump_branch(tenant, app, env_name),
        title=f"berth: bump {tenant}/{app} to {image} in {env_name}",
        summary=f"Releases `{image}` of `{tenant}/{app}` in `{env_name}` (was `{current}`).",
        edits={request_file(tenant, app): image_changes(env_name, current, image)},
        auto_merge=_auto_merge(requests, env_name),
    )
    return propose(root, requests, proposal, into=into, env=env, out=out, err=err)


def _auto_merge(requests: TenantRequests, env: str) -> bool:
    found = requests.platform.spec.environment(env)
    # The model allows autoMerge with sync: auto only; checked again, it costs nothing.
    return found is not None and found.autoMerge == "bumps" and found.sync == "auto"


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


def default_branch(env: Mapping[str, str]) -> str:
    """The branch pull requests go to: what the CI system names the default branch."""
    for name in ("BERTH_BASE_BRANCH", "CI_DEFAULT_BRANCH", "GITHUB_REF_NAME"):
        if value := env.get(name, "").strip():
            return value
    return "main"


def propose(
    root: str,
    requests: TenantRequests,
    proposal: Proposal,
    *,
    into: str | None,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> int:
    before = {path: read_request_bytes(os.path.join(root, path), path) for path in proposal.edits}
    after = {}
    for path, data in before.items():
        try:
            after[path] = edit(data, path, proposal.edits[path])
        except EditError as exc:
            line, col = exc.where
            raise BerthError([Problem(path, line, col, exc.field, str(exc))]) from None
    host = host_from_environment(env, out=out)
    target = into or default_branch(env)
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
    out.write(render_text(plan))
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
    room = ci.COMMENT_LIMIT - len(summary) - len(note)
    body = summary + render_markdown(plan, job_url=ci.job_log_url(env), limit=room) + note
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
        except GitHostError as exc:
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
        err.write(render_problems([p for p in problems if p.severity == "error"], "text"))
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
