"""Strict schema validation of rendered Kubernetes objects, offline.

Core kinds are checked against the strict (unknown fields rejected) JSON Schemas shipped by
`kubernetes-validate` for the platform's `kubernetesVersion`; custom resources against their
CRDs (crd_schema.py). Every object's metadata is also checked against the rules the API server
applies to names, labels and annotations, which neither kind of schema expresses. A kind with no
schema is a problem, never a skip.

Problems are data, `(path inside the object, message)`, so verify can place them and a test can
assert on them.

Speed: python-jsonschema is slow per object, and a 1,000-tenant verify checks ~100,000 objects.
So each schema, core or CRD, is also compiled by jsonschema-rs, which answers "valid?" one to
two orders of magnitude faster (bench/results.md); only an object it does not call valid goes
through python-jsonschema, whose messages are the report. Both implement the same Draft 2020-12
on the same schema (the core schemas assert no formats and have no `pattern`; a CRD's formats
and list-map keys run the same Python functions in both), so the verdict is the same; the tests
hold both to that on every object of the example and of the cases, and on each of them broken in
several ways.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
from jsonschema.protocols import Validator
from kubernetes_validate.utils import all_versions, schema_contents  # type: ignore[import-untyped]
from packaging.version import Version
from referencing import Registry, Resource

from generator.verify import kube_meta
from generator.verify.crd_schema import CrdConflict, CrdIndex, vendored_crd_dir
from generator.yamlio.trusted import load_documents

# The default of platform.yaml's `kubernetesVersion`. It trails the newest release on purpose:
# managed clusters run a few minors behind upstream, and validating against the oldest version
# a platform targets means a field that only exists in newer Kubernetes fails here.
DEFAULT_KUBERNETES_VERSION = "1.34"

ObjPath = tuple[str | int, ...]
_OBJECT_META_REF = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class Schemas:
    """The schemas of one platform: a Kubernetes version and its CRD folders."""

    def __init__(
        self,
        kubernetes_version: str = DEFAULT_KUBERNETES_VERSION,
        crd_dirs: Sequence[Path] = (),
    ) -> None:
        self.version = kubernetes_version
        self.crds = CrdIndex([*crd_dirs, vendored_crd_dir()])

    def cluster_scoped(self, obj: Mapping[str, Any]) -> bool | None:
        """Whether `obj`'s kind is cluster-scoped; None for a kind without a schema."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return None
        group, _, version = api_version.rpartition("/")
        if _core_validator(self.version, api_version, kind) is not None:
            return (group, kind) in kube_meta.CORE_CLUSTER_SCOPED
        try:
            crd = self.crds.versions(group, kind).get(version)
        except CrdConflict:
            return None
        return None if crd is None else crd.scope == "Cluster"

    def problems(self, obj: object) -> list[tuple[ObjPath, str]]:
        """Every problem of one object, sorted; [] when the API server would take it as is."""
        if not isinstance(obj, dict):
            return [((), f"expected a mapping, got {type(obj).__name__}")]
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return [((), "apiVersion and kind must be strings")]
        group, _, version = api_version.rpartition("/")
        found: list[tuple[ObjPath, str]] = []
        core = _core_validator(self.version, api_version, kind)
        if core is not None:
            # The strict core schema already covers metadata's shape (ObjectMeta, unknown keys).
            if not _fast_valid(_fast_core_validator(self.version, api_version, kind), obj):
                found += _schema_problems(core, obj)
            cluster_scoped = (group, kind) in kube_meta.CORE_CLUSTER_SCOPED
        else:
            try:
                versions = self.crds.versions(group, kind)
            except CrdConflict as exc:
                return [(("apiVersion",), str(exc))]
            crd = versions.get(version)
            if crd is None:
                return [(("apiVersion",), self._unknown(api_version, kind, sorted(versions)))]
            if not crd.served:
                return [(("apiVersion",), f"{api_version} {kind} is defined but not served")]
            if not _fast_valid(self.crds.fast_validator(group, version, kind), obj):
                found += _schema_problems(self.crds.validator(group, version, kind), obj)
            # CRD schemas leave metadata as a bare object; hold it to the built-in ObjectMeta.
            metadata = obj.get("metadata")
            if isinstance(metadata, dict) and not _fast_valid(
                _fast_object_meta_validator(self.version), metadata
            ):
                found += [
                    (("metadata", *path), message)
                    for path, message in _schema_problems(
                        _object_meta_validator(self.version), metadata
                    )
                ]
            cluster_scoped = crd.scope == "Cluster"
        # ObjectMeta's schema and the API server's rules both reject e.g. a boolean label value.
        reported = {path for path, _ in found}
        found += [
            p
            for p in kube_meta.metadata_problems(obj, group, kind, cluster_scoped)
            if p[0] not in reported
        ]
        return sorted(found, key=str)

    def _unknown(self, api_version: str, kind: str, versions: list[str]) -> str:
        if versions:
            return f"no schema for {api_version} {kind}; its CRD defines {', '.join(versions)}"
        return (
            f"no schema for {api_version} {kind}: not a Kubernetes {self.version} kind, and no"
            " CRD in generator/crds or platform.yaml's crdDirs defines it"
        )


def json_path(path: Iterable[str | int], root: str = "$") -> str:
    text = root
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part)}]"
    return text


def label(obj: Mapping[str, Any], index: int) -> str:
    kind = obj.get("kind") if isinstance(obj.get("kind"), str) else "?"
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name, namespace = metadata.get("name"), metadata.get("namespace")
    if not isinstance(name, str) or not name:
        return f"{kind}/object[{index}]"
    return (
        f"{kind}/{namespace}/{name}"
        if isinstance(namespace, str) and namespace
        else f"{kind}/{name}"
    )


