"""`berth plan --require-approvals`: every tenant whose generated files change has agreed.

CODEOWNERS gives each `tenants/<tenant>/` to its owners, but a change in one tenant's request
can change another tenant's generated files (`allowFrom` adds an egress rule to the named
tenant's NetworkPolicy), and those files are the platform's. So the plan lists the tenants
whose generated files change (`Plan.approvals`, owners as the *base* lists them, so the change
cannot name its own approvers), and this check asks the Git host who approved.

A tenant has agreed when

- one of its owners other than the PR author has an approval standing on the planned head
  commit (a review of an older commit does not count: the change may have grown since), or
- the PR author is one of its owners: hosts do not let authors approve their own change, and
  a tenant's owner proposing a change to it agrees to it. Someone else pushing onto the
  author's branch is not covered by this rule; the branch protection docs/ci.md asks for
  (approval of the most recent push by someone other than the pusher, dismissal of stale
  approvals) is what makes such a push need a fresh review.

A team owner (`org/team`) cannot be checked member by member: that needs the host's team
API, which the workflow's token may not read (GitHub's `read:org`). So for a tenant with a
team among its owners, an approval standing on the planned head by anyone other than the
author also counts, and *who* approved is left to the host: CODEOWNERS (read from the base
branch) gives the tenant's generated paths to the team, and the code-owner review the
branch protection requires (docs/ci.md) accepts only a member's approval there. Individually
listed owners are checked by Berth as above.

The planned head must still be the PR's head: if the PR moved on, the run for the newer
commit decides, and this one fails rather than judge reviews of a commit it did not plan.
"""

from __future__ import annotations

from typing import TextIO

from generator.models.common import is_team
from generator.plan.model import Approval
from generator.problems import UsageError
from generator.repo.pull_request import ReviewReader, Reviews


def missing(needs: list[Approval], reviews: Reviews) -> list[Approval]:
    """The tenants in `needs` that have not agreed (see the module docstring)."""
    author = reviews.author.lower()
    left = []
    for need in needs:
        owners = set(_users(need))
        if author in owners or (owners & reviews.approvers) - {author}:
            continue
        if _teams(need) and reviews.approvers - {author}:
            continue  # the host's code-owner review checks that the approver is a member
        left.append(need)
    return left


def _users(need: Approval) -> list[str]:
    return [owner.lower() for owner in need.owners if not is_team(owner)]


def _teams(need: Approval) -> list[str]:
    return [owner for owner in need.owners if is_team(owner)]


def check(
    needs: list[Approval],
    host: ReviewReader,
    pull: tuple[int | None, str],
    out: TextIO,
    err: TextIO,
) -> bool:
    """True when every tenant in `needs` agreed; says who is missing on `err` otherwise.
    `pull`: the number of the pull request the job runs for and the head commit it planned."""
    if not needs:
        out.write("berth: no existing tenant's generated files change; no approvals needed\n")
        return True
    number, head = pull
    if number is None or not head:
        raise UsageError(
            "--require-approvals needs the pull request this job runs for: a pull_request or"
            " pull_request_review event in GITHUB_EVENT_PATH, or CI_MERGE_REQUEST_IID and"
            " CI_COMMIT_SHA on GitLab"
        )
    reviews = host.reviews(number)
    if reviews.head_sha != head:
        err.write(
            f"berth: the pull request's head is now {reviews.head_sha[:12]}, not the planned"
            f" {head[:12]}: the run for the newer commit decides\n"
        )
        return False
    left = missing(needs, reviews)
    for need in needs:
        state = "MISSING" if need in left else "ok"
        if (
            state == "ok"
            and _teams(need)
            and not set(_users(need)) & (reviews.approvers | {reviews.author.lower()})
        ):
            teams = ", ".join(f"@{team}" for team in _teams(need))
            state = f"ok if the approver is in {teams} (the host's code-owner review checks it)"
        out.write(
            f"berth: approval by an owner of {need.tenant} ({', '.join(need.owners)}): {state}\n"
        )
    if left:
        names = ", ".join(need.tenant for need in left)
        err.write(
            f"berth: this change needs approval from the owners of {names}: an approving"
            " review from one of them on the current head commit (the author's own approval"
            " does not count)\n"
        )
        return False
    return True
