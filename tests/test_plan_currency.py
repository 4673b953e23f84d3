"""A plan across a change of `pricing.currency`: each total in its own currency, no delta.

Base and head figures in different currencies cannot be subtracted (1,850 EUR - 1,705 USD is
no amount of anything), so the plan shows the head's figures in the new currency, the base's
in the old one ("was ... USD"), and the JSON's delta is null.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.repo import PAYMENTS, berth, make_repo, write

USD = "pricing: {currency: USD, cpuMonth: 24.0, memoryGiBMonth: 3.2, storageGiBMonth: 0.10}"
EUR = "pricing: {currency: EUR, cpuMonth: 22.0, memoryGiBMonth: 3.0, storageGiBMonth: 0.09}"


def _switched(tmp_path: Path, prices: str = EUR) -> Path:
    """A repository whose working tree changes the currency and one quota."""
    root = make_repo(tmp_path / "repo")
    platform = (root / "platform.yaml").read_text()
    assert USD in platform
    write(
        root,
        {
            "platform.yaml": platform.replace(USD, prices),
            "tenants/payments/tenant.yaml": PAYMENTS.replace('cpu: "12"', 'cpu: "14"'),
        },
    )
    return root


def test_text_shows_both_totals_and_no_cross_currency_delta(tmp_path: Path) -> None:
    code, out, err = berth(_switched(tmp_path), "plan", "--base", "main", "--format", "text")
    assert code == 0, err
    assert (
        "note: pricing.currency changed from USD to EUR: each figure is in its own currency and"
        " no difference is computed between them\n"
    ) in out
    assert "+0 ~8 -0 objects; quota cost 886.20 EUR a month (was 914.80 USD)\n" in out
    assert "\nprod (sync: manual): 596.30 EUR a month (was 599.80 USD)\n" in out
    assert "  prod / payments: +0 ~2 -0, quota 422.00 EUR (was 410.40 USD)\n" in out
    # No signed amount: a difference of EUR and USD figures is no amount of anything.
    assert " EUR (+" not in out and " EUR (-" not in out and "±" not in out


def test_markdown_and_json_carry_both_currencies(tmp_path: Path) -> None:
    root = _switched(tmp_path)
    _, markdown, _ = berth(root, "plan", "--base", "main", "--format", "markdown")
    assert "Note: pricing.currency changed from USD to EUR" in markdown
    assert "| `payments` | +0 ~2 -0 | 422.00 EUR | was 410.40 USD |" in markdown
    assert "| **Total** (3 tenants) |  | **596.30 EUR** | **was 599.80 USD** |" in markdown
    assert " EUR |" not in markdown.replace("| was", "")  # no change column in EUR
    _, data, _ = berth(root, "plan", "--base", "main", "--format", "json")
    plan = json.loads(data)
    assert (plan["currency"], plan["baseCurrency"]) == ("EUR", "USD")
    assert plan["summary"]["monthlyQuotaCostDelta"] is None


def test_same_currency_keeps_its_delta(tmp_path: Path) -> None:
    prices = USD.replace("cpuMonth: 24.0", "cpuMonth: 25.0")
    _, out, _ = berth(_switched(tmp_path, prices), "plan", "--base", "main", "--format", "text")
    assert "note: pricing.currency" not in out
    assert "  prod / payments: +0 ~2 -0, quota 472.40 USD (+62.00 USD)\n" in out
    _, data, _ = berth(
        _switched(tmp_path / "2", prices), "plan", "--base", "main", "--format", "json"
    )
    plan = json.loads(data)
    assert plan["baseCurrency"] == plan["currency"] == "USD"
    assert plan["summary"]["monthlyQuotaCostDelta"] is not None
