"""A chart app's database (`blueprint: chart` with `database`): the CloudNativePG Cluster
`<app>-db` and its ScheduledBackup, among the app's extras (render/chart_app.py), so that Argo
CD creates them next to the chart in the tenant's namespace.

The objects are the ones the shared chart's `templates/database.yaml` renders for another app
with the same database, field for field but for Berth's app labels (a chart app has no image
version or blueprint to name): tests/test_chart_database.py renders that template with the
real `helm template` and holds these to it, so the two cannot drift apart. They are built here,
not through Helm, because `berth render` runs no external tool and the shared chart is released
and versioned on its own (docs/decisions.md, "A chart app's database").

CloudNativePG makes the Secret `<app>-db-app` (keys `host`, `port`, `dbname`, `user`,
`password`, `uri`) for the `app` user of database `app`: the chart's values name it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from generator.models.application import DATABASE_SIZES, Database
from generator.models.platform import Environment
from generator.models.tenant import Tenant
from generator.render.app import database_backup_schedule
from generator.render.tenant import labels

CNPG_API = "postgresql.cnpg.io/v1"
DATABASE_SUFFIX = "-db"
SECRET_SUFFIX = "-db-app"  # CloudNativePG's Secret of the `app` user


def cluster_name(app: str) -> str:
    return f"{app}{DATABASE_SUFFIX}"


def cpu_limit(cpu: str) -> str:
    """Twice the request, as the shared chart's `berth.cpuLimit` (start-up bursts)."""
    milli = int(cpu[:-1]) * 2 if cpu.endswith("m") else int(Fraction(cpu) * 2000)
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def owner_labels(tenant: Tenant, env: str) -> dict[str, str]:
    """The shared chart's `berth.ownerLabels`: what the operator's pods, PVCs and Secrets
    carry. Never app.kubernetes.io/name or instance: the chart's own selectors (its release
    is the app's name) must not match database pods."""
    return {
        "app.kubernetes.io/part-of": tenant.metadata.name,
        "app.kubernetes.io/managed-by": "berth",
        **labels(tenant, env),
    }


def database_objects(
    environment: Environment, tenant: Tenant, app: str, database: Database
) -> list[dict[str, Any]]:
    size = DATABASE_SIZES[database.size]
    name = cluster_name(app)
    ours = {**owner_labels(tenant, environment.name), "berth.dev/application": app}
    cluster = {
        "apiVersion": CNPG_API,
        "kind": "Cluster",
        "metadata": {"name": name, "labels": ours},
        "spec": {
            "instances": size.instances,
            "inheritedMetadata": {"labels": owner_labels(tenant, environment.name)},
            "bootstrap": {"initdb": {"database": "app", "owner": "app"}},
            "storage": {"size": size.storage},
            "resources": {
                "requests": {"cpu": size.cpu, "memory": size.memory},
                "limits": {"cpu": cpu_limit(size.cpu), "memory": size.memory},
            },
            # CSI volume snapshots, as other apps' databases: no object-store credentials.
            "backup": {"volumeSnapshot": {"online": True}},
        },
    }
    backup = {
        "apiVersion": CNPG_API,
        "kind": "ScheduledBackup",
        "metadata": {"name": name, "labels": dict(ours)},
        "spec": {
            "cluster": {"name": name},
            "schedule": database_backup_schedule(environment),
            "method": "volumeSnapshot",
            "backupOwnerReference": "self",
        },
    }
    return [cluster, backup]
