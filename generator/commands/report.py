"""Where a command's report goes: one meaning of `--output FILE` for every command that
prints one (validate, render, verify, plan, cost, status).

Without `--output`, stdout gets the report in `--format`. With it, FILE gets the report in
`--format` and stdout gets the same report as the job log reads it (text, or workflow
annotations under GitHub Actions). Both, not one instead of the other: every use of
`--output` in CI wants a file for a comment, a summary or a test widget AND a readable log
from the same run, and a run on a laptop loses nothing by also printing it.
"""

from __future__ import annotations

import json
from typing import TextIO

from generator.problems import UsageError
from generator.repo.atomic import write_atomic


def deliver(out: TextIO, output: str | None, report: str, log: str) -> None:
    """`report` (in the chosen format) to FILE or stdout; with FILE, `log` to stdout."""
    if output is None:
        out.write(report)
        return
    try:
        write_atomic(output, report)
    except OSError as exc:
        raise UsageError(f"--output {output}: cannot write it ({exc.strerror})") from None
    out.write(log)


def with_summary(report: str, summary: str) -> str:
    """A JSON problem report (generator/problems/reporters.py) with the summary lines a text
    report ends with, so JSON says what was checked on success too."""
    body = json.loads(report)
    body["summary"] = summary.strip().splitlines()
    return json.dumps(body, indent=2) + "\n"
