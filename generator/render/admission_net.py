"""The admission policies of Services and Ingresses: ClusterIP only, and hosts in the tenant's
own space (or granted to it), never a reserved one, as `berth validate` holds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.models.platform import Environment, Platform
from generator.render.admission_cel import TENANT_LABEL, check, host_regex, lit, policy, rule

SCENARIO_LABEL = "berth.dev/scenario"  # set on a scenario's namespace (render/scenario.py)


def service_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    kind = "(has(object.spec.type) ? object.spec.type : 'ClusterIP')"
    validations = [
        check(
            "service-type",
            f"{kind} == 'ClusterIP'",
            f"'type ' + {kind} + ' is not allowed; the platform allows ClusterIP"
            f" (traffic comes in through its ingress controller)'",
        ),
        check(
            "service-type",
            "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
            "'externalIPs are not allowed; traffic comes in through the ingress controller'",
        ),
    ]
    rules = [rule("", "services")]
    return policy(platform, environment, "services", rules, [], validations)


@dataclass(frozen=True)
class HostSpace:
    """The CEL that says whether a host `h` is the tenant's (for Ingresses and Certificates)."""

    variables: list[dict[str, str]]  # tenant, scenario, apex, space, grants
    ok: str  # in the tenant's space or granted to it
    allowed: str  # a CEL string: what the tenant's hosts must be
    reserved: str  # an RE2 regex of the reserved hosts, '' when none


def host_space(platform: Platform, environment: Environment) -> HostSpace:
    domain = environment.domain
    grants = {
        tenant: "|".join(host_regex(h) for h in hosts if h.endswith("." + domain))
        for tenant, hosts in sorted(platform.spec.hostGrants.items())
    }
    grants = {t: g for t, g in grants.items() if g}
    grant_text = {
        t: ", or one the platform grants it: "
        + ", ".join(h for h in platform.spec.hostGrants[t] if h.endswith("." + domain))
        for t in grants
    }
    cel_map = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in grants.items()) + "}"
    text_map = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in grant_text.items()) + "}"
    ok = (
        "(h.endsWith(variables.space) || h == variables.apex"
        " || (variables.scenario == '' && variables.tenant in variables.grants"
        " && h.endsWith('.' + " + lit(domain) + ")"
        " && h.matches(variables.grants[variables.tenant])))"
    )
    variables = [
        {"name": "tenant", "expression": f"namespaceObject.metadata.labels[{lit(TENANT_LABEL)}]"},
        # A scenario's namespace (generator/render/scenario.py) holds the scenario's space only,
        # `<scenario>.<tenant>.<domain>`: never the hosts of its base environment's apps.
        {
            "name": "scenario",
            "expression": f"{lit(SCENARIO_LABEL)} in namespaceObject.metadata.labels"
            f" ? namespaceObject.metadata.labels[{lit(SCENARIO_LABEL)}] : ''",
        },
        {
            "name": "apex",
            "expression": "(variables.scenario == '' ? '' : variables.scenario + '.')"
            f" + variables.tenant + '.' + {lit(domain)}",
        },
        {"name": "space", "expression": "'.' + variables.apex"},
        {"name": "grants", "expression": cel_map},
    ]
    allowed = (
        "'; hosts of ' + (variables.scenario == '' ? '' : 'scenario ' + variables.scenario + ' of ')"
        f" + 'tenant ' + variables.tenant + ' in {environment.name} must be ' + variables.apex"
        " + ' or <name>.' + variables.apex"
        f" + (variables.scenario == '' && variables.tenant in {text_map}"
        f" ? {text_map}[variables.tenant] : '')"
    )
    reserved = "|".join(host_regex(h) for h in platform.spec.reservedHosts)
    return HostSpace(variables, ok, allowed, reserved)


RESERVED_TEXT = '"\' is reserved by the platform in platform.yaml reservedHosts"'


def ingress_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    space = host_space(platform, environment)
    ok, allowed, reserved = space.ok, space.allowed, space.reserved
    variables = [
        *space.variables,
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
    validations = [
        check(
            "ingress-host",
            "!has(object.spec.defaultBackend) && (!has(object.spec.rules)"
            " || object.spec.rules.all(r, has(r.host) && r.host != ''))",
            "'every rule needs a host (a rule without one, or a defaultBackend, takes every host)'"
            f" + {allowed}",
        ),
        check(
            "ingress-host",
            "size(variables.outside) == 0",
            '"\'" + variables.outside[0] + "\' is outside the host space of tenant "'
            f" + variables.tenant + {allowed}",
        ),
        check(
            "ingress-host",
            "!variables.ruleHosts.exists(h, h.contains('*'))"
            " && !variables.tlsHosts.exists(l, l.exists(h, h.contains('*')))",
            "'wildcard hosts are not allowed: a wildcard would also take names the platform"
            " reserves or grants'",
        ),
        issuer_annotations(platform),
    ]
    if reserved:
        variables.append(_hosts_breaking("reserved", f"!h.matches({lit(reserved)})"))
        validations.append(
            check(
                "ingress-host",
                "size(variables.reserved) == 0",
                f'"\'" + variables.reserved[0] + {RESERVED_TEXT}',
            )
        )
    rules = [rule("networking.k8s.io", "ingresses")]
    return policy(platform, environment, "ingresses", rules, variables, validations)


def issuer_annotations(platform: Platform) -> dict[str, Any]:
    """cert-manager's ingress-shim makes a Certificate (as cert-manager, which is exempt) from
    these annotations: they may name the platform's ClusterIssuer only."""
    issuer = platform.spec.ingress.clusterIssuer
    notes = "object.metadata.annotations"
    return check(
        "certificate-issuer",
        f"!has(object.metadata.annotations) || (!('cert-manager.io/issuer' in {notes})"
        f" && (!('cert-manager.io/cluster-issuer' in {notes})"
        f" || {notes}['cert-manager.io/cluster-issuer'] == {lit(issuer)}))",
        lit(
            "certificates come from the platform's ClusterIssuer only: annotate"
            f" cert-manager.io/cluster-issuer: {issuer}, never cert-manager.io/issuer"
        ),
    )


def _hosts_breaking(name: str, ok: str) -> dict[str, str]:
    """A variable: the hosts (of rules, then of tls entries) for which `ok` (on `h`) fails."""
    return {
        "name": name,
        "expression": f"variables.ruleHosts.filter(h, !{ok})"
        f" + variables.tlsHosts.filter(l, l.exists(h, !{ok})).map(l, l.filter(h, !{ok})[0])",
    }
