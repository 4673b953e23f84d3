"""`berth verify [--env NAME]`: build the generated tree as Argo CD would and check every object."""

from __future__ import annotations

import os
from typing import TextIO

from generator import layout
from generator.load import load_repo
from generator.problems import UsageError
from generator.report import render_problems
from generator.validate import validate_repo
from generator.verify import find_tools, verify

MAX_WORKERS = 4


def run(root: str, *, envs: list[str], out: TextIO, err: TextIO) -> int:
    tools = find_tools()
    valid, problems = validate_repo(load_repo(root))
    if valid is None:
        err.write(render_problems(problems, "text"))
        err.write("berth: verify needs valid requests; fix the problems above\n")
        return 1
    names = [env.name for env in valid.platform.spec.environments]
    unknown = [env for env in envs if env not in names]
    if unknown:
        raise UsageError(
            f"unknown environment {unknown[0]!r}; the platform has: {', '.join(names)}"
        )
    selected = [name for name in names if not envs or name in envs]
    missing = [
        env for env in selected if not os.path.isdir(os.path.join(root, layout.env_root(env)))
    ]
    if missing:
        err.write(f"berth: {layout.env_root(missing[0])} does not exist; run `berth render`\n")
        return 1
    workers = max(1, min(MAX_WORKERS, os.cpu_count() or 1))
    findings, summary = verify(root, valid.platform, selected, tools, workers=workers)
    for finding in findings:
        out.write(f"{finding}\n")
    if findings:
        out.write(f"berth: {len(findings)} problem(s) in what Argo CD would apply\n")
        return 1
    out.write(
        f"berth: {summary.environments} environment(s), {summary.applications} Applications,"
        f" {summary.objects} objects: each in its destination namespace and allowed by its project\n"
    )
    return 0
