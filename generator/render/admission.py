"""The platform's rules in the cluster: ValidatingAdmissionPolicies and their Bindings, as data.

Per environment three policies (workloads, Services, Ingresses), each bound to the tenant
namespaces of that environment by the labels the guardrails give them, so that an object that
reaches a tenant namespace without Berth (a `kubectl apply`, a chart hook, an operator) is held
to what `berth validate` holds a request to. The environment's values (registries, domain, host
grants) are written into the CEL as literals: no parameter objects to install or keep in step.

The CEL keeps to the standard language plus `matches` (RE2) and the string functions
`startsWith`, `endsWith` and `contains`: no Kubernetes extension library, no optional syntax.
Every field is tested with `has()` before it is read, because an expression that fails to
evaluate falls to the failure policy (Fail: refused) with a message that names no rule.
"""

from __future__ import annotations

from typing import Any

from generator import layout
from generator.models.platform import Environment, Platform

API = "admissionregistration.k8s.io/v1"
TENANT_LABEL = "berth.dev/tenant"
ENVIRONMENT_LABEL = "berth.dev/environment"
ACTIONS = {"Deny": ["Deny"], "Warn": ["Warn", "Audit"], "Audit": ["Audit"]}
POLICY_KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")

# Every kind that holds a pod template, where its pod spec is, and the pod itself (whose
# ephemeral containers arrive through the pods/ephemeralcontainers subresource).
WORKLOAD_RULES = (
    ("", ["pods", "pods/ephemeralcontainers", "replicationcontrollers"]),
    ("apps", ["deployments", "replicasets", "statefulsets", "daemonsets"]),
    ("batch", ["jobs", "cronjobs"]),
)
POD_SPEC = (
    "object.kind == 'Pod' ? object.spec"
    " : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec"
    " : object.spec.template.spec)"
)
_OR_EMPTY = "(has(variables.spec.{0}) ? variables.spec.{0} : [])"


def _lit(value: str) -> str:
    """A CEL string literal (the values come from validated platform.yaml fields)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _set(container: str, field: str) -> str:
    """`c.securityContext.<field>` is set (a has() chain)."""
    return f"has({container}.securityContext) && has({container}.securityContext.{field})"


def _pattern(host_pattern: str) -> str:
    """A platform.yaml host pattern (`*` any characters, dots included) as an RE2 regex."""
    return "^" + host_pattern.replace(".", "[.]").replace("*", ".*") + "$"


def _check(rule: str, expression: str, message: str, reason: str = "Forbidden") -> dict[str, Any]:
    """One validation; `message` is a CEL string expression, prefixed with the rule's name."""
    return {
        "expression": expression,
        "messageExpression": f"{_lit(f'berth/{rule}: ')} + {message}",
        "reason": reason,
    }


def _bad(var: str, predicate: str, over: str = "variables.containers") -> dict[str, str]:
    """A variable: the items of `over` that break `predicate` (on `c`)."""
    return {"name": var, "expression": f"{over}.filter(c, !({predicate}))"}


def _first(var: str, text: str) -> str:
    """`container <name>: <text>`, about the first offender in `variables.<var>`."""
    return f"'container ' + variables.{var}[0].name + ': ' + {text}"


