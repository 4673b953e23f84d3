"""Following the generated tree as Argo CD would, with the real kustomize and helm.

For each environment: build `environments/<env>` (the root), take the AppProjects and
Applications it holds, build every Application's source (kustomize, or `helm template` with
its value files), and check every object it renders against the Application and its project:
it lands in the destination namespace, nothing cluster-scoped comes from a tenant's project,
and its kind is allowed by the project's white- and blacklists. Builds run in a small thread
pool (they are subprocesses, so threads are enough).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import yaml

from generator import layout
from generator.models.platform import Platform
from generator.problems import UsageError

INSTALL_HINT = (
    ".ci/install-tools (it puts kubectl and helm in .tools/bin, which `make` adds to PATH)"
)
TIMEOUT = 300

# Built-in and platform kinds that are cluster-scoped, by (group, kind). Anything else is taken
# as namespaced, as Argo CD would after discovery on a cluster with these APIs.
CLUSTER_SCOPED = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("networking.k8s.io", "IngressClass"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
        ("snapshot.storage.k8s.io", "VolumeSnapshotContent"),
        ("cert-manager.io", "ClusterIssuer"),
        ("external-secrets.io", "ClusterSecretStore"),
        ("external-secrets.io", "ClusterExternalSecret"),
        ("kyverno.io", "ClusterPolicy"),
        ("postgresql.cnpg.io", "ClusterImageCatalog"),
        ("gateway.networking.k8s.io", "GatewayClass"),
    }
)


@dataclass(frozen=True)
class Tools:
    kubectl: str
    helm: str


def find_tools(path: str | None = None) -> Tools:
    """kubectl and helm from PATH, or a UsageError naming the install script."""
    found = {name: shutil.which(name, path=path) for name in ("kubectl", "helm")}
    missing = [name for name, where in found.items() if where is None]
    if missing:
        raise UsageError(f"{' and '.join(missing)} not found on PATH; install with {INSTALL_HINT}")
    return Tools(kubectl=str(found["kubectl"]), helm=str(found["helm"]))


@dataclass(frozen=True)
class Finding:
    env: str
    application: str
    message: str

    def __str__(self) -> str:
        return f"{layout.env_root(self.env)}: Application {self.application}: {self.message}"


@dataclass
class Summary:
    environments: int = 0
    applications: int = 0
    objects: int = 0


class BuildError(Exception):
    pass


Built = list[dict[str, Any]] | BuildError


def _run(args: list[str], cwd: str) -> list[dict[str, Any]]:
    shown = " ".join([os.path.basename(args[0]), *args[1:3]])
    try:
        proc = subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"`{shown} ...` took longer than {TIMEOUT} s") from None
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise BuildError(f"`{shown} ...` failed: {' | '.join(tail)}")
    try:
        docs = list(yaml.load_all(proc.stdout, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as exc:
        raise BuildError(f"`{shown} ...` printed invalid YAML: {exc}") from None
    return [d for d in docs if isinstance(d, dict)]


def _inside(path: str) -> bool:
    normal = posixpath.normpath(path)
    return not (normal.startswith("../") or normal == ".." or posixpath.isabs(normal))


def read_directory(root: str, app: dict[str, Any]) -> list[dict[str, Any]]:
    """What Argo CD's plain-directory source reads: the YAML files matching `include`."""
    source = (app.get("spec") or {}).get("source") or {}
    path = str(source.get("path", ""))
    if not path or not _inside(path) or not os.path.isdir(os.path.join(root, path)):
        raise BuildError(f"source path {path!r} is not a folder of this repository")
    include = str((source.get("directory") or {}).get("include") or "*.yaml")
    objects: list[dict[str, Any]] = []
    for name in sorted(os.listdir(os.path.join(root, path))):
        full = os.path.join(root, path, name)
        if os.path.isfile(full) and fnmatchcase(name, include):
            with open(full, encoding="utf-8") as fh:
                try:
                    docs = list(yaml.load_all(fh, Loader=yaml.CSafeLoader))
                except yaml.YAMLError as exc:
                    raise BuildError(f"{path}/{name} is not valid YAML: {exc}") from None
            objects += [d for d in docs if isinstance(d, dict)]
    return objects


