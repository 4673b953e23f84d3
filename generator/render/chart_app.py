"""A tenant's third-party chart (`blueprint: chart`) in one environment: an Argo CD Application in
the tenant's project whose source is the chart in its own repository, values inline.

Values go inline (`helm.valuesObject`), not through a second source's `$values` file: one
source keeps the Application a single-source one (Argo CD's rollback, history and `argocd app
diff` work only on those), the tenant's project needs only the chart's repository added, and
the object the plan compares and verify renders carries the exact values that were checked
(docs/decisions.md, "Third-party charts").
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Sequence
from typing import Any

from generator.models.charts import EXTRAS_APPLICATION_SUFFIX, ChartApplication
from generator.models.platform import Environment, Platform
from generator.models.tenant import Tenant
from generator.render.chart_database import database_objects
from generator.render.gateway_route import http_route
from generator.render.tenant import WAVE_WORKLOAD, argocd_application, labels
from generator.repo import layout

OCI = "oci://"
EXPOSE_ANNOTATION = "berth.dev/expose"
EXTRAS_SUFFIX = ".extras.yaml"


def chart_repo(repo_url: str) -> str:
    """The repository as Argo CD names it in a source and in `sourceRepos`: a Helm repository
    by its URL, an OCI registry without the scheme (Argo CD's Helm OCI sources)."""
    return repo_url.removeprefix(OCI).rstrip("/")


def chart_application(
    platform: Platform, environment: Environment, tenant: Tenant, app: ChartApplication
) -> dict[str, Any]:
    tenant_name, app_name = tenant.metadata.name, app.metadata.name
    allowed = platform.spec.charts[app.spec.chart.name]
    helm: dict[str, Any] = {"releaseName": app_name}
    if app.spec.values:
        helm["valuesObject"] = copy.deepcopy(app.spec.values)
    made = argocd_application(
        platform,
        environment,
        name=layout.app_application(tenant_name, app_name, environment.name),
        labels={**labels(tenant, environment.name), "berth.dev/application": app_name},
        project=layout.tenant_project(tenant_name, environment.name),
        source={
            "repoURL": chart_repo(allowed.repoURL),
            "chart": allowed.chart,
            "targetRevision": app.spec.environments[environment.name].version,
            "helm": helm,
        },
        destination={
            "server": environment.server,
            "namespace": layout.tenant_namespace(tenant_name, environment.name),
        },
        sync_wave=WAVE_WORKLOAD,
    )
    expose = app.spec.expose
    if expose is not None:
        # What `berth verify` holds the chart to: it must render this Service with this port.
        made["metadata"]["annotations"][EXPOSE_ANNOTATION] = f"{expose.service}:{expose.port}"
    return made


def extras_file(environment: Environment, tenant: Tenant, app: ChartApplication) -> str:
    """What Berth adds beside a chart (its route, its ExternalSecret, its database), next to the values
    files of the tenant's other apps."""
    values = layout.app_values_file(environment.name, tenant.metadata.name, app.metadata.name)
    return f"{posixpath.dirname(values)}/{app.metadata.name}{EXTRAS_SUFFIX}"


def routed(environment: Environment, app: ChartApplication) -> bool:
    return app.spec.expose is not None and app.spec.environments[environment.name].host is not None


def has_extras(environment: Environment, app: ChartApplication) -> bool:
    return routed(environment, app) or bool(app.spec.secrets) or app.spec.database is not None


def extras(
    platform: Platform, environment: Environment, tenant: Tenant, app: ChartApplication
) -> list[dict[str, Any]]:
    found = [route(platform, environment, tenant, app)] if routed(environment, app) else []
    if app.spec.secrets:
        found.append(external_secret(platform, environment, tenant, app))
    if app.spec.database is not None:
        found += database_objects(environment, tenant, app.metadata.name, app.spec.database)
    return found


def external_secret(
    platform: Platform, environment: Environment, tenant: Tenant, app: ChartApplication
) -> dict[str, Any]:
    """One Secret `<app>-secrets` whose keys are the secrets' names, as the shared chart makes
    for other apps: the chart's values name it (`existingSecret: <app>-secrets` and the like)."""
    name, tenant_name = f"{app.metadata.name}-secrets", tenant.metadata.name
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {
            "name": name,
            "labels": {
                **labels(tenant, environment.name),
                "berth.dev/application": app.metadata.name,
            },
        },
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {
                "kind": "ClusterSecretStore",
                "name": platform.spec.secret_store(environment),
            },
            "target": {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [
                {
                    "secretKey": s.name,
                    "remoteRef": {
                        "key": platform.spec.secrets.key(environment.name, tenant_name, s.key)
                    },
                }
                for s in app.spec.secrets
            ],
        },
    }


