"""What a tenant's guardrails overlay adds for operations (docs/operations.md): the namespace's
quota alert and the tenant's Grafana dashboard in that environment.

Both are per tenant and environment, not per application, so they live with the guardrails
(synced by the platform's project, out of the tenant's reach), not in an app's chart. An
overlay adds only objects from files, so these come from placeholders in folders of
blueprints/tenant/ (alerts/, dashboard/, grafana-operator/) that the overlay lists and patches
(and `berth plan` shows each as its own object).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.models.application import Application
from generator.models.platform import Environment, Platform
from generator.models.tenant import Tenant
from generator.render.dashboard import dashboard
from generator.repo import layout

# The placeholders' names (blueprints/tenant/{alerts,dashboard,grafana-operator}): with a dot,
# so that no application (a DNS-1035 label, naming its objects after itself) can take them.
QUOTA_RULE = "berth.quota-alerts"
DASHBOARD = "berth.dashboard"
DASHBOARD_KEY = "dashboard.json"
QUOTA_THRESHOLD = 0.9


@dataclass
class OverlayParts:
    resources: list[str] = field(default_factory=list)  # folders under the tenant base
    patches: list[dict[str, Any]] = field(default_factory=list)


def quota_rules(platform: Platform, namespace: str) -> list[dict[str, Any]]:
    assert platform.spec.alerts is not None
    used = f'kube_resourcequota{{namespace="{namespace}",type="used"}}'
    hard = f'kube_resourcequota{{namespace="{namespace}",type="hard"}}'
    return [
        {
            "name": f"{namespace}.quota",
            "rules": [
                {
                    "alert": "QuotaNearlyUsed",
                    "expr": f"{used} / ignoring(type) {hard} > {QUOTA_THRESHOLD}",
                    "for": "15m",
                    "labels": {"severity": "warning"},
                    "annotations": {
                        "summary": f"{namespace}: quota {{{{ $labels.resource }}}} nearly used",
                        "description": f"Namespace {namespace} uses {{{{ $value | humanizePercentage }}}}"
                        " of its {{ $labels.resource }} quota; pods that do not fit are refused."
                        " Lower requests or ask for a larger size in tenant.yaml.",
                        "runbook_url": platform.spec.alerts.runbookUrl.replace(
                            "{alert}", "QuotaNearlyUsed"
                        ),
                    },
                }
            ],
        }
    ]


def _target(group: str, kind: str, name: str) -> dict[str, str]:
    return {"group": group, "kind": kind, "name": name} if group else {"kind": kind, "name": name}


def overlay_parts(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    apps: Sequence[Application],
    ops: Callable[[list[tuple[str, str, Any]]], str],
) -> OverlayParts:
    """Folders and JSON 6902 patches (written by `ops`, tenant.dump_ops) for the overlay."""
    namespace = layout.tenant_namespace(tenant.metadata.name, environment.name)
    parts = OverlayParts()
    if platform.spec.alerts is not None:
        parts.resources.append("alerts")
        parts.patches.append(
            {
                "target": _target("monitoring.coreos.com", "PrometheusRule", QUOTA_RULE),
                "patch": ops([("replace", "/spec/groups", quota_rules(platform, namespace))]),
            }
        )
    board = json.dumps(dashboard(platform, environment, tenant, apps), separators=(",", ":"))
    dashboard_ops: list[tuple[str, str, Any]] = [("replace", f"/data/{DASHBOARD_KEY}", board)]
    parts.resources.append("dashboard")
    dashboards = platform.spec.dashboards
    if dashboards.provider == "grafana-operator":
        assert dashboards.grafanaOperator is not None
        dashboard_ops.append(("remove", "/metadata/labels/grafana_dashboard", None))
        parts.resources.append("grafana-operator")
        selector = {
            "matchLabels": dict(sorted(dashboards.grafanaOperator.instanceSelector.items()))
        }
        parts.patches.append(
            {
                "target": _target("grafana.integreatly.org", "GrafanaDashboard", DASHBOARD),
                "patch": ops([("replace", "/spec/instanceSelector", selector)]),
            }
        )
    parts.patches.append(
        {"target": _target("", "ConfigMap", DASHBOARD), "patch": ops(dashboard_ops)}
    )
    return parts
