"""Who may use which public host: the one host rule of Berth.

Every tenant owns a host space in each environment: `<tenant>.<domain>` and every name below it,
`<name>.<tenant>.<domain>` (at any depth). A subdomain per tenant rather than a `<tenant>-`
prefix because DNS labels end at dots and tenant names contain dashes: under a prefix rule
tenant `pay` would own `pay-ments.<domain>`, which is also the apex of tenant `pay-ments`. A
subtree is also what the tools downstream understand: it can be a delegated DNS zone or an
external-dns domain filter, a wildcard certificate, and a cookie scope no other tenant shares.

The platform narrows and widens that space in `platform.yaml`: `reservedHosts` are refused to
every tenant, even inside its own space (its own services: Argo CD, the login page, ...), and
`hostGrants` give one tenant extra hosts outside its space, which then belong to it alone.
Hosts are compared as names: one host, one application (`check_hosts_unique`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

from generator.models.platform import Environment, Platform
from generator.problems import Problem
from generator.repo import layout
from generator.validate.app_global import Apps
from generator.yamlio.reader import Document

GRANTS_FIELD = "spec.hostGrants"
RESERVED_FIELD = "spec.reservedHosts"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def matches(pattern: str, host: str) -> bool:
    """`*` stands for any run of characters, dots included; everything else is literal."""
    return _compiled(pattern).fullmatch(host) is not None


def in_domain(host: str, domain: str) -> bool:
    return host.endswith("." + domain)


def _deeper_domain(platform: Platform, environment: Environment, host: str) -> Environment | None:
    """Another environment whose domain lies inside this one's and holds the host."""
    for other in platform.spec.environments:
        if len(other.domain) > len(environment.domain) and in_domain(host, other.domain):
            return other
    return None


def space(tenant: str, domain: str) -> str:
    return f"{tenant}.{domain}"


def in_space(host: str, tenant: str, domain: str) -> bool:
    apex = space(tenant, domain)
    return host == apex or in_domain(host, apex)


def grants_in(platform: Platform, tenant: str, environment: Environment) -> list[str]:
    """What the platform grants `tenant` that can be a host of `environment`."""
    return [
        g
        for g in platform.spec.hostGrants.get(tenant, [])
        if in_domain(g, environment.domain) and _deeper_domain(platform, environment, g) is None
    ]


def allowed(platform: Platform, tenant: str, environment: Environment) -> str:
    """The sentence every host error ends with: what this tenant may use here."""
    apex = space(tenant, environment.domain)
    blocked = _deeper_domain(platform, environment, apex) or next(
        (o for o in platform.spec.environments if o.domain == apex), None
    )
    if blocked is not None and blocked.name != environment.name:
        where = "" if blocked.domain == apex else f" in {blocked.domain},"
        text = (
            f"tenant {tenant} has no host space in {environment.name}: {apex} is{where} the domain of"
            f" {blocked.name}"
        )
    else:
        text = f"hosts of tenant {tenant} in {environment.name} must be {apex} or <name>.{apex}"
    granted = grants_in(platform, tenant, environment)
    if granted:
        text += f", or one the platform grants it: {', '.join(granted)}"
    elif blocked is not None:
        text += f"; the platform can grant it hosts (platform.yaml {GRANTS_FIELD})"
    return text


def host_problem(
    platform: Platform, tenant: str, environment: Environment, host: str, tenants: frozenset[str]
) -> str | None:
    """Why `tenant` may not use `host` in `environment`, or None if it may."""
    if host == environment.domain:
        reason = f"{host!r} is the {environment.name} domain itself, not a host in it"
    elif not in_domain(host, environment.domain):
        reason = f"{host!r} is not in the {environment.name} domain {environment.domain}"
    elif (other_env := _deeper_domain(platform, environment, host)) is not None:
        reason = f"{host!r} is in {other_env.domain}, the domain of {other_env.name}"
    elif (pattern := _reserved_by(platform, host)) is not None:
        what = "" if pattern == host else f" ({pattern})"
        reason = f"{host!r} is reserved by the platform{what} in platform.yaml {RESERVED_FIELD}"
        if in_space(host, tenant, environment.domain):
            reason += ", even inside a tenant's own space"
    elif (owner := _granted_to(platform, host)) is not None and owner != tenant:
        reason = (
            f"{host!r} belongs to tenant {owner}: the platform grants it in platform.yaml"
            f" {GRANTS_FIELD}.{owner}"
        )
    elif owner == tenant or in_space(host, tenant, environment.domain):
        return None
    elif (label := host.removesuffix("." + environment.domain).rsplit(".", 1)[-1]) in tenants:
        reason = f"{host!r} is in the host space of tenant {label}"
    else:
        reason = f"{host!r} is outside the host space of tenant {tenant}"
    return f"{reason}; {allowed(platform, tenant, environment)}"


