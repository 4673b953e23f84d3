"""Rules that need more than one field or file: what a schema alone cannot say."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction

from generator.models.platform import Platform
from generator.models.quantity import format_amount, parse_quantity
from generator.models.quota import effective_quota, money, monthly_cost
from generator.models.tenant import Tenant
from generator.problems import Problem
from generator.repo import layout
from generator.validate.operations import check_ingress_controller
from generator.yamlio.reader import Document

RESOURCES = ("cpu", "memory", "storage")

# Namespaces every cluster has or that the platform's own components conventionally use.
WELL_KNOWN_NAMESPACES = frozenset(
    {
        "default",
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "cert-manager",
        "external-secrets",
        "external-dns",
    }
)
# Tenant names whose derived Argo CD names would collide with the platform's own
# (`platform-<env>` AppProject, `berth-<env>` root Application).
RESERVED_TENANT_NAMES = frozenset({"default", "platform", "berth", "argocd"})


def reserved_namespaces(platform: Platform) -> frozenset[str]:
    spec = platform.spec
    return WELL_KNOWN_NAMESPACES | {
        spec.argocdNamespace,
        spec.backupNamespace,
        spec.ingress.namespace,
        *([spec.gateway.namespace] if spec.gateway is not None else []),
        spec.monitoringNamespace,
        *spec.reservedNamespaces,
    }


def check_platform(platform: Platform, doc: Document) -> Iterator[Problem]:
    for i, env in enumerate(platform.spec.environments):
        if env.name in reserved_namespaces(platform) or env.name.startswith("kube-"):
            yield doc.problem(
                ("spec", "environments", i, "name"), f"{env.name!r} is a reserved name"
            )
    for name in platform.spec.sizes:
        if name in {"", "none"}:
            yield doc.problem(("spec", "sizes", name), f"{name!r} cannot be a size name", key=True)
    yield from check_ingress_controller(platform, doc)
    yield from _shared_secrets(platform, doc)


def _shared_secrets(platform: Platform, doc: Document) -> Iterator[Problem]:
    """Environments that read one store under keys without the environment share values."""
    if "{environment}" in platform.spec.secrets.keyTemplate:
        return
    by_store: dict[str, list[str]] = {}
    for env in platform.spec.environments:
        by_store.setdefault(platform.spec.secret_store(env), []).append(env.name)
    for store, names in by_store.items():
        if len(names) > 1:
            problem = doc.problem(
                ("spec", "secrets", "keyTemplate"),
                f"environments {', '.join(names)} read store {store} under the same keys (the"
                " template has no {environment}): dev would hold prod's values; add"
                " {environment} or give each environment its own secretStore",
            )
            yield replace(problem, severity="warning")


def check_tenant(
    platform: Platform,
    folder: str,
    tenant: Tenant,
    doc: Document,
    known_tenants: frozenset[str],
) -> Iterator[Problem]:
    name = tenant.metadata.name
    if name != folder:
        yield doc.problem(
            ("metadata", "name"),
            f"{name!r} must equal its folder name {folder!r} (tenants/{folder}/tenant.yaml)",
        )
    reserved = reserved_namespaces(platform)
    if name.startswith("kube-") or name in RESERVED_TENANT_NAMES or name in reserved:
        yield doc.problem(
            ("metadata", "name"), f"{name!r} is reserved for the platform; choose another name"
        )

    for env_name, wanted in tenant.spec.environments.items():
        path = ("spec", "environments", env_name)
        env = platform.spec.environment(env_name)
        if env is None:
            allowed = ", ".join(e.name for e in platform.spec.environments)
            yield doc.problem(
                path, f"unknown environment {env_name!r}; the platform has: {allowed}", key=True
            )
            continue
        namespace = layout.tenant_namespace(name, env_name)
        argocd_name = layout.tenant_argocd_application(name, env_name)
        if len(argocd_name) > 63:
            yield doc.problem(
                path,
                f"{len(name)} characters of tenant name and {len(env_name)} of environment are too"
                f" many: the Argo CD Application {argocd_name!r} would be {len(argocd_name)}"
                " characters; at most 63",
                key=True,
            )
        if namespace in reserved:
            yield doc.problem(
                path, f"namespace {namespace!r} is reserved for the platform", key=True
            )
        if wanted.size not in platform.spec.sizes:
            allowed = ", ".join(platform.spec.sizes)
            yield doc.problem(
                (*path, "size"), f"unknown size {wanted.size!r}; the platform offers: {allowed}"
            )
            continue
        quota = effective_quota(platform, tenant, env_name)
        for resource in RESOURCES:
            amount = quota.amount(resource)
            ceiling_text = getattr(env.ceiling, resource)
            ceiling = parse_quantity(ceiling_text)
            if amount > ceiling:
                given = getattr(wanted.quota, resource, None) if wanted.quota else None
                where = (*path, "quota", resource) if given else (*path, "size")
                yield doc.problem(
                    where,
                    f"{getattr(quota, resource)} exceeds the {env_name} ceiling of {ceiling_text}"
                    f" ({resource}: {format_amount(resource, amount)} > {format_amount(resource, ceiling)})",
                )

    for i, other in enumerate(tenant.spec.allowFrom):
        item = ("spec", "allowFrom", i)
        if other == name:
            yield doc.problem(
                item, "a tenant cannot list itself; its own pods can always reach each other"
            )
        elif other not in known_tenants:
            yield doc.problem(
                item, f"unknown tenant {other!r}; allowFrom names folders under tenants/"
            )

    if tenant.spec.budget is not None:
        estimate = estimate_tenant(platform, tenant)
        budget = Fraction(str(tenant.spec.budget.monthly))
        if estimate is not None and estimate > budget:
            currency = platform.spec.pricing.currency
            yield doc.problem(
                ("spec", "budget", "monthly"),
                f"the quota estimate of {money(estimate, currency)} a month exceeds the budget of"
                f" {money(budget, currency)}; lower a size or raise the budget",
            )


def estimate_tenant(platform: Platform, tenant: Tenant) -> Fraction | None:
    """Monthly cost of the tenant's quotas in every environment, or None if one is unknown."""
    total = Fraction(0)
    for env_name, wanted in tenant.spec.environments.items():
        if platform.spec.environment(env_name) is None or wanted.size not in platform.spec.sizes:
            return None
        total += monthly_cost(effective_quota(platform, tenant, env_name), platform.spec.pricing)
    return total


def check_namespaces_unique(tenants: dict[str, tuple[Tenant, Document]]) -> Iterator[Problem]:
    """`a-b` in env `c` and `a` in env `b-c` would both be `a-b-c`."""
    owner: dict[str, str] = {}
    for folder in sorted(tenants):
        tenant, doc = tenants[folder]
        if tenant.metadata.name != folder:
            continue  # reported as a folder mismatch; its namespaces would be a false alarm
        for env_name in tenant.spec.environments:
            namespace = layout.tenant_namespace(tenant.metadata.name, env_name)
            if namespace in owner and owner[namespace] != folder:
                yield doc.problem(
                    ("spec", "environments", env_name),
                    f"namespace {namespace!r} is already taken by tenant {owner[namespace]!r}",
                    key=True,
                )
            owner.setdefault(namespace, folder)
