"""`berth render [--check]`: write environments/ and the CODEOWNERS block; --check only compares.

Both first make sure `.berth/` is this machine's own (not tracked by Git, not a link), then
take the render lock; `render` finishes an interrupted swap (if Berth wrote its journal)
before anything else. Every file under environments/ outside the rendered set is an error
for --check and is removed by `render`.
"""

from __future__ import annotations

from typing import TextIO

from generator.load import RequestCache
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
) -> int:
    workspace = Workspace(root)
    workspace.trust()
    with workspace.lock(shared=check):
        return _run(root, workspace, check=check, fmt=fmt, out=out, err=err, base=base)


def _run(
    root: str,
    workspace: Workspace,
    *,
    check: bool,
    fmt: Format,
    out: TextIO,
    err: TextIO,
    base: str | None,
) -> int:
    if check and read_journal(root) is not None:  # BerthError when Berth did not write it
        err.write("berth: an interrupted render left the tree half-swapped; run `berth render`\n")
        return 1
    if not check:
        workspace.recover()
    scope = None if base is None else scope_of(change_set(root, base))
    requests = RequestCache(root)
    checked = check_requests(root, scope, requests)
    valid, problems, only = checked.valid, checked.problems, checked.tenants
    if checked.note:
        err.write(f"berth: {checked.note}\n")
    built = None
    if valid is None:
        problems += codeowners_problems(read_codeowners(DiskView(root)))
    else:
        selection = Selection(only, None if scope is None else scope.change)
        built = build(DiskView(root), valid, selection)
        problems += built.problems
    if problems:
        err.write(format_problems(problems, fmt))
    if valid is None or built is None or any(p.severity == "error" for p in problems):
        err.write("berth: nothing was written; fix the problems above\n")
        return 1  # on invalid input nothing at all is written, not even the cache
    if only is not None:
        requests.keep_unread()
    if not check:  # --check writes nothing: a check in CI starts from a clean clone anyway
        requests.save()
    outcome, writes, cache = plan_render(root, built, workspace, selection)
    if check:
        if read_journal(root) is not None:  # a render started while this check read the tree
            err.write("berth: a render ran during this check; run `berth render --check` again\n")
            return 1
        if outcome.strays:
            err.write(
                format_problems([stray_problem(p, removed=False) for p in outcome.strays], fmt)
            )
        if outcome.changes:
            for change in outcome.changes:
                out.write(f"stale: {change.path} (would {change.action})\n")
            out.write(
                f"berth: {len(outcome.changes)} generated file(s) are stale; run `berth render` and commit the result\n"
            )
            return 1
        out.write("berth: generated files are up to date\n")
        return 0
    apply_changes(root, outcome, writes, workspace, cache)
    workspace.save_cache(cache)
    if outcome.strays:
        err.write(format_problems([stray_problem(p, removed=True) for p in outcome.strays], fmt))
    counts = {
        a: sum(c.action == a for c in outcome.changes) for a in ("create", "update", "delete")
    }
    out.write(
        f"berth: {counts['create']} created, {counts['update']} updated, {counts['delete']} deleted"
        f" ({outcome.built_units} units built, {outcome.cached_units} unchanged)\n"
    )
    return 0
