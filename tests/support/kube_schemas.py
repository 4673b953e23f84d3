"""Strict schema validation of rendered Kubernetes objects, for the test suite.

Core kinds are checked against the strict (unknown fields rejected) JSON Schemas shipped by the
`kubernetes-validate` package; custom resources against the upstream CRDs in
`generator/crds`, translated from Kubernetes structural schemas to JSON Schema so that the
API server's pruning becomes an error here instead of a silently dropped field in the cluster.
Every object's metadata is also checked against the rules the API server applies to names,
labels and annotations, which neither kind of schema expresses.

Problems are returned as data (`Kind/namespace/name: $.json.path: message`) so a test can assert
on them or print them all at once.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema.protocols import Validator
from kubernetes_validate.utils import all_versions, schema_contents  # type: ignore[import-untyped]
from packaging.version import Version
from referencing import Registry, Resource

# Pinned so results never depend on which kubernetes-validate release is installed (1.37.0 ships
# schemas up to 1.37). 1.34 trails the newest release on purpose: managed clusters run a few minors
# behind upstream, and validating against the oldest version we target means a field that only
# exists in newer Kubernetes fails here instead of being pruned or rejected by an older cluster.
KUBERNETES_VERSION = "1.34"

_OBJECT_META_REF = "https://kubernetes.io/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

# Cluster-scoped built-in kinds by (API group, kind); the packaged JSON Schemas carry no scope.
_CORE_CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
        ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
    }
)

# Name rules of k8s.io/apimachinery validation, for the built-in kinds that differ from the
# default (DNS-1123 subdomain); custom resources always use the default.
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_QUALIFIED_NAME_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_NAME_RULE: dict[tuple[str, str], str] = {
    ("", "Namespace"): "dns1123-label",
    ("", "Service"): "dns1035-label",
    ("rbac.authorization.k8s.io", "Role"): "path-segment",
    ("rbac.authorization.k8s.io", "ClusterRole"): "path-segment",
    ("rbac.authorization.k8s.io", "RoleBinding"): "path-segment",
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): "path-segment",
}
_ANNOTATIONS_MAX_BYTES = 256 * 1024

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def crd_dir() -> Path:
    """The upstream CRDs shipped inside the package (generator/crds, with their provenance)."""
    return Path(__file__).resolve().parents[2] / "generator" / "crds"


def validate_objects(objects: list[dict[str, Any]]) -> list[str]:
    """Every problem in `objects`, one line each; an empty list means all are valid."""
    problems: list[str] = []
    for index, obj in enumerate(objects):
        problems.extend(_object_problems(obj, index))
    return problems


def validate_yaml_stream(text: str) -> list[str]:
    """Validate every object of a multi-document YAML stream (kustomize build, helm template)."""
    documents = [doc for doc in yaml.load_all(text, Loader=_KubeYamlLoader) if doc is not None]
    return validate_objects(documents)


def is_cluster_scoped(obj: dict[str, Any]) -> bool:
    """Whether `obj`'s kind is cluster-scoped; ValueError for a kind without a schema."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise ValueError(f"object has no string apiVersion/kind: {api_version!r}/{kind!r}")
    group, _, version = api_version.rpartition("/")
    if _core_validator(api_version, kind) is not None:
        return (group, kind) in _CORE_CLUSTER_SCOPED
    crd = _crd_index(str(crd_dir())).get((group, version, kind))
    if crd is None:
        raise ValueError(f"no schema for {api_version} {kind}")
    return crd.scope == "Cluster"


# --- per object -------------------------------------------------------------------------------


def _object_problems(obj: object, index: int) -> list[str]:
    if not isinstance(obj, dict):
        return [f"object[{index}]: $: expected a mapping, got {type(obj).__name__}"]
    label = _label(obj, index)
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return [f"{label}: $: apiVersion and kind must be strings"]
    group, _, version = api_version.rpartition("/")

    found: list[tuple[tuple[str | int, ...], str]] = []
    core = _core_validator(api_version, kind)
    if core is not None:
        # The strict core schema already covers metadata's shape (ObjectMeta, unknown keys).
        found += _schema_problems(core, obj)
        cluster_scoped = (group, kind) in _CORE_CLUSTER_SCOPED
    else:
        crd = _crd_index(str(crd_dir())).get((group, version, kind))
        if crd is None:
            return [f"{label}: $: no schema for {api_version} {kind}"]
        if not crd.served:
            return [f"{label}: $.apiVersion: {api_version} {kind} is defined but not served"]
        found += _schema_problems(_crd_validator(str(crd_dir()), group, version, kind), obj)
        # CRD schemas leave metadata as a bare object; hold it to the built-in ObjectMeta shape.
        metadata = obj.get("metadata")
        if isinstance(metadata, dict):
            found += [
                (("metadata", *path), message)
                for path, message in _schema_problems(_object_meta_validator(), metadata)
            ]
        cluster_scoped = crd.scope == "Cluster"

    # ObjectMeta's schema and the API server's rules both reject e.g. a boolean label value.
    reported = {path for path, _ in found}
    found += [
        p for p in _metadata_problems(obj, group, kind, cluster_scoped) if p[0] not in reported
    ]
    return [f"{label}: {_json_path(path)}: {message}" for path, message in sorted(found, key=str)]


