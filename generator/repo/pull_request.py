"""What the Git host says about the pull request a plan is for, and the two questions a plan
asks it: who approved (`--require-approvals`) and who added a label (`--fail-on-delete`,
`--fail-on-skip`); and what a release asks of it (a pull request). The host clients
(generator/hosts) implement these; the stages below them only see the protocols.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Reviews:
    """Who approved a PR/MR, as the host says it now.

    `approvers` holds lower-case usernames (both hosts compare them case-insensitively) whose
    approval stands on `head_sha`, the PR's head as the host sees it: on GitHub each user's
    latest approving or change-requesting review, counted only if it was given on that commit
    (so a push makes earlier approvals stale even without "dismiss stale approvals"); on
    GitLab the merge request's current approvals (GitLab resets them on push when the project
    says so, see docs/ci.md).
    """

    author: str
    head_sha: str
    approvers: frozenset[str]


@dataclass(frozen=True)
class LabelEvent:
    """One label added to or removed from a PR/MR, as the host's history records it."""

    label: str
    added: bool
    actor: str  # lower-case username; "" for an account that is gone


@dataclass(frozen=True)
class LabelHistory:
    """The author of a PR/MR (lower case) and its label events, oldest first.

    The history, not the label list an event payload carries, says who put a label on: the
    list says only that someone with triage rights did, the PR's author included.
    """

    author: str
    events: tuple[LabelEvent, ...]

    def added_by(self, label: str) -> str | None:
        """Who added `label` last, when the history leaves it on; None when it is off."""
        who = None
        for event in self.events:
            if event.label == label:
                who = event.actor if event.added else None
        return who


class ReviewReader(Protocol):
    def reviews(self, number: int) -> Reviews:
        """The author, head commit and standing approvals of PR/MR `number` (read only)."""
        ...


class LabelReader(Protocol):
    def label_history(self, number: int) -> LabelHistory:
        """The author and the label events of PR/MR `number`, oldest first (read only)."""
        ...


class PullRequestWriter(Protocol):
    """What a release asks of the host: one pull request per branch, made or replaced."""

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
        """Propose `files` (path -> content) on `branch` and keep one open PR/MR to `base`.

        Creates `branch` from `base` if missing, commits the files whose content differs
        and the removal of the `deleted` paths that `base` has as one commit with
        `message`, opens a PR/MR if none is open from `branch`, else updates its title and
        body. Returns the PR/MR URL.
        """
        ...

    def close_pull_request(self, *, branch: str, comment: str) -> str | None:
        """Close the open PR/MR from `branch`, if there is one, saying `comment` on it.

        Returns its URL, or None when none was open. The branch itself is left alone.
        """
        ...

    def enable_auto_merge(self, *, branch: str) -> str:
        """Let the open PR/MR from `branch` merge by itself once its checks (and the reviews
        branch protection asks for) pass: GitHub auto-merge (squash), GitLab "merge when the
        pipeline succeeds". Returns its URL."""
        ...
