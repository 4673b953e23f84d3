"""The commonest slips in a hand-written request, each said as one line with what to do.

libyaml's own texts ("found character that cannot start any token", "unacceptable character
#x0000 ... in "<unicode string>", position 1", on two lines) name the parser's state, not the
edit that fixes the file. The slips people make most are recognised here and said in their
words; anything else keeps the parser's text, folded onto one line.
"""

from __future__ import annotations

from typing import Any

from generator.problems import Problem

_SAVE_AS_UTF8 = "save the file as UTF-8 (most editors: 'Save with encoding' or 'File encoding')"


def encoding_problem(raw: bytes, display: str) -> Problem | None:
    """A file in UTF-16 (or UTF-32), with or without its byte order mark, said as such."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        width = "UTF-32" if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")) else "UTF-16"
        return Problem(
            display,
            1,
            1,
            "",
            f"is {width} text (it starts with a byte order mark); {_SAVE_AS_UTF8}",
        )
    head = raw[:200]
    if len(head) >= 4 and b"\x00" in head:
        zeros_even = head[0::2].count(0)
        zeros_odd = head[1::2].count(0)
        half = len(head) // 2
        if zeros_even > half * 3 // 4 or zeros_odd > half * 3 // 4:
            return Problem(
                display,
                1,
                1,
                "",
                "is UTF-16 text without a byte order mark (every other byte is zero);"
                f" {_SAVE_AS_UTF8}",
            )
    return None


def syntax_message(text: str, exc: Any) -> tuple[int, int, str]:
    """Line, column (1-based) and message of a libyaml `MarkedYAMLError` on `text`."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    context = exc.context_mark
    if exc.context == "while scanning a quoted scalar" and context is not None:
        quote = _char_at(text, context.index) or '"'
        return (
            context.line + 1,
            context.column + 1,
            f"the string opened with {quote} here is never closed; add the closing {quote}"
            " at the end of the value (or remove the opening one)",
        )
    if mark is not None and _char_at(text, mark.index) == "\t":
        return (
            line,
            col,
            "a tab character; YAML indents with spaces only: replace the tab with spaces",
        )
    message = f"YAML syntax error: {_one_line(str(exc.problem or exc))}"
    if exc.context and context is not None:
        message += (
            f" ({_one_line(exc.context)} started at line {context.line + 1},"
            f" column {context.column + 1})"
        )
    return line, col, message


def reader_message(text: str, exc: Any) -> tuple[int, int, str]:
    """Line, column and message of a libyaml `ReaderError` (a character YAML refuses)."""
    # libyaml counts the position in bytes of the UTF-8 text it was given.
    position = getattr(exc, "position", 0)
    character = getattr(exc, "character", None)
    before = text.encode()[:position].decode(errors="ignore")
    line = before.count("\n") + 1
    col = len(before) - (before.rfind("\n") + 1) + 1
    if isinstance(character, int):
        what = f"the control character U+{character:04X}"
    else:
        what = "a character YAML does not allow"
    return line, col, f"holds {what}; a request is plain UTF-8 text: remove it"


def _char_at(text: str, index: int) -> str:
    return text[index] if 0 <= index < len(text) else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
