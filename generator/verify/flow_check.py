"""`berth verify`'s runtime-flow step: whether it runs, and what it reports (`flows` checks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.load import RawRepo
from generator.problems import Problem
from generator.render.scenario import as_tenants
from generator.validate import ValidRepo
from generator.verify.changed import VerifyScope
from generator.verify.flow_runs import RunCost, flow_problems
from generator.verify.nca import INSTALL_HINT, Memo, require_nca
from generator.verify.runtime import Network


@dataclass
class RuntimeFlows:
    nca: str | None
    network: Network | None  # None: not checked in this run
    why_not: str = ""
    costs: list[RunCost] = field(default_factory=list)
    memo: Memo | None = None  # the verify cache, for maps of inputs seen before

    def check(
        self, valid: ValidRepo, raw: RawRepo, envs: Sequence[str], jobs: int = 1
    ) -> list[Problem]:
        if self.network is None or self.nca is None:
            return []
        valid, raw = as_tenants(valid, raw)  # a scenario's namespace is checked like a tenant's
        problems, self.costs = flow_problems(
            valid, raw, self.network, envs, self.nca, jobs, self.memo
        )
        return problems

    @property
    def summary(self) -> str:
        if self.network is None or self.nca is None:
            return f"runtime flows not checked: {self.why_not}"
        clusters = len({run.cluster for run in self.costs})
        return (
            f"runtime flows allowed and denied as the requests say ({clusters} cluster(s),"
            f" {len(self.costs)} network-config-analyzer run(s))"
        )


def runtime_flows(scope: VerifyScope | None, *, strict: bool) -> RuntimeFlows:
    """The flows need every tenant's policies and pods: a verify that follows only what a
    change can affect (`--base`) leaves them to the full verify of the main branch. `strict`
    (in CI): a missing analyzer is an error, not a skipped check."""
    if scope is not None and not scope.read_all:
        return RuntimeFlows(None, None, "--base follows part of the tree (the full verify does)")
    nca = require_nca(strict)
    if nca is None:
        return RuntimeFlows(None, None, f"nca not found ({INSTALL_HINT})")
    return RuntimeFlows(nca, Network())
