"""`berth plan --require-approvals` and the database deletion guard, end to end.

The approvals check runs against the local fake GitHub and GitLab (tests/support), whose pull
request #2 and merge request !1 come from the vendored webhook payloads in tests/upstream; the
job's event file is the vendored `pull_request.opened` payload pointed at that pull request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.hosts.base import Reviews
from generator.plan import Approval, approvals
from tests.support.fake_github import FakeGitHub, load_reference
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import (
    CHECKOUT,
    PAYMENTS,
    SEARCH,
    berth,
    commit_all,
    git,
    make_repo,
    write,
)
from tests.test_plan import API_APP

ALLOW_PAYMENTS = SEARCH + "  allowFrom: [payments]\n"
# allowFrom opens a tenant's applications' ports: search needs one for payments to reach it.
SEARCH_API = API_APP.replace("payments-api", "search-api").replace("payments.", "search.")
API_WITH_DATABASE = API_APP.replace(
    "  healthPath: /healthz\n",
    "  healthPath: /healthz\n  database: {engine: postgres, size: small}\n",
)


@pytest.fixture
def github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        payload = load_reference("github/webhooks/pull_request.opened.payload.json")
        payload["pull_request"] |= {"number": 2}
        payload["pull_request"]["head"]["sha"] = fake.pulls[2]["head"]["sha"]
        event = tmp_path / "event.json"
        event.write_text(json.dumps(payload))
        for name, value in {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": fake.full_name,
            "GITHUB_API_URL": fake.api_url,
            "GITHUB_TOKEN": fake.token,
        }.items():
            monkeypatch.setenv(name, value)
        yield fake


def cross_tenant_change(tmp_path: Path) -> Path:
    """search, whose api listens on 8080, opens ingress from payments on that port, which adds
    egress to payments' own policies."""
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/search/apps/api.yaml": SEARCH_API})
    commit_all(root)
    write(root, {"tenants/search/tenant.yaml": ALLOW_PAYMENTS})
    return root


def plan(root: Path, *extra: str) -> tuple[int, str, str]:
    return berth(root, "plan", "--base", "main", "--format", "markdown", *extra)


def test_the_plan_asks_for_the_owners_of_the_tenant_whose_files_change(tmp_path: Path) -> None:
    root = cross_tenant_change(tmp_path)

    code, markdown, _ = plan(root)

    assert code == 0
    assert "- needs approval from the owners of `payments` (`alice`, `bob`): dev, prod" in markdown
    assert "- needs approval from the owners of `search` (`frank`): dev, prod" in markdown
    # under the tenant whose files change, as the rest of the plan
    assert "<b>dev / payments: +0 ~1 -0</b>" in markdown
    _, text, _ = berth(root, "plan", "--base", "main", "--format", "json")
    needs = json.loads(text)["approvals"]
    assert [n["tenant"] for n in needs] == ["payments", "search"]
    assert needs[0] == {
        "tenant": "payments",
        "owners": ["alice", "bob"],
        "environments": ["dev", "prod"],
    }


def test_owners_come_from_the_base_not_from_the_change(tmp_path: Path) -> None:
    root = cross_tenant_change(tmp_path)
    write(root, {"tenants/payments/tenant.yaml": PAYMENTS.replace("[alice, bob]", "[mallory]")})
    _, text, _ = berth(root, "plan", "--base", "main", "--format", "json")
    owners = {n["tenant"]: n["owners"] for n in json.loads(text)["approvals"]}
    assert owners["payments"] == ["alice", "bob"]


def test_a_new_tenant_needs_no_tenant_approval(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"payments": PAYMENTS, "checkout": CHECKOUT})
    write(root, {"tenants/search/tenant.yaml": SEARCH})
    _, text, _ = berth(root, "plan", "--base", "main", "--format", "json")
    assert json.loads(text)["approvals"] == []


def test_require_approvals_on_github(tmp_path: Path, github: FakeGitHub) -> None:
    root = cross_tenant_change(tmp_path)

    code, _, err = plan(root, "--require-approvals")
    assert code == 1
    assert "needs approval from the owners of payments, search" in err

    github.add_review(2, "frank", "APPROVED")
    code, out, err = plan(root, "--require-approvals")
    assert code == 1
    assert "approval by an owner of search (frank): ok" in out
    assert "needs approval from the owners of payments:" in err

    github.add_review(2, "Bob", "APPROVED")
    code, out, err = plan(root, "--require-approvals")
    assert code == 0, err
    assert "approval by an owner of payments (alice, bob): ok" in out


