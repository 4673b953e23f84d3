"""A tenant in one environment, as data: its guardrails overlay and its Argo CD root objects.

Pure functions from validated models to plain dicts; `tree.py` serialises them. The overlay
patches the platform-owned base in `blueprints/tenant` by name, so the names below are that
base's placeholders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from generator.models.application import Application
from generator.models.platform import Environment, Platform
from generator.models.quota import effective_quota
from generator.models.tenant import Tenant
from generator.render.tenant_net import network_patches
from generator.render.tenant_net import smp as _smp
from generator.render.tenant_ops import overlay_parts
from generator.repo import layout
from generator.yamlio.writer import dump, dump_kept

IN_CLUSTER = "https://kubernetes.default.svc"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
BASE_BACKUP_NAMESPACE = "velero"
RBAC = "rbac.authorization.k8s.io"  # where blueprints/tenant puts its Schedule

# Kinds a tenant's own Applications may never manage: the guardrails stay the platform's,
# and RBAC objects would let a team grant itself more than its group has.
TENANT_DENIED_KINDS = (
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
)


# Exactly the kinds the blueprints' chart (blueprints/chart) renders: a tenant's Applications
# may create these in its own namespace and nothing else. None of them is cluster-scoped.
APP_KINDS = (
    ("", "ServiceAccount"),
    ("", "Service"),
    ("apps", "Deployment"),
    ("batch", "CronJob"),
    ("networking.k8s.io", "Ingress"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("monitoring.coreos.com", "ServiceMonitor"),
    ("monitoring.coreos.com", "PrometheusRule"),
    ("autoscaling.k8s.io", "VerticalPodAutoscaler"),
    ("external-secrets.io", "ExternalSecret"),
    ("postgresql.cnpg.io", "Cluster"),
    ("postgresql.cnpg.io", "ScheduledBackup"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
)
# Only a platform with a Gateway (spec.gateway) lets its tenants' Applications write routes to it.
ROUTE_KIND = ("gateway.networking.k8s.io", "HTTPRoute")


def app_kinds(platform: Platform) -> tuple[tuple[str, str], ...]:
    """The kinds a tenant's Applications may create on this platform."""
    if platform.spec.gateway is not None:
        return APP_KINDS
    return tuple(kind for kind in APP_KINDS if kind != ROUTE_KIND)


@dataclass(frozen=True)
class Peers:
    """Tenants this one exchanges traffic with in one environment (namespaces, sorted)."""

    allowed_in: tuple[str, ...]  # their pods may call ours (our spec.allowFrom)
    allowed_out: tuple[str, ...]  # our pods may call theirs (they list us in allowFrom)


def peers(tenants: dict[str, Tenant], env: str) -> dict[str, Peers]:
    """Every tenant's peers in `env`, in one pass (allowFrom is read in both directions)."""
    present = {name for name, t in tenants.items() if env in t.spec.environments}
    callers: dict[str, list[str]] = {name: [] for name in present}
    callees: dict[str, list[str]] = {name: [] for name in present}
    for name in present:
        for other in tenants[name].spec.allowFrom:
            if other in present and other != name:
                callers[name].append(layout.tenant_namespace(other, env))
                callees[other].append(layout.tenant_namespace(name, env))
    return {
        name: Peers(tuple(sorted(callers[name])), tuple(sorted(callees[name]))) for name in present
    }


def labels(tenant: Tenant, env: str) -> dict[str, str]:
    return {
        "berth.dev/tenant": tenant.metadata.name,
        "berth.dev/environment": env,
        "berth.dev/cost-center": tenant.spec.costCenter,
    }


def team_role(platform: Platform, environment: Environment) -> str:
    # Teams experiment in the first environment and change the rest through Git only.
    if environment.access is not None:
        return environment.access
    return "edit" if platform.spec.environments[0].name == environment.name else "view"


@lru_cache(maxsize=256)
def _namespace_patch(level: str) -> dict[str, Any]:
    labels = {
        f"pod-security.kubernetes.io/{mode}{suffix}": value
        for mode in ("enforce", "audit", "warn")
        for suffix, value in (("", level), ("-version", "latest"))
    }
    return _smp("v1", "Namespace", "tenant", {"metadata": {"name": "tenant", "labels": labels}})


