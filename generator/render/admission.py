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

from generator.models.platform import Environment, Platform
from generator.render.admission_cel import POLICY_KINDS, binding, cel_list, check, lit, policy
from generator.render.admission_certs import certificates_policy
from generator.render.admission_net import ingress_policy, service_policy
from generator.render.admission_operators import guardrails_policy, operators_policy
from generator.render.admission_routes import routes_policy
from generator.render.admission_secrets import secrets_policy

__all__ = ["POLICY_KINDS", "policies"]


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
SECCOMP = "['RuntimeDefault', 'Localhost']"  # what Pod Security's restricted level allows
_OR_EMPTY = "(has(variables.spec.{0}) ? variables.spec.{0} : [])"


def _set(container: str, field: str) -> str:
    """`c.securityContext.<field>` is set (a has() chain)."""
    return f"has({container}.securityContext) && has({container}.securityContext.{field})"


def _bad(var: str, predicate: str, over: str = "variables.containers") -> dict[str, str]:
    """A variable: the items of `over` that break `predicate` (on `c`)."""
    return {"name": var, "expression": f"{over}.filter(c, !({predicate}))"}


def _first(var: str, text: str) -> str:
    """`container <name>: <text>`, about the first offender in `variables.<var>`."""
    return f"'container ' + variables.{var}[0].name + ': ' + {text}"


def workload_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    registries = platform.spec.registries
    allowed = lit(", ".join(registries))
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
        {
            "name": "podSeccomp",  # the pod's profile type, '' when unset
            "expression": "has(variables.spec.securityContext)"
            " && has(variables.spec.securityContext.seccompProfile)"
            " && has(variables.spec.securityContext.seccompProfile.type)"
            " ? variables.spec.securityContext.seccompProfile.type : ''",
        },
        _bad(
            "registry", f"has(c.image) && {cel_list(registries)}.exists(r, c.image.startsWith(r))"
        ),
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
        _bad(
            "unconfined",
            f"({_set('c', 'seccompProfile')} && has(c.securityContext.seccompProfile.type))"
            f" ? c.securityContext.seccompProfile.type in {SECCOMP}"
            f" : variables.podSeccomp in {SECCOMP}",
        ),
        _bad("hostPorts", "!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)"),
        _bad("hostPaths", "!has(c.hostPath)", over=_OR_EMPTY.format("volumes")),
        {
            # Image volumes (`volumes[].image.reference`) are images too, under the same rules;
            # as {name, image} pairs so that the container checks read them alike.
            "name": "imageVolumes",
            "expression": f"{_OR_EMPTY.format('volumes')}.filter(v, has(v.image))"
            ".map(v, {'name': v.name,"
            " 'image': has(v.image.reference) ? v.image.reference : ''})",
        },
    ]
    images = ("registry", "latest", "untagged", "undigested")
    by_name = {v["name"]: v["expression"] for v in variables}
    variables += [
        {
            "name": f"{name}Volumes",
            "expression": by_name[name]
            .replace("variables.containers.", "variables.imageVolumes.")
            .replace("!has(c.image)", "c.image == ''")
            .replace("has(c.image)", "c.image != ''"),
        }
        for name in images
    ]
    none = "size(variables.{0}) == 0"
    host = ("hostNetwork", "hostPID", "hostIPC")
    validations = [
        check(
            "registry",
            none.format("registry"),
            _first(
                "registry",
                f'"\'" + {image.replace("c.", "variables.registry[0].")} + "\''
                f' is not from an allowed registry; the platform allows: " + {allowed}',
            ),
        ),
        check(
            "tag",
            none.format("latest"),
            _first(
                "latest",
                '"\'latest\' is not a version: pin a tag such as \\"1.4.0\\", or a digest,'
                ' so every environment runs what was reviewed"',
            ),
        ),
        check(
            "tag",
            none.format("untagged"),
            _first(
                "untagged",
                "'needs the image tag to run (image:tag) or its digest (image@sha256:...)'",
            ),
        ),
    ]
    if environment.requireDigest:
        validations.append(
            check(
                "digest",
                none.format("undigested"),
                _first(
                    "undigested",
                    lit(
                        f"needs the image digest (image@sha256:<64 hex digits>): {environment.name}"
                        " runs images pinned by digest only (platform.yaml requireDigest)"
                    ),
                ),
            )
        )
    validations += [
        check(
            "resources",
            none.format("unsized"),
            _first(
                "unsized",
                "'needs resources.requests and resources.limits of both cpu and memory'",
            ),
        ),
        check(
            "non-root",
            none.format("root"),
            _first(
                "root",
                "'must run as non-root: securityContext.runAsNonRoot true (on the pod or the container)'",
            ),
        ),
        check(
            "non-root",
            none.format("uid0")
            + " && !(has(variables.spec.securityContext) && has(variables.spec.securityContext.runAsUser)"
            " && variables.spec.securityContext.runAsUser == 0)",
            "'runAsUser 0 is root; run as a non-zero user (the chart uses 10001)'",
        ),
        check(
            "privilege-escalation",
            none.format("escalating"),
            _first("escalating", "'needs securityContext.allowPrivilegeEscalation false'"),
        ),
        check(
            "privileged",
            none.format("privileged"),
            _first("privileged", "'must not be privileged (securityContext.privileged)'"),
        ),
        check(
            "capabilities",
            none.format("capable"),
            _first(
                "capable",
                "'needs securityContext.capabilities.drop [ALL] and may add NET_BIND_SERVICE only'",
            ),
        ),
        check(
            "seccomp",
            none.format("unconfined"),
            _first(
                "unconfined",
                "'needs securityContext.seccompProfile.type RuntimeDefault or Localhost"
                " (on the pod or the container)'",
            ),
        ),
        check(
            "host-namespaces",
            " && ".join(f"!(has(variables.spec.{h}) && variables.spec.{h} == true)" for h in host),
            lit(f"{', '.join(host)} must be unset or false: pods share no host namespace"),
        ),
        check(
            "host-ports",
            none.format("hostPorts"),
            _first("hostPorts", "'must not use a hostPort; a Service reaches the pod'"),
        ),
        check(
            "host-path",
            none.format("hostPaths"),
            "'volume ' + variables.hostPaths[0].name + ': hostPath volumes are not allowed;"
            " use emptyDir or a PersistentVolumeClaim'",
        ),
    ]
    validations += _volume_checks(environment, allowed)
    rules = [
        {
            "apiGroups": [group],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": res,
        }
        for group, res in WORKLOAD_RULES
    ]
    return policy(platform, environment, "workloads", rules, variables, validations)


