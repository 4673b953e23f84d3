"""Routes through the platform's Gateway (platform.yaml `spec.gateway`): the shared chart's
values that switch a web-service's Ingress for an HTTPRoute, and the HTTPRoute in front of a
chart app's exposed Service. TLS ends at the Gateway (docs/decisions.md#gateway-api-routes), so
a route carries no certificate; external-dns reads its hostnames."""

from __future__ import annotations

from typing import Any

from generator.models.gateway import Gateway
from generator.models.platform import Platform

HTTPROUTE_API = "gateway.networking.k8s.io/v1"


def gateway_values(platform: Platform) -> dict[str, str] | None:
    """`ingress.gateway` of the shared chart's values: None routes through an Ingress."""
    gateway = platform.spec.gateway
    if gateway is None:
        return None
    return {
        "name": gateway.name,
        "namespace": gateway.namespace,
        "sectionName": gateway.sectionName or "",
    }


def http_route(
    gateway: Gateway,
    metadata: dict[str, Any],
    host: str,
    service: str,
    port: int,
) -> dict[str, Any]:
    """One HTTPRoute sending every path of `host` to `service`:`port`, as the chart writes it."""
    return {
        "apiVersion": HTTPROUTE_API,
        "kind": "HTTPRoute",
        "metadata": {
            **metadata,
            # external-dns's gateway-httproute source reads spec.hostnames; the annotation names
            # the same host so that a source filtered on it (as for Ingresses) finds it too.
            "annotations": {"external-dns.alpha.kubernetes.io/hostname": host},
        },
        "spec": {
            "parentRefs": [gateway.parent_ref()],
            "hostnames": [host],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": service, "port": port}],
                }
            ],
        },
    }
