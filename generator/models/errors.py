"""Turning pydantic's validation errors into Problems a developer can act on.

Each error is placed on the line and column of the offending value (or key, for an unknown
field), its path written the way the user wrote it, and its message in YAML words with what
is allowed: the field names of that mapping, the choices of an enum.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from generator.problems import Problem
from generator.yamlio.reader import Document, Path_, dotted

M = TypeVar("M", bound=BaseModel)


def validate_model(
    model: type[M], doc: Document, context: dict[str, Any] | None = None
) -> tuple[M | None, list[Problem]]:
    """`context`: pydantic's validation context, the platform's examples for the messages
    (models/examples.py)."""
    if doc.model_json is not None:
        try:
            return model.model_validate_json(doc.model_json, context=context), []
        except ValidationError:
            pass  # the model changed since it was cached: validate the YAML itself
    doc.materialize()
    try:
        return model.model_validate(doc.data, context=context), []
    except ValidationError as exc:
        problems = [_problem(model, doc, err) for err in exc.errors(include_url=False)]
        return None, sorted(set(problems))


@cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _node_at(model: type[BaseModel], path: Path_) -> dict[str, Any] | None:
    """The JSON schema node describing the value at `path`, following refs and optionals."""
    root = _schema(model)
    defs = root.get("$defs", {})

    def deref(node: dict[str, Any]) -> dict[str, Any]:
        while True:
            if "$ref" in node:
                node = defs[node["$ref"].rsplit("/", 1)[-1]]
            elif "anyOf" in node:
                options = [o for o in node["anyOf"] if o.get("type") != "null"]
                if len(options) != 1:
                    return node
                node = options[0]
            else:
                return node

    node = deref(root)
    for part in path:
        if isinstance(part, int):
            node = deref(node.get("items", {}))
        elif part in node.get("properties", {}):
            node = deref(node["properties"][part])
        elif isinstance(node.get("additionalProperties"), dict):
            node = deref(node["additionalProperties"])
        else:
            return None
    return node


def _doc_path(doc: Document, loc: tuple[int | str, ...]) -> tuple[Path_, bool]:
    """The document path of an error location, and whether it points at a key."""
    path: list[str | int] = []
    for part in loc:
        if part == "[key]":
            return tuple(path), True
        candidate = (*path, part)
        if candidate in doc.values or candidate in doc.keys:
            path.append(part)
        elif isinstance(part, str) and ("[" in part or "-" in part) and not path:
            continue  # a validator's name inside the location, not a field
        elif isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"}):
            continue
        else:
            path.append(part)
    return tuple(path), False


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty (null)"
    return type(value).__name__


def _message(model: type[BaseModel], path: Path_, err: ErrorDetails, source: str | None) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown_field(model, path)
    if kind in _EXPECTED:
        return _type_mismatch(kind, value, source)
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}; got {value!r}"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return f"must have at least {minimum} {'item' if isinstance(value, list | dict) else 'character'}{'s' if minimum != 1 else ''}"
    if kind == "too_long":
        return f"is too long: at most {ctx.get('max_length')} allowed"
    if kind == "string_pattern_mismatch":
        described = (_node_at(model, path) or {}).get("description")
        return f"{value!r} is not allowed here" + (
            f": {described}" if described else f" (pattern {ctx.get('pattern')})"
        )
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return err["msg"].replace("Input should be", "must be")
    return err["msg"]


def _unknown_field(model: type[BaseModel], path: Path_) -> str:
    """An unknown field, with the fields its mapping allows and the closest of them."""
    parent = _node_at(model, path[:-1]) or {}
    allowed = sorted(parent.get("properties", {}))
    hint = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    said = f"unknown field {str(path[-1])!r}"
    if hint:
        said += f" (did you mean {hint[0]!r}?)"
    return f"{said}; allowed: {', '.join(allowed)}"


# pydantic's error type for a value of the wrong type -> what the field expects, in YAML words.
_EXPECTED = {
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a number",
    "float_type": "a number",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def _type_mismatch(kind: str, value: Any, source: str | None) -> str:
    """`source` is the scalar as written in the file, when YAML read it as something else."""
    said = f"expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind == "bool_type":
        return f"{said} {source or repr(value)}"
    if kind == "string_type" and source is not None and isinstance(value, int | float):
        # YAML read an unquoted 2.10, 8080 or true as a number or boolean where a string was
        # meant: the hint quotes the text the user typed (2.10), never the number (2.1).
        return f"{said}; quote it: {json.dumps(source, ensure_ascii=False)}"
    return said


def _problem(model: type[BaseModel], doc: Document, err: ErrorDetails) -> Problem:
    path, at_key = _doc_path(doc, tuple(err["loc"]))
    line, col = doc.where(path, key=at_key or err["type"] == "extra_forbidden")
    if err["type"] == "missing":
        line, col = doc.where(path[:-1], key=True)
    message = _message(model, path, err, doc.texts.get(path))
    return Problem(doc.path, line, col, dotted(path), message)
