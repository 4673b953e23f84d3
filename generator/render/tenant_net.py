"""A tenant's network guardrails in one environment: the overlay's NetworkPolicy patches and
the NetworkPolicies of its applications' egress grants.

`blueprints/tenant/networkpolicies.yaml` denies everything, then allows what every tenant needs;
its policies that depend on the platform start with no rules and get them here. An egress grant
is per application, so it cannot be a placeholder of the base (one per tenant): its policies
are a file of their own next to the overlay (`egress.yaml`), which the overlay lists. They stay
with the guardrails, out of the tenant's project, which may not manage NetworkPolicies.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from generator.models.application import Application
from generator.models.network import API_SERVER_PORTS
from generator.models.platform import Platform
from generator.yamlio.writer import dump_kept

NETPOL = "networking.k8s.io/v1"
DATABASE_LABEL = "cnpg.io/cluster"  # CloudNativePG puts it on every instance pod of a Cluster
CNPG_OPERATOR = {"app.kubernetes.io/name": "cloudnative-pg"}  # its manifests' pod labels
CNPG_PORTS = (8000, 5432)  # the instance manager's status port, and PostgreSQL
APP_LABEL = "app.kubernetes.io/name"  # blueprints/chart puts it on an application's pods
# Without the API server's addresses: anywhere outside the cluster, on its ports.
ANYWHERE = ("0.0.0.0/0", "::/0")


def smp(
    api_version: str, kind: str, name: str, body: dict[str, Any], namespace: str | None = None
) -> dict[str, Any]:
    """An inline strategic-merge patch of the base object `name`."""
    metadata = {"name": name} if namespace is None else {"name": name, "namespace": namespace}
    patch = {"apiVersion": api_version, "kind": kind, "metadata": metadata, **body}
    return {"patch": dump_kept(patch)}


def _namespaces(namespaces: Sequence[str]) -> dict[str, Any]:
    return {
        "namespaceSelector": {
            "matchExpressions": [
                {"key": "kubernetes.io/metadata.name", "operator": "In", "values": list(namespaces)}
            ]
        }
    }


def _ports(ports: Sequence[int]) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _rules(policy: str, direction: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return smp(NETPOL, "NetworkPolicy", policy, {"spec": {direction: rules}})


@lru_cache(maxsize=256)
def _from_namespace(policy: str, namespace: str) -> dict[str, Any]:
    return _rules(policy, "ingress", [{"from": [_namespaces((namespace,))]}])


def _platform_patches(platform: Platform) -> tuple[dict[str, Any], ...]:
    """The patches every tenant of the platform gets, whatever its peers."""
    network, api = platform.spec.network, platform.spec.network.apiServer
    cidrs, ports = (api.cidrs, api.ports) if api is not None else (ANYWHERE, API_SERVER_PORTS)
    return _shared_patches(
        platform.spec.router_namespace(),
        platform.spec.monitoringNamespace,
        network.cnpgNamespace,
        tuple(cidrs),
        tuple(ports),
    )


@lru_cache(maxsize=64)
def _shared_patches(
    ingress: str, monitoring: str, cnpg: str, cidrs: tuple[str, ...], ports: tuple[int, ...]
) -> tuple[dict[str, Any], ...]:
    operator = {**_namespaces((cnpg,)), "podSelector": {"matchLabels": CNPG_OPERATOR}}
    return (
        _from_namespace("allow-from-ingress-controller", ingress),
        _from_namespace("allow-from-monitoring", monitoring),
        _rules(
            "allow-from-cnpg-operator",
            "ingress",
            [{"from": [operator], "ports": _ports(CNPG_PORTS)}],
        ),
        _rules(
            "allow-database-to-api-server",
            "egress",
            [{"to": [{"ipBlock": {"cidr": cidr}} for cidr in cidrs], "ports": _ports(ports)}],
        ),
    )


def network_patches(
    platform: Platform,
    allowed_in: Sequence[str],
    allowed_out: Sequence[str],
    ports: Sequence[int] = (),
) -> list[dict[str, Any]]:
    """The overlay's patches of the base's NetworkPolicies; `allowed_in`/`allowed_out`: the
    peer tenants' namespaces (`tenant.Peers`); `ports`: the ports the tenant's applications
    listen on in this environment. A peer reaches application pods on those ports, never a
    database: the base's `allow-from-tenants` selects no database pod, and without a port
    there is nothing to reach. The way out names the peer's namespaces only; a podSelector
    with `DoesNotExist` next to a namespaceSelector would say the same twice, and
    network-config-analyzer 2.1 reads it as selecting pods of the policy's own namespace only
    (which would hide the peer from the flows check)."""
    patches = list(_platform_patches(platform))
    if allowed_in and ports:
        rule = {"from": [_namespaces(allowed_in)], "ports": _ports(sorted(set(ports)))}
        patches.append(_rules("allow-from-tenants", "ingress", [rule]))
    if allowed_out:
        patches.append(_rules("allow-to-tenants", "egress", [{"to": [_namespaces(allowed_out)]}]))
    return patches


def egress_name(app: str) -> str:
    return f"egress-{app}"


def egress_policies(
    platform: Platform, namespace: str, apps: Sequence[Application]
) -> list[dict[str, Any]]:
    """One NetworkPolicy per application with egress grants: its pods (never its database's)
    may reach exactly the destinations it names, one rule each."""
    found = []
    for app in sorted(apps, key=lambda a: a.metadata.name):
        if not app.spec.egress:
            continue
        rules = []
        for name in app.spec.egress:
            grant = platform.spec.egress[name]
            rules.append(
                {
                    "to": [{"ipBlock": {"cidr": cidr}} for cidr in grant.cidrs],
                    "ports": _ports(grant.ports),
                }
            )
        found.append(
            {
                "apiVersion": NETPOL,
                "kind": "NetworkPolicy",
                "metadata": {
                    "name": egress_name(app.metadata.name),
                    "namespace": namespace,
                    "annotations": {"berth.dev/egress": ",".join(app.spec.egress)},
                },
                "spec": {
                    "podSelector": {"matchLabels": {APP_LABEL: app.metadata.name}},
                    "policyTypes": ["Egress"],
                    "egress": rules,
                },
            }
        )
    return found
