"""`berth cost`: what each tenant costs a month, per environment, with totals, in exact cents.

Figures are those of `berth plan` (generator/plan/cost.py), two separate measures:
- `quota`, reserved: the tenant's ResourceQuota priced, what the platform sets aside for it;
- `apps`, requested: what its applications request, priced the same way.
The ResourceQuota caps requests, so what the applications request lies *inside* the quota:
the two are never added (a quota + apps "total" counts the requested part twice). Every total
sums one measure over rows. Each row is rounded to the cent once; every total is the sum of
the rounded rows, so a report always adds up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from generator.cost.charts import unpriced_charts
from generator.models.quota import amount, cents
from generator.plan.cost import Cost, Where, tenant_costs
from generator.plan.snapshot import Snapshot
from generator.validate import ValidRepo

API_VERSION = "berth.dev/v1alpha1"
KIND = "CostReport"


@dataclass(frozen=True)
class Money:
    quota: int  # cents
    apps: int

    def __add__(self, other: Money) -> Money:
        return Money(self.quota + other.quota, self.apps + other.apps)


NONE = Money(0, 0)


@dataclass(frozen=True)
class Row:
    tenant: str
    environment: str
    cost_center: str
    money: Money
    scenario: str = ""  # a scenario of the tenant in `environment`, listed under it
    expires: str = ""  # the scenario's last day
    charts: tuple[str, ...] = ()  # chart apps running here, not priced in `money.apps`

    @property
    def where(self) -> str:
        """The environment, or the scenario and its expiry in it: the tables' column."""
        if not self.scenario:
            return self.environment
        return f"{self.environment}: scenario {self.scenario} until {self.expires}"


@dataclass(frozen=True)
class TenantTotal:
    tenant: str
    cost_center: str
    money: Money
    budget: int | None  # cents
    budget_used: Fraction | None  # quota / budget, a ratio


@dataclass(frozen=True)
class Report:
    currency: str
    rows: tuple[Row, ...]
    tenants: tuple[TenantTotal, ...]
    cost_centers: tuple[tuple[str, Money], ...]
    environments: tuple[tuple[str, Money], ...]
    total: Money


def build(snapshot: Snapshot) -> Report | None:
    """The report of a valid snapshot; None when its requests are invalid."""
    valid = snapshot.valid
    if valid is None:
        return None
    costs = tenant_costs(snapshot)
    env_order = [e.name for e in valid.platform.spec.environments]
    rows = tuple(
        row
        for name, tenant in sorted(valid.tenants.items())
        for row in (
            *(
                Row(
                    name,
                    env,
                    tenant.spec.costCenter,
                    _cents(costs.get((env, name))),
                    charts=unpriced_charts(valid, name, env),
                )
                for env in env_order
                if env in tenant.spec.environments
            ),
            *scenario_rows(valid, name, costs),
        )
    )
    limits = valid.platform.spec.scenarios
    in_budget = limits is None or limits.countsAgainstBudget
    tenants = []
    for name, tenant in sorted(valid.tenants.items()):
        money = sum((r.money for r in rows if r.tenant == name), NONE)
        budget = None if tenant.spec.budget is None else cents(_exact(tenant.spec.budget.monthly))
        counted = sum(
            r.money.quota for r in rows if r.tenant == name and (in_budget or not r.scenario)
        )
        used = None if not budget else Fraction(counted, budget)
        tenants.append(TenantTotal(name, tenant.spec.costCenter, money, budget, used))
    centers = sorted({r.cost_center for r in rows})
    return Report(
        currency=valid.platform.spec.pricing.currency,
        rows=rows,
        tenants=tuple(tenants),
        cost_centers=tuple(
            (c, sum((r.money for r in rows if r.cost_center == c), NONE)) for c in centers
        ),
        environments=tuple(
            (e, sum((r.money for r in rows if r.environment == e), NONE))
            for e in env_order
            if any(r.environment == e for r in rows)
        ),
        total=sum((r.money for r in rows), NONE),
    )


def scenario_rows(valid: ValidRepo, tenant: str, costs: dict[Where, Cost]) -> list[Row]:
    """The tenant's scenarios, each a row of its base environment, by name."""
    cost_center = valid.tenants[tenant].spec.costCenter
    return [
        Row(
            tenant,
            s.spec.base,
            cost_center,
            _cents(costs.get((s.spec.base, f"{tenant}-{name}"))),
            name,
            s.spec.expires,
        )
        for name, s in sorted(valid.scenarios.get(tenant, {}).items())
    ]


def _cents(cost: Cost | None) -> Money:
    return NONE if cost is None else Money(cents(cost.quota), cents(cost.apps))


def _exact(value: float) -> Fraction:
    # The budget is typed as a decimal: take its shortest decimal text, not the binary float.
    return Fraction(repr(value))


def percent(ratio: Fraction) -> str:
    """A ratio as a percentage with one decimal, half away from zero: `68.4`."""
    tenths = cents(ratio * 10)  # cents() rounds to 1/100, so x10 gives tenths of a percent
    return f"{tenths // 10}.{tenths % 10}"


def as_json(report: Report) -> dict[str, object]:
    """The stable JSON shape, documented by schemas/cost-report.schema.json."""

    def money(m: Money) -> dict[str, str]:
        return {"quota": amount(m.quota), "apps": amount(m.apps)}

    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "currency": report.currency,
        "rows": [
            {"tenant": r.tenant, "environment": r.environment, "costCenter": r.cost_center}
            | money(r.money)
            | ({"scenario": r.scenario, "expires": r.expires} if r.scenario else {})
            | ({"unpricedCharts": list(r.charts)} if r.charts else {})
            for r in report.rows
        ],
        "tenants": [_tenant(t, money(t.money)) for t in report.tenants],
        "costCenters": [{"costCenter": c} | money(m) for c, m in report.cost_centers],
        "environments": [{"environment": e} | money(m) for e, m in report.environments],
        "total": money(report.total),
    }


def _tenant(t: TenantTotal, costs: dict[str, str]) -> dict[str, str | None]:
    return {
        "tenant": t.tenant,
        "costCenter": t.cost_center,
        **costs,
        "budget": None if t.budget is None else amount(t.budget),
        "budgetUsedPercent": None if t.budget_used is None else percent(t.budget_used),
    }
