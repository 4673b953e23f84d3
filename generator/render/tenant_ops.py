"""What a tenant's guardrails overlay adds for operations (issue 13): the namespace's quota
alert and the tenant's Grafana dashboard in that environment.

Both are per tenant and environment, not per application, so they live with the guardrails
(synced by the platform's project, out of the tenant's reach), not in an app's chart. The
overlay can only add files it lists, so the objects come from placeholders under
blueprints/tenant/ (alerts/, grafana-operator/) that it patches, and the dashboard JSON from a
ConfigMap generator.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import layout
from generator.models.application import Application
from generator.models.platform import Environment, Platform
from generator.models.tenant import Tenant
from generator.render.dashboard import dashboard

# Names with a dot: an application (a DNS-1035 label) can never name its objects the same.
DASHBOARD_CONFIGMAP = "berth.dashboard"  # blueprints/tenant/grafana-operator/ reads this name and key
DASHBOARD_KEY = "dashboard.json"
SIDECAR_LABEL = {"grafana_dashboard": "1"}  # the Grafana chart's sidecar default
QUOTA_THRESHOLD = 0.9


@dataclass
class OverlayParts:
    resources: list[str] = field(default_factory=list)  # relative to the tenant base
    patches: list[dict[str, Any]] = field(default_factory=list)
    generators: list[dict[str, Any]] = field(default_factory=list)


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


def overlay_parts(
    platform: Platform,
    env: Environment,
    tenant: Tenant,
    apps: Sequence[Application],
    ops: Any,
) -> OverlayParts:
    """`ops(op, path, value)` list -> patch text: tenant.dump_ops, passed in (no import cycle)."""
    namespace = layout.tenant_namespace(tenant.metadata.name, env.name)
    parts = OverlayParts()
    if platform.spec.alerts is not None:
        parts.resources.append("alerts")
        parts.patches.append(
            {
                "target": {"group": "monitoring.coreos.com", "kind": "PrometheusRule"},
                "patch": ops([("replace", "/spec/groups", quota_rules(platform, namespace))]),
            }
        )
    board = dashboard(platform, env, tenant, apps)
    options: dict[str, Any] = {"disableNameSuffixHash": True}
    dashboards = platform.spec.dashboards
    if dashboards.provider == "configmap":
        options["labels"] = dict(SIDECAR_LABEL)
    else:
        assert dashboards.grafanaOperator is not None
        parts.resources.append("grafana-operator")
        selector = {"matchLabels": dict(sorted(dashboards.grafanaOperator.instanceSelector.items()))}
        parts.patches.append(
            {
                "target": {"group": "grafana.integreatly.org", "kind": "GrafanaDashboard"},
                "patch": ops([("replace", "/spec/instanceSelector", selector)]),
            }
        )
    parts.generators.append(
        {
            "name": DASHBOARD_CONFIGMAP,
            "options": options,
            "literals": [f"{DASHBOARD_KEY}={json.dumps(board, separators=(',', ':'))}"],
        }
    )
    return parts
