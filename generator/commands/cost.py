"""`berth cost [--format text|json|markdown|csv]`: the monthly cost report of the working tree."""

from __future__ import annotations

from typing import TextIO

from generator.cost.formats import FORMATTERS
from generator.cost.report import build
from generator.plan.snapshot import snapshot_of
from generator.problems.reporters import format_problems


def run(root: str, *, fmt: str, out: TextIO, err: TextIO) -> int:
    snapshot = snapshot_of(root)
    report = build(snapshot)
    if report is None:
        err.write(format_problems(snapshot.problems, "text"))
        err.write("berth: no cost report; fix the problems above\n")
        return 1
    out.write(FORMATTERS[fmt](report))
    return 0
