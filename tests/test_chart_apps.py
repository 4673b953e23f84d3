"""Third-party charts from the platform's allow-list (`blueprint: chart`, models/charts.py).

`tests/cases/charts/<case>` is a request tree laid over the valid cases' base, with `expected/`
the exact tree `berth render` writes; the refusals are case folders in tests/cases/apps
(`chart-*`). `berth verify` does not follow a chart from its repository yet, so it must refuse
such a tree rather than pass it unread: the last test holds it to that.
Regenerate after a deliberate change: `pytest --update-golden tests/test_chart_apps.py`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.models.charts import version_allowed
from generator.yamlio.trusted import load_all_trusted
from tests.support.cases import case_names, check_tree, lay_over
from tests.support.cli import berth
from tests.support.tools import REPO, tool
from tests.support.trees import snapshot

CASES = Path(__file__).parent / "cases" / "charts"
BASE = Path(__file__).parent / "cases" / "valid" / "_base"


def make_repo(case: Path, root: Path) -> Path:
    shutil.copytree(BASE, root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(case, root)
    return root


def rendered(repo: Path) -> dict[str, bytes]:
    files = {f"environments/{k}": v for k, v in snapshot(repo / "environments").items()}
    return {**files, "CODEOWNERS": (repo / "CODEOWNERS").read_bytes()}


@pytest.mark.parametrize("name", case_names(CASES))
def test_chart_case_renders_the_expected_tree(name: str, tmp_path: Path) -> None:
    case = CASES / name
    repo = make_repo(case, tmp_path / "repo")
    code, out, err = berth(repo, "validate", "--format", "text")
    assert (code, err) == (0, ""), out + err
    code, out, err = berth(repo, "render")
    assert code == 0, out + err
    check_tree(case / "expected", rendered(repo))
    assert (case / "README.md").read_text().strip()
    again = make_repo(case, tmp_path / "again")
    assert berth(again, "render")[0] == 0
    assert rendered(again) == rendered(repo), "a second render from scratch gave other bytes"


def test_chart_application_is_the_chart_in_its_repository(tmp_path: Path) -> None:
    repo = make_repo(CASES / "app-chart", tmp_path / "repo")
    assert berth(repo, "render")[0] == 0
    docs = load_all_trusted((repo / "environments/dev/tenants/checkout/argocd.yaml").read_text())
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    project = by_name["AppProject", "checkout-dev"]["spec"]
    assert project["sourceRepos"] == [
        "https://github.com/acme/platform.git",
        "https://charts.example.com/stable",
        "registry.acme.example/charts",
    ]
    cache = by_name["Application", "checkout-cache-dev"]["spec"]
    assert cache["project"] == "checkout-dev"
    assert cache["destination"]["namespace"] == "checkout-dev"
    assert cache["source"]["chart"] == "redis"
    assert cache["source"]["targetRevision"] == "19.2.0"
    assert cache["source"]["helm"]["valuesObject"]["replica"] == {"replicaCount": 2}
    prod = load_all_trusted((repo / "environments/prod/tenants/checkout/argocd.yaml").read_text())
    assert [
        d["spec"]["source"]["targetRevision"]
        for d in prod
        if d["metadata"]["name"] == "checkout-cache-prod"
    ] == ["18.6.1"]


@pytest.mark.parametrize(
    ("version", "spec", "allowed"),
    [
        ("18.6.1", "18.6.1", True),
        ("18.6.2", "18.6.1", False),
        ("19.2.0", ">=19.0.0 <20.0.0", True),
        ("20.0.0", ">=19.0.0 <20.0.0", False),
        ("18.9.9", ">=19.0.0 <20.0.0", False),
        ("19.0.0-rc.1", ">=19.0.0 <20.0.0", False),
        ("19.1.0-rc.1", ">=19.0.0 <20.0.0", False),
        ("19.1.0-rc.1", "=19.1.0-rc.1", True),
        ("19.1.0", ">19.0.0", True),
        ("19.0.0", ">19.0.0", False),
        ("v1.2.3", "1.2.3", True),
        ("latest", ">=0.0.0", False),
        ("1.2", ">=0.0.0", False),
    ],
)
def test_versions_meet_semver_ranges_as_helm_reads_them(
    version: str, spec: str, allowed: bool
) -> None:
    assert version_allowed(version, spec) is allowed


@pytest.mark.tools
def test_verify_refuses_a_chart_it_cannot_follow_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(CASES / "app-chart", tmp_path / "repo")
    assert berth(repo, "render")[0] == 0
    monkeypatch.setenv("PATH", f"{Path(tool('kubectl')).parent}:{Path(tool('helm')).parent}")
    code, out, err = berth(repo, "verify")
    assert code == 1, out + err
    assert "Application/checkout-cache-dev.spec.source.repoURL" in out + err
