"""A team's `kubectl` rights match the admission rules.

For every tenant and environment of the example, the team's RoleBinding (built from the
rendered guardrails with the real kustomize) names `edit` or `view`; those roles are computed
from upstream data, Kubernetes' own and the platform's operators' aggregated ClusterRoles
(tests/support/rights.py). Every kind the team can create, update or patch in its namespace is
either held by an admission policy of that environment, with a hostile case in
tests/cases/admission that the policies refuse, or listed in docs/admission.md with the reason
it is harmless; never both, and the list names nothing a team cannot write.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.models.platform import Environment
from generator.render import admission
from generator.repo import layout
from tests.support.admission import RESOURCES, group_of, policy_matches, resource_of
from tests.support.example import example
from tests.support.rights import cluster_roles, namespaced_writes, rules_of
from tests.support.tools import run, tool
from tests.test_admission import CASES, PLATFORM, _example_tenants

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "admission.md"
HEADING = "## What a team can do with `kubectl`"
Resource = tuple[str, str]


def _name(group: str, resource: str) -> str:
    """How docs/admission.md names a resource: `pods/exec`, `leases.coordination.k8s.io`."""
    base, _, sub = resource.partition("/")
    return (f"{base}.{group}" if group else base) + (f"/{sub}" if sub else "")


def _harmless() -> dict[str, str]:
    """The documented table: resource -> why a team's writes to it harm no one else."""
    text = DOC.read_text()
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (.+) \|$", section, flags=re.MULTILINE)
    assert rows, f"{DOC.name} has no table under {HEADING!r}"
    return dict(rows)


def _denied_cases() -> set[Resource]:
    """(group, resource) of every hostile case the policies refuse."""
    found = set()
    for case in CASES.iterdir():
        if case.is_dir() and (case / "expected.txt").read_text().strip():
            obj = yaml.safe_load((case / "object.yaml").read_text())
            found.add((group_of(obj), resource_of(obj)))
    return found


def _matched(policies: list[dict[str, Any]], group: str, resource: str) -> list[str]:
    """Names of the policies that match a create or update of the resource."""
    return [
        policy["metadata"]["name"]
        for policy in policies
        if policy["kind"] == "ValidatingAdmissionPolicy"
        and any(policy_matches(policy, group, resource, op) for op in ("CREATE", "UPDATE"))
    ]


def _team_roles(env: Environment, tenant: Any) -> list[str]:
    """The ClusterRoles the tenant's group is bound to in its namespace (the guardrails)."""
    folder = example() / layout.env_root(env.name) / "tenants" / tenant.metadata.name / "guardrails"
    built = run([tool("kubectl"), "kustomize", str(folder)]).stdout
    roles = []
    for obj in yaml.safe_load_all(built):
        if obj and obj["kind"] in ("RoleBinding", "ClusterRoleBinding"):
            assert obj["kind"] == "RoleBinding", "a team is bound in its namespace only"
            assert obj["metadata"]["namespace"] == layout.tenant_namespace(
                tenant.metadata.name, env.name
            )
            groups = [s["name"] for s in obj["subjects"] if s["kind"] == "Group"]
            if tenant.spec.group in groups:
                assert obj["roleRef"]["kind"] == "ClusterRole"
                roles.append(obj["roleRef"]["name"])
    return roles


@pytest.fixture(scope="module")
def rights(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], set[Resource]]:
    """(tenant, environment) -> what the team may write in its namespace there."""
    roles = cluster_roles(tmp_path_factory.mktemp("charts"))
    out = {}
    for env in PLATFORM.spec.environments:
        for tenant in _example_tenants():
            if env.name in tenant.spec.environments:
                bound = _team_roles(env, tenant)
                assert bound, (tenant.metadata.name, env.name)
                rules = [r for name in bound for r in rules_of(name, roles)]
                out[tenant.metadata.name, env.name] = namespaced_writes(rules)
    return out


@pytest.mark.tools
def test_edit_takes_the_operators_writes_and_view_none(
    rights: dict[tuple[str, str], set[Resource]],
) -> None:
    """The roles are what a cluster with the operators computes: the charts' writes are in."""
    for (tenant, env), writes in rights.items():
        if env == PLATFORM.spec.environments[0].name:  # edit there, by default
            assert ("external-secrets.io", "externalsecrets") in writes, tenant
            assert ("cert-manager.io", "issuers") in writes, tenant
            assert ("postgresql.cnpg.io", "poolers") in writes, tenant
            assert ("networking.k8s.io", "networkpolicies") in writes, tenant
        else:
            assert writes == set(), (tenant, env, sorted(writes))


@pytest.mark.tools
def test_every_writable_kind_is_checked_or_harmless(
    rights: dict[tuple[str, str], set[Resource]],
) -> None:
    harmless = _harmless()
    denied = _denied_cases()
    unexplained, both, untested = [], [], []
    writable: set[str] = set()
    for (tenant, env_name), writes in sorted(rights.items()):
        env = PLATFORM.spec.environment(env_name)
        assert env is not None
        policies = admission.policies(PLATFORM, env)
        for group, resource in sorted(writes):
            name = _name(group, resource)
            writable.add(name)
            matched = _matched(policies, group, resource)
            if matched and name in harmless:
                both.append(f"{name}: held by {matched[0]}, yet listed as harmless")
            elif matched and (group, resource) not in denied:
                untested.append(f"{name}: held by {matched[0]}, but no hostile case of it")
            elif not matched and name not in harmless:
                unexplained.append(f"{name} ({tenant} in {env_name})")
    assert not unexplained, (
        f"writable by a team, held by no policy and not in {DOC.name}: {unexplained}"
    )
    assert not both, both
    assert not untested, untested
    stale = sorted(set(harmless) - writable)
    assert not stale, f"{DOC.name} lists what no team can write: {stale}"


def test_every_case_kind_is_known_to_the_evaluator() -> None:
    """A hostile case of a kind the evaluator cannot name would match no policy, silently."""
    for case in CASES.iterdir():
        if case.is_dir():
            kind = yaml.safe_load((case / "object.yaml").read_text())["kind"]
            assert kind in RESOURCES, (case.name, kind)