def workload_policy(platform: Platform, env: Environment) -> dict[str, Any]:
    registries = platform.spec.registries
    allowed = _lit(", ".join(registries))
    image = "(has(c.image) ? c.image : '')"
    digest = "c.image.matches('@sha256:[0-9a-f]{64}$')"
    tag = "c.image.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')"
    variables = [
        {"name": "spec", "expression": POD_SPEC},
        {
            "name": "running",  # the containers that get resources: not ephemeral ones
            "expression": f"variables.spec.containers + {_OR_EMPTY.format('initContainers')}",
        },
        {
            "name": "containers",
            "expression": f"variables.running + {_OR_EMPTY.format('ephemeralContainers')}",
        },
        {
            "name": "podNonRoot",
            "expression": "has(variables.spec.securityContext)"
            " && has(variables.spec.securityContext.runAsNonRoot)"
            " && variables.spec.securityContext.runAsNonRoot == true",
        },
        _bad("registry", f"has(c.image) && {_list(registries)}.exists(r, c.image.startsWith(r))"),
        _bad("latest", "!has(c.image) || !c.image.matches('(?i):latest(@|$)')"),
        _bad("untagged", f"has(c.image) && ({digest} || {tag})"),
        _bad("undigested", f"has(c.image) && {digest}"),
        _bad(
            "unsized",
            "has(c.resources) && has(c.resources.requests) && has(c.resources.limits)"
            " && 'cpu' in c.resources.requests && 'memory' in c.resources.requests"
            " && 'cpu' in c.resources.limits && 'memory' in c.resources.limits",
            over="variables.running",
        ),
        _bad(
            "root",
            f"({_set('c', 'runAsNonRoot')}) ? c.securityContext.runAsNonRoot == true"
            " : variables.podNonRoot",
        ),
        _bad("uid0", f"!({_set('c', 'runAsUser')}) || c.securityContext.runAsUser != 0"),
        _bad(
            "escalating",
            f"{_set('c', 'allowPrivilegeEscalation')}"
            " && c.securityContext.allowPrivilegeEscalation == false",
        ),
        _bad("privileged", f"!({_set('c', 'privileged')}) || c.securityContext.privileged != true"),
        _bad(
            "capable",
            f"{_set('c', 'capabilities')} && has(c.securityContext.capabilities.drop)"
            " && 'ALL' in c.securityContext.capabilities.drop"
            " && (!has(c.securityContext.capabilities.add)"
            " || c.securityContext.capabilities.add.all(a, a == 'NET_BIND_SERVICE'))",
        ),
        _bad("hostPorts", "!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)"),
        _bad(
            "hostPaths",
            "!has(c.hostPath)",
            over="(has(variables.spec.volumes) ? variables.spec.volumes : [])",
        ),
    ]
    none = "size(variables.{0}) == 0"
    host = ("hostNetwork", "hostPID", "hostIPC")
    validations = [
        _check(
            "registry",
            none.format("registry"),
            _first(
                "registry",
                f"\"'\" + {image.replace('c.', 'variables.registry[0].')} + \"'"
                f" is not from an allowed registry; the platform allows: \" + {allowed}",
            ),
        ),
        _check(
            "tag",
            none.format("latest"),
            _first(
                "latest",
                "\"'latest' is not a version: pin a tag such as \\\"1.4.0\\\", or a digest,"
                ' so every environment runs what was reviewed"',
            ),
        ),
        _check(
            "tag",
            none.format("untagged"),
            _first("untagged", "'needs the image tag to run (image:tag) or its digest (image@sha256:...)'"),
        ),
    ]
    if env.requireDigest:
        validations.append(
            _check(
                "digest",
                none.format("undigested"),
                _first(
                    "undigested",
                    _lit(
                        f"needs the image digest (image@sha256:<64 hex digits>): {env.name}"
                        " runs images pinned by digest only (platform.yaml requireDigest)"
                    ),
                ),
            )
        )
    validations += [
        _check(
            "resources",
            none.format("unsized"),
            _first(
                "unsized",
                "'needs resources.requests and resources.limits of both cpu and memory'",
            ),
        ),
        _check(
            "non-root",
            none.format("root"),
            _first(
                "root",
                "'must run as non-root: securityContext.runAsNonRoot true (on the pod or the container)'",
            ),
        ),
        _check(
            "non-root",
            none.format("uid0")
            + " && !(has(variables.spec.securityContext) && has(variables.spec.securityContext.runAsUser)"
            " && variables.spec.securityContext.runAsUser == 0)",
            "'runAsUser 0 is root; run as a non-zero user (the chart uses 10001)'",
        ),
        _check(
            "privilege-escalation",
            none.format("escalating"),
            _first("escalating", "'needs securityContext.allowPrivilegeEscalation false'"),
        ),
        _check(
            "privileged",
            none.format("privileged"),
            _first("privileged", "'must not be privileged (securityContext.privileged)'"),
        ),
        _check(
            "capabilities",
            none.format("capable"),
            _first(
                "capable",
                "'needs securityContext.capabilities.drop [ALL] and may add NET_BIND_SERVICE only'",
            ),
        ),
        _check(
            "host-namespaces",
            " && ".join(f"!(has(variables.spec.{h}) && variables.spec.{h} == true)" for h in host),
            _lit(f"{', '.join(host)} must be unset or false: pods share no host namespace"),
        ),
        _check(
            "host-ports",
            none.format("hostPorts"),
            _first("hostPorts", "'must not use a hostPort; a Service reaches the pod'"),
        ),
        _check(
            "host-path",
            none.format("hostPaths"),
            "'volume ' + variables.hostPaths[0].name + ': hostPath volumes are not allowed;"
            " use emptyDir or a PersistentVolumeClaim'",
        ),
    ]
    rules = [
        {"apiGroups": [group], "apiVersions": ["*"], "operations": ["CREATE", "UPDATE"], "resources": res}
        for group, res in WORKLOAD_RULES
    ]
    return _policy(platform, env, "workloads", rules, variables, validations)


