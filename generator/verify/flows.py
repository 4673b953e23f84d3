"""Runtime flows: does a tenant work after the sync, and can it do no more than it asked?

The NetworkPolicies `verify` builds, with the pods of `runtime`, go through the network
analyzer (`nca`) in runs of some tenants each (`flow_runs`); each run's map of allowed
connections is held to what the requests imply. Required: the ingress controller to every app with a host, on its port;
monitoring to every scraped port; each app to its own database on 5432; the CloudNativePG
operator to every instance on 8000 and 5432; every instance to the API server; every pod of
a chart app to its database (chart_flows.py); every peer
named in `allowFrom` to the app pods; every egress grant; DNS. Forbidden: another tenant
without `allowFrom`; any tenant to another tenant's database; another environment's
namespaces on the same cluster; anything outside the cluster without a grant, either way;
and, through a run's stranger namespaces, any namespace the tenant's requests do not name.
Each finding is a Problem on the request file and line that asked for the flow, or whose
pods the flow reaches.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from generator.load import RawRepo
from generator.models.network import API_SERVER_PORTS
from generator.problems import Problem
from generator.render.tenant_net import ANYWHERE, CNPG_PORTS
from generator.repo import layout
from generator.validate import ValidRepo
from generator.verify.chart_flows import DNS_PORT, POSTGRES, chart_flows
from generator.verify.nca import (
    Conn,
    Grant,
    IpRange,
    Pairs,
    allows,
    covered,
    inside,
    parse_range,
    pod_endpoint,
)
from generator.verify.runtime import Pod
from generator.yamlio.reader import Document, Path_

ENGINE = "network-config-analyzer"
Outside = dict[str, list[tuple[IpRange, list[Conn]]]]  # a tenant pod's flows out of the cluster


@dataclass(frozen=True)
class Owner:
    """Whose a pod is: a tenant's app or database in one environment."""

    env: str
    tenant: str
    app: str
    database: bool


class Checker:
    """The requests' side: whose each pod is, what it may reach, and where findings go."""

    def __init__(self, repo: ValidRepo, raw: RawRepo, envs: Sequence[str]) -> None:
        self.repo, self.raw = repo, raw
        self.spec = repo.platform.spec
        self.namespaces = {
            layout.tenant_namespace(name, env): (env, name)
            for name, tenant in repo.tenants.items()
            for env in envs
            if env in tenant.spec.environments
        }
        self.problems: set[Problem] = set()

    # Where findings go.
    def app_problem(self, tenant: str, app: str, path: Path_, message: str) -> None:
        doc = self.raw.apps.get(tenant, {}).get(app)
        self.problems.add(self._at(doc, layout.app_file(tenant, app), path, message))

    def tenant_problem(self, tenant: str, path: Path_, message: str, key: bool = False) -> None:
        doc = self.raw.tenants.get(tenant)
        self.problems.add(self._at(doc, layout.tenant_file(tenant), path, message, key))

    @staticmethod
    def _at(
        doc: Document | None, file: str, path: Path_, message: str, key: bool = False
    ) -> Problem:
        text = f"{message} ({ENGINE})"
        if doc is None:
            return Problem(file, 1, 1, ".".join(str(p) for p in path), text)
        return doc.problem(path, text, key=key)

    def owner(self, pod: Pod) -> Owner | None:
        found = self.namespaces.get(pod.namespace)
        if found is None or pod.role not in ("app", "database"):
            return None
        env, tenant = found
        # blueprints/chart names an app's CloudNativePG Cluster `<app>-db`.
        app = pod.app.removesuffix("-db") if pod.role == "database" else pod.app
        return Owner(env, tenant, app, pod.role == "database")

    def app_ports(self, tenant: str, env: str) -> list[int]:
        """The ports the tenant's applications listen on in `env`: what a peer may reach."""
        apps = self.repo.apps.get(tenant, {}).values()
        return sorted({a.spec.port for a in apps if a.spec.port and env in a.spec.environments})

    def grants(self, owner: Owner) -> list[Grant]:
        """What a tenant pod may reach outside the cluster."""
        if owner.database:
            api = self.spec.network.apiServer
            cidrs, ports = (api.cidrs, api.ports) if api else (ANYWHERE, API_SERVER_PORTS)
            return [(ipaddress.ip_network(c), tuple(ports)) for c in cidrs]
        app = self.repo.apps.get(owner.tenant, {}).get(owner.app)
        found: list[Grant] = []
        for name in app.spec.egress if app else ():
            grant = self.spec.egress.get(name)
            if grant is not None:
                found += [(ipaddress.ip_network(c), tuple(grant.ports)) for c in grant.cidrs]
        return found


