"""`tenants/<tenant>/tenant.yaml` (kind: Tenant): one team's request for namespaces."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from generator.models.common import (
    API_VERSION,
    ByteQuantity,
    CpuQuantity,
    DnsLabel,
    LabelValue,
    Owner,
    Strict,
    TenantName,
)


class QuotaOverride(Strict):
    """Field-wise override of the size's quota."""

    cpu: CpuQuantity | None = None
    memory: ByteQuantity | None = None
    storage: ByteQuantity | None = None


class TenantEnvironment(Strict):
    size: DnsLabel = Field(description="One of the platform's sizes (platform.yaml spec.sizes).")
    quota: QuotaOverride | None = Field(
        default=None,
        description="Overrides single fields of the size; the result must fit the ceiling.",
    )


class Budget(Strict):
    monthly: float = Field(gt=0, le=1e9, description="Monthly budget in the platform's currency.")


class TenantMetadata(Strict):
    name: TenantName = Field(description="Tenant name; equals the folder name under tenants/.")


class TenantSpec(Strict):
    description: str = Field(
        min_length=1, max_length=300, description="What the team runs, in a sentence."
    )
    owners: list[Owner] = Field(
        min_length=1,
        max_length=50,
        description="Git hosting usernames or teams (`org/team`, without the '@'), as in"
        " CODEOWNERS: code owners of the tenant's folder and generated files.",
    )
    group: str = Field(
        min_length=1,
        max_length=256,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@/:-]*$",
        description="Identity-provider group bound by RBAC in the tenant's namespaces; never"
        " a Kubernetes `system:` group.",
    )
    costCenter: Annotated[
        LabelValue, Field(min_length=1, description="Cost center, set as a label on every object.")
    ]
    environments: dict[DnsLabel, TenantEnvironment] = Field(
        min_length=1, description="A subset of the platform's environments, each with a size."
    )
    allowFrom: list[TenantName] = Field(
        default_factory=list, description="Other tenants whose pods may call this tenant's pods."
    )
    budget: Budget | None = Field(
        default=None, description="Optional; an estimate above it is an error."
    )

    @field_validator("group")
    @classmethod
    def _not_a_system_group(cls, value: str) -> str:
        # Kubernetes gives every authenticated user and every service account `system:` groups:
        # binding edit to one of them would give it to the whole cluster.
        if value.startswith("system:"):
            raise ValueError(
                f"{value!r} is a Kubernetes system group (system:authenticated holds every"
                " user, system:serviceaccounts every workload); name the team's own group"
                " from the identity provider"
            )
        return value

    @field_validator("owners", "allowFrom")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in value:
            if item in seen:
                raise ValueError(f"{item!r} is listed twice")
            seen.add(item)
        return value


class Tenant(Strict):
    """A team's request: namespaces in some environments, with a size in each."""

    model_config = Strict.model_config | {
        "title": "Berth Tenant",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/tenant.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"] = Field(description=f"Always `{API_VERSION}`.")
    kind: Literal["Tenant"]
    metadata: TenantMetadata
    spec: TenantSpec
