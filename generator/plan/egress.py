"""Egress grants a change gives or takes, per environment: what the platform reviews.

An application's `spec.egress` opens addresses outside the cluster to its pods, so the plan
names each grant that appears, goes or changes ("+ egress card-processor (443) for
payments/api in prod"), the way it names releases; a changed destination in platform.yaml
changes the grant of every application that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.problems.code_spans import code
from generator.validate import ValidRepo

Grant = tuple[tuple[str, ...], tuple[int, ...]]  # CIDRs and ports
Key = tuple[str, str, str, str]  # environment, tenant, application, destination


@dataclass(frozen=True, order=True)
class EgressChange:
    env_index: int
    env: str
    tenant: str
    app: str
    name: str
    old: Grant | None
    new: Grant | None

    @property
    def line(self) -> str:
        sign = "+" if self.old is None else "-" if self.new is None else "~"
        grant = self.new or self.old
        assert grant is not None
        cidrs, ports = grant
        what = f"{sign} egress {self.name} ({', '.join(str(p) for p in ports)})"
        if sign == "~":  # the platform changed the destination: say where it now leads
            what += f" to {', '.join(cidrs)}"
        return f"{what} for {self.tenant}/{self.app} in {self.env}"


def _grants(repo: ValidRepo | None) -> dict[Key, Grant]:
    if repo is None:
        return {}
    spec = repo.platform.spec
    found: dict[Key, Grant] = {}
    for tenant, apps in repo.apps.items():
        for name, app in apps.items():
            for env in app.spec.environments:
                for grant in app.spec.egress:
                    destination = spec.egress.get(grant)
                    if destination is not None:
                        found[env, tenant, name, grant] = (
                            tuple(destination.cidrs),
                            tuple(destination.ports),
                        )
    return found


def egress_changes(base: ValidRepo | None, head: ValidRepo) -> list[EgressChange]:
    order = [env.name for env in head.platform.spec.environments]
    before, after = _grants(base), _grants(head)
    changes = [
        EgressChange(
            order.index(key[0]) if key[0] in order else len(order),
            *key,
            before.get(key),
            after.get(key),
        )
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    ]
    return sorted(changes)


def egress_lines(changes: list[EgressChange]) -> list[str]:
    return [change.line for change in changes]


def egress_markdown(changes: list[EgressChange]) -> str:
    """The plan comment's paragraph of egress grants given, taken or changed."""
    items = "".join(f"- {code(line)}\n" for line in egress_lines(changes))
    return f"Egress outside the cluster:\n\n{items}\n"