def check_run(
    check: Checker, pods: Sequence[Pod], pairs: Pairs, strangers: Mapping[str, str]
) -> None:
    """Every required and forbidden flow of one run's map; `strangers`: the stranger
    namespaces and their environments."""
    by_endpoint = {pod_endpoint(p.namespace, p.name): p for p in pods}
    owners = {e: check.owner(p) for e, p in by_endpoint.items()}
    outside: Outside = {}
    for (src, dst), conns in pairs.items():
        found = parse_range(dst)
        if found is not None and owners.get(src) is not None:
            outside.setdefault(src, []).append((found, conns))
    _forbidden(check, by_endpoint, owners, pairs, strangers)
    _required(check, pods, owners, pairs, outside)


def _forbidden(
    check: Checker,
    by_endpoint: Mapping[str, Pod],
    owners: Mapping[str, Owner | None],
    pairs: Pairs,
    strangers: Mapping[str, str],
) -> None:
    for (src, dst), conns in sorted(pairs.items()):
        source, target = owners.get(src), owners.get(dst)
        src_pod, dst_pod = by_endpoint.get(src), by_endpoint.get(dst)
        if source is not None and target is not None:
            _between_tenants(check, source, target, (by_endpoint[src], by_endpoint[dst]), conns)
        elif source is not None and dst_pod is not None and dst_pod.role == "stranger":
            _stranger(check, source, strangers[dst_pod.namespace], "reaches")
        elif target is not None and src_pod is not None and src_pod.role == "stranger":
            _stranger(check, target, strangers[src_pod.namespace], "is reached by")
        elif source is not None and src in by_endpoint:
            outside = parse_range(dst)
            if outside is None:
                continue
            grants = check.grants(source)
            for conn in conns:
                if not inside(outside, grants, conn):
                    _outside(check, source, f"reach {dst} ({conn}) outside the cluster")
        elif target is not None and parse_range(src) is not None:
            _outside(check, target, f"be reached from {src} ({conns[0]})", inbound=True)


def _outside(check: Checker, owner: Owner, what: str, inbound: bool = False) -> None:
    if inbound:
        who = f"{owner.app}'s database" if owner.database else owner.app
        path: Path_ = ("spec", "database") if owner.database else ("metadata", "name")
        message = (
            f"{owner.env}: {who} can {what}: nothing outside the cluster reaches a tenant's pods"
            " but through the ingress controller"
        )
    elif owner.database:
        path = ("spec", "database")
        message = (
            f"{owner.env}: {owner.app}'s database can {what}; a database may reach the API"
            " server (platform.yaml spec.network.apiServer) and nothing else outside the cluster"
        )
    else:
        path = ("spec", "egress")
        message = (
            f"{owner.env}: {owner.app} can {what}, which none of its egress grants"
            " (platform.yaml spec.egress) allows"
        )
    check.app_problem(owner.tenant, owner.app, path, message)


