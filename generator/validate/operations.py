"""Rules of an application's operations fields (docs/operations.md): its VPA opt-in and its SLO.

Called by `app_rules.check_app`; each needs the platform's environments or the app's own
other fields, so the model alone cannot say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from generator.models.application import Application
from generator.models.ingress_metrics import CONTROLLERS
from generator.models.ingress_metrics import KNOWN as KNOWN_CONTROLLERS
from generator.models.platform import Platform
from generator.problems import Problem
from generator.yamlio.reader import Document

# Why a VPA must never move the CPU request of a workload an HPA scales on CPU: the HPA's
# utilisation is usage divided by the request, so each VPA change of the request changes the
# replica count the HPA wants, and the two chase each other.
VPA_CPU_WITH_HPA = (
    "the VPA may not set cpu while autoscale scales this workload on CPU: the HPA measures CPU"
    " use as a percentage of the request, so a VPA moving the request makes the HPA add or"
    " remove replicas, which moves the VPA's recommendation again; use `resources: [memory]`"
    " or drop autoscale here"
)


def check_operations(platform: Platform, app: Application, doc: Document) -> Iterator[Problem]:
    spec = app.spec
    for env_name, env in spec.environments.items():
        if env.vpa is None:
            continue
        path = ("spec", "environments", env_name, "vpa")
        environment = platform.spec.environment(env_name)
        if environment is None:
            continue  # reported as an unknown environment
        if environment.vpa is None:
            yield doc.problem(
                (*path, "mode"),
                f"platform.yaml gives {env_name} no VerticalPodAutoscaler (environments[].vpa);"
                " remove vpa here",
            )
        elif env.vpa.mode not in environment.vpa.modes:
            allowed = ", ".join(environment.vpa.modes) or "none (advice only)"
            yield doc.problem(
                (*path, "mode"),
                f"{env.vpa.mode} is not allowed in {env_name}; platform.yaml allows: {allowed}",
            )
        if env.autoscale is not None and "cpu" in env.vpa.resources:
            yield doc.problem((*path, "resources"), VPA_CPU_WITH_HPA)
        if len(set(env.vpa.resources)) != len(env.vpa.resources):
            yield doc.problem((*path, "resources"), "lists a resource twice")
    if spec.slo is None:
        return
    if platform.spec.alerts is None:
        yield doc.problem(
            ("spec", "slo"),
            "platform.yaml sets no spec.alerts, so there is nothing to alert on an SLO with;"
            " remove slo or ask the platform team to enable alerts",
        )
    if not any(env.host for env in spec.environments.values()):
        yield doc.problem(
            ("spec", "slo"),
            "an SLO is measured on the app's Ingress (the ingress controller's request metrics),"
            " and this app has a host in no environment; give a web-service a host or remove slo",
        )
    yield from _check_measurable(platform, app, doc)


def _check_measurable(platform: Platform, app: Application, doc: Document) -> Iterator[Problem]:
    """The platform's controller has metrics Berth knows, with the threshold as a bucket."""
    slo = app.spec.slo
    ingress = platform.spec.ingress
    if slo is None:
        return
    if ingress.controller not in CONTROLLERS:
        yield doc.problem(
            ("spec", "slo"),
            f"platform.yaml's ingress controller {ingress.controller!r} (spec.ingress.controller)"
            " has no request metrics Berth knows, so there is nothing to measure an SLO on;"
            f" remove slo or ask the platform team for one of: {KNOWN_CONTROLLERS}",
        )
        return
    buckets = platform.spec.ingress.latency_buckets()
    if slo.latency is not None and slo.latency.thresholdMs not in buckets:
        yield doc.problem(
            ("spec", "slo", "latency", "thresholdMs"),
            f"{slo.latency.thresholdMs} ms is not a bucket boundary of the latency histogram of"
            f" the platform's ingress controller ({ingress.controller}); allowed:"
            f" {', '.join(str(b) for b in buckets)}",
        )


# Controllers whose metrics Berth reads by the Ingress (docs/operations.md): they measure no
# HTTPRoute, so not the routes of a platform with a Gateway.
INGRESS_ONLY = ("ingress-nginx", "traefik")


def check_ingress_controller(platform: Platform, doc: Document) -> Iterator[Problem]:
    """Warnings on platform.yaml's ingress controller: what Berth cannot measure on it."""
    ingress = platform.spec.ingress
    path = ("spec", "ingress", "controller")
    if ingress.controller not in CONTROLLERS:
        yield replace(
            doc.problem(
                path,
                f"Berth knows no request metrics of {ingress.controller!r}, so no application"
                f" may ask for an slo; the controllers it knows: {KNOWN_CONTROLLERS}",
            ),
            severity="warning",
        )
    elif ingress.controller == "envoy-gateway" and platform.spec.gateway is None:
        # With spec.gateway the shared chart renders that HTTPRoute itself.
        yield replace(
            doc.problem(
                path,
                "Envoy Gateway serves Gateway API routes, not the Ingresses Berth renders: SLO"
                " alerts read the HTTPRoute named after each application"
                " (httproute/<namespace>/<app>/rule/<i>), which the platform must provide",
            ),
            severity="warning",
        )
    elif ingress.controller in INGRESS_ONLY and platform.spec.gateway is not None:
        yield replace(
            doc.problem(
                path,
                f"applications are routed by HTTPRoutes on spec.gateway, but Berth reads"
                f" {ingress.controller}'s metrics of Ingresses, so SLO alerts would read"
                " nothing: name the Gateway's implementation (envoy-gateway, istio)",
            ),
            severity="warning",
        )
