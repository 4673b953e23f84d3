"""Rules for a tenant's chart app (`blueprint: chart`, models/charts.py) that need the platform,
its tenant and the chart's values schema: the chart and its versions from the allow-list, the
values against the schema and the denied value paths, hosts in the tenant's space.

What only the chart itself can say (the Services it renders, the objects a tenant's project
refuses) is checked by `berth verify`, which follows the chart from its repository.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import Draft7Validator, SchemaError

from generator.models.charts import (
    DENIED_KEYS,
    EXTRAS_APPLICATION_SUFFIX,
    IMAGE_KEYS,
    MAX_VALUES_BYTES,
    AllowedChart,
    ChartApplication,
)
from generator.models.platform import Platform
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo import layout
from generator.validate.app_global import Apps
from generator.validate.app_rules import database_name_length, secret_key_problem
from generator.validate.hosts import host_problem
from generator.yamlio.reader import Document

MAX_APPLICATION_NAME = 63  # as app_global's check: Argo CD puts the name in a label value
ChartApps = Mapping[str, Mapping[str, tuple[ChartApplication, Document]]]  # tenant -> stem
ValuePath = tuple[str | int, ...]
VALUES = ("spec", "values")


def check_chart_apps(
    platform: Platform,
    root: str,
    tenants: Mapping[str, tuple[Tenant, Document]],
    apps: ChartApps,
    tenant_folders: frozenset[str],
    others: Apps,
    platform_doc: Document,
) -> Iterator[Problem]:
    """`others`: the tenants' other applications, whose hosts and Argo CD names a chart's may
    not take."""
    yield from _hosts_unique(apps, others)
    yield from _argocd_names(platform, tenants, apps, others)
    schemas = {
        name: _validator(root, chart.valuesSchema)
        for name, chart in platform.spec.charts.items()
        if chart.valuesSchema is not None
    }
    for name, validator in sorted(schemas.items()):
        if isinstance(validator, str):
            yield platform_doc.problem(("spec", "charts", name, "valuesSchema"), validator)
    for folder in sorted(apps):
        tenant = tenants[folder][0] if folder in tenants else None
        for stem, (app, doc) in sorted(apps[folder].items()):
            yield from check_chart_app(platform, folder, tenant, stem, app, doc, tenant_folders)
            found = schemas.get(app.spec.chart.name)
            if isinstance(found, Draft7Validator):
                yield from _schema(found, doc, app)


def check_chart_app(
    platform: Platform,
    folder: str,
    tenant: Tenant | None,
    stem: str,
    app: ChartApplication,
    doc: Document,
    tenant_folders: frozenset[str],
) -> Iterator[Problem]:
    spec = app.spec
    if app.metadata.name != stem:
        yield doc.problem(
            ("metadata", "name"),
            f"{app.metadata.name!r} must equal its file name {stem!r}"
            f" ({layout.app_file(folder, stem)})",
        )
    yield from database_name_length(app, doc)
    chart = platform.spec.charts.get(spec.chart.name)
    if chart is None:
        allowed = ", ".join(sorted(platform.spec.charts)) or "none (platform.yaml has no charts)"
        yield doc.problem(
            ("spec", "chart", "name"),
            f"unknown chart {spec.chart.name!r}; the platform allows: {allowed}",
        )
    for env_name, env in spec.environments.items():
        path = ("spec", "environments", env_name)
        if tenant is not None and env_name not in tenant.spec.environments:
            yield doc.problem(
                path,
                f"tenant {folder!r} has no environment {env_name!r}; it has:"
                f" {', '.join(tenant.spec.environments)}",
                key=True,
            )
        if chart is not None and not chart.allows(env.version):
            yield doc.problem(
                (*path, "version"),
                f"{env.version!r} is not a version platform.yaml allows for chart"
                f" {spec.chart.name!r}: {', '.join(repr(v) for v in chart.versions)}",
            )
        environment = platform.spec.environment(env_name)
        if env.host is None or environment is None:
            continue
        if spec.expose is None:
            yield doc.problem(
                (*path, "host"), "a host needs `spec.expose`: the chart's Service to route it to"
            )
            continue
        problem = host_problem(platform, folder, environment, env.host, tenant_folders)
        if problem:
            yield doc.problem((*path, "host"), problem)
    prefix = platform.spec.secrets.prefix("<environment>", folder)
    seen: set[str] = set()
    for i, secret in enumerate(spec.secrets):
        if secret.name in seen:
            yield doc.problem(("spec", "secrets", i, "name"), f"{secret.name} is listed twice")
        seen.add(secret.name)
        problem = secret_key_problem(folder, prefix, stem, secret.key, tenant_folders)
        if problem:
            yield doc.problem(("spec", "secrets", i, "key"), problem)
    size = len(json.dumps(spec.values, sort_keys=True))
    if size > MAX_VALUES_BYTES:
        yield doc.problem(VALUES, f"is {size} bytes as JSON; at most {MAX_VALUES_BYTES}")
        return
    yield from _denied(platform, spec.chart.name, chart, doc, spec.values)


def _argocd_names(
    platform: Platform,
    tenants: Mapping[str, tuple[Tenant, Document]],
    charts: ChartApps,
    others: Apps,
) -> Iterator[Problem]:
    """As app_global's `check_argocd_names`, for a chart's Application and its extras'."""
    taken: dict[str, str] = {}
    for env in platform.spec.environments:
        taken[layout.root_application(env.name)] = f"the root Application of {env.name}"
    for folder in sorted(tenants):
        for env_name in tenants[folder][0].spec.environments:
            name = layout.tenant_namespace(tenants[folder][0].metadata.name, env_name)
            taken.setdefault(name, f"the guardrails of tenant {folder!r} in {env_name}")
    for folder in sorted(others):
        for stem, (other, _) in sorted(others[folder].items()):
            for env_name in other.spec.environments:
                name = layout.app_application(folder, other.metadata.name, env_name)
                taken.setdefault(name, f"the Application of {layout.app_file(folder, stem)}")
    for folder in sorted(charts):
        for stem, (app, doc) in sorted(charts[folder].items()):
            for env_name, settings in app.spec.environments.items():
                name = layout.app_application(folder, app.metadata.name, env_name)
                names = [name]
                if app.spec.secrets or (app.spec.expose is not None and settings.host is not None):
                    names.append(name + EXTRAS_APPLICATION_SUFFIX)
                for one in names:
                    path = ("spec", "environments", env_name)
                    if len(one) > MAX_APPLICATION_NAME:
                        yield doc.problem(
                            path,
                            f"the Argo CD Application name {one!r} would be {len(one)}"
                            f" characters; at most {MAX_APPLICATION_NAME}: shorten the"
                            " application name",
                            key=True,
                        )
                    elif one in taken:
                        yield doc.problem(
                            path,
                            f"the Argo CD Application name {one!r} is already {taken[one]};"
                            " rename the application",
                            key=True,
                        )
                    else:
                        taken[one] = f"the Application of {layout.app_file(folder, stem)}"


