"""The admission policy of HTTPRoutes, on a platform with a Gateway (platform.yaml
`spec.gateway`): a tenant's routes attach to the platform's Gateway only (and its listener,
when set) and take hosts of the tenant's own space, never a reserved one.

Tenants' AppProjects whitelist HTTPRoute only on such a platform, and a team's `edit` role has
no Gateway API rights (Gateway API aggregates none into it), so what this holds is what Argo CD
applies: Berth's own routes, and routes a third-party chart renders (a chart could name any
Gateway or any host otherwise).
"""

from __future__ import annotations

from typing import Any

from generator.models.gateway import Gateway
from generator.models.platform import Environment, Platform
from generator.render.admission_cel import check, lit, policy, rule
from generator.render.admission_net import RESERVED_TEXT, host_space

GROUP = "gateway.networking.k8s.io"


def _parent_ok(gateway: Gateway) -> str:
    """CEL on a parentRef `p`: exactly the platform's Gateway (a parentRef without a namespace
    means the route's own namespace, so the namespace must be written)."""
    parts = [
        f"(!has(p.group) || p.group == {lit(GROUP)})",
        "(!has(p.kind) || p.kind == 'Gateway')",
        f"p.name == {lit(gateway.name)}",
        f"has(p.namespace) && p.namespace == {lit(gateway.namespace)}",
        "!has(p.port)",
    ]
    if gateway.sectionName is not None:
        parts.append(f"has(p.sectionName) && p.sectionName == {lit(gateway.sectionName)}")
    return " && ".join(parts)


def routes_policy(platform: Platform, environment: Environment) -> dict[str, Any] | None:
    gateway = platform.spec.gateway
    if gateway is None:
        return None
    space = host_space(platform, environment)
    variables = [
        *space.variables,
        {
            "name": "hosts",
            "expression": "has(object.spec.hostnames) ? object.spec.hostnames : []",
        },
        {"name": "outside", "expression": f"variables.hosts.filter(h, !{space.ok})"},
    ]
    wanted = f"{{namespace: {gateway.namespace}, name: {gateway.name}"
    wanted += f", sectionName: {gateway.sectionName}}}" if gateway.sectionName else "}"
    validations = [
        check(
            "route-parent",
            "has(object.spec.parentRefs) && size(object.spec.parentRefs) > 0"
            f" && object.spec.parentRefs.all(p, {_parent_ok(gateway)})",
            lit(f"parentRefs must name the platform's Gateway {wanted} only, without a port"),
        ),
        check(
            "route-host",
            "size(variables.hosts) > 0",
            "'hostnames must be set: a route without them takes every host of the listener'"
            f" + {space.allowed}",
        ),
        check(
            "route-host",
            "size(variables.outside) == 0",
            '"\'" + variables.outside[0] + "\' is outside the host space of tenant "'
            f" + variables.tenant + {space.allowed}",
        ),
        check(
            "route-host",
            "!variables.hosts.exists(h, h.contains('*'))",
            "'wildcard hostnames are not allowed: a wildcard would also take names the platform"
            " reserves or grants'",
        ),
    ]
    if space.reserved:
        variables.append(
            {
                "name": "reserved",
                "expression": f"variables.hosts.filter(h, h.matches({lit(space.reserved)}))",
            }
        )
        validations.append(
            check(
                "route-host",
                "size(variables.reserved) == 0",
                f'"\'" + variables.reserved[0] + {RESERVED_TEXT}',
            )
        )
    rules = [rule(GROUP, "httproutes")]
    return policy(platform, environment, "routes", rules, variables, validations)
