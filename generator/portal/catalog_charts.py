"""Backstage entities of a tenant's third-party charts (`blueprint: chart`): a Component each,
like the tenant's other apps, naming the chart, its repository and the version per environment,
and the Resource of its database (as another app's) when it has one.

The chart's objects carry the chart's labels, not the shared chart's `berth.labels`: Helm's
conventional `app.kubernetes.io/instance` is the release name, and Berth names the release
after the app (render/chart_app.py), so the Kubernetes plugin selects that label and the
tenant's namespace label instead. The Argo CD annotation selects the Applications' labels, which
chart apps carry as other apps do.
"""

from __future__ import annotations

from typing import Any

from generator.models.charts import CHART_BLUEPRINT, ChartApplication
from generator.models.platform import Platform
from generator.models.tenant import Tenant
from generator.portal.catalog import (
    API_VERSION,
    ARGOCD_SELECTOR,
    KUBERNETES_ID,
    KUBERNETES_SELECTOR,
    application_selector,
    database_entity,
    database_name,
    group_ref,
    host_links,
    lifecycle,
    one_namespace,
    ref,
    selector_text,
    system_ref,
)
from generator.repo import layout

CHART_ANNOTATION = "berth.dev/chart"
CHART_REPOSITORY_ANNOTATION = "berth.dev/chart-repository"
# Helm's recommended label for the release's objects; the release is named after the app.
INSTANCE_LABEL = "app.kubernetes.io/instance"


def chart_selector(app: str) -> dict[str, str]:
    return {INSTANCE_LABEL: app}


def chart_entities(
    platform: Platform, tenant: Tenant, apps: dict[str, ChartApplication]
) -> list[dict[str, Any]]:
    entities = []
    for app in apps.values():
        component = chart_component(platform, tenant, app)
        entities.append(component)
        if app.spec.database is not None:
            name, system = tenant.metadata.name, component["spec"]["system"]
            component["spec"]["dependsOn"] = [
                ref("resource", name, database_name(app.metadata.name))
            ]
            entities.append(
                database_entity(name, app.metadata.name, app.spec.database.size, system)
            )
    return entities


def chart_component(platform: Platform, tenant: Tenant, app: ChartApplication) -> dict[str, Any]:
    tenant_name, name, spec = tenant.metadata.name, app.metadata.name, app.spec
    allowed = platform.spec.charts[spec.chart.name]
    envs = [e for e in platform.spec.environments if e.name in spec.environments]
    # No versions: a release must not change the catalog (as an image tag does not); `berth
    # status` shows what runs where.
    annotations = {
        "berth.dev/request": layout.app_file(tenant_name, name),
        CHART_ANNOTATION: spec.chart.name,
        CHART_REPOSITORY_ANNOTATION: f"{allowed.repoURL.rstrip('/')} {allowed.chart}",
        KUBERNETES_ID: f"{tenant_name}-{name}",
        KUBERNETES_SELECTOR: selector_text(chart_selector(name)),
        ARGOCD_SELECTOR: selector_text(application_selector(tenant_name, name)),
    }
    # (The instance label alone would find the release of every tenant naming an app alike.)
    annotations |= one_namespace(tenant_name, envs)
    links = host_links(envs, {e: s.host for e, s in spec.environments.items()})
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": tenant_name,
        "description": f"chart {spec.chart.name}: {allowed.description}",
        "annotations": annotations,
        "tags": [CHART_BLUEPRINT, spec.chart.name],
    }
    if links:
        metadata["links"] = links
    return {
        "apiVersion": API_VERSION,
        "kind": "Component",
        "metadata": metadata,
        "spec": {
            "type": "service",
            "lifecycle": lifecycle(platform, spec.environments),
            "owner": group_ref(tenant_name),
            "system": system_ref(tenant_name),
        },
    }
