"""`berth validate [PATH...] [--base REF]`: report every problem in the requests; exit 0
valid, 1 invalid. With `--base`, only what the change since REF can affect is read
(generator/repo/scope.py). It keeps `.berth/requests.json` (the parsed requests by content) for
the commands after it, as `render` does."""

from __future__ import annotations

import contextlib
import os
from typing import Literal, TextIO

from generator.load import RequestCache
from generator.problems import Problem
from generator.problems.reporters import Format, format_junit, format_problems
from generator.repo.changes import change_set
from generator.repo.scope import scope_of
from generator.validate.check import check
from generator.write import Workspace


def run(
    root: str,
    paths: list[str],
    fmt: Format | Literal["junit"],
    out: TextIO,
    base: str | None = None,
    err: TextIO | None = None,
) -> int:
    scope = None if base is None else scope_of(change_set(root, base))
    workspace = Workspace(root)
    workspace.trust()
    requests = RequestCache(root)
    result = check(root, scope, requests)
    raw, problems = result.raw, result.problems
    if result.note and err is not None:
        err.write(f"berth: {result.note}\n")
    if result.valid is not None:
        requests.keep_unread()
        with contextlib.suppress(OSError):  # a cache: a read-only checkout validates anyway
            requests.save()
    if paths:
        problems = [p for p in problems if _selected(p, root, paths)]
    if fmt == "junit":
        checked = [d.path for d in (raw.platform, *raw.tenants.values()) if d is not None]
        checked += [d.path for apps in raw.apps.values() for d in apps.values()]
        out.write(format_junit(problems, checked))
    else:
        out.write(format_problems(problems, fmt))
    errors = sum(p.severity == "error" for p in problems)
    if fmt == "text" and not errors:
        out.write(
            f"berth: platform.yaml and {len(raw.tenants) + len(raw.unloaded)} tenant(s) are valid\n"
        )
    return 1 if errors else 0


def _selected(problem: Problem, root: str, paths: list[str]) -> bool:
    for path in paths:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
        if rel == "." or problem.file == rel or problem.file.startswith(rel.rstrip("/") + "/"):
            return True
    return False
