"""Kubernetes structural schemas (a CRD's openAPIV3Schema) as JSON Schema 2020-12.

The translation keeps the API server's semantics, so that its pruning of unknown fields
becomes an error here instead of a silently dropped field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def translate(node: Mapping[str, Any], *, structural: bool) -> dict[str, Any]:
    """OpenAPI v3 structural schema -> JSON Schema 2020-12 with the API server's semantics.

    `structural` is False below allOf/anyOf/oneOf/not, which in a structural schema only add
    value checks (`required`, bounds) and never declare fields, so they must stay open.
    """
    out: dict[str, Any] = {}
    for key, value in node.items():
        translated = _translate_keyword(key, value, node, structural=structural)
        if translated is not _DROP:
            out[key] = translated
    for key, bound in _EXCLUSIVE_BOUNDS.items():
        if key in out:
            out.pop(bound, None)
    _apply_kubernetes_extensions(node, out)
    if structural and _prunes_unknown_fields(node):
        # The API server prunes fields a structural schema does not declare: strict here.
        out["additionalProperties"] = False
    if node.get("nullable"):
        _allow_null(out)
    return out


# A keyword translate() leaves out of the JSON Schema.
_DROP = object()
# OpenAPI 3.0 boolean -> the bound it makes exclusive.
_EXCLUSIVE_BOUNDS = {"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}
# Annotations with no say in validity (defaulting and nullability are the API server's).
_ANNOTATIONS = ("nullable", "default", "example")


def _translate_keyword(key: str, value: Any, node: Mapping[str, Any], *, structural: bool) -> Any:
    """The value of `key` in the translated schema, or _DROP."""
    if key == "properties":
        return {name: translate(sub, structural=structural) for name, sub in value.items()}
    if key in ("items", "additionalProperties") and isinstance(value, dict):
        return translate(value, structural=structural)
    if key in ("allOf", "anyOf", "oneOf"):
        return [translate(sub, structural=False) for sub in value]
    if key == "not":
        return translate(value, structural=False)
    if key == "pattern":
        return _python_pattern(value)
    if key == "x-kubernetes-list-map-keys":
        return value  # enforced by the custom keyword of crd_schema._CrdSchemaValidator
    if key in _EXCLUSIVE_BOUNDS:
        # OpenAPI 3.0 booleans modify minimum/maximum; JSON Schema wants the bound itself.
        bound = _EXCLUSIVE_BOUNDS[key]
        return node[bound] if value is True and bound in node else _DROP
    if key.startswith("x-kubernetes-") or key in _ANNOTATIONS:
        return _DROP
    return value


def _apply_kubernetes_extensions(node: Mapping[str, Any], out: dict[str, Any]) -> None:
    """The x-kubernetes-* markers that change what a value may be."""
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
        # The usual companion anyOf [integer, string] only duplicates the type errors.
        if out.get("anyOf") == [{"type": "integer"}, {"type": "string"}]:
            del out["anyOf"]
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if node.get("x-kubernetes-embedded-resource"):
        properties = out.setdefault("properties", {})
        for name, field_type in (("apiVersion", "string"), ("kind", "string")):
            properties.setdefault(name, {"type": field_type})
        properties.setdefault("metadata", {"type": "object"})


def _prunes_unknown_fields(node: Mapping[str, Any]) -> bool:
    """An object whose undeclared fields the API server would drop."""
    return (
        node.get("type") == "object"
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    )


def _allow_null(out: dict[str, Any]) -> None:
    if "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]


def _python_pattern(pattern: str) -> str:
    """Go RE2 allows inline flags mid-pattern (`^(?i)(a|b)$`); Python only at the start."""
    flags = re.search(r"\(\?([imsU]+)\)", pattern)
    if flags and flags.start() > 0:
        pattern = f"{pattern[: flags.start()]}(?{flags.group(1)}:{pattern[flags.end() :]})"
    re.compile(pattern)  # fail while building the validator, not midway through validation
    return pattern
