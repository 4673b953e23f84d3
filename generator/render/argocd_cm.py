"""The one Argo CD setting Berth relies on, as a file per environment the platform applies once:
`environments/<env>/argocd-cm.patch.yaml`.

Since Argo CD 1.8 an Application's health is not computed from its own status unless
`argocd-cm` holds a health check for `argoproj.io/Application`; without it the sync waves that
order a tenant's Applications (generator/render/tenant.py) wait for nothing. The file is a
partial ConfigMap holding that one key, so it serves as a merge patch (`kubectl patch --type
merge --patch-file`), as a server-side apply that owns only that key, and as a kustomize patch
of an Argo CD installed with kustomize. The root Application reads only `layout.ROOT_INCLUDE`
of the environment's folder, so Argo CD never syncs it.
"""

from __future__ import annotations

from typing import Any

from generator.models.platform import Environment, Platform
from generator.repo import layout

APPLICATION_HEALTH_KEY = "resource.customizations.health.argoproj.io_Application"
# Argo CD's own Lua for it (its 1.7 to 1.8 upgrade notes): the Application's health is the
# health its status reports, Progressing until it reports one.
APPLICATION_HEALTH_LUA = """\
hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
"""
CONFIGMAP = "argocd-cm"


def patch_object(platform: Platform) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIGMAP, "namespace": platform.spec.argocdNamespace},
        "data": {APPLICATION_HEALTH_KEY: APPLICATION_HEALTH_LUA},
    }


def apply_command(platform: Platform, env: str) -> str:
    namespace = platform.spec.argocdNamespace
    return (
        f"kubectl -n {namespace} patch configmap {CONFIGMAP} --type merge"
        f" --patch-file {layout.argocd_cm_patch_file(env)}"
    )


def check_command(platform: Platform) -> str:
    key = APPLICATION_HEALTH_KEY.replace(".", "\\.")
    return (
        f"kubectl -n {platform.spec.argocdNamespace} get configmap {CONFIGMAP}"
        f" -o jsonpath='{{.data.{key}}}'"
    )


def argocd_cm_patch(
    platform: Platform, environment: Environment
) -> tuple[str, list[dict[str, Any]]]:
    """The file's header (which says how to apply it) and its one object."""
    path = layout.argocd_cm_patch_file(environment.name)
    how = (
        f"# Apply once to the Argo CD that syncs {environment.name}, before"
        f" {layout.bootstrap_file(environment.name)}\n"
        "# (the file is the same in every environment: once per Argo CD is enough):\n"
        f"#   {apply_command(platform, environment.name)}\n"
        f"# or: kubectl apply --server-side --field-manager berth -f {path}\n"
        f"# Where Argo CD's own manifests set {CONFIGMAP} (Helm values configs.cm, a kustomization,\n"
        "# Argo CD managing itself), add this key there instead, as they would remove it.\n"
        "# Without it Argo CD does not assess Applications' health, and the sync waves of Berth's\n"
        "# Applications wait for nothing: docs/generated-tree.md#how-argo-cd-converges.\n"
    )
    return layout.header(layout.PLATFORM_FILE) + how, [patch_object(platform)]
