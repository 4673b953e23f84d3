"""`blueprints/<name>/blueprint.yaml`: what the generator needs to know about a blueprint.

Owned by the platform team; a broken descriptor is reported like a broken request, with file,
line and column.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from generator.models.common import Strict

# Request fields a blueprint can require or forbid: spec-level ones, and per-environment ones
# (tag, digest, replicas, host, autoscale), which must then be set in every environment.
RequestField = Literal[
    "image",
    "port",
    "healthPath",
    "schedule",
    "database",
    "secrets",
    "env",
    "tag",
    "digest",
    "replicas",
    "host",
    "autoscale",
]
ENVIRONMENT_FIELDS = frozenset({"tag", "digest", "replicas", "host", "autoscale"})


class BlueprintDescriptor(Strict):
    """A blueprint: which chart renders it, its values template and the fields it takes."""

    chart: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9._/-]+$",
        description="The Helm chart, relative to the blueprint's folder (inside blueprints/).",
    )
    description: str = Field(min_length=1, max_length=300, description="One line for people.")
    requires: list[RequestField] = Field(
        default_factory=list, description="Request fields that must be set."
    )
    forbids: list[RequestField] = Field(
        default_factory=list, description="Request fields that mean nothing for this blueprint."
    )
    values: str = Field(
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The Jinja2 template of the Helm values file, a file in the blueprint's folder.",
    )

    @field_validator("requires", "forbids")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a field twice")
        return value
