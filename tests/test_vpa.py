"""Vertical sizing advice: the VPA values Berth computes, the chart's VerticalPodAutoscaler (real
helm, strict CRD validation), the refusal of a VPA on CPU next to an HPA on CPU, and what the
tenant's AppProject lets its applications create."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.application import AppEnvironment
from generator.models.platform import Environment, EnvironmentVpa
from generator.render.operations import vpa_values
from generator.render.tenant import APP_KINDS, ROUTE_KIND
from generator.verify.kube_schema import validate_objects
from tests.support.example import example
from tests.support.tools import REPO, helm_template, run, tool

EXAMPLE = example()

CHART = REPO / "blueprints" / "chart"
SAMPLES = REPO / "tests" / "chart_values"

ENV = Environment.model_validate(
    {
        "name": "dev",
        "server": "https://kubernetes.default.svc",
        "domain": "dev.acme.example",
        "sync": "auto",
        "podSecurity": "restricted",
        "ceiling": {"cpu": "4", "memory": "8Gi", "storage": "10Gi"},
        "backup": {"schedule": "0 3 * * *", "ttl": "72h"},
    }
)
AUTOSCALE = {"min": 2, "max": 4, "cpuPercent": 70}


def wanted(**fields: Any) -> AppEnvironment:
    return AppEnvironment.model_validate({"tag": "1.0.0", **fields})


def test_no_vpa_where_the_platform_gives_none() -> None:
    assert vpa_values(ENV, wanted())["enabled"] is False


@pytest.mark.parametrize(
    ("fields", "mode", "resources"),
    [
        ({}, "Off", ["cpu", "memory"]),
        ({"autoscale": AUTOSCALE}, "Off", ["memory"]),
        ({"vpa": {"mode": "Initial"}}, "Initial", ["cpu", "memory"]),
        (
            {"autoscale": AUTOSCALE, "vpa": {"mode": "InPlaceOrRecreate", "resources": ["memory"]}},
            "InPlaceOrRecreate",
            ["memory"],
        ),
    ],
)
def test_vpa_values(fields: dict[str, Any], mode: str, resources: list[str]) -> None:
    env = ENV.model_copy(update={"vpa": EnvironmentVpa(modes=["Initial", "InPlaceOrRecreate"])})
    assert vpa_values(env, wanted(**fields)) == {
        "enabled": True,
        "mode": mode,
        "controlledResources": resources,
    }


def vpa_of(sample: str, tmp_path: Path, **changes: Any) -> dict[str, Any]:
    values = yaml.safe_load((SAMPLES / f"{sample}.yaml").read_text())
    values.update(changes)
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    docs = yaml.safe_load_all(helm_template(CHART, [path], name="x", namespace="payments-dev"))
    (vpa,) = [d for d in docs if d and d["kind"] == "VerticalPodAutoscaler"]
    assert validate_objects([vpa]) == []
    return vpa


@pytest.mark.tools
def test_autoscaled_web_service_gets_memory_advice_only(tmp_path: Path) -> None:
    vpa = vpa_of("web-service-full", tmp_path)
    assert vpa["spec"]["targetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "api",
    }
    assert vpa["spec"]["updatePolicy"] == {"updateMode": "Off"}
    (policy,) = vpa["spec"]["resourcePolicy"]["containerPolicies"]
    assert policy == {
        "containerName": "api",
        "controlledResources": ["memory"],
        "controlledValues": "RequestsAndLimits",
    }


@pytest.mark.tools
def test_cronjob_vpa_targets_the_cronjob(tmp_path: Path) -> None:
    vpa = vpa_of("cronjob", tmp_path)
    assert vpa["spec"]["targetRef"] == {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "name": "nightly-report",
    }
    assert vpa["spec"]["updatePolicy"] == {"updateMode": "Initial"}


@pytest.mark.tools
def test_the_chart_refuses_a_cpu_vpa_next_to_an_hpa(tmp_path: Path) -> None:
    values = yaml.safe_load((SAMPLES / "web-service-full.yaml").read_text())
    values["vpa"] = {"enabled": True, "mode": "Initial", "controlledResources": ["cpu", "memory"]}
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    proc = run([tool("helm"), "template", "x", str(CHART), "--values", str(path)], check=False)
    assert proc.returncode != 0
    assert "vpa" in proc.stderr and "controlledResources" in proc.stderr


def test_the_example_opts_in_where_allowed() -> None:
    def vpa(env: str) -> dict[str, Any]:
        path = EXAMPLE / "environments" / env / "tenants" / "payments" / "apps" / "api.values.yaml"
        found: dict[str, Any] = yaml.safe_load(path.read_text())["vpa"]
        return found

    assert vpa("dev") == {
        "enabled": True,
        "mode": "InPlaceOrRecreate",
        "controlledResources": ["cpu", "memory"],
    }
    # prod autoscales on CPU and allows no mode: memory advice only.
    assert vpa("prod") == {"enabled": True, "mode": "Off", "controlledResources": ["memory"]}


def test_tenant_apps_may_create_only_the_chart_kinds() -> None:
    """The whitelist grew by exactly the two kinds the chart's new templates make."""
    before_issue_13 = {
        ("", "ServiceAccount"),
        ("", "Service"),
        ("apps", "Deployment"),
        ("batch", "CronJob"),
        ("networking.k8s.io", "Ingress"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        ("monitoring.coreos.com", "ServiceMonitor"),
        ("external-secrets.io", "ExternalSecret"),
        ("postgresql.cnpg.io", "Cluster"),
        ("postgresql.cnpg.io", "ScheduledBackup"),
    }
    # HTTPRoute came later, whitelisted only on a platform with a Gateway (test_applications).
    assert set(APP_KINDS) - before_issue_13 - {ROUTE_KIND} == {
        ("monitoring.coreos.com", "PrometheusRule"),
        ("autoscaling.k8s.io", "VerticalPodAutoscaler"),
    }
    assert before_issue_13 <= set(APP_KINDS)
    assert ("", "ConfigMap") not in APP_KINDS, "the dashboard is the guardrails', not the apps'"
