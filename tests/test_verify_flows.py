"""Runtime flows with the real network-config-analyzer: the example's NetworkPolicies, as
`berth verify` builds them, allow every flow the requests need and none they forbid; and each
class of flow, broken in the built policies, is reported on the request that asked for it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from generator.hosts import ci
from generator.problems import Problem, UsageError
from generator.validate import ValidRepo
from generator.validate.check import check as check_requests
from generator.verify import Schemas, find_tools, flow_runs, verify
from generator.verify import nca as nca_module
from generator.verify.flow_runs import flow_problems
from generator.verify.nca import Conn, parse_conn, parse_map
from generator.verify.runtime import Network, View
from tests.support.example import example
from tests.support.tools import tool

EXAMPLE = example()

ENVS = ["dev", "staging", "prod"]
API = "tenants/payments/apps/api.yaml"
PAYMENTS = "tenants/payments/tenant.yaml"
Policy = dict[str, Any]


@pytest.fixture(scope="module")
def built() -> tuple[ValidRepo, Any, Network, str]:
    """The example verified once, with the objects the flows need collected."""
    for name in ("kubectl", "helm"):
        os.environ["PATH"] = f"{Path(tool(name)).parent}{os.pathsep}{os.environ['PATH']}"
    nca = tool("nca")
    checked = check_requests(str(EXAMPLE), None)
    assert checked.valid is not None
    valid = checked.valid
    network = Network()
    schemas = Schemas(valid.platform.spec.kubernetesVersion, [])
    problems, _ = verify(
        str(EXAMPLE), valid.platform, ENVS, find_tools(), schemas=schemas,
        tenants=valid.tenant_names, network=network,
    )  # fmt: skip
    assert problems == []
    return valid, checked.raw, network, nca


def line_of(file: str, text: str) -> int:
    lines = (EXAMPLE / file).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


Change = Callable[[list[Policy]], None]


def changed(network: Network, changes: Mapping[str, Change]) -> Network:
    """A copy of the collected objects with each environment's policies changed."""
    copied = Network()
    for env, views in network.views.items():
        policies: list[Policy] = []
        for view in views:
            objects = json.loads(view.text)
            kept = [o for o in objects if o.get("kind") != "NetworkPolicy"]
            policies += [o for o in objects if o.get("kind") == "NetworkPolicy"]
            copied.add_view(env, View.of(kept))
        if env in changes:
            changes[env](policies)
        copied.add_view(env, View.of(policies))
    return copied


def drop(namespace: str, name: str) -> Callable[[list[Policy]], None]:
    def change(policies: list[Policy]) -> None:
        found = [p for p in policies if _is(p, namespace, name)]
        assert len(found) == 1, (namespace, name)
        policies.remove(found[0])

    return change


def add(*extra: Policy) -> Callable[[list[Policy]], None]:
    def change(policies: list[Policy]) -> None:
        policies.extend(extra)

    return change


def _is(policy: Mapping[str, Any], namespace: str, name: str) -> bool:
    meta = policy["metadata"]
    return bool(meta["namespace"] == namespace and meta["name"] == name)


