"""The request metrics of each ingress or gateway controller Berth knows
(docs/operations.md#supported-controllers).

An application's SLO is measured where its traffic comes in: at the platform's controller
(`platform.yaml` `spec.ingress.controller`). Each controller names its metrics and labels in
its own way, so each has a row here: the counter of requests and how it marks a 5xx, the
latency histogram with its unit and default bucket boundaries, and the labels that pick the
requests of one application's Ingress. docs/operations.md shows the same table to users.

Every selector is built from DNS labels (namespace, application, controller namespace) and
fixed text, so nothing a request writes can reach PromQL unquoted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

# Prometheus client libraries' default buckets, in ms: ingress-nginx's
# nginx_ingress_controller_request_duration_seconds keeps them.
PROMETHEUS_DEFAULT_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
# Envoy's default histogram buckets (source/common/stats/histogram_impl.cc), in ms, that are
# whole milliseconds and under a million: Envoy writes le="3600000", which Prometheus 3
# normalises to "3.6e+06", a spelling `Controller.le` does not match.
ENVOY_DEFAULT_BUCKETS_MS = (
    1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000
)  # fmt: skip
# Traefik's metrics.prometheus.buckets default: 0.1, 0.3, 1.2, 5 seconds.
TRAEFIK_DEFAULT_BUCKETS_MS = (100, 300, 1200, 5000)


def _labels(**labels: str) -> str:
    return ",".join(f"{name}={json.dumps(value)}" for name, value in labels.items())


@dataclass(frozen=True)
class Controller:
    """One controller's request metrics: what an SLI and a dashboard read."""

    name: str  # the value of spec.ingress.controller
    title: str
    legacy: bool  # still supported, but retired upstream
    reference: str  # where the controller documents these metrics
    requests: str  # counter of requests
    status_label: str  # label holding the HTTP status (or its class)
    server_error: str  # matcher of the 5xx requests
    duration: str  # histogram (without _bucket/_count)
    unit: Literal["s", "ms"]  # unit of the histogram's `le`
    buckets_ms: tuple[int, ...]  # its default bucket boundaries
    # (controller namespace, app namespace, app) -> the matchers of that app's requests
    matchers: Callable[[str, str, str], str]

    def selector(self, ingress_namespace: str, namespace: str, app: str, *extra: str) -> str:
        own = self.matchers(ingress_namespace, namespace, app)
        return "{" + ",".join([own, *extra]) + "}"

    def le(self, threshold_ms: int) -> str:
        """The bucket's `le` as a regex matching both spellings: the controller writes 1 as
        "1", Prometheus 3 normalises classic histogram buckets to "1.0"."""
        value = Decimal(threshold_ms) / (1000 if self.unit == "s" else 1)
        text = format(value.normalize(), "f")
        return f"{text}|{text}.0" if "." not in text else text


CONTROLLERS: dict[str, Controller] = {
    c.name: c
    for c in (
        Controller(
            name="envoy-gateway",
            title="Envoy Gateway",
            legacy=False,
            reference="https://gateway.envoyproxy.io/docs/tasks/observability/proxy-metric/",
            requests="envoy_cluster_upstream_rq_xx",
            status_label="envoy_response_code_class",
            server_error='envoy_response_code_class="5"',
            duration="envoy_cluster_upstream_rq_time",
            unit="ms",
            buckets_ms=ENVOY_DEFAULT_BUCKETS_MS,
            # Envoy Gateway names the cluster of rule i of an HTTPRoute
            # "httproute/<namespace>/<name>/rule/<i>".
            matchers=lambda _ing, ns, app: (
                f'envoy_cluster_name=~"httproute/{ns}/{app}/rule/[0-9]+"'
            ),
        ),
        Controller(
            name="traefik",
            title="Traefik Proxy",
            legacy=False,
            reference="https://doc.traefik.io/traefik/observability/metrics/overview/",
            requests="traefik_service_requests_total",
            status_label="code",
            server_error='code=~"5.."',
            duration="traefik_service_request_duration_seconds",
            unit="s",
            buckets_ms=TRAEFIK_DEFAULT_BUCKETS_MS,
            # Traefik's Kubernetes Ingress provider names the service of a backend
            # "<namespace>-<service>-<port name>" and the metric adds "@kubernetes".
            matchers=lambda _ing, ns, app: _labels(service=f"{ns}-{app}-http@kubernetes"),
        ),
        Controller(
            name="istio",
            title="Istio (ingress gateway)",
            legacy=False,
            reference="https://istio.io/latest/docs/reference/config/metrics/",
            requests="istio_requests_total",
            status_label="response_code",
            server_error='response_code=~"5.."',
            duration="istio_request_duration_milliseconds",
            unit="ms",
            buckets_ms=ENVOY_DEFAULT_BUCKETS_MS,
            # A gateway reports as the source; only requests that came in through the gateway
            # in the platform's ingress namespace, not calls from inside the mesh.
            matchers=lambda ing, ns, app: _labels(
                reporter="source",
                source_workload_namespace=ing,
                destination_service_namespace=ns,
                destination_service_name=app,
            ),
        ),
        Controller(
            name="ingress-nginx",
            title="ingress-nginx (legacy: retired by Kubernetes SIG Network in March 2026)",
            legacy=True,
            reference="https://kubernetes.github.io/ingress-nginx/user-guide/monitoring/",
            requests="nginx_ingress_controller_requests",
            status_label="status",
            server_error='status=~"5.."',
            duration="nginx_ingress_controller_request_duration_seconds",
            unit="s",
            buckets_ms=PROMETHEUS_DEFAULT_BUCKETS_MS,
            matchers=lambda _ing, ns, app: _labels(namespace=ns, ingress=app),
        ),
    )
}
KNOWN = ", ".join(CONTROLLERS)
