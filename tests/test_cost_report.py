"""`berth cost`: golden reports of the example, totals that add up to the cent, the JSON schema."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.cost.report import percent
from generator.models.quota import amount, cents
from tests.support.cli import berth
from tests.support.example import example
from tests.support.golden import updating
from tests.support.repo import berth as berth_in
from tests.support.repo import make_repo, write
from tests.support.tools import REPO

EXAMPLE = example()

GOLDEN = Path(__file__).parent / "golden" / "cost"
SCHEMA = json.loads((REPO / "schemas" / "cost-report.schema.json").read_text())
SUFFIX = {"text": "txt", "json": "json", "markdown": "md", "csv": "csv"}


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_golden_reports_of_the_example(fmt: str) -> None:
    code, out, err = berth(EXAMPLE, "cost", "--format", fmt)
    assert code == 0, err
    path = GOLDEN / f"example.{SUFFIX[fmt]}"
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(out)
    assert path.exists(), f"no golden {path}; run with --update-golden and review it"
    assert out == path.read_text()


def _sum(items: list[dict[str, str]], field: str) -> Decimal:
    return sum((Decimal(i[field]) for i in items), Decimal(0))


def _check_adds_up(report: dict[str, object]) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    rows = report["rows"]
    assert isinstance(rows, list)
    for field in ("quota", "apps"):
        assert Decimal(report["total"][field]) == _sum(rows, field)  # type: ignore[index]
        for group, key in (
            ("tenants", "tenant"),
            ("costCenters", "costCenter"),
            ("environments", "environment"),
        ):
            for item in report[group]:  # type: ignore[attr-defined]
                mine = [r for r in rows if r[key] == item[key]]
                assert Decimal(item[field]) == _sum(mine, field), (group, item)
    for row in rows:
        # Requests lie inside the quota: no figure adds the two (it would count them twice).
        assert "total" not in row
    assert set(report["total"]) == {"quota", "apps"}  # type: ignore[arg-type]


def test_example_totals_add_up_to_the_cent_and_validate() -> None:
    code, out, _ = berth(EXAMPLE, "cost", "--format", "json")
    assert code == 0
    _check_adds_up(json.loads(out))


def test_csv_rows_are_the_json_rows() -> None:
    rows = list(csv.DictReader(io.StringIO(berth(EXAMPLE, "cost", "--format", "csv")[1])))
    report = json.loads(berth(EXAMPLE, "cost", "--format", "json")[1])
    assert [(r["tenant"], r["environment"], r["quota"], r["apps"]) for r in rows] == [
        (r["tenant"], r["environment"], r["quota"], r["apps"]) for r in report["rows"]
    ]


PRICES = "pricing: {currency: USD, cpuMonth: 24.0, memoryGiBMonth: 3.2, storageGiBMonth: 0.10}"


def test_thirds_of_a_cent_add_up(tmp_path: Path) -> None:
    # Prices whose products are not whole cents, summed over many tenants, where a float
    # total would drift: every total must still be the sum of its rounded rows.
    root = make_repo(tmp_path / "repo", {}, commit=False)
    platform = (root / "platform.yaml").read_text()
    assert PRICES in platform
    odd = "pricing: {currency: EUR, cpuMonth: 0.333, memoryGiBMonth: 0.101, storageGiBMonth: 0.017}"
    files: dict[str, str | None] = {"platform.yaml": platform.replace(PRICES, odd)}
    for n in range(40):
        files[f"tenants/t{n}/tenant.yaml"] = (
            f"apiVersion: berth.dev/v1alpha1\nkind: Tenant\nmetadata: {{name: t{n}}}\nspec:\n"
            f"  description: x\n  owners: [alice]\n  group: acme/x\n  costCenter: CC-{n % 3}\n"
            f"  environments: {{dev: {{size: small, quota: {{cpu: '{100 + 7 * n}m'}}}},"
            " prod: {size: medium}}\n  budget: {monthly: 1000.01}\n"
        )
    write(root, files)
    code, out, err = berth_in(root, "cost", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    _check_adds_up(report)
    assert report["currency"] == "EUR" and len(report["rows"]) == 80


def test_invalid_requests_give_problems_not_a_report(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/bad/tenant.yaml": "apiVersion: berth.dev/v1alpha1\nkind: Tenant\n"})
    code, out, err = berth_in(root, "cost")
    assert code == 1 and out == ""
    assert "tenants/bad/tenant.yaml:" in err and "Traceback" not in err


@given(st.fractions(min_value=-(10**9), max_value=10**9))
def test_cents_round_half_away_from_zero_exactly(value: Fraction) -> None:
    expected = (abs(value) * 100 + Fraction(1, 2)).__floor__() * (1 if value >= 0 else -1)
    assert cents(value) == expected
    assert Decimal(amount(cents(value))) == Decimal(expected) / 100


def test_percent_has_one_decimal() -> None:
    assert [percent(Fraction(n, d)) for n, d in ((1, 3), (2, 3), (6845, 10000), (3, 1))] == [
        "33.3", "66.7", "68.5", "300.0",
    ]  # fmt: skip
