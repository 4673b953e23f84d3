"""`berth cost` with third-party charts (`blueprint: chart`): a chart declares no resources, so
its rows' requested figure says which chart apps it leaves out instead of passing a 0 off as
measured; the reserved quota, which holds the charts' pods, is priced as for any tenant."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from generator.cost.charts import NOTE
from tests.support.cases import lay_over
from tests.support.cli import berth
from tests.support.repo import PAYMENTS_API
from tests.support.tools import REPO

CASES = Path(__file__).parent / "cases"
SCHEMA = json.loads((REPO / "schemas" / "cost-report.schema.json").read_text())


@pytest.fixture
def charts_repo(tmp_path: Path) -> Path:
    """The chart case app-chart (checkout's `cache` in dev and prod, `telemetry` in dev) with
    an image app `api` (dev, staging, prod) beside them."""
    root = tmp_path / "repo"
    shutil.copytree(CASES / "valid" / "_base", root)
    shutil.copytree(REPO / "blueprints", root / "blueprints")
    lay_over(CASES / "charts" / "app-chart", root)
    (root / "tenants/checkout/apps/api.yaml").write_text(PAYMENTS_API)
    return root


def _cost(root: Path, fmt: str) -> str:
    code, out, err = berth(root, "cost", "--format", fmt)
    assert code == 0, err
    return out


def test_json_rows_name_the_chart_apps_requested_leaves_out(charts_repo: Path) -> None:
    report = json.loads(_cost(charts_repo, "json"))
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    unpriced = {r["environment"]: r.get("unpricedCharts") for r in report["rows"]}
    assert unpriced == {"dev": ["cache", "telemetry"], "staging": None, "prod": ["cache"]}
    # The image app is priced as ever: the charts take nothing away and add nothing.
    assert all(r["apps"] != "0.00" for r in report["rows"])


def test_text_marks_the_rows_and_names_their_charts(charts_repo: Path) -> None:
    text = _cost(charts_repo, "text")
    rows = [line.split() for line in text.splitlines() if line.startswith("  checkout  ")]
    marked = {row[1]: row[-2] == "*" for row in rows[:3]}
    assert marked == {"dev": True, "staging": False, "prod": True}
    assert f"* {NOTE}\n  checkout in dev: cache, telemetry\n  checkout in prod: cache\n" in text
    markdown = _cost(charts_repo, "markdown")
    assert "- checkout in dev: cache, telemetry\n" in markdown
    assert f"\\* {NOTE}" in markdown


def test_csv_has_the_chart_apps_column(charts_repo: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_cost(charts_repo, "csv"))))
    assert [(r["environment"], r["unpriced_charts"]) for r in rows] == [
        ("dev", "cache telemetry"),
        ("staging", ""),
        ("prod", "cache"),
    ]


def test_without_charts_the_report_has_no_note(charts_repo: Path) -> None:
    for app in ("cache", "telemetry"):
        (charts_repo / f"tenants/checkout/apps/{app}.yaml").unlink()
    assert "blueprint: chart" not in _cost(charts_repo, "text")
    assert "unpricedCharts" not in _cost(charts_repo, "json")
