"""Approval labels that mean what they say: `berth/approve-deletion` and `berth/approve-skip`.

Anyone with triage rights can label a pull request, the author included, so the label list
a CI event carries says nothing about who agreed. `berth plan --fail-on-delete` and
`--fail-on-skip` therefore accept a label only when the Git host's own history (GitHub's
issue events, GitLab's resource label events) shows that it was last added by a platform
maintainer (`platform.yaml` `spec.maintainers`, as the *base* lists them, so the change
cannot name its own approvers) who is not the pull request's author. A label added again
after a removal counts as its latest adder left it; one the history shows removed counts
not at all.

The CI event's labels are asked first: without the label there, nothing is asked of the
host (a run without a token still fails closed, with the label to add).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from generator.problems import UsageError
from generator.repo.pull_request import LabelHistory

# Reads the label history of pull request N; raises HostError when the host cannot be asked.
HistoryReader = Callable[[int], LabelHistory]


@dataclass(frozen=True)
class Verdict:
    approved: bool
    reason: str  # who added the label, or why it does not count


def judge(label: str, history: LabelHistory, maintainers: Collection[str]) -> Verdict:
    """Whether `history` shows `label` on, last added by a maintainer who is not the author."""
    allowed = {name.lower() for name in maintainers}
    adder = history.added_by(label)
    if adder is None:
        return Verdict(False, f"the host's history shows no {label!r} on the pull request")
    if not adder:
        return Verdict(False, f"{label!r} was added by an account that is gone")
    if adder == history.author:
        return Verdict(False, f"{label!r} was added by {adder}, the pull request's author")
    if adder not in allowed:
        listed = ", ".join(sorted(allowed)) or "none: platform.yaml lists no maintainers"
        return Verdict(
            False,
            f"{label!r} was added by {adder}, who is not a"
            f" platform maintainer (spec.maintainers of platform.yaml on the base: {listed})",
        )
    return Verdict(True, f"added by {adder}, a platform maintainer")


class LabelCheck:
    """Asks the host once per run, and only when a label is needed and on the PR."""

    def __init__(
        self,
        labels: frozenset[str],
        number: int | None,
        maintainers: Collection[str],
        read: HistoryReader,
    ) -> None:
        self._labels, self._number = labels, number
        self._maintainers = maintainers
        self._read_history = read
        self._history: LabelHistory | None = None

    def verdict(self, label: str) -> Verdict:
        """May raise HostError (the host could not be asked) or UsageError."""
        if label not in self._labels:
            return Verdict(False, f"the pull request does not carry the label {label!r}")
        return judge(label, self._read(), self._maintainers)

    def _read(self) -> LabelHistory:
        if self._history is None:
            if self._number is None:
                raise UsageError(
                    "an approval label is checked against the pull request's history: a"
                    " pull_request event in GITHUB_EVENT_PATH, or CI_MERGE_REQUEST_IID on GitLab"
                )
            self._history = self._read_history(self._number)
        return self._history
