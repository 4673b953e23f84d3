"""The Grafana dashboard of one tenant in one environment, as data (Grafana's JSON model).

Per application: requests, errors and latency at its Ingress (web-services with a host), and
CPU and memory use against requests. For the namespace: quota use and the monthly cost at the
platform's prices. Every PromQL expression is built from DNS labels (names) and numbers only,
and `dashboard_exprs` lists them all so the tests parse each with promtool.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

from generator.models.application import Application
from generator.models.ingress_metrics import CONTROLLERS
from generator.models.platform import Environment, Platform
from generator.models.tenant import Tenant
from generator.repo import layout

SCHEMA_VERSION = 39  # Grafana 11's dashboard JSON model
GIB = 1024**3
MAX_UID = 40  # Grafana's limit for dashboard UIDs
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH = 24
HEIGHT = 8


def dashboard_uid(tenant: str, env: str) -> str:
    readable = f"berth-{tenant}-{env}"
    if len(readable) <= MAX_UID:
        return readable
    return "berth-" + hashlib.sha256(f"{tenant}/{env}".encode()).hexdigest()[: MAX_UID - 6]


def _sel(**labels: str) -> str:
    return "{" + ",".join(f"{k}={json.dumps(v)}" for k, v in labels.items()) + "}"


def _target(expr: str, legend: str, ref: str) -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref}


def _panel(
    title: str, kind: str, unit: str, targets: list[tuple[str, str]], description: str
) -> dict[str, Any]:
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [
            _target(expr, legend, chr(ord("A") + i)) for i, (expr, legend) in enumerate(targets)
        ],
    }


def _ingress_panels(platform: Platform, namespace: str, app: str) -> Iterator[dict[str, Any]]:
    """Requests, 5xx share and latency at the Ingress, in the platform's controller's metrics
    (none for a controller Berth has no metrics for)."""
    ingress = platform.spec.ingress
    controller = CONTROLLERS.get(ingress.controller)
    if controller is None:
        return
    ing = controller.selector(ingress.namespace, namespace, app)
    errors = controller.selector(ingress.namespace, namespace, app, controller.server_error)
    total = f"sum(rate({controller.requests}{ing}[5m]))"
    status = controller.status_label
    yield _panel(
        f"{app}: requests",
        "timeseries",
        "reqps",
        [(f"sum by ({status}) (rate({controller.requests}{ing}[5m]))", f"{{{{{status}}}}}")],
        "Requests per second at the Ingress, by HTTP status.",
    )
    yield _panel(
        f"{app}: errors",
        "timeseries",
        "percentunit",
        [(f"sum(rate({controller.requests}{errors}[5m])) / {total}", "5xx")],
        "Share of requests answered with a 5xx status.",
    )
    buckets = f"sum by (le) (rate({controller.duration}_bucket{ing}[5m]))"
    yield _panel(
        f"{app}: latency",
        "timeseries",
        controller.unit,
        [(f"histogram_quantile({q}, {buckets})", f"p{round(q * 100)}") for q in (0.5, 0.95, 0.99)],
        "Request duration at the Ingress: median, 95th and 99th percentile.",
    )


def _resource_panels(namespace: str, app: str) -> Iterator[dict[str, Any]]:
    pods = _sel(namespace=namespace, container=app)
    cpu = _sel(namespace=namespace, container=app, resource="cpu")
    memory = _sel(namespace=namespace, container=app, resource="memory")
    yield _panel(
        f"{app}: CPU",
        "timeseries",
        "short",
        [
            (f"sum(rate(container_cpu_usage_seconds_total{pods}[5m]))", "used"),
            (f"sum(kube_pod_container_resource_requests{cpu})", "requested"),
        ],
        "CPU cores used by all replicas, against what they request.",
    )
    yield _panel(
        f"{app}: memory",
        "timeseries",
        "bytes",
        [
            (f"sum(container_memory_working_set_bytes{pods})", "used"),
            (f"sum(kube_pod_container_resource_requests{memory})", "requested"),
        ],
        "Working-set memory of all replicas, against what they request (and are limited to).",
    )


def _namespace_panels(platform: Platform, namespace: str) -> Iterator[dict[str, Any]]:
    used = _sel(namespace=namespace, type="used")
    hard = _sel(namespace=namespace, type="hard")
    yield _panel(
        "Quota use",
        "bargauge",
        "percentunit",
        [(f"kube_resourcequota{used} / ignoring(type) kube_resourcequota{hard}", "{{resource}}")],
        "Share of each ResourceQuota limit in use; pods that do not fit are refused.",
    )
    pricing = platform.spec.pricing

    def cost(cpu: str, memory: str, storage: str) -> str:
        return (
            f"sum({cpu}) * {pricing.cpuMonth:g}"
            f" + sum({memory}) / {GIB} * {pricing.memoryGiBMonth:g}"
            f" + (sum({storage}) or vector(0)) / {GIB} * {pricing.storageGiBMonth:g}"
        )

    requests = "kube_pod_container_resource_requests"
    quota = "kube_resourcequota"
    yield _panel(
        f"Monthly cost ({pricing.currency})",
        "stat",
        f"suffix: {pricing.currency}",
        [
            (
                cost(
                    requests + _sel(namespace=namespace, resource="cpu"),
                    requests + _sel(namespace=namespace, resource="memory"),
                    "kube_persistentvolumeclaim_resource_requests_storage_bytes"
                    + _sel(namespace=namespace),
                ),
                "requested now",
            ),
            (
                cost(
                    quota + _sel(namespace=namespace, type="hard", resource="requests.cpu"),
                    quota + _sel(namespace=namespace, type="hard", resource="requests.memory"),
                    quota + _sel(namespace=namespace, type="hard", resource="requests.storage"),
                ),
                "quota",
            ),
        ],
        "What the namespace costs a month at the platform's prices: its pods' and volumes'"
        " requests now, and its whole quota (what `berth plan` reports).",
    )


def _layout(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ids and positions: rows full width, other panels two or three a row."""
    x = y = 0
    out = []
    for index, panel in enumerate(panels, start=1):
        panel = {"id": index, **panel}
        width = WIDTH if panel["type"] == "row" else WIDTH // 3
        if panel["type"] == "row" or x + width > WIDTH:
            x, y = 0, y + (HEIGHT if x else 0)
        height = 1 if panel["type"] == "row" else HEIGHT
        panel["gridPos"] = {"h": height, "w": width, "x": x, "y": y}
        if panel["type"] == "row":
            y += 1
        else:
            x += width
        out.append(panel)
    return out


def _row(title: str) -> dict[str, Any]:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def dashboard(
    platform: Platform, environment: Environment, tenant: Tenant, apps: Sequence[Application]
) -> dict[str, Any]:
    name = tenant.metadata.name
    namespace = layout.tenant_namespace(name, environment.name)
    panels: list[dict[str, Any]] = [_row(f"{namespace}: quota and cost")]
    panels += _namespace_panels(platform, namespace)
    for app in sorted(apps, key=lambda a: a.metadata.name):
        app_name = app.metadata.name
        panels.append(_row(f"{app_name} ({app.spec.blueprint})"))
        if app.spec.environments[environment.name].host is not None:
            panels += _ingress_panels(platform, namespace, app_name)
        panels += _resource_panels(namespace, app_name)
    return {
        "uid": dashboard_uid(name, environment.name),
        "title": f"{name} / {environment.name}",
        "description": f"Berth: every application of tenant {name} in {environment.name}.",
        "tags": ["berth", f"tenant:{name}", f"environment:{environment.name}"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": False,
        "timezone": "utc",
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "hide": 0,
                }
            ]
        },
        "annotations": {"list": []},
        "links": [],
        "panels": _layout(panels),
    }


def dashboard_exprs(board: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
