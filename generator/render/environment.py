"""One environment's root: the objects Argo CD syncs from `environments/<env>/` (app of apps).

The root is a plain directory of two files: the AppProjects and root Application
(`bootstrap.yaml`) and one Application per shard (`shards.yaml`); each shard Application reads
a plain folder of one file per tenant, that tenant's `<tenant>-<env>-argocd` Application. No
kustomize anywhere near the root: `kustomize build` grows quadratically with the objects of
one build (at 10,000 tenants far past the time Argo CD gives a render: bench/results.md), while
Argo CD reads a directory source by splitting each file, linear in the tenants. The shards keep every
Application's files far below the repo server's 10M cap on a directory source.
"""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.render.admission import POLICY_KINDS
from generator.render.tenant import (
    IN_CLUSTER,
    WAVE_NAMESPACE,
    argocd_application,
    wave,
)
from generator.repo import layout

# Waves of the root batch: the AppProjects first, then the admission policies, then the
# tenants (WAVE_NAMESPACE), so that no tenant object is created before the policies hold.
WAVE_ROOT_PROJECT = -2
WAVE_POLICIES = -1

# What the platform's own Applications (the root and every tenant's guardrails) may create.
PLATFORM_NAMESPACED_KINDS = (
    ("argoproj.io", "Application"),
    ("argoproj.io", "AppProject"),
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("velero.io", "Schedule"),
    # Each tenant namespace's quota alert and dashboard (generator/render/tenant_ops.py).
    ("monitoring.coreos.com", "PrometheusRule"),
    ("", "ConfigMap"),
    ("grafana.integreatly.org", "GrafanaDashboard"),
)


def _root_project(
    platform: Platform, environment: Environment, name: str, description: str, spec: dict[str, Any]
) -> dict[str, Any]:
    """One of the AppProjects the environment root holds, all synced before anything else."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {
            "name": name,
            "namespace": platform.spec.argocdNamespace,
            "labels": {"berth.dev/environment": environment.name},
            "annotations": wave(WAVE_ROOT_PROJECT),
        },
        "spec": {"description": description, "sourceRepos": [platform.spec.repoURL], **spec},
    }


def platform_project(platform: Platform, environment: Environment) -> dict[str, Any]:
    spec = platform.spec
    return _root_project(
        platform,
        environment,
        layout.platform_project(environment.name),
        f"Berth platform objects of {environment.name}: its root and every tenant's guardrails",
        {
            "destinations": [
                # The root's AppProjects and Applications live next to Argo CD itself.
                {"server": IN_CLUSTER, "namespace": spec.argocdNamespace},
                {"server": environment.server, "namespace": f"*-{environment.name}"},
                {"server": environment.server, "namespace": spec.backupNamespace},
            ],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "namespaceResourceWhitelist": [
                {"group": g, "kind": k} for g, k in PLATFORM_NAMESPACED_KINDS
            ],
        },
    )


def tenants_project(platform: Platform, environment: Environment) -> dict[str, Any]:
    """The project of the tenants' `-argocd` Applications: what a tenant's `argocd.yaml` may
    hold at all (its AppProject and Applications, next to Argo CD), so that a mistake or a
    hand edit there cannot reach quotas, network policies, role bindings or any namespace.
    Which AppProject and Application names it holds, Argo CD cannot say (no names in the
    namespaced whitelists); `render --check` and `berth verify` hold it to the tenant's own."""
    return _root_project(
        platform,
        environment,
        layout.tenants_project(environment.name),
        f"Berth tenants of {environment.name}: each tenant's AppProject and Applications",
        {
            "destinations": [{"server": IN_CLUSTER, "namespace": platform.spec.argocdNamespace}],
            "clusterResourceWhitelist": [],
            "clusterResourceBlacklist": [{"group": "*", "kind": "*"}],
            "namespaceResourceWhitelist": [
                {"group": "argoproj.io", "kind": "AppProject"},
                {"group": "argoproj.io", "kind": "Application"},
            ],
        },
    )


def policies_project(platform: Platform, environment: Environment) -> dict[str, Any]:
    """The admission policies' own project: `platform-<env>` is also the project of every
    tenant's guardrails, so it must not grant cluster-scoped admission kinds. This one grants
    exactly those, and nothing namespaced."""
    return _root_project(
        platform,
        environment,
        layout.policies_project(environment.name),
        f"Berth admission policies of {environment.name}: the platform's rules in the cluster",
        {
            "destinations": [{"server": environment.server, "namespace": "*"}],
            "clusterResourceWhitelist": [
                {"group": "admissionregistration.k8s.io", "kind": kind} for kind in POLICY_KINDS
            ],
            "namespaceResourceWhitelist": [],
        },
    )


def policies_application(platform: Platform, environment: Environment) -> dict[str, Any]:
    return argocd_application(
        platform,
        environment,
        name=layout.policies_application(environment.name),
        labels={"berth.dev/environment": environment.name},
        project=layout.policies_project(environment.name),
        source={"path": layout.policies_dir(environment.name)},
        destination={"server": environment.server},  # cluster-scoped objects only
        sync_wave=WAVE_POLICIES,
        # Removing the Application by mistake must not lift the rules from every tenant.
        cascade=False,
    )


def root_application(platform: Platform, environment: Environment) -> dict[str, Any]:
    app = argocd_application(
        platform,
        environment,
        name=layout.root_application(environment.name),
        labels={"berth.dev/environment": environment.name},
        project=layout.platform_project(environment.name),
        source={
            "path": layout.env_root(environment.name),
            "directory": {"include": layout.ROOT_INCLUDE},
        },
        destination={"server": IN_CLUSTER, "namespace": platform.spec.argocdNamespace},
        # The root is in its own batch: a later wave would wait on the tenants' health.
        sync_wave=WAVE_NAMESPACE,
        cascade=False,  # deleting the root by mistake must not take every tenant with it
    )
    automated = app["spec"].get("syncPolicy", {}).get("automated")
    if automated is not None:
        # What the root holds is fixed (the projects, the policies and the shards), so it
        # never needs to prune; and on a cluster whose root holds tenants' Applications itself
        # (a root without shards), pruning would delete them before their shard adopts them.
        automated["prune"] = False
    return app


def shard_application(
    platform: Platform, environment: Environment, shard_id: str
) -> dict[str, Any]:
    """One shard of the root: the tenants' Applications in `shards/<shard>/`, a plain folder
    (no recursion into anything else, no kustomize). In the tenants' project: it may create
    Argo CD objects in Argo CD's namespace and nothing else."""
    return argocd_application(
        platform,
        environment,
        name=layout.shard_application(environment.name, shard_id),
        labels={"berth.dev/environment": environment.name},
        project=layout.tenants_project(environment.name),
        source={
            "path": layout.shards_dir(environment.name),
            "directory": {"recurse": True, "include": layout.shard_include(shard_id)},
        },
        destination={"server": IN_CLUSTER, "namespace": platform.spec.argocdNamespace},
        sync_wave=WAVE_NAMESPACE,
        cascade=False,  # removing a shard by mistake must not take its tenants with it
        may_empty=True,  # its last tenant leaving must still prune that tenant's Application
    )


def shard_applications(platform: Platform, environment: Environment) -> list[dict[str, Any]]:
    return [shard_application(platform, environment, s) for s in layout.all_shards()]