def _stranger(check: Checker, owner: Owner, env: str, how: str) -> None:
    """A flow between a tenant and a namespace its requests do not name (a stranger, with no
    NetworkPolicy): the tenant's own policies let it through."""
    namespace = layout.tenant_namespace(owner.tenant, owner.env)
    who = f"{owner.app}'s database in {namespace}" if owner.database else namespace
    what = f"{who} {how} a namespace of {env} that its requests do not name (a stranger with no"
    what += " NetworkPolicy)"
    if env != owner.env:
        path: Path_ = ("spec", "environments", owner.env)
        check.tenant_problem(
            owner.tenant, path, f"{what}: environments on one cluster must not meet", key=True
        )
    elif owner.database:
        check.app_problem(owner.tenant, owner.app, ("spec", "database"), f"{owner.env}: {what}")
    else:
        tenant = check.repo.tenants[owner.tenant]
        path = ("spec", "allowFrom") if tenant.spec.allowFrom else ("metadata", "name")
        check.tenant_problem(owner.tenant, path, f"{owner.env}: {what}")


def _between_tenants(
    check: Checker, source: Owner, target: Owner, pods: tuple[Pod, Pod], conns: Sequence[Conn]
) -> None:
    # A run holds one environment's tenants (flow_runs): another environment is a stranger.
    if source.tenant == target.tenant:
        return
    src, dst = pods
    what = f"{src.namespace} reaches {dst.namespace}"
    tenant = check.repo.tenants[target.tenant]
    if target.database:
        check.app_problem(
            target.tenant, target.app, ("spec", "database"),
            f"{target.env}: {src.namespace} reaches {target.app}'s database in"
            f" {dst.namespace}: a tenant's database is reached by its own namespace only,"
            " allowFrom or not",
        )  # fmt: skip
    elif source.tenant not in tenant.spec.allowFrom:
        path = ("spec", "allowFrom") if tenant.spec.allowFrom else ("metadata", "name")
        check.tenant_problem(
            target.tenant, path,
            f"{target.env}: {what}, but {target.tenant} does not list {source.tenant} in"
            " allowFrom",
        )  # fmt: skip
    else:
        ports = check.app_ports(target.tenant, target.env)
        for conn in conns:
            if not conn.within(ports):
                listed = ", ".join(map(str, ports)) or "none"
                check.tenant_problem(
                    target.tenant, ("spec", "allowFrom"),
                    f"{target.env}: {what} on {conn}, beyond the ports {target.tenant}'s"
                    f" applications listen on there ({listed})",
                )  # fmt: skip


def _required(
    check: Checker,
    pods: Sequence[Pod],
    owners: Mapping[str, Owner | None],
    pairs: Pairs,
    outside: Outside,
) -> None:
    role = {
        p.role: pod_endpoint(p.namespace, p.name) for p in pods if p.role not in ("app", "database")
    }
    apps: dict[tuple[str, str, str], str] = {}
    databases: dict[tuple[str, str, str], str] = {}
    for endpoint, owner in owners.items():
        if owner is not None:
            into = databases if owner.database else apps
            into[owner.env, owner.tenant, owner.app] = endpoint
    for (env, tenant, name), endpoint in sorted(apps.items()):
        flows = _app_flows(check, role, endpoint, (env, tenant, name), databases, pairs, outside)
        for message, path in flows:
            check.app_problem(tenant, name, path, f"{env}: {message}")
    for (env, tenant, name), endpoint in sorted(databases.items()):
        for port in CNPG_PORTS:
            if not allows(pairs.get((role["operator"], endpoint), []), "TCP", port):
                check.app_problem(
                    tenant, name, ("spec", "database"),
                    f"{env}: the CloudNativePG operator ({check.spec.network.cnpgNamespace})"
                    f" cannot reach {name}'s database on TCP {port}; it never becomes ready",
                )  # fmt: skip
        _api_server(check, (env, tenant, name), outside.get(endpoint, []))
    _peers(check, apps, pairs)
    chart_flows(check, role, owners, databases, pairs)


