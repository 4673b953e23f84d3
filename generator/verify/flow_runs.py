"""The analyzer runs of the runtime-flow check: which namespaces go into each, and their cost.

The analyzer's cost grows with the square of what it reads (bench/results.md), so one run per
cluster does not scale to thousands of tenants. NetworkPolicies are per namespace, and whether a pod of namespace A
reaches a pod of B depends on A's and B's policies alone; so a run holds `SHARD` tenants of one
environment, the peers their `allowFrom` relations name there, the platform's pods, and one
stranger namespace per environment of the cluster: a namespace with tenant-like pods and no
policy, standing for every namespace the run leaves out (another environment's included). The tenants of one run
are checked against each other exactly; against every other namespace, through the stranger:
a tenant's own policies must keep it out and not reach it (stricter than the pair, which
would also need the other side's policy to let the flow through).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

from generator.load import RawRepo
from generator.problems import Problem
from generator.repo import layout
from generator.validate import ValidRepo
from generator.verify.flows import Checker, check_run
from generator.verify.nca import AnalyzerError, Cost, Memo, Pairs, connectivity
from generator.verify.runtime import Cluster, Network, Shard, clusters

SHARD = 32  # tenants a run holds, with their peers (what a run costs: bench/results.md)


@dataclass(frozen=True)
class RunCost:
    cluster: tuple[str, ...]  # the environments on the run's cluster
    env: str  # the environment whose tenants the run holds
    tenants: int  # tenants whose flows the run checks (not counting their peers)
    pods: int
    policies: int
    cost: Cost


def _relations(repo: ValidRepo) -> dict[str, set[str]]:
    """Each tenant's allowFrom peers in both directions (built once: a run asks for 32)."""
    related: dict[str, set[str]] = {}
    for name, tenant in repo.tenants.items():
        for other in tenant.spec.allowFrom:
            if other in repo.tenants:
                related.setdefault(name, set()).add(other)
                related.setdefault(other, set()).add(name)
    return related


def _peers(
    repo: ValidRepo, related: Mapping[str, set[str]], members: Sequence[str], env: str
) -> set[str]:
    """The namespaces in `env` of the peers the members name in allowFrom, or that name them."""
    found: set[str] = set()
    for member in members:
        for other in related.get(member, ()):
            found |= {
                layout.tenant_namespace(t, env)
                for t in (member, other)
                if env in repo.tenants[t].spec.environments
            }
    return found


@dataclass(frozen=True)
class _Run:
    cluster: tuple[str, ...]
    env: str
    tenants: int
    shard: Shard
    strangers: Mapping[str, str]  # stranger namespace -> its environment


def _analyze(nca: str, memo: Memo | None, run: _Run) -> tuple[Pairs, Cost] | AnalyzerError:
    manifests = [pod.manifest() for pod in run.shard.pods]
    try:
        return connectivity(nca, run.shard.namespaces, manifests, run.shard.policies, memo)
    except AnalyzerError as exc:
        return exc


def flow_problems(
    repo: ValidRepo,
    raw: RawRepo,
    network: Network,
    envs: Sequence[str],
    nca: str,
    jobs: int = 1,
    memo: Memo | None = None,
) -> tuple[list[Problem], list[RunCost]]:
    """Every runtime-flow finding of `envs`, and what each analyzer run cost; `jobs` runs at
    once (each a process of its own), checked in a fixed order whatever order they end in;
    with a `memo`, a run whose input the analyzer has mapped before is not run again."""
    check = Checker(repo, raw, envs)
    related = _relations(repo)
    runs: list[_Run] = []
    for group in clusters(repo.platform, envs):
        cluster = Cluster(repo.platform, network, group)
        strangers = {namespace: env for env, namespace in cluster.strangers.items()}
        for env in group:
            tenants = sorted(t for e, t in check.namespaces.values() if e == env)
            for start in range(0, len(tenants), SHARD):
                members = tenants[start : start + SHARD]
                own = [layout.tenant_namespace(t, env) for t in members]
                shard = cluster.shard([*own, *_peers(repo, related, members, env)])
                runs.append(_Run(tuple(group), env, len(members), shard, strangers))
    costs = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for run, result in zip(runs, pool.map(partial(_analyze, nca, memo), runs), strict=True):
            if isinstance(result, AnalyzerError):
                message = f"runtime flows of {run.env} not checked: {result}"
                check.problems.add(Problem(layout.bootstrap_file(run.env), 1, 1, "", message))
                continue
            pairs, cost = result
            shard = run.shard
            costs.append(
                RunCost(
                    run.cluster, run.env, run.tenants, len(shard.pods), len(shard.policies), cost
                )
            )
            check_run(check, shard.pods, pairs, run.strangers)
    return sorted(check.problems), costs
