"""SLO alerts that can fire on the platform's own ingress controller
(docs/operations.md#supported-controllers).

For each controller Berth knows, the chart's rules are rendered from the values Berth computes
for a platform on that controller, and `promtool test rules` feeds them series written the way
that controller writes them (metric names and labels from its own documentation, written out
here by hand, not taken from generator/models/ingress_metrics.py, so a wrong row fails): the
page fires at 20x the error budget's burn rate and nothing fires at 0.5x. Series of other apps,
of other reporters and of calls inside a mesh sit next to them, failing, and must not count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.application import Application
from generator.models.ingress_metrics import CONTROLLERS
from generator.models.platform import Platform
from generator.models.tenant import Tenant
from generator.render.dashboard import dashboard
from generator.render.operations import error_budget, slo_values
from tests.support.example import example
from tests.support.repo import berth, copy_example
from tests.support.tools import REPO, helm_template, run, tool
from tests.test_alerts import CHART, SAMPLES, TIERS, check_rules, without_annotations

EXAMPLE = example()

NAMESPACE = "payments-prod"
APP = "api"
INGRESS_NAMESPACE = "edge"
# Every SLO rule reads 5 hours of data here (every `for` is at most 3h).
EVAL_AT = "4h"
MINUTES = 5 * 60
TOTAL = 10000.0  # requests per minute
# A bucket boundary of each controller's default histogram, as the controller writes `le`.
THRESHOLDS = {
    "envoy-gateway": (500, "500"),
    "traefik": (1200, "1.2"),
    "istio": (250, "250"),
    "ingress-nginx": (1000, "1"),
}
Series = list[dict[str, str]]


def _counter(per_minute: float) -> str:
    return f"0+{per_minute:g}x{MINUTES}"


def _series(metric: str, labels: dict[str, str], per_minute: float) -> dict[str, str]:
    text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{metric}{{{text}}}", "values": _counter(per_minute)}


def _histogram(metric: str, labels: dict[str, str], le: str, fast: float) -> Series:
    return [
        _series(f"{metric}_bucket", {**labels, "le": le}, fast),
        _series(f"{metric}_bucket", {**labels, "le": "+Inf"}, TOTAL),
        _series(f"{metric}_count", labels, TOTAL),
    ]


def envoy_gateway(failed: float, slow: float, le: str) -> Series:
    # Envoy's cluster stats; Envoy Gateway names the cluster of an HTTPRoute's rule
    # httproute/<namespace>/<name>/rule/<index>.
    own = {"envoy_cluster_name": f"httproute/{NAMESPACE}/{APP}/rule/0"}
    other = {"envoy_cluster_name": f"httproute/{NAMESPACE}/{APP}-v2/rule/0"}
    metric = "envoy_cluster_upstream_rq_xx"
    return [
        _series(metric, {**own, "envoy_response_code_class": "2"}, TOTAL - failed),
        _series(metric, {**own, "envoy_response_code_class": "5"}, failed),
        _series(metric, {**other, "envoy_response_code_class": "5"}, TOTAL),
        *_histogram("envoy_cluster_upstream_rq_time", own, le, TOTAL - slow),
        _series("envoy_cluster_upstream_rq_time_count", other, TOTAL),
    ]


def traefik(failed: float, slow: float, le: str) -> Series:
    # Traefik's Kubernetes Ingress provider: service <namespace>-<service>-<port>@kubernetes.
    own = {"protocol": "http", "method": "GET", "service": f"{NAMESPACE}-{APP}-http@kubernetes"}
    other = {**own, "service": f"{NAMESPACE}-web-http@kubernetes"}
    metric = "traefik_service_requests_total"
    return [
        _series(metric, {**own, "code": "200"}, TOTAL - failed),
        _series(metric, {**own, "code": "503"}, failed),
        _series(metric, {**other, "code": "500"}, TOTAL),
        *_histogram(
            "traefik_service_request_duration_seconds", {**own, "code": "200"}, le, TOTAL - slow
        ),
    ]


def istio(failed: float, slow: float, le: str) -> Series:
    gateway = {
        "reporter": "source",
        "source_workload": "istio-ingressgateway",
        "source_workload_namespace": INGRESS_NAMESPACE,
        "destination_service_name": APP,
        "destination_service_namespace": NAMESPACE,
        "destination_workload_namespace": NAMESPACE,
    }
    # The same requests again as the app's sidecar reports them, and calls from inside the mesh.
    sidecar = {**gateway, "reporter": "destination"}
    mesh = {**gateway, "source_workload": "web", "source_workload_namespace": "web-prod"}
    metric = "istio_requests_total"
    return [
        _series(metric, {**gateway, "response_code": "200"}, TOTAL - failed),
        _series(metric, {**gateway, "response_code": "503"}, failed),
        _series(metric, {**sidecar, "response_code": "500"}, TOTAL),
        _series(metric, {**mesh, "response_code": "500"}, TOTAL),
        *_histogram("istio_request_duration_milliseconds", gateway, le, TOTAL - slow),
        _series("istio_request_duration_milliseconds_count", mesh, TOTAL),
    ]


def ingress_nginx(failed: float, slow: float, le: str) -> Series:
    own = {"namespace": NAMESPACE, "ingress": APP, "service": APP, "controller_class": "nginx"}
    other = {**own, "ingress": "web", "service": "web"}
    metric = "nginx_ingress_controller_requests"
    return [
        _series(metric, {**own, "status": "200"}, TOTAL - failed),
        _series(metric, {**own, "status": "503"}, failed),
        _series(metric, {**other, "status": "500"}, TOTAL),
        *_histogram("nginx_ingress_controller_request_duration_seconds", own, le, TOTAL - slow),
    ]


SERIES: dict[str, Callable[[float, float, str], Series]] = {
    "envoy-gateway": envoy_gateway,
    "traefik": traefik,
    "istio": istio,
    "ingress-nginx": ingress_nginx,
}


def test_every_controller_has_a_promtool_case() -> None:
    assert sorted(SERIES) == sorted(CONTROLLERS) == sorted(THRESHOLDS)


def platform_on(controller: str) -> Platform:
    data = yaml.safe_load((EXAMPLE / "platform.yaml").read_text())
    data["spec"]["ingress"] |= {"controller": controller, "namespace": INGRESS_NAMESPACE}
    return Platform.model_validate(data)


def rules_on(tmp_path: Path, controller: str) -> dict[str, Any]:
    """The chart's rules for the prod sample, with the SLO values Berth renders on `controller`."""
    threshold, _ = THRESHOLDS[controller]
    app = Application.model_validate(
        {
            "apiVersion": "berth.dev/v1alpha1",
            "kind": "Application",
            "metadata": {"name": APP},
            "spec": {
                "blueprint": "web-service",
                "image": "ghcr.io/acme/payments-api",
                "port": 8080,
                "resources": {"cpu": "250m", "memory": "256Mi"},
                "slo": {"availability": 99.9, "latency": {"thresholdMs": threshold, "percent": 99}},
                "environments": {"prod": {"tag": "1.0.0", "host": "payments.acme.example"}},
            },
        }
    )
    values = yaml.safe_load((SAMPLES / "web-service-full.yaml").read_text())
    values["slo"] = slo_values(
        platform_on(controller), NAMESPACE, app, app.spec.environments["prod"]
    )
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    text = helm_template(CHART, [path], name=APP, namespace=NAMESPACE)
    (rule,) = [d for d in yaml.safe_load_all(text) if d and d["kind"] == "PrometheusRule"]
    return {"groups": rule["spec"]["groups"]}


