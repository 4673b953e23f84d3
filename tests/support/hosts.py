"""The Git host every in-process `berth` run of the tests gets (tests/support/cli.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from generator.hosts.connect import GitHost, GitHubHost, Secret, host_from_environment
from generator.hosts.retry import WaitBudget


def unthrottled(env: Mapping[str, str], *, out: TextIO) -> GitHost:
    """The host a command picks from the environment (`host_from_environment`), with
    PyGithub's spacing of writes (one second each, GitHub's advice against secondary rate
    limits) turned off: what tests/support/cli.py hands every command as its `connect`."""
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
