"""`berth render [--check]`: write environments/ and the CODEOWNERS block; --check only compares.

Both first make sure `.berth/` is this machine's own (not tracked by Git, not a link), then
take the render lock; `render` finishes an interrupted swap (if Berth wrote its journal)
before anything else. Every file under environments/ outside the rendered set is an error
for --check and is removed by `render`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TextIO

from generator.commands.report import deliver
from generator.load import RequestCache
from generator.problems import Problem
from generator.problems.reporters import Format, format_problems
from generator.render.codeowners import codeowners_problems
from generator.render.pipeline import build, read_codeowners
from generator.repo.changes import change_set
from generator.repo.scope import scope_of
from generator.repo.selection import Selection
from generator.repo.view import DiskView
from generator.validate.check import check as check_requests
from generator.write import Workspace, apply_changes
from generator.write.journal import read_journal
from generator.write.rendered import plan_render
from generator.write.strays import stray_problem


def run(
    root: str,
    *,
    check: bool,
    fmt: Format,
    out: TextIO,
    err: TextIO,
    base: str | None = None,
    output: str | None = None,
    log: Format = "text",
) -> int:
    """Text and annotations: problems on `err`, what was written or is stale on `out`. JSON
    and Markdown: one report of both on `out`. With `output`, that report in `fmt` goes to
    FILE and the text one to the streams (generator/commands/report.py)."""
    workspace = Workspace(root)
    workspace.trust()
    report = Report()
    with workspace.lock(shared=check):
        code = _run(root, workspace, check=check, report=report, base=base)
    streamed = fmt if output is None else log
    if streamed in ("text", "github"):
        err.write("".join(report.head) + format_problems(report.problems, streamed))
        err.write("".join(report.notes))
        out.write("".join(report.lines))
    if output is not None or streamed not in ("text", "github"):
        deliver(out, output, report.formatted(fmt, code), "")
    return code


@dataclass
class Report:
    """What a render found and did, before it is printed in one format."""

    head: list[str] = field(default_factory=list)  # on stderr in text, before the problems
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # on stderr in text
    lines: list[str] = field(default_factory=list)  # on stdout in text
    changes: list[tuple[str, str]] = field(default_factory=list)  # (path, action)

    def formatted(self, fmt: Format, code: int) -> str:
        if fmt == "json":
            body = {
                "valid": not any(p.severity == "error" for p in self.problems),
                "ok": code == 0,
                "problems": json.loads(format_problems(self.problems, "json"))["problems"],
                "changes": [{"path": path, "action": action} for path, action in self.changes],
                "summary": "".join(self.head + self.notes + self.lines).strip().splitlines(),
            }
            return json.dumps(body, indent=2) + "\n"
        text = "".join(self.head + self.notes + self.lines)
        if fmt == "markdown":
            return format_problems(self.problems, "markdown", title="berth render") + "\n" + text
        return format_problems(self.problems, fmt) + text


def _run(
    root: str,
    workspace: Workspace,
    *,
    check: bool,
    report: Report,
    base: str | None,
) -> int:
    if check and read_journal(root) is not None:  # BerthError when Berth did not write it
        report.notes.append(
            "berth: an interrupted render left the tree half-swapped; run `berth render`\n"
        )
        return 1
    if not check:
        workspace.recover()
    scope = None if base is None else scope_of(change_set(root, base))
    requests = RequestCache(root)
    checked = check_requests(root, scope, requests)
    valid, problems, only = checked.valid, checked.problems, checked.tenants
    if checked.note:
        report.head.append(f"berth: {checked.note}\n")
    built = None
    if valid is None:
        problems += codeowners_problems(read_codeowners(DiskView(root)))
    else:
        selection = Selection(only, None if scope is None else scope.change)
        built = build(DiskView(root), valid, selection)
        problems += built.problems
    report.problems += problems
    if valid is None or built is None or any(p.severity == "error" for p in problems):
        report.notes.append("berth: nothing was written; fix the problems above\n")
        return 1  # on invalid input nothing at all is written, not even the cache
    if only is not None:
        requests.keep_unread()
    if not check:  # --check writes nothing: a check in CI starts from a clean clone anyway
        requests.save()
    outcome, writes, cache = plan_render(root, built, workspace, selection)
    if check:
        if read_journal(root) is not None:  # a render started while this check read the tree
            report.notes.append(
                "berth: a render ran during this check; run `berth render --check` again\n"
            )
            return 1
        report.problems += [stray_problem(p, removed=False) for p in outcome.strays]
        report.changes = [(change.path, change.action) for change in outcome.changes]
        if outcome.changes:
            for change in outcome.changes:
                report.lines.append(f"stale: {change.path} (would {change.action})\n")
            report.lines.append(
                f"berth: {len(outcome.changes)} generated file(s) are stale; run `berth render` and commit the result\n"
            )
            return 1
        report.lines.append("berth: generated files are up to date\n")
        return 0
    apply_changes(root, outcome, writes, workspace, cache)
    workspace.save_cache(cache)
    report.problems += [stray_problem(p, removed=True) for p in outcome.strays]
    report.changes = [(change.path, change.action) for change in outcome.changes]
    counts = {
        a: sum(c.action == a for c in outcome.changes) for a in ("create", "update", "delete")
    }
    report.lines.append(
        f"berth: {counts['create']} created, {counts['update']} updated, {counts['delete']} deleted"
        f" ({outcome.built_units} units built, {outcome.cached_units} unchanged)\n"
    )
    return 0
