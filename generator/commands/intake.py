"""`berth intake [--event FILE]`: a request issue becomes one branch and one pull request.

The issue comes from the event payload (`--event FILE`, else `$GITHUB_EVENT_PATH`). Issues
without the `tenant-request`, `app-request` or `scenario-request` label are left alone (exit
0). Otherwise the request is validated (generator/intake/proposal.py) and either

- its problems are posted on the issue, in the words of `berth validate` (exit 1), or
- for an existing tenant, the issue's author or the user who sent the event is neither an
  owner of it nor a platform maintainer (generator/intake/authority.py; exit 1), or
- the request file and the generated files it changes are committed to the branch
  `berth/issue-<number>` with one pull request to the default branch, and the issue gets the
  link (exit 0). The branch is rebuilt from the default branch every time, so nothing else
  pushed to it survives.

Both comments are one sticky comment (marker `berth:intake`), updated in place, and editing
the issue updates the same branch and pull request. Without a token this is a dry run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TextIO

from generator.hosts import ci
from generator.hosts.connect import Connect, GitHost, host_from_environment
from generator.intake import FORMS
from generator.intake.authority import refusal
from generator.intake.event import IssueEvent, issue_event
from generator.intake.proposal import Proposal, Rejection, propose
from generator.problems import Problem, UsageError
from generator.problems.code_spans import fence
from generator.problems.reporters import format_problems, format_problems_markdown

MARKER = "berth:intake"
MAX_PROBLEMS = 40  # problems listed in a comment (the job log has them all)
MAX_MESSAGE = 1000  # characters of each message shown there
MAX_REQUEST = 16_000  # characters of the request file shown with them
TITLE = "berth intake"


def branch_name(number: int) -> str:
    return f"berth/issue-{number}"


def run(
    root: str,
    *,
    event_path: str | None,
    environ: Mapping[str, str],
    out: TextIO,
    err: TextIO,
    connect: Connect = host_from_environment,
) -> int:
    path = event_path or environ.get("GITHUB_EVENT_PATH", "").strip()
    if not path:
        raise UsageError("no issue event: pass --event FILE, or run where GITHUB_EVENT_PATH is set")
    event = issue_event(ci.read_event(path))
    skip = _skip_reason(event)
    if skip:
        out.write(f"berth: issue #{event.number} {skip}; nothing to do\n")
        return 0
    host = connect(environ, out=out)
    return _intake(root, event, host, out)


def _skip_reason(event: IssueEvent) -> str:
    if event.pull_request:
        return "is a pull request"
    if not event.open:
        return "is closed"
    if not {form.label for form in FORMS} & set(event.labels):
        wanted = ", ".join(repr(form.label) for form in FORMS)
        return f"has none of the labels {wanted}"
    return ""


def _intake(root: str, event: IssueEvent, host: GitHost, out: TextIO) -> int:
    result = propose(root, event)
    if isinstance(result, Rejection):
        out.write(format_problems(result.problems, "text"))
        url = host.upsert_comment("issue", event.number, rejection_comment(result), marker=MARKER)
        out.write(f"berth: the request in issue #{event.number} is invalid; commented: {url}\n")
        return 1
    if result.unchanged:
        body = (
            f"`{result.request_path}` on `{event.default_branch}` is this request already:"
            " there is nothing to change.\n"
        )
        url = host.upsert_comment("issue", event.number, body, marker=MARKER)
        out.write(f"berth: issue #{event.number} asks for nothing new; commented: {url}\n")
        return 0
    refused = refusal(root, event, result.tenant)
    if refused is not None:
        body = f"**This request cannot become a pull request.** {refused}\n"
        url = host.upsert_comment("issue", event.number, body, marker=MARKER)
        out.write(f"berth: issue #{event.number} may not change this tenant; commented: {url}\n")
        return 1
    what = {"Tenant": "tenant", "Scenario": f"scenario {result.name} of tenant"}.get(
        result.kind, f"application {result.name} of tenant"
    )
    verb = "update" if result.updates else "add"
    url = host.upsert_pull_request(
        branch=branch_name(event.number),
        base=event.default_branch,
        title=f"berth: {verb} {what} {result.tenant}",
        body=pull_request_body(result, event),
        files=result.files,
        deleted=result.stale,
        message=f"berth: {verb} {what} {result.tenant} (issue #{event.number})",
    )
    host.upsert_comment("issue", event.number, success_comment(result, url), marker=MARKER)
    out.write(f"berth: issue #{event.number} -> {url}\n")
    return 0


def pull_request_body(proposal: Proposal, event: IssueEvent) -> str:
    lines = [
        f"{'Updates' if proposal.updates else 'Adds'} `{proposal.request_path}` as requested in"
        f" #{event.number}, and the {proposal.generated} generated file(s) it changes.",
        "",
        "Edit the issue to change the request: this pull request follows. Merging it closes"
        f" the issue.\n\nCloses #{event.number}",
    ]
    if proposal.updates:
        lines += [
            "",
            f"This changes an existing request: the owners of `{proposal.request_path}`"
            " (CODEOWNERS) review it.",
        ]
    if proposal.stale:
        lines += [
            "",
            f"The change deletes {len(proposal.stale)} generated file(s):",
            "",
            *(f"- `{path}`" for path in proposal.stale),
        ]
    return "\n".join(lines) + "\n"


def success_comment(proposal: Proposal, url: str) -> str:
    verb = "updates" if proposal.updates else "adds"
    return (
        f"**Pull request:** {url}\n\n"
        f"It {verb} `{proposal.request_path}` and the generated files it changes. It is"
        " reviewed and merged like any other change. Edit this issue to change the request:"
        " the same pull request is updated.\n"
    )


def rejection_comment(rejection: Rejection) -> str:
    """The problems through the reporter's Markdown, as a pull request's plan shows them;
    a form field's problems name the issue and the field's label (`issue #7:1:1`)."""
    problems = [_clipped(p) for p in rejection.problems]
    text = (
        "**This request cannot become a pull request yet.** Edit the issue to fix these"
        " problems; Berth checks it again after every edit.\n\n"
        + format_problems_markdown(problems, TITLE, max_items=MAX_PROBLEMS)
    )
    if rejection.request is not None and len(rejection.request) <= MAX_REQUEST:
        text += (
            "\n<details><summary>The request file built from this issue (the line numbers above"
            " refer to it)</summary>\n\n" + fence(rejection.request, "yaml") + "\n</details>\n"
        )
    return text


def _clipped(problem: Problem) -> Problem:
    if len(problem.message) <= MAX_MESSAGE:
        return problem
    return dataclasses.replace(problem, message=problem.message[: MAX_MESSAGE - 3] + "...")
