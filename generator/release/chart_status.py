"""What `berth status` shows for a third-party chart (`blueprint: chart`) where other apps show
their image: the chart from the platform's allow-list and the version an environment runs."""

from __future__ import annotations

from dataclasses import dataclass

from generator.models.charts import ChartApplication
from generator.release.chart_versions import released_version


@dataclass(frozen=True)
class ChartVersion:
    chart: str  # its name in platform.yaml `spec.charts`
    version: str

    def __str__(self) -> str:
        return f"{self.chart} {self.version}"

    def as_json(self) -> dict[str, str]:
        return {"chart": self.chart, "version": self.version}


def released_chart(app: ChartApplication, env: str) -> ChartVersion | None:
    version = released_version(app, env)
    return None if version is None else ChartVersion(app.spec.chart.name, version)