def service_policy(platform: Platform, env: Environment) -> dict[str, Any]:
    kind = "(has(object.spec.type) ? object.spec.type : 'ClusterIP')"
    validations = [
        _check(
            "service-type",
            f"{kind} == 'ClusterIP'",
            f"'type ' + {kind} + ' is not allowed; the platform allows ClusterIP"
            f" (traffic comes in through its ingress controller)'",
        ),
        _check(
            "service-type",
            "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
            "'externalIPs are not allowed; traffic comes in through the ingress controller'",
        ),
    ]
    rules = [_rule("", "services")]
    return _policy(platform, env, "services", rules, [], validations)


def ingress_policy(platform: Platform, env: Environment) -> dict[str, Any]:
    domain = env.domain
    grants = {
        tenant: "|".join(_pattern(h) for h in hosts if h.endswith("." + domain))
        for tenant, hosts in sorted(platform.spec.hostGrants.items())
    }
    grants = {t: g for t, g in grants.items() if g}
    grant_text = {
        t: ", or one the platform grants it: "
        + ", ".join(h for h in platform.spec.hostGrants[t] if h.endswith("." + domain))
        for t in grants
    }
    reserved = "|".join(_pattern(h) for h in platform.spec.reservedHosts)
    cel_map = "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in grants.items()) + "}"
    text_map = "{" + ", ".join(f"{_lit(k)}: {_lit(v)}" for k, v in grant_text.items()) + "}"
    ok = (
        "(h.endsWith(variables.space) || h == variables.apex"
        " || (variables.tenant in variables.grants && h.endsWith('.' + " + _lit(domain) + ")"
        " && h.matches(variables.grants[variables.tenant])))"
    )
    variables = [
        {"name": "tenant", "expression": f"namespaceObject.metadata.labels[{_lit(TENANT_LABEL)}]"},
        {"name": "apex", "expression": f"variables.tenant + '.' + {_lit(domain)}"},
        {"name": "space", "expression": "'.' + variables.apex"},
        {"name": "grants", "expression": cel_map},
        {
            "name": "ruleHosts",
            "expression": "has(object.spec.rules)"
            " ? object.spec.rules.filter(r, has(r.host)).map(r, r.host) : []",
        },
        {
            "name": "tlsHosts",  # one list per tls entry (no flatten() in standard CEL)
            "expression": "has(object.spec.tls)"
            " ? object.spec.tls.filter(t, has(t.hosts)).map(t, t.hosts) : []",
        },
        _hosts_breaking("outside", ok),
    ]
    allowed = (
        f"'; hosts of tenant ' + variables.tenant + ' in {env.name} must be ' + variables.apex"
        " + ' or <name>.' + variables.apex"
        f" + (variables.tenant in {text_map} ? {text_map}[variables.tenant] : '')"
    )
    validations = [
        _check(
            "ingress-host",
            "!has(object.spec.defaultBackend) && (!has(object.spec.rules)"
            " || object.spec.rules.all(r, has(r.host) && r.host != ''))",
            "'every rule needs a host (a rule without one, or a defaultBackend, takes every host)'"
            f" + {allowed}",
        ),
        _check(
            "ingress-host",
            "size(variables.outside) == 0",
            "\"'\" + variables.outside[0] + \"' is outside the host space of tenant \""
            f" + variables.tenant + {allowed}",
        ),
    ]
    if reserved:
        variables.append(_hosts_breaking("reserved", f"!h.matches({_lit(reserved)})"))
        validations.append(
            _check(
                "ingress-host",
                "size(variables.reserved) == 0",
                "\"'\" + variables.reserved[0]"
                " + \"' is reserved by the platform in platform.yaml reservedHosts\"",
            )
        )
    rules = [_rule("networking.k8s.io", "ingresses")]
    return _policy(platform, env, "ingresses", rules, variables, validations)


