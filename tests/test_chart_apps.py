"""Third-party charts from the platform's allow-list (`blueprint: chart`, models/charts.py).

`tests/cases/charts/<case>` is a request tree laid over the valid cases' base, with `expected/`
the exact tree `berth render` writes; the refusals are case folders in tests/cases/apps
(`chart-*`). `berth verify` follows each chart from a chart repository the tests serve on 127.0.0.1
(tests/cases/charts/_charts: one chart that fits a tenant, one that does not).
Regenerate after a deliberate change: `pytest --update-golden tests/test_chart_apps.py`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator.models.charts import version_allowed
from generator.verify.chart_source import ref_name
from generator.yamlio.trusted import load_all_trusted
from tests.support.cases import case_names, check_tree, lay_over
from tests.support.chart_repo import serve_charts
from tests.support.cli import berth
from tests.support.repo import commit_all
from tests.support.tools import REPO, tool
from tests.support.trees import snapshot

CASES = Path(__file__).parent / "cases" / "charts"
BASE = Path(__file__).parent / "cases" / "valid" / "_base"


def make_repo(case: Path, root: Path) -> Path:
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(case, root)
    return root


def rendered(repo: Path) -> dict[str, bytes]:
    files = {f"environments/{k}": v for k, v in snapshot(repo / "environments").items()}
    return {**files, "CODEOWNERS": (repo / "CODEOWNERS").read_bytes()}


@pytest.mark.parametrize("name", case_names(CASES))
def test_chart_case_renders_the_expected_tree(name: str, tmp_path: Path) -> None:
    case = CASES / name
    repo = make_repo(case, tmp_path / "repo")
    code, out, err = berth(repo, "validate", "--format", "text")
    assert (code, err) == (0, ""), out + err
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    check_tree(case / "expected", rendered(repo))
    assert (case / "README.md").read_text().strip()
    again = make_repo(case, tmp_path / "again")
    assert berth(again, "render")[0] == 0
    assert rendered(again) == rendered(repo), "a second render from scratch gave other bytes"


def test_chart_application_is_the_chart_in_its_repository(tmp_path: Path) -> None:
    repo = make_repo(CASES / "app-chart", tmp_path / "repo")
    assert berth(repo, "render")[0] == 0
    docs = load_all_trusted((repo / "environments/dev/tenants/checkout/argocd.yaml").read_text())
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    project = by_name["AppProject", "checkout-dev"]["spec"]
    assert project["sourceRepos"] == [
        "https://github.com/acme/platform.git",
        "https://charts.example.com/stable",
        "registry.acme.example/charts",
    ]
    cache = by_name["Application", "checkout-cache-dev"]["spec"]
    assert cache["project"] == "checkout-dev"
    assert cache["destination"]["namespace"] == "checkout-dev"
    assert cache["source"]["chart"] == "redis"
    assert cache["source"]["targetRevision"] == "19.2.0"
    assert cache["source"]["helm"]["valuesObject"]["replica"] == {"replicaCount": 2}
    prod = load_all_trusted((repo / "environments/prod/tenants/checkout/argocd.yaml").read_text())
    assert [
        d["spec"]["source"]["targetRevision"]
        for d in prod
        if d["metadata"]["name"] == "checkout-cache-prod"
    ] == ["18.6.1"]


@pytest.mark.parametrize(
    ("version", "spec", "allowed"),
    [
        ("18.6.1", "18.6.1", True),
        ("18.6.2", "18.6.1", False),
        ("19.2.0", ">=19.0.0 <20.0.0", True),
        ("20.0.0", ">=19.0.0 <20.0.0", False),
        ("18.9.9", ">=19.0.0 <20.0.0", False),
        ("19.0.0-rc.1", ">=19.0.0 <20.0.0", False),
        ("19.1.0-rc.1", ">=19.0.0 <20.0.0", False),
        ("19.1.0-rc.1", "=19.1.0-rc.1", True),
        ("19.1.0", ">19.0.0", True),
        ("19.0.0", ">19.0.0", False),
        ("v1.2.3", "1.2.3", True),
        ("latest", ">=0.0.0", False),
        ("1.2", ">=0.0.0", False),
    ],
)
def test_versions_meet_semver_ranges_as_helm_reads_them(
    version: str, spec: str, allowed: bool
) -> None:
    assert version_allowed(version, spec) is allowed


TENANT = """apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: checkout
spec:
  description: Team checkout
  owners: [carol]
  group: acme/checkout
  costCenter: CC-2001
  environments:
    dev: {size: small}