def overlay(
    platform: Platform,
    environment: Environment,
    tenant: Tenant,
    peer: Peers,
    apps: Sequence[Application] = (),
) -> dict[str, Any]:
    """`environments/<env>/tenants/<tenant>/guardrails/kustomization.yaml`."""
    name = tenant.metadata.name
    namespace = layout.tenant_namespace(name, environment.name)
    quota = effective_quota(platform, tenant, environment.name)
    base = (
        layout.relative_to_repo_root(layout.guardrails_dir(environment.name, name))
        + "/"
        + layout.TENANT_BASE_DIR
    )
    hard = {
        "requests.cpu": quota.cpu,
        "requests.memory": quota.memory,
        "limits.memory": quota.memory,
        "requests.storage": quota.storage,
    }
    patches: list[dict[str, Any]] = [
        _namespace_patch(environment.podSecurity),
        _smp("v1", "ResourceQuota", "quota", {"spec": {"hard": hard}}),
        *network_patches(
            platform, peer.allowed_in, peer.allowed_out, [a.spec.port for a in apps if a.spec.port]
        ),
    ]
    role_ref = {"apiGroup": RBAC, "kind": "ClusterRole", "name": team_role(platform, environment)}
    subjects = [{"apiGroup": RBAC, "kind": "Group", "name": tenant.spec.group}]
    schedule = {
        "schedule": environment.backup.schedule,
        "template": {"includedNamespaces": [namespace], "ttl": environment.backup.ttl},
    }
    patches += [
        _smp(f"{RBAC}/v1", "RoleBinding", "team", {"roleRef": role_ref, "subjects": subjects}),
        _smp(
            "velero.io/v1",
            "Schedule",
            "tenant",
            {"spec": schedule},
            namespace=BASE_BACKUP_NAMESPACE,
        ),
        # Renames last: the patches above find the base objects by their placeholder names.
        {
            "target": {"kind": "Namespace", "name": "tenant"},
            "patch": dump_ops([("replace", "/metadata/name", namespace)]),
        },
        {
            "target": {"group": "velero.io", "kind": "Schedule", "name": "tenant"},
            "patch": dump_ops(
                [
                    ("replace", "/metadata/name", namespace),
                    ("replace", "/metadata/namespace", platform.spec.backupNamespace),
                ]
            ),
        },
    ]
    ops = overlay_parts(platform, environment, tenant, apps, dump_ops)
    patches += ops.patches
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [
            base,
            *(f"{base}/{extra}" for extra in ops.resources),
            *([layout.EGRESS_FILE] if any(app.spec.egress for app in apps) else []),
        ],
        # Sets the namespace only where the base leaves it unset, so the Velero Schedule stays
        # in Velero's namespace while everything else lands in the tenant's.
        "transformers": [
            dump(
                {
                    "apiVersion": "builtin",
                    "kind": "NamespaceTransformer",
                    "metadata": {"name": "tenant-namespace", "namespace": namespace},
                    "unsetOnly": True,
                }
            )
        ],
        "labels": [{"pairs": labels(tenant, environment.name), "includeSelectors": False}],
        "patches": patches,
    }


def dump_ops(ops: list[tuple[str, str, Any]]) -> str:
    """A JSON 6902 patch as YAML text (that keeps the operations, for the plan)."""
    return dump_kept(
        [
            {"op": op, "path": path} if op == "remove" else {"op": op, "path": path, "value": value}
            for op, path, value in ops
        ]
    )


def tenant_project(platform: Platform, environment: Environment, tenant: Tenant) -> dict[str, Any]:
    name = tenant.metadata.name
    project = layout.tenant_project(name, environment.name)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {
            "name": project,
            "namespace": platform.spec.argocdNamespace,
            "labels": labels(tenant, environment.name),
            "annotations": wave(WAVE_PROJECT),
            # Argo CD refuses to delete a project while Applications still use it, so when a
            # tenant goes, its project outlives its Applications and they never end up
            # orphaned (an Application without its project cannot be deleted).
            "finalizers": [FINALIZER],
        },
        "spec": {
            "description": f"{name} in {environment.name}: {tenant.spec.description}",
            "sourceRepos": [platform.spec.repoURL],
            "destinations": [
                {
                    "server": environment.server,
                    "namespace": layout.tenant_namespace(name, environment.name),
                }
            ],
            # Nothing cluster-scoped: an empty whitelist allows none, the blacklist says so twice.
            "clusterResourceWhitelist": [],
            "clusterResourceBlacklist": [{"group": "*", "kind": "*"}],
            "namespaceResourceWhitelist": [{"group": g, "kind": k} for g, k in app_kinds(platform)],
            "namespaceResourceBlacklist": [{"group": g, "kind": k} for g, k in TENANT_DENIED_KINDS],
            "roles": [
                {
                    "name": "team",
                    "description": f"{tenant.spec.group} may see and sync its applications",
                    "groups": [tenant.spec.group],
                    "policies": [
                        f"p, proj:{project}:team, applications, {action}, {project}/*, allow"
                        for action in ("get", "sync")
                    ],
                }
            ],
        },
    }


