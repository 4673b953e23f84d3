"""A ValidatingAdmissionPolicy evaluator for the tests, on Google's CEL (cel-expr-python).

It does what the API server does with one request, in its order: the policy's
matchConstraints and the Binding's namespaceSelector pick the request; the matchConditions
may skip it; the variables are evaluated in order (each sees the earlier ones as
`variables.<name>`); every validation is evaluated and each failing one gives its
messageExpression. An expression that fails to evaluate raises: the policies' failurePolicy is
Fail, so in the cluster it would refuse with a message naming no rule, which is a bug here.

Kubernetes compiles against `object` as a dynamic value, as `disable_check=True` does here.
The policies use no Kubernetes CEL extension, so none is shimmed: the standard library's
`matches` (RE2 in both), `startsWith`, `endsWith`, `contains`, `size`, `in` and the macros
`has`, `all`, `exists`, `filter` and `map` are all it needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from cel_expr_python import cel

ENV = cel.NewEnv(
    variables={
        name: cel.Type.DYN
        for name in ("object", "oldObject", "request", "namespaceObject", "variables", "params")
    }
)

# Kind -> the resource the API server names in its admission request.
RESOURCES = {
    "Pod": "pods",
    "ReplicationController": "replicationcontrollers",
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Job": "jobs",
    "CronJob": "cronjobs",
    "Service": "services",
    "ConfigMap": "configmaps",
    "Ingress": "ingresses",
    "HTTPRoute": "httproutes",
    "NetworkPolicy": "networkpolicies",
    "ExternalSecret": "externalsecrets",
    "PushSecret": "pushsecrets",
    "SecretStore": "secretstores",
    "Password": "passwords",
    "UUID": "uuids",
    "Webhook": "webhooks",
    "ACRAccessToken": "acraccesstokens",
    "BeyondtrustWorkloadCredentialsDynamicSecret": "beyondtrustworkloadcredentialsdynamicsecrets",
    "CloudsmithAccessToken": "cloudsmithaccesstokens",
    "ECRAuthorizationToken": "ecrauthorizationtokens",
    "Fake": "fakes",
    "GCRAccessToken": "gcraccesstokens",
    "GeneratorState": "generatorstates",
    "GithubAccessToken": "githubaccesstokens",
    "GitlabDeployToken": "gitlabdeploytokens",
    "Grafana": "grafanas",
    "MFA": "mfas",
    "QuayAccessToken": "quayaccesstokens",
    "SSHKey": "sshkeys",
    "VaultDynamicSecret": "vaultdynamicsecrets",
    "Certificate": "certificates",
    "CertificateRequest": "certificaterequests",
    "Issuer": "issuers",
    "Cluster": "clusters",
    "Pooler": "poolers",
    "ImageCatalog": "imagecatalogs",
    "ScheduledBackup": "scheduledbackups",
    "Prometheus": "prometheuses",
    "Alertmanager": "alertmanagers",
    "Probe": "probes",
    "ServiceMonitor": "servicemonitors",
    "PodMonitor": "podmonitors",
    "PrometheusRule": "prometheusrules",
}


class EvaluationError(AssertionError):
    pass


@cache
def _compiled(expression: str) -> Any:
    return ENV.compile(expression, disable_check=True)


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    result = _compiled(expression).eval(data=dict(data))
    if result.type() == cel.Type.ERROR:
        raise EvaluationError(f"{expression}\n  failed: {result.value()}")
    return result.plain_value()


def _selected(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        present = expr["key"] in labels
        value = labels.get(expr["key"])
        op = expr["operator"]
        if (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
    return True


def group_of(obj: Mapping[str, Any]) -> str:
    return str(obj["apiVersion"]).rpartition("/")[0]


def resource_of(obj: Mapping[str, Any]) -> str:
    return RESOURCES.get(str(obj["kind"]), "?")  # "?": a kind no policy matches


def _matches(
    policy: Mapping[str, Any], obj: Mapping[str, Any], subresource: str, operation: str
) -> bool:
    resource = resource_of(obj) + (f"/{subresource}" if subresource else "")
    return policy_matches(policy, group_of(obj), resource, operation)


def policy_matches(policy: Mapping[str, Any], group: str, resource: str, operation: str) -> bool:
    """The policy's resource rules match, and its exclusions do not."""
    constraints = policy["spec"]["matchConstraints"]
    return any(
        _rule_matches(rule, group, resource, operation) for rule in constraints["resourceRules"]
    ) and not any(
        _rule_matches(rule, group, resource, operation)
        for rule in constraints.get("excludeResourceRules") or []
    )


def _rule_matches(rule: Mapping[str, Any], group: str, resource: str, operation: str) -> bool:
    named = resource in rule["resources"] or ("*" in rule["resources"] and "/" not in resource)
    return group in rule["apiGroups"] and named and operation in rule["operations"]


def admit(
    policy: Mapping[str, Any],
    binding: Mapping[str, Any],
    obj: Mapping[str, Any],
    namespace: Mapping[str, Any],
    *,
    username: str = "kubernetes-admin",
    operation: str = "CREATE",
    subresource: str = "",
) -> list[str] | None:
    """The messages of the failing validations; None when the policy does not apply."""
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]
    labels = namespace.get("metadata", {}).get("labels") or {}
    selector = binding["spec"].get("matchResources", {}).get("namespaceSelector") or {}
    if not _matches(policy, obj, subresource, operation) or not _selected(selector, labels):
        return None
    request = {
        "operation": operation,
        "namespace": namespace["metadata"]["name"],
        "subResource": subresource,
        "resource": {"group": group_of(obj), "version": "v1", "resource": resource_of(obj)},
        "userInfo": {"username": username, "groups": ["system:authenticated"]},
    }
    deleting = operation == "DELETE"  # the API server gives the object as oldObject only
    data: dict[str, Any] = {
        "object": None if deleting else obj,
        "oldObject": obj if deleting else None,
        "request": request,
        "namespaceObject": namespace,
        "params": None,
    }
    spec = policy["spec"]
    for condition in spec.get("matchConditions") or []:
        if evaluate(condition["expression"], {**data, "variables": {}}) is not True:
            return None
    variables: dict[str, Any] = {}
    for variable in spec.get("variables") or []:
        variables[variable["name"]] = evaluate(
            variable["expression"], {**data, "variables": variables}
        )
    data["variables"] = variables
    failed = []
    for validation in spec["validations"]:
        outcome = evaluate(validation["expression"], data)
        if not isinstance(outcome, bool):
            raise EvaluationError(f"{validation['expression']} gave {outcome!r}, not a bool")
        if not outcome:
            failed.append(str(evaluate(validation["messageExpression"], data)))
    return failed


def admit_all(
    objects: list[Mapping[str, Any]],
    obj: Mapping[str, Any],
    namespace: Mapping[str, Any],
    **kw: Any,
) -> list[str]:
    """Every message of every policy in `objects` (policies and Bindings) that applies."""
    policies = {
        o["metadata"]["name"]: o for o in objects if o["kind"] == "ValidatingAdmissionPolicy"
    }
    messages: list[str] = []
    for binding in (o for o in objects if o["kind"] == "ValidatingAdmissionPolicyBinding"):
        found = admit(policies[binding["spec"]["policyName"]], binding, obj, namespace, **kw)
        messages += found or []
    return messages