def _hosts_unique(charts: ChartApps, others: Apps) -> Iterator[Problem]:
    """A chart app's host clashing with any other app's, reported on every claim (clashes
    between two other apps are app_rules' `check_hosts_unique`)."""
    claims: dict[str, list[tuple[str, str, Document, bool]]] = {}

    def claim(
        folder: str, stem: str, doc: Document, hosts: dict[str, str | None], chart: bool
    ) -> None:
        for env_name, host in hosts.items():
            if host is not None:
                found = (layout.app_file(folder, stem), env_name, doc, chart)
                claims.setdefault(host, []).append(found)

    for folder, apps in charts.items():
        for stem, (app, doc) in apps.items():
            claim(folder, stem, doc, {n: e.host for n, e in app.spec.environments.items()}, True)
    for folder, other in others.items():
        for stem, (regular, doc) in other.items():
            hosts = {n: e.host for n, e in regular.spec.environments.items()}
            claim(folder, stem, doc, hosts, False)
    for host, found in sorted(claims.items()):
        if len(found) < 2 or not any(chart for *_, chart in found):
            continue
        for file, env_name, doc, chart in found:
            clashing = sorted(
                (c for c in found if c[0] != file or c[1] != env_name), key=lambda c: c[:2]
            )
            if not chart:  # an app clashing with apps only is reported by app_rules
                clashing = [c for c in clashing if c[3]]
            names = ", ".join(f"{c[0]} ({c[1]})" for c in clashing)
            yield doc.problem(
                ("spec", "environments", env_name, "host"),
                f"{host!r} is also the host of {names}; a host belongs to one application",
            )