# Sync waves within one batch of objects that one Application syncs (Argo CD applies a wave
# only once the earlier ones are healthy, given the Application health check of docs/): the
# AppProjects first, then what needs only them (the guardrails, which create the namespace),
# then what deploys into that namespace.
WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"
WAVE_PROJECT = -1
WAVE_NAMESPACE = 0
WAVE_WORKLOAD = 1


def wave(value: int) -> dict[str, str]:
    return {WAVE_ANNOTATION: str(value)}


def sync_policy(
    platform: Platform, environment: Environment, *, may_empty: bool = False
) -> dict[str, Any]:
    """Automated sync with prune and self-heal where the environment syncs by itself.
    `may_empty`: the source can come to hold nothing (a shard whose last tenant left), which
    Argo CD's automated sync never prunes down to without `allowEmpty`. Elsewhere it stays off:
    it is Argo CD's guard against a source emptied by mistake."""
    if environment.sync != "auto":
        return {}
    retry = platform.spec.syncRetry
    automated: dict[str, Any] = {"prune": True, "selfHeal": True}
    if may_empty:
        automated["allowEmpty"] = True
    return {
        "automated": automated,
        # Without a retry Argo CD never tries a failed automated sync of the same commit again.
        "retry": {
            "limit": retry.limit,
            "backoff": {
                "duration": retry.backoff.duration,
                "factor": retry.backoff.factor,
                "maxDuration": retry.backoff.maxDuration,
            },
        },
    }


def argocd_application(
    platform: Platform,
    environment: Environment,
    *,
    name: str,
    labels: dict[str, str],
    project: str,
    source: dict[str, Any],
    destination: dict[str, str],
    sync_wave: int,
    cascade: bool = True,
    may_empty: bool = False,
) -> dict[str, Any]:
    """An Argo CD Application of this repository, synced as the environment says.

    With `cascade`, where Argo CD syncs by itself, removing the Application removes what it
    deployed (the finalizer); where a person syncs (production), it stays for that person.
    `may_empty`: see `sync_policy`.
    """
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": platform.spec.argocdNamespace,
        "labels": labels,
        "annotations": wave(sync_wave),
    }
    if cascade and environment.sync == "auto":
        metadata["finalizers"] = [FINALIZER]
    spec: dict[str, Any] = {
        "project": project,
        "source": {
            "repoURL": platform.spec.repoURL,
            "targetRevision": platform.spec.targetRevision,
            **source,
        },
        "destination": destination,
    }
    policy = sync_policy(platform, environment, may_empty=may_empty)
    if policy:
        spec["syncPolicy"] = policy
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": metadata,
        "spec": spec,
    }


def guardrails_application(
    platform: Platform, environment: Environment, tenant: Tenant
) -> dict[str, Any]:
    name = tenant.metadata.name
    namespace = layout.tenant_namespace(name, environment.name)
    return argocd_application(
        platform,
        environment,
        name=namespace,
        labels=labels(tenant, environment.name),
        project=layout.platform_project(environment.name),
        source={"path": layout.guardrails_dir(environment.name, name)},
        destination={"server": environment.server, "namespace": namespace},
        sync_wave=WAVE_NAMESPACE,
    )


def tenant_argocd_application(
    platform: Platform, environment: Environment, tenant: Tenant
) -> dict[str, Any]:
    """The one object a tenant adds to its environment's root: it syncs the tenant's
    `argocd.yaml` (AppProject, guardrails and application Applications) next to Argo CD."""
    name = tenant.metadata.name
    return argocd_application(
        platform,
        environment,
        name=layout.tenant_argocd_application(name, environment.name),
        labels=labels(tenant, environment.name),
        project=layout.tenants_project(environment.name),
        source={
            "path": layout.tenant_dir(environment.name, name),
            # A plain directory of one file: the guardrails and the Helm values below it
            # are built by their own Applications, not by this one.
            "directory": {"include": layout.TENANT_ARGOCD_FILE},
        },
        destination={"server": IN_CLUSTER, "namespace": platform.spec.argocdNamespace},
        sync_wave=WAVE_NAMESPACE,  # after the platform's project (bootstrap.yaml)
    )
