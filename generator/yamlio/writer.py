"""Deterministic YAML for generated files.

Generated objects are plain data (dicts, lists, str, int, bool, None), so they need a small
emitter, not a general one. This one is a few times faster than PyYAML's C dumper on such
data because it skips the representer machinery, and it makes the quoting rule explicit: a
string goes out plain only when every YAML reader (1.1 or 1.2, PyYAML, go-yaml, kustomize)
reads it back as that same string; anything else is double-quoted with escapes, and text
with newlines becomes a literal block. `tests/test_yaml_emit.py` checks the round trip on
arbitrary data with hypothesis.

Key order is the order the builder put keys in: builders construct objects in Kubernetes'
conventional order (apiVersion, kind, metadata, spec), which reads better than sorted keys and
is just as deterministic.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

_PLAIN = re.compile(r"(?:[A-Za-z/]|\.\.?/)[A-Za-z0-9_./@+=-]*(?::[A-Za-z0-9_./@+=-]+)*")
# Words YAML 1.1 resolves to booleans or null; YAML 1.2 adds nothing a letter-led plain
# string could hit beyond these (numbers need a leading digit, sign or dot, which _PLAIN refuses).
_RESERVED = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "null",
        "Null",
        "NULL",
    ]
)
# Characters that must not appear raw inside a double-quoted scalar: JSON escapes the C0
# controls, but YAML also treats NEL, LS and PS as line breaks and refuses DEL, C1 and BOM.
_UNSAFE_IN_QUOTES = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
_BLOCK_SAFE = re.compile(
    "[^\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]*"
)


@lru_cache(maxsize=65536)  # generated trees repeat the same keys and values endlessly
def _string(value: str) -> str:
    if _PLAIN.fullmatch(value) and value not in _RESERVED:
        return value
    return quote(value)


def scalar(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    return non_string(value)


def non_string(value: Any) -> str:
    """A boolean, null or number, written the same way for every YAML reader."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("generated data must not hold NaN or infinity")
        text = repr(value)
        # YAML 1.1 readers (PyYAML, Helm's) need a dot in a float with an exponent.
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def quote(value: str) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if _UNSAFE_IN_QUOTES.search(text):
        text = _UNSAFE_IN_QUOTES.sub(_escape_char, text)
    return text


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _block(value: str, indent: str) -> str | None:
    """A literal block scalar for multi-line text, or None where one cannot carry it exactly."""
    if value.endswith("\n\n") or value[:1] in (" ", "\n") or not _BLOCK_SAFE.fullmatch(value):
        return None
    if "\r" in value or "\t" in value:
        return None
    body = value[:-1] if value.endswith("\n") else value
    header = "|" if value.endswith("\n") else "|-"
    lines = [(indent + line) if line else "" for line in body.split("\n")]
    return header + "\n" + "\n".join(lines)


class Dumped(str):
    """YAML text inside a generated object (a kustomize patch, say) that keeps the value it
    was written from, so readers of the objects (the plan) need not parse it back."""

    value: Any

    def __new__(cls, text: str, value: Any) -> Dumped:
        made = super().__new__(cls, text)
        made.value = value
        return made

    def __reduce__(self) -> tuple[type[Dumped], tuple[str, Any]]:  # copy and pickle keep both
        return (Dumped, (str(self), self.value))


def dump_kept(value: dict[str, Any] | list[Any]) -> Dumped:
    """`value` as one YAML document that remembers `value`."""
    return Dumped(dump(value) if isinstance(value, dict) else dump_sequence(value), value)


def dump(value: dict[str, Any]) -> str:
    """One YAML document for a mapping, ending in a newline."""
    if not value:
        return "{}\n"
    out: list[str] = []
    _mapping(value, "", out)
    return "".join(out)


def dump_sequence(items: list[Any]) -> str:
    """One YAML document for a list (a JSON 6902 patch, say), ending in a newline."""
    if not items:
        return "[]\n"
    out: list[str] = []
    _sequence(items, "", out)
    return "".join(out)


def dump_all(values: Iterable[dict[str, Any]]) -> str:
    return "---\n".join(dump(v) for v in values)


def _mapping(value: dict[str, Any], indent: str, out: list[str]) -> None:
    for key, item in value.items():
        out.append(indent)
        out.append(scalar(key))
        _value(item, indent, out)


def _value(item: Any, indent: str, out: list[str]) -> None:
    """Emit what follows `key` (or `- `) on the current line, and the nested lines after it."""
    if isinstance(item, dict):
        if item:
            out.append(":\n")
            _mapping(item, indent + "  ", out)
        else:
            out.append(": {}\n")
    elif isinstance(item, list):
        if item:
            out.append(":\n")
            _sequence(item, indent, out)
        else:
            out.append(": []\n")
    elif isinstance(item, str) and "\n" in item:
        block = _block(item, indent + "  ")
        out.append(": ")
        out.append(block if block is not None else quote(item))
        out.append("\n")
    else:
        out.append(": ")
        out.append(scalar(item))
        out.append("\n")


def _sequence(items: list[Any], indent: str, out: list[str]) -> None:
    # Sequences sit at their key's indentation, as kubectl and kustomize print them.
    for item in items:
        if isinstance(item, dict) and item:
            first = True
            for key, sub in item.items():
                out.append(indent + "- " if first else indent + "  ")
                first = False
                out.append(scalar(key))
                _value(sub, indent + "  ", out)
        elif isinstance(item, list) and item:
            raise ValueError("nested sequences are not used in generated objects")
        elif isinstance(item, str) and "\n" in item:
            block = _block(item, indent + "  ")
            out.append(indent + "- " + (block if block is not None else quote(item)) + "\n")
        elif isinstance(item, dict):
            out.append(indent + "- {}\n")
        elif isinstance(item, list):
            out.append(indent + "- []\n")
        else:
            out.append(indent + "- " + scalar(item) + "\n")


def flow(value: Any) -> str:
    """`value` as one YAML flow value on one line: the `finalize` of the blueprints' Jinja
    environment, so that no interpolated value can change a values file's structure."""
    if isinstance(value, str):
        return quote(value)  # always quoted, however plain it looks
    if value is None or isinstance(value, bool | int | float):
        return non_string(value)
    if isinstance(value, Mapping):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"mapping keys in values must be strings, not {key!r}")
            items.append(f"{quote(key)}: {flow(item)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} into a values file")
