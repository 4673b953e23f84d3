"""The admission policy of cert-manager objects: a tenant gets certificates for its own hosts,
from the platform's ClusterIssuer, and nothing else.

The cert-manager chart aggregates Certificate, CertificateRequest and Issuer writes into
`edit`. Unchecked, a team could get a certificate for another tenant's host or a reserved
platform host (with an ACME Issuer of its own, whose HTTP-01 solver Ingress cert-manager
creates as an exempt user), or send a CertificateRequest whose CSR names any host: the CSR is
PEM inside the object, which CEL cannot read, so only cert-manager (exempt) makes them, from a
Certificate that is checked here.
"""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.render.admission_cel import check, lit, policy
from generator.render.admission_net import RESERVED_TEXT, host_space

GROUP = "cert-manager.io"
# SANs that are not DNS names: no policy says which are a tenant's.
OTHER_NAMES = ("ipAddresses", "uris", "emailAddresses", "otherNames")


def certificates_policy(platform: Platform, environment: Environment) -> dict[str, Any]:
    issuer = platform.spec.ingress.clusterIssuer
    space = host_space(platform, environment)
    is_cert = "object.kind == 'Certificate'"
    ref = "object.spec.issuerRef"
    variables = [
        *space.variables,
        {
            "name": "names",  # dnsNames and commonName
            "expression": f"!({is_cert}) ? []"
            " : (has(object.spec.dnsNames) ? object.spec.dnsNames : [])"
            " + (has(object.spec.commonName) ? [object.spec.commonName] : [])",
        },
        {"name": "outside", "expression": f"variables.names.filter(h, !{space.ok})"},
    ]
    validations = [
        check(
            "certificate-issuer",
            "object.kind != 'Issuer'",
            lit(
                "an Issuer of a tenant's own is not allowed; certificates come from the"
                f" platform's ClusterIssuer {issuer}"
            ),
        ),
        check(
            "certificate-issuer",
            "object.kind != 'CertificateRequest'",
            lit(
                "CertificateRequests are made by cert-manager from a Certificate (the hosts in"
                " a CSR cannot be checked here); write a Certificate"
            ),
        ),
        check(
            "certificate-issuer",
            f"!({is_cert}) || (has({ref}.kind) && {ref}.kind == 'ClusterIssuer'"
            f" && {ref}.name == {lit(issuer)} && (!has({ref}.group) || {ref}.group == {lit(GROUP)}))",
            lit(f"issuerRef must be {{kind: ClusterIssuer, name: {issuer}}}, the platform's"),
        ),
        check(
            "certificate-host",
            f"!({is_cert}) || ("
            + " && ".join(f"!has(object.spec.{f})" for f in OTHER_NAMES)
            + " && !(has(object.spec.isCA) && object.spec.isCA == true)"
            " && variables.names.all(h, !h.contains('*')))",
            lit(
                "a Certificate names the tenant's hosts in dnsNames (and commonName) only: no"
                f" wildcard, no {', '.join(OTHER_NAMES)}, no isCA"
            ),
        ),
        check(
            "certificate-host",
            "size(variables.outside) == 0",
            '"\'" + variables.outside[0] + "\' is outside the host space of tenant "'
            f" + variables.tenant + {space.allowed}",
        ),
    ]
    if space.reserved:
        variables.append(
            {
                "name": "reserved",
                "expression": f"variables.names.filter(h, h.matches({lit(space.reserved)}))",
            }
        )
        validations.append(
            check(
                "certificate-host",
                "size(variables.reserved) == 0",
                f'"\'" + variables.reserved[0] + {RESERVED_TEXT}',
            )
        )
    rules = [
        {
            "apiGroups": [GROUP],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": ["certificates", "certificaterequests", "issuers"],
        }
    ]
    return policy(platform, environment, "certificates", rules, variables, validations)
