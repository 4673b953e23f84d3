"""`berth cost [--format text|json|markdown|csv] [--output FILE]`: the monthly cost report of the working tree."""

from __future__ import annotations

from typing import TextIO

from generator.commands.report import deliver
from generator.cost.formats import FORMATTERS
from generator.cost.report import build
from generator.plan.snapshot import snapshot_of
from generator.problems.reporters import format_problems


def run(root: str, *, fmt: str, out: TextIO, err: TextIO, output: str | None = None) -> int:
    snapshot = snapshot_of(root)
    report = build(snapshot)
    if report is None:
        err.write(format_problems(snapshot.problems, "text"))
        err.write("berth: no cost report; fix the problems above\n")
        return 1
    deliver(out, output, FORMATTERS[fmt](report), FORMATTERS["text"](report))
    return 0
