"""Berth's git takes no configuration from the environment (generator/repo/git_env.py).

The attack: a GitLab trigger carries `GIT_CONFIG_COUNT=1
GIT_CONFIG_KEY_0=core.fsmonitor GIT_CONFIG_VALUE_0='echo pwned > ../pwned; false'` next to
the release variables, and the git calls inside `berth bump --from-variables` would run the
command in the job that holds the write token. Here it runs for real, against the fake GitLab:
nothing is written, and the merge request is the one the same bump opens without the
variables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.repo.git_env import git_environment
from tests.support.fake_gitlab import FakeGitLab
from tests.support.jobs import gitlab_job
from tests.support.repo import PAYMENTS_API, PAYMENTS_API_FILE, berth, git, write

HOSTILE = {
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "core.fsmonitor",
    "GIT_CONFIG_VALUE_0": "echo pwned > ../pwned; false",
}
# More ways in through the environment: configuration, where the repository is, tracing.
MORE_HOSTILE = {
    "GIT_CONFIG_PARAMETERS": "'core.fsmonitor'='echo pwned > ../pwned-parameters; false'",
    "GIT_TRACE": "/dev/null",
    "GIT_TRACE2_EVENT": "",  # set below to a file next to the checkout
    "GIT_DIR": "/nonexistent",
    "GIT_INDEX_FILE": "/nonexistent/index",
    "GIT_EXEC_PATH": "/nonexistent",
}


def _bump(
    app_checkout: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[str, str]
) -> dict[str, bytes]:
    """`berth bump --from-variables` as the GitLab job runs it, with `extra` in the
    environment; the files of the merge request it opens."""
    with FakeGitLab() as fake:
        with monkeypatch.context() as patch:
            gitlab_job(fake, patch, app_checkout)
            for name, value in {
                "BERTH_TENANT": "payments",
                "BERTH_APP": "api",
                "BERTH_ENVIRONMENT": "dev",
                "BERTH_TAG": "1.5.0",
                **extra,
            }.items():
                patch.setenv(name, value)
            code, out, err = berth(app_checkout, "bump", "--from-variables", "--into", "master")
        assert (code, err) == (0, ""), out
        [request] = fake.open_merge_requests("berth/bump/payments-api-dev")
        assert request["title"] == "berth: bump payments/api to 1.5.0 in dev"
        return fake.git.files("berth/bump/payments-api-dev")


def test_trigger_variables_cannot_configure_the_git_of_a_bump(
    app_checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = _bump(app_checkout, monkeypatch, {})
    git(app_checkout, "checkout", "-q", "--", ".")
    git(app_checkout, "clean", "-qfdx")

    hostile = {**HOSTILE, **MORE_HOSTILE, "GIT_TRACE2_EVENT": str(tmp_path / "trace2")}
    attacked = _bump(app_checkout, monkeypatch, hostile)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkout"], "git ran the variables"
    # The git calls were not steered either: the same merge request, byte for byte.
    assert attacked == clean


def test_scoped_checks_ignore_git_variables_too(
    app_checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        app_checkout,
        {
            PAYMENTS_API_FILE: PAYMENTS_API.replace(
                'tag: "1.4.0", replicas: 1', 'tag: "1.4.1", replicas: 1'
            )
        },
    )
    expected = berth(app_checkout, "render", "--check", "--base", "HEAD")
    for name, value in {**HOSTILE, **MORE_HOSTILE, "GIT_TRACE2_EVENT": str(tmp_path / "t")}.items():
        monkeypatch.setenv(name, value)
    assert berth(app_checkout, "render", "--check", "--base", "HEAD") == expected
    assert berth(app_checkout, "validate", "--base", "HEAD")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkout"]


def test_the_environment_of_a_berth_git() -> None:
    env = git_environment(
        {"GIT_LITERAL_PATHSPECS": "1"},
        base={"PATH": "/usr/bin", "HOME": "/root", "git_dir": "x", **HOSTILE, **MORE_HOSTILE},
    )
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_SYSTEM": "/dev/null",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_PAGER": "cat",
        "GIT_LITERAL_PATHSPECS": "1",
    }
