"""The rules the API server applies to every object's name, namespace, labels and annotations.

Neither the core JSON Schemas nor CRD schemas express them (k8s.io/apimachinery validation).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Cluster-scoped built-in kinds by (API group, kind); the packaged JSON Schemas carry no scope.
CORE_CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
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


def metadata_problems(
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
