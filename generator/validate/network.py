"""Rules for the network requests: an application's egress names, and the platform's API server."""

from __future__ import annotations

from collections.abc import Iterator

from generator.models.application import Application
from generator.models.platform import Platform
from generator.problems import Problem
from generator.validate.app_global import AnyApps
from generator.yamlio.reader import Document


def check_egress(platform: Platform, app: Application, doc: Document) -> Iterator[Problem]:
    """Each name the application asks for is one the platform offers, once."""
    offered = sorted(platform.spec.egress)
    seen: set[str] = set()
    for i, name in enumerate(app.spec.egress):
        if name in seen:
            yield doc.problem(("spec", "egress", i), f"{name!r} is listed twice")
        elif name not in platform.spec.egress:
            allowed = ", ".join(offered) if offered else "none (platform.yaml spec.egress is empty)"
            yield doc.problem(
                ("spec", "egress", i),
                f"unknown egress destination {name!r}; the platform offers: {allowed}",
            )
        seen.add(name)


def check_api_server(
    platform: Platform, platform_doc: Document, apps: AnyApps
) -> Iterator[Problem]:
    """Without the API server's addresses, every database pod may reach any address outside
    the cluster on the API server's ports: allowed, so that databases start, but worth fixing."""
    if platform.spec.network.apiServer is not None:
        return
    if not any(app.spec.database for by_name in apps.values() for app, _ in by_name.values()):
        return
    line, col = platform_doc.where(("spec", "network"), key=True)
    yield Problem(
        platform_doc.path,
        line,
        col,
        "spec.network.apiServer",
        "name the Kubernetes API server's addresses (cidrs): without them every database pod"
        " may reach TCP 443 and 6443 of any address outside the cluster",
        severity="warning",
    )