def _volume_checks(environment: Environment, allowed: str) -> list[dict[str, Any]]:
    """The image rules on image volumes, with messages naming the volume."""

    def first(var: str, text: str) -> str:
        return f"'volume ' + variables.{var}Volumes[0].name + ': ' + {text}"

    none = "size(variables.{0}Volumes) == 0"
    checks = [
        check(
            "registry",
            none.format("registry"),
            first(
                "registry",
                '"\'" + variables.registryVolumes[0].image'
                f' + "\' is not from an allowed registry; the platform allows: " + {allowed}',
            ),
        ),
        check("tag", none.format("latest"), first("latest", "'\\'latest\\' is not a version'")),
        check(
            "tag",
            none.format("untagged"),
            first("untagged", "'needs the image tag (image:tag) or its digest'"),
        ),
    ]
    if environment.requireDigest:
        checks.append(
            check(
                "digest",
                none.format("undigested"),
                first(
                    "undigested", lit(f"needs the image digest: {environment.name} requireDigest")
                ),
            )
        )
    return checks


POLICY_BUILDERS = (
    workload_policy,
    service_policy,
    ingress_policy,
    secrets_policy,
    certificates_policy,
    operators_policy,
    guardrails_policy,
)


def policies(platform: Platform, environment: Environment) -> list[dict[str, Any]]:
    """The environment's policies, each followed by its Binding."""
    out: list[dict[str, Any]] = []
    for build in POLICY_BUILDERS:
        made = build(platform, environment)
        out += [made, binding(environment, made)]
    routes = routes_policy(platform, environment)  # only on a platform with a Gateway
    if routes is not None:
        out += [routes, binding(environment, routes)]
    return out
