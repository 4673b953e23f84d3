"""An application in one environment, as data: its Helm values and its Argo CD Application.

The values come from the blueprint's template (`values.render_blueprint`), fed the context built
here; the Argo CD Application is built as a plain dict like the tenant's objects.
"""

from __future__ import annotations

import posixpath
from typing import Any

from generator.load.blueprints import Blueprint
from generator.models.application import DATABASE_SIZES, Application
from generator.models.platform import Environment, Platform
from generator.models.tenant import Tenant
from generator.render.gateway_route import gateway_values
from generator.render.operations import alerts_values, slo_values, vpa_values
from generator.render.tenant import WAVE_WORKLOAD, argocd_application, labels
from generator.render.values import render_blueprint
from generator.repo import layout

DEFAULT_HEALTH_PATH = "/healthz"


def database_backup_schedule(environment: Environment) -> str:
    """CloudNativePG's six-field cron (seconds first), at the environment's backup time."""
    return f"0 {environment.backup.schedule}"


def values_context(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    app: Application,
    *,
    backups: bool = True,
) -> dict[str, Any]:
    """What a blueprint's values template sees: `app` and `platform` (see the templates).

    Without `backups` (a scenario's app, disposable) a database's `backupSchedule` is empty,
    for which the chart renders no ScheduledBackup and no backup section in the Cluster.
    """
    spec = app.spec
    wanted = spec.environments[environment.name]
    name = tenant.metadata.name
    database: dict[str, Any] | None = None
    if spec.database is not None:
        size = DATABASE_SIZES[spec.database.size]
        database = {
            "instances": size.instances,
            "storage": size.storage,
            "cpu": size.cpu,
            "memory": size.memory,
            "backupSchedule": database_backup_schedule(environment) if backups else "",
        }
    context_app: dict[str, Any] = {
        "name": app.metadata.name,
        "tenant": name,
        "environment": environment.name,
        "costCenter": tenant.spec.costCenter,
        "repository": spec.image,
        "tag": wanted.tag,
        "digest": wanted.digest,
        "replicas": 1 if wanted.replicas is None else wanted.replicas,
        "port": spec.port or 0,
        "resources": {"cpu": spec.resources.cpu, "memory": spec.resources.memory},
        "healthPath": spec.healthPath or DEFAULT_HEALTH_PATH,
        "env": dict(spec.env),
        "secrets": [
            {"name": s.name, "key": platform.spec.secrets.key(environment.name, name, s.key)}
            for s in spec.secrets
        ],
        "host": wanted.host,
        "autoscale": wanted.autoscale.model_dump() if wanted.autoscale else None,
        "schedule": spec.schedule,
        "database": database,
        "vpa": vpa_values(environment, wanted),
        "alerts": alerts_values(platform),
        "slo": slo_values(platform, layout.tenant_namespace(name, environment.name), app, wanted),
    }
    return {
        "app": context_app,
        "platform": {
            "ingressClass": platform.spec.ingress.className,
            "clusterIssuer": platform.spec.ingress.clusterIssuer,
            "gateway": gateway_values(platform),
            "secretStore": platform.spec.secret_store(environment),
        },
    }


def values(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    app: Application,
    blueprint: Blueprint,
    *,
    backups: bool = True,
) -> dict[str, Any]:
    where = f"{layout.app_file(tenant.metadata.name, app.metadata.name)} in {environment.name}"
    context = values_context(platform, environment, tenant, app, backups=backups)
    return render_blueprint(blueprint, context, where)


def application(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    app: Application,
    blueprint: Blueprint,
) -> dict[str, Any]:
    """The Argo CD Application, in the tenant's project, that renders the blueprint's chart."""
    tenant_name, app_name = tenant.metadata.name, app.metadata.name
    values_file = layout.app_values_file(environment.name, tenant_name, app_name)
    return argocd_application(
        platform,
        environment,
        name=layout.app_application(tenant_name, app_name, environment.name),
        labels={**labels(tenant, environment.name), "berth.dev/application": app_name},
        project=layout.tenant_project(tenant_name, environment.name),
        source={
            "path": blueprint.chart,
            "helm": {
                "releaseName": app_name,
                # Argo CD resolves value files relative to the chart, and allows any inside the repo.
                "valueFiles": [posixpath.relpath(values_file, blueprint.chart)],
            },
        },
        destination={
            "server": environment.server,
            "namespace": layout.tenant_namespace(tenant_name, environment.name),
        },
        # After the tenant's project and the guardrails that create the namespace.
        sync_wave=WAVE_WORKLOAD,
    )
