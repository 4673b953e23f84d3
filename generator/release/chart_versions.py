"""Releases of a tenant's third-party chart (`blueprint: chart`): its `version` per environment
moves as other apps' `tag` does, by `berth bump --version` and `berth promote`.

The version given on the command line is checked by the chart model's own rule before it
reaches the file, and the edited repository is validated whole before anything is written
(generator/release/propose.py), so a version the platform's allow-list refuses never lands.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.models.charts import ChartApplication, semver
from generator.release.target import argument_problem, env_path
from generator.yamlio.edit import Edit


def check_version(version: str) -> str:
    if semver(version) is None:
        raise argument_problem(
            "version",
            f"{version!r} is not a chart version: give a semantic version such as 1.2.3",
        )
    return version


def released_version(app: ChartApplication, env: str) -> str | None:
    settings = app.spec.environments.get(env)
    return None if settings is None else settings.version


def version_edits(env: str, current: str, wanted: str) -> list[Edit]:
    if wanted == current:
        return []
    return [Edit((*env_path(env), "version"), wanted)]


def chart_promotions(
    charts: Mapping[str, ChartApplication], source: str, dest: str
) -> tuple[dict[str, list[Edit]], list[str]]:
    """Per app name, the edits that make `dest` run the chart version `source` runs, and the
    lines that say so."""
    edits: dict[str, list[Edit]] = {}
    lines: list[str] = []
    for name, app in charts.items():
        have, want = released_version(app, source), released_version(app, dest)
        if have is None or want is None or have == want:
            continue
        edits[name] = version_edits(dest, want, have)
        lines.append(f"{name}: chart {app.spec.chart.name} {want} -> {have} in {dest}")
    return edits, lines
