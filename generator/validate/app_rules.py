"""Rules for one application that need more than its own file: the platform, its tenant and
its blueprint. `check_apps` runs them on every application, then the rules across all of them
(`app_global.py`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from generator.models.application import Application
from generator.models.blueprint import ENVIRONMENT_FIELDS
from generator.models.platform import Platform
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo import layout
from generator.validate.app_global import (
    AnyApp,
    AnyApps,
    Apps,
    Tenants,
    check_argocd_names,
    check_backup_schedules,
    check_database_names,
    check_quotas,
    with_charts,
)
from generator.validate.credentials import credential_in, sensitive_name
from generator.validate.cron import cron_problem
from generator.validate.hosts import check_grant_tenants, check_hosts_unique, host_problem
from generator.validate.network import check_api_server, check_egress
from generator.validate.operations import check_operations
from generator.yamlio.reader import Document

if TYPE_CHECKING:  # a type only
    from generator.load.blueprints import Blueprint

DATABASE_URL = "DATABASE_URL"  # set by the chart from the database's own Secret
MAX_CRONJOB_NAME = 52  # a CronJob's Jobs append an 11-character suffix to its name
# The chart names an app's CloudNativePG Cluster and ScheduledBackup `<app>-db`. CloudNativePG's
# webhook refuses a Cluster name over 50 characters, and each Backup a ScheduledBackup creates is
# named `<scheduledbackup>-<YYYYMMDDhhmmss>` and carried in a label value (63 at most). The second
# rule is the tighter one: 63 - 15 - 3 = 45 (the first allows 47).
DATABASE_SUFFIX = "-db"
CNPG_MAX_CLUSTER_NAME = 50
LABEL_VALUE_MAX = 63
BACKUP_TIME_SUFFIX = len("-20060102150405")
MAX_DATABASE_APP_NAME = min(CNPG_MAX_CLUSTER_NAME, LABEL_VALUE_MAX - BACKUP_TIME_SUFFIX) - len(
    DATABASE_SUFFIX
)


def check_apps(
    platform: Platform,
    platform_doc: Document,
    tenants: Tenants,
    apps: Apps,
    blueprints: Mapping[str, Blueprint | None],
    tenant_folders: frozenset[str],
    charts: AnyApps,
) -> Iterator[Problem]:
    """`charts`: the chart apps, whose databases count as other apps' do."""
    for folder in sorted(apps):
        tenant = tenants[folder][0] if folder in tenants else None
        for stem, (app, doc) in sorted(apps[folder].items()):
            yield from check_app(
                platform, folder, tenant, stem, app, doc, blueprints, tenant_folders
            )
    yield from check_hosts_unique(apps)
    yield from check_grant_tenants(platform, platform_doc, tenant_folders)
    yield from check_argocd_names(platform, tenants, apps)
    every = with_charts(apps, charts)
    yield from check_quotas(platform, tenants, every)
    yield from check_database_names(every)
    yield from check_backup_schedules(platform, platform_doc, every)
    yield from check_api_server(platform, platform_doc, every)


