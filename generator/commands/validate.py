"""`berth validate [PATH...] [--base REF]`: report every problem in the requests; exit 0
valid, 1 invalid. With `--base`, only what the change since REF can affect is read
(generator/repo/scope.py). It keeps `.berth/requests.json` (the parsed requests by content) for
the commands after it, as `render` does."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection
from typing import Literal, TextIO

from generator.commands.report import deliver, with_summary
from generator.load import RequestCache
from generator.problems import Problem, UsageError
from generator.problems.reporters import Format, format_junit, format_problems
from generator.problems.words import human_list
from generator.repo import layout
from generator.repo.changes import change_set
from generator.repo.scope import scope_of
from generator.scaffold.pin import pin_problem
from generator.scaffold.version import version
from generator.validate.check import check
from generator.write import Workspace


def selected_paths(root: str, paths: list[str]) -> list[str]:
    """The PATH arguments (relative to the current folder, as git takes them) as
    repository-relative paths; one that does not exist or lies outside the repository is a
    usage error, never a filter that matches nothing."""
    real_root = os.path.realpath(root)
    found = []
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or folder")
        real = os.path.realpath(path)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise UsageError(f"{path}: not inside the repository {real_root}")
        if real == real_root:
            return []  # the whole repository: no filter
        found.append(os.path.relpath(real, real_root).replace(os.sep, "/"))
    return found


def run(
    root: str,
    paths: list[str],
    fmt: Format | Literal["junit"],
    out: TextIO,
    base: str | None = None,
    err: TextIO | None = None,
    *,
    output: str | None = None,
    log: Format = "text",
) -> int:
    """`paths`: repository-relative (see `selected_paths`); [] reports everything."""
    scope = None if base is None else scope_of(change_set(root, base))
    workspace = Workspace(root)
    workspace.trust()
    requests = RequestCache(root)
    result = check(root, scope, requests)
    raw, problems = result.raw, result.problems
    pin = None if raw.platform is None else pin_problem(raw.platform, version())
    problems = problems if pin is None else [pin, *problems]
    if result.note and err is not None:
        err.write(f"berth: {result.note}\n")
    if result.valid is not None:
        requests.keep_unread()
        with contextlib.suppress(OSError):  # a cache: a read-only checkout validates anyway
            requests.save()
    elsewhere = 0
    if paths:
        chosen = [p for p in problems if _selected(p, paths)]
        elsewhere = sum(p.severity == "error" for p in problems if p not in chosen)
        problems = chosen
    errors = sum(p.severity == "error" for p in problems)
    summary = "" if errors else _summary(raw.tenants.keys() | raw.unloaded, paths, elsewhere)
    if fmt == "junit":
        checked = [d.path for d in (raw.platform, *raw.tenants.values()) if d is not None]
        checked += [d.path for apps in raw.apps.values() for d in apps.values()]
        if paths:
            checked = [c for c in checked if _selected_file(c, paths)]
        report = format_junit(problems, checked)
    else:
        report = format_problems(problems, fmt) + (summary if fmt == "text" else "")
        if fmt == "json":
            report = with_summary(report, summary)
    deliver(out, output, report, format_problems(problems, log) + summary)
    return 1 if errors else 0


def _summary(tenants: Collection[str], paths: list[str], elsewhere: int) -> str:
    """The success line: what was checked, and only that."""
    if not paths:
        return f"berth: {layout.PLATFORM_FILE} and {len(tenants)} tenant(s) are valid\n"
    line = f"berth: {human_list(paths)}: valid; other tenants not reported"
    if elsewhere:
        line += f" ({elsewhere} problem(s) there: run `berth validate` without a PATH)"
    return line + "\n"


def _selected(problem: Problem, paths: list[str]) -> bool:
    # A broken platform.yaml breaks every tenant: it is reported whatever the filter.
    return problem.file == layout.PLATFORM_FILE or _selected_file(problem.file, paths)


def _selected_file(file: str, paths: list[str]) -> bool:
    return any(file == rel or file.startswith(rel + "/") for rel in paths)