def _expected(slo: str, firing: list[tuple[str, str, str, float]]) -> list[dict[str, Any]]:
    return [
        {
            "exp_labels": {
                "alertname": "ErrorBudgetBurn",
                "namespace": NAMESPACE,
                "ingress": APP,
                "slo": slo,
                "severity": severity,
                "long_window": long,
                "short_window": short,
            }
        }
        for severity, long, short, _ in firing
    ]


# Error ratios against a budget of 0.1% (availability 99.9) or 1% (latency 99), and the tiers
# each ratio must fire: 20x the budget fires all four (both pages), 4x only the tickets, 0.5x none.
SCENARIOS = {
    "high": (20.0, TIERS),
    "slow-burn": (4.0, [t for t in TIERS if t[3] <= 4.0]),
    "healthy": (0.5, []),
}


@pytest.mark.tools
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("controller", sorted(SERIES))
def test_burn_rate_alerts_fire_on_the_controllers_own_series(
    tmp_path: Path, controller: str, scenario: str
) -> None:
    burn, firing = SCENARIOS[scenario]
    groups = rules_on(tmp_path, controller)
    assert "SUCCESS" in check_rules(tmp_path, groups)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(without_annotations(groups)))
    failed = float(error_budget(99.9)) * burn * TOTAL
    slow = float(error_budget(99)) * burn * TOTAL
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": SERIES[controller](failed, slow, THRESHOLDS[controller][1]),
                "alert_rule_test": [
                    {
                        "eval_time": EVAL_AT,
                        "alertname": "ErrorBudgetBurn",
                        "exp_alerts": _expected("availability", firing)
                        + _expected("latency", firing),
                    }
                ],
            }
        ],
    }
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    out = run([tool("promtool"), "test", "rules", path.name], cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


@pytest.mark.parametrize(
    ("controller", "ms", "matcher"),
    [
        ("ingress-nginx", 250, "0.25"),
        ("ingress-nginx", 1000, "1|1.0"),
        ("ingress-nginx", 10000, "10|10.0"),
        ("traefik", 1200, "1.2"),
        ("traefik", 5000, "5|5.0"),
        ("istio", 250, "250|250.0"),
        ("envoy-gateway", 60000, "60000|60000.0"),
    ],
)
def test_le_matcher_covers_both_spellings(controller: str, ms: int, matcher: str) -> None:
    assert CONTROLLERS[controller].le(ms) == matcher


def test_the_operations_page_documents_every_controller() -> None:
    """docs/operations.md's table names each controller with the metrics Berth reads."""
    page = (REPO / "docs" / "operations.md").read_text()
    for controller in CONTROLLERS.values():
        row = next(
            (line for line in page.splitlines() if line.startswith(f"| `{controller.name}`")), None
        )
        assert row is not None, controller.name
        for metric in (controller.requests, controller.duration, controller.reference):
            assert metric in row, (controller.name, metric)


def test_a_platform_that_changed_its_buckets_names_them() -> None:
    ingress = platform_on("traefik").spec.ingress
    assert ingress.latency_buckets() == (100, 300, 1200, 5000)
    changed = ingress.model_copy(update={"latencyBucketsMs": [1000, 250, 250]})
    assert changed.latency_buckets() == (250, 1000)
    assert ingress.model_copy(update={"controller": "haproxy"}).latency_buckets() == ()


@pytest.mark.tools
@pytest.mark.parametrize("controller", sorted(CONTROLLERS))
def test_the_dashboard_reads_the_controllers_metrics(tmp_path: Path, controller: str) -> None:
    platform = platform_on(controller)
    tenant = Tenant.model_validate(
        yaml.safe_load((EXAMPLE / "tenants/payments/tenant.yaml").read_text())
    )
    app = Application.model_validate(
        yaml.safe_load((EXAMPLE / "tenants/payments/apps/api.yaml").read_text())
    )
    env = platform.spec.environments[-1]
    board = dashboard(platform, env, tenant, [app])
    ingress = [
        p for p in board["panels"] if p["title"] in {"api: requests", "api: errors", "api: latency"}
    ]
    row = CONTROLLERS[controller]
    exprs = [t["expr"] for p in ingress for t in p["targets"]]
    assert len(ingress) == 3 and all(row.requests in e or row.duration in e for e in exprs)
    assert ingress[2]["fieldConfig"]["defaults"]["unit"] == row.unit
    check_rules(
        tmp_path,
        {
            "groups": [
                {
                    "name": "d",
                    "rules": [{"record": f"d:e{i}", "expr": e} for i, e in enumerate(exprs)],
                }
            ]
        },
    )


def test_no_ingress_panels_on_a_controller_without_metrics() -> None:
    platform = platform_on("haproxy")
    tenant = Tenant.model_validate(
        yaml.safe_load((EXAMPLE / "tenants/payments/tenant.yaml").read_text())
    )
    app = Application.model_validate(
        yaml.safe_load((EXAMPLE / "tenants/payments/apps/api.yaml").read_text())
    )
    board = dashboard(platform, platform.spec.environments[-1], tenant, [app])
    titles = {p["title"] for p in board["panels"]}
    assert "api: CPU" in titles and not titles & {"api: requests", "api: latency"}


def test_validate_warns_where_berth_cannot_measure(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "repo")
    platform = root / "platform.yaml"
    text = platform.read_text()
    assert "controller: ingress-nginx}" in text
    platform.write_text(text.replace("controller: ingress-nginx}", "controller: envoy-gateway}"))
    code, out, err = berth(root, "validate")
    assert code == 0, out + err
    assert (
        "platform.yaml:39:25: warning: spec.ingress.controller: Envoy Gateway serves Gateway API"
        " routes, not the Ingresses Berth renders" in out + err
    )


@pytest.mark.parametrize(
    ("controller", "warned"), [("envoy-gateway", False), ("istio", False), ("ingress-nginx", True)]
)
def test_validate_warns_on_a_gateway_that_the_slo_controller_cannot_measure(
    tmp_path: Path, controller: str, warned: bool
) -> None:
    root = copy_example(tmp_path / "repo")
    platform = root / "platform.yaml"
    text = platform.read_text().replace(
        "controller: ingress-nginx}",
        f"controller: {controller}}}\n  gateway: {{name: public, namespace: gateways}}",
    )
    platform.write_text(text)
    code, out, err = berth(root, "validate")
    assert code == 0, out + err
    assert ("warning: spec.ingress.controller" in out + err) == warned, out + err
    if warned:
        assert "but Berth reads ingress-nginx's metrics of Ingresses" in out + err
