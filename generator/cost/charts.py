"""Third-party charts (`blueprint: chart`) in the cost report: named, not priced.

A chart app declares no resources of Berth's (the chart's own values set its pods' requests,
in whatever shape each chart chooses), so `requested` cannot price it from the requests, and a
0 in its place would read as measured. The report lists the chart apps a row leaves out of its
requested figure instead. Their pods still count against the tenant's ResourceQuota, so the
reserved figure holds them as it holds everything in the namespace. A chart app's database
is Berth's (render/chart_database.py) and priced as another app's (plan/cost.py).
"""

from __future__ import annotations

from generator.validate import ValidRepo

NOTE = (
    "Requested leaves out the workloads of third-party charts (blueprint: chart), which declare"
    " no resources: their pods count against the reserved quota only (a chart app's database"
    " is priced as another app's)."
)


def unpriced_charts(valid: ValidRepo, tenant: str, env: str) -> tuple[str, ...]:
    """The tenant's chart apps that run in `env`, by name: not in that row's `requested`."""
    apps = valid.chart_apps.get(tenant, {})
    return tuple(sorted(name for name, app in apps.items() if env in app.spec.environments))
