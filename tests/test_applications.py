"""Application requests: one case folder per rule, and what rendering them does to the tree.

A case's files are laid over `tests/cases/apps/_base` (see the README there) together with the
repository's blueprints/. Each case prints exactly its `expected.txt` from `berth validate`,
and `berth render` on it exits 1 without changing a byte under environments/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from generator.models.application import DATABASE_SIZES
from generator.render.tenant import APP_KINDS, ROUTE_KIND
from tests.support.cases import case_names, lay_over
from tests.support.cli import run
from tests.support.golden import updating
from tests.support.tools import REPO
from tests.support.trees import snapshot

CASES = Path(__file__).parent / "cases" / "apps"


def make_repo(path: Path) -> Path:
    shutil.copytree(CASES / "_base", path)
    shutil.copytree(REPO / "blueprints", path / "blueprints")
    return path


@pytest.fixture(scope="module")
def rendered_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`_base` with the repository's blueprints, rendered once for every test of this module."""
    repo = make_repo(tmp_path_factory.mktemp("apps") / "repo")
    code, _, err = run("--root", str(repo), "render")
    assert code == 0, err
    return repo


@pytest.fixture
def base_repo(rendered_base: Path, tmp_path: Path) -> Path:
    """A test's own copy of the rendered base."""
    return Path(shutil.copytree(rendered_base, tmp_path / "repo", symlinks=True))


def write_app(repo: Path, tenant: str, name: str, spec: dict[str, object]) -> Path:
    path = repo / "tenants" / tenant / "apps" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "apiVersion": "berth.dev/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": spec,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


@pytest.mark.parametrize("name", case_names(CASES))
def test_invalid_case(name: str, base_repo: Path) -> None:
    before = snapshot(base_repo / "environments")
    assert any(p.endswith(".values.yaml") for p in before)
    lay_over(CASES / name, base_repo)

    code, out, err = run("--root", str(base_repo), "validate", "--format", "text")
    expected_file = CASES / name / "expected.txt"
    if updating():
        expected_file.write_text(out)
    assert (code, err) == (1, ""), out + err
    assert out == expected_file.read_text()

    code, _, err = run("--root", str(base_repo), "render")
    assert code == 1
    assert err == expected_file.read_text() + "berth: nothing was written; fix the problems above\n"
    assert snapshot(base_repo / "environments") == before


def test_every_case_has_expected_lines() -> None:
    for name in case_names(CASES):
        lines = (CASES / name / "expected.txt").read_text().splitlines()
        assert lines, f"{name}: expected.txt is empty"
        prefixes = ("tenants/", "platform.yaml", "blueprints/")
        assert all(line.startswith(prefixes) for line in lines), name


def test_base_is_valid_and_renders_its_application(base_repo: Path) -> None:
    code, out, _ = run("--root", str(base_repo), "validate")
    assert (code, out) == (0, "berth: platform.yaml and 3 tenant(s) are valid\n")
    apps = sorted(
        p.relative_to(base_repo).as_posix() for p in base_repo.rglob("environments/*/*/*/apps/*")
    )
    assert apps == [
        f"environments/{env}/tenants/payments/apps/api.values.yaml"
        for env in ("dev", "prod", "staging")
    ]


def test_valid_edge_cases(base_repo: Path) -> None:
    # A digest without a tag, the tenant's own name and the app's (here also a tenant's name)
    # as the first key segment, no host (no Ingress), a whole-number CPU, env variables that
    # merely mention credentials.
    write_app(
        base_repo,
        "checkout",
        "payments",
        {
            "blueprint": "web-service",
            "image": "registry.acme.example/checkout/payments",
            "port": 8443,
            "resources": {"cpu": 1, "memory": "1Gi"},
            "env": {
                "PASSWORD_MIN_LENGTH": "12",
                "TOKEN_TTL": "3600",
                "PWD": "/srv",
                "BUILD": "0123456789abcdef0123456789abcdef01234567",
            },
            "secrets": [
                {"name": "KEY", "key": "checkout/payments/key"},
                {"name": "OTHER", "key": "payments/other"},
            ],
            "environments": {
                "dev": {"digest": "sha256:" + "ab" * 32},
                "prod": {"tag": "v1.0.0_rc-1", "replicas": 0},
            },
        },
    )
    code, _, err = run("--root", str(base_repo), "render")
    assert code == 0, err
    values = yaml.safe_load(
        (base_repo / "environments/dev/tenants/checkout/apps/payments.values.yaml").read_text()
    )
    assert values["image"] == {
        "repository": "registry.acme.example/checkout/payments",
        "tag": "",
        "digest": "sha256:" + "ab" * 32,
    }
    assert values["ingress"]["enabled"] is False
    assert values["secrets"] == [
        {"name": "KEY", "key": "/dev/checkout/checkout/payments/key"},
        {"name": "OTHER", "key": "/dev/checkout/payments/other"},
    ]


