"""Which chart version each third-party chart app (`blueprint: chart`) runs, per environment,
before and after a change: releases the plan names beside the images' ("cache: 19.2.0 ->
19.3.0 in prod"), held to the same skip guard (`berth plan --fail-on-skip`, images.py).

A chart version is a release as an image tag is, so it is one `ImageChange` whose reference
is the chart (`chart redis`) and whose tag is the version.
"""

from __future__ import annotations

from generator.models.charts import ChartApplication
from generator.models.image import Image
from generator.plan.images import ImageChange, Reference, release_changes
from generator.validate import ValidRepo


def chart_reference(app: ChartApplication | None, env: str | None) -> Reference | None:
    settings = app.spec.environments.get(env) if app is not None and env is not None else None
    if app is None or settings is None:
        return None
    return Reference(f"chart {app.spec.chart.name}", Image(tag=settings.version))


def chart_changes(base: ValidRepo | None, head: ValidRepo) -> list[ImageChange]:
    return release_changes(
        head,
        head.chart_apps,
        lambda tenant, name: None if base is None else base.chart_apps.get(tenant, {}).get(name),
        chart_reference,
        lambda app: app.spec.environments,
    )