def check_app(
    platform: Platform,
    folder: str,
    tenant: Tenant | None,
    stem: str,
    app: Application,
    doc: Document,
    blueprints: Mapping[str, Blueprint | None],
    tenant_folders: frozenset[str],
) -> Iterator[Problem]:
    name, spec = app.metadata.name, app.spec
    if name != stem:
        yield doc.problem(
            ("metadata", "name"),
            f"{name!r} must equal its file name {stem!r} ({layout.app_file(folder, stem)})",
        )
    blueprint = blueprints.get(spec.blueprint)
    if blueprint is None and spec.blueprint not in blueprints:
        allowed = ", ".join(sorted(blueprints)) or f"none ({layout.BLUEPRINTS_DIR}/ has none)"
        yield doc.problem(
            ("spec", "blueprint"), f"unknown blueprint {spec.blueprint!r}; available: {allowed}"
        )
    elif blueprint is not None:  # None: broken, and reported on the blueprint's own files
        yield from _blueprint_fields(app, doc, blueprint)
    if tenant is not None:
        for env_name in spec.environments:
            if env_name not in tenant.spec.environments:
                yield doc.problem(
                    ("spec", "environments", env_name),
                    f"tenant {folder!r} has no environment {env_name!r}; it has:"
                    f" {', '.join(tenant.spec.environments)}",
                    key=True,
                )
    if not any(spec.image.startswith(prefix) for prefix in platform.spec.registries):
        yield doc.problem(
            ("spec", "image"),
            f"{spec.image!r} is not from an allowed registry; the platform allows:"
            f" {', '.join(platform.spec.registries)}",
        )
    yield from _environments(platform, folder, app, doc, blueprint, tenant_folders)
    # Where the keys live, in every environment's words (platform.yaml secrets.keyTemplate).
    prefix = platform.spec.secrets.prefix("<environment>", folder)
    yield from _secrets(folder, prefix, app, doc, tenant_folders)
    yield from _env_vars(prefix, app, doc)
    if spec.schedule is not None:
        problem = cron_problem(spec.schedule)
        if problem:
            yield doc.problem(("spec", "schedule"), problem)
    yield from _derived_names(app, doc, blueprint)
    yield from check_operations(platform, app, doc)
    yield from check_egress(platform, app, doc)


def _is_set(value: object) -> bool:
    return value is not None and value != {} and value != []


def _blueprint_fields(app: Application, doc: Document, blueprint: Blueprint) -> Iterator[Problem]:
    spec = app.spec
    source = layout.blueprint_file(blueprint.name)
    for field in blueprint.requires:
        if field in ENVIRONMENT_FIELDS:
            for env_name, env in spec.environments.items():
                if not _is_set(getattr(env, field)):
                    yield doc.problem(
                        ("spec", "environments", env_name),
                        f"{field} is required for a {blueprint.name} ({source})",
                        key=True,
                    )
        elif not _is_set(getattr(spec, field)):
            line, col = doc.where(("spec",), key=True)
            yield Problem(
                doc.path,
                line,
                col,
                f"spec.{field}",
                f"is required for a {blueprint.name} ({source})",
            )
    for field in blueprint.forbids:
        if field in ENVIRONMENT_FIELDS:
            for env_name, env in spec.environments.items():
                if _is_set(getattr(env, field)):
                    yield doc.problem(
                        ("spec", "environments", env_name, field),
                        f"a {blueprint.name} takes no {field} ({source}); remove it",
                        key=True,
                    )
        elif _is_set(getattr(spec, field)):
            yield doc.problem(
                ("spec", field), f"a {blueprint.name} takes no {field} ({source}); remove it"
            )


def _environments(
    platform: Platform,
    folder: str,
    app: Application,
    doc: Document,
    blueprint: Blueprint | None,
    tenant_folders: frozenset[str],
) -> Iterator[Problem]:
    host_allowed = blueprint is None or "host" not in blueprint.forbids
    for env_name, env in app.spec.environments.items():
        path = ("spec", "environments", env_name)
        if env.tag is None and env.digest is None:
            yield doc.problem(
                path, 'needs the image tag to run (tag: "1.4.0") or its digest', key=True
            )
        environment = platform.spec.environment(env_name)
        if environment is not None and environment.requireDigest and env.digest is None:
            yield doc.problem(
                path,
                f"needs the image digest (digest: sha256:<64 hex digits>): {env_name} runs"
                " images pinned by digest only (platform.yaml requireDigest)",
                key=True,
            )
        if env.host is None or environment is None or not host_allowed:
            continue
        # The folder is the tenant's name (a tenant.yaml that says otherwise is refused).
        problem = host_problem(platform, folder, environment, env.host, tenant_folders)
        if problem:
            yield doc.problem((*path, "host"), problem)


