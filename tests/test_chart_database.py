"""A chart app's database (`blueprint: chart` with `database`, render/chart_database.py).

Its Cluster and ScheduledBackup are built in Python, not by the shared chart: these tests hold
them to what the shared chart's `templates/database.yaml` renders with the real `helm template`
for another app with the same database (every size), and to the vendored CloudNativePG CRDs.
The request cases are tests/cases/charts/app-chart-database (renders) and
tests/cases/apps/chart-database-* (quota, names).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.load import load_repo
from generator.models.application import DATABASE_SIZES, Database
from generator.render.app import database_backup_schedule
from generator.render.chart_database import database_objects, owner_labels
from generator.validate import validate_repo
from generator.verify.kube_schema import validate_objects
from tests.support.cases import lay_over
from tests.support.chart_repo import serve_charts
from tests.support.cli import berth
from tests.support.tools import REPO, helm_template, tool

CASE = REPO / "tests" / "cases" / "charts" / "app-chart-database"
pytestmark = pytest.mark.tools
BASE = REPO / "tests" / "cases" / "valid" / "_base"
LEDGER = """apiVersion: berth.dev/v1alpha1
kind: Application
metadata: {name: ledger}
spec:
  blueprint: worker
  image: ghcr.io/acme/ledger
  resources: {cpu: 100m, memory: 128Mi}
  database: {engine: postgres, size: small}
  environments:
    dev: {tag: "1.0.0"}
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chart case, with a worker `ledger` that has a database too, rendered."""
    root = tmp_path_factory.mktemp("chartdb") / "repo"
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(CASE, root)
    (root / "tenants/checkout/apps/ledger.yaml").write_text(LEDGER)
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    return root


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def shared_chart(repo: Path, size: str) -> list[dict[str, Any]]:
    """What the shared chart renders for `forge`'s database of `size`, from ledger's values
    (a valid values file) with the name and the database changed."""
    values = yaml.safe_load(
        (repo / "environments/dev/tenants/checkout/apps/ledger.values.yaml").read_text()
    )
    wanted = DATABASE_SIZES[size]
    values["name"] = "forge"
    values["database"] = {
        **values["database"],
        "instances": wanted.instances,
        "storage": wanted.storage,
        "cpu": wanted.cpu,
        "memory": wanted.memory,
    }
    file = repo / f"forge-{size}.values.yaml"
    file.write_text(yaml.safe_dump(values))
    text = helm_template(repo / "blueprints/chart", [file], name="forge", namespace="checkout-dev")
    return [
        d
        for d in yaml.safe_load_all(text)
        if d and d["apiVersion"].startswith("postgresql.cnpg.io/")
    ]


@pytest.mark.parametrize("size", sorted(DATABASE_SIZES))
def test_the_database_is_what_the_shared_chart_renders_for_other_apps(
    repo: Path, size: str
) -> None:
    raw = load_repo(str(repo))
    valid, problems = validate_repo(raw)
    assert valid is not None, problems
    environment = valid.platform.spec.environment("dev")
    assert environment is not None
    tenant = valid.tenants["checkout"]
    ours = database_objects(environment, tenant, "forge", Database(engine="postgres", size=size))  # type: ignore[arg-type]
    theirs = shared_chart(repo, size)
    assert [(o["kind"], o["metadata"]["name"]) for o in ours] == [
        ("Cluster", "forge-db"),
        ("ScheduledBackup", "forge-db"),
    ]
    assert [(o["kind"], o["metadata"]["name"]) for o in theirs] == [
        (o["kind"], o["metadata"]["name"]) for o in ours
    ]
    for mine, chart in zip(ours, theirs, strict=True):
        assert mine["apiVersion"] == chart["apiVersion"]
        assert mine["spec"] == chart["spec"], mine["kind"]
    # The labels the operator's pods get are the ownership ones, never the chart's selectors'.
    assert ours[0]["spec"]["inheritedMetadata"]["labels"] == owner_labels(tenant, "dev")
    assert ours[1]["spec"]["schedule"] == database_backup_schedule(environment)


def test_the_rendered_extras_pass_the_cloudnativepg_crds(repo: Path) -> None:
    for env in ("dev", "staging"):
        objects = documents(repo / f"environments/{env}/tenants/checkout/apps/forge.extras.yaml")
        assert [o["kind"] for o in objects] == ["Cluster", "ScheduledBackup"]
        assert validate_objects(objects) == []
    broken = documents(repo / "environments/dev/tenants/checkout/apps/forge.extras.yaml")
    broken[0]["spec"]["instances"] = "one"
    assert validate_objects(broken), "the CRD check cannot fail"


def test_the_extras_application_syncs_the_database(repo: Path) -> None:
    argocd = documents(repo / "environments/dev/tenants/checkout/argocd.yaml")
    extras = [o for o in argocd if o["metadata"]["name"] == "checkout-forge-dev-extras"]
    assert len(extras) == 1
    assert extras[0]["spec"]["source"]["directory"] == {"include": "forge.extras.yaml"}
    assert extras[0]["spec"]["destination"]["namespace"] == "checkout-dev"


@pytest.fixture(scope="module")
def chart_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_charts(tmp_path_factory.mktemp("chart-repo"))


def tidy_with_database(root: Path, url: str) -> Path:
    """A platform that allows the served chart `tidy`; tenant checkout runs it as `web`, with
    a database, in dev."""
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    platform = (BASE / "platform.yaml").read_text()
    at = platform.index("  registries:")
    chart = f'  charts:\n    tidy: {{repoURL: {url}, chart: tidy, versions: ["1.2.0"], description: fits}}\n'
    (root / "platform.yaml").write_text(platform[:at] + chart + platform[at:])
    apps = root / "tenants/checkout/apps"
    apps.mkdir(parents=True)
    (root / "tenants/checkout/tenant.yaml").write_text(
        "apiVersion: berth.dev/v1alpha1\nkind: Tenant\nmetadata: {name: checkout}\nspec:\n"
        "  description: Team checkout\n  owners: [carol]\n  group: acme/checkout\n"
        "  costCenter: CC-2001\n  environments:\n    dev: {size: small}\n"
    )
    (apps / "web.yaml").write_text(
        "apiVersion: berth.dev/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n"
        "  blueprint: chart\n  chart: {name: tidy}\n  database: {engine: postgres, size: small}\n"
        "  environments:\n    dev: {version: 1.2.0}\n"
    )
    return root


def verify_flows(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str], str]:
    dirs = sorted({str(Path(tool(name)).parent) for name in ("kubectl", "helm", "nca")})
    monkeypatch.setenv("PATH", os.pathsep.join([*dirs, os.environ.get("PATH", "")]))
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    code, out, err = berth(repo, "verify", "--env", "dev", "--format", "text")
    flows = [line for line in out.splitlines() if line.endswith("(network-config-analyzer)")]
    return code, flows, out + err


def test_the_charts_pods_reach_their_database_and_verify_says_so(
    chart_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tidy_with_database(tmp_path / "repo", chart_url)
    code, flows, out = verify_flows(repo, monkeypatch)
    assert (code, flows) == (0, []), out
    assert "runtime flows allowed and denied as the requests say" in out, out


def test_a_guardrail_that_keeps_the_charts_pods_from_the_database_is_reported(
    chart_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken: `allow-same-namespace` lets in only pods with Berth's labels (the database's
    own), which a chart's pods do not carry."""
    repo = tidy_with_database(tmp_path / "repo", chart_url)
    policies = repo / "blueprints/tenant/networkpolicies.yaml"
    text = policies.read_text()
    same = "  ingress:\n  - from:\n    - podSelector: {}\n"
    assert text.count(same) == 1
    broken = (
        "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions:\n"
        "        - {key: app.kubernetes.io/managed-by, operator: Exists}\n"
    )
    policies.write_text(text.replace(same, broken))
    code, flows, out = verify_flows(repo, monkeypatch)
    assert flows == [
        "tenants/checkout/apps/web.yaml:7:13: spec.database: dev: the chart's pods (app-web)"
        " cannot reach web's database on TCP 5432 (network-config-analyzer)"
    ], out
    assert code == 1