def build_command(root: str, app: dict[str, Any], tools: Tools) -> list[str]:
    """The command Argo CD's repo server would run for the Application's source."""
    spec = app.get("spec") or {}
    source = spec.get("source") or {}
    path = str(source.get("path", ""))
    if not path or not _inside(path) or not os.path.isdir(os.path.join(root, path)):
        raise BuildError(f"source path {path!r} is not a folder of this repository")
    helm = source.get("helm")
    if helm is None and not os.path.isfile(os.path.join(root, path, "Chart.yaml")):
        return [tools.kubectl, "kustomize", path]
    helm = helm or {}
    release = str(helm.get("releaseName") or app["metadata"]["name"])
    namespace = str((spec.get("destination") or {}).get("namespace", ""))
    args = [tools.helm, "template", release, path, "--namespace", namespace]
    for value_file in helm.get("valueFiles") or []:
        resolved = posixpath.normpath(posixpath.join(path, str(value_file)))
        if not _inside(resolved) or not os.path.isfile(os.path.join(root, resolved)):
            raise BuildError(f"value file {value_file!r} is not a file of this repository")
        args += ["--values", resolved]
    return args


def _matches(rules: Sequence[dict[str, Any]] | None, group: str, kind: str) -> bool:
    return any(
        fnmatchcase(group, str(r.get("group", ""))) and fnmatchcase(kind, str(r.get("kind", "")))
        for r in rules or []
    )


def kind_problem(project: dict[str, Any], group: str, kind: str, cluster: bool) -> str | None:
    """Why the project refuses this kind (Argo CD's rules), or None."""
    spec = project.get("spec") or {}
    name = project["metadata"]["name"]
    if cluster:
        if not _matches(spec.get("clusterResourceWhitelist"), group, kind):
            return f"project {name} does not whitelist cluster-scoped {kind}"
        if _matches(spec.get("clusterResourceBlacklist"), group, kind):
            return f"project {name} blacklists {kind}"
        return None
    whitelist = spec.get("namespaceResourceWhitelist")
    if whitelist and not _matches(whitelist, group, kind):
        return f"project {name} does not whitelist {kind}"
    if _matches(spec.get("namespaceResourceBlacklist"), group, kind):
        return f"project {name} blacklists {kind}"
    return None


def _destination_allowed(project: dict[str, Any], server: str, namespace: str) -> bool:
    return any(
        fnmatchcase(server, str(d.get("server", "")))
        and fnmatchcase(namespace, str(d.get("namespace", "")))
        for d in (project.get("spec") or {}).get("destinations") or []
    )


def check_objects(
    platform: Platform,
    env: str,
    app: dict[str, Any],
    project: dict[str, Any],
    objects: list[dict[str, Any]],
) -> Iterator[str]:
    """What is wrong with the objects one Application renders."""
    destination = (app.get("spec") or {}).get("destination") or {}
    dest_ns = str(destination.get("namespace", ""))
    platform_project = project["metadata"]["name"] == layout.platform_project(env)
    guardrails = platform_project and app["metadata"]["name"] != layout.root_application(env)
    for obj in objects:
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        kind = str(obj.get("kind", ""))
        meta = obj.get("metadata") or {}
        what = f"{kind}/{meta.get('name', '?')}"
        cluster = (group, kind) in CLUSTER_SCOPED
        problem = kind_problem(project, group, kind, cluster)
        if problem:
            yield f"{what}: {problem}"
        if cluster:
            if not platform_project:
                yield f"{what}: cluster-scoped, from the tenant project {project['metadata']['name']}"
            elif guardrails and (kind != "Namespace" or meta.get("name") != dest_ns):
                yield f"{what}: the guardrails may create only their own Namespace {dest_ns}"
            continue
        namespace = meta.get("namespace") or dest_ns
        backup = guardrails and (group, kind) == ("velero.io", "Schedule")
        allowed = {dest_ns, platform.spec.backupNamespace} if backup else {dest_ns}
        if namespace not in allowed:
            yield f"{what}: lands in namespace {namespace}, not in the destination {dest_ns}"


