"""`berth promote TENANT[/APP] --from ENV --to ENV`: what runs in one environment, into the next.

For one application, or for every application of the tenant that runs in both environments
and whose image differs, the image (tag and digest, exactly) of `--from` is copied into
`--to`, as one pull request on `berth/promote/<tenant>-<to>` (a newer promotion replaces the
branch's commit, like a bump). `--with-config` also copies the environment's `replicas`;
the rest of an environment's settings are not promoted: `host` belongs to the environment's
domain and `autoscale` is sized per environment (docs/releases.md).

Promotions go forward in platform.yaml's order. `--to` before or equal to `--from` is
refused; beyond the next environment (dev -> prod) only with `--skip-environments`, and the
pull request check (`berth plan --fail-on-skip`) then wants the label `berth/approve-skip`.
Same exit codes as `berth bump`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from generator.commands.bump import propose_in_ci
from generator.hosts.connect import Connect, host_from_environment
from generator.models.application import Application
from generator.models.image import released
from generator.plan import APPROVE_SKIP_LABEL
from generator.release.chart_versions import chart_promotions
from generator.release.propose import ReleaseProposal
from generator.release.read import read_tenant
from generator.release.target import (
    argument_problem,
    env_path,
    environment_index,
    find_app,
    image_edits,
    parse_target,
    request_file,
)
from generator.yamlio.edit import Edit


def promote_branch(tenant: str, env: str) -> str:
    return f"berth/promote/{tenant}-{env}"


def run(
    root: str,
    *,
    target: str,
    source: str,
    dest: str,
    with_config: bool,
    skip: bool,
    into: str | None,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    connect: Connect = host_from_environment,
) -> int:
    tenant, only = parse_target(target, app_required=False)
    requests = read_tenant(root, tenant)
    order = [e.name for e in requests.platform.spec.environments]
    start, end = (
        environment_index(requests.platform, source, "--from"),
        environment_index(requests.platform, dest, "--to"),
    )
    if end <= start:
        raise argument_problem(
            "--to",
            f"{dest!r} does not come after {source!r}: promotions go forward, {' -> '.join(order)}",
        )
    charts = requests.charts if only is None else {}
    if only is not None and only in requests.charts:
        apps, charts = {}, {only: requests.charts[only]}
        chart = charts[only].spec.environments
        if source not in chart or dest not in chart:
            raise argument_problem(
                "target", f"{tenant}/{only} does not run in both {source!r} and {dest!r}"
            )
    elif only is not None:
        apps = {only: find_app(requests, only)}
    else:
        if not requests.exists:
            raise argument_problem("tenant", f"there is no tenant {tenant!r} in tenants/")
        apps = requests.apps
    # Skipped: an environment in between that these applications run in (one they do not
    # run in is no step of theirs), the rule `berth plan --fail-on-skip` checks.
    skipped = [
        e
        for e in order[start + 1 : end]
        if any(e in app.spec.environments for app in apps.values())
        or any(e in chart.spec.environments for chart in charts.values())
    ]
    if skipped and not skip:
        raise argument_problem(
            "--to",
            f"promoting {source} -> {dest} skips {', '.join(skipped)}; promote to"
            f" {skipped[0]!r} first, or pass --skip-environments (the pull request then"
            f" needs the label {APPROVE_SKIP_LABEL})",
        )
    edits: dict[str, list[Edit]] = {}
    lines: list[str] = []
    for name, app in apps.items():
        changes, line = _promotion(app, source, dest, with_config)
        missing = released(app, source) is None or released(app, dest) is None
        if only is not None and missing:
            raise argument_problem(
                "target", f"{tenant}/{name} does not run in both {source!r} and {dest!r}"
            )
        if changes:
            edits[request_file(tenant, name)] = changes
        if line:
            lines.append(line)
    chart_edits, chart_lines = chart_promotions(charts, source, dest)
    edits.update({request_file(tenant, name): e for name, e in chart_edits.items()})
    lines += chart_lines
    what = f"{tenant}/{only}" if only else tenant
    summary = f"Promotes `{what}` from `{source}` to `{dest}`:\n\n" + "".join(
        f"- {line}\n" for line in lines
    )
    if skipped:
        summary += (
            f"\nThis skips {', '.join(f'`{e}`' for e in skipped)}: the pull request needs the"
            f" label `{APPROVE_SKIP_LABEL}`.\n"
        )
    proposal = ReleaseProposal(
        branch=promote_branch(tenant, dest),
        title=f"berth: promote {what} from {source} to {dest}",
        summary=summary.rstrip("\n"),
        edits=edits,
    )
    return propose_in_ci(root, requests, proposal, into, environ, out, err, connect)


def _promotion(
    app: Application, source: str, dest: str, with_config: bool
) -> tuple[list[Edit], str | None]:
    """The edits that make `dest` run what `source` runs, and the line that says so."""
    have, want = released(app, source), released(app, dest)
    if have is None or want is None:
        return [], None
    changes = image_edits(dest, want, have)
    line = f"{app.metadata.name}: {want} -> {have} in {dest}" if changes else None
    if with_config:
        replicas = app.spec.environments[source].replicas
        if replicas is not None and replicas != app.spec.environments[dest].replicas:
            changes.append(Edit((*env_path(dest), "replicas"), replicas, after=("tag", "digest")))
            line = (line or f"{app.metadata.name}: {have} in {dest}") + f", replicas {replicas}"
    return changes, line