def test_sizes_of_databases_fit_the_smallest_tenant() -> None:
    # The example's small tenant (2 CPU, 4Gi, 20Gi) holds a small database and an app beside it.
    small = DATABASE_SIZES["small"]
    assert small.instances == 1
    assert (small.cpu, small.memory, small.storage) == ("250m", "512Mi", "10Gi")
    assert [s.instances for s in DATABASE_SIZES.values()] == [1, 2, 3]


def test_tenant_project_whitelists_exactly_the_chart_kinds(base_repo: Path) -> None:
    from tests.test_chart import CHART_KINDS

    assert set(APP_KINDS) == CHART_KINDS
    docs = list(
        yaml.safe_load_all(
            (base_repo / "environments/dev/tenants/payments/argocd.yaml").read_text()
        )
    )
    project = docs[0]["spec"]
    # The example routes through Ingresses: no HTTPRoute (tests/cases/valid/app-gateway has it).
    without_routes = [{"group": g, "kind": k} for g, k in APP_KINDS if (g, k) != ROUTE_KIND]
    assert project["namespaceResourceWhitelist"] == without_routes
    assert project["clusterResourceWhitelist"] == []
    assert {"group": "", "kind": "ResourceQuota"} in project["namespaceResourceBlacklist"]
    root = yaml.safe_load_all((base_repo / "environments/dev/bootstrap.yaml").read_text())
    platform_project = next(iter(root))["spec"]
    assert {"group": "", "kind": "Namespace"} in platform_project["clusterResourceWhitelist"]
    assert {"group": "apps", "kind": "Deployment"} not in platform_project[
        "namespaceResourceWhitelist"
    ]


def test_application_objects(base_repo: Path) -> None:
    docs = list(
        yaml.safe_load_all(
            (base_repo / "environments/dev/tenants/payments/argocd.yaml").read_text()
        )
    )
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [
        ("AppProject", "payments-dev"),
        ("Application", "payments-dev"),
        ("Application", "payments-api-dev"),
    ]
    app = docs[2]
    assert app["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert app["metadata"]["labels"]["berth.dev/application"] == "api"
    assert app["spec"] == {
        "project": "payments-dev",
        "source": {
            "repoURL": "https://github.com/acme/platform.git",
            "targetRevision": "main",
            "path": "blueprints/chart",
            "helm": {
                "releaseName": "api",
                "valueFiles": ["../../environments/dev/tenants/payments/apps/api.values.yaml"],
            },
        },
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "payments-dev"},
        "syncPolicy": {
            "automated": {"prune": True, "selfHeal": True},
            "retry": {"limit": 8, "backoff": {"duration": "15s", "factor": 2, "maxDuration": "5m"}},
        },
    }
    prod = list(
        yaml.safe_load_all(
            (base_repo / "environments/prod/tenants/payments/argocd.yaml").read_text()
        )
    )[2]
    assert "syncPolicy" not in prod["spec"]
    assert "finalizers" not in prod["metadata"]


def test_values_file_is_generated_and_complete(base_repo: Path) -> None:
    text = (base_repo / "environments/prod/tenants/payments/apps/api.values.yaml").read_text()
    assert text.startswith(
        "# Generated by berth from tenants/payments/apps/api.yaml and"
        " blueprints/web-service/values.yaml.j2 and platform.yaml."
    )
    values = yaml.safe_load(text)
    assert values["autoscale"] == {"enabled": True, "min": 3, "max": 10, "cpuPercent": 70}
    assert values["database"] == {
        "enabled": True,
        "instances": 1,
        "storage": "10Gi",
        "cpu": "250m",
        "memory": "512Mi",
        "backupSchedule": "0 0 2 * * *",  # prod's Velero time, with a seconds field
    }
    assert values["secrets"] == [
        {"name": "DATABASE_PASSWORD", "key": "/prod/payments/api/db-password"}
    ]


