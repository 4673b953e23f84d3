"""A scoped check (`--base`) reads the applications on both ends of a `consumes`: a change to a
provider checks its consumers in other tenants, and a change to a consumer reads the
applications of the tenants it consumes from (generator/repo/scope_apis.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cases import lay_over
from tests.support.cli import berth
from tests.support.repo import commit_all
from tests.support.tools import REPO

CASE = REPO / "tests" / "cases" / "catalog" / "systems-and-apis"
BASE = REPO / "tests" / "cases" / "valid" / "_base"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Tenant checkout consumes payments/api; payments' api consumes its own ledger."""
    root = tmp_path / "repo"
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    shutil.copy(REPO / ".gitignore", root / ".gitignore")
    lay_over(CASE, root)
    assert berth(root, "render")[0] == 0
    commit_all(root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_provider_dropping_its_api_fails_its_consumers_in_other_tenants(repo: Path) -> None:
    _edit(repo / "tenants/payments/apps/api.yaml", "  api: {type: openapi", "  # api: {type:")
    code, out, err = berth(repo, "validate", "--base", "main")
    assert code == 1, out + err
    assert (
        "tenants/checkout/apps/cart.yaml:9:14: spec.consumes[0]: 'payments/api' provides no API"
        in out
    )


def test_a_consumer_change_reads_the_providers_applications(repo: Path) -> None:
    _edit(repo / "tenants/checkout/apps/cart.yaml", "consumes: [payments/api]",
          "consumes: [payments/api, payments/ledger]")  # fmt: skip
    code, out, err = berth(repo, "validate", "--base", "main")
    assert (code, out.strip()) == (0, "berth: platform.yaml and 2 tenant(s) are valid"), out + err
    _edit(repo / "tenants/checkout/apps/cart.yaml", "payments/ledger", "payments/nothing")
    code, out, err = berth(repo, "validate", "--base", "main")
    assert code == 1
    assert "'payments/nothing': tenant 'payments' has no application 'nothing'" in out