def _reserved_by(platform: Platform, host: str) -> str | None:
    return next((p for p in platform.spec.reservedHosts if matches(p, host)), None)


def _granted_to(platform: Platform, host: str) -> str | None:
    for tenant, granted in sorted(platform.spec.hostGrants.items()):
        if any(matches(g, host) for g in granted):
            return tenant
    return None


def check_platform_hosts(platform: Platform, doc: Document) -> Iterator[Problem]:
    """Reserved hosts and grants that contradict each other or fit no environment."""
    spec = platform.spec
    domains = ", ".join(e.domain for e in spec.environments)
    granted: dict[str, str] = {}
    for tenant, hosts in sorted(spec.hostGrants.items()):
        for i, host in enumerate(hosts):
            path = ("spec", "hostGrants", tenant, i)
            envs = [e for e in spec.environments if in_domain(host, e.domain)]
            if not envs:
                yield doc.problem(
                    path,
                    f"{host!r} is in no environment's domain; a granted host ends in one of:"
                    f" {domains}",
                )
            elif (reserved := _reserved_by(platform, host)) is not None:
                yield doc.problem(
                    path,
                    f"{host!r} is reserved ({reserved} in {RESERVED_FIELD}); a reserved host"
                    " cannot be granted",
                )
            if host in granted and granted[host] != tenant:
                yield doc.problem(
                    path,
                    f"{host!r} is already granted to tenant {granted[host]}; a granted host"
                    " belongs to one tenant",
                )
            granted.setdefault(host, tenant)


def check_grant_tenants(
    platform: Platform, doc: Document, tenants: frozenset[str]
) -> Iterator[Problem]:
    """A grant to a tenant that does not exist is harmless today, but a tenant created later
    under that name would inherit it: say so, without blocking the pull request that removed
    the tenant."""
    for tenant in sorted(platform.spec.hostGrants):
        if tenant not in tenants:
            yield replace(
                doc.problem(
                    ("spec", "hostGrants", tenant),
                    f"there is no tenant {tenant!r} ({layout.tenant_file(tenant)}); a tenant"
                    " created later under this name would receive these hosts: remove the grant",
                    key=True,
                ),
                severity="warning",
            )


@dataclass(frozen=True)
class _Claim:
    """One application's claim on a host in one environment, and where it is written."""

    file: str
    env: str
    doc: Document


def check_hosts_unique(apps: Apps) -> Iterator[Problem]:
    """One host, one application: each claim is reported on its own file and line, naming the
    others, so whichever pull request adds the second claim gets the annotation on its line."""
    claims: dict[str, list[_Claim]] = {}
    for folder in sorted(apps):
        for stem in sorted(apps[folder]):
            app, doc = apps[folder][stem]
            for env_name, env in app.spec.environments.items():
                if env.host is not None:
                    file = layout.app_file(folder, stem)
                    claims.setdefault(env.host, []).append(_Claim(file, env_name, doc))
    for host, found in sorted(claims.items()):
        if len(found) < 2:
            continue
        # Positions only for clashes: `where` parses a cached file again.
        where = {id(o): o.doc.where(("spec", "environments", o.env, "host")) for o in found}
        for claim in found:
            others = ", ".join(
                f"{o.file}:{where[id(o)][0]}:{where[id(o)][1]} ({o.env})"
                for o in found
                if o is not claim
            )
            yield claim.doc.problem(
                ("spec", "environments", claim.env, "host"),
                f"{host!r} is also the host of {others}; a host belongs to one application",
            )
