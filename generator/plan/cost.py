"""Monthly cost of each tenant in each environment of a snapshot, priced by its platform.

Two figures, both with `generator.models.quota`:
- `quota`: the tenant's ResourceQuota (what the platform reserves for it; the budget rule of
  `validate` uses the same number);
- `apps`: what its applications request, read from their generated Helm values files:
  resources x replicas, plus a managed database's instances x (cpu, memory, storage); of a
  chart app, only its database, read from its extras file (the CloudNativePG Cluster there).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from generator.models.platform import Pricing
from generator.models.quantity import QuantityError
from generator.models.quota import Quota, effective_quota, monthly_cost
from generator.plan.diff import owner
from generator.plan.objects import VALUES_SUFFIX
from generator.plan.scenario_cost import quota_costs
from generator.plan.snapshot import Snapshot
from generator.render.chart_app import EXTRAS_SUFFIX
from generator.render.chart_database import CNPG_API
from generator.yamlio.trusted import TrustedYAMLError, load_all_trusted, load_trusted

Where = tuple[str, str]  # (environment, tenant)


@dataclass(frozen=True)
class Cost:
    quota: Fraction
    apps: Fraction

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.quota + other.quota, self.apps + other.apps)


ZERO = Cost(Fraction(0), Fraction(0))


def tenant_costs(snapshot: Snapshot) -> dict[Where, Cost]:
    valid = snapshot.valid
    if valid is None:
        return {}
    pricing = valid.platform.spec.pricing
    costs: dict[Where, Cost] = {}
    for name, tenant in valid.tenants.items():
        for env in tenant.spec.environments:
            quota = monthly_cost(effective_quota(valid.platform, tenant, env), pricing)
            costs[(env, name)] = Cost(quota, Fraction(0))
    costs |= {where: Cost(quota, Fraction(0)) for where, quota in quota_costs(valid).items()}
    for path, text in snapshot.files.items():
        env_name, tenant_name = owner(path)
        if env_name is None or tenant_name is None:
            continue
        if posixpath.basename(posixpath.dirname(path)) != "apps":
            continue
        if path.endswith(VALUES_SUFFIX):
            amount = app_cost(text, pricing)
        elif path.endswith(EXTRAS_SUFFIX):
            amount = extras_cost(text, pricing)
        else:
            continue
        where = (env_name, tenant_name)
        costs[where] = costs.get(where, ZERO) + Cost(Fraction(0), amount)
    return costs


def app_cost(values_text: str, pricing: Pricing) -> Fraction:
    """Requests x replicas of one application's values file; 0 for what cannot be read."""
    try:
        values = load_trusted(values_text)  # Berth's own output, read by its own rule
        total = _priced(values.get("resources"), _count(values.get("replicas")), pricing)
        database = values.get("database")
        if isinstance(database, dict) and database.get("enabled") is True:
            total += _priced(database, _count(database.get("instances")), pricing)
        return total
    except (TrustedYAMLError, AttributeError, QuantityError, TypeError, ValueError):
        return Fraction(0)


def extras_cost(extras_text: str, pricing: Pricing) -> Fraction:
    """A chart app's database, from the Cluster of its extras file: instances x (requests,
    storage); 0 for what cannot be read. The chart's own workloads declare nothing to price."""
    try:
        total = Fraction(0)
        for doc in load_all_trusted(extras_text):
            if doc.get("kind") != "Cluster" or doc.get("apiVersion") != CNPG_API:
                continue
            spec = doc["spec"]
            requests = spec["resources"]["requests"]
            sized = {**requests, "storage": spec["storage"]["size"]}
            total += _priced(sized, _count(spec.get("instances")), pricing)
        return total
    except (TrustedYAMLError, AttributeError, KeyError, QuantityError, TypeError, ValueError):
        return Fraction(0)


def _count(value: Any) -> int:
    # A cronjob has no replicas: one run at a time.
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 1


def _priced(resources: Any, count: int, pricing: Pricing) -> Fraction:
    if not isinstance(resources, dict):
        return Fraction(0)
    quota = Quota(
        cpu=str(resources.get("cpu", "0")),
        memory=str(resources.get("memory", "0")),
        storage=str(resources.get("storage", "0")),
    )
    return monthly_cost(quota, pricing) * count