def _walk(value: Any, path: ValuePath) -> Iterator[tuple[ValuePath, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _walk(value[key], (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))


def _matches(pattern: str, path: ValuePath) -> bool:
    """Whether a dotted pattern (`*` any one key) names `path` or one of its ancestors."""
    parts = pattern.split(".")
    keys = [str(p) for p in path]
    return len(keys) >= len(parts) and all(p in ("*", k) for p, k in zip(parts, keys, strict=False))


def _denied(
    platform: Platform,
    name: str,
    chart: AllowedChart | None,
    doc: Document,
    values: dict[str, Any],
) -> Iterator[Problem]:
    registries = platform.spec.registries
    extra = chart.deniedValues if chart is not None else []
    for path, value in _walk(values, ()):
        key = path[-1] if path else None
        if isinstance(key, str) and key in DENIED_KEYS and value not in (False, None, [], {}):
            yield doc.problem(
                (*VALUES, *path),
                f"{key} is refused in every chart's values ({DENIED_KEYS[key]}): the tenant's"
                " admission rules refuse it",
            )
        elif path and (hit := next((p for p in extra if _matches(p, path)), None)):
            if len(hit.split(".")) == len(path):
                yield doc.problem(
                    (*VALUES, *path),
                    f"the platform refuses value path {hit!r} for this chart (platform.yaml"
                    f" spec.charts.{name}.deniedValues)",
                )
        elif _foreign_image(key, value, registries):
            yield doc.problem(
                (*VALUES, *path),
                f"{value!r} is not from an allowed registry; the platform allows:"
                f" {', '.join(registries)}",
            )


def _foreign_image(key: object, value: object, registries: list[str]) -> bool:
    """An image or registry value that names a registry host outside the platform's."""
    if key not in IMAGE_KEYS or not isinstance(value, str) or not _names_registry(value):
        return False
    return not any((value + "/").startswith(r) or value.startswith(r) for r in registries)


def _names_registry(value: str) -> bool:
    """Whether an image or registry value starts with a host (`ghcr.io/...`, `host:5000`),
    rather than a path the chart puts under its own registry value (`bitnami/redis`)."""
    first = value.split("/", 1)[0]
    return "." in first or ":" in first or first == "localhost"


def _validator(root: str, path: str) -> Draft7Validator | str:
    """The platform's copy of a chart's values.schema.json, or why it cannot be used."""
    full = os.path.join(root, path)
    top = os.path.realpath(root)
    if not os.path.realpath(full).startswith(top + os.sep):
        # The path is checked to stay inside; a symbolic link on the way must not lead out.
        return f"{path} leads outside the repository through a symbolic link: copy the file in"
    try:
        with open(full, encoding="utf-8") as fh:
            schema = json.load(fh)
        Draft7Validator.check_schema(schema)
    except FileNotFoundError:
        return f"{path} does not exist: copy the chart's values.schema.json there"
    except OSError as exc:
        return f"{path} cannot be read: {exc.strerror}"
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError, without the full path
        return f"{path} is not valid JSON: {exc}"
    except SchemaError as exc:
        return f"{path} is not a valid JSON Schema: {exc.message}"
    return Draft7Validator(schema)


def _schema(validator: Draft7Validator, doc: Document, app: ChartApplication) -> Iterator[Problem]:
    for error in sorted(
        validator.iter_errors(app.spec.values), key=lambda e: list(map(str, e.path))
    ):
        yield doc.problem(
            (*VALUES, *error.absolute_path),
            f"the chart's values.schema.json refuses it: {error.message}",
        )
