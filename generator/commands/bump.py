"""`berth bump TENANT/APP --env ENV [--tag TAG] [--digest sha256:...]`: release an image (a
tag, a digest or both; one of them at least); `--version VERSION` instead: a chart app's chart
version. The same from a dispatch payload (`--event`) or trigger variables (`--from-variables`).

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

from collections.abc import Mapping
from typing import Any, TextIO

from generator.hosts import ci
from generator.hosts.connect import Connect, DryRunHost, host_from_environment
from generator.models.image import released
from generator.problems import UsageError
from generator.problems.words import human_list
from generator.release import trigger as dispatch
from generator.release.chart_versions import check_version, released_version, version_edits
from generator.release.propose import ReleaseProposal, propose_release
from generator.release.read import TenantRequests, read_tenant
from generator.release.target import (
    argument_problem,
    check_image,
    environment_index,
    find_app,
    image_edits,
    parse_target,
    request_file,
)
from generator.release.trigger import BumpRequest


def bump_branch(tenant: str, app: str, env: str) -> str:
    return f"berth/bump/{tenant}-{app}-{env}"


def request_from(args: Any, environ: Mapping[str, str]) -> BumpRequest:
    """The bump from the command line, a dispatch event file, or trigger variables."""
    given = [args.target, args.env, args.tag, args.digest, args.version]
    if args.event or args.from_variables:
        if any(value is not None for value in given):
            raise UsageError(
                "--event and --from-variables take everything from there: no TENANT/APP, --env,"
                " --tag, --digest or --version"
            )
        if args.event:
            return dispatch.from_event(ci.read_event(args.event), args.event)
        return dispatch.from_variables(environ)
    if args.target is None or args.env is None:
        raise UsageError("give TENANT/APP and --env ENV (or --event FILE, or --from-variables)")
    if args.version is not None and (args.tag is not None or args.digest is not None):
        raise UsageError("--version moves a chart app's chart; --tag and --digest an image")
    if args.tag is None and args.digest is None and args.version is None:
        raise UsageError(
            "give --tag TAG, --digest sha256:<64 hex digits>, or both (--version for a chart app)"
        )
    return BumpRequest(args.target, args.env, args.tag, args.digest, args.version)


def run(
    root: str,
    *,
    target: str,
    env_name: str,
    tag: str | None,
    digest: str | None,
    into: str | None,
    version: str | None = None,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    connect: Connect = host_from_environment,
) -> int:
    tenant, app = parse_target(target, app_required=True)
    assert app is not None
    if version is not None:
        requests = read_tenant(root, tenant)
        proposal = bump_chart(requests, app, env_name, version)
        return propose_in_ci(root, requests, proposal, into, environ, out, err, connect)
    image = check_image(tag, digest)
    requests = read_tenant(root, tenant)
    environment_index(requests.platform, env_name, "--env")
    if app in requests.charts:
        raise argument_problem(
            "app", f"{tenant}/{app} is a chart app: give its chart version with --version"
        )
    application = find_app(requests, app)
    current = released(application, env_name)
    if current is None:
        runs = sorted(application.spec.environments)
        raise argument_problem(
            "--env",
            f"{tenant}/{app} does not run in {env_name!r} (it runs in"
            f" {human_list(runs, quote=True)}); add the"
            " environment to its request first",
        )
    proposal = ReleaseProposal(
        branch=bump_branch(tenant, app, env_name),
        title=f"berth: bump {tenant}/{app} to {image} in {env_name}",
        summary=f"Releases `{image}` of `{tenant}/{app}` in `{env_name}` (was `{current}`).",
        edits={request_file(tenant, app): image_edits(env_name, current, image)},
        auto_merge=_auto_merge(requests, env_name),
    )
    return propose_in_ci(root, requests, proposal, into, environ, out, err, connect)


def bump_chart(requests: TenantRequests, app: str, env_name: str, version: str) -> ReleaseProposal:
    """The proposal that makes a chart app run chart `version` in `env_name`."""
    tenant = requests.tenant
    wanted = check_version(version)
    environment_index(requests.platform, env_name, "--env")
    chart = requests.charts.get(app)
    if chart is None:
        find_app(requests, app)  # no such app at all: say which there are
        raise argument_problem(
            "version", f"{tenant}/{app} is not a chart app: give its image with --tag or --digest"
        )
    current = released_version(chart, env_name)
    if current is None:
        raise argument_problem(
            "--env",
            f"{tenant}/{app} does not run in {env_name!r} (it runs in"
            f" {human_list(sorted(chart.spec.environments), quote=True)}); add the"
            " environment to its request first",
        )
    name = chart.spec.chart.name
    return ReleaseProposal(
        branch=bump_branch(tenant, app, env_name),
        title=f"berth: bump {tenant}/{app} to chart {name} {wanted} in {env_name}",
        summary=f"Releases chart `{name}` `{wanted}` of `{tenant}/{app}` in `{env_name}`"
        f" (was `{current}`).",
        edits={request_file(tenant, app): version_edits(env_name, current, wanted)},
        auto_merge=_auto_merge(requests, env_name),
    )


def propose_in_ci(
    root: str,
    requests: TenantRequests,
    proposal: ReleaseProposal,
    into: str | None,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    connect: Connect,
) -> int:
    """The release as a pull request to `into` (default: the CI system's default branch),
    through the host `connect` makes from `environ` (`berth bump` and `berth promote`)."""
    host = connect(environ, out=out)
    target = into or ci.default_branch(environ)
    job_url = ci.job_log_url(environ)
    return propose_release(
        root, requests, proposal, host, target=target, job_url=job_url, out=out, err=err,
        dry_run=isinstance(host, DryRunHost),
    )  # fmt: skip


def _auto_merge(requests: TenantRequests, env: str) -> bool:
    found = requests.platform.spec.environment(env)
    # The model allows autoMerge with sync: auto only; checked again, it costs nothing.
    return found is not None and found.autoMerge == "bumps" and found.sync == "auto"
