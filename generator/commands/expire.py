"""`berth expire [--today DATE] [--into BRANCH]`: remove every scenario whose `expires` has
passed, as one pull request.

A scenario runs through the day its `expires` names; from the next day on it has expired. With
a token (generator/hosts) the removal is one pull request on the fixed branch `berth/expire`
that deletes each expired scenario's request file and every file rendered from it: a later
run replaces the branch's commit and the pull request's text (a scenario that expired since is
added, one whose `expires` was moved out of the past is dropped), so the pull requests never
stack; when nothing has expired, an open one is closed. Without a token it is a dry run that
prints what it would propose (exit 0). The working tree is never written.

Exit codes: 0 proposed, or nothing to do; 1 an invalid repository; 2 usage error (a --today
that is no date); 4 the Git host refused (cli.EXIT_HOST).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Mapping
from typing import TextIO

from generator.hosts import ci
from generator.hosts.connect import Connect, host_from_environment
from generator.models.scenario import Scenario
from generator.portal.front import front_files
from generator.problems import UsageError
from generator.release.propose import valid_repo
from generator.render.scenario import scenario_paths
from generator.repo.scenario_layout import scenario_file
from generator.repo.today import today
from generator.validate import ValidRepo
from generator.validate.scenarios import expiry, scenario_apps

EXPIRE_BRANCH = "berth/expire"


def parse_today(value: str | None) -> datetime.date:
    """`--today`, or `validate`'s today (BERTH_TODAY, else the date in UTC)."""
    if value is None:
        return today()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today {value!r} is not a date (YYYY-MM-DD)") from None


def expired(repo: ValidRepo, day: datetime.date) -> list[tuple[str, Scenario]]:
    """The scenarios whose last day was before `day`, by tenant and name."""
    return [
        (tenant, scenario)
        for tenant, scenarios in sorted(repo.scenarios.items())
        for _, scenario in sorted(scenarios.items())
        if expiry(scenario) < day
    ]


def removed_paths(repo: ValidRepo, tenant: str, scenario: Scenario) -> list[str]:
    """The scenario's request file and the files `berth render` writes for it."""
    environment = repo.platform.spec.environment(scenario.spec.base)
    assert environment is not None  # validated
    present = [
        app
        for app in repo.apps.get(tenant, {}).values()
        if environment.name in app.spec.environments
    ]
    apps = scenario_apps(tenant, scenario, environment, present)
    return [
        scenario_file(tenant, scenario.metadata.name),
        *scenario_paths(environment, tenant, scenario, apps),
    ]


def front_changes(root: str, repo: ValidRepo, gone: list[tuple[str, Scenario]]) -> dict[str, bytes]:
    """The front doors' files (the tenants' catalog files list their scenarios) as `render`
    writes them without the expired scenarios, where that differs from the working tree."""
    remaining = {
        tenant: {n: s for n, s in scenarios.items() if (tenant, s) not in gone}
        for tenant, scenarios in repo.scenarios.items()
    }
    files = front_files(dataclasses.replace(repo, scenarios=remaining))
    changed = {}
    for path, text in sorted(files.items()):
        data = text.encode()
        try:
            with open(os.path.join(root, path), "rb") as fh:
                same = fh.read() == data
        except OSError:
            same = False
        if not same:
            changed[path] = data
    return changed


def run(
    root: str,
    *,
    today_text: str | None,
    into: str | None,
    environ: Mapping[str, str],
    out: TextIO,
    connect: Connect = host_from_environment,
) -> int:
    day = parse_today(today_text)
    repo = valid_repo(root)
    gone = expired(repo, day)
    host = connect(environ, out=out)
    if not gone:
        out.write(f"berth: no scenario has expired (today is {day.isoformat()})\n")
        closed = host.close_pull_request(
            branch=EXPIRE_BRANCH, comment="No scenario has expired any more."
        )
        if closed:
            out.write(f"berth: closed the outdated pull request {closed}\n")
        return 0
    deleted = sorted(
        path
        for tenant, scenario in gone
        for path in removed_paths(repo, tenant, scenario)
        if os.path.lexists(os.path.join(root, path))
    )
    lines = [
        f"- `{tenant}/{s.metadata.name}` in `{s.spec.base}`, expired on {s.spec.expires}"
        + (f": {s.spec.description}" if s.spec.description else "")
        for tenant, s in gone
    ]
    title = f"berth: remove {len(gone)} expired scenario(s)"
    body = (
        f"Removes the scenarios whose `expires` has passed (today is {day.isoformat()}),"
        " with everything rendered from them; Argo CD then deletes their namespaces.\n\n"
        + "\n".join(lines)
        + "\n\nTo keep one, push a later `expires` (within the platform's `maxDays`) to its"
        " file on the base branch instead; the next run drops it from this pull request.\n"
    )
    target = into or ci.default_branch(environ)
    url = host.upsert_pull_request(
        branch=EXPIRE_BRANCH,
        base=target,
        title=title,
        body=body,
        files=front_changes(root, repo, gone),
        message=title,
        deleted=tuple(deleted),
    )
    for tenant, scenario in gone:
        out.write(f"berth: {tenant}/{scenario.metadata.name} expired on {scenario.spec.expires}\n")
    out.write(f"berth: {title.removeprefix('berth: ')}: {url}\n")
    return 0
