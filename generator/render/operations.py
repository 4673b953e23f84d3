"""The operations part of an application's values (issue 13): its VPA, alerts and SLO.

Pure functions from the validated request and platform to the `vpa`, `alerts` and `slo`
values the chart's templates vpa.yaml and prometheusrule.yaml read. Numbers that end up in
PromQL are formatted here, exactly (Decimal), so the chart only pastes them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from generator.models.application import AppEnvironment, Application
from generator.models.platform import Environment, Platform

ALL_RESOURCES = ["cpu", "memory"]
# With an HPA on CPU the VPA must leave CPU alone (see validate/operations.py).
AUTOSCALED_RESOURCES = ["memory"]


def vpa_values(env: Environment, wanted: AppEnvironment) -> dict[str, Any]:
    if env.vpa is None:
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


def le_matcher(threshold_ms: int) -> str:
    """The bucket's `le` label as a regex: ingress-nginx writes 1 as "1", Prometheus 3
    normalises classic histogram buckets to "1.0"; fractions read the same in both."""
    seconds = format((Decimal(threshold_ms) / 1000).normalize(), "f")
    return f"{seconds}|{seconds}.0" if "." not in seconds else seconds


def slo_values(platform: Platform, app: Application, wanted: AppEnvironment) -> dict[str, Any]:
    slo = app.spec.slo
    measured = slo is not None and wanted.host is not None and platform.spec.alerts is not None
    availability: dict[str, Any] = {"enabled": False, "objective": "99.9", "errorBudget": "0.001"}
    latency: dict[str, Any] = {
        "enabled": False,
        "objective": "99",
        "errorBudget": "0.01",
        "thresholdMs": 250,
        "le": le_matcher(250),
    }
    if measured and slo is not None and slo.availability is not None:
        availability = {
            "enabled": True,
            "objective": objective_text(slo.availability),
            "errorBudget": error_budget(slo.availability),
        }
    if measured and slo is not None and slo.latency is not None:
        latency = {
            "enabled": True,
            "objective": objective_text(slo.latency.percent),
            "errorBudget": error_budget(slo.latency.percent),
            "thresholdMs": slo.latency.thresholdMs,
            "le": le_matcher(slo.latency.thresholdMs),
        }
    return {"availability": availability, "latency": latency}
