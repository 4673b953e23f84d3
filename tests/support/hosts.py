"""The Git host every in-process `berth` run of the tests gets (tests/support/cli.py)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from generator.cli import main
from generator.hosts.connect import (
    DryRunHost,
    GitHost,
    GitHubHost,
    Secret,
    host_from_environment,
)
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


class Recording(DryRunHost):
    """The dry run (no token), keeping the files it would commit: what a release proposes,
    for tests that lay it over the working tree (a dry run itself writes nothing there)."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, bytes] = {}

    def upsert_pull_request(self, **kwargs: Any) -> str:
        self.files |= kwargs["files"]
        return super().upsert_pull_request(**kwargs)

    def connect(self, env: Mapping[str, str], *, out: TextIO) -> GitHost:
        self._out = out  # it prints where the command prints, as the dry run does
        return self


def proposing(root: Path, *argv: str) -> tuple[int, str, str, dict[str, bytes]]:
    """`berth --root ROOT ARGV...` without a token -> (exit code, stdout, stderr, the files
    the dry run would commit)."""
    host, out, err = Recording(), io.StringIO(), io.StringIO()
    code = main(["--root", str(root), *argv], out, err, environ={}, connect=host.connect)
    return code, out.getvalue(), err.getvalue(), host.files
