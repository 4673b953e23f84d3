"""`platform.yaml` `spec.gateway`: the platform's Gateway (Gateway API) that application routes
attach to, instead of an Ingress per application (docs/decisions.md#gateway-api-routes)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from generator.models.common import DnsLabel, Strict

# Gateway API's SectionName: a DNS subdomain-like name of one listener.
SectionName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=253,
        pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    ),
]


class Gateway(Strict):
    name: DnsLabel = Field(description="Name of the platform's Gateway.")
    namespace: DnsLabel = Field(
        description="Namespace of the Gateway, and of the pods of the controller serving it:"
        " network policy lets traffic in from there to applications with a host."
    )
    sectionName: SectionName | None = Field(
        default=None,
        description="The listener of the Gateway that routes attach to (its HTTPS listener,"
        " where TLS ends). Default: every listener that allows routes from the tenant's"
        " namespace.",
        examples=["https"],
    )

    def parent_ref(self) -> dict[str, str]:
        """The HTTPRoute parentRef naming this Gateway (and its listener, when set)."""
        ref = {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": self.name,
            "namespace": self.namespace,
        }
        if self.sectionName is not None:
            ref["sectionName"] = self.sectionName
        return ref
