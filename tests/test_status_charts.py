"""`berth status` for third-party charts (`blueprint: chart`): the chart and the version each
environment runs, where other apps show their image, in every format and with `--live`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.support.cases import lay_over
from tests.support.cli import berth
from tests.support.repo import PAYMENTS_API
from tests.support.tools import REPO

CASES = Path(__file__).parent / "cases"
LIVE = [
    {
        "metadata": {"name": "checkout-cache-dev", "namespace": "argocd"},
        "spec": {"project": "checkout-dev"},
        "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}},
    }
]


@pytest.fixture
def charts_repo(tmp_path: Path) -> Path:
    """The chart case app-chart (checkout's `cache` on redis 19.2.0 in dev and 18.6.1 in prod,
    `telemetry` on collector 0.108.0 in dev) with an image app `api` beside them."""
    root = tmp_path / "repo"
    shutil.copytree(CASES / "valid" / "_base", root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(CASES / "charts" / "app-chart", root)
    (root / "tenants/checkout/apps/api.yaml").write_text(PAYMENTS_API)
    return root


def test_a_chart_app_shows_its_chart_and_version_per_environment(charts_repo: Path) -> None:
    code, text, err = berth(charts_repo, "status")
    assert code == 0, err
    assert text.splitlines()[1:] == [
        "APP                 DEV                STAGING  PROD",
        "checkout/api        1.4.0              1.4.0    1.3.2 *",
        "checkout/cache      redis 19.2.0       -        redis 18.6.1 *",
        "checkout/telemetry  collector 0.108.0  -        -",
        "* differs from the environment before it: `berth promote` moves it",
    ]


def test_chart_versions_in_json_and_markdown(charts_repo: Path) -> None:
    _, data, _ = berth(charts_repo, "status", "--format", "json")
    apps = {a["app"]: a["environments"] for a in json.loads(data)["apps"]}
    assert apps["cache"] == {
        "dev": {"chart": "redis", "version": "19.2.0", "differs": False},
        "staging": None,
        "prod": {"chart": "redis", "version": "18.6.1", "differs": True},
    }
    assert apps["api"]["prod"] == {"tag": "1.3.2", "digest": None, "differs": True}
    _, markdown, _ = berth(charts_repo, "status", "--format", "markdown")
    assert "| `checkout/cache` | `redis 19.2.0` | - | **`redis 18.6.1`** |" in markdown


def test_a_chart_apps_application_is_found_in_the_live_export(
    charts_repo: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live.json"
    live.write_text(json.dumps(LIVE))
    code, text, err = berth(charts_repo, "status", "checkout", "--live", str(live))
    assert code == 0, err
    cache = next(line for line in text.splitlines() if line.startswith("checkout/cache"))
    assert "redis 19.2.0 [Synced/Healthy]" in cache
    assert "redis 18.6.1 * [not in export]" in cache
