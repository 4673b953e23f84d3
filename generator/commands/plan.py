"""`berth plan --base REF`: what the working tree changes against REF, and what it costs.

Exit codes: 0 planned; 1 the working tree is invalid, or `--fail-on-delete` and the plan
deletes namespaces or applications in a `sync: manual` environment without the pull request
label `berth/approve-deletion` (APPROVE_DELETION_LABEL); 2 usage or internal error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, TextIO

from generator import ci
from generator.plan import APPROVE_DELETION_LABEL, Plan, make_plan
from generator.plan.markdown import render_markdown
from generator.plan.report import render_json, render_text
from generator.report import render_problems
from generator.strays import tree_problems

PlanFormat = Literal["text", "json", "markdown"]
FORMATS: tuple[PlanFormat, ...] = ("text", "json", "markdown")


def run(
    root: str,
    *,
    base: str,
    fmt: PlanFormat,
    output: str | None,
    fail_on_delete: bool,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> int:
    untrusted = tree_problems(root)
    if untrusted:
        err.write(
            render_problems(untrusted, "github" if env.get("GITHUB_ACTIONS") == "true" else "text")
        )
        err.write("berth: the generated tree is not the one berth renders; no plan was made\n")
        return 1
    plan = make_plan(root, base)
    report = _render(plan, fmt, env)
    if output is None:
        out.write(report)
    else:
        _write(output, report)
        # The job log gets everything, including what a truncated comment left out.
        out.write(render_text(plan) if fmt != "text" else f"berth: plan written to {output}\n")
    if not plan.valid:
        err.write("berth: the working tree is invalid; run `berth validate`\n")
        return 1
    if fail_on_delete and plan.deletions:
        if APPROVE_DELETION_LABEL in ci.pull_request_labels(env):
            err.write(f"berth: deletions approved by the label {APPROVE_DELETION_LABEL!r}\n")
            return 0
        err.write(
            f"berth: this change deletes {len(plan.deletions)} namespace(s) or application(s) in"
            f" sync: manual environments; add the label {APPROVE_DELETION_LABEL!r} to the pull"
            " request to approve\n"
        )
        return 1
    return 0


def _render(plan: Plan, fmt: PlanFormat, env: Mapping[str, str]) -> str:
    if fmt == "json":
        return render_json(plan)
    if fmt == "markdown":
        return render_markdown(plan, job_url=ci.job_log_url(env))
    return render_text(plan)


def _write(path: str, text: str) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
