"""Runtime flows of a chart app (`blueprint: chart`): every pod its chart runs reaches the
app's own database on PostgreSQL's port, and kube-dns.

A chart's pods carry the chart's labels, not Berth's, so nothing selects them by app: they
reach the database as any pod of the tenant's namespace does (the guardrails' namespace-wide
`allow-same-namespace`; docs/decisions.md, "A chart app's database"). What must not reach it
(another tenant, allowFrom or not; a namespace the requests do not name) is checked for every
database alike by flows.py. Each pod is checked, not one per app: a chart may run several
workloads (a primary and its replicas), and each must reach the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from generator.verify.nca import Pairs, allows

if TYPE_CHECKING:  # types only: flows.py calls this module
    from generator.verify.flows import Checker, Owner

POSTGRES = 5432
DNS_PORT = 53


def chart_flows(
    check: Checker,
    role: Mapping[str, str],
    owners: Mapping[str, Owner | None],
    databases: Mapping[tuple[str, str, str], str],
    pairs: Pairs,
) -> None:
    for endpoint, owner in sorted(owners.items()):
        if owner is None or owner.database:
            continue
        chart = check.repo.chart_apps.get(owner.tenant, {}).get(owner.app)
        if chart is None:
            continue
        pod = endpoint.rpartition("/")[2].removesuffix("[Pod]")
        database = databases.get((owner.env, owner.tenant, owner.app))
        if chart.spec.database is not None and (
            database is None or not allows(pairs.get((endpoint, database), []), "TCP", POSTGRES)
        ):
            check.app_problem(
                owner.tenant, owner.app, ("spec", "database"),
                f"{owner.env}: the chart's pods ({pod}) cannot reach {owner.app}'s database on"
                f" TCP {POSTGRES}",
            )  # fmt: skip
        dns = pairs.get((endpoint, role["dns"]), [])
        if not (allows(dns, "UDP", DNS_PORT) and allows(dns, "TCP", DNS_PORT)):
            check.app_problem(
                owner.tenant, owner.app, ("metadata", "name"),
                f"{owner.env}: the chart's pods ({pod}) cannot reach kube-dns on port {DNS_PORT}",
            )  # fmt: skip