"""


@pytest.fixture(scope="module")
def chart_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`helm package` + `helm repo index` of tests/cases/charts/_charts, served on 127.0.0.1."""
    yield from serve_charts(tmp_path_factory.mktemp("chart-repo"))


def chart_tenant(tmp_path: Path, url: str, apps: dict[str, str]) -> Path:
    """A repository whose platform allows both served charts, with one tenant's chart apps."""
    repo = make_repo(CASES / "app-chart", tmp_path / "repo")
    shutil.rmtree(repo / "tenants")
    platform = (BASE / "platform.yaml").read_text()
    charts = (
        "  charts:\n"
        f'    tidy: {{repoURL: {url}, chart: tidy, versions: [">=1.0.0 <2.0.0"], description: fits}}\n'
        f"    greedy: {{repoURL: {url}, chart: greedy, versions: [0.3.0], description: refused}}\n"
    )
    at = platform.index("  registries:")
    (repo / "platform.yaml").write_text(platform[:at] + charts + platform[at:])
    (repo / "tenants/checkout/apps").mkdir(parents=True)
    (repo / "tenants/checkout/tenant.yaml").write_text(TENANT)
    for name, body in apps.items():
        (repo / f"tenants/checkout/apps/{name}.yaml").write_text(
            "apiVersion: berth.dev/v1alpha1\nkind: Application\n"
            f"metadata: {{name: {name}}}\nspec:\n  blueprint: chart\n{body}"
        )
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    return repo


