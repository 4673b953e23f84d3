"""What a scenario costs, where the people who open it and pay for it look: the plan of the pull
request that opens it (a month of its quota, and until it expires) and `berth cost`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.repo import berth, commit_all, git, write
from tests.support.scenarios import scenario_platform

QA = """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: qa
spec:
  description: QA of the refunds flow
  base: dev
  expires: "2026-12-19"
  size: medium
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = scenario_platform(tmp_path / "repo", monkeypatch)
    assert berth(root, "render")[0] == 0
    commit_all(root)
    write(root, {"tenants/payments/scenarios/qa.yaml": QA})
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    return root


def test_the_plan_prices_a_new_scenario_for_a_month_and_until_it_expires(repo: Path) -> None:
    # medium: 4 CPU x 24 + 8 GiB x 3.2 + 50 GiB x 0.10 = 126.60 USD a month; 2026-12-05
    # through 2026-12-19 is 15 days, half a month: 63.30 USD.
    line = "scenario payments/qa in dev: 126.60 USD a month, +63.30 USD until 2026-12-19"
    code, out, err = berth(repo, "plan", "--base", "main")
    assert code == 0, out + err
    assert line + "\n" in out
    assert "payments-qa" in out and "quota 126.60 USD (+126.60 USD)" in out
    code, out, err = berth(repo, "plan", "--base", "main", "--format", "markdown")
    assert code == 0, out + err
    assert f"- `{line}`\n" in out
    code, out, err = berth(repo, "plan", "--base", "main", "--format", "json")
    assert code == 0, out + err
    plan = json.loads(out)
    assert plan["currency"] == "USD"
    assert plan["scenarios"] == [
        {
            "tenant": "payments",
            "scenario": "qa",
            "environment": "dev",
            "expires": "2026-12-19",
            "monthlyQuotaCost": 126.6,
            "costUntilExpiry": 63.3,
        }
    ]

    # Once merged, a later change that leaves the scenario alone does not price it again.
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "qa")
    code, out, _ = berth(repo, "plan", "--base", "HEAD")
    assert "scenario payments/qa" not in out
    code, out, _ = berth(repo, "plan", "--base", "HEAD", "--format", "json")
    assert json.loads(out)["scenarios"] == []


def test_cost_lists_scenarios_under_their_tenant_with_their_expiry(repo: Path) -> None:
    code, out, err = berth(repo, "cost")
    assert code == 0, out + err
    rows = [" ".join(line.split()) for line in out.splitlines() if line.startswith("  payments ")]
    assert rows[:4] == [
        "payments dev CC-1042 62.80 0.00",
        "payments staging CC-1042 126.60 0.00",
        "payments prod CC-1042 410.40 0.00",
        "payments dev: scenario qa until 2026-12-19 CC-1042 126.60 0.00",
    ]
    assert rows[4] == "payments CC-1042 726.40 0.00 — —"  # its total holds the scenario

    code, out, err = berth(repo, "cost", "--format", "json")
    assert code == 0, out + err
    [scenario] = [r for r in json.loads(out)["rows"] if "scenario" in r]
    assert scenario == {
        "tenant": "payments",
        "environment": "dev",
        "costCenter": "CC-1042",
        "quota": "126.60",
        "apps": "0.00",
        "scenario": "qa",
        "expires": "2026-12-19",
    }