def _label(obj: Mapping[str, Any], index: int) -> str:
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


def _schema_problems(
    validator: Validator, instance: Any
) -> Iterator[tuple[tuple[str | int, ...], str]]:
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
            message = f"{message} ({_json_path(tuple(best.relative_path))}: {best.message})"
        yield path, message


def _metadata_problems(
    obj: Mapping[str, Any], group: str, kind: str, cluster_scoped: bool
) -> list[tuple[tuple[str | int, ...], str]]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return [(("metadata",), "metadata must be a mapping with at least a name")]
    found: list[tuple[tuple[str | int, ...], str]] = []

    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        # generateName cannot be applied declaratively (kubectl apply, Argo CD): a name is needed.
        found.append((("metadata", "name"), "a non-empty name is required"))
    else:
        rule = _LABEL_NAME_RULE.get((group, kind), "dns1123-subdomain")
        problem = _name_problem(name, rule)
        if problem:
            found.append((("metadata", "name"), problem))

    namespace = metadata.get("namespace")
    if namespace is not None:
        if cluster_scoped:
            # The API server silently drops it, so it always means the generator misplaced it.
            found.append((("metadata", "namespace"), f"{kind} is cluster-scoped"))
        elif not isinstance(namespace, str) or not _is_label(namespace, _DNS1123_LABEL):
            found.append((("metadata", "namespace"), f"{namespace!r} is not a DNS-1123 label"))

    labels = metadata.get("labels")
    if labels is not None:
        if not isinstance(labels, dict):
            found.append((("metadata", "labels"), "must be a mapping of string to string"))
        else:
            for key, value in labels.items():
                path: tuple[str | int, ...] = ("metadata", "labels", key)
                found += [(path, p) for p in _qualified_name_problems(key)]
                found += [(path, p) for p in _label_value_problems(value)]

    annotations = metadata.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict):
            found.append((("metadata", "annotations"), "must be a mapping of string to string"))
        else:
            size = 0
            for key, value in annotations.items():
                path = ("metadata", "annotations", key)
                found += [(path, p) for p in _qualified_name_problems(key)]
                if not isinstance(value, str):
                    found.append((path, f"value {value!r} is not a string"))
                size += len(str(key).encode()) + len(str(value).encode())
            if size > _ANNOTATIONS_MAX_BYTES:
                found.append((("metadata", "annotations"), f"{size} bytes, limit is 256 KiB"))
    return found


def _name_problem(name: str, rule: str) -> str | None:
    if rule == "path-segment":
        if name in (".", "..") or "/" in name or "%" in name:
            return f"{name!r} may not be '.', '..' or contain '/' or '%'"
        return None
    if rule == "dns1123-label" and not _is_label(name, _DNS1123_LABEL):
        return f"{name!r} is not a DNS-1123 label (lowercase alphanumerics and '-', <= 63)"
    if rule == "dns1035-label" and not _is_label(name, _DNS1035_LABEL):
        return f"{name!r} is not a DNS-1035 label (starts with a letter, <= 63)"
    if rule == "dns1123-subdomain" and not _is_subdomain(name):
        return f"{name!r} is not a DNS-1123 subdomain (lowercase, '-' and '.', <= 253)"
    return None


def _is_label(value: str, pattern: re.Pattern[str]) -> bool:
    return len(value) <= 63 and pattern.fullmatch(value) is not None


def _is_subdomain(value: str) -> bool:
    return len(value) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(value) is not None


