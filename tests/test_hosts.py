"""The host rule: each tenant's own host space, the platform's reserved hosts and its grants.

The refusals are case folders (tests/cases/apps/host-*); here are the rule's pieces and what it
accepts, end to end: an accepted host becomes the Ingress host of the rendered values.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.platform import Platform
from generator.validate.hosts import allowed, host_problem, in_space, matches
from tests.support.cli import run
from tests.support.tools import REPO

CASES = REPO / "tests" / "cases" / "apps"


def platform(**extra: Any) -> Platform:
    data = yaml.safe_load((CASES / "_base" / "platform.yaml").read_text())
    data["spec"].update(extra)
    return Platform.model_validate(data)


TENANTS = frozenset({"payments", "checkout", "analytics", "pay", "pay-ments"})


def problem(p: Platform, tenant: str, env: str, host: str) -> str | None:
    environment = p.spec.environment(env)
    assert environment is not None
    return host_problem(p, tenant, environment, host, TENANTS)


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("argocd.acme.example", "argocd.acme.example", True),
        ("argocd.acme.example", "xargocd.acme.example", False),
        ("argocd.acme.example", "argocd.acme.example.evil", False),
        ("*.internal.acme.example", "db.internal.acme.example", True),
        ("*.internal.acme.example", "a.b.internal.acme.example", True),  # `*` spans dots
        ("*.internal.acme.example", "internal.acme.example", False),
        ("auth.*.acme.example", "auth.checkout.dev.acme.example", True),
        ("a.b.example", "aXb.example", False),  # '.' is literal, not a regex wildcard
    ],
)
def test_patterns(pattern: str, host: str, expected: bool) -> None:
    assert matches(pattern, host) is expected


def test_a_tenant_owns_its_apex_and_every_name_below_it() -> None:
    p = platform()
    for host in (
        "checkout.acme.example",
        "shop.checkout.acme.example",
        "v2.api.checkout.acme.example",
    ):
        assert problem(p, "checkout", "prod", host) is None, host
    assert problem(p, "checkout", "dev", "checkout.dev.acme.example") is None
    # Deep names stay per environment: a prod-looking name is not a dev host.
    assert problem(p, "checkout", "dev", "shop.checkout.acme.example") is not None


def test_prefixes_do_not_grant_hosts_and_spaces_never_overlap() -> None:
    # `pay-ments` and `pay` are both tenants; under a `<tenant>-<name>` rule `pay` would own
    # `pay-ments.acme.example`, the apex of `pay-ments`.
    p = platform()
    assert problem(p, "pay-ments", "prod", "pay-ments.acme.example") is None
    refused = problem(p, "pay", "prod", "pay-ments.acme.example")
    assert refused is not None
    assert refused.startswith("'pay-ments.acme.example' is in the host space of tenant pay-ments;")
    for a in sorted(TENANTS):
        for b in sorted(TENANTS - {a}):
            assert not in_space(f"x.{b}.acme.example", a, "acme.example")


def test_reserved_beats_the_own_space_and_grants() -> None:
    p = platform(reservedHosts=["*.checkout.acme.example"], hostGrants={})
    message = problem(p, "checkout", "prod", "admin.checkout.acme.example")
    assert message == (
        "'admin.checkout.acme.example' is reserved by the platform (*.checkout.acme.example) in"
        " platform.yaml spec.reservedHosts, even inside a tenant's own space; hosts of tenant"
        " checkout in prod must be checkout.acme.example or <name>.checkout.acme.example"
    )
    assert problem(p, "checkout", "prod", "checkout.acme.example") is None


def test_a_grant_belongs_to_its_tenant_only() -> None:
    p = platform(hostGrants={"payments": ["pay.acme.example", "*.shop.checkout.acme.example"]})
    assert problem(p, "payments", "prod", "pay.acme.example") is None
    assert problem(p, "payments", "prod", "eu.shop.checkout.acme.example") is None
    # Granted inside checkout's space: checkout itself loses it.
    refused = problem(p, "checkout", "prod", "eu.shop.checkout.acme.example")
    assert refused is not None and refused.startswith(
        "'eu.shop.checkout.acme.example' belongs to tenant payments: the platform grants it in"
        " platform.yaml spec.hostGrants.payments;"
    )
    # A grant is a host of the environment whose domain it ends in, and lists only there.
    assert problem(p, "payments", "dev", "pay.acme.example") is not None
    prod, dev = p.spec.environment("prod"), p.spec.environment("dev")
    assert prod is not None and dev is not None
    assert allowed(p, "payments", prod).endswith(
        ", or one the platform grants it: pay.acme.example, *.shop.checkout.acme.example"
    )
    assert "grants" not in allowed(p, "payments", dev)


def test_a_tenant_named_like_an_environment_has_no_space_there() -> None:
    # Tenant `dev` in prod would own dev.acme.example: the whole dev environment.
    p = platform(hostGrants={})
    prod = p.spec.environment("prod")
    assert prod is not None
    message = problem(p, "dev", "prod", "web.dev.acme.example")
    assert message == (
        "'web.dev.acme.example' is in dev.acme.example, the domain of dev; tenant dev has no host"
        " space in prod: dev.acme.example is the domain of dev; the platform can grant it hosts"
        " (platform.yaml spec.hostGrants)"
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(CASES / "_base", root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    return root


def test_grants_and_own_hosts_render_as_ingress_hosts(repo: Path) -> None:
    api = repo / "tenants/payments/apps/api.yaml"
    text = api.read_text()
    assert "host: payments.acme.example" in text
    api.write_text(text.replace("host: payments.acme.example", "host: pay.acme.example"))
    web = repo / "tenants/checkout/apps/web.yaml"
    web.parent.mkdir(parents=True)
    web.write_text(
        "apiVersion: berth.dev/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n"
        "  blueprint: web-service\n  image: ghcr.io/acme/web\n  port: 8080\n"
        "  resources: {cpu: 100m, memory: 128Mi}\n  environments:\n"
        '    dev: {tag: "1.0.0", host: checkout.dev.acme.example}\n'
        '    prod: {tag: "1.0.0", host: www.shop.checkout.acme.example}\n'
    )
    code, out, err = run("--root", str(repo), "render")
    assert code == 0, out + err

    def ingress_host(env: str, tenant: str, app: str) -> str:
        values = yaml.safe_load(
            (repo / f"environments/{env}/tenants/{tenant}/apps/{app}.values.yaml").read_text()
        )
        host: str = values["ingress"]["host"]
        return host

    assert ingress_host("prod", "payments", "api") == "pay.acme.example"
    assert ingress_host("dev", "checkout", "web") == "checkout.dev.acme.example"
    assert ingress_host("prod", "checkout", "web") == "www.shop.checkout.acme.example"


def test_a_platform_without_host_settings_keeps_the_tenant_spaces(repo: Path) -> None:
    path = repo / "platform.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  # Each tenant's hosts")])
    assert run("--root", str(repo), "validate")[0] == 0
    loaded = Platform.model_validate(yaml.safe_load(path.read_text()))
    assert (loaded.spec.reservedHosts, loaded.spec.hostGrants) == ([], {})


def test_the_issue_repro_fails_with_a_clear_error(repo: Path) -> None:
    # tenants/checkout/apps/portal.yaml claiming Argo CD's host in prod and the login page in dev.
    portal = repo / "tenants/checkout/apps/portal.yaml"
    portal.parent.mkdir(parents=True)
    shutil.copy(CASES / "host-platform-service/tenants/checkout/apps/portal.yaml", portal)
    code, out, _ = run("--root", str(repo), "validate", "--format", "text")
    assert code == 1
    assert out.splitlines() == [
        "tenants/checkout/apps/portal.yaml:11:31: spec.environments.dev.host:"
        " 'login.dev.acme.example' is reserved by the platform in platform.yaml"
        " spec.reservedHosts; hosts of tenant checkout in dev must be checkout.dev.acme.example"
        " or <name>.checkout.dev.acme.example",
        "tenants/checkout/apps/portal.yaml:12:32: spec.environments.prod.host:"
        " 'argocd.acme.example' is reserved by the platform in platform.yaml spec.reservedHosts;"
        " hosts of tenant checkout in prod must be checkout.acme.example or"
        " <name>.checkout.acme.example",
    ]
    # Without the reservation the tenant-space rule alone still refuses both.
    path = repo / "platform.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  # Each tenant's hosts")])
    code, out, _ = run("--root", str(repo), "validate", "--format", "text")
    assert code == 1
    assert "'login.dev.acme.example' is outside the host space of tenant checkout" in out
    assert "'argocd.acme.example' is outside the host space of tenant checkout" in out


def test_a_clash_is_annotated_on_each_file_of_a_github_run(repo: Path) -> None:
    web = repo / "tenants/payments/apps/web.yaml"
    web.write_text(
        (repo / "tenants/payments/apps/api.yaml").read_text().replace("name: api", "name: web")
    )
    code, out, _ = run("--root", str(repo), "validate", "--format", "github")
    assert code == 1
    files = {
        line.split("file=", 1)[1].split(",", 1)[0] for line in out.splitlines() if "file=" in line
    }
    assert files == {"tenants/payments/apps/api.yaml", "tenants/payments/apps/web.yaml"}
    assert "tenants/payments/apps/web.yaml:16:48 (dev)" in out
    assert "tenants/payments/apps/api.yaml:16:48 (dev)" in out
