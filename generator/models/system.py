"""`tenants/<tenant>/systems/<name>.yaml` (kind: System): a group of a tenant's applications.

A System is a file of its own, not a list in tenant.yaml: the portal's "New system" template
can only add files to a pull request (Backstage has no action that edits a YAML file in
place), and a file per System gives each its own diff, review and CODEOWNERS line
(docs/decisions.md). The tenant owns it: it is rendered as a Backstage System owned by the
tenant's Group, and the tenant's applications may name it as their `system`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from generator.models.common import API_VERSION, DnsLabel, Strict


class SystemMetadata(Strict):
    name: DnsLabel = Field(description="System name; equals the file name without .yaml.")


class SystemSpec(Strict):
    description: str = Field(
        min_length=1, max_length=300, description="What the System does, in a sentence."
    )


class System(Strict):
    """A tenant's System: applications that together provide one capability."""

    model_config = Strict.model_config | {
        "title": "Berth System",
        "json_schema_extra": {"$id": "https://berth.dev/schemas/system.schema.json"},
    }

    apiVersion: Literal["berth.dev/v1alpha1"] = Field(description=f"Always `{API_VERSION}`.")
    kind: Literal["System"]
    metadata: SystemMetadata = Field(description="`name` must equal the file name without .yaml.")
    spec: SystemSpec
