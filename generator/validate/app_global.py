"""Rules across all applications: unique Argo CD names, tenant quotas, names that
clash with database objects, and the backup schedules databases inherit.

A chart app (`blueprint: chart`) may declare a database as other apps do: the checks of
databases (quota, names, backup schedules) read both kinds of request, `AnyApps`.

Each reports on the application where the clash or the excess first appears, in the order of
tenant and application names, so the output is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction

from generator.models.application import DATABASE_SIZES, Application
from generator.models.charts import ChartApplication
from generator.models.platform import Platform
from generator.models.quantity import format_amount, parse_quantity
from generator.models.quota import effective_quota
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo import layout
from generator.validate.cron import cron_problem
from generator.yamlio.reader import Document

Apps = Mapping[str, Mapping[str, tuple[Application, Document]]]  # tenant folder -> stem -> app
Tenants = Mapping[str, tuple[Tenant, Document]]  # folder -> valid tenant
AnyApp = Application | ChartApplication
AnyApps = Mapping[str, Mapping[str, tuple[AnyApp, Document]]]  # both kinds of request


def with_charts(apps: Apps, charts: AnyApps) -> AnyApps:
    """Both kinds of request by tenant folder and stem (a stem is one file: never both)."""
    return {
        folder: {**apps.get(folder, {}), **charts.get(folder, {})}
        for folder in sorted({*apps, *charts})
    }


def _sorted_apps(apps: AnyApps) -> Iterator[tuple[str, str, AnyApp, Document]]:
    for folder in sorted(apps):
        for stem in sorted(apps[folder]):
            app, doc = apps[folder][stem]
            yield folder, stem, app, doc


def check_argocd_names(platform: Platform, tenants: Tenants, apps: Apps) -> Iterator[Problem]:
    """One Argo CD serves every environment: Application names must be unique across all."""
    taken: dict[str, str] = {}
    for env in platform.spec.environments:
        taken[layout.root_application(env.name)] = f"the root Application of {env.name}"
    for folder in sorted(tenants):
        tenant = tenants[folder][0]
        for env_name in tenant.spec.environments:
            name = layout.tenant_namespace(tenant.metadata.name, env_name)
            taken.setdefault(name, f"the guardrails of tenant {folder!r} in {env_name}")
    for folder, stem, app, doc in _sorted_apps(apps):
        for env_name in app.spec.environments:
            name = layout.app_application(folder, app.metadata.name, env_name)
            path = ("spec", "environments", env_name)
            if len(name) > 63:
                yield doc.problem(
                    path,
                    f"the Argo CD Application name {name!r} would be {len(name)} characters;"
                    " at most 63: shorten the application name",
                    key=True,
                )
            elif name in taken:
                yield doc.problem(
                    path,
                    f"the Argo CD Application name {name!r} is already {taken[name]};"
                    " rename the application",
                    key=True,
                )
            else:
                taken[name] = f"the Application of {layout.app_file(folder, stem)} in {env_name}"


def app_requests(app: AnyApp, env_name: str) -> dict[str, Fraction]:
    """What one application asks of its tenant's quota in one environment, at most: of a chart
    app, its database alone (the chart's own requests are the chart's, bounded by the
    tenant's LimitRange and quota at run time)."""
    total = dict.fromkeys(("cpu", "memory", "storage"), Fraction(0))
    if isinstance(app, Application):
        env = app.spec.environments[env_name]
        replicas = (
            env.autoscale.max if env.autoscale else (1 if env.replicas is None else env.replicas)
        )
        total["cpu"] = replicas * parse_quantity(app.spec.resources.cpu)
        total["memory"] = replicas * parse_quantity(app.spec.resources.memory)
    if app.spec.database is not None:
        size = DATABASE_SIZES[app.spec.database.size]
        total["cpu"] += size.instances * parse_quantity(size.cpu)
        total["memory"] += size.instances * parse_quantity(size.memory)
        total["storage"] += size.instances * parse_quantity(size.storage)
    return total


def check_quotas(platform: Platform, tenants: Tenants, apps: AnyApps) -> Iterator[Problem]:
    """Every replica (the most an autoscaler may run) and database instance, within the quota."""
    for folder in sorted(apps):
        if folder not in tenants:
            continue
        tenant = tenants[folder][0]
        for env_name, wanted in tenant.spec.environments.items():
            if platform.spec.environment(env_name) is None:
                continue
            if wanted.size not in platform.spec.sizes:
                continue
            quota = effective_quota(platform, tenant, env_name)
            totals = dict.fromkeys(("cpu", "memory", "storage"), Fraction(0))
            reported: set[str] = set()
            for stem in sorted(apps[folder]):
                app, doc = apps[folder][stem]
                if env_name not in app.spec.environments:
                    continue
                for resource, amount in app_requests(app, env_name).items():
                    totals[resource] += amount
                    limit = quota.amount(resource)
                    if totals[resource] <= limit or resource in reported:
                        continue
                    reported.add(resource)
                    yield doc.problem(
                        ("spec", "environments", env_name),
                        f"the applications of {folder} in {env_name} would request"
                        f" {resource} {format_amount(resource, totals[resource])} in all (this one"
                        f" {format_amount(resource, amount)}), over the tenant's quota of"
                        f" {getattr(quota, resource)}: lower replicas, autoscale.max or"
                        f" requests, or ask for a larger size in {layout.tenant_file(folder)}",
                        key=True,
                    )


def check_database_names(apps: AnyApps) -> Iterator[Problem]:
    """`<app>-db...` objects of CloudNativePG would clash with an application of that name."""
    for folder in sorted(apps):
        group = apps[folder]
        owners = {app.metadata.name: app for app, _ in group.values() if app.spec.database}
        for stem in sorted(group):
            app, doc = group[stem]
            for owner, other in sorted(owners.items()):
                prefix = f"{owner}-db"
                clash = app.metadata.name == prefix or app.metadata.name.startswith(prefix + "-")
                if clash and set(app.spec.environments) & set(other.spec.environments):
                    yield doc.problem(
                        ("metadata", "name"),
                        f"{app.metadata.name!r} clashes with the database objects of application"
                        f" {owner!r} ({prefix}, {prefix}-rw, ...); choose another name",
                    )


def check_backup_schedules(platform: Platform, doc: Document, apps: AnyApps) -> Iterator[Problem]:
    """Databases back up on the environment's backup schedule, so it must be a plain cron."""
    with_database = {
        env
        for _, _, app, _ in _sorted_apps(apps)
        if app.spec.database is not None
        for env in app.spec.environments
    }
    for i, env in enumerate(platform.spec.environments):
        if env.name in with_database:
            problem = cron_problem(env.backup.schedule)
            if problem:
                yield doc.problem(
                    ("spec", "environments", i, "backup", "schedule"),
                    f"{problem} (application databases in {env.name} back up on it too)",
                )
