"""The repository root's company against its committed, rendered tree: whatever company the
root holds (Berth's example, or the platform team's own after adoption), its requests are
valid and `environments/`, `catalog/`, CODEOWNERS, the issue forms and `schemas/` are what
Berth writes from them.

This is the one test module that reads the root's platform.yaml, tenants/ and rendered tree
(tests/support/rootguard.py fails any other); the rest of the suite tests Berth against its
own example, tests/support/example.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from generator.models.install import BerthInstall
from generator.scaffold.init import owned_for
from tests.support.cli import berth
from tests.support.tools import REPO
from tests.support.trees import snapshot

# What `berth render` writes at the root besides environments/ (generator/repo/layout.py).
RENDERED = ("environments", "catalog", ".github/ISSUE_TEMPLATE", ".gitlab/issue_templates")


def test_the_roots_requests_are_valid() -> None:
    code, out, err = berth(REPO, "validate")
    assert code == 0, out + err


def test_the_roots_committed_tree_is_current() -> None:
    code, out, err = berth(REPO, "render", "--check")
    assert code == 0, out + err


def test_the_roots_schemas_are_current() -> None:
    code, out, err = berth(REPO, "schema", "--check")
    assert code == 0, out + err


def test_the_roots_requests_render_to_the_committed_tree(tmp_path: Path) -> None:
    # From the requests alone, in a folder with nothing rendered: byte for byte what is committed.
    shutil.copy(REPO / "platform.yaml", tmp_path / "platform.yaml")
    shutil.copy(REPO / "CODEOWNERS", tmp_path / "CODEOWNERS")
    for name in ("tenants", "blueprints"):
        shutil.copytree(REPO / name, tmp_path / name)
    code, out, err = berth(tmp_path, "render")
    assert code == 0, out + err
    for name in RENDERED:
        assert snapshot(tmp_path / name) == snapshot(REPO / name), name
    assert (tmp_path / "CODEOWNERS").read_text() == (REPO / "CODEOWNERS").read_text()


@pytest.mark.tools
@pytest.mark.usefixtures("tools_on_path")
def test_the_roots_tree_verifies_clean() -> None:
    code, out, err = berth(REPO, "verify")
    assert code == 0, out + err


@pytest.mark.parametrize("host", ["github", "gitlab"])
def test_the_roots_berth_files_are_what_upgrade_writes_for_its_platform_yaml(host: str) -> None:
    """The root's workflows and CI files are the templates `berth init` and `upgrade` write:
    what an upgrade would write for the root's own platform.yaml, byte for byte."""
    section = yaml.safe_load((REPO / "platform.yaml").read_text(encoding="utf-8")).get("berth")
    setting = None if section is None else BerthInstall.model_validate(section)
    assert setting is None or setting.source  # Berth's own repository installs itself
    for path, text in owned_for(host, setting).items():
        assert (REPO / path).read_text(encoding="utf-8") == text, path