def verify(
    root: str,
    platform: Platform,
    envs: Sequence[str],
    tools: Tools,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Finding], Summary]:
    """Build level by level, as Argo CD syncs: the root, the Applications it holds, the
    Applications those hold (a tenant's `argocd.yaml`), and so on."""
    findings: list[Finding] = []
    summary = Summary()
    root_app = {env: layout.root_application(env) for env in envs}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        root_builds = pool.map(
            lambda env: _attempt([tools.kubectl, "kustomize", layout.env_root(env)], root), envs
        )
        projects: dict[str, dict[str, dict[str, Any]]] = {env: {} for env in envs}
        seen: set[tuple[str, str]] = set()
        level: list[tuple[str, dict[str, Any]]] = []
        for env, built in zip(envs, root_builds, strict=True):
            if isinstance(built, BuildError):
                findings.append(Finding(env, root_app[env], str(built)))
                continue
            summary.environments += 1
            level += _collect(env, built, projects[env], seen)

        def run(job: tuple[str, dict[str, Any]]) -> Built:
            env, app = job
            if app["metadata"]["name"] == root_app[env]:
                return []  # the root itself, built and collected already
            if "directory" in ((app.get("spec") or {}).get("source") or {}):
                try:
                    return read_directory(root, app)
                except BuildError as exc:
                    return exc
            try:
                return _attempt(build_command(root, app, tools), root)
            except BuildError as exc:
                return exc

        while level:
            builds = list(pool.map(run, level))
            next_level: list[tuple[str, dict[str, Any]]] = []
            for (env, _app), built in zip(level, builds, strict=True):
                if not isinstance(built, BuildError):
                    next_level += _collect(env, built, projects[env], seen)
            for (env, app), built in zip(level, builds, strict=True):
                name = app["metadata"]["name"]
                if name == root_app[env]:
                    continue
                summary.applications += 1
                if progress:
                    progress(name)
                project = projects[env].get(str((app.get("spec") or {}).get("project")))
                findings += [
                    Finding(env, name, m) for m in _app_problems(platform, env, app, project, built)
                ]
                if not isinstance(built, BuildError):
                    summary.objects += len(built)
            level = next_level
    return findings, summary


def _collect(
    env: str,
    built: list[dict[str, Any]],
    projects: dict[str, dict[str, Any]],
    seen: set[tuple[str, str]],
) -> list[tuple[str, dict[str, Any]]]:
    """Register the AppProjects of a build; return its Applications not yet followed."""
    for obj in built:
        if obj.get("kind") == "AppProject":
            projects[obj["metadata"]["name"]] = obj
    found = []
    for obj in built:
        if obj.get("kind") == "Application" and (env, obj["metadata"]["name"]) not in seen:
            seen.add((env, obj["metadata"]["name"]))
            found.append((env, obj))
    return found


def _attempt(args: list[str], root: str) -> Built:
    try:
        return _run(args, root)
    except BuildError as exc:
        return exc


def _app_problems(
    platform: Platform,
    env: str,
    app: dict[str, Any],
    project: dict[str, Any] | None,
    built: Built,
) -> Iterator[str]:
    spec = app.get("spec") or {}
    if project is None:
        yield f"its project {spec.get('project')!r} is not in the environment's root"
        return
    destination = spec.get("destination") or {}
    server, namespace = str(destination.get("server")), str(destination.get("namespace"))
    if not _destination_allowed(project, server, namespace):
        yield f"project {project['metadata']['name']} does not allow the destination {server} {namespace}"
    repo = str((spec.get("source") or {}).get("repoURL"))
    if repo not in ((project.get("spec") or {}).get("sourceRepos") or []):
        yield f"project {project['metadata']['name']} does not allow the source {repo}"
    if repo != platform.spec.repoURL:
        yield f"its source {repo} is not this repository ({platform.spec.repoURL})"
    if isinstance(built, BuildError):
        yield str(built)
        return
    yield from check_objects(platform, env, app, project, built)
