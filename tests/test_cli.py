"""The command line: exit codes, output formats, and no tracebacks on user input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run as berth
from tests.support.example import example

EXAMPLE = example()


BROKEN = """apiVersion: berth.dev/v1alpha1
kind: Tenant
metadata:
  name: search
spec:
  description: Product search
  owners: [frank]
  group: acme/search
  costCenter: CC-2050
  environments:
    prod: {size: large, quota: {cpu: "80"}}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLE / "platform.yaml", tmp_path / "platform.yaml")
    shutil.copytree(EXAMPLE / "tenants", tmp_path / "tenants")
    shutil.copytree(EXAMPLE / "blueprints", tmp_path / "blueprints")
    (tmp_path / "tenants" / "search" / "tenant.yaml").write_text(BROKEN)
    return tmp_path


def test_validate_text_is_the_contract_format(repo: Path) -> None:
    code, out, _ = berth("--root", str(repo), "validate", "--format", "text")
    assert code == 1
    assert out == (
        "tenants/search/tenant.yaml:11:38: spec.environments.prod.quota.cpu:"
        " 80 exceeds the prod ceiling of 64 (cpu: 80 > 64)\n"
    )


def test_validate_github_annotations(repo: Path) -> None:
    code, out, _ = berth("--root", str(repo), "validate", "--format", "github")
    assert code == 1
    assert out.startswith(
        "::error file=tenants/search/tenant.yaml,line=11,col=38,title=spec.environments.prod.quota.cpu::"
    )


def test_validate_json(repo: Path) -> None:
    code, out, _ = berth("--root", str(repo), "validate", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    assert report["problems"][0]["line"] == 11


def test_validate_paths_limit_the_report_and_say_so(repo: Path) -> None:
    code, out, _ = berth(
        "--root", str(repo), "validate", "--format", "text", str(repo / "tenants" / "payments")
    )
    # Never "all tenants are valid" while another one is broken.
    assert (code, out) == (
        0,
        "berth: tenants/payments: valid; other tenants not reported (1 problem(s) there: run"
        " `berth validate` without a PATH)\n",
    )
    (repo / "tenants" / "search" / "tenant.yaml").write_text(BROKEN.replace('"80"', '"8"'))
    paths = [str(repo / "tenants" / name) for name in ("payments", "search")]
    code, out, _ = berth("--root", str(repo), "validate", "--format", "text", *paths)
    assert (code, out) == (
        0,
        "berth: tenants/payments and tenants/search: valid; other tenants not reported\n",
    )


def test_github_format_is_the_default_under_actions(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert berth("--root", str(repo), "validate")[1].startswith("::error ")


def test_not_a_berth_repository_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = berth("--root", str(tmp_path), "validate")
    assert code == 2
    assert err.startswith("berth: error: no platform.yaml in ")


def test_unknown_command_is_a_usage_error() -> None:
    assert berth("frobnicate")[0] == 2


def test_internal_errors_exit_2_without_a_traceback(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.commands import validate

    def boom(*_: object, **__: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(validate, "run", boom)
    code, _, err = berth("--root", str(repo), "validate")
    assert code == 3
    assert "berth: internal error: RuntimeError: disk on fire" in err
    assert "report it to the owners of generator/" in err
    assert "Traceback" not in err


def test_console_script_runs(repo: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(repo), "validate", "--format", "text"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr


def test_validate_junit_report_for_gitlab(repo: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    report = tmp_path / "report.xml"
    code, out, _ = berth(
        "--root", str(repo), "validate", "--format", "junit", "--output", str(report)
    )
    # --output: the report in --format to FILE, the text report to the log (stdout).
    assert (code, out) == (
        1,
        "tenants/search/tenant.yaml:11:38: spec.environments.prod.quota.cpu: 80 exceeds the"
        " prod ceiling of 64 (cpu: 80 > 64)\n",
    )
    suite = ET.fromstring(report.read_text())
    assert suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert "platform.yaml" in cases and "tenants/payments/tenant.yaml" in cases
    assert cases["tenants/payments/tenant.yaml"].find("failure") is None
    failure = cases["tenants/search/tenant.yaml"].find("failure")
    assert failure is not None and "80 exceeds the prod ceiling of 64" in (failure.text or "")
