"""Examples in forms, templates and messages come from platform.yaml, not the example company.

A repository of another company (here `globex`, its own registry and domains) must not tell its
developers "such as ghcr.io/acme/payments-api": the first registry, the first environment's
domain and the platform's name stand in (generator/models/examples.py, portal/fieldschema.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.repo import berth, make_repo, write

BAD_APP = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: api
spec:
  blueprint: web-service
  image: Not An Image
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  healthPath: /healthz
  environments:
    dev: {tag: "1.4.0", host: Shop.example}
"""


def globex(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {}, commit=False)
    platform = (root / "platform.yaml").read_text()
    for old, new in (
        ("name: acme", "name: globex"),
        (
            "registries: [ghcr.io/acme/, registry.acme.example/]",
            "registries: [cr.globex.example/shop/]",
        ),
        ("https://github.com/acme/platform.git", "https://github.com/globex/platform.git"),
        ("acme.example", "globex.example"),
    ):
        assert old in platform, old
        platform = platform.replace(old, new)
    assert "acme" not in platform
    (root / "platform.yaml").write_text(platform)
    return root


def test_validation_messages_quote_the_platforms_registry_and_domain(tmp_path: Path) -> None:
    root = globex(tmp_path)
    tenant = Path(__file__).parent / "cases" / "apps" / "_base" / "tenants" / "payments"
    text = (tenant / "tenant.yaml").read_text().replace("acme/payments", "globex/payments")
    write(root, {"tenants/payments/tenant.yaml": text, "tenants/payments/apps/api.yaml": BAD_APP})
    code, out, _ = berth(root, "validate", "--format", "text")
    assert code == 1
    assert (
        "spec.image: 'Not An Image' is not an image repository: lowercase registry host and"
        " path, such as cr.globex.example/shop/payments-api, at most 255 characters"
    ) in out
    assert (
        "spec.environments.dev.host: 'Shop.example' is not a lowercase DNS host name such as"
        " api.dev.globex.example"
    ) in out
    assert "acme" not in out


def test_forms_and_templates_show_the_platforms_examples(tmp_path: Path) -> None:
    root = globex(tmp_path)
    code, _, err = berth(root, "render")
    assert code == 0, err
    front = [
        root / ".github" / "ISSUE_TEMPLATE" / "tenant-request.yml",
        root / ".github" / "ISSUE_TEMPLATE" / "app-request.yml",
        root / "catalog" / "templates" / "new-tenant.yaml",
        root / "catalog" / "templates" / "new-application.yaml",
    ]
    texts = {path.name: path.read_text() for path in front}
    assert "placeholder: globex/payments" in texts["tenant-request.yml"]
    assert "placeholder: cr.globex.example/shop/payments-api" in texts["app-request.yml"]
    assert "ui:placeholder: globex/payments" in texts["new-tenant.yaml"]
    assert "ui:placeholder: cr.globex.example/shop/payments-api" in texts["new-application.yaml"]
    for name, text in texts.items():
        assert "acme" not in text, name
