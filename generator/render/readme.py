"""The README that explains the generated tree to whoever opens `environments/`."""

from __future__ import annotations

from generator.models.platform import Platform
from generator.render.argocd_cm import apply_command
from generator.repo import layout


def environments_readme(platform: Platform) -> str:
    spec = platform.spec
    rows = "\n".join(
        f"| `{env.name}` | `{env.server}` | {env.sync} | {env.podSecurity} |"
        f" `kubectl apply -n {spec.argocdNamespace} -f {layout.bootstrap_file(env.name)}` |"
        for env in spec.environments
    )
    return f"""<!-- {layout.GENERATED_MARK} from {layout.PLATFORM_FILE}. Do not edit: run `berth render`. -->
# Generated GitOps tree

Everything under `environments/` is written by `berth render` from `platform.yaml`,
`tenants/*/tenant.yaml`, `tenants/*/apps/*.yaml` and `blueprints/`. Do not edit it by hand: change the request and render again
(`berth render --check` fails when this tree is stale). Argo CD syncs whatever is here, so
nothing else may be: `berth render --check`, `berth plan` and `berth verify` fail on any file
Berth did not write (dotfiles and `.argocd-source*` overrides included), and `berth render`
removes it.

| environment | cluster | sync | Pod Security | bootstrap (once, by hand) |
|---|---|---|---|---|
{rows}

Before the first bootstrap, Argo CD must assess the health of Applications (an
`argocd-cm` setting), or the sync waves that order a tenant's Applications wait for
nothing: apply `<env>/argocd-cm.patch.yaml` once per Argo CD (its header says how).
`docs/generated-tree.md` ("How Argo CD converges") says how to check it and has the rest of
the bootstrap checklist; `docs/prerequisites.md` lists what else the clusters must run.

## Layout

- `<env>/argocd-cm.patch.yaml`: the Application health check for `argocd-cm`, applied once
  by hand (`{apply_command(platform, "<env>")}`); Argo CD never syncs it.
- `<env>/bootstrap.yaml`: the AppProjects `platform-<env>`, `berth-<env>-tenants` and
  `berth-<env>-policies`, the policies' Application and the root Application `berth-<env>`.
  Applied once by hand. The root reads `bootstrap.yaml` and `shards.yaml` of `<env>/` as a
  plain directory (no kustomize: its build time grows with the square of the objects), so
  it manages itself afterwards.
- `<env>/shards.yaml`: sixteen Applications `berth-<env>-tenants-<shard>` (project
  `berth-<env>-tenants`, which allows AppProjects and Applications in Argo CD's namespace
  and nothing else), each reading the plain folder `<env>/shards/<shard>/`.
- `<env>/shards/<shard>/<tenant>.yaml`: the tenant's one Application
  `<tenant>-<env>-argocd`, which syncs its `argocd.yaml` as a plain directory. `<shard>` is
  the first hex digit of the sha256 of the tenant's name, so every shard holds about a
  sixteenth of the tenants, far from the 10 MB that Argo CD's repo server reads of one
  directory Application by default.
- `<env>/tenants/<tenant>/argocd.yaml`: the tenant's AppProject `<tenant>-<env>` (its own
  namespace only, this repository only, nothing cluster-scoped, only the kinds the
  blueprints' chart renders, no quota, limit range, network policy or RBAC objects), the
  Application `<tenant>-<env>` of its guardrails, and one Application
  `<tenant>-<app>-<env>` per application, in the tenant's project, that renders the
  blueprint's chart (`blueprints/chart`) with the values file below.
- `<env>/tenants/<tenant>/guardrails/kustomization.yaml`: the guardrails, an overlay over
  the platform-owned base `{layout.TENANT_BASE_DIR}/`: Namespace `<tenant>-<env>` with Pod
  Security labels, ResourceQuota, LimitRange, NetworkPolicies, the team's RoleBinding and a
  Velero Schedule.
- `<env>/tenants/<tenant>/guardrails/egress.yaml`: where the tenant's applications ask for
  destinations outside the cluster, one NetworkPolicy `egress-<app>` each, listed by the
  overlay.
- `<env>/tenants/<tenant>/apps/<app>.values.yaml`: the Helm values of one application in
  this environment, from its request and the blueprint's `values.yaml.j2`.
"""