def route(
    platform: Platform, environment: Environment, tenant: Tenant, app: ChartApplication
) -> dict[str, Any]:
    """The route to the exposed Service: an HTTPRoute on the platform's Gateway, else an Ingress."""
    gateway = platform.spec.gateway
    if gateway is None:
        return route_ingress(platform, environment, tenant, app)
    expose = app.spec.expose
    host = app.spec.environments[environment.name].host
    assert expose is not None and host is not None  # `routed`
    name = app.metadata.name
    metadata = {
        "name": f"{name}-route",
        "labels": {**labels(tenant, environment.name), "berth.dev/application": name},
    }
    return http_route(gateway, metadata, host, expose.service, expose.port)


def route_ingress(
    platform: Platform, environment: Environment, tenant: Tenant, app: ChartApplication
) -> dict[str, Any]:
    """The Ingress in front of the chart's Service, as the shared chart writes a web-service's."""
    expose = app.spec.expose
    host = app.spec.environments[environment.name].host
    assert expose is not None and host is not None  # `routed`
    name = app.metadata.name
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": f"{name}-route",
            "labels": {**labels(tenant, environment.name), "berth.dev/application": name},
            "annotations": {
                "cert-manager.io/cluster-issuer": platform.spec.ingress.clusterIssuer,
                "external-dns.alpha.kubernetes.io/hostname": host,
            },
        },
        "spec": {
            "ingressClassName": platform.spec.ingress.className,
            "tls": [{"hosts": [host], "secretName": f"{name}-route-tls"}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {
                                        "name": expose.service,
                                        "port": {"number": expose.port},
                                    }
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }


def extras_application(
    platform: Platform, environment: Environment, tenant: Tenant, app: ChartApplication
) -> dict[str, Any]:
    """The extras' own Application, in the tenant's project: a chart source cannot carry an
    object of this repository, and a second source would make the chart's Application a
    multi-source one (see the module's docstring)."""
    tenant_name, app_name = tenant.metadata.name, app.metadata.name
    path = extras_file(environment, tenant, app)
    return argocd_application(
        platform,
        environment,
        name=layout.app_application(tenant_name, app_name, environment.name)
        + EXTRAS_APPLICATION_SUFFIX,
        labels={**labels(tenant, environment.name), "berth.dev/application": app_name},
        project=layout.tenant_project(tenant_name, environment.name),
        source={
            "path": posixpath.dirname(path),
            "directory": {"include": posixpath.basename(path)},
        },
        destination={
            "server": environment.server,
            "namespace": layout.tenant_namespace(tenant_name, environment.name),
        },
        sync_wave=WAVE_WORKLOAD,
    )


def with_chart_repos(
    platform: Platform, project: dict[str, Any], apps: Sequence[ChartApplication]
) -> dict[str, Any]:
    """The tenant's AppProject with the repositories of its charts in `sourceRepos` (each once,
    sorted after this repository's own URL)."""
    repos = sorted({chart_repo(platform.spec.charts[a.spec.chart.name].repoURL) for a in apps})
    if not repos:
        return project
    spec = project["spec"]
    return {**project, "spec": {**spec, "sourceRepos": [*spec["sourceRepos"], *repos]}}
