"""`berth plan --base REF`: what the working tree changes against REF, and what it costs.

Exit codes: 0 planned; 1 the working tree is invalid, or `--fail-on-delete` and the plan
deletes namespaces, applications or databases in a `sync: manual` environment without the
pull request label `berth/approve-deletion` (APPROVE_DELETION_LABEL), or `--fail-on-skip`
and an image skips an environment without the label `berth/approve-skip` (plan/images.py),
each label counting only when a platform maintainer other than the author added it
(plan/labels.py), or `--require-approvals` and a tenant whose generated files change lacks
its owners' approval (plan/approvals.py); 2 usage error; 4 the host could not be asked about
reviews or labels (cli.EXIT_HOST).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Literal, TextIO

from generator.commands.report import deliver
from generator.hosts import ci
from generator.plan import APPROVE_DELETION_LABEL, APPROVE_SKIP_LABEL, Plan, approvals, make_plan
from generator.plan.labels import LabelCheck
from generator.plan.markdown import format_markdown
from generator.plan.text import format_json, format_text
from generator.problems.reporters import format_problems
from generator.repo.pull_request import LabelHistory

if TYPE_CHECKING:
    from generator.hosts.connect import Connect
from generator.write.strays import state_problems

PlanFormat = Literal["text", "json", "markdown"]
FORMATS: tuple[PlanFormat, ...] = ("text", "json", "markdown")


def run(
    root: str,
    *,
    base: str,
    fmt: PlanFormat,
    output: str | None,
    fail_on_delete: bool,
    environ: Mapping[str, str],
    require_approvals: bool = False,
    fail_on_skip: bool = False,
    scoped: bool = True,
    out: TextIO,
    err: TextIO,
    connect: Connect | None = None,
) -> int:
    untrusted = state_problems(root)
    plan = None if untrusted else make_plan(root, base, scoped=scoped)
    if plan is not None:
        untrusted = plan.untrusted
    if untrusted or plan is None:
        err.write(format_problems(untrusted, ci.default_format(environ)))
        err.write("berth: the generated tree is not the one berth renders; no plan was made\n")
        return 1
    if plan.scope:
        err.write(f"berth: {plan.scope} (`--all` reads every tenant)\n")
    # With --output, the job log gets the text plan: everything, including what a truncated
    # comment left out (generator/commands/report.py).
    deliver(out, output, _render(plan, fmt, environ), format_text(plan))
    if not plan.valid:
        err.write("berth: the working tree is invalid; run `berth validate`\n")
        return 1
    status = 0
    labels = LabelCheck(
        ci.pull_request_labels(environ),
        ci.pull_request_number(environ),
        plan.maintainers,
        partial(_label_history, environ, out, connect),
    )
    if fail_on_delete and plan.deletions and not _label(labels, APPROVE_DELETION_LABEL, err):
        err.write(
            f"berth: this change deletes {len(plan.deletions)} namespace(s), application(s)"
            f" or database object(s) in sync: manual environments; a platform maintainer"
            f" other than the author adds the label {APPROVE_DELETION_LABEL!r} to approve\n"
        )
        status = 1
    if fail_on_skip and plan.skips and not _label(labels, APPROVE_SKIP_LABEL, err):
        for change in plan.skips:
            err.write(
                f"berth: {change.label} did not run in {change.previous_env} before this"
                f" change (it ran {change.previous_text})\n"
            )
        err.write(
            f"berth: this change skips an environment; promote through each environment in"
            f" turn, or a platform maintainer other than the author adds the label"
            f" {APPROVE_SKIP_LABEL!r} to approve\n"
        )
        status = 1
    if require_approvals:
        pull = (ci.pull_request_number(environ), ci.planned_head(environ))
        host = _connect(connect)(environ, out=out)
        agreed = approvals.check(plan.approvals, host, pull, out, err)
        status = status or (0 if agreed else 1)
    return status


def _connect(connect: Connect | None) -> Connect:
    if connect is not None:
        return connect
    # Only here: the Git host clients take longer to import than a plan to make.
    from generator.hosts.connect import host_from_environment

    return host_from_environment


def _label_history(
    environ: Mapping[str, str], out: TextIO, connect: Connect | None, number: int
) -> LabelHistory:
    """The pull request's label history, asked of the host only when a label must be judged."""
    return _connect(connect)(environ, out=out).label_history(number)


def _label(labels: LabelCheck, label: str, err: TextIO) -> bool:
    """Whether `label` approves (plan/labels.py); says why it does not on `err`."""
    verdict = labels.verdict(label)
    if verdict.approved:
        err.write(f"berth: approved by the label {label!r} ({verdict.reason})\n")
    else:
        err.write(f"berth: the label {label!r} does not approve: {verdict.reason}\n")
    return verdict.approved


def _render(plan: Plan, fmt: PlanFormat, environ: Mapping[str, str]) -> str:
    if fmt == "json":
        return format_json(plan)
    if fmt == "markdown":
        return format_markdown(plan, job_url=ci.job_log_url(environ))
    return format_text(plan)
