"""One list of Problems, several ways to print it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from generator.problems import Problem
from generator.problems.code_spans import code

Format = Literal["text", "json", "github", "markdown"]
FORMATS: tuple[Format, ...] = ("text", "json", "github", "markdown")
# A PR comment holds at most 65,536 characters; the rest of a long list is counted, not shown.
MARKDOWN_MAX_ITEMS = 200


def format_problems(
    problems: Sequence[Problem],
    fmt: Format,
    *,
    title: str = "berth",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """`extra`: more top-level keys of the JSON report (a command's findings besides problems)."""
    if fmt == "markdown":
        return format_problems_markdown(problems, title)
    if fmt == "json":
        return (
            json.dumps(
                {
                    "valid": not any(p.severity == "error" for p in problems),
                    "problems": [
                        {
                            "file": p.file,
                            "line": p.line,
                            "column": p.col,
                            "field": p.field,
                            "message": p.message,
                            "severity": p.severity,
                        }
                        for p in problems
                    ],
                    **(extra or {}),
                },
                indent=2,
            )
            + "\n"
        )
    if fmt == "github":
        return "".join(_annotation(p) + "\n" for p in problems)
    return "".join(f"{p}\n" for p in problems)


def format_problems_markdown(
    problems: Sequence[Problem], title: str, *, max_items: int = MARKDOWN_MAX_ITEMS
) -> str:
    """A short section for a PR or issue comment: a heading, a count, one bullet per problem
    (the first `max_items`; the rest are counted).

    File, field and message may come from a request, so each is a code span (`code_spans.py`): a
    problem can show up in the comment but never shape it.
    """
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    counts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    heading = f"### {title}: {', '.join(counts)}" if counts else f"### {title}: no problems"
    lines = [heading, ""]
    for p in problems[:max_items]:
        where = code(f"{p.file}:{p.line}:{p.col}")
        field = f" {code(p.field)}" if p.field else ""
        mark = "**warning** " if p.severity == "warning" else ""
        lines.append(f"- {mark}{where}{field}: {code(p.message)}")
    if len(problems) > max_items:
        lines.append(f"- and {len(problems) - max_items} more (see the job log)")
    return "\n".join(lines) + "\n"


def _escape_data(text: str) -> str:
    # The workflow-command escaping of the Actions runner (toolkit's escapeData/escapeProperty).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(p: Problem) -> str:
    props = f"file={_escape_property(p.file)},line={p.line},col={p.col}"
    title = f"{p.field}" if p.field else "berth"
    message = f"{p.field}: {p.message}" if p.field else p.message
    return f"::{p.severity} {props},title={_escape_property(title)}::{_escape_data(message)}"


def format_junit(problems: Sequence[Problem], checked: Sequence[str]) -> str:
    """A JUnit report (GitLab's merge-request test widget): one test case per request file,
    failing with that file's problems; files that could not even be loaded appear too."""
    files = sorted({*checked, *(p.file for p in problems)})
    by_file: dict[str, list[Problem]] = {f: [] for f in files}
    for problem in problems:
        by_file[problem.file].append(problem)
    errors = [f for f in files if any(p.severity == "error" for p in by_file[f])]
    suite = ET.Element(
        "testsuite", name="berth validate", tests=str(len(files)), failures=str(len(errors))
    )
    for file in files:
        case = ET.SubElement(suite, "testcase", classname="berth.validate", name=file)
        found = [p for p in by_file[file] if p.severity == "error"]
        if found:
            failure = ET.SubElement(
                case, "failure", message=f"{len(found)} problem(s)", type="invalid"
            )
            failure.text = "".join(f"{p}\n" for p in found)
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )
