"""Throwaway Berth repositories for tests: the example's platform.yaml (tests/fixtures/acme)
and this checkout's blueprints/, tenants written inline by the test, committed with real Git
when asked."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.cli import berth
from tests.support.example import FIXTURE, example

REPO = Path(__file__).resolve().parents[2]

PAYMENTS = """\
apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: payments
spec:
  description: Card payments and refunds
  owners: [alice, bob]
  group: acme/payments
  costCenter: CC-1042
  environments:
    dev: {size: small}
    staging: {size: medium}
    prod: {size: large, quota: {cpu: "12"}}
  allowFrom: [checkout]
"""

CHECKOUT = """\
apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: checkout
spec:
  description: The checkout pages
  owners: [carol]
  group: acme/checkout
  costCenter: CC-2001
  environments:
    dev: {size: small}
    prod: {size: small}
"""

SEARCH = """\
apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: search
spec:
  description: Product search
  owners: [frank]
  group: acme/search
  costCenter: CC-4000
  environments:
    dev: {size: small}
    prod: {size: medium}
"""

BASE_TENANTS = {"payments": PAYMENTS, "checkout": CHECKOUT, "search": SEARCH}

# payments/api as the release tests bump it (tests/conftest.py's `app_checkout`).
PAYMENTS_API = """\
# The payments API: CI bumps dev.
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: api
spec:
  blueprint: web-service
  image: ghcr.io/acme/payments-api
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  environments:
    dev:     {tag: "1.4.0", replicas: 1}   # bumped by CI
    staging: {tag: "1.4.0", replicas: 2}
    prod:    {tag: "1.3.2", replicas: 3}
"""
PAYMENTS_API_FILE = "tenants/payments/apps/api.yaml"


def git(root: Path, *args: str) -> str:
    """Git in `root`, with fixed dates so that commit ids do not depend on the clock."""
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+00:00",
        "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+00:00",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True
    )
    return proc.stdout


def write(root: Path, files: dict[str, str | None]) -> None:
    """Write (or, for None, delete, with folders left empty) files relative to `root`."""
    for path, text in files.items():
        target = root / path
        if text is None:
            target.unlink()
            parent = target.parent
            while parent != root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def make_repo(
    root: Path, tenants: dict[str, str] = BASE_TENANTS, *, commit: bool = True, render: bool = False
) -> Path:
    """platform.yaml, blueprints/ and `tenants`; rendered and/or committed (on `main`)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / ".gitignore", root / ".gitignore")  # .berth/ is never committed
    shutil.copy(FIXTURE / "platform.yaml", root / "platform.yaml")
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    write(root, {f"tenants/{name}/tenant.yaml": text for name, text in tenants.items()})
    if render:
        code, out, err = berth(root, "render")
        assert code == 0, out + err
    if commit:
        commit_all(root)
    return root


def copy_example(root: Path, *, commit: bool = False) -> Path:
    """The example (tests/support/example.py: platform.yaml, tenants/, blueprints/ and the
    rendered environments/), optionally committed on `main`: the base a test changes."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("platform.yaml", "tenants", "blueprints", "environments"):
        source = example() / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        else:
            shutil.copy(source, root / name)
    if commit:
        commit_all(root)
    return root


def commit_all(root: Path) -> None:
    """A new repository on `main` whose one commit, `base`, holds everything under `root`."""
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")


def tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` but .git and .berth, for before/after comparisons."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not {".git", ".berth"} & set(p.relative_to(root).parts)
    }
