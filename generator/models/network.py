"""`platform.yaml` network settings: what tenants' pods must reach and what they may ask for.

`spec.network` says where the cluster's own parts are that a tenant's database needs (the
Kubernetes API server, the CloudNativePG operator); `spec.egress` names the destinations outside
the cluster an application may ask for by name (`spec.egress` of the application).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, Field

from generator.models.common import DnsLabel, Strict

API_SERVER_PORTS = (443, 6443)  # the Service port and the port API servers listen on


def _cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a CIDR block with its host bits zero (10.0.0.0/16, 203.0.113.7/32,"
            " 2001:db8::/32)"
        ) from None
    if str(network) != value:
        raise ValueError(f"{value!r} is written {str(network)!r} in canonical form; use that")
    return value


Cidr = Annotated[
    str,
    Field(max_length=43, examples=["10.0.0.0/16", "203.0.113.7/32"]),
    AfterValidator(_cidr),
]
Port = Annotated[int, Field(ge=1, le=65535)]


def _unique(values: list[str] | list[int]) -> list[str] | list[int]:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value!r} is listed twice")
        seen.add(value)
    return values


Cidrs = Annotated[list[Cidr], Field(min_length=1, max_length=50), AfterValidator(_unique)]
Ports = Annotated[list[Port], Field(min_length=1, max_length=20), AfterValidator(_unique)]


class ApiServer(Strict):
    cidrs: Cidrs = Field(
        description="Addresses of the Kubernetes API server as the cluster's pods reach it"
        " (the endpoints of the `kubernetes` Service, or the control plane's network)."
    )
    ports: Ports = Field(
        default_factory=lambda: list(API_SERVER_PORTS),
        description="TCP ports of the API server: 443 (the Service) and 6443 (what it listens"
        " on; most network plugins check the port after the Service is resolved).",
    )


class Network(Strict):
    """Where the platform's own parts are that tenants' pods need to reach or be reached by."""

    apiServer: ApiServer | None = Field(
        default=None,
        description="The Kubernetes API server, which CloudNativePG's instance manager in every"
        " database pod calls. Absent: database pods may reach TCP 443 and 6443 of any address"
        " outside the cluster, and `berth validate` warns.",
    )
    cnpgNamespace: DnsLabel = Field(
        default="cnpg-system",
        description="Namespace of the CloudNativePG operator (pods labelled"
        " `app.kubernetes.io/name: cloudnative-pg`), let in to database pods on TCP 8000 and"
        " 5432.",
    )


class EgressDestination(Strict):
    """A destination outside the cluster that applications may ask for by name."""

    cidrs: Cidrs = Field(description="The addresses the application's pods may reach.")
    ports: Ports = Field(description="TCP ports they may reach there.")
    description: str = Field(
        min_length=1, max_length=200, description="What is there, for the people who ask."
    )
