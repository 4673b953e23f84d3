"""Changing single values of a request file and nothing else: the round-trip editor.

`berth bump`, `berth promote` and intake change a tag, a digest or a form field of a file a
person wrote. Every other byte (comments, key order, quoting, spacing, flow mappings such as
`dev: {tag: "1.4.0", replicas: 1}` aligned over several lines) must stay as it was, or the
pull request shows noise and the owners stop reading it.

ruamel.yaml's round trip does not guarantee that: it re-emits the whole document, and
re-indents flow mappings, moves their line breaks and drops alignment spaces after keys
(`dev:     {...}` becomes `dev: {...}`). So this module edits the text itself: the strict
loader (`reader.parse_with_spans`) says where each value starts and ends, the edit
replaces, inserts or removes exactly that span, and the result is parsed again and must
give the old data with exactly the intended changes; anything else is refused. That check
also picks the quoting: a value keeps the style it had, and falls back to double quotes when
that style would read back as something else.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.yamlio.reader import LoadError, Path_, Span, Spans, dotted, parse_with_spans

Scalar = str | int
# A value to write: a scalar, or a list or mapping written in flow style ([a, b], {k: v}).
Value = Scalar | float | bool | list[Any] | dict[str, Any]
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]*")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
# In a block mapping a plain scalar may also hold spaces and commas (not `: ` or ` #`,
# which the re-parse would catch anyway).
_PLAIN_IN_BLOCK = re.compile(r"[A-Za-z0-9_(][^\n\r\t#:]*[^\s#:]|[A-Za-z0-9_]")


class EditError(Exception):
    """The edit cannot be made without touching more than the intended value.

    `field` and `where` (1-based line and column) say which value, when one is to blame.
    """

    def __init__(self, message: str, field: str = "", where: tuple[int, int] = (1, 1)) -> None:
        super().__init__(message)
        self.field = field
        self.where = where


@dataclass(frozen=True)
class Edit:
    """Set `path` (a key of a mapping that exists) to `value`; None removes the key.

    A key that is missing is added after the first of `after` that the mapping has (as its
    neighbour in a block mapping, or after it in a flow mapping).
    """

    path: Path_
    value: Value | None
    after: tuple[str, ...] = ()


def edit(raw: bytes, display: str, changes: Sequence[Edit]) -> bytes:
    """`raw` with `changes` applied, one at a time, each checked by parsing the result."""
    text = raw.decode("utf-8")
    for change in changes:
        text = _apply(text, display, change)
    return text.encode("utf-8")


def _apply(text: str, display: str, change: Edit) -> str:
    doc, spans = _parse(text, display)
    expected = copy.deepcopy(doc.data)
    parent = _lookup(expected, change.path[:-1], display)
    key = change.path[-1]
    if not isinstance(parent, dict) or not isinstance(key, str):
        raise EditError(f"{display}: {dotted(change.path[:-1])} is not a mapping")
    if change.value is None:
        if key not in parent:
            return text
        del parent[key]
    else:
        if key in parent and _same(parent[key], change.value):
            return text
        parent[key] = change.value
    for candidate in _candidates(text, spans, change):
        try:
            again, _ = _parse(candidate, display)
        except EditError:
            continue
        if again.data == expected:
            return candidate
    raise EditError(
        f"{display}: cannot change {dotted(change.path)} without changing other values;"
        " edit the file by hand"
    )


def _parse(text: str, display: str) -> tuple[Any, Spans]:
    try:
        return parse_with_spans(text.encode("utf-8"), display)
    except LoadError as exc:
        raise EditError(str(exc.problem)) from None


def _lookup(data: Any, path: Path_, display: str) -> Any:
    for part in path:
        if not isinstance(data, (dict, list)) or isinstance(data, list) != isinstance(part, int):
            raise EditError(f"{display}: there is no {dotted(path)}")
        try:
            data = data[part]  # type: ignore[index]
        except (KeyError, IndexError):
            raise EditError(f"{display}: there is no {dotted(path)}") from None
    return data


def _candidates(text: str, spans: Spans, change: Edit) -> list[str]:
    lines = _Lines(text)
    path, value = change.path, change.value
    if value is None:
        return [_remove(text, lines, spans, path)]
    old = spans.values.get(path)
    if old is not None:
        block = _is_collection(spans, path) and not old.flow
        if old.style in ("|", ">") or path not in spans.keys or block:
            raise EditError(
                "is written over several lines (a block scalar or block mapping), which berth"
                ' does not rewrite; write it on one line, such as tag: "1.4.0", or edit it'
                " by hand",
                dotted(path),
                (old.start[0] + 1, old.start[1] + 1),
            )
        start, end = lines.offset(old.start), lines.offset(old.end)
        block = not spans.values[path[:-1]].flow
        return [text[:start] + r + text[end:] for r in _renderings(value, old.style, block)]
    return [_insert(text, lines, spans, change, r) for r in _renderings(value, "")]


def _same(old: Any, new: Any) -> bool:
    return bool(old == new and type(old) is type(new))


def _flow(value: Any, quote_all: bool) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{_flow(k, False)}: {_flow(v, quote_all)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, quote_all) for v in value) + "]"
    if isinstance(value, str) and (quote_all or not _PLAIN.fullmatch(value)):
        return json.dumps(value)
    return _renderings(value, "")[0]


def _renderings(value: Value, style: str, block: bool = False) -> list[str]:
    if isinstance(value, (dict, list)):
        return [_flow(value, False), _flow(value, True)]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, float)):
        return [str(value)]
    if not isinstance(value, str):
        raise EditError(f"cannot write {value!r}")
    quoted = json.dumps(value, ensure_ascii=False)  # JSON's escapes are YAML's double-quoted ones
    if style == "'" and "'" not in value:
        return [f"'{value}'", quoted]
    plain = _PLAIN_IN_BLOCK if block else _PLAIN
    # Words YAML 1.1 tools read as booleans or null are quoted for them, though Berth's
    # loader (YAML 1.2 core) reads them as text.
    if style == "" and plain.fullmatch(value) and value.lower() not in _YAML11_WORDS:
        return [value, quoted]  # the re-parse rejects a plain form that reads back otherwise
    return [quoted]


def _is_collection(spans: Spans, path: Path_) -> bool:
    return any(len(p) > len(path) and p[: len(path)] == path for p in spans.values)


def _keys_of(spans: Spans, parent: Path_) -> list[Path_]:
    found = [p for p in spans.keys if len(p) == len(parent) + 1 and p[:-1] == parent]
    return sorted(found, key=lambda p: spans.keys[p].start)


def _insert(text: str, lines: _Lines, spans: Spans, change: Edit, rendered: str) -> str:
    parent, key = change.path[:-1], change.path[-1]
    mapping = spans.values.get(parent)
    siblings = {p[-1]: p for p in _keys_of(spans, parent)}
    anchor = next(
        (
            siblings[name]
            for name in change.after
            if name in siblings
            and (not _is_collection(spans, siblings[name]) or spans.values[siblings[name]].flow)
        ),
        None,
    )
    if mapping is None or anchor is None:
        raise EditError(f"cannot add {dotted(change.path)}: no value to put it next to")
    value_end = lines.offset(spans.values[anchor].end)
    if mapping.flow:
        return text[:value_end] + f", {key}: {rendered}" + text[value_end:]
    key_span = spans.keys[anchor]
    line_end = lines.end_of_line(spans.values[anchor].end[0])
    entry = " " * key_span.start[1] + f"{key}: {rendered}" + lines.newline
    if line_end == len(text) and not text.endswith("\n"):
        entry = lines.newline + entry.removesuffix(lines.newline)
    return text[:line_end] + entry + text[line_end:]


def _remove(text: str, lines: _Lines, spans: Spans, path: Path_) -> str:
    parent = path[:-1]
    mapping = spans.values[parent]
    if _is_collection(spans, path) and not spans.values[path].flow:
        raise EditError(f"cannot remove {dotted(path)}: it is not a one-line value")
    keys = _keys_of(spans, parent)
    index = keys.index(path)
    if mapping.flow:
        if len(keys) == 1:
            raise EditError(f"cannot remove {dotted(path)}: it is the only key of its mapping")
        if index > 0:
            start = lines.offset(spans.values[keys[index - 1]].end)
            end = lines.offset(spans.values[path].end)
        else:
            start = lines.offset(spans.keys[path].start)
            end = lines.offset(spans.keys[keys[1]].start)
        return text[:start] + text[end:]
    key_line, key_col = spans.keys[path].start
    line_start = lines.offset((key_line, 0))
    if text[line_start : line_start + key_col].strip():
        raise EditError(f"cannot remove {dotted(path)}: it shares its line with another value")
    return text[:line_start] + text[lines.end_of_line(spans.values[path].end[0]) :]


def changes_between(old: dict[str, Any], new: dict[str, Any], path: Path_ = ()) -> list[Edit]:
    """The changes that turn the data `old` into `new`: mappings are compared key by key,
    anything else is replaced whole; a new key goes after the keys before it in `new`."""
    changes: list[Edit] = [Edit((*path, k), None) for k in old if k not in new]
    keys = list(new)
    for index, (key, value) in enumerate(new.items()):
        if key not in old:
            before = [k for k in keys[:index] if k in old or k in new]
            changes.append(Edit((*path, key), value, after=tuple(reversed(before))))
        elif isinstance(value, dict) and isinstance(old[key], dict):
            changes += changes_between(old[key], value, (*path, key))
        elif not _same(old[key], value):
            changes.append(Edit((*path, key), value))
    return changes


class _Lines:
    """Offsets of (line, column) positions, as the YAML parser counts them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.newline = "\r\n" if "\r\n" in text else "\n"

    def offset(self, position: tuple[int, int]) -> int:
        line, column = position
        if line >= len(self.starts):
            return len(self.text)
        return self.starts[line] + column

    def end_of_line(self, line: int) -> int:
        """The offset just after the line break ending `line` (or the end of the text)."""
        return self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)


__all__ = ["Edit", "EditError", "Span", "changes_between", "edit"]