def policy(namespace: str, name: str, spec: dict[str, Any]) -> Policy:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def lines(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


@pytest.mark.tools
def test_the_example_allows_what_it_needs_and_nothing_else(built: Any) -> None:
    valid, raw, network, nca = built
    problems, costs = flow_problems(valid, raw, network, ENVS, nca)
    assert problems == []
    # dev and staging share the in-cluster server; one run per environment (4 tenants or fewer).
    assert [(run.cluster, run.env) for run in costs] == [
        (("dev", "staging"), "dev"),
        (("dev", "staging"), "staging"),
        (("prod",), "prod"),
    ]
    assert all(run.pods > 4 and run.policies > 0 for run in costs)


API_DB = line_of(API, "database:")
API_HOST = line_of(API, "dev:     {tag")
API_PORT = line_of(API, "port: 8080")
API_EGRESS = line_of(API, "egress: [card-processor]")
ALLOW_FROM = line_of(PAYMENTS, "allowFrom:")

REQUIRED = {
    "ingress controller to an app with a host": (
        drop("payments-dev", "allow-from-ingress-controller"),
        f"{API}:{API_HOST}:48: spec.environments.dev.host: dev: the ingress controller"
        " (ingress-nginx) cannot reach api on TCP 8080; payments.dev.acme.example would not answer",
    ),
    "monitoring to a scraped port": (
        drop("payments-dev", "allow-from-monitoring"),
        f"{API}:{API_PORT}:9: spec.port: dev: monitoring (monitoring) cannot scrape api on TCP 8080",
    ),
    "an app to its own database": (
        drop("payments-dev", "allow-same-namespace"),
        f"{API}:{API_DB}:13: spec.database: dev: api cannot reach its own database on TCP 5432",
    ),
    "the operator to the instances": (
        drop("payments-dev", "allow-from-cnpg-operator"),
        f"{API}:{API_DB}:13: spec.database: dev: the CloudNativePG operator (cnpg-system) cannot"
        " reach api's database on TCP 8000; it never becomes ready",
    ),
    "the instances to the API server": (
        drop("payments-dev", "allow-database-to-api-server"),
        f"{API}:{API_DB}:13: spec.database: dev: api's database cannot reach the API server"
        " (10.0.0.0/28) on TCP 6443; its instance manager never starts",
    ),
    "a granted egress": (
        drop("payments-dev", "egress-api"),
        f"{API}:{API_EGRESS}:12: spec.egress[0]: dev: api cannot reach 203.0.113.0/24 on TCP 443"
        " (card-processor)",
    ),
    "a peer in allowFrom to the app": (
        drop("payments-dev", "allow-from-tenants"),
        f"{PAYMENTS}:{ALLOW_FROM}:14: spec.allowFrom: dev: checkout is in allowFrom but cannot"
        " reach api on TCP 8080",
    ),
    "DNS": (
        drop("payments-dev", "allow-dns"),
        f"{API}:{line_of(API, 'name: api')}:9: metadata.name: dev: api cannot reach kube-dns on port 53",
    ),
}

OPEN_IN = {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}
OPEN_OUT = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}
ANY = {"ipBlock": {"cidr": "0.0.0.0/0"}}
DATABASE = {"key": "cnpg.io/cluster", "operator": "Exists"}
UDP_53 = {"port": 53, "protocol": "UDP"}
FORBIDDEN = {
    "another tenant without allowFrom": (
        {
            "dev": add(
                policy("payments-dev", "open", OPEN_IN), policy("analytics-dev", "open", OPEN_OUT)
            )
        },
        f"{PAYMENTS}:{ALLOW_FROM}:14: spec.allowFrom: dev: analytics-dev reaches payments-dev, but"
        " payments does not list analytics in allowFrom",
    ),
    "a peer in allowFrom beyond the apps' ports": (
        {
            "dev": add(
                policy(
                    "payments-dev",
                    "peer-any-port",
                    {
                        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}},
                        "policyTypes": ["Ingress"],
                        "ingress": [{"from": [{"namespaceSelector": {}}]}],
                    },
                )
            )
        },
        f"{PAYMENTS}:{ALLOW_FROM}:14: spec.allowFrom: dev: checkout-dev reaches payments-dev on"
        " all connections, beyond the ports payments's applications listen on there (8080)",
    ),
    "another tenant's database, allowFrom or not": (
        {
            "dev": add(
                policy(
                    "payments-dev",
                    "peers-to-database",
                    {
                        "podSelector": {"matchLabels": {"cnpg.io/cluster": "api-db"}},
                        "policyTypes": ["Ingress"],
                        "ingress": [{"from": [{"namespaceSelector": {}}]}],
                    },
                )
            )
        },
        f"{API}:{API_DB}:13: spec.database: dev: checkout-dev reaches api's database in"
        " payments-dev: a tenant's database is reached by its own namespace only, allowFrom or not",
    ),
    "another environment on the same cluster": (
        {
            "dev": add(policy("payments-dev", "out", OPEN_OUT)),
            "staging": add(policy("payments-staging", "open", OPEN_IN)),
        },
        f"{PAYMENTS}:{line_of(PAYMENTS, 'staging: {size')}:5: spec.environments.staging:"
        " payments-staging is reached by a namespace of dev that its requests do not name (a"
        " stranger with no NetworkPolicy): environments on one cluster must not meet",
    ),
    "outside the cluster without a grant": (
        {
            "dev": add(
                policy(
                    "payments-dev",
                    "anywhere",
                    {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [ANY]}]},
                )
            )
        },
        f"{API}:{API_EGRESS}:11: spec.egress: dev: api can reach 0.0.0.0-255.255.255.255 (all"
        " connections) outside the cluster, which none of its egress grants (platform.yaml"
        " spec.egress) allows",
    ),
    "a database outside the cluster": (
        {
            "dev": add(
                policy(
                    "payments-dev",
                    "database-dns",
                    {
                        "podSelector": {"matchExpressions": [DATABASE]},
                        "policyTypes": ["Egress"],
                        "egress": [
                            {"to": [{"ipBlock": {"cidr": "8.8.8.8/32"}}], "ports": [UDP_53]}
                        ],
                    },
                )
            )
        },
        f"{API}:{API_DB}:13: spec.database: dev: api's database can reach 8.8.8.8 (UDP 53) outside"
        " the cluster; a database may reach the API server (platform.yaml spec.network.apiServer)"
        " and nothing else outside the cluster",
    ),
    "from outside the cluster": (
        {
            "dev": add(
                policy(
                    "payments-dev",
                    "from-anywhere",
                    {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [ANY]}]},
                )
            )
        },
        f"{API}:{line_of(API, 'name: api')}:9: metadata.name: dev: api can be reached from"
        " 0.0.0.0-255.255.255.255 (all connections): nothing outside the cluster reaches a"
        " tenant's pods but through the ingress controller",
    ),
}


