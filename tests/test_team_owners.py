"""`owners` takes teams (`org/team`) as CODEOWNERS does: CODEOWNERS, the catalog, approvals.

The spellings an owner may not take are the case folder tests/cases/tenants/owner-spellings.
A team's members are the Git host's to know; Berth never lists them. CODEOWNERS names the team,
Backstage gets a Group for it, and the approvals check leaves *who* approved to the host's
code-owner review (generator/plan/approvals.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from codeowners import CodeOwners

from generator.hosts.base import Reviews
from generator.intake.authority import refusal
from generator.intake.event import IssueEvent
from generator.plan import Approval, approvals
from tests.support.backstage import validate
from tests.support.repo import PAYMENTS, berth, make_repo, write

TEAM_PAYMENTS = PAYMENTS.replace("owners: [alice, bob]", "owners: [alice, acme/payments-team]")


def test_a_team_owner_becomes_a_codeowners_team(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/payments/tenant.yaml": TEAM_PAYMENTS})
    code, _, err = berth(root, "render")
    assert code == 0, err
    owners = CodeOwners((root / "CODEOWNERS").read_text())
    for path in ("tenants/payments/tenant.yaml", "environments/prod/tenants/payments/argocd.yaml"):
        assert [o for _, o in owners.of(path)] == ["@alice", "@acme/payments-team"], path


@pytest.mark.tools
def test_a_team_owner_is_a_backstage_group_under_the_tenants(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/payments/tenant.yaml": TEAM_PAYMENTS})
    assert berth(root, "render")[0] == 0
    entities = list(yaml.safe_load_all((root / "catalog/tenants/payments.yaml").read_text()))
    kinds = {(e["kind"], e["metadata"]["name"]) for e in entities}
    assert ("User", "alice") in kinds
    assert ("Group", "acme.payments-team") in kinds
    assert not any(e["kind"] == "User" and "/" in e["metadata"]["name"] for e in entities)
    team = next(e for e in entities if e["metadata"]["name"] == "acme.payments-team")
    assert team["spec"]["parent"] == "group:payments/payments"
    assert team["metadata"]["annotations"] == {"berth.dev/codeowner": "@acme/payments-team"}
    assert validate(entities) == {}


def test_approvals_check_users_and_leave_team_membership_to_the_host() -> None:
    team_only = Approval("payments", ("acme/payments-team",), ("prod",))
    mixed = Approval("search", ("frank", "acme/search"), ("prod",))
    users = Approval("checkout", ("carol",), ("prod",))
    needs = [team_only, mixed, users]
    # Nobody but the author approved: a team owner is no exception.
    nobody = Reviews(author="zoe", head_sha="abc", approvers=frozenset({"zoe"}))
    assert approvals.missing(needs, nobody) == needs
    # Someone else approved: for a tenant with a team owner that counts (the host's code-owner
    # review decides whether they are a member); a users-only tenant still needs its own.
    someone = Reviews(author="zoe", head_sha="abc", approvers=frozenset({"yann"}))
    assert approvals.missing(needs, someone) == [users]
    # A listed user authoring the change agrees for their tenant, as before; a team's member
    # authoring it does not make the team agree (Berth cannot tell they are a member).
    frank = Reviews(author="frank", head_sha="abc", approvers=frozenset())
    assert approvals.missing(needs, frank) == [team_only, users]


def test_intake_accepts_listed_owners_only_and_says_why_for_teams(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/payments/tenant.yaml": TEAM_PAYMENTS})

    def event(author: str) -> IssueEvent:
        return IssueEvent("github", 7, "", (), True, "main", False, author=author, sender=author)

    assert refusal(str(root), event("alice"), "payments") is None
    said = refusal(str(root), event("tina"), "payments")
    assert said is not None
    assert said.endswith(
        "Members of `acme/payments-team` count only when listed by name: Berth cannot read a"
        " team's members, while a pull request gets the team's code-owner review."
    )
