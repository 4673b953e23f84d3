"""The admission policies of Services and Ingresses: ClusterIP only, and hosts in the tenant's
own space (or granted to it), never a reserved one, as `berth validate` holds them."""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.render.admission_cel import TENANT_LABEL, check, host_regex, lit, policy, rule


def service_policy(platform: Platform, env: Environment) -> dict[str, Any]:
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
    return policy(platform, env, "services", rules, [], validations)


def ingress_policy(platform: Platform, env: Environment) -> dict[str, Any]:
    domain = env.domain
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
    reserved = "|".join(host_regex(h) for h in platform.spec.reservedHosts)
    cel_map = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in grants.items()) + "}"
    text_map = "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in grant_text.items()) + "}"
    ok = (
        "(h.endsWith(variables.space) || h == variables.apex"
        " || (variables.tenant in variables.grants && h.endsWith('.' + " + lit(domain) + ")"
        " && h.matches(variables.grants[variables.tenant])))"
    )
    variables = [
        {"name": "tenant", "expression": f"namespaceObject.metadata.labels[{lit(TENANT_LABEL)}]"},
        {"name": "apex", "expression": f"variables.tenant + '.' + {lit(domain)}"},
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
    ]
    if reserved:
        variables.append(_hosts_breaking("reserved", f"!h.matches({lit(reserved)})"))
        validations.append(
            check(
                "ingress-host",
                "size(variables.reserved) == 0",
                '"\'" + variables.reserved[0]'
                ' + "\' is reserved by the platform in platform.yaml reservedHosts"',
            )
        )
    rules = [rule("networking.k8s.io", "ingresses")]
    return policy(platform, env, "ingresses", rules, variables, validations)


def _hosts_breaking(name: str, ok: str) -> dict[str, str]:
    """A variable: the hosts (of rules, then of tls entries) for which `ok` (on `h`) fails."""
    return {
        "name": name,
        "expression": f"variables.ruleHosts.filter(h, !{ok})"
        f" + variables.tlsHosts.filter(l, l.exists(h, !{ok})).map(l, l.filter(h, !{ok})[0])",
    }