def _qualified_name_problems(key: object) -> list[str]:
    if not isinstance(key, str):
        return [f"key {key!r} is not a string"]
    prefix, slash, name = key.rpartition("/")
    problems = []
    if slash and not (prefix and _is_subdomain(prefix)):
        problems.append(f"key prefix {prefix!r} is not a DNS-1123 subdomain")
    if len(name) > 63 or _QUALIFIED_NAME_PART.fullmatch(name) is None:
        problems.append(
            f"key name {name!r} must be <= 63 alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        )
    return problems


def _label_value_problems(value: object) -> list[str]:
    # YAML turns unquoted true/1/1.0 into non-strings; the API server rejects those label values.
    if not isinstance(value, str):
        return [f"value {value!r} is not a string"]
    if value and (len(value) > 63 or _QUALIFIED_NAME_PART.fullmatch(value) is None):
        return [
            f"value {value!r} must be empty or <= 63 alphanumerics, '-', '_' or '.', "
            "starting and ending with an alphanumeric"
        ]
    return []


def _json_path(path: Iterable[str | int]) -> str:
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}"
        else:
            text += f"[{json.dumps(part)}]"
    return text


# --- core kinds (kubernetes-validate) --------------------------------------------------------


@functools.cache
def _core_schema_dir() -> str:
    wanted = Version(KUBERNETES_VERSION)
    # Compare as versions: the package itself compares "major.minor" strings, so "1.4" > "1.34".
    candidates = [v for v in all_versions() if Version(v).release[:2] == wanted.release[:2]]
    if not candidates:
        raise RuntimeError(f"kubernetes-validate ships no schemas for {KUBERNETES_VERSION}")
    return f"kubernetes-json-schema/v{candidates[-1]}-local-strict"


@functools.cache
def _core_registry() -> Registry[Any]:
    definitions = schema_contents(f"{_core_schema_dir()}/_definitions.json", KUBERNETES_VERSION)
    return Resource.from_contents(definitions) @ Registry()


@functools.cache
def _core_validator(api_version: str, kind: str) -> Validator | None:
    """The packaged strict schema for a top-level kind, or None if it is not a built-in kind.

    Built once per kind: `kubernetes_validate.validate()` re-reads the 1.5 MB definitions file on
    every call (~25 ms an object) and stops at the first error. The lookup mirrors it exactly.
    """
    # Same file naming as kubernetes_validate.validate(): "networking.k8s.io/v1" -> "networking-v1".
    flat_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    filename = f"{_core_schema_dir()}/{kind.lower()}-{flat_version}.json"
    try:
        schema = schema_contents(filename, KUBERNETES_VERSION)
    except FileNotFoundError:
        return None
    # The flattened file name also matches sub-types (DeploymentSpec) and foreign groups
    # (apps.example.com/v1 Deployment); only a listed group/version/kind is a built-in kind.
    group, _, version = api_version.rpartition("/")
    gvks = schema.get("x-kubernetes-group-version-kind", [])
    if {"group": group, "version": version, "kind": kind} not in gvks:
        return None
    registry = Resource.from_contents(schema) @ _core_registry()
    validator: Validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return validator


@functools.cache
def _object_meta_validator() -> Validator:
    validator: Validator = jsonschema.Draft202012Validator(
        {"$ref": _OBJECT_META_REF}, registry=_core_registry()
    )
    return validator


# --- custom resources (upstream CRDs) --------------------------------------------------------


@dataclass(frozen=True)
class _CrdVersion:
    source: Path
    scope: str
    served: bool
    schema: Mapping[str, Any]


@functools.cache
def _crd_index(directory: str) -> dict[tuple[str, str, str], _CrdVersion]:
    """Every CRD version under `directory`, by (group, version, kind)."""
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"upstream CRDs not found at {root}")
    index: dict[tuple[str, str, str], _CrdVersion] = {}
    for path in sorted([*root.rglob("*.yaml"), *root.rglob("*.yml")]):
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=_BASE_LOADER):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for entry in spec["versions"]:
                key = (spec["group"], entry["name"], spec["names"]["kind"])
                if key in index:
                    raise ValueError(f"{key} is defined in both {index[key].source} and {path}")
                index[key] = _CrdVersion(
                    source=path,
                    scope=spec["scope"],
                    served=bool(entry.get("served", False)),
                    schema=entry["schema"]["openAPIV3Schema"],
                )
    return index


@functools.cache
def _crd_validator(directory: str, group: str, version: str, kind: str) -> Validator:
    crd = _crd_index(directory)[(group, version, kind)]
    schema = _translate(crd.schema, structural=True)
    # Root metadata is checked against ObjectMeta separately; here it only has to be a mapping.
    properties = schema.setdefault("properties", {})
    properties["metadata"] = {"type": "object"}
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    validator: Validator = _CrdSchemaValidator(schema, format_checker=_FORMAT_CHECKER)
    return validator


