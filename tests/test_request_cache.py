"""Unchanged request files are not parsed again, yet every problem keeps its exact position."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.cli import berth
from tests.support.example import example

EXAMPLE = example()


def test_cached_files_report_the_same_positions_as_parsed_ones(tmp_path: Path) -> None:
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    for name in ("tenants", "blueprints", "environments"):
        shutil.copytree(EXAMPLE / name, tmp_path / name)
    assert berth(tmp_path, "render")[0] == 0
    assert (tmp_path / ".berth" / "requests.json").exists()

    # payments (unchanged, so served from the cache) names checkout in allowFrom.
    shutil.rmtree(tmp_path / "tenants" / "checkout")
    cached = berth(tmp_path, "render")
    shutil.rmtree(tmp_path / ".berth")
    parsed = berth(tmp_path, "render")

    assert cached == parsed
    assert cached[0] == 1
    assert (
        "tenants/payments/tenant.yaml:15:15: spec.allowFrom[0]: unknown tenant 'checkout';"
        " allowFrom names folders under tenants/\n"
    ) in cached[2]


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    for name in ("platform.yaml", "CODEOWNERS"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    for name in ("tenants", "blueprints", "environments"):
        shutil.copytree(EXAMPLE / name, tmp_path / name)
    assert berth(tmp_path, "render")[0] == 0
    tenant = tmp_path / "tenants" / "search" / "tenant.yaml"
    tenant.write_text(tenant.read_text().replace("costCenter: CC-2050", "costCenter: 2050"))
    code, _, err = berth(tmp_path, "render")
    assert code == 1
    assert 'spec.costCenter: expected a string, got a number; quote it: "2050"' in err
