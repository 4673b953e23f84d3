"""What every test shares: no CI variables from the shell, the golden switch, the `tools` guard,
and the fakes and checkouts several test files build.

- Every variable through which a CI system tells Berth about a job is cleared for every test,
  so a test runs the same on a laptop, in GitHub Actions and in GitLab CI; a test that needs
  one sets it with `monkeypatch.setenv`. `CI` itself stays: under CI a missing tool fails.
- `pytest --update-golden` rewrites expected outputs (tests/support/golden.py).
- A test that looks up or starts an external tool (tests/support/tools.py) must be marked
  `tools`; one that is not fails, naming the tool, so `pytest -m "not tools"` needs none.
- A test (or test module at import) that opens the root's company (platform.yaml, tenants/,
  environments/, ...) fails, naming the paths (tests/support/rootguard.py): tests read
  tests/support/example.py's copy; only tests/test_example.py reads the root's.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.hosts.ci import CI_VARIABLES
from tests.support import golden, rootguard, tools
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, commit_all, make_repo, write


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        golden.OPTION,
        action="store_true",
        help="rewrite golden files and case folders' expected outputs from this run; review the diff",
    )


def pytest_configure(config: pytest.Config) -> None:
    golden.configure(bool(config.getoption(golden.OPTION)))
    tools.watch()
    rootguard.watch()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    tools.forget()
    rootguard.forget()


def _company_message(paths: list[str]) -> str:
    return (
        f"reads the root's company ({', '.join(paths)}): read tests/support/example.py's"
        f" example instead; only tests/{rootguard.OWNER} holds the root to its rendered tree"
    )


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    # A module's import (its constants, its parametrize lists) must not read the root's company.
    if not isinstance(collector, pytest.Module):
        return (yield)
    rootguard.forget()
    report = yield
    if report.passed and not rootguard.exempt(collector.path) and (paths := rootguard.opened()):
        report.outcome = "failed"
        report.longrepr = f"{collector.path.name} {_company_message(paths)}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if (
        report.when != "teardown"
        and not report.failed
        and not rootguard.exempt(item.path)
        and (paths := rootguard.opened())
    ):
        report.outcome = "failed"
        report.longrepr = _company_message(paths)
        return report
    # Setup counts too: a fixture may build with a tool. A skip counts: locally a missing tool
    # skips, and an unmarked test must not hide in the fast tier that way.
    if report.when == "teardown" or report.failed or item.get_closest_marker("tools"):
        return report
    if used := tools.used():
        report.outcome = "failed"
        report.longrepr = (
            f"uses {', '.join(used)} but is not marked `tools`: add"
            " `@pytest.mark.tools` (or `pytestmark = pytest.mark.tools` for the module)"
        )
    return report


@pytest.fixture(autouse=True)
def no_ci_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tools_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """kubectl and helm first on PATH, where `berth verify` looks for them."""
    dirs = {str(Path(tools.tool(name)).parent) for name in ("kubectl", "helm")}
    monkeypatch.setenv("PATH", os.pathsep.join([*sorted(dirs), os.environ.get("PATH", "")]))


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """The fake GitHub on 127.0.0.1 (tests/support/fake_github.py)."""
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    """The fake GitLab on 127.0.0.1 (tests/support/fake_gitlab.py)."""
    with FakeGitLab() as fake:
        yield fake


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The default branch as CI checks it out: tenants payments, checkout and search, rendered
    (no Git repository)."""
    return make_repo(tmp_path / "checkout", commit=False, render=True)


@pytest.fixture
def app_checkout(tmp_path: Path) -> Path:
    """tmp/checkout: tenants payments, checkout and search with payments/api
    (`PAYMENTS_API`), rendered and committed as `base` on `main`."""
    root = make_repo(tmp_path / "checkout", commit=False)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API})
    assert berth(root, "render")[0] == 0
    commit_all(root)
    return root
