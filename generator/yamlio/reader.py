"""Reading requests: the strict YAML loader, with the position of every value.

Requests get the loader below; text Berth itself wrote and text tools printed (trusted) are
read by `trusted.py`. The two share one scalar rule (`resolve_plain`).

A request never needs anchors, aliases, tags, several documents or deep nesting, and each
of those is a way to smuggle in surprises (alias bombs, `!!python/object`, a second document
nobody reviews). So the loader works on the parser's event stream (libyaml's C parser) and
builds plain Python data itself, refusing all of them, refusing duplicate keys, and
resolving plain scalars by the YAML 1.2 core schema only: `yes`, `on` or `0123` stay strings,
`1.4` is a float (which a string field then rejects instead of silently turning 1.40 into
1.4).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.problems import Problem
from generator.yamlio.slips import encoding_problem, reader_message, syntax_message

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 24

Path_ = tuple[str | int, ...]

_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


@dataclass
class Document:
    """A loaded request: its data plus where each value and key stands in the file."""

    path: str
    data: dict[str, Any]
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # The source text of each plain scalar YAML did not read as a string (`2.10` is the float
    # 2.1): a hint to quote it must echo what the user wrote, not Python's repr of the number.
    texts: dict[Path_, str] = field(default_factory=dict)
    # An unchanged file that was valid last time (see generator/load/__init__.py `RequestCache`)
    # arrives as the JSON of its model; the YAML is parsed only if a problem needs a line and
    # column.
    model_json: str | None = field(default=None, compare=False, repr=False)
    reload: Callable[[], Document] | None = field(default=None, compare=False, repr=False)
    stat: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    def materialize(self) -> Document:
        if self.reload is not None:
            real = self.reload()
            self.reload = None
            self.data, self.values, self.keys = real.data, real.values, real.keys
            self.texts = real.texts
        return self

    def where(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of `path`, falling back to the nearest ancestor that exists."""
        self.materialize()
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def problem(self, path: Path_, message: str, *, key: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.path, line, col, dotted(path), message)


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


