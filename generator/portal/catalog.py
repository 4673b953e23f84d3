"""The Backstage catalog of the requests, as data: one tenant's entities, and the Location.

Each tenant's entities live in a Backstage namespace named after the tenant, so a tenant's file
is self-contained (nothing in it can collide with another tenant's or with the users and groups
an organisation provider imports into `default`) and deleting the tenant deletes all of it:

- Group `<tenant>/<tenant>`: the tenant's team; its title is the identity-provider `group`,
  its members the tenant's owners;
- User `<tenant>/<owner>` for each owner, member of that Group; a team owner (`org/team`)
  is a Group `<tenant>/<org>.<team>` instead, child of that Group (Backstage names allow no
  '/'; a Git login has no '.', so the name is the team's and no user's);
- System `<tenant>/<tenant>`: everything the tenant runs that names no System of its own,
  and System `<tenant>/<name>` per `tenants/<tenant>/systems/<name>.yaml`;
- Component `<tenant>/<app>` per application, and Resource `<tenant>/<app>-db` for its database;
  API `<tenant>/<app>` for its `api`, and `consumesApis` for its `consumes` (catalog_apis.py).

The Kubernetes and Argo CD annotations select exactly the labels `render` puts on the objects:
the chart's `berth.labels` (app.kubernetes.io/name, berth.dev/tenant) and the Applications'
berth.dev/tenant and berth.dev/application (render/app.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.models.application import Application
from generator.models.common import is_team
from generator.models.platform import Environment, Platform
from generator.models.system import System
from generator.models.tenant import Tenant
from generator.portal.catalog_apis import api_entity, api_ref, app_system_ref, system_entity
from generator.repo import layout

API_VERSION = "backstage.io/v1alpha1"

# Backstage's conventional component types; a blueprint not listed is its own type.
COMPONENT_TYPES = {"web-service": "service", "worker": "worker", "cronjob": "job"}

KUBERNETES_ID = "backstage.io/kubernetes-id"
KUBERNETES_SELECTOR = "backstage.io/kubernetes-label-selector"
KUBERNETES_NAMESPACE = "backstage.io/kubernetes-namespace"
ARGOCD_SELECTOR = "argocd/app-selector"

LOCATION_NAME = "berth"


def ref(kind: str, namespace: str, name: str) -> str:
    return f"{kind}:{namespace}/{name}"


def group_ref(tenant: str) -> str:
    return ref("group", tenant, tenant)


def system_ref(tenant: str) -> str:
    return ref("system", tenant, tenant)


def database_name(app: str) -> str:
    return f"{app}-db"


def pod_selector(tenant: str, app: str) -> dict[str, str]:
    """Labels every object of the app's chart carries (blueprints/chart `berth.labels`)."""
    return {"app.kubernetes.io/name": app, "berth.dev/tenant": tenant}


def application_selector(tenant: str, app: str) -> dict[str, str]:
    """Labels the app's Argo CD Applications carry in every environment (render/app.py)."""
    return {"berth.dev/tenant": tenant, "berth.dev/application": app}