def test_changing_a_blueprint_rerenders_every_app_using_it(base_repo: Path) -> None:
    write_app(
        base_repo,
        "checkout",
        "cart",
        {
            "blueprint": "worker",
            "image": "ghcr.io/acme/cart",
            "resources": {"cpu": "100m", "memory": "128Mi"},
            "environments": {"dev": {"tag": "1.0.0"}, "prod": {"tag": "1.0.0"}},
        },
    )
    assert run("--root", str(base_repo), "render")[0] == 0
    template = base_repo / "blueprints/web-service/values.yaml.j2"
    template.write_text(template.read_text().replace("path: /metrics", "path: /prometheus"))

    code, out, _ = run("--root", str(base_repo), "render")
    assert code == 0
    assert "0 created, 3 updated, 0 deleted (3 units built," in out
    for env in ("dev", "staging", "prod"):
        values = yaml.safe_load(
            (base_repo / f"environments/{env}/tenants/payments/apps/api.values.yaml").read_text()
        )
        assert values["monitoring"]["path"] == "/prometheus"
    # A change in the shared chart re-renders the worker's units too (nothing in them changes).
    with (base_repo / "blueprints/chart/values.yaml").open("a") as fh:
        fh.write("# a comment\n")
    code, out, _ = run("--root", str(base_repo), "render")
    assert code == 0
    assert "0 created, 0 updated, 0 deleted (5 units built," in out


def test_removing_an_app_deletes_exactly_its_files(base_repo: Path) -> None:
    before = snapshot(base_repo / "environments")
    path = write_app(
        base_repo,
        "checkout",
        "cart",
        {
            "blueprint": "worker",
            "image": "ghcr.io/acme/cart",
            "resources": {"cpu": "100m", "memory": "128Mi"},
            "environments": {"dev": {"tag": "1.0.0"}, "prod": {"tag": "1.0.0"}},
        },
    )
    code, out, _ = run("--root", str(base_repo), "render")
    # The tenant's Argo CD file and dashboard in each environment, and its catalog entities.
    assert (code, out.split(" (")[0]) == (0, "berth: 2 created, 5 updated, 0 deleted")
    with_app = snapshot(base_repo / "environments")
    assert set(with_app) - set(before) == {
        "dev/tenants/checkout/apps/cart.values.yaml",
        "prod/tenants/checkout/apps/cart.values.yaml",
    }
    assert "name: checkout-cart-dev" in with_app["dev/tenants/checkout/argocd.yaml"].decode()

    path.unlink()
    code, out, _ = run("--root", str(base_repo), "render")
    assert (code, out.split(" (")[0]) == (0, "berth: 0 created, 5 updated, 2 deleted")
    assert snapshot(base_repo / "environments") == before
    assert not (base_repo / "environments/dev/tenants/checkout/apps").exists()


def test_a_broken_blueprint_is_an_internal_error_naming_it(base_repo: Path) -> None:
    before = snapshot(base_repo / "environments")
    template = base_repo / "blueprints/web-service/values.yaml.j2"
    template.write_text(template.read_text().replace("port: {{ app.port }}", 'port: "8080"'))
    code, out, err = run("--root", str(base_repo), "render")
    assert code == 3, out + err
    assert err.startswith(
        "berth: internal error: BlueprintError: blueprint 'web-service'"
        " (blueprints/web-service/values.yaml.j2) renders values for"
        " tenants/payments/apps/api.yaml in "
    )
    assert "rejects at /port: '8080' is not of type 'integer'" in err
    assert "the blueprint is broken, not the request" in err
    assert snapshot(base_repo / "environments") == before


def test_a_template_with_an_undefined_name_is_an_internal_error(base_repo: Path) -> None:
    template = base_repo / "blueprints/web-service/values.yaml.j2"
    template.write_text(template.read_text().replace("app.costCenter", "app.cost_center"))
    code, _, err = run("--root", str(base_repo), "render")
    assert code == 3
    assert "blueprint 'web-service'" in err
    assert "'dict object' has no attribute 'cost_center'" in err