def test_a_guardrail_that_lets_other_namespaces_reach_the_database_is_reported(
    chart_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Broken: `allow-same-namespace` lets in every namespace's pods: the run's stranger
    namespace (any namespace the requests do not name) reaches the chart app's database."""
    repo = tidy_with_database(tmp_path / "repo", chart_url)
    policies = repo / "blueprints/tenant/networkpolicies.yaml"
    text = policies.read_text()
    same = "  ingress:\n  - from:\n    - podSelector: {}\n"
    policies.write_text(text.replace(same, "  ingress:\n  - from:\n    - namespaceSelector: {}\n"))
    code, flows, out = verify_flows(repo, monkeypatch)
    on_database = [line for line in flows if "web.yaml" in line]
    assert on_database == [
        "tenants/checkout/apps/web.yaml:7:13: spec.database: dev: web's database in checkout-dev"
        " is reached by a namespace of dev that its requests do not name (a stranger with no"
        " NetworkPolicy) (network-config-analyzer)"
    ], out
    assert code == 1


def test_berth_cost_prices_the_database_of_a_chart_app(tmp_path: Path) -> None:
    """A small database: 250m x 24 + 0.5 GiB x 3.2 + 10 GiB x 0.10 = 8.60 a month; the chart's
    own workloads stay unpriced, and the row still names the chart app."""
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(CASE, root)
    assert berth(root, "render")[0] == 0
    code, out, err = berth(root, "cost", "--format", "json")
    assert code == 0, err
    rows = {r["environment"]: r for r in json.loads(out)["rows"] if r["tenant"] == "checkout"}
    assert {env: (r["apps"], r.get("unpricedCharts")) for env, r in rows.items()} == {
        "dev": ("8.60", ["forge"]),
        "staging": ("8.60", ["forge"]),
        "prod": ("0.00", None),
    }