@pytest.mark.tools
@pytest.mark.parametrize("flow", sorted(REQUIRED))
def test_a_required_flow_cut_is_reported_on_its_request(built: Any, flow: str) -> None:
    valid, raw, network, nca = built
    change, expected = REQUIRED[flow]
    problems, _ = flow_problems(valid, raw, changed(network, {"dev": change}), ["dev"], nca)
    assert expected + " (network-config-analyzer)" in lines(problems)


@pytest.mark.tools
@pytest.mark.parametrize("flow", sorted(FORBIDDEN))
def test_a_forbidden_flow_opened_is_reported_on_its_request(built: Any, flow: str) -> None:
    valid, raw, network, nca = built
    changes, expected = FORBIDDEN[flow]
    problems, _ = flow_problems(valid, raw, changed(network, changes), ["dev", "staging"], nca)
    assert expected + " (network-config-analyzer)" in lines(problems)


def test_the_analyzer_connections_are_read_exactly() -> None:
    assert parse_conn("All connections") == Conn(None, None)
    tcp = parse_conn("{protocols:TCP,dst_ports:443,1000-2000,6443}")
    assert tcp.allows("TCP", 1500) and tcp.allows("TCP", 6443)
    assert not tcp.allows("TCP", 444) and not tcp.allows("UDP", 443)
    assert tcp.within([443, 6443]) is False and parse_conn("{protocols:TCP,dst_ports:443}").within(
        [443]
    )
    dns = parse_conn("{protocols:TCP, UDP,dst_ports:53}")
    assert dns.protocols == frozenset({"TCP", "UDP"}) and dns.allows("UDP", 53)
    pairs = parse_map("global: x\na/b[Pod] => 10.0.0.1 : {protocols:TCP,dst_ports:443}\nTotal\n")
    assert list(pairs) == [("a/b[Pod]", "10.0.0.1")]


@pytest.mark.tools
def test_an_analyzer_that_fails_is_a_problem_not_a_traceback(built: Any, tmp_path: Path) -> None:
    valid, raw, network, _ = built
    broken = tmp_path / "nca"
    broken.write_text("#!/bin/sh\necho 'Error: cannot parse' >&2\nexit 3\n")
    broken.chmod(0o755)
    problems, costs = flow_problems(valid, raw, network, ["prod"], str(broken))
    assert lines(problems) == [
        "environments/prod/bootstrap.yaml:1:1: runtime flows of prod not checked: nca failed"
        " (exit 3): Error: cannot parse"
    ]
    assert costs == []


def test_a_missing_analyzer_is_an_error_under_ci_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nca_module, "find_nca", lambda: None)
    with pytest.raises(UsageError, match="network-config-analyzer"):
        nca_module.require_nca(strict=ci.in_ci({"CI": "true"}))
    with pytest.raises(UsageError, match="network-config-analyzer"):
        nca_module.require_nca(strict=ci.in_ci({"GITLAB_CI": "true"}))
    assert nca_module.require_nca(strict=ci.in_ci({"CI": ""})) is None


@pytest.mark.tools
def test_one_tenant_a_run_is_still_clean_and_strangers_stand_for_the_rest(
    built: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid, raw, network, nca = built
    monkeypatch.setattr(flow_runs, "SHARD", 1)
    problems, costs = flow_problems(valid, raw, network, ["dev"], nca)
    assert problems == []
    assert [run.tenants for run in costs] == [1, 1, 1, 1]  # analytics, checkout, payments, search
    opened = changed(network, {"dev": add(policy("payments-dev", "open", OPEN_IN))})
    problems, _ = flow_problems(valid, raw, opened, ["dev"], nca)
    assert (
        f"{PAYMENTS}:{ALLOW_FROM}:14: spec.allowFrom: dev: payments-dev is reached by a namespace"
        " of dev that its requests do not name (a stranger with no NetworkPolicy)"
        " (network-config-analyzer)"
    ) in lines(problems)
