"""`berth validate [PATH...]`: report every problem in the requests; exit 0 valid, 1 invalid."""

from __future__ import annotations

import os
from typing import Literal, TextIO

from generator.load import load_repo
from generator.problems import Problem
from generator.report import Format, render_junit, render_problems
from generator.validate import validate_repo


def run(root: str, paths: list[str], fmt: Format | Literal["junit"], out: TextIO) -> int:
    raw = load_repo(root)
    _valid, problems = validate_repo(raw)
    if paths:
        problems = [p for p in problems if _selected(p, root, paths)]
    if fmt == "junit":
        checked = [d.path for d in (raw.platform, *raw.tenants.values()) if d is not None]
        checked += [d.path for apps in raw.apps.values() for d in apps.values()]
        out.write(render_junit(problems, checked))
    else:
        out.write(render_problems(problems, fmt))
    errors = sum(p.severity == "error" for p in problems)
    if fmt == "text" and not errors:
        out.write(f"berth: platform.yaml and {len(raw.tenants)} tenant(s) are valid\n")
    return 1 if errors else 0


def _selected(problem: Problem, root: str, paths: list[str]) -> bool:
    for path in paths:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
        if rel == "." or problem.file == rel or problem.file.startswith(rel.rstrip("/") + "/"):
            return True
    return False
