"""The rules of scenarios (tenants/<tenant>/scenarios/<name>.yaml) that need more than the file:
the platform's limits, the tenant and its apps, the names every other request takes, and the date.

Dates: a scenario a change adds or edits (`validate --base`) may not have expired; one that
has expired otherwise (unchanged, or no base to tell) is a warning only, so the days between
its expiry and the merge of `berth expire`'s pull request block no one's change (the default
branch's own check has no base). Beyond `maxDays` from today is refused unless the file is
known unchanged: time only shortens a lifetime, so this fails a check only on the day it is
written (or, after the platform lowers `maxDays`, in the default branch's check, which
then names every scenario beyond the new limit).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from generator.models.application import AppEnvironment, Application
from generator.models.errors import validate_model
from generator.models.platform import Environment, Platform
from generator.models.quantity import format_amount, parse_quantity
from generator.models.quota import Quota, money, monthly_cost
from generator.models.scenario import Scenario
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.problems.words import human_list
from generator.repo import layout
from generator.repo.scenario_layout import scenario_file, scenario_host, scenario_namespace
from generator.validate.app_global import app_requests
from generator.validate.hosts import host_problem, in_domain
from generator.validate.rules import estimate_tenant, reserved_namespaces
from generator.yamlio.reader import Document

WARN_DAYS = 3

Scenarios = Mapping[str, Mapping[str, tuple[Scenario, Document]]]  # tenant -> stem -> both
Apps = Mapping[str, Mapping[str, tuple[Application, Document]]]


def expiry(scenario: Scenario) -> datetime.date:
    return datetime.date.fromisoformat(scenario.spec.expires)


def read_scenarios(
    docs: Mapping[str, Mapping[str, Document]], learn: Callable[[Document, Scenario | None], None]
) -> tuple[dict[str, dict[str, tuple[Scenario, Document]]], list[Problem]]:
    """The scenario documents that pass their schema, and the problems of the others."""
    found: dict[str, dict[str, tuple[Scenario, Document]]] = {}
    problems: list[Problem] = []
    for folder, stems in docs.items():
        for stem, doc in stems.items():
            scenario, wrong = validate_model(Scenario, doc)
            learn(doc, scenario)
            problems += wrong
            if scenario is not None:
                found.setdefault(folder, {})[stem] = (scenario, doc)
    return found, problems


@dataclass(frozen=True)
class Context:
    platform: Platform
    tenants: Mapping[str, tuple[Tenant, Document]]
    apps: Apps
    changed: frozenset[str] | None
    today: datetime.date


def check_scenarios(context: Context, scenarios: Scenarios) -> Iterator[Problem]:
    taken = _taken_names(context)
    for folder in sorted(scenarios):
        if folder not in context.tenants:
            continue  # its tenant.yaml is broken or missing, reported there
        tenant = context.tenants[folder][0]
        limit = context.platform.spec.scenarios
        for index, stem in enumerate(sorted(scenarios[folder])):
            scenario, doc = scenarios[folder][stem]
            if scenario.metadata.name != stem:
                yield doc.problem(
                    ("metadata", "name"),
                    f"{scenario.metadata.name!r} must equal the file name {stem!r}",
                )
                continue
            if limit is None:
                yield doc.problem(
                    ("kind",),
                    "the platform allows no scenarios: platform.yaml has no spec.scenarios",
                )
                continue
            if index >= limit.maxPerTenant:
                yield doc.problem(
                    ("metadata", "name"),
                    f"tenant {folder!r} has {len(scenarios[folder])} scenarios; platform.yaml"
                    f" spec.scenarios.maxPerTenant allows {limit.maxPerTenant}",
                )
            environment = context.platform.spec.environment(scenario.spec.base)
            yield from _base(context, tenant, scenario, doc, environment)
            if environment is None or environment.name not in tenant.spec.environments:
                continue
            yield from _size(context.platform, scenario, doc)
            yield from _dates(context, scenario, doc)
            wrong_apps = list(_apps(context, folder, scenario, doc, environment))
            yield from wrong_apps or _quota(context, folder, scenario, doc, environment)
            yield from _names(taken, folder, scenario, doc, environment, context)
        yield from _budget(context, tenant, scenarios[folder])


def _base(
    context: Context,
    tenant: Tenant,
    scenario: Scenario,
    doc: Document,
    environment: Environment | None,
) -> Iterator[Problem]:
    base = scenario.spec.base
    limit = context.platform.spec.scenarios
    assert limit is not None
    path = ("spec", "base")
    if environment is None:
        names = [e.name for e in context.platform.spec.environments]
        yield doc.problem(
            path, f"unknown environment {base!r}; the platform has: {', '.join(names)}"
        )
    elif base not in limit.environments:
        yield doc.problem(
            path,
            f"scenarios are not allowed in {base!r}; platform.yaml spec.scenarios.environments"
            f" allows them in: {', '.join(limit.environments)}",
        )
    elif base not in tenant.spec.environments:
        yield doc.problem(
            path,
            f"tenant {tenant.metadata.name!r} has no environment {base!r}; it has:"
            f" {', '.join(tenant.spec.environments)}",
        )


def _size(platform: Platform, scenario: Scenario, doc: Document) -> Iterator[Problem]:
    if scenario.spec.size not in platform.spec.sizes:
        yield doc.problem(
            ("spec", "size"),
            f"unknown size {scenario.spec.size!r}; the platform's sizes are:"
            f" {', '.join(platform.spec.sizes)}",
        )


def _dates(context: Context, scenario: Scenario, doc: Document) -> Iterator[Problem]:
    limit = context.platform.spec.scenarios
    assert limit is not None
    ends = expiry(scenario)
    days = (ends - context.today).days
    changed = context.changed is not None and doc.path in context.changed
    maybe_changed = context.changed is None or changed
    path = ("spec", "expires")
    if days < 0:
        said = f"expired on {ends.isoformat()} (today is {context.today.isoformat()})"
        if changed:
            yield doc.problem(path, f"{said}; a scenario must end today or later")
        else:
            yield _warning(doc.problem(path, f"{said}; `berth expire` removes it"))
    elif maybe_changed and days > limit.maxDays:
        yield doc.problem(
            path,
            f"{ends.isoformat()} is {days} days from today ({context.today.isoformat()});"
            f" platform.yaml spec.scenarios.maxDays allows {limit.maxDays}",
        )
    elif days <= WARN_DAYS:
        when = "today" if days == 0 else f"in {days} day{'s' if days > 1 else ''}"
        yield _warning(
            doc.problem(
                path, f"expires {when}; change `expires` to keep it (at most {limit.maxDays} days)"
            )
        )


def _warning(problem: Problem) -> Problem:
    return Problem(
        problem.file, problem.line, problem.col, problem.field, problem.message, "warning"
    )


def running_apps(apps: Mapping[str, tuple[Application, Document]], scenario: Scenario) -> list[str]:
    """The apps the scenario runs: those it names, or every app of its base environment."""
    if scenario.spec.apps is not None:
        return sorted(scenario.spec.apps)
    return sorted(n for n, (a, _) in apps.items() if scenario.spec.base in a.spec.environments)


def _apps(
    context: Context, folder: str, scenario: Scenario, doc: Document, environment: Environment
) -> Iterator[Problem]:
    apps = context.apps.get(folder, {})
    base = environment.name
    name = scenario.metadata.name
    for app_name in running_apps(apps, scenario):
        path = ("spec", "apps", app_name)
        if app_name not in apps:
            have = human_list(sorted(apps)) if apps else "none"
            yield doc.problem(
                path, f"tenant {folder!r} has no app {app_name!r}; its apps: {have}", key=True
            )
            continue
        app = apps[app_name][0]
        if base not in app.spec.environments:
            yield doc.problem(path, f"app {app_name!r} does not run in {base!r}", key=True)
            continue
        wanted = (scenario.spec.apps or {}).get(app_name)
        if wanted is not None and wanted.host is not None:
            yield from _host(context, folder, scenario, doc, environment, wanted.host, path)
        elif app.spec.environments[base].host is not None:
            host = scenario_host(app_name, name, folder, environment.domain)
            yield from _host(context, folder, scenario, doc, environment, host, path)


def _quota(
    context: Context, folder: str, scenario: Scenario, doc: Document, environment: Environment
) -> Iterator[Problem]:
    """Its apps, as it runs them (every replica, the most an autoscaler may run), within the
    quota of its size."""
    size = context.platform.spec.sizes.get(scenario.spec.size)
    if size is None:
        return
    present = [
        app
        for app, _ in context.apps.get(folder, {}).values()
        if environment.name in app.spec.environments
    ]
    totals = dict.fromkeys(("cpu", "memory", "storage"), Fraction(0))
    for app in scenario_apps(folder, scenario, environment, present):
        for resource, amount in app_requests(app, environment.name).items():
            totals[resource] += amount
    for resource, total in totals.items():
        limit = getattr(size, resource)
        if total > parse_quantity(limit):
            yield doc.problem(
                ("spec", "size"),
                f"its apps would request {resource} {format_amount(resource, total)} in all,"
                f" over the quota of size {scenario.spec.size} ({limit}): lower replicas or"
                " choose a larger size",
            )


def _host(
    context: Context,
    folder: str,
    scenario: Scenario,
    doc: Document,
    environment: Environment,
    host: str,
    path: tuple[str, ...],
) -> Iterator[Problem]:
    space = f"{scenario.metadata.name}.{folder}.{environment.domain}"
    wrong = host_problem(context.platform, folder, environment, host, frozenset(context.tenants))
    if wrong is not None:
        yield doc.problem((*path, "host"), wrong)
    elif host != space and not in_domain(host, space):
        yield doc.problem(
            (*path, "host"),
            f"{host!r} is outside the scenario's host space; hosts of scenario"
            f" {scenario.metadata.name} must be {space} or <name>.{space}",
        )


def _taken_names(context: Context) -> dict[str, str]:
    """Every namespace and Argo CD name the tenants and their apps take, with its owner."""
    taken = {ns: "the platform" for ns in reserved_namespaces(context.platform)}
    for folder, (tenant, _) in sorted(context.tenants.items()):
        for env in tenant.spec.environments:
            taken.setdefault(layout.tenant_namespace(folder, env), f"tenant {folder!r}")
            for app in context.apps.get(folder, {}):
                name = layout.app_application(folder, app, env)
                taken.setdefault(name, f"app {app!r} of tenant {folder!r}")
    return taken


def _names(
    taken: dict[str, str],
    folder: str,
    scenario: Scenario,
    doc: Document,
    environment: Environment,
    context: Context,
) -> Iterator[Problem]:
    name = scenario.metadata.name
    namespace = scenario_namespace(folder, name, environment.name)
    path = ("metadata", "name")
    if len(namespace) > 63:
        yield doc.problem(
            path, f"its namespace {namespace!r} is {len(namespace)} characters; at most 63"
        )
    names = [namespace] + [
        scenario_namespace(folder, f"{name}-{app}", environment.name)
        for app in running_apps(context.apps.get(folder, {}), scenario)
    ]
    for taken_name in names:
        owner = taken.get(taken_name)
        if owner is not None:
            yield doc.problem(
                path,
                f"{taken_name!r} (the scenario's namespace or an Argo CD name of it) is already"
                f" taken by {owner}; choose another name",
            )
    for taken_name in names:
        taken.setdefault(taken_name, f"scenario {scenario_file(folder, name)}")


def scenario_monthly(platform: Platform, scenario: Scenario) -> Fraction | None:
    """What the scenario's quota (its size) costs a month, or None for an unknown size."""
    size = platform.spec.sizes.get(scenario.spec.size)
    if size is None:
        return None
    return monthly_cost(Quota(size.cpu, size.memory, size.storage), platform.spec.pricing)