def _hosts_breaking(name: str, ok: str) -> dict[str, str]:
    """A variable: the hosts (of rules, then of tls entries) for which `ok` (on `h`) fails."""
    return {
        "name": name,
        "expression": f"variables.ruleHosts.filter(h, !{ok})"
        f" + variables.tlsHosts.filter(l, l.exists(h, !{ok})).map(l, l.filter(h, !{ok})[0])",
    }


def _rule(group: str, resource: str) -> dict[str, Any]:
    return {
        "apiGroups": [group],
        "apiVersions": ["*"],
        "operations": ["CREATE", "UPDATE"],
        "resources": [resource],
    }


def _labels(env: Environment) -> dict[str, str]:
    return {ENVIRONMENT_LABEL: env.name, "app.kubernetes.io/managed-by": "berth"}


def _policy(
    platform: Platform,
    env: Environment,
    rule: str,
    resource_rules: list[dict[str, Any]],
    variables: list[dict[str, str]],
    validations: list[dict[str, Any]],
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "failurePolicy": "Fail",  # an expression that cannot be evaluated admits nothing
        "matchConstraints": {"resourceRules": resource_rules},
    }
    exempt = platform.spec.admissionExempt
    if exempt:
        spec["matchConditions"] = [
            {
                "name": "not-a-platform-operator",
                "expression": f"!(request.userInfo.username in {_list(exempt)})",
            }
        ]
    if variables:
        spec["variables"] = variables
    spec["validations"] = validations
    return {
        "apiVersion": API,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": layout.admission_policy(env.name, rule), "labels": _labels(env)},
        "spec": spec,
    }


def binding(env: Environment, policy: dict[str, Any]) -> dict[str, Any]:
    name = policy["metadata"]["name"]
    return {
        "apiVersion": API,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "labels": _labels(env)},
        "spec": {
            "policyName": name,
            "validationActions": ACTIONS[env.admission],
            "matchResources": {
                # The tenant namespaces of this environment: the guardrails label them, and a
                # tenant cannot relabel its namespace (its role grants no Namespace writes).
                "namespaceSelector": {
                    "matchLabels": {ENVIRONMENT_LABEL: env.name},
                    "matchExpressions": [{"key": TENANT_LABEL, "operator": "Exists"}],
                }
            },
        },
    }


def policies(platform: Platform, env: Environment) -> list[dict[str, Any]]:
    """The environment's policies, each followed by its Binding."""
    out: list[dict[str, Any]] = []
    for build in (workload_policy, service_policy, ingress_policy):
        policy = build(platform, env)
        out += [policy, binding(env, policy)]
    return out