def verify(repo: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("PATH", f"{Path(tool('kubectl')).parent}:{Path(tool('helm')).parent}")
    code, out, err = berth(repo, "verify", "--format", "text")
    return code, out + err


@pytest.mark.tools
def test_verify_follows_a_chart_that_fits_and_caches_it_by_digest(
    chart_repo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = (
        "  chart: {name: tidy}\n  values: {replicaCount: 2}\n  expose: {service: web, port: 80}\n"
        "  secrets: [{name: api-token, key: web/api-token}]\n"
        "  environments:\n    dev: {version: 1.2.0, host: web.checkout.dev.acme.example}\n"
    )
    repo = chart_tenant(tmp_path, chart_repo, {"web": app})
    code, out = verify(repo, monkeypatch)
    assert code == 0, out
    cached = sorted(p.name for p in (repo / ".berth/charts").iterdir())
    archives = [n for n in cached if n.endswith(".tgz")]
    assert len(archives) == 1 and len(cached) == 2, cached
    data = (repo / ".berth/charts" / archives[0]).read_bytes()
    assert archives[0] == hashlib.sha256(data).hexdigest() + ".tgz"
    # A damaged archive is not trusted: it is pulled again.
    (repo / ".berth/charts" / archives[0]).write_bytes(b"damaged")
    assert verify(repo, monkeypatch)[0] == 0
    assert (repo / ".berth/charts" / archives[0]).read_bytes() == data


@pytest.mark.tools
def test_verify_uses_the_cached_chart_without_its_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chart_repo: str
) -> None:
    app = "  chart: {name: tidy}\n  environments:\n    dev: {version: 1.2.0}\n"
    repo = chart_tenant(tmp_path, chart_repo, {"web": app})
    assert verify(repo, monkeypatch)[0] == 0
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    gone = chart_tenant(tmp_path / "gone", dead, {"web": app})
    code, out = verify(gone, monkeypatch)
    assert code == 1 and f"cannot pull chart tidy 1.2.0 from {dead}" in out, out
    # The archive under its digest, and the reference naming it: nothing is pulled.
    (archive,) = (repo / ".berth/charts").glob("*.tgz")
    shutil.copy(archive, gone / ".berth/charts" / archive.name)
    ref = gone / ".berth/charts" / ref_name(dead, "tidy", "1.2.0")
    ref.write_text(archive.name.removesuffix(".tgz") + "\n")
    code, out = verify(gone, monkeypatch)
    assert code == 0, out


@pytest.mark.tools
def test_verify_refuses_a_chart_that_cannot_fit_a_tenant_naming_its_objects(
    chart_repo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = "  chart: {name: greedy}\n  environments:\n    dev: {version: 0.3.0}\n"
    repo = chart_tenant(tmp_path, chart_repo, {"agent": app})
    code, out = verify(repo, monkeypatch)
    assert code == 1, out
    lines = [
        line for line in out.splitlines() if line.startswith("tenants/checkout/apps/agent.yaml")
    ]
    assert any("ClusterRole/agent-reader" in line and "cluster-scoped" in line for line in lines), (
        out
    )
    assert any(
        "DaemonSet/agent: project checkout-dev does not whitelist" in line for line in lines
    ), out
    assert any("DaemonSet/agent hostNetwork" in line for line in lines), out
    assert any(
        "DaemonSet/agent containers[agent]" in line and "privileged" in line for line in lines
    ), out


@pytest.mark.tools
@pytest.mark.parametrize(
    ("expose", "refusal"),
    [
        (
            "{service: api, port: 80}",
            "the chart renders no Service 'api' to route to; its Services: web",
        ),
        ("{service: web, port: 8080}", "the chart's Service 'web' has no port 8080; its ports: 80"),
    ],
)
def test_verify_refuses_an_expose_of_what_the_chart_does_not_render(
    chart_repo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expose: str, refusal: str
) -> None:
    app = (
        f"  chart: {{name: tidy}}\n  expose: {expose}\n"
        "  environments:\n    dev: {version: 1.2.0, host: web.checkout.dev.acme.example}\n"
    )
    repo = chart_tenant(tmp_path, chart_repo, {"web": app})
    code, out = verify(repo, monkeypatch)
    assert code == 1, out
    assert f"tenants/checkout/apps/web.yaml:1:1: spec.expose: {refusal}" in out.splitlines(), out


@pytest.mark.tools
def test_verify_refuses_values_the_charts_own_schema_refuses(
    chart_repo: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = "  chart: {name: tidy}\n  values: {replicas: 2}\n  environments:\n    dev: {version: 1.2.0}\n"
    repo = chart_tenant(tmp_path, chart_repo, {"web": app})
    code, out = verify(repo, monkeypatch)
    assert code == 1 and "tenants/checkout/apps/web.yaml" in out and "replicas" in out, out


@pytest.mark.tools
@pytest.mark.parametrize(
    ("old", "new", "refusal"),
    [
        (
            'targetRevision: "1.2.0"',
            'targetRevision: "2.0.0"',
            "version '2.0.0' of chart 'tidy' is not one platform.yaml allows",
        ),
        ("chart: tidy", "chart: other", "chart 'other' of http://127.0.0.1"),
        (
            "  - https://github.com/acme/platform.git\n",
            "  - https://github.com/acme/platform.git\n  - https://charts.evil.example\n",
            "sourceRepos[1]: the tenant's project may only read this repository",
        ),
    ],
)
def test_verify_holds_a_hand_edited_chart_application_to_the_allow_list(
    chart_repo: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    refusal: str,
) -> None:
    app = "  chart: {name: tidy}\n  environments:\n    dev: {version: 1.2.0}\n"
    repo = chart_tenant(tmp_path, chart_repo, {"web": app})
    argocd = repo / "environments/dev/tenants/checkout/argocd.yaml"
    text = argocd.read_text()
    assert old in text
    argocd.write_text(text.replace(old, new, 1))
    code, out = verify(repo, monkeypatch)
    assert code == 1 and refusal in out, out


def test_the_plan_names_chart_versions_and_guards_their_skips(tmp_path: Path) -> None:
    repo = make_repo(CASES / "app-chart", tmp_path / "repo")
    (repo / ".gitignore").write_text(".berth/\n")
    assert berth(repo, "render")[0] == 0
    commit_all(repo)
    cache = repo / "tenants/checkout/apps/cache.yaml"
    text = cache.read_text()
    cache.write_text(
        text.replace('version: "19.2.0"', 'version: "19.3.0"').replace(
            'prod: {version: "18.6.1"}', 'prod: {version: "19.3.0"}'
        )
    )
    assert berth(repo, "render")[0] == 0
    code, out, err = berth(repo, "plan", "--base", "HEAD", "--fail-on-skip")
    assert code == 1, out + err
    assert "checkout/cache: 19.2.0 -> 19.3.0 in dev" in out, out
    assert (
        "berth: checkout/cache: 18.6.1 -> 19.3.0 in prod did not run in dev before this change"
        " (it ran 19.2.0)"
    ) in err.splitlines(), err


def test_chart_requests_pass_their_schema_and_point_editors_at_it() -> None:
    schema = json.loads((REPO / "schemas/chart-application.schema.json").read_text())
    files = sorted((CASES / "app-chart/tenants").glob("*/apps/*.yaml"))
    assert files
    for path in files:
        first = path.read_text().splitlines()[0]
        assert (
            first
            == "# yaml-language-server: $schema=../../../schemas/chart-application.schema.json"
        )
        jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(path.read_text()))
    wrong = yaml.safe_load(files[0].read_text()) | {"spec": {"blueprint": "chart"}}
    assert not jsonschema.Draft202012Validator(schema).is_valid(wrong)