def _secrets(
    tenant: str, prefix: str, app: Application, doc: Document, tenant_folders: frozenset[str]
) -> Iterator[Problem]:
    spec = app.spec
    seen: set[str] = set()
    for i, secret in enumerate(spec.secrets):
        if secret.name in seen:
            yield doc.problem(("spec", "secrets", i, "name"), f"{secret.name} is listed twice")
        seen.add(secret.name)
        if secret.name in spec.env:
            yield doc.problem(
                ("spec", "secrets", i, "name"), f"{secret.name} is also set in env; keep one"
            )
        if secret.name == DATABASE_URL and spec.database is not None:
            yield doc.problem(
                ("spec", "secrets", i, "name"),
                f"{DATABASE_URL} is set from the database; remove it or rename it",
            )
        problem = secret_key_problem(tenant, prefix, app.metadata.name, secret.key, tenant_folders)
        if problem:
            yield doc.problem(("spec", "secrets", i, "key"), problem)


def secret_key_problem(
    tenant: str, prefix: str, app: str, key: str, tenant_folders: frozenset[str]
) -> str | None:
    """Keys are read from `<prefix><key>`: they must stay below the tenant's own path.

    A first segment naming another tenant reads as a reach into its secrets and is refused,
    unless it is the application's own name (`<app>/<name>` is the usual layout).
    """
    where = f"keys are read under {prefix}"
    if key.startswith("/"):
        rest = key.removeprefix(f"/{tenant}/").lstrip("/")
        return f"{key!r} must not start with '/': {where}, so write {rest!r}"
    if not all(c.isascii() and (c.isalnum() or c in "_.-/") for c in key):
        return f"{key!r} may hold ASCII letters, digits, '_', '.', '-' and '/' only"
    parts = key.split("/")
    if "" in parts:
        return f"{key!r} has an empty path segment"
    if "." in parts or ".." in parts:
        return f"{key!r} must not contain '.' or '..' segments: {where}"
    if parts[0] not in (tenant, app) and parts[0] in tenant_folders and len(parts) > 1:
        return (
            f"{key!r} starts with the name of tenant {parts[0]!r}, but {where} (this would read"
            f" {prefix}{key}); another tenant's secrets are out of reach"
        )
    return None


def _env_vars(prefix: str, app: Application, doc: Document) -> Iterator[Problem]:
    spec = app.spec
    for name, value in spec.env.items():
        path = ("spec", "env", name)
        advice = (
            "a value here is plain text in Git: put it in the secret store under"
            f" {prefix} and list it in `secrets` ({{name: {name}, key: <path>}})"
        )
        if name == DATABASE_URL and spec.database is not None:
            yield doc.problem(path, f"{DATABASE_URL} is set from the database; remove it")
        elif value and sensitive_name(name):
            yield doc.problem(path, f"{name} names a credential; {advice}")
        else:
            what = credential_in(value)
            if what:
                yield doc.problem(path, f"looks like {what}; {advice}")


def database_name_length(app: AnyApp, doc: Document) -> Iterator[Problem]:
    """An app's database objects are named after it (chart apps' too): a length limit."""
    name = app.metadata.name
    if app.spec.database is not None and len(name) > MAX_DATABASE_APP_NAME:
        yield doc.problem(
            ("metadata", "name"),
            f"{name!r} is {len(name)} characters; with a database at most"
            f" {MAX_DATABASE_APP_NAME}: its CloudNativePG ScheduledBackup {name}{DATABASE_SUFFIX}"
            f" would create Backups named {name}{DATABASE_SUFFIX}-<14-digit time>, over the"
            f" {LABEL_VALUE_MAX} characters of a label value (and a Cluster name may have at most"
            f" {CNPG_MAX_CLUSTER_NAME})",
        )


def _derived_names(
    app: Application, doc: Document, blueprint: Blueprint | None
) -> Iterator[Problem]:
    name = app.metadata.name
    yield from database_name_length(app, doc)
    if blueprint is not None and "schedule" in blueprint.requires and len(name) > MAX_CRONJOB_NAME:
        yield doc.problem(
            ("metadata", "name"),
            f"{name!r} is {len(name)} characters; a {blueprint.name} at most {MAX_CRONJOB_NAME}"
            " (its Jobs add an 11-character suffix)",
        )
