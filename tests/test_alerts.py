"""The alert and recording rules, with the real promtool: the chart's PrometheusRule of each
sample, and the quota rule of the guardrails.

`promtool check rules` checks every rule (PromQL, templates, durations); `promtool test rules`
runs the basic alerts and the quota rule on synthetic series. The SLO rules on each ingress
controller's own series are in test_slo_controllers.py. The test files are generated here, from
the rules the chart renders, so they always test what is deployed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.platform import Platform
from generator.render.operations import error_budget
from generator.render.tenant_ops import quota_rules
from tests.support.example import FIXTURE
from tests.support.tools import REPO, helm_template, run, tool

pytestmark = pytest.mark.tools

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
    platform = Platform.model_validate(yaml.safe_load((FIXTURE / "platform.yaml").read_text()))
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
