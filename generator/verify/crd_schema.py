"""Custom resources against their CRDs: a lazy index of CRD files and their validators.

Parsing all vendored CRD YAML takes seconds even with libyaml (bench/results.md), and a run
needs a dozen kinds.
So each CRD file is only scanned once with a regular expression for the `group:` and `kind:`
values it names (a superset of what it defines); a lookup of (group, kind) parses only the
files that name both. The answer comes from the parsed CRDs alone, so the scan can only make a
lookup slower, never wrong. Folders are searched in order (a platform's `crdDirs` before the
vendored ones): the first folder that defines a (group, kind) supplies all of its versions.

A CRD's schema is translated to JSON Schema by structural_schema.py and checked with a
keyword for `x-kubernetes-list-map-keys` and the formats the API server checks.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import ipaddress
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.protocols import Validator

from generator.verify.structural_schema import translate
from generator.yamlio.trusted import load_all_trusted

# No `\b` and no space before the colon: four times faster, and a superset is all it must be.
_NAMED = re.compile(r"""(kind|group)["']?:[ \t]*["']?([A-Za-z0-9][\w.-]*)""")
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def vendored_crd_dir() -> Path:
    """The upstream CRDs shipped inside the package (generator/crds, with their provenance)."""
    return Path(__file__).resolve().parents[1] / "crds"


@dataclass(frozen=True)
class CrdVersion:
    source: Path
    scope: str
    served: bool
    schema: Mapping[str, Any] = field(repr=False)


class CrdConflict(Exception):
    """Two files of one folder define the same group and kind."""


@dataclass
class _File:
    path: Path
    kinds: frozenset[str]
    groups: frozenset[str]


class CrdIndex:
    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = [Path(f) for f in folders]
        self._files: list[list[_File]] | None = None
        self._parsed: dict[Path, list[tuple[tuple[str, str, str], CrdVersion]]] = {}
        self._kinds: dict[tuple[str, str], dict[str, CrdVersion] | CrdConflict] = {}
        self._validators: dict[tuple[str, str, str], Validator] = {}
        self._fast: dict[tuple[str, str, str], Any] = {}
        self.files_parsed = 0

    def _scan(self) -> list[list[_File]]:
        if self._files is None:
            self._files = []
            for folder in self.folders:
                found = []
                for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
                    named = _NAMED.findall(path.read_text(encoding="utf-8"))
                    found.append(
                        _File(
                            path,
                            frozenset(v for k, v in named if k == "kind"),
                            frozenset(v for k, v in named if k == "group"),
                        )
                    )
                self._files.append(found)
        return self._files

    def _parse(self, path: Path) -> list[tuple[tuple[str, str, str], CrdVersion]]:
        if path not in self._parsed:
            self.files_parsed += 1
            entries = []
            text = path.read_text(encoding="utf-8")
            for doc in load_all_trusted(text, kubernetes=True):
                if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc.get("spec") or {}
                for entry in spec.get("versions") or []:
                    schema = (entry.get("schema") or {}).get("openAPIV3Schema") or {}
                    key = (
                        str(spec.get("group")),
                        str(entry.get("name")),
                        str(spec["names"]["kind"]),
                    )
                    version = CrdVersion(
                        path, str(spec.get("scope")), bool(entry.get("served", False)), schema
                    )
                    entries.append((key, version))
            self._parsed[path] = entries
        return self._parsed[path]

    def versions(self, group: str, kind: str) -> dict[str, CrdVersion]:
        """The versions of (group, kind) by name, {} if no CRD defines it; CrdConflict."""
        if (group, kind) not in self._kinds:
            self._kinds[(group, kind)] = self._find(group, kind)
        found = self._kinds[(group, kind)]
        if isinstance(found, CrdConflict):
            raise found
        return found

    def _find(self, group: str, kind: str) -> dict[str, CrdVersion] | CrdConflict:
        if not group:
            return {}
        for files in self._scan():
            versions: dict[str, CrdVersion] = {}
            for candidate in files:
                if kind not in candidate.kinds or group not in candidate.groups:
                    continue
                for (g, v, k), crd in self._parse(candidate.path):
                    if (g, k) != (group, kind):
                        continue
                    other = next(iter(versions.values())).source if versions else crd.source
                    if other != crd.source:
                        return CrdConflict(
                            f"{group} {kind} is defined in both {other} and {crd.source}"
                        )
                    versions[v] = crd
            if versions:
                return versions
        return {}

    def validator(self, group: str, version: str, kind: str) -> Validator:
        key = (group, version, kind)
        if key not in self._validators:
            self._validators[key] = crd_validator(self.versions(group, kind)[version].schema)
        return self._validators[key]

    def fast_validator(self, group: str, version: str, kind: str) -> Any:
        """jsonschema-rs on the same schema as `validator`, for "valid?" only; None when it
        cannot compile the schema (then python-jsonschema decides every object)."""
        key = (group, version, kind)
        if key not in self._fast:
            schema = self.validator(group, version, kind).schema
            assert isinstance(schema, Mapping)
            self._fast[key] = fast_crd_validator(dict(schema))
        return self._fast[key]


def crd_validator(crd_schema: Mapping[str, Any]) -> Validator:
    schema = translate(crd_schema, structural=True)
    # Root metadata is checked against ObjectMeta separately; here it only has to be a mapping.
    properties = schema.setdefault("properties", {})
    properties["metadata"] = {"type": "object"}
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    validator: Validator = _CrdSchemaValidator(schema, format_checker=_FORMAT_CHECKER)
    return validator


def fast_crd_validator(schema: dict[str, Any]) -> Any:
    """A translated CRD schema (`crd_validator(...).schema`) compiled by jsonschema-rs with the
    same custom keyword and the same formats: python-jsonschema checks only `_FORMATS`, so every
    other format jsonschema-rs knows is switched off. None if it refuses the schema."""
    formats: dict[str, Callable[[str], bool]] = {name: _any_value for name in _RS_FORMATS}
    formats.update({name: _as_bool(check) for name, check in _FORMATS.items()})
    try:
        return jsonschema_rs.Draft202012Validator(
            schema,
            formats=formats,
            validate_formats=True,
            keywords={"x-kubernetes-list-map-keys": _FastListMapKeys},
        )
    except (ValueError, jsonschema_rs.ValidationError):
        return None


def _duplicates(keys: list[str], items: list[Any]) -> Iterator[tuple[int, int]]:
    """(item, earlier item) for each item with the same values of `keys` as an earlier one."""
    seen: dict[str, int] = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        identity = json.dumps([item.get(key) for key in keys], sort_keys=True, default=str)
        if identity in seen:
            yield position, seen[identity]
        else:
            seen[identity] = position


def _unique_list_map_keys(
    validator: Validator, keys: list[str], instance: object, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """`x-kubernetes-list-type: map`: the API server rejects two items with the same keys."""
    if not isinstance(instance, list):
        return
    for position, earlier in _duplicates(keys, instance):
        yield jsonschema.ValidationError(
            f"duplicate entry: same {', '.join(keys)} as item [{earlier}]", path=[position]
        )


class _FastListMapKeys:
    """The same keyword for jsonschema-rs, which only needs to know whether it holds."""

    def __init__(self, parent_schema: object, value: list[str], schema_path: object) -> None:
        self.keys = value

    def validate(self, instance: object) -> None:
        if isinstance(instance, list) and next(_duplicates(self.keys, instance), None):
            raise ValueError("duplicate entry")


_CrdSchemaValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator,
    validators={"x-kubernetes-list-map-keys": _unique_list_map_keys},
)


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    datetime.datetime.fromisoformat(value.upper())  # ValueError for e.g. month 13
    return True


def _is_base64(value: object) -> bool:
    if isinstance(value, str):
        base64.b64decode(value, validate=True)
    return True


def _is_ipv4(value: object) -> bool:
    if isinstance(value, str):
        ipaddress.IPv4Address(value)
    return True


def _is_ipv6(value: object) -> bool:
    if isinstance(value, str):
        ipaddress.IPv6Address(value)
    return True


# Only the formats the API server checks for CRDs and that occur in the vendored CRDs; int32
# and int64 are not range-checked by the API server either. Name -> (check, what a bad value
# raises).
_FORMATS: dict[str, tuple[Callable[[object], bool], type[Exception]]] = {
    "date-time": (_is_date_time, ValueError),
    "byte": (_is_base64, binascii.Error),
    "ipv4": (_is_ipv4, ValueError),
    "ipv6": (_is_ipv6, ValueError),
}


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())
    for name, (check, raises) in _FORMATS.items():
        checker.checks(name, raises=raises)(check)
    return checker


_FORMAT_CHECKER = _format_checker()

# The formats jsonschema-rs asserts of its own for Draft 2020-12.
_RS_FORMATS = (
    "date", "date-time", "duration", "email", "hostname", "idn-email", "idn-hostname", "ipv4",
    "ipv6", "iri", "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time",
    "uri", "uri-reference", "uri-template", "uuid",
)  # fmt: skip


def _any_value(value: str) -> bool:
    return True


def _as_bool(check: tuple[Callable[[object], bool], type[Exception]]) -> Callable[[str], bool]:
    function, raises = check

    def holds(value: str) -> bool:
        try:
            return function(value)
        except raises:
            return False

    return holds
