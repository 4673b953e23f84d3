"""`berth expire` end to end against the fake GitHub and GitLab on 127.0.0.1: one pull request
(branch `berth/expire`) removes every expired scenario with the files rendered from it; a later
run updates it (one commit on the base, one pull request) instead of opening another, and
closes it when nothing has expired any more. The working tree is never written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.jobs import github_job, gitlab_job
from tests.support.repo import (
    PAYMENTS_API,
    PAYMENTS_API_FILE,
    berth,
    commit_all,
    tree,
    write,
)
from tests.support.scenarios import scenario_platform

BRANCH = "berth/expire"
SCENARIO = """\
apiVersion: berth.dev/v1alpha1
kind: Scenario
metadata:
  name: {name}
spec:
  base: dev
  expires: "{expires}"
  size: small
"""
LOAD = "tenants/payments/scenarios/load.yaml"
QA = "tenants/payments/scenarios/qa.yaml"


@pytest.fixture
def scenario_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """payments with its api and two scenarios on dev, `qa` (last day 2026-12-10) and `load`
    (2026-12-12), written on 2026-12-05, rendered and committed on `main`."""
    root = scenario_platform(tmp_path / "checkout", monkeypatch)
    write(
        root,
        {
            PAYMENTS_API_FILE: PAYMENTS_API,
            QA: SCENARIO.format(name="qa", expires="2026-12-10"),
            LOAD: SCENARIO.format(name="load", expires="2026-12-12"),
        },
    )
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    commit_all(root)
    return root


def generated(root: Path, scenario: str) -> set[str]:
    return {
        p
        for p in tree(root)
        if f"/payments-{scenario}" in p or p.endswith(f"/payments-{scenario}.yaml")
    }


def expire(root: Path, today: str, into: str) -> tuple[int, str, str]:
    return berth(root, "expire", "--today", today, "--into", into)


def test_one_pull_request_removes_every_expired_scenario_and_is_updated(
    scenario_checkout: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    github_job(github, monkeypatch, scenario_checkout)
    base = github.default_branch
    qa_files, load_files = generated(scenario_checkout, "qa"), generated(scenario_checkout, "load")
    assert len(qa_files) == 4 and len(load_files) == 4  # argocd, guardrails, root entry, values
    before = tree(scenario_checkout)

    # 2026-12-10 is qa's last day: nothing has expired yet.
    code, out, err = expire(scenario_checkout, "2026-12-10", base)
    assert (code, err) == (0, ""), out
    assert out.startswith("berth: no scenario has expired (today is 2026-12-10)\n")
    assert github.open_pulls(BRANCH) == []

    code, out, err = expire(scenario_checkout, "2026-12-11", base)
    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls(BRANCH)
    assert pull["title"] == "berth: remove 1 expired scenario(s)"
    assert "- `payments/qa` in `dev`, expired on 2026-12-10" in pull["body"]
    files = github.git.files(BRANCH)
    assert set(github.git.files(base)) - set(files) == {QA, *qa_files}
    assert tree(scenario_checkout) == before  # the pull request is the change

    # Two days later load has expired too: the same pull request, one commit on the base.
    code, out, _ = expire(scenario_checkout, "2026-12-13", base)
    assert code == 0, out
    [again] = github.open_pulls(BRANCH)
    assert again["number"] == pull["number"]
    assert again["title"] == "berth: remove 2 expired scenario(s)"
    head = github.git.commits[github.git.refs[f"refs/heads/{BRANCH}"]]
    assert head.parents == [github.git.refs[f"refs/heads/{base}"]]
    removed = set(github.git.files(base)) - set(github.git.files(BRANCH))
    assert removed == {QA, LOAD, *qa_files, *load_files}

    # The tenant's catalog file no longer lists them; nothing else changes.
    branch, main = github.git.files(BRANCH), github.git.files(base)
    changed = {p for p, data in branch.items() if main.get(p) != data}
    assert changed == {"catalog/tenants/payments.yaml"}
    assert b"qa-scenario" in main["catalog/tenants/payments.yaml"]
    assert b"qa-scenario" not in branch["catalog/tenants/payments.yaml"]

    # What the pull request leaves is what `berth render` makes of it: nothing stale, no stray.
    for path in removed:
        (scenario_checkout / path).unlink()
    for path in changed:
        (scenario_checkout / path).write_bytes(branch[path])
    code, out, err = berth(scenario_checkout, "render", "--check")
    assert code == 0, out + err

    # Once no scenario has expired (both removed here), the open pull request is closed.
    code, out, _ = expire(scenario_checkout, "2026-12-13", base)
    assert code == 0 and "closed the outdated pull request" in out, out
    assert github.open_pulls(BRANCH) == []


def test_one_merge_request_on_gitlab_updated_not_duplicated(
    scenario_checkout: Path, gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab_job(gitlab, monkeypatch, scenario_checkout)
    base = gitlab.default_branch
    code, out, err = expire(scenario_checkout, "2026-12-11", base)
    assert (code, err) == (0, ""), out
    [request] = gitlab.open_merge_requests(BRANCH)
    assert request["title"] == "berth: remove 1 expired scenario(s)"
    code, out, _ = expire(scenario_checkout, "2026-12-13", base)
    assert code == 0, out
    [again] = gitlab.open_merge_requests(BRANCH)
    assert again["iid"] == request["iid"]
    assert again["title"] == "berth: remove 2 expired scenario(s)"
    removed = set(gitlab.git.files(base)) - set(gitlab.git.files(BRANCH))
    assert {QA, LOAD} <= removed


def test_without_a_token_it_prints_what_it_would_propose(scenario_checkout: Path) -> None:
    before = tree(scenario_checkout)
    code, out, err = expire(scenario_checkout, "2026-12-11", "main")
    assert (code, err) == (0, ""), out
    assert f"    {QA} (deleted)" in out and LOAD not in out
    assert out.endswith("berth: remove 1 expired scenario(s): dry-run://pull/berth/expire\n")
    assert tree(scenario_checkout) == before


def test_a_today_that_is_no_date_is_a_usage_error(scenario_checkout: Path) -> None:
    code, _, err = run("--root", str(scenario_checkout), "expire", "--today", "2026-12-32")
    assert code == 2
    assert "--today '2026-12-32' is not a date (YYYY-MM-DD)" in err


def test_the_deletion_guard_expects_an_expired_scenario_to_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Removing a scenario from prod (sync: manual) deletes a Namespace and Applications there:
    after its `expires`, that is the expected end and `plan --fail-on-delete` passes; before,
    it needs the approval label like any production deletion."""
    root = scenario_platform(tmp_path / "repo", monkeypatch, "{environments: [prod]}")
    hotfix = "tenants/payments/scenarios/hotfix.yaml"
    write(
        root,
        {
            hotfix: SCENARIO.format(name="hotfix", expires="2026-12-10").replace(
                "base: dev", "base: prod"
            )
        },
    )
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    commit_all(root)
    write(root, {hotfix: None})
    code, out, err = berth(root, "render")
    assert code == 0, out + err

    monkeypatch.setenv("BERTH_TODAY", "2026-12-10")  # its last day: still running
    code, out, err = berth(root, "plan", "--base", "main", "--fail-on-delete")
    assert code == 1, out + err
    assert "this change deletes" in err and "Namespace" in out

    monkeypatch.setenv("BERTH_TODAY", "2026-12-11")
    code, out, err = berth(root, "plan", "--base", "main", "--fail-on-delete")
    assert code == 0, out + err
    assert "this change deletes" not in err


def test_a_berth_today_that_is_no_date_is_a_usage_error(
    scenario_checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BERTH_TODAY", "tomorrow")
    code, _, err = run("--root", str(scenario_checkout), "validate")
    assert code == 2
    assert err == "berth: error: BERTH_TODAY='tomorrow' is not a date (YYYY-MM-DD)\n"
