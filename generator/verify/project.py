"""Holding an Application and what it renders to its AppProject, as Argo CD does at sync time.

Argo CD's semantics (pkg/apis/application/v1alpha1 AppProject): `sourceRepos` are globs over
the normalised repository URL with `/` as separator; `destinations` match the Application's
server or name and namespace with globs; a `!` pattern denies; resource kinds go through
`filepath.Match` on group, kind and (if given) name; a namespaced whitelist that is absent
allows everything, an empty one nothing; a cluster whitelist must list a kind to allow it.
Berth's own boundary comes on top: nothing cluster-scoped from a tenant's project, everything in
the Application's destination namespace, and a tenant's Argo CD objects only its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from generator.models.charts import AllowedChart
from generator.repo import layout
from generator.verify.chart_source import source_issues as chart_source_issues
from generator.verify.globs import filepath_match, glob

ObjPath = tuple[str | int, ...]
ADMISSION_GROUP = "admissionregistration.k8s.io"
POLICY_KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")
Issue = tuple[ObjPath, str]


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _name(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name", "")) if isinstance(meta, Mapping) else ""


def normalize_git_url(url: str) -> str:
    """git.NormalizeGitURL: lower case, `git@host:path` as `host/path`, no `.git`."""
    url = url.strip().lower()
    if re.match(r"^[\w.-]+@[\w.-]+:", url) and not url.startswith("ssh://"):
        url = "ssh://" + url.replace(":", "/", 1)
    url = url.removesuffix(".git")
    return url.removeprefix("ssh://")


def _deny(pattern: str) -> bool:
    return pattern.startswith("!")


def _glob_match(pattern: str, value: str, separators: str = "") -> bool:
    """Argo CD's globMatch with negation allowed."""
    if _deny(pattern):
        return not glob(pattern[1:], value, separators)
    return pattern == "*" or glob(pattern, value, separators)


def source_permitted(project: Mapping[str, Any], repo_url: str) -> bool:
    source = normalize_git_url(repo_url)
    matched = False
    for item in _spec(project).get("sourceRepos") or []:
        pattern = str(item)
        normal = (
            "!" + normalize_git_url(pattern[1:]) if _deny(pattern) else normalize_git_url(pattern)
        )
        if _glob_match(normal, source, "/"):
            matched = True
        elif _deny(normal):
            return False
    return matched


def destination_permitted(
    project: Mapping[str, Any], server: str, name: str, namespace: str
) -> bool:
    matched, denied = False, False
    for item in _spec(project).get("destinations") or []:
        if not isinstance(item, Mapping):
            continue
        p_name, p_server = str(item.get("name") or ""), str(item.get("server") or "")
        p_namespace = str(item.get("namespace") or "")
        name_ok = bool(name) and _glob_match(p_name, name)
        server_ok = bool(server) and _glob_match(p_server, server)
        namespace_ok = _glob_match(p_namespace, namespace)
        if (server_ok or name_ok) and namespace_ok:
            matched = True
        elif (
            (not name_ok and _deny(p_name))
            or (not server_ok and _deny(p_server))
            or (not namespace_ok and _deny(p_namespace))
        ):
            denied = True
    return matched and not denied


def _in_list(rules: Sequence[Any], group: str, kind: str, name: str) -> bool:
    for rule in rules:
        if not isinstance(rule, Mapping):
            continue
        if (
            filepath_match(str(rule.get("kind", "")), kind)
            and filepath_match(str(rule.get("group", "")), group)
            and (not rule.get("name") or filepath_match(str(rule["name"]), name))
        ):
            return True
    return False


def kind_problem(
    project: Mapping[str, Any], group: str, kind: str, cluster: bool, name: str = ""
) -> str | None:
    """Why the project refuses this kind (IsGroupKindPermitted), or None."""
    spec = _spec(project)
    what = f"{group}/{kind}" if group else kind
    pname = _name(project)
    if cluster:
        if not _in_list(spec.get("clusterResourceWhitelist") or [], group, kind, name):
            return f"project {pname} does not whitelist the cluster-scoped {what}"
        if _in_list(spec.get("clusterResourceBlacklist") or [], group, kind, name):
            return f"project {pname} blacklists the cluster-scoped {what}"
        return None
    whitelist = spec.get("namespaceResourceWhitelist")
    # Argo CD: no whitelist allows every namespaced kind, an empty one allows none.
    if whitelist is not None and not _in_list(whitelist, group, kind, name):
        return f"project {pname} does not whitelist {what}"
    if _in_list(spec.get("namespaceResourceBlacklist") or [], group, kind, name):
        return f"project {pname} blacklists {what}"
    return None


