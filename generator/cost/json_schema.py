"""The JSON shape of `berth cost --format json`, as models: `berth schema` writes
schemas/cost-report.schema.json from them, and the tests check every report against it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from generator.models.common import Strict

Amount = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+\.[0-9]{2}$",
        description="An exact amount in the report's currency: a decimal string with two"
        " places (never a JSON number, so no reader rounds it through a float).",
    ),
]


class Costs(Strict):
    """Two measures, never added: the applications' requests lie inside the quota."""

    quota: Amount = Field(
        description="Reserved: monthly cost of the ResourceQuotas, what the platform sets aside."
    )
    apps: Amount = Field(
        description="Requested: monthly cost of what the applications request, a part of the"
        " quota (the ResourceQuota caps requests), so never added to it."
    )


class CostRow(Costs):
    tenant: str
    environment: str
    costCenter: str
    scenario: str | None = Field(
        default=None, description="Set on a scenario's row: its name (in `environment`)."
    )
    expires: str | None = Field(default=None, description="A scenario's last day, YYYY-MM-DD.")
    unpricedCharts: list[str] | None = Field(
        default=None,
        description="The tenant's third-party chart apps (`blueprint: chart`) running here, by"
        " name: they declare no resources, so `apps` does not count them (their pods count"
        " against the quota). Absent when there are none.",
    )


class TenantCosts(Costs):
    tenant: str
    costCenter: str
    budget: Amount | None = Field(description="spec.budget.monthly of the tenant, if set.")
    budgetUsedPercent: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]$")] | None = Field(
        description="quota / budget in percent, one decimal; null without a budget."
    )


class CostCenterCosts(Costs):
    costCenter: str


class EnvironmentCosts(Costs):
    environment: str


class CostReport(Strict):
    """Monthly cost per tenant and environment; every total is the sum of its rows to the cent."""

    model_config = Strict.model_config | {
        "title": "Berth cost report",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/cost-report.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"]
    kind: Literal["CostReport"]
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code from platform.yaml.")
    rows: list[CostRow] = Field(description="One per tenant and environment it runs in.")
    tenants: list[TenantCosts] = Field(description="The rows summed per tenant.")
    costCenters: list[CostCenterCosts] = Field(description="The rows summed per cost center.")
    environments: list[EnvironmentCosts] = Field(description="The rows summed per environment.")
    total: Costs = Field(description="All rows summed, each measure on its own.")