def _translate(node: Mapping[str, Any], *, structural: bool) -> dict[str, Any]:
    """OpenAPI v3 structural schema -> JSON Schema 2020-12 with the API server's semantics.

    `structural` is False below allOf/anyOf/oneOf/not, which in a structural schema only add
    value checks (`required`, bounds) and never declare fields, so they must stay open.
    """
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _translate(sub, structural=structural) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _translate(value, structural=structural)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_translate(sub, structural=False) for sub in value]
        elif key == "not":
            out[key] = _translate(value, structural=False)
        elif key == "pattern":
            out[key] = _python_pattern(value)
        elif key == "x-kubernetes-list-map-keys":
            out[key] = value  # enforced by the custom keyword of _CrdSchemaValidator
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            # OpenAPI 3.0 booleans modify minimum/maximum; JSON Schema wants the bound itself.
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value is True and bound in node:
                out[key] = node[bound]
        elif key.startswith("x-kubernetes-") or key in ("nullable", "default", "example"):
            continue
        else:
            out[key] = value
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        if key in out:
            out.pop("minimum" if key == "exclusiveMinimum" else "maximum", None)

    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
        # The usual companion anyOf [integer, string] only duplicates the type errors.
        if out.get("anyOf") == [{"type": "integer"}, {"type": "string"}]:
            del out["anyOf"]
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if node.get("x-kubernetes-embedded-resource"):
        properties = out.setdefault("properties", {})
        for field, field_type in (("apiVersion", "string"), ("kind", "string")):
            properties.setdefault(field, {"type": field_type})
        properties.setdefault("metadata", {"type": "object"})
    if (
        structural
        and node.get("type") == "object"
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        # The API server prunes fields a structural schema does not declare: strict here.
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "type" in out:
            types = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*types, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _python_pattern(pattern: str) -> str:
    """Go RE2 allows inline flags mid-pattern (`^(?i)(a|b)$`); Python only at the start."""
    flags = re.search(r"\(\?([imsU]+)\)", pattern)
    if flags and flags.start() > 0:
        pattern = f"{pattern[: flags.start()]}(?{flags.group(1)}:{pattern[flags.end() :]})"
    re.compile(pattern)  # fail while building the validator, not midway through validation
    return pattern


def _unique_list_map_keys(
    validator: Validator, keys: list[str], instance: object, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """`x-kubernetes-list-type: map`: the API server rejects two items with the same keys."""
    if not isinstance(instance, list):
        return
    seen: dict[str, int] = {}
    for position, item in enumerate(instance):
        if not isinstance(item, dict):
            continue
        identity = json.dumps([item.get(key) for key in keys], sort_keys=True, default=str)
        if identity in seen:
            yield jsonschema.ValidationError(
                f"duplicate entry: same {', '.join(keys)} as item [{seen[identity]}]",
                path=[position],
            )
        else:
            seen[identity] = position


_CrdSchemaValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator,
    validators={"x-kubernetes-list-map-keys": _unique_list_map_keys},
)

# Only the formats the API server checks for CRDs and that occur in the reference CRDs; int32
# and int64 are not range-checked by the API server either.
_FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@_FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.fullmatch(value):
        return False
    datetime.datetime.fromisoformat(value.upper())  # ValueError for e.g. month 13
    return True


@_FORMAT_CHECKER.checks("byte", raises=binascii.Error)
def _is_base64(value: object) -> bool:
    if isinstance(value, str):
        base64.b64decode(value, validate=True)
    return True


@_FORMAT_CHECKER.checks("ipv4", raises=ValueError)
def _is_ipv4(value: object) -> bool:
    if isinstance(value, str):
        ipaddress.IPv4Address(value)
    return True


@_FORMAT_CHECKER.checks("ipv6", raises=ValueError)
def _is_ipv6(value: object) -> bool:
    if isinstance(value, str):
        ipaddress.IPv6Address(value)
    return True


# --- YAML ------------------------------------------------------------------------------------

# libyaml's loader reads the 7 MB of reference CRDs in ~1.5 s instead of ~15 s; same safe subset.
_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _KubeYamlLoader(_BASE_LOADER):  # type: ignore[misc]
    """Safe loading as Kubernetes reads YAML: unquoted dates stay strings, `=` is a string.

    Go's yaml.v2 keeps timestamp-looking scalars as strings when decoding into interface{}, so a
    ConfigMap value `2024-01-01` is valid there and must not become a `datetime.date` here.
    """


def _construct_str(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(node.value)


_KubeYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)
_KubeYamlLoader.add_constructor("tag:yaml.org,2002:value", _construct_str)