def _allowed_destinations(project: Mapping[str, Any]) -> str:
    shown = [
        f"{d.get('server') or d.get('name') or '?'} {d.get('namespace') or '?'}"
        for d in _spec(project).get("destinations") or []
        if isinstance(d, Mapping)
    ]
    return "; ".join(shown) or "none"


def destination(app: Mapping[str, Any]) -> tuple[str, str, str]:
    dest = _spec(app).get("destination")
    dest = dest if isinstance(dest, Mapping) else {}
    return (
        str(dest.get("server") or ""),
        str(dest.get("name") or ""),
        str(dest.get("namespace") or ""),
    )


def app_issues(
    app: Mapping[str, Any],
    project: Mapping[str, Any] | None,
    repo_url: str,
    target_revision: str = "",
    charts: Mapping[str, AllowedChart] | None = None,
) -> Iterator[Issue]:
    """What Argo CD (and Berth's one-repository rule) refuses about the Application itself."""
    spec = _spec(app)
    if project is None:
        yield (
            ("spec", "project"),
            (
                f"project {spec.get('project')!r} is not defined by any Application of this environment"
            ),
        )
        return
    server, name, namespace = destination(app)
    if server and name:
        yield ("spec", "destination"), "has both server and name; Argo CD takes one of them"
    elif not (server or name):
        yield ("spec", "destination"), "has neither server nor name"
    elif not destination_permitted(project, server, name, namespace):
        yield (
            ("spec", "destination"),
            (
                f"project {_name(project)} does not allow the destination {server or name} {namespace}"
                f" (it allows: {_allowed_destinations(project)})"
            ),
        )
    source = spec.get("source")
    repo = str(source.get("repoURL", "")) if isinstance(source, Mapping) else ""
    if not source_permitted(project, repo):
        allowed = ", ".join(str(r) for r in _spec(project).get("sourceRepos") or []) or "none"
        yield (
            ("spec", "source", "repoURL"),
            (f"project {_name(project)} does not allow the source {repo} (it allows: {allowed})"),
        )
    if isinstance(source, Mapping) and "chart" in source:  # a tenant's third-party chart
        yield from chart_source_issues(source, charts or {})
        return
    if normalize_git_url(repo) != normalize_git_url(repo_url):
        yield ("spec", "source", "repoURL"), f"{repo} is not this repository ({repo_url})"
    revision = str(source.get("targetRevision", "")) if isinstance(source, Mapping) else ""
    if target_revision and revision != target_revision:
        # verify reads this checkout; another revision is content nobody here reviewed.
        yield (
            ("spec", "source", "targetRevision"),
            (f"{revision or 'HEAD'!r} is not the platform's targetRevision {target_revision!r}"),
        )


@dataclass(frozen=True)
class Role:
    """Which of Berth's Applications this is, which decides what it may create."""

    kind: str  # root, policies, tenant-argocd, guardrails, app, other
    tenant: str = ""


def role_of(app: Mapping[str, Any], env: str, tenants: AbstractSet[str]) -> Role:
    name = _name(app)
    if name == layout.root_application(env):
        return Role("root")
    project = str(_spec(app).get("project", ""))
    if name == layout.policies_application(env) and project == layout.policies_project(env):
        return Role("policies")
    # A tenant's names end in the environment's (generator/repo/layout.py): read the tenant off
    # the name rather than build every tenant's names for every Application.
    argocd = layout.tenant_argocd_application("", env)
    if name.endswith(argocd) and name.removesuffix(argocd) in tenants:
        return Role("tenant-argocd", name.removesuffix(argocd))
    guardrails = layout.tenant_project("", env)
    if project == layout.platform_project(env):
        if name.endswith(guardrails) and name.removesuffix(guardrails) in tenants:
            return Role("guardrails", name.removesuffix(guardrails))
        return Role("other")
    return Role("app")


@dataclass(frozen=True)
class Context:
    env: str
    app: Mapping[str, Any]
    project: Mapping[str, Any]
    role: Role
    backup_namespace: str
    repo_url: str
    chart_repos: frozenset[str] = frozenset()  # platform.yaml spec.charts, as Argo CD names them


