"""The tenant dashboards: built as Argo CD builds the guardrails (real kustomize), valid Grafana
JSON with every PromQL expression parsed by promtool, and both providers (the sidecar's
ConfigMap, grafana-operator's GrafanaDashboard) validated against their schemas."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.observability import Dashboards
from generator.render.dashboard import MAX_UID, dashboard_exprs, dashboard_uid
from generator.verify.kube_schema import validate_objects
from tests.support.cli import berth
from tests.support.example import example
from tests.support.tools import kustomize_build, run, tool

EXAMPLE = example()

ENVIRONMENTS = ("dev", "staging", "prod")


def built(root: Path, env: str, tenant: str) -> list[dict[str, Any]]:
    path = root / "environments" / env / "tenants" / tenant / "guardrails"
    return [d for d in yaml.safe_load_all(kustomize_build(path)) if d]


def board_of(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (config,) = [o for o in objects if o["kind"] == "ConfigMap"]
    assert config["metadata"]["name"] == "berth.dashboard"
    board: dict[str, Any] = json.loads(config["data"]["dashboard.json"])
    return board


def apps_in(tenant: str, env: str) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((EXAMPLE / "tenants" / tenant / "apps").glob("*.yaml")):
        app = yaml.safe_load(path.read_text())
        if env in app["spec"]["environments"]:
            found[app["metadata"]["name"]] = app
    return found


def tenants_in(env: str) -> list[str]:
    return sorted(
        p.parent.name for p in (EXAMPLE / "environments" / env / "tenants").glob("*/guardrails")
    )


def check_grafana_model(board: dict[str, Any]) -> None:
    """What Grafana needs of a dashboard JSON model to import it as it is."""
    assert isinstance(board["schemaVersion"], int) and board["schemaVersion"] >= 36
    assert isinstance(board["title"], str) and board["title"]
    assert 0 < len(board["uid"]) <= MAX_UID
    assert board["templating"]["list"][0] == {
        "name": "datasource",
        "label": "Prometheus",
        "type": "datasource",
        "query": "prometheus",
        "hide": 0,
    }
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert set(grid) == {"h", "w", "x", "y"} and grid["x"] + grid["w"] <= 24
        if panel["type"] == "row":
            continue
        assert panel["type"] in {"timeseries", "stat", "bargauge"}
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(refs) == len(set(refs))
        for target in panel["targets"]:
            assert target["expr"] and target["datasource"] == panel["datasource"]


def promtool_parses(tmp_path: Path, exprs: list[str]) -> None:
    """Each expression as a recording rule: `promtool check rules` parses every one."""
    rules = [{"record": f"berth_dashboard:expr_{i}", "expr": e} for i, e in enumerate(exprs)]
    path = tmp_path / "exprs.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    out = run([tool("promtool"), "check", "rules", str(path)]).stdout
    assert f"SUCCESS: {len(rules)} rules found" in out


@pytest.mark.tools
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_tenant_dashboard_is_valid_and_parses(tmp_path: Path, env: str) -> None:
    exprs: list[str] = []
    for tenant in tenants_in(env):
        objects = built(EXAMPLE, env, tenant)
        board = board_of(objects)
        check_grafana_model(board)
        assert board["uid"] == f"berth-{tenant}-{env}"
        rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
        assert rows[0] == f"{tenant}-{env}: quota and cost"
        apps = apps_in(tenant, env)
        assert [r.split(" ")[0] for r in rows[1:]] == sorted(apps)
        titles = {p["title"] for p in board["panels"]}
        for name, app in apps.items():
            assert {f"{name}: CPU", f"{name}: memory"} <= titles
            has_host = "host" in app["spec"]["environments"][env]
            assert (f"{name}: latency" in titles) == has_host
        namespace = f"{tenant}-{env}"
        for expr in dashboard_exprs(board):
            assert f'namespace="{namespace}"' in expr, expr  # never another tenant's series
        exprs += dashboard_exprs(board)
        config = next(o for o in objects if o["kind"] == "ConfigMap")
        assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    promtool_parses(tmp_path, exprs)


@pytest.mark.tools
def test_the_cost_panel_uses_the_platforms_prices() -> None:
    board = board_of(built(EXAMPLE, "prod", "payments"))
    (cost,) = [p for p in board["panels"] if p["title"].startswith("Monthly cost")]
    assert cost["fieldConfig"]["defaults"]["unit"] == "suffix: USD"
    requested, quota = (t["expr"] for t in cost["targets"])
    assert "* 24 " in requested and "/ 1073741824 * 3.2" in requested and "* 0.1" in requested
    assert 'resource="requests.cpu"' in quota and 'type="hard"' in quota


@pytest.mark.tools
def test_grafana_operator_provider(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(EXAMPLE / name, root / name)
    for name in ("tenants", "blueprints"):
        shutil.copytree(EXAMPLE / name, root / name)
    platform = (root / "platform.yaml").read_text()
    operator = (
        "dashboards: {provider: grafana-operator,"
        " grafanaOperator: {instanceSelector: {dashboards: grafana}}}"
    )
    assert "dashboards: {provider: configmap}" in platform
    (root / "platform.yaml").write_text(
        platform.replace("dashboards: {provider: configmap}", operator)
    )
    assert berth(root, "render")[0] == 0
    objects = built(root, "prod", "payments")
    assert validate_objects(objects) == []
    (grafana,) = [o for o in objects if o["kind"] == "GrafanaDashboard"]
    assert grafana["metadata"]["namespace"] == "payments-prod"
    assert grafana["spec"]["instanceSelector"] == {"matchLabels": {"dashboards": "grafana"}}
    assert grafana["spec"]["configMapRef"] == {"name": "berth.dashboard", "key": "dashboard.json"}
    assert grafana["spec"]["allowCrossNamespaceImport"] is True
    config = next(o for o in objects if o["kind"] == "ConfigMap")
    assert "grafana_dashboard" not in config["metadata"]["labels"], "no second import by a sidecar"
    check_grafana_model(json.loads(config["data"]["dashboard.json"]))


def test_grafana_operator_needs_an_instance_selector() -> None:
    with pytest.raises(ValueError, match="instanceSelector"):
        Dashboards.model_validate({"provider": "grafana-operator"})


def test_long_names_get_a_hashed_uid() -> None:
    assert dashboard_uid("payments", "prod") == "berth-payments-prod"
    long = dashboard_uid("a" * 30, "b" * 40)
    assert len(long) == MAX_UID and long.startswith("berth-")
    assert long != dashboard_uid("a" * 30, "b" * 41)