def _budget(
    context: Context, tenant: Tenant, scenarios: Mapping[str, tuple[Scenario, Document]]
) -> Iterator[Problem]:
    """With `countsAgainstBudget`, the tenant's quotas and its scenarios' must fit its budget:
    reported on the first scenario (by name) that takes the estimate over it."""
    platform = context.platform
    limit = platform.spec.scenarios
    if limit is None or not limit.countsAgainstBudget or tenant.spec.budget is None:
        return
    total = estimate_tenant(platform, tenant)
    if total is None:
        return
    budget = Fraction(str(tenant.spec.budget.monthly))
    currency = platform.spec.pricing.currency
    for _, (scenario, doc) in sorted(scenarios.items()):
        cost = scenario_monthly(platform, scenario)
        if cost is None:
            continue
        total += cost
        if total > budget:
            yield doc.problem(
                ("spec", "size"),
                f"with this scenario ({money(cost, currency)} a month) tenant"
                f" {tenant.metadata.name!r} is estimated at {money(total, currency)} a month,"
                f" over its budget of {money(budget, currency)} (platform.yaml"
                " spec.scenarios.countsAgainstBudget); choose a smaller size or raise the budget",
            )
            return


def scenario_apps(
    tenant: str, scenario: Scenario, environment: Environment, apps: Sequence[Application]
) -> list[Application]:
    """Its apps as they run in the base environment, with what the scenario changes."""
    out = []
    wanted = scenario.spec.apps
    for app in apps:
        name = app.metadata.name
        if wanted is not None and name not in wanted:
            continue
        base = app.spec.environments[environment.name]
        change = wanted.get(name) if wanted is not None else None
        update: dict[str, Any] = {}
        if base.host is not None:
            update["host"] = scenario_host(name, scenario.metadata.name, tenant, environment.domain)
        if change is not None:
            if change.tag is not None:
                update |= {"tag": change.tag, "digest": change.digest}
            elif change.digest is not None:
                update["digest"] = change.digest
            if change.replicas is not None:
                update |= {"replicas": change.replicas, "autoscale": None}
            if change.host is not None:
                update["host"] = change.host
        here: AppEnvironment = base.model_copy(update=update)
        spec = app.spec.model_copy(update={"environments": {environment.name: here}})
        out.append(app.model_copy(update={"spec": spec}))
    return sorted(out, key=lambda a: a.metadata.name)
