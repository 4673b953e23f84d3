"""`berth status` lists the scenarios with their base, their expiry and what they run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, write
from tests.support.scenarios import scenario_platform

SCENARIOS = {
    "tenants/payments/scenarios/load.yaml": """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: load
spec:
  base: dev
  expires: "2026-12-06"
  size: small
  apps:
    api: {tag: "1.5.0-rc1"}
""",
    "tenants/payments/scenarios/qa.yaml": """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: qa
spec:
  base: dev
  expires: "2026-12-19"
  size: small
""",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = scenario_platform(tmp_path / "repo", monkeypatch)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API, **SCENARIOS})
    return root


def test_status_shows_each_scenario_with_its_expiry_and_releases(repo: Path) -> None:
    code, out, err = berth(repo, "status", "payments")
    assert (code, err) == (0, ""), out
    assert out.endswith(
        "\nScenarios:\n"
        "  payments/load in dev, until 2026-12-06 (1 more day): api 1.5.0-rc1\n"
        "  payments/qa in dev, until 2026-12-19 (14 more days): api 1.4.0\n"
    )
    code, out, _ = berth(repo, "status", "--format", "json")
    assert code == 0
    assert json.loads(out)["scenarios"][0] == {
        "tenant": "payments",
        "scenario": "load",
        "base": "dev",
        "expires": "2026-12-06",
        "expired": False,
        "apps": {"api": "1.5.0-rc1"},
    }
    code, out, _ = berth(repo, "status", "--format", "markdown")
    assert "| `payments/qa` | `dev` | until 2026-12-19 (14 more days) | `api 1.4.0` |\n" in out


def test_an_expired_scenario_says_so(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERTH_TODAY", "2026-12-07")
    code, out, _ = berth(repo, "status", "payments")
    assert code == 0, out
    assert "  payments/load in dev, expired on 2026-12-06: `berth expire` removes it: api" in out


def test_another_tenants_status_lists_none_of_them(repo: Path) -> None:
    code, out, _ = berth(repo, "status", "checkout")
    assert code == 0 and "Scenarios" not in out
