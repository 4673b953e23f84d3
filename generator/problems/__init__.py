"""Problems found in user input, as data.

Every check in Berth returns `Problem`s instead of raising, so one run reports all of them
(docs/errors.md: `file:line:col: field.path: message`). Reporters in `reporters.py` turn the
same list into text, JSON, GitHub annotations or Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


class HostError(Exception):
    """A Git host refused a request or could not be reached. The message is complete for a
    user (what was attempted, the host's words, a hint) and never holds a token."""


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        field = f" {self.field}:" if self.field else ""
        prefix = "" if self.severity == "error" else " warning:"
        return f"{where}:{prefix}{field} {self.message}"


class BerthError(Exception):
    """A problem with the user's input or environment that stops a command (exit 1).

    Library code raises it; only the CLI turns it into output and an exit code.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class UsageError(Exception):
    """The command line itself is wrong or the repository is not a Berth repository (exit 2)."""