def selector_text(labels: Mapping[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in labels.items())


def lifecycle(platform: Platform, environments: Mapping[str, object]) -> str:
    """`production` once the app runs in the platform's last environment, else `experimental`."""
    last = platform.spec.environments[-1].name
    return "production" if last in environments else "experimental"


def _distinct(owners: list[str]) -> list[str]:
    """Owners without case variants: Git hosts and Backstage both compare names ignoring case,
    and two Users `Alice` and `alice` in one namespace would be one entity twice."""
    seen: set[str] = set()
    out = []
    for owner in owners:
        if owner.casefold() not in seen:
            seen.add(owner.casefold())
            out.append(owner)
    return out


def _team_group(tenant: str, team: str) -> dict[str, Any]:
    """A team owner as a Group under the tenant's: its members are the Git host's to list
    (an organisation provider may import them); Berth knows the team's name only."""
    return {
        "apiVersion": API_VERSION,
        "kind": "Group",
        "metadata": {
            "name": team.replace("/", "."),
            "namespace": tenant,
            "title": f"@{team}",
            "annotations": {"berth.dev/codeowner": f"@{team}"},
        },
        "spec": {
            "type": "team",
            "profile": {"displayName": f"@{team}"},
            "parent": group_ref(tenant),
            "children": [],
        },
    }


def _berth_annotations(path: str) -> dict[str, str]:
    return {"berth.dev/request": path}


def tenant_entities(
    platform: Platform,
    tenant: Tenant,
    apps: Mapping[str, Application],
    systems: Mapping[str, System] | None = None,
) -> list[dict[str, Any]]:
    name = tenant.metadata.name
    spec = tenant.spec
    envs = [e.name for e in platform.spec.environments if e.name in spec.environments]
    request = layout.tenant_file(name)
    entities: list[dict[str, Any]] = [
        {
            "apiVersion": API_VERSION,
            "kind": "Group",
            "metadata": {
                "name": name,
                "namespace": name,
                "title": spec.group,
                "description": spec.description,
                "annotations": {
                    **_berth_annotations(request),
                    "berth.dev/group": spec.group,
                    "berth.dev/cost-center": spec.costCenter,
                },
            },
            "spec": {"type": "team", "profile": {"displayName": spec.group}, "children": []},
        },
        *(
            {
                "apiVersion": API_VERSION,
                "kind": "User",
                "metadata": {"name": owner, "namespace": name},
                # Backstage derives the Group's hasMember from this.
                "spec": {"memberOf": [group_ref(name)]},
            }
            for owner in _distinct(spec.owners)
            if not is_team(owner)
        ),
        *(_team_group(name, team) for team in _distinct(spec.owners) if is_team(team)),
        {
            "apiVersion": API_VERSION,
            "kind": "System",
            "metadata": {
                "name": name,
                "namespace": name,
                "description": spec.description,
                "annotations": {
                    **_berth_annotations(request),
                    "berth.dev/environments": ",".join(envs),
                    "berth.dev/namespaces": ",".join(
                        layout.tenant_namespace(name, env) for env in envs
                    ),
                },
            },
            "spec": {"owner": group_ref(name)},
        },
    ]
    entities.extend(system_entity(name, system) for system in (systems or {}).values())
    for app in apps.values():
        entities.extend(_app_entities(platform, tenant, app))
    return entities


def _app_entities(platform: Platform, tenant: Tenant, app: Application) -> list[dict[str, Any]]:
    tenant_name, name = tenant.metadata.name, app.metadata.name
    spec = app.spec
    envs = [e for e in platform.spec.environments if e.name in spec.environments]
    annotations = {
        **_berth_annotations(layout.app_file(tenant_name, name)),
        KUBERNETES_ID: f"{tenant_name}-{name}",
        KUBERNETES_SELECTOR: selector_text(pod_selector(tenant_name, name)),
        ARGOCD_SELECTOR: selector_text(application_selector(tenant_name, name)),
    }
    annotations |= one_namespace(tenant_name, envs)
    links = host_links(envs, {e: s.host for e, s in spec.environments.items()})
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": tenant_name,
        "description": f"{spec.blueprint} {spec.image}",
        "annotations": annotations,
        "tags": [spec.blueprint],
    }
    if links:
        metadata["links"] = links
    component: dict[str, Any] = {
        "type": COMPONENT_TYPES.get(spec.blueprint, spec.blueprint),
        "lifecycle": lifecycle(platform, spec.environments),
        "owner": group_ref(tenant_name),
        "system": app_system_ref(tenant_name, app),
    }
    entities: list[dict[str, Any]] = [
        {"apiVersion": API_VERSION, "kind": "Component", "metadata": metadata, "spec": component}
    ]
    if spec.api is not None:
        component["providesApis"] = [ref("api", tenant_name, name)]
        entities.append(api_entity(platform, tenant_name, app, spec.api, component["lifecycle"]))
    if spec.consumes:
        component["consumesApis"] = [api_ref(tenant_name, target) for target in spec.consumes]
    if spec.database is not None:
        component["dependsOn"] = [ref("resource", tenant_name, database_name(name))]
        system = app_system_ref(tenant_name, app)
        entities.append(database_entity(tenant_name, name, spec.database.size, system))
    return entities


def database_entity(tenant_name: str, app: str, size: str, system: str) -> dict[str, Any]:
    """The Resource `<app>-db` of an app's database (a chart app's too)."""
    return {
        "apiVersion": API_VERSION,
        "kind": "Resource",
        "metadata": {
            "name": database_name(app),
            "namespace": tenant_name,
            "description": f"PostgreSQL ({size}) of {app}",
            "annotations": _berth_annotations(layout.app_file(tenant_name, app)),
        },
        "spec": {"type": "database", "owner": group_ref(tenant_name), "system": system},
    }


def location(tenants: list[str], templates: list[str]) -> dict[str, Any]:
    """The one entity a Backstage admin registers: it lists every other catalog file."""
    return {
        "apiVersion": API_VERSION,
        "kind": "Location",
        "metadata": {
            "name": LOCATION_NAME,
            "description": "Every tenant and application of this Berth repository, and the"
            " templates that request new ones.",
        },
        "spec": {
            "type": "url",
            "targets": [
                *(_relative(layout.catalog_tenant_file(t)) for t in tenants),
                *(_relative(layout.catalog_template_file(t)) for t in templates),
            ],
        },
    }


def _relative(path: str) -> str:
    # Backstage resolves a url Location's relative targets against the Location's own file.
    return "./" + path.removeprefix(layout.CATALOG_DIR + "/")


def one_namespace(tenant: str, envs: list[Environment]) -> dict[str, str]:
    """The namespace annotation, only for an app in one environment: the annotation takes one
    namespace and each environment has its own."""
    if len(envs) != 1:
        return {}
    return {KUBERNETES_NAMESPACE: layout.tenant_namespace(tenant, envs[0].name)}


def host_links(envs: list[Environment], hosts: Mapping[str, str | None]) -> list[dict[str, str]]:
    """A link per environment where the app has a host, in the platform's order."""
    return [
        {"url": f"https://{host}", "title": env.name, "icon": "web"}
        for env in envs
        if (host := hosts.get(env.name)) is not None
    ]