class LoadError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_request_bytes(path: str, display: str) -> bytes:
    """Read a request file, refusing what a request file never is."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise LoadError(Problem(display, 1, 1, "", f"cannot read: {exc.strerror}")) from None
    if stat.S_ISLNK(st.st_mode):
        raise LoadError(
            Problem(display, 1, 1, "", "is a symbolic link; requests must be regular files")
        )
    if not stat.S_ISREG(st.st_mode):
        raise LoadError(Problem(display, 1, 1, "", "is not a regular file"))
    if st.st_size > MAX_FILE_BYTES:
        raise LoadError(
            Problem(
                display,
                1,
                1,
                "",
                f"is {st.st_size} bytes; a request may be at most {MAX_FILE_BYTES}",
            )
        )
    with open(path, "rb") as fh:
        return fh.read(MAX_FILE_BYTES + 1)


def load_request(path: str, display: str | None = None) -> Document:
    display = display or path
    return parse_request(read_request_bytes(path, display), display)


def parse_request(raw: bytes, display: str) -> Document:
    if len(raw) > MAX_FILE_BYTES:
        raise LoadError(Problem(display, 1, 1, "", f"is larger than {MAX_FILE_BYTES} bytes"))
    encoding = encoding_problem(raw, display)
    if encoding is not None:
        raise LoadError(encoding)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError(Problem(display, line, col, "", "is not valid UTF-8 text")) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return _Builder(display).build(text)


def _pos(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


@dataclass(frozen=True)
class Span:
    """Where a value (or a key) stands in the text: 0-based (line, column) of its first
    character and of the one after its last, its scalar style ('', "'", '"', '|', '>') and,
    for a mapping or sequence, whether it is written in flow style ({...}, [...])."""

    start: tuple[int, int]
    end: tuple[int, int]
    style: str = ""
    flow: bool = False


@dataclass
class Spans:
    """The spans of every value and key of a document, by path (generator/yamlio/edit.py)."""

    values: dict[Path_, Span] = field(default_factory=dict)
    keys: dict[Path_, Span] = field(default_factory=dict)


def parse_with_spans(raw: bytes, display: str) -> tuple[Document, Spans]:
    """`parse_request` that also keeps where every value and key starts and ends."""
    spans = Spans()
    if len(raw) > MAX_FILE_BYTES:
        raise LoadError(Problem(display, 1, 1, "", f"is larger than {MAX_FILE_BYTES} bytes"))
    encoding = encoding_problem(raw, display)
    if encoding is not None:
        raise LoadError(encoding)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(Problem(display, 1, 1, "", "is not valid UTF-8 text")) from None
    if text.startswith("\ufeff"):
        raise LoadError(Problem(display, 1, 1, "", "starts with a byte order mark; remove it"))
    builder = _Builder(display)
    builder.spans = spans
    return builder.build(text), spans


def _span(start: Any, end: Any, style: str = "", flow: bool = False) -> Span:
    return Span((start.line, start.column), (end.line, end.column), style, flow)


class _Builder:
    def __init__(self, display: str) -> None:
        self.display = display
        self.doc = Document(display, {})
        self.spans: Spans | None = None

    def fail(self, event: Any, message: str, path: Path_ = ()) -> LoadError:
        line, col = _pos(event)
        return LoadError(Problem(self.display, line, col, dotted(path), message))

    def build(self, text: str) -> Document:
        try:
            events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
        except yaml.MarkedYAMLError as exc:
            line, col, message = syntax_message(text, exc)
            raise LoadError(Problem(self.display, line, col, "", message)) from None
        except yaml.YAMLError as exc:  # reader errors: control characters and the like
            line, col, message = reader_message(text, exc)
            raise LoadError(Problem(self.display, line, col, "", message)) from None

        docs = [i for i, ev in enumerate(events) if isinstance(ev, yaml.DocumentStartEvent)]
        if not docs:
            raise LoadError(Problem(self.display, 1, 1, "", "is empty; expected a mapping"))
        if len(docs) > 1:
            raise self.fail(
                events[docs[1]], "holds more than one YAML document; put one request per file"
            )
        self.events = events
        self.i = docs[0] + 1
        first = events[self.i]
        if not isinstance(first, yaml.MappingStartEvent):
            raise self.fail(first, "the document must be a mapping (key: value pairs)")
        data = self.node((), 0)
        assert isinstance(data, dict)
        self.doc.data = data
        return self.doc

    def node(self, path: Path_, depth: int) -> Any:
        ev: Any = self.events[self.i]
        self.i += 1
        if depth > MAX_DEPTH:
            raise self.fail(ev, f"nesting deeper than {MAX_DEPTH} levels", path)
        if isinstance(ev, yaml.AliasEvent):
            raise self.fail(
                ev, "aliases (*name) are not allowed in requests; write the value out", path
            )
        if ev.anchor is not None:
            raise self.fail(
                ev, "anchors (&name) are not allowed in requests; write the value out", path
            )
        self.doc.values[path] = _pos(ev)
        if isinstance(ev, yaml.ScalarEvent):
            return self._scalar(ev, path)
        if ev.tag is not None:
            raise self.fail(ev, f"tags ({ev.tag}) are not allowed", path)
        if isinstance(ev, yaml.SequenceStartEvent):
            return self._sequence(ev, path, depth)
        if isinstance(ev, yaml.MappingStartEvent):
            return self._mapping(ev, path, depth)
        raise self.fail(ev, f"unexpected YAML event {type(ev).__name__}", path)

    def _scalar(self, ev: yaml.ScalarEvent, path: Path_) -> Any:
        if ev.tag is not None and ev.tag != "!":
            raise self.fail(ev, f"tags ({ev.tag}) are not allowed; quote the value instead", path)
        if self.spans is not None:
            self.spans.values[path] = _span(ev.start_mark, ev.end_mark, ev.style or "")
        if not ev.style and ev.implicit[0] and ev.tag is None:
            value = resolve_plain(ev.value)
            if not isinstance(value, str):
                self.doc.texts[path] = ev.value
            return value
        return ev.value

    def _sequence(self, ev: yaml.SequenceStartEvent, path: Path_, depth: int) -> list[Any]:
        items: list[Any] = []
        while not isinstance(self.events[self.i], yaml.SequenceEndEvent):
            items.append(self.node((*path, len(items)), depth + 1))
        self._close(ev, path)
        return items

    def _mapping(self, ev: yaml.MappingStartEvent, path: Path_, depth: int) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        while not isinstance(self.events[self.i], yaml.MappingEndEvent):
            key = self._key(path, mapping)
            mapping[key] = self.node((*path, key), depth + 1)
        self._close(ev, path)
        return mapping

    def _key(self, path: Path_, mapping: dict[str, Any]) -> str:
        """The next key of the mapping at `path`: a plain string, given once."""
        key_ev = self.events[self.i]
        if not isinstance(key_ev, yaml.ScalarEvent):
            raise self.fail(key_ev, "keys must be plain strings", path)
        if key_ev.anchor is not None or (key_ev.tag is not None and key_ev.tag != "!"):
            raise self.fail(key_ev, "keys may not carry anchors or tags", path)
        self.i += 1
        key = key_ev.value
        if key == "<<":
            raise self.fail(key_ev, "merge keys (<<) are not allowed in requests", path)
        if key in mapping:
            first = self.doc.keys[(*path, key)]
            raise self.fail(
                key_ev, f"duplicate key {key!r} (first defined on line {first[0]})", path
            )
        self.doc.keys[(*path, key)] = _pos(key_ev)
        if self.spans is not None:
            self.spans.keys[(*path, key)] = _span(key_ev.start_mark, key_ev.end_mark)
        return key

    def _close(self, start: Any, path: Path_) -> None:
        end = self.events[self.i]
        self.i += 1
        if self.spans is not None:
            self.spans.values[path] = _span(
                start.start_mark, end.end_mark, flow=bool(start.flow_style)
            )


def resolve_plain(value: str) -> Any:
    """A plain scalar by the YAML 1.2 core schema (the requests' rule)."""
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _FLOAT.fullmatch(value):
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)
    return value
