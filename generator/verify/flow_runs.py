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
from generator.verify.flow_verdicts import recall, remember, verdict_parts
from generator.verify.flows import Checker, check_run
from generator.verify.nca import (
    AnalyzerError,
    Cost,
    Memo,
    Pairs,
    analyzer_input,
    map_of,
    map_parts,
)
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


@dataclass
class _Run:
    cluster: tuple[str, ...]
    env: str
    tenants: int
    namespaces: list[str]
    strangers: Mapping[str, str]  # stranger namespace -> its environment
    cut: Cluster
    _shard: Shard | None = None

    @property
    def shard(self) -> Shard:
        """The run's pods and policies, cut only when the run is judged."""
        if self._shard is None:
            self._shard = self.cut.shard(self.namespaces)
        return self._shard


@dataclass(frozen=True)
class _Mapped:
    pairs: Pairs
    cost: Cost
    key: str  # where the map is kept (a verdict names it)


def _analyze(nca: str, memo: Memo | None, run: _Run) -> _Mapped | AnalyzerError:
    shard = run.shard
    texts = analyzer_input(shard.namespaces, [p.manifest() for p in shard.pods], shard.policies)
    key = memo.store.text_key(map_parts(memo.identity, texts)) if memo else ""
    try:
        pairs, cost = map_of(nca, texts, memo)
    except AnalyzerError as exc:
        return exc
    return _Mapped(pairs, cost, key)


def _cost(run: _Run, cost: Cost) -> RunCost:
    if run._shard is None:  # recalled: counted from what the run is cut from, not cut
        pods = policies = 0
    else:
        pods, policies = len(run._shard.pods), len(run._shard.policies)
    return RunCost(run.cluster, run.env, run.tenants, pods, policies, cost)


def _runs(repo: ValidRepo, network: Network, envs: Sequence[str], check: Checker) -> list[_Run]:
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
                namespaces = sorted({*own, *_peers(repo, related, members, env)})
                runs.append(_Run(tuple(group), env, len(members), namespaces, strangers, cluster))
    return runs


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
    with a `memo`, a run whose input the analyzer has mapped before is not run again, and one
    judged before from the same parts (flow_verdicts.py) is neither cut nor judged again."""
    check = Checker(repo, raw, envs)
    costs: dict[int, RunCost] = {}
    pending: list[tuple[int, _Run, list[str] | None]] = []
    platform = repo.platform.model_dump_json()
    for i, run in enumerate(_runs(repo, network, envs, check)):
        parts = None
        if memo is not None:
            shard = run.cut.shard_digest(run.namespaces)
            parts = verdict_parts(memo, check, run.namespaces, shard, platform)
        known = None if memo is None or parts is None else recall(memo, parts)
        if known is None:
            pending.append((i, run, parts))
            continue
        check.problems.update(known)
        costs[i] = _cost(run, Cost(0.0, 0.0))
    analyze = partial(_analyze, nca, memo)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = pool.map(analyze, [run for _, run, _ in pending])
        for (i, run, parts), result in zip(pending, results, strict=True):
            if isinstance(result, AnalyzerError):
                message = f"runtime flows of {run.env} not checked: {result}"
                check.problems.add(Problem(layout.bootstrap_file(run.env), 1, 1, "", message))
                continue
            costs[i] = _cost(run, result.cost)
            found = _judge(check, run, result.pairs)
            if memo is not None and parts is not None:
                remember(memo, parts, result.key, found)
            run._shard = None  # what the next runs need of memory is theirs
    return sorted(check.problems), [costs[i] for i in sorted(costs)]


def _judge(check: Checker, run: _Run, pairs: Pairs) -> set[Problem]:
    """The findings of one run's map (added to the checker's too)."""
    everything, check.problems = check.problems, set()
    try:
        check_run(check, run.shard.pods, pairs, run.strangers)
        found = check.problems
    finally:
        check.problems = everything | check.problems
    return found