def object_issues(ctx: Context, obj: Mapping[str, Any], cluster: bool) -> Iterator[Issue]:
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    kind = str(obj.get("kind", ""))
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = str(meta.get("name", ""))
    server, dest_name, dest_ns = destination(ctx.app)
    platform = _name(ctx.project) == layout.platform_project(ctx.env)
    problem = kind_problem(ctx.project, group, kind, cluster, name)
    if problem:
        yield (), problem
    if ctx.role.kind == "policies":
        # The admission policies' Application holds the policies and their Bindings only.
        if group != ADMISSION_GROUP or kind not in POLICY_KINDS:
            yield (
                (),
                f"the admission policies' Application may create only {', '.join(POLICY_KINDS)}",
            )
        return
    if cluster:
        if not platform:
            yield (
                (),
                f"is cluster-scoped; the project {_name(ctx.project)} of a tenant may create none",
            )
        elif ctx.role.kind != "root" and (kind != "Namespace" or name != dest_ns):
            yield (), f"the guardrails may create only their own Namespace {dest_ns}"
        return
    namespace = str(meta.get("namespace") or dest_ns)
    if not destination_permitted(ctx.project, server, dest_name, namespace):
        yield (
            ("metadata", "namespace"),
            (f"namespace {namespace} is not permitted in project {_name(ctx.project)}"),
        )
    backup = ctx.role.kind == "guardrails" and (group, kind) == ("velero.io", "Schedule")
    allowed = {dest_ns, ctx.backup_namespace} if backup else {dest_ns}
    if namespace not in allowed:
        yield (
            ("metadata", "namespace"),
            f"lands in namespace {namespace}, not in the destination {dest_ns}",
        )
    if ctx.role.kind == "tenant-argocd":
        yield from _tenant_argocd_issues(ctx, obj, group, kind, name)


def _tenant_argocd_issues(
    ctx: Context, obj: Mapping[str, Any], group: str, kind: str, name: str
) -> Iterator[Issue]:
    """A tenant's `argocd.yaml` may hold only its AppProject, its guardrails Application and
    Applications in its own project: else a tenant folder could grant itself the cluster."""
    tenant, env = ctx.role.tenant, ctx.env
    project_name = layout.tenant_project(tenant, env)
    namespace = layout.tenant_namespace(tenant, env)
    spec = _spec(obj)
    if group != "argoproj.io" or kind not in ("AppProject", "Application"):
        yield (
            (),
            f"a tenant's Argo CD Application may create only its AppProject and Applications, not {kind}",
        )
    elif kind == "AppProject":
        if name != project_name:
            yield (
                ("metadata", "name"),
                f"a tenant's Argo CD Application may create only the AppProject {project_name}",
            )
        for i, dest in enumerate(spec.get("destinations") or []):
            if not isinstance(dest, Mapping) or dest.get("namespace") != namespace:
                yield (
                    ("spec", "destinations", i),
                    f"the tenant's project may only deploy to the namespace {namespace}",
                )
        for i, repo in enumerate(spec.get("sourceRepos") or []):
            if str(repo) in ctx.chart_repos:
                continue
            if normalize_git_url(str(repo)) != normalize_git_url(ctx.repo_url):
                yield (
                    ("spec", "sourceRepos", i),
                    f"the tenant's project may only read this repository ({ctx.repo_url})",
                )
        if spec.get("clusterResourceWhitelist"):
            yield (
                ("spec", "clusterResourceWhitelist"),
                "the tenant's project may create nothing cluster-scoped",
            )
    else:
        project = str(spec.get("project", ""))
        source = spec.get("source")
        source = source if isinstance(source, Mapping) else {}
        guardrails = (
            name == layout.tenant_project(tenant, env)
            and project == layout.platform_project(env)
            and str(source.get("path", "")) == layout.guardrails_dir(env, tenant)
            and destination(obj)[2] == namespace
        )
        if project != project_name and not guardrails:
            yield (
                ("spec", "project"),
                (
                    f"a tenant's Applications belong to its project {project_name}"
                    f" (only its guardrails {project_name} from {layout.guardrails_dir(env, tenant)} are in {layout.platform_project(env)})"
                ),
            )
