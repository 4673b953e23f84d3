"""The host used without a token: it prints what it would do and changes nothing.

Every CI step can be tried on a laptop, and exits 0 there (docs/commands.md, after the exit
codes).
"""

from __future__ import annotations

import sys
from typing import TextIO

from generator.hosts.base import (
    Kind,
    LabelHistory,
    Reviews,
    check_proposal,
    hidden_marker,
    noun,
    with_marker,
)
from generator.problems import UsageError


class DryRunHost:
    """Writes the intended actions to `out` (stdout by default) and returns placeholder URLs.

    It validates its arguments like the real hosts, so a dry run fails where a real run
    would fail before reaching the host.
    """

    def __init__(self, out: TextIO | None = None, *, target: str = "", reason: str = "") -> None:
        self._out = out
        self.target = target or "the Git host"
        self.reason = reason

    def describe(self) -> str:
        why = f" ({self.reason})" if self.reason else ""
        return f"dry run for {self.target}{why}: nothing is sent"

    def __repr__(self) -> str:
        return f"DryRunHost({self.describe()!r})"

    def upsert_comment(self, kind: Kind, number: int, body: str, *, marker: str) -> str:
        tag = hidden_marker(marker)
        self._say(
            f"would create or update the comment marked {tag} on {noun(kind, number)}"
            f" of {self.target}, with this body:",
            _indent(with_marker(body, tag)),
        )
        return f"dry-run://{kind}/{number}/comment"

    def upsert_pull_request(
        self,
        *,
        branch: str,
        base: str,
        title: str,
        body: str,
        files: dict[str, bytes],
        message: str,
        deleted: tuple[str, ...] = (),
    ) -> str:
        check_proposal(branch, base, files, deleted)
        listing = [f"    {path} ({len(content)} bytes)" for path, content in sorted(files.items())]
        listing += [f"    {path} (deleted)" for path in sorted(deleted)]
        self._say(
            f"would commit those of {len(files)} file(s) that differ to branch {branch!r}"
            f" (created from {base!r} if missing) of {self.target}, message {message!r}:",
            *listing,
        )
        self._say(
            f"would open or update the pull request {branch!r} -> {base!r}, title {title!r},"
            " with this body:",
            _indent(body),
        )
        return f"dry-run://pull/{branch}"

    def close_pull_request(self, *, branch: str, comment: str) -> str | None:
        self._say(
            f"would close the open pull request from {branch!r} of {self.target}, if any,"
            f" commenting {comment!r}"
        )
        return None

    def enable_auto_merge(self, *, branch: str) -> str:
        self._say(f"would enable auto-merge on the pull request from {branch!r} of {self.target}")
        return f"dry-run://pull/{branch}"

    def reviews(self, number: int) -> Reviews:
        # A check must not pass because it could not look: no token, no answer (a usage
        # error: the job lacks a setting, the host refused nothing).
        raise UsageError(
            f"cannot read the reviews of {noun('pull', number)} of {self.target}"
            f" ({self.reason or 'no token'}); the approvals check needs a token that can read"
            " them (GitHub: GITHUB_TOKEN with pull-requests: read; GitLab: BERTH_GITLAB_READ_TOKEN)"
        )

    def label_history(self, number: int) -> LabelHistory:
        # An approval label must not count because no one could check who added it.
        raise UsageError(
            f"cannot read the label events of {noun('pull', number)} of {self.target}"
            f" ({self.reason or 'no token'}); an approval label counts only when the host"
            " says who added it (GitHub: GITHUB_TOKEN with issues: read; GitLab:"
            " BERTH_GITLAB_READ_TOKEN)"
        )

    def _say(self, headline: str, *block: str) -> None:
        # Resolved at call time so a redirected or captured stdout is honoured.
        out = self._out or sys.stdout
        print(f"[dry run] {headline}", *block, sep="\n", file=out)
        out.flush()


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines() or [""])