def test_the_authors_own_tenant_is_agreed_and_the_authors_approval_counts_for_no_other(
    tmp_path: Path, github: FakeGitHub
) -> None:
    root = cross_tenant_change(tmp_path)
    github.pulls[2]["user"]["login"] = "frank"  # search's owner opened it
    github.add_review(2, "frank", "APPROVED")  # and cannot approve for payments
    code, out, err = plan(root, "--require-approvals")
    assert code == 1
    assert "owner of search (frank): ok" in out
    assert "owners of payments:" in err


def test_an_approval_of_an_older_commit_does_not_count(tmp_path: Path, github: FakeGitHub) -> None:
    root = cross_tenant_change(tmp_path)
    github.add_review(2, "frank", "APPROVED")
    github.add_review(2, "alice", "APPROVED")
    github.push(2, {"tenants/search/tenant.yaml": ALLOW_PAYMENTS.encode()})

    code, _, err = plan(root, "--require-approvals")

    assert code == 1
    assert "the run for the newer commit decides" in err


def test_without_a_token_the_check_fails_instead_of_passing(
    tmp_path: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = cross_tenant_change(tmp_path)
    monkeypatch.delenv("GITHUB_TOKEN")
    code, _, err = plan(root, "--require-approvals")
    assert code == 2
    assert "cannot read the reviews of pull request #2" in err


def test_no_tenant_change_needs_no_host(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    code, out, _ = plan(root, "--require-approvals")
    assert code == 0
    assert "no approvals needed" in out


def test_require_approvals_on_gitlab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = cross_tenant_change(tmp_path)
    with FakeGitLab(token="glpat-read-only-123") as gitlab:
        for name, value in {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": gitlab.api_url,
            "CI_PROJECT_ID": str(gitlab.project_id),
            "CI_MERGE_REQUEST_IID": "1",
            "CI_COMMIT_SHA": gitlab.merge_requests[1]["sha"],
            "BERTH_GITLAB_READ_TOKEN": gitlab.token,
        }.items():
            monkeypatch.setenv(name, value)
        gitlab.approve(1, "frank")
        assert plan(root, "--require-approvals")[0] == 1
        gitlab.approve(1, "alice")
        code, _, err = plan(root, "--require-approvals")
        assert code == 0, err


def test_missing_is_pure() -> None:
    needs = [Approval("payments", ("alice", "bob"), ("prod",)), Approval("search", ("frank",), ())]
    reviews = Reviews(author="Frank", head_sha="abc", approvers=frozenset({"frank"}))
    assert approvals.missing(needs, reviews) == [needs[0]]
    reviews = Reviews(author="alice", head_sha="abc", approvers=frozenset({"alice"}))
    assert approvals.missing(needs, reviews) == [needs[1]]


# -- turning a production database off is a deletion ----------------------------------------


def base_with_database(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", commit=False)
    write(root, {"tenants/payments/apps/api.yaml": API_WITH_DATABASE})
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return root


def test_removing_a_database_in_production_is_a_deletion(tmp_path: Path) -> None:
    root = base_with_database(tmp_path)
    write(root, {"tenants/payments/apps/api.yaml": API_APP})

    code, markdown, err = plan(root, "--fail-on-delete")

    assert code == 1
    assert "> - `prod`, tenant `payments`: Cluster `api-db`, ScheduledBackup `api-db`" in markdown
    assert "for a database, its volumes" in markdown
    assert "database object(s)" in err
    # dev syncs automatically: shown as removed objects, not refused
    assert "`dev`" not in markdown.split("[!CAUTION]")[1].split("\n\n")[0]
    _, text, _ = berth(root, "plan", "--base", "main", "--format", "text")
    assert "    - Cluster/api-db\n" in text and "    - ScheduledBackup/api-db\n" in text


def test_changing_an_app_with_a_database_leaves_the_database_alone(tmp_path: Path) -> None:
    root = base_with_database(tmp_path)
    write(root, {"tenants/payments/apps/api.yaml": API_WITH_DATABASE.replace("1.3.2", "1.3.3")})

    code, markdown, _ = plan(root, "--fail-on-delete")

    assert code == 0, markdown
    assert "[!CAUTION]" not in markdown
    assert "- ~ changed: `Values/api`\n" in markdown
    assert "Cluster" not in markdown
