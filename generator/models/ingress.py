"""`platform.yaml` `spec.ingress`: the controller that brings traffic to applications.

Its own module because the SLO metrics (docs/operations.md#slo-alerts) hang off it: `controller`
picks a row of `ingress_metrics.CONTROLLERS`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from generator.models.common import DnsLabel, Strict
from generator.models.ingress_metrics import CONTROLLERS
from generator.models.ingress_metrics import KNOWN as KNOWN_CONTROLLERS


class Ingress(Strict):
    className: DnsLabel = Field(description="IngressClass for application Ingresses.")
    namespace: DnsLabel = Field(
        description="Namespace of the ingress controller, allowed in by network policy."
    )
    clusterIssuer: DnsLabel = Field(description="cert-manager ClusterIssuer for TLS certificates.")
    # --- SLO metrics: generator/models/ingress_metrics.py holds the table. ---
    controller: DnsLabel = Field(
        default="ingress-nginx",
        description="The controller serving className, whose request metrics the SLO alerts"
        f" read: one of {KNOWN_CONTROLLERS} (docs/operations.md lists their metrics). Another"
        " name is allowed, but then no application may ask for an `slo`. Default"
        " `ingress-nginx` (legacy, retired upstream in March 2026), the only metrics Berth read"
        " before this setting existed, so an existing platform keeps alerts that match.",
        examples=["envoy-gateway", "traefik", "istio"],
    )
    latencyBucketsMs: list[Annotated[int, Field(ge=1, le=600000)]] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Bucket boundaries (ms) of the controller's latency histogram, where the"
        " platform changed them from the controller's defaults; a latency SLO's thresholdMs"
        " must be one of them. Default: the controller's own (docs/operations.md).",
        examples=[[100, 250, 500, 1000]],
    )

    def latency_buckets(self) -> tuple[int, ...]:
        """The bucket boundaries a latency threshold may take; none for an unknown controller."""
        if self.latencyBucketsMs is not None:
            return tuple(sorted(set(self.latencyBucketsMs)))
        known = CONTROLLERS.get(self.controller)
        return known.buckets_ms if known else ()
