"""A platform repository made by `berth init` for the scaffold tests, with one tenant whose
app has a database."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run

GLOBEX = (
    "--name", "globex", "--domain", "globex.example",
    "--registry", "ghcr.io/globex/", "--maintainer", "alice",
)  # fmt: skip

SHOP_TENANT = """\
apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: shop
spec:
  description: The web shop
  owners: [bob]
  group: globex/shop
  costCenter: CC-7
  environments:
    dev: {size: small}
    staging: {size: small}
    prod: {size: medium}
"""

SHOP_WEB = """\
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: web
spec:
  blueprint: web-service
  image: ghcr.io/globex/shop-web
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  healthPath: /healthz
  database: {engine: postgres, size: small}
  environments:
    dev: {tag: "1.0.0", replicas: 1, host: shop.dev.globex.example}
    staging: {tag: "1.0.0", replicas: 1}
    prod: {tag: "1.0.0", replicas: 2, host: shop.globex.example}
"""


def add_shop(root: Path) -> None:
    """tenants/shop with its app web (a Postgres database), not rendered."""
    (root / "tenants" / "shop" / "apps").mkdir(parents=True)
    (root / "tenants" / "shop" / "tenant.yaml").write_text(SHOP_TENANT, encoding="utf-8")
    (root / "tenants" / "shop" / "apps" / "web.yaml").write_text(SHOP_WEB, encoding="utf-8")


def make_platform(root: Path, *extra: str) -> Path:
    """`berth init ROOT` with the globex flags; ROOT."""
    code, _, err = run("init", str(root), *GLOBEX, *extra)
    assert code == 0, err
    return root
