"""The alert and recording rules, with the real promtool: the chart's PrometheusRule of each
sample, and the quota rule of the guardrails.

`promtool check rules` checks every rule (PromQL, templates, durations); `promtool test rules`
feeds synthetic ingress-nginx series to the SLO rules and shows each burn-rate alert firing at
a high error rate and staying silent at a healthy one. The test files are generated here, from
the rules the chart renders, so they always test what is deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.platform import Platform
from generator.render.operations import error_budget, le_matcher
from generator.render.tenant_ops import quota_rules
from tests.support.tools import REPO, helm_template, run, tool

CHART = REPO / "blueprints" / "chart"
SAMPLES = REPO / "tests" / "chart_values"
NAMESPACE = "payments-prod"
APP = "api"
# The SRE workbook's tiers: (severity, long window, short window, burn rate).
TIERS = [
    ("page", "1h", "5m", 14.4),
    ("page", "6h", "30m", 6.0),
    ("ticket", "1d", "2h", 3.0),
    ("ticket", "3d", "6h", 1.0),
]
# Every SLO rule reads 5 hours of data here (every `for` is at most 3h).
EVAL_AT = "4h"
MINUTES = 5 * 60


def chart_rules(sample: str, namespace: str = NAMESPACE) -> dict[str, Any]:
    text = helm_template(CHART, [SAMPLES / f"{sample}.yaml"], name=APP, namespace=namespace)
    (rule,) = [d for d in yaml.safe_load_all(text) if d and d["kind"] == "PrometheusRule"]
    return {"groups": rule["spec"]["groups"]}


def check_rules(tmp_path: Path, groups: dict[str, Any]) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(groups))
    return run([tool("promtool"), "check", "rules", str(path)]).stdout


def without_annotations(groups: dict[str, Any]) -> dict[str, Any]:
    """The rules as promtool's unit tests compare them: by labels (annotations are checked
    by `check rules` and below, and would have to be repeated here word for word)."""
    return {
        "groups": [
            {
                **g,
                "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]],
            }
            for g in groups["groups"]
        ]
    }


def all_rules(groups: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for g in groups["groups"] for r in g["rules"]]


@pytest.mark.parametrize("sample", ["web-service-full", "worker", "cronjob"])
def test_chart_rules_pass_promtool_check(tmp_path: Path, sample: str) -> None:
    groups = chart_rules(sample)
    out = check_rules(tmp_path, groups)
    assert f"SUCCESS: {len(all_rules(groups))} rules found" in out


@pytest.mark.parametrize("sample", ["web-service-full", "worker", "cronjob"])
def test_every_alert_has_summary_description_and_runbook(sample: str) -> None:
    for rule in all_rules(chart_rules(sample)):
        if "alert" not in rule:
            continue
        annotations = rule["annotations"]
        assert set(annotations) == {"summary", "description", "runbook_url"}, rule["alert"]
        assert annotations["runbook_url"] == f"https://runbooks.acme.example/{rule['alert']}"
        assert rule["labels"]["severity"] in {"page", "ticket", "warning"}


def test_basic_alerts_follow_the_workload() -> None:
    def alerts(sample: str) -> set[str]:
        return {r["alert"] for r in all_rules(chart_rules(sample)) if "alert" in r}

    assert alerts("web-service-full") == {
        "PodCrashLooping",
        "PodsNotReady",
        "HorizontalPodAutoscalerAtMaximum",
        "CertificateExpiresSoon",
        "ErrorBudgetBurn",
    }
    assert alerts("worker") == {"PodCrashLooping", "PodsNotReady"}
    assert alerts("cronjob") == {"PodCrashLooping", "CronJobRunFailed"}


def test_the_slo_alerts_are_the_workbook_tiers() -> None:
    burns = [r for r in all_rules(chart_rules("web-service-full")) if "alert" in r]
    burns = [r for r in burns if r["alert"] == "ErrorBudgetBurn"]
    found = {
        (r["labels"]["slo"], r["labels"]["severity"], r["labels"]["long_window"]) for r in burns
    }
    assert found == {(slo, t[0], t[1]) for slo in ("availability", "latency") for t in TIERS}
    fast = next(r for r in burns if r["labels"]["long_window"] == "1h")
    assert "> (14.4 * 0.001)" in fast["expr"] and "ratio_rate5m" in fast["expr"]


def _counter(per_minute: float) -> str:
    return f"0+{per_minute:g}x{MINUTES}"


def _availability_series(total: float, errors: float) -> list[dict[str, str]]:
    labels = f'namespace="{NAMESPACE}",ingress="{APP}"'
    return [
        {
            "series": f'nginx_ingress_controller_requests{{{labels},status="200"}}',
            "values": _counter(total - errors),
        },
        {
            "series": f'nginx_ingress_controller_requests{{{labels},status="503"}}',
            "values": _counter(errors),
        },
    ]


def _latency_series(total: float, slow: float) -> list[dict[str, str]]:
    labels = f'namespace="{NAMESPACE}",ingress="{APP}"'
    metric = "nginx_ingress_controller_request_duration_seconds"
    return [
        # The sample's threshold is 1 s; ingress-nginx writes the bucket as le="1".
        {"series": f'{metric}_bucket{{{labels},le="1"}}', "values": _counter(total - slow)},
        {"series": f'{metric}_bucket{{{labels},le="+Inf"}}', "values": _counter(total)},
        {"series": f"{metric}_count{{{labels}}}", "values": _counter(total)},
    ]


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
# each ratio must fire: 20x the budget fires all four, 4x only the tickets, 0.5x none.
SCENARIOS = {
    "high": (20.0, TIERS),
    "slow-burn": (4.0, [t for t in TIERS if t[3] <= 4.0]),
    "healthy": (0.5, []),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_burn_rate_alerts_fire_when_and_only_when_the_budget_burns(
    tmp_path: Path, scenario: str
) -> None:
    burn, firing = SCENARIOS[scenario]
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(without_annotations(chart_rules("web-service-full"))))
    total = 10000.0
    availability = float(error_budget(99.9)) * burn * total
    latency = float(error_budget(99)) * burn * total
    test = {
        "rule_files": [rules.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": _availability_series(total, availability)
                + _latency_series(total, latency),
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


def test_basic_alerts_fire_on_synthetic_series(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(without_annotations(chart_rules("web-service-full"))))
    ns = NAMESPACE
    hpa = f'namespace="{ns}",horizontalpodautoscaler="{APP}"'
    test = {
        "rule_files": [rules.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {
                        "series": "kube_pod_container_status_waiting_reason"
                        f'{{namespace="{ns}",container="{APP}",pod="{APP}-1",reason="CrashLoopBackOff"}}',
                        "values": "1x40",
                    },
                    {
                        "series": f'kube_deployment_status_replicas_unavailable{{namespace="{ns}",deployment="{APP}"}}',
                        "values": "0x40",
                    },
                    {
                        "series": f"kube_horizontalpodautoscaler_status_current_replicas{{{hpa}}}",
                        "values": "10x40",
                    },
                    {
                        "series": f"kube_horizontalpodautoscaler_spec_max_replicas{{{hpa}}}",
                        "values": "10x40",
                    },
                    {
                        "series": "certmanager_certificate_expiration_timestamp_seconds"
                        f'{{namespace="{ns}",name="{APP}-tls"}}',
                        # 10 days after the test's epoch: inside the 14-day warning.
                        "values": f"{10 * 86400}x100",
                    },
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "30m",
                        "alertname": "PodCrashLooping",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "warning",
                                    "namespace": ns,
                                    "container": APP,
                                    "pod": f"{APP}-1",
                                    "reason": "CrashLoopBackOff",
                                }
                            }
                        ],
                    },
                    {"eval_time": "30m", "alertname": "PodsNotReady", "exp_alerts": []},
                    {
                        "eval_time": "30m",
                        "alertname": "HorizontalPodAutoscalerAtMaximum",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "warning",
                                    "namespace": ns,
                                    "horizontalpodautoscaler": APP,
                                }
                            }
                        ],
                    },
                    {
                        "eval_time": "90m",
                        "alertname": "CertificateExpiresSoon",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "warning",
                                    "namespace": ns,
                                    "name": f"{APP}-tls",
                                }
                            }
                        ],
                    },
                ],
            }
        ],
    }
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    out = run([tool("promtool"), "test", "rules", path.name], cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_quota_rule(tmp_path: Path) -> None:
    platform = Platform.model_validate(yaml.safe_load((REPO / "platform.yaml").read_text()))
    groups = {"groups": quota_rules(platform, NAMESPACE)}
    assert "SUCCESS: 1 rules found" in check_rules(tmp_path, groups)
    rules = tmp_path / "quota.yaml"
    rules.write_text(yaml.safe_dump(without_annotations(groups)))
    quota = f'namespace="{NAMESPACE}",resource="requests.cpu",resourcequota="quota"'
    test = {
        "rule_files": [rules.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": f'kube_resourcequota{{{quota},type="hard"}}', "values": "4x40"},
                    {"series": f'kube_resourcequota{{{quota},type="used"}}', "values": "3.8x40"},
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "30m",
                        "alertname": "QuotaNearlyUsed",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    "severity": "warning",
                                    "namespace": NAMESPACE,
                                    "resource": "requests.cpu",
                                    "resourcequota": "quota",
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "test.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False))
    out = run([tool("promtool"), "test", "rules", path.name], cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("percent", "budget"), [(99.9, "0.001"), (99, "0.01"), (99.95, "0.0005"), (90, "0.1")]
)
def test_error_budget_is_exact(percent: float, budget: str) -> None:
    assert error_budget(percent) == budget


@pytest.mark.parametrize(
    ("ms", "matcher"), [(250, "0.25"), (1000, "1|1.0"), (5, "0.005"), (10000, "10|10.0")]
)
def test_le_matcher_covers_both_spellings(ms: int, matcher: str) -> None:
    assert le_matcher(ms) == matcher