@functools.cache
def default_schemas() -> Schemas:
    return Schemas()


def validate_objects(objects: list[dict[str, Any]], schemas: Schemas | None = None) -> list[str]:
    """Every problem in `objects`, one `Kind/namespace/name: $.path: message` line each."""
    schemas = schemas or default_schemas()
    lines: list[str] = []
    for index, obj in enumerate(objects):
        where = label(obj, index) if isinstance(obj, dict) else f"object[{index}]"
        lines += [f"{where}: {json_path(path)}: {msg}" for path, msg in schemas.problems(obj)]
    return lines


def validate_yaml_stream(text: str, schemas: Schemas | None = None) -> list[str]:
    """Validate every object of a multi-document YAML stream (kustomize build, helm template)."""
    return validate_objects([doc for doc, _ in load_documents(text)], schemas)


def is_cluster_scoped(obj: dict[str, Any]) -> bool:
    """Whether `obj`'s kind is cluster-scoped; ValueError for a kind without a schema."""
    scoped = default_schemas().cluster_scoped(obj)
    if scoped is None:
        raise ValueError(f"no schema for {obj.get('apiVersion')} {obj.get('kind')}")
    return scoped


def _schema_problems(validator: Validator, instance: Any) -> Iterator[tuple[ObjPath, str]]:
    for error in validator.iter_errors(instance):
        path = tuple(error.absolute_path)
        if (
            error.validator == "additionalProperties"
            and error.validator_value is False
            and isinstance(error.schema, Mapping)
            and isinstance(error.instance, dict)
        ):
            # Point at each unknown field itself rather than at the mapping that holds it.
            allowed = error.schema.get("properties", {})
            for key in sorted(set(error.instance) - set(allowed), key=str):
                yield (*path, key), "unknown field"
            continue
        message = error.message
        if error.context:
            best = jsonschema.exceptions.best_match(error.context)
            message = f"{message} ({json_path(tuple(best.relative_path))}: {best.message})"
        yield path, message


# --- core kinds (kubernetes-validate) --------------------------------------------------------


@functools.cache
def _core_schema_dir(kubernetes_version: str) -> str:
    wanted = Version(kubernetes_version)
    # Compare as versions: the package itself compares "major.minor" strings, so "1.4" > "1.34".
    candidates = [v for v in all_versions() if Version(v).release[:2] == wanted.release[:2]]
    if not candidates:
        raise ValueError(f"kubernetes-validate ships no schemas for {kubernetes_version}")
    return f"kubernetes-json-schema/v{candidates[-1]}-local-strict"


@functools.cache
def _core_registry(kubernetes_version: str) -> Registry[Any]:
    folder = _core_schema_dir(kubernetes_version)
    definitions = schema_contents(f"{folder}/_definitions.json", kubernetes_version)
    return Resource.from_contents(definitions) @ Registry()


@functools.cache
def _core_validator(kubernetes_version: str, api_version: str, kind: str) -> Validator | None:
    """The packaged strict schema for a top-level kind, or None if it is not a built-in kind.

    Built once per kind: `kubernetes_validate.validate()` re-reads the 1.5 MB definitions file on
    every call (bench/results.md) and stops at the first error. The lookup mirrors it exactly.
    """
    # Same file naming as kubernetes_validate.validate(): "networking.k8s.io/v1" -> "networking-v1".
    flat_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    filename = f"{_core_schema_dir(kubernetes_version)}/{kind.lower()}-{flat_version}.json"
    try:
        schema = schema_contents(filename, kubernetes_version)
    except FileNotFoundError:
        return None
    # The flattened file name also matches sub-types (DeploymentSpec) and foreign groups
    # (apps.example.com/v1 Deployment); only a listed group/version/kind is a built-in kind.
    group, _, version = api_version.rpartition("/")
    gvks = schema.get("x-kubernetes-group-version-kind", [])
    if {"group": group, "version": version, "kind": kind} not in gvks:
        return None
    registry = Resource.from_contents(schema) @ _core_registry(kubernetes_version)
    validator: Validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return validator


@functools.cache
def _object_meta_validator(kubernetes_version: str) -> Validator:
    validator: Validator = jsonschema.Draft202012Validator(
        {"$ref": _OBJECT_META_REF}, registry=_core_registry(kubernetes_version)
    )
    return validator


# --- the fast path (jsonschema-rs) ----------------------------------------------------------


def _fast_valid(fast: Any, instance: Any) -> bool:
    """Whether jsonschema-rs calls `instance` valid; False (ask python-jsonschema) when unsure."""
    if fast is None:
        return False
    try:
        return bool(fast.is_valid(instance))
    except Exception:  # a value it cannot convert (bytes from !!binary): the slow path decides
        return False


@functools.cache
def _fast_registry(kubernetes_version: str) -> Any:
    folder = _core_schema_dir(kubernetes_version)
    definitions = schema_contents(f"{folder}/_definitions.json", kubernetes_version)
    return jsonschema_rs.Registry([(str(definitions["$id"]), definitions)])


@functools.cache
def _fast_core_validator(kubernetes_version: str, api_version: str, kind: str) -> Any:
    core = _core_validator(kubernetes_version, api_version, kind)
    assert core is not None and isinstance(core.schema, Mapping)
    return jsonschema_rs.Draft202012Validator(
        dict(core.schema), registry=_fast_registry(kubernetes_version), validate_formats=False
    )


@functools.cache
def _fast_object_meta_validator(kubernetes_version: str) -> Any:
    return jsonschema_rs.Draft202012Validator(
        {"$ref": _OBJECT_META_REF},
        registry=_fast_registry(kubernetes_version),
        validate_formats=False,
    )
