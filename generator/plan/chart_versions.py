"""Which chart version each third-party chart app (`blueprint: chart`) runs, per environment,
before and after a change: releases the plan names beside the images' ("cache: 19.2.0 ->
19.3.0 in prod"), held to the same skip guard (`berth plan --fail-on-skip`, images.py).

A chart version is a release as an image tag is, so it is one `ImageChange` whose reference
is the chart (`chart redis`) and whose tag is the version.
"""

from __future__ import annotations

from generator.models.charts import ChartApplication
from generator.models.image import Image
from generator.plan.images import ImageChange, Reference
from generator.validate import ValidRepo


def chart_reference(app: ChartApplication | None, env: str | None) -> Reference | None:
    settings = app.spec.environments.get(env) if app is not None and env is not None else None
    if app is None or settings is None:
        return None
    return Reference(f"chart {app.spec.chart.name}", Image(tag=settings.version))


def chart_changes(base: ValidRepo | None, head: ValidRepo) -> list[ImageChange]:
    order = [env.name for env in head.platform.spec.environments]
    found: list[ImageChange] = []
    for tenant, apps in head.chart_apps.items():
        for name, app in apps.items():
            before = base.chart_apps.get(tenant, {}).get(name) if base is not None else None
            runs = [env for env in order if env in app.spec.environments]
            for env in order:
                old, new = chart_reference(before, env), chart_reference(app, env)
                # As images.py: a new app shows in the plan's objects; leaving releases nothing.
                if before is None or new is None or old == new:
                    continue
                index = runs.index(env) if env in runs else -1
                previous_env = runs[index - 1] if index > 0 else None
                environment = head.platform.spec.environment(env)
                found.append(
                    ImageChange(
                        env=env,
                        tenant=tenant,
                        app=name,
                        old=old,
                        new=new,
                        previous_env=previous_env,
                        previous=chart_reference(before, previous_env),
                        sync=environment.sync if environment is not None else "unknown",
                    )
                )
    return found
