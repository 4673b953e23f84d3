"""The two glob dialects Argo CD matches AppProject rules and directory sources with.

`glob` is github.com/gobwas/glob as Argo CD's util/glob calls it: `*` and `?` stop at the
given separators (none for destinations and directory include/exclude, `/` for source repos),
`**` crosses them, `[a-z]` and `[!a-z]` are classes, `{a,b}` alternatives (which may nest and
hold wildcards), `\\` escapes. `filepath_match` is Go's path/filepath.Match, used for the
group, kind and name of resource white- and blacklists: `*`, `?` and `[^a-z]` only, no braces.
A pattern that does not compile matches nothing, as in Argo CD.
"""

from __future__ import annotations

import functools
import re


class _Invalid(Exception):
    pass


def _class(pattern: str, i: int, negate_chars: str) -> tuple[str, int]:
    """A `[...]` class starting at pattern[i] == '['; returns (regex, index after `]`)."""
    j = i + 1
    negate = j < len(pattern) and pattern[j] in negate_chars
    if negate:
        j += 1
    body = ""
    start = j
    while j < len(pattern) and (pattern[j] != "]" or j == start):
        char = pattern[j]
        if char == "\\" and j + 1 < len(pattern):
            j += 1
            char = pattern[j]
        body += (
            "-"
            if char == "-" and body and j + 1 < len(pattern) and pattern[j + 1] != "]"
            else re.escape(char)
        )
        j += 1
    if j >= len(pattern) or not body:
        raise _Invalid(pattern)
    return f"[{'^' if negate else ''}{body}]", j + 1


def _gobwas(pattern: str, separators: str) -> str:
    not_sep = f"[^{re.escape(separators)}]" if separators else "."
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern):
                raise _Invalid(pattern)
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if char == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append(f"{not_sep}*")
                i += 1
            continue
        if char == "?":
            out.append(not_sep)
        elif char == "[":
            regex, i = _class(pattern, i, "!")
            out.append(regex)
            continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    if depth:
        raise _Invalid(pattern)
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _compiled_glob(pattern: str, separators: str) -> re.Pattern[str] | None:
    try:
        return re.compile(_gobwas(pattern, separators), re.DOTALL)
    except (_Invalid, re.error):
        return None


def glob(pattern: str, text: str, separators: str = "") -> bool:
    """Argo CD's util/glob.Match(pattern, text, separators...)."""
    compiled = _compiled_glob(pattern, separators)
    return compiled is not None and compiled.fullmatch(text) is not None


def glob_valid(pattern: str) -> bool:
    return _compiled_glob(pattern, "") is not None


@functools.lru_cache(maxsize=4096)
def _compiled_filepath(pattern: str) -> re.Pattern[str] | None:
    out: list[str] = []
    i = 0
    try:
        while i < len(pattern):
            char = pattern[i]
            if char == "\\":
                if i + 1 >= len(pattern):
                    return None
                out.append(re.escape(pattern[i + 1]))
                i += 2
                continue
            if char == "*":
                out.append("[^/]*")
            elif char == "?":
                out.append("[^/]")
            elif char == "[":
                regex, i = _class(pattern, i, "^")
                out.append(regex)
                continue
            else:
                out.append(re.escape(char))
            i += 1
        return re.compile("".join(out), re.DOTALL)
    except (_Invalid, re.error):
        return None


def filepath_match(pattern: str, text: str) -> bool:
    """Go's filepath.Match(pattern, text), false for a malformed pattern."""
    compiled = _compiled_filepath(pattern)
    return compiled is not None and compiled.fullmatch(text) is not None
