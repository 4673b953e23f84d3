"""The suite does not depend on the root's company: tests/support/rootguard.py notes what a test
opens of it (tests/conftest.py fails the test), and what it notes is exactly that."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import rootguard
from tests.support.tools import REPO


def test_opening_listing_or_passing_the_roots_company_is_noted() -> None:
    rootguard.forget()
    try:
        (REPO / "platform.yaml").read_bytes()
        os.listdir(REPO / "tenants")
        subprocess.run(["true", str(REPO / "environments" / "any")], check=True)
        subprocess.run(["true"], cwd=REPO / "catalog", check=True)
        noted = rootguard.opened()
    finally:
        rootguard.forget()  # this test reads the root on purpose: conftest must not fail it
    assert noted == ["catalog", "environments", "platform.yaml", "tenants"]


def test_berths_own_files_at_the_root_are_not_noted() -> None:
    rootguard.forget()
    for name in ("docs/README.md", "blueprints/tenant/kustomization.yaml", "pyproject.toml"):
        (REPO / name).read_bytes()
    os.listdir(REPO / ".github" / "workflows")
    subprocess.run(["true", str(REPO / "schemas")], cwd=REPO, check=True)
    assert rootguard.opened() == []


def test_a_path_is_the_company_paths_it_lies_below() -> None:
    assert rootguard.company_path(str(REPO / "tenants" / "x" / "tenant.yaml")) == "tenants"
    assert rootguard.company_path(str(REPO / ".github" / "ISSUE_TEMPLATE")) == (
        ".github/ISSUE_TEMPLATE"
    )
    assert rootguard.company_path(str(REPO / "tenants-old")) is None
    assert rootguard.company_path(str(REPO / "tests" / "fixtures" / "acme" / "tenants")) is None


def test_only_the_example_test_may_read_the_roots_company() -> None:
    assert rootguard.exempt(REPO / "tests" / "test_example.py")
    assert not rootguard.exempt(REPO / "tests" / "test_render.py")


def test_a_programs_relative_arguments_count_against_its_own_folder(tmp_path: Path) -> None:
    rootguard.forget()
    subprocess.run(["true", "environments", "tenants/x"], cwd=tmp_path, check=True)
    subprocess.run(["true", "-C", str(tmp_path), "platform.yaml"], check=True)
    assert rootguard.opened() == []
    try:
        subprocess.run(["true", "environments"], cwd=REPO, check=True)
        noted = rootguard.opened()
    finally:
        rootguard.forget()
    assert noted == ["environments"]
