"""What the scenarios a change opens or edits cost: a month of their quota, and what they cost
from today to their `expires` ("+11.20 EUR until 2026-12-19"), for the plan.

The quota is what the platform reserves for the scenario, priced like a tenant's
(generator/models/quota.py); until expiry counts the days from today through `expires` at a
thirtieth of the monthly price each.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from generator.models.quota import money
from generator.plan.egress import EgressChange, egress_markdown
from generator.problems.code_spans import code
from generator.validate import ValidRepo
from generator.validate.scenarios import expiry, scenario_monthly

DAYS_PER_MONTH = 30


@dataclass(frozen=True, order=True)
class ScenarioCost:
    tenant: str
    name: str
    env: str
    expires: str
    monthly: Fraction
    until: Fraction


def scenario_costs(
    base: ValidRepo | None, head: ValidRepo, today: datetime.date
) -> list[ScenarioCost]:
    """The head's scenarios that the base lacks or has otherwise, priced."""
    before: Mapping[str, Mapping[str, object]] = base.scenarios if base is not None else {}
    found = []
    for tenant, scenarios in sorted(head.scenarios.items()):
        for name, scenario in sorted(scenarios.items()):
            if before.get(tenant, {}).get(name) == scenario:
                continue
            monthly = scenario_monthly(head.platform, scenario)
            if monthly is None:
                continue
            days = max((expiry(scenario) - today).days + 1, 0)
            until = monthly * days / DAYS_PER_MONTH
            found.append(
                ScenarioCost(
                    tenant, name, scenario.spec.base, scenario.spec.expires, monthly, until
                )
            )
    return found


def quota_costs(valid: ValidRepo) -> dict[tuple[str, str], Fraction]:
    """Each scenario's monthly quota cost, by (environment, the tenant it renders as)."""
    return {
        (scenario.spec.base, f"{tenant}-{name}"): cost
        for tenant, scenarios in valid.scenarios.items()
        for name, scenario in scenarios.items()
        if (cost := scenario_monthly(valid.platform, scenario)) is not None
    }


def cost_lines(costs: list[ScenarioCost], currency: str) -> list[str]:
    return [
        f"scenario {c.tenant}/{c.name} in {c.env}: {money(c.monthly, currency)} a month,"
        f" +{money(c.until, currency)} until {c.expires}"
        for c in costs
    ]


def scenario_json(costs: list[ScenarioCost]) -> list[dict[str, object]]:
    """The plan's JSON `scenarios`: the same figures as `cost_lines`, in the plan's currency,
    rounded to the cent as the plan's other amounts are."""
    return [
        {
            "tenant": c.tenant,
            "scenario": c.name,
            "environment": c.env,
            "expires": c.expires,
            "monthlyQuotaCost": round(float(c.monthly), 2),
            "costUntilExpiry": round(float(c.until), 2),
        }
        for c in costs
    ]


def scenario_markdown(costs: list[ScenarioCost], currency: str) -> str:
    if not costs:
        return ""
    items = "".join(f"- {code(line)}\n" for line in cost_lines(costs, currency))
    return f"Scenarios (quota, priced until they expire):\n\n{items}\n"


def egress_and_scenarios(
    egress: list[EgressChange], costs: list[ScenarioCost], currency: str
) -> str:
    """The plan comment's paragraphs of egress grants and of scenario costs, each if any."""
    return (egress_markdown(egress) if egress else "") + scenario_markdown(costs, currency)
