"""The network requests: a platform without its API server's addresses gets a warning once a
database needs them, and what the guardrails then let database pods reach."""

from __future__ import annotations

from pathlib import Path

from tests.support.repo import berth, make_repo, write

API = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: api
spec:
  blueprint: web-service
  image: ghcr.io/acme/payments-api
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  database: {engine: postgres, size: small}
  environments:
    dev: {tag: "1.4.0", replicas: 1}
"""
NETWORK = """  network:                         # what databases need: CloudNativePG's operator and the API server
    apiServer: {cidrs: [10.0.0.0/28], ports: [443, 6443]}   # every cluster's API server endpoints
    cnpgNamespace: cnpg-system
"""
WARNING = (
    "warning: spec.network.apiServer: name the Kubernetes API server's addresses (cidrs):"
    " without them every database pod may reach TCP 443 and 6443 of any address outside the"
    " cluster\n"
)


def without_api_server(root: Path) -> None:
    platform = (root / "platform.yaml").read_text()
    assert NETWORK in platform
    write(root, {"platform.yaml": platform.replace(NETWORK, "")})


def test_a_database_without_the_api_server_named_is_a_warning(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    without_api_server(root)
    write(root, {"tenants/payments/apps/api.yaml": API})
    code, out, err = berth(root, "validate")
    assert code == 0, err
    assert out.startswith(f"platform.yaml:6:1: {WARNING}")
    code, out, err = berth(root, "render")
    assert code == 0, err
    overlay = (root / "environments/dev/tenants/payments/guardrails/kustomization.yaml").read_text()
    assert '        cidr: "0.0.0.0/0"\n' in overlay and '        cidr: "::/0"\n' in overlay


def test_no_warning_without_a_database_or_with_the_api_server(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "one", commit=False)
    without_api_server(root)
    assert WARNING not in berth(root, "validate")[1]
    root = make_repo(tmp_path / "two", commit=False)
    write(root, {"tenants/payments/apps/api.yaml": API})
    code, out, _ = berth(root, "validate")
    assert code == 0 and WARNING not in out


def test_an_egress_grant_is_rendered_where_the_app_runs_and_goes_with_it(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    egress = API.replace("  database:", "  egress: [card-processor]\n  database:")
    write(root, {"tenants/payments/apps/api.yaml": egress})
    assert berth(root, "render")[0] == 0
    guardrails = root / "environments/dev/tenants/payments/guardrails"
    policy = (guardrails / "egress.yaml").read_text()
    assert "  name: egress-api\n  namespace: payments-dev\n" in policy
    assert '        cidr: "203.0.113.0/24"\n' in policy
    assert "- egress.yaml\n" in (guardrails / "kustomization.yaml").read_text()
    assert not (root / "environments/prod/tenants/payments/guardrails/egress.yaml").exists()
    write(root, {"tenants/payments/apps/api.yaml": API})
    assert berth(root, "render")[0] == 0
    assert not (guardrails / "egress.yaml").exists()
    assert "egress.yaml" not in (guardrails / "kustomization.yaml").read_text()
