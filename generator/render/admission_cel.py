"""The pieces every admission policy is built from: CEL literals, validations, the policy
and its Binding (generator/render/admission.py assembles them per environment)."""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.repo import layout

API = "admissionregistration.k8s.io/v1"
TENANT_LABEL = "berth.dev/tenant"
ENVIRONMENT_LABEL = "berth.dev/environment"
# Warn also records in the audit log; Deny and Warn together are not allowed.
ACTIONS = {"Deny": ["Deny"], "Warn": ["Warn", "Audit"], "Audit": ["Audit"]}
POLICY_KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")


def argocd_controller(argocd_namespace: str) -> str:
    """The user Argo CD's application controller writes as (its manifests' service account)."""
    return f"system:serviceaccount:{argocd_namespace}:argocd-application-controller"


def lit(value: str) -> str:
    """A CEL string literal (the values come from validated platform.yaml fields)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def cel_list(values: list[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def host_regex(host_pattern: str) -> str:
    """A platform.yaml host pattern (`*` any characters, dots included) as an RE2 regex."""
    return "^" + host_pattern.replace(".", "[.]").replace("*", ".*") + "$"


def check(rule: str, expression: str, message: str, reason: str = "Forbidden") -> dict[str, Any]:
    """One validation; `message` is a CEL string expression, prefixed with the rule's name."""
    return {
        "expression": expression,
        "messageExpression": f"{lit(f'berth/{rule}: ')} + {message}",
        "reason": reason,
    }


def rule(group: str, resource: str) -> dict[str, Any]:
    return {
        "apiGroups": [group],
        "apiVersions": ["*"],
        "operations": ["CREATE", "UPDATE"],
        "resources": [resource],
    }


def _labels(environment: Environment) -> dict[str, str]:
    return {ENVIRONMENT_LABEL: environment.name, "app.kubernetes.io/managed-by": "berth"}


def policy(
    platform: Platform,
    environment: Environment,
    rule: str,
    resource_rules: list[dict[str, Any]],
    variables: list[dict[str, str]],
    validations: list[dict[str, Any]],
    exclude: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    constraints: dict[str, Any] = {"resourceRules": resource_rules}
    if exclude:
        constraints["excludeResourceRules"] = exclude
    spec: dict[str, Any] = {
        "failurePolicy": "Fail",  # an expression that cannot be evaluated admits nothing
        "matchConstraints": constraints,
    }
    exempt = platform.spec.admissionExempt
    if exempt:
        spec["matchConditions"] = [
            {
                "name": "not-a-platform-operator",
                "expression": f"!(request.userInfo.username in {cel_list(exempt)})",
            }
        ]
    if variables:
        spec["variables"] = variables
    spec["validations"] = validations
    return {
        "apiVersion": API,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {
            "name": layout.admission_policy(environment.name, rule),
            "labels": _labels(environment),
        },
        "spec": spec,
    }


def binding(environment: Environment, policy: dict[str, Any]) -> dict[str, Any]:
    name = policy["metadata"]["name"]
    return {
        "apiVersion": API,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "labels": _labels(environment)},
        "spec": {
            "policyName": name,
            "validationActions": ACTIONS[environment.admission],
            "matchResources": {
                # The tenant namespaces of this environment: the guardrails label them, and a
                # tenant cannot relabel its namespace (its role grants no Namespace writes).
                "namespaceSelector": {
                    "matchLabels": {ENVIRONMENT_LABEL: environment.name},
                    "matchExpressions": [{"key": TENANT_LABEL, "operator": "Exists"}],
                }
            },
        },
    }
