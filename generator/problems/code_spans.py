"""Markdown for text a request controls: it can show up in a comment, never shape one.

Such text (descriptions in diffs, values quoted in problem messages, Git refs) only ever goes
into a code span or a fenced block whose backtick run is longer than any run inside it.
"""

from __future__ import annotations

import re

# GitHub refuses issue and pull request comments longer than this many characters.
COMMENT_LIMIT = 65_536

_BACKTICKS = re.compile(r"`+")


def _longest_backticks(text: str) -> int:
    return max((len(m) for m in _BACKTICKS.findall(text)), default=0)


def code(text: str) -> str:
    """`text` as one inline code span."""
    ticks = "`" * (_longest_backticks(text) + 1)
    text = text.replace("\r", " ").replace("\n", " ")
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(text: str, info: str = "") -> str:
    """`text` as a fenced code block, ending in a newline."""
    ticks = "`" * max(3, _longest_backticks(text) + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{ticks}{info}\n{body}{ticks}\n"
