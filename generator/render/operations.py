"""The operations part of an application's values (docs/operations.md): its VPA, alerts and SLO.

Pure functions from the validated request and platform to the `vpa`, `alerts` and `slo`
values the chart's templates vpa.yaml and prometheusrule.yaml read. Numbers and selectors that
end up in PromQL are formatted here (numbers exactly, with Decimal; selectors from the
platform's controller's row of models/ingress_metrics.py), so the chart only pastes them.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial
from typing import Any

from generator.models.application import AppEnvironment, Application
from generator.models.ingress_metrics import CONTROLLERS
from generator.models.platform import Environment, Platform

ALL_RESOURCES = ["cpu", "memory"]
# With an HPA on CPU the VPA must leave CPU alone (see validate/operations.py).
AUTOSCALED_RESOURCES = ["memory"]


def vpa_values(environment: Environment, wanted: AppEnvironment) -> dict[str, Any]:
    if environment.vpa is None:
        return {"enabled": False, "mode": "Off", "controlledResources": ALL_RESOURCES}
    if wanted.vpa is not None:
        return {
            "enabled": True,
            "mode": wanted.vpa.mode,
            "controlledResources": sorted(set(wanted.vpa.resources)),
        }
    resources = AUTOSCALED_RESOURCES if wanted.autoscale is not None else ALL_RESOURCES
    return {"enabled": True, "mode": "Off", "controlledResources": resources}


def alerts_values(platform: Platform) -> dict[str, Any]:
    alerts = platform.spec.alerts
    if alerts is None:
        return {"enabled": False, "runbookUrl": ""}
    return {"enabled": True, "runbookUrl": alerts.runbookUrl}


def objective_text(percent: float) -> str:
    return f"{percent:.15g}"


def error_budget(percent: float) -> str:
    """1 - percent/100, exact: 99.9 -> "0.001"."""
    budget = (Decimal(100) - Decimal(objective_text(percent))) / Decimal(100)
    return format(budget.normalize(), "f")


def slo_values(
    platform: Platform, namespace: str, app: Application, wanted: AppEnvironment
) -> dict[str, Any]:
    """Each objective with the PromQL selectors of its SLI on the platform's controller: the
    chart wraps each in `sum(rate(...[window]))`."""
    slo = app.spec.slo
    ingress = platform.spec.ingress
    controller = CONTROLLERS.get(ingress.controller)
    availability: dict[str, Any] = {
        "enabled": False,
        "objective": "99.9",
        "errorBudget": "0.001",
        "errors": "",
        "total": "",
    }
    latency: dict[str, Any] = {
        "enabled": False,
        "objective": "99",
        "errorBudget": "0.01",
        "thresholdMs": 250,
        "fast": "",
        "total": "",
    }
    # Measured only where the app has an Ingress, alerting is on and the metrics are known.
    if slo is None or wanted.host is None or platform.spec.alerts is None or controller is None:
        return {"availability": availability, "latency": latency}
    sel = partial(controller.selector, ingress.namespace, namespace, app.metadata.name)
    if slo.availability is not None:
        availability = {
            "enabled": True,
            "objective": objective_text(slo.availability),
            "errorBudget": error_budget(slo.availability),
            "errors": controller.requests + sel(controller.server_error),
            "total": controller.requests + sel(),
        }
    if slo.latency is not None:
        le = controller.le(slo.latency.thresholdMs)
        latency = {
            "enabled": True,
            "objective": objective_text(slo.latency.percent),
            "errorBudget": error_budget(slo.latency.percent),
            "thresholdMs": slo.latency.thresholdMs,
            "fast": f"{controller.duration}_bucket" + sel(f"le=~{json.dumps(le)}"),
            "total": f"{controller.duration}_count" + sel(),
        }
    return {"availability": availability, "latency": latency}
