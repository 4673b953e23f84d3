"""Invalid tenant requests: each case folder is one rule, with the exact lines it must print.

A case's files are laid over `tests/cases/tenants/_base` (see the README there). Every case
also proves that `render` refuses the broken tree and leaves environments/ untouched.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cases import case_names, lay_over
from tests.support.cli import run
from tests.support.golden import updating
from tests.support.trees import snapshot

CASES = Path(__file__).parent / "cases" / "tenants"
BLUEPRINTS = Path(__file__).resolve().parents[1] / "blueprints"


@pytest.fixture(scope="module")
def rendered_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`_base` with the tenant blueprint, rendered once for every case of this module."""
    repo = tmp_path_factory.mktemp("tenants") / "repo"
    shutil.copytree(CASES / "_base", repo)
    shutil.copytree(BLUEPRINTS / "tenant", repo / "blueprints" / "tenant")
    code, _, err = run("--root", str(repo), "render")
    assert code == 0, err
    return repo


@pytest.fixture
def base_repo(rendered_base: Path, tmp_path: Path) -> Path:
    """A test's own copy of the rendered base."""
    return Path(shutil.copytree(rendered_base, tmp_path / "repo", symlinks=True))


@pytest.mark.parametrize("name", case_names(CASES))
def test_invalid_case(name: str, base_repo: Path) -> None:
    before = snapshot(base_repo / "environments")
    lay_over(CASES / name, base_repo)

    code, out, err = run("--root", str(base_repo), "validate", "--format", "text")
    expected_file = CASES / name / "expected.txt"
    if updating():
        expected_file.write_text(out)
    assert code == 1, out + err
    assert out == expected_file.read_text()
    assert err == ""

    code, _, err = run("--root", str(base_repo), "render")
    assert code == 1
    assert "nothing was written" in err
    assert snapshot(base_repo / "environments") == before


def test_every_case_has_expected_lines() -> None:
    for name in case_names(CASES):
        lines = (CASES / name / "expected.txt").read_text().splitlines()
        assert lines, f"{name}: expected.txt is empty"
        assert all(
            line.startswith("tenants/") or line.startswith("platform.yaml") for line in lines
        ), name


def test_base_is_valid(base_repo: Path) -> None:
    code, out, _ = run("--root", str(base_repo), "validate")
    assert code == 0
    assert out == "berth: platform.yaml and 2 tenant(s) are valid\n"


def test_environments_sharing_a_store_without_the_environment_in_keys_warn(
    base_repo: Path,
) -> None:
    """A key template without {environment} over one store gives dev prod's values: a warning
    (the old layout is allowed while a platform moves its values, docs/requests.md#secrets)."""
    platform = base_repo / "platform.yaml"
    text = platform.read_text()
    assert "\n  secretStore: aws-parameter-store" in text
    platform.write_text(
        text.replace(
            "\n  secretStore:", '\n  secrets: {keyTemplate: "/{tenant}/{key}"}\n  secretStore:', 1
        )
    )
    code, out, _ = run("--root", str(base_repo), "validate", "--format", "text")
    assert code == 0, out
    assert out.splitlines()[0] == (
        "platform.yaml:36:26: warning: spec.secrets.keyTemplate: environments dev, staging, prod"
        " read store aws-parameter-store under the same keys (the template has no"
        " {environment}): dev would hold prod's values; add {environment} or give each"
        " environment its own secretStore"
    )
    # Its own store for prod: dev and staging still share theirs.
    text = platform.read_text().replace(
        '      backup: {schedule: "0 2 * * *"',
        '      secretStore: vault-prod\n      backup: {schedule: "0 2 * * *"',
        1,
    )
    platform.write_text(text)
    code, out, _ = run("--root", str(base_repo), "validate", "--format", "text")
    assert "environments dev, staging read store aws-parameter-store" in out, out