def _app_flows(
    check: Checker,
    role: Mapping[str, str],
    endpoint: str,
    where: tuple[str, str, str],
    databases: Mapping[tuple[str, str, str], str],
    pairs: Pairs,
    outside: Outside,
) -> Iterator[tuple[str, Path_]]:
    env, tenant, name = where
    app = check.repo.apps.get(tenant, {}).get(name)
    if app is None:
        return
    port = app.spec.port
    settings = app.spec.environments.get(env)
    host = settings.host if settings is not None else None
    ingress = pairs.get((role["ingress"], endpoint), [])
    if port is not None and host is not None and not allows(ingress, "TCP", port):
        yield (
            f"the ingress controller ({check.spec.router_namespace()}) cannot reach {name}"
            f" on TCP {port}; {host} would not answer",
            ("spec", "environments", env, "host"),
        )
    if port is not None and not allows(pairs.get((role["monitoring"], endpoint), []), "TCP", port):
        yield (
            f"monitoring ({check.spec.monitoringNamespace}) cannot scrape {name} on TCP {port}",
            ("spec", "port"),
        )
    database = databases.get((env, tenant, name))
    if database is not None and not allows(pairs.get((endpoint, database), []), "TCP", POSTGRES):
        yield f"{name} cannot reach its own database on TCP {POSTGRES}", ("spec", "database")
    dns = pairs.get((endpoint, role["dns"]), [])
    if not (allows(dns, "UDP", DNS_PORT) and allows(dns, "TCP", DNS_PORT)):
        yield f"{name} cannot reach kube-dns on port {DNS_PORT}", ("metadata", "name")
    out = outside.get(endpoint, [])
    for i, grant_name in enumerate(app.spec.egress):
        grant = check.spec.egress.get(grant_name)
        for cidr in grant.cidrs if grant else ():
            for port_number in grant.ports if grant else ():
                ranges = [r for r, conns in out if allows(conns, "TCP", port_number)]
                if not covered(ranges, ipaddress.ip_network(cidr)):
                    yield (
                        f"{name} cannot reach {cidr} on TCP {port_number} ({grant_name})",
                        ("spec", "egress", i),
                    )


def _api_server(
    check: Checker, where: tuple[str, str, str], out: Sequence[tuple[IpRange, list[Conn]]]
) -> None:
    env, tenant, name = where
    api = check.spec.network.apiServer
    cidrs, ports = (api.cidrs, api.ports) if api else (ANYWHERE[:1], API_SERVER_PORTS)
    for cidr in cidrs:
        for port in ports:
            ranges = [r for r, conns in out if allows(conns, "TCP", port)]
            if not covered(ranges, ipaddress.ip_network(cidr)):
                check.app_problem(
                    tenant, name, ("spec", "database"),
                    f"{env}: {name}'s database cannot reach the API server ({cidr}) on TCP"
                    f" {port}; its instance manager never starts",
                )  # fmt: skip


def _peers(check: Checker, apps: Mapping[tuple[str, str, str], str], pairs: Pairs) -> None:
    """Each tenant named in allowFrom reaches the app pods, on their ports."""
    first: dict[tuple[str, str], str] = {}
    for (env, tenant, _), endpoint in sorted(apps.items()):
        first.setdefault((env, tenant), endpoint)
    for (env, tenant, name), endpoint in sorted(apps.items()):
        app = check.repo.apps.get(tenant, {}).get(name)
        if app is None or app.spec.port is None:
            continue
        for caller in check.repo.tenants[tenant].spec.allowFrom:
            source = first.get((env, caller))
            if source is not None and not allows(
                pairs.get((source, endpoint), []), "TCP", app.spec.port
            ):
                check.tenant_problem(
                    tenant, ("spec", "allowFrom"),
                    f"{env}: {caller} is in allowFrom but cannot reach {name} on TCP"
                    f" {app.spec.port}",
                )  # fmt: skip
