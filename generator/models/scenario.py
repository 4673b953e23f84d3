"""`tenants/<tenant>/scenarios/<name>.yaml` (kind: Scenario): a short-lived copy of a tenant's
apps in one environment, and the platform's limits on them (`platform.yaml` spec.scenarios).

The model checks what one field alone can say (names, the date's shape, tags); what needs the
platform, the tenant or today's date is in generator/validate/scenarios.py.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from generator.models.application import _DIGEST, _check, _tag
from generator.models.common import API_VERSION, DnsLabel, Strict

# A scenario's namespace is `<tenant>-<env>-<name>` (docs/decisions.md): with a tenant of at
# most 30 characters and the name at most 20, an environment name of up to 11 still fits in 63.
MAX_SCENARIO_NAME = 20


def _scenario_name(value: str) -> str:
    if len(value) > MAX_SCENARIO_NAME:
        raise ValueError(
            f"{value!r} is {len(value)} characters; a scenario name has at most"
            f" {MAX_SCENARIO_NAME}, so that its namespace <tenant>-<env>-<name> fits in 63"
        )
    return value


ScenarioName = Annotated[DnsLabel, AfterValidator(_scenario_name)]


def _iso_date(value: str) -> str:
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD (quoted)") from None
    if parsed.isoformat() != value:
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD (quoted)")
    return value


LIMITS_DESCRIPTION = (
    "Short-lived copies of a tenant's apps (tenants/<tenant>/scenarios/<name>.yaml): where,"
    " for how long and how many. Default: none allowed."
)


class ScenarioLimits(Strict):
    """What the platform allows of scenarios (platform.yaml spec.scenarios)."""

    environments: list[DnsLabel] = Field(
        min_length=1,
        description="Environments where a tenant may open scenarios (each one of the platform's).",
        examples=[["dev"]],
    )
    maxDays: int = Field(
        default=14,
        ge=1,
        le=366,
        description="The longest lifetime: `expires` at most this many days after the change.",
    )
    maxPerTenant: int = Field(
        default=3, ge=1, le=100, description="How many scenarios one tenant may have at once."
    )
    countsAgainstBudget: bool = Field(
        default=True,
        description="Whether a scenario's quota counts against its tenant's monthly budget.",
    )

    @field_validator("environments")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("an environment is listed twice")
        return value


class ScenarioApp(Strict):
    """One app in the scenario; unset fields come from the base environment."""

    tag: Annotated[str, AfterValidator(_tag)] | None = Field(
        default=None,
        description='Image tag to run instead of the base environment\'s ("1.5.0-rc1").',
    )
    digest: (
        Annotated[str, _check(_DIGEST, "{value!r} is not an image digest: sha256:<64 hex digits>")]
        | None
    ) = Field(default=None, description="Image digest to run (sha256:<64 hex digits>).")
    replicas: int | None = Field(
        default=None, ge=0, le=100, description="Replicas instead of the base environment's."
    )
    host: Annotated[str, Field(min_length=3, max_length=253)] | None = Field(
        default=None,
        description="Public host instead of `<app>.<scenario>.<tenant>.<domain>`: inside the"
        " scenario's own space, `<scenario>.<tenant>.<domain>` or `<name>.<scenario>.<tenant>."
        "<domain>` of the base environment's domain.",
    )


class ScenarioSpec(Strict):
    base: DnsLabel = Field(
        description="The environment it copies (one the platform allows scenarios in, and one"
        " the tenant has): its cluster, sync mode, guardrails and releases."
    )
    expires: Annotated[str, AfterValidator(_iso_date)] = Field(
        description="The last day it runs (YYYY-MM-DD, quoted); after it, `berth expire` opens"
        " the pull request that removes it.",
        examples=["2026-12-19"],
    )
    size: DnsLabel = Field(description="One of the platform's sizes (platform.yaml spec.sizes).")
    apps: dict[DnsLabel, ScenarioApp] | None = Field(
        default=None,
        description="The tenant's apps to run, each with what differs from the base environment"
        " (`{}`: nothing). Default: every app the tenant runs in the base environment, as there.",
    )
    description: str | None = Field(
        default=None, min_length=1, max_length=300, description="What it is for, in a sentence."
    )


class ScenarioMetadata(Strict):
    name: ScenarioName = Field(description="The scenario's name; equals its file name.")


class Scenario(Strict):
    """A tenant's short-lived, isolated copy of its apps in one environment."""

    model_config = Strict.model_config | {
        "title": "Berth Scenario",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/scenario.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"] = Field(description=f"Always `{API_VERSION}`.")
    kind: Literal["Scenario"]
    metadata: ScenarioMetadata
    spec: ScenarioSpec
