"""Reading an Application's source as Argo CD's repo server would: the tool runs and the I/O.

kustomize (`kubectl kustomize`), `helm template` with the value files, or a plain directory
read with Argo CD's own `include`/`exclude` globs and `recurse`. Whatever Argo CD would refuse
(a path or value file outside the repository, a symlink out of it, two source types at once)
and whatever verify cannot reproduce offline (plugins, jsonnet, inline parameters) is an error,
never skipped: verify must check exactly what Argo CD would apply.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.problems import UsageError
from generator.repo import layout
from generator.verify.folders import Folders, kustomization_file
from generator.verify.globs import glob, glob_valid
from generator.yamlio.trusted import TrustedYAMLError, load_documents

INSTALL_HINT = (
    ".ci/install-tools (it puts kubectl and helm in .tools/bin, which `make` adds to PATH)"
)
TIMEOUT = 300
# kubectl and helm are short-lived Go programs, and most of a run is starting up:
# - their garbage collector spends a fifth of their CPU on a heap they drop at exit anyway:
#   with collection off until a generous limit, a run takes that much less CPU;
# - both link kubectl's commands, whose package initialisation translates every help text
#   through the message catalogue of the locale: the English one holds every string and costs
#   a quarter of a `helm template` (bench/results.md), the Korean one holds a few. Helm's and
#   kustomize's own messages are not translated, and no output depends on the locale.
# Either prints the same bytes (tests/test_verify_batch.py); a caller's own settings win.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "256MiB", "LC_ALL": "ko_KR.UTF-8"}
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json", ".jsonnet")
# What verify reproduces of an Application's source; anything else would change what Argo CD
# renders in a way verify cannot follow, so it is refused rather than ignored.
_SOURCE_KEYS = {"repoURL", "targetRevision", "path", "helm", "directory", "kustomize"}
_HELM_KEYS = {"releaseName", "valueFiles"}
_DIRECTORY_KEYS = {"include", "exclude", "recurse"}


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
class Located:
    """One object with the repository file (and line) a finding about it points at."""

    obj: Any
    file: str
    line: int = 1


@dataclass
class Build:
    objects: list[Located] = field(default_factory=list)
    errors: list[tuple[str, int, str, str]] = field(default_factory=list)  # file, line, field, msg


class BuildError(Exception):
    def __init__(self, message: str, file: str, line: int = 1, where: str = "") -> None:
        super().__init__(message)
        self.file, self.line, self.where = file, line, where


def _inside(path: str) -> bool:
    normal = posixpath.normpath(path)
    return not (normal.startswith("../") or normal == ".." or posixpath.isabs(normal))


def _source(app: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = app.get("spec") if isinstance(app.get("spec"), Mapping) else {}
    source = spec.get("source") if isinstance(spec, Mapping) else None
    return source if isinstance(source, Mapping) else {}


def source_type(
    root: str, app: Mapping[str, Any], origin: str, folders: Folders | None = None
) -> tuple[str, str]:
    """(type, path) of the Application's source: helm, kustomize or directory."""
    folders = folders or Folders(root)
    spec = app.get("spec") if isinstance(app.get("spec"), Mapping) else {}
    if isinstance(spec, Mapping) and "sources" in spec:
        raise BuildError(
            "verify follows a single `source`; Berth never generates `sources`",
            origin,
            where="spec.sources",
        )
    source = _source(app)
    unknown = sorted(set(source) - _SOURCE_KEYS)
    if unknown:
        raise BuildError(
            f"verify cannot reproduce `{unknown[0]}` offline; Berth never generates it",
            origin,
            where=f"spec.source.{unknown[0]}",
        )
    path = str(source.get("path", ""))
    discovered = folders.discovered(path) if path and _inside(path) else None
    if discovered is None:
        raise BuildError(
            f"source path {path!r} is not a folder of this repository",
            origin,
            where="spec.source.path",
        )
    if not folders.real_inside(path):
        raise BuildError(
            f"source path {path!r} leads out of the repository through a symbolic link",
            origin,
            where="spec.source.path",
        )
    explicit = [kind for kind in ("helm", "kustomize", "directory") if source.get(kind) is not None]
    if len(explicit) > 1:
        # Argo CD: "multiple application sources defined".
        raise BuildError(
            f"has both {explicit[0]} and {explicit[1]}; Argo CD refuses more than one source type",
            origin,
            where="spec.source",
        )
    for key, allowed in (
        ("helm", _HELM_KEYS),
        ("directory", _DIRECTORY_KEYS),
        ("kustomize", set()),
    ):
        extra = sorted(set(source.get(key) or {}) - allowed)
        if extra:
            raise BuildError(
                f"verify cannot reproduce `{key}.{extra[0]}` offline; Berth never generates it",
                origin,
                where=f"spec.source.{key}.{extra[0]}",
            )
    return (explicit[0] if explicit else discovered), path


def build(
    root: str,
    app: Mapping[str, Any],
    tools: Tools,
    origin: str,
    kube_version: str,
    only: Callable[[str], bool] | None = None,
    folders: Folders | None = None,
) -> Build:
    """The objects Argo CD would render for an Application (found in `origin`); `only` limits
    a plain directory to the files it accepts."""
    # A tenant's third-party chart comes from its own repository (chart_source.py, which
    # builds on this module: imported here, not at the top).
    from generator.verify import chart_source

    if chart_source.is_chart_source(app):
        return chart_source.build_chart(root, app, tools, origin, kube_version)
    result = Build()
    folders = folders or Folders(root)
    try:
        kind, path = source_type(root, app, origin, folders)
        for name in folders.argocd_source_files(path):
            result.errors.append(
                (
                    name,
                    1,
                    "",
                    "Argo CD merges this file into the parameters of every Application reading this folder; remove it",
                )
            )
        if kind == "directory":
            directory = _source(app).get("directory") or {}
            result.objects = read_directory(root, path, directory, origin, only, folders)
        elif kind == "kustomize":
            result.objects = run_tool(
                [tools.kubectl, "kustomize", path], root, kustomization_file(root, path)
            )
        else:
            args, shown = helm_command(root, app, path, tools, origin, kube_version, folders)
            result.objects = run_tool(args, root, shown)
    except BuildError as exc:
        result.errors.append((exc.file, exc.line, exc.where, str(exc)))
    return result


def helm_command(
    root: str,
    app: Mapping[str, Any],
    path: str,
    tools: Tools,
    origin: str,
    kube_version: str,
    folders: Folders | None = None,
) -> tuple[list[str], str]:
    """`helm template` as Argo CD runs it, and the file findings about its output point at."""
    folders = folders or Folders(root)
    helm = _source(app).get("helm") or {}
    meta = app.get("metadata") or {}
    release = str(helm.get("releaseName") or meta.get("name", ""))
    spec = app.get("spec") or {}
    namespace = str((spec.get("destination") or {}).get("namespace", ""))
    args = [
        tools.helm,
        "template",
        release,
        path,
        "--namespace",
        namespace,
        "--kube-version",
        kube_version,
    ]
    files = []
    for i, value_file in enumerate(helm.get("valueFiles") or []):
        resolved = posixpath.normpath(posixpath.join(path, str(value_file)))
        if (
            not _inside(resolved)
            or not os.path.isfile(os.path.join(root, resolved))
            or not folders.real_inside(resolved)
        ):
            # Argo CD refuses value files outside the repository.
            raise BuildError(
                f"value file {value_file!r} is not a file of this repository",
                origin,
                where=f"spec.source.helm.valueFiles[{i}]",
            )
        args += ["--values", resolved]
        files.append(resolved)
    shown = next(
        (f for f in files if f.startswith("environments/")),
        files[0] if files else posixpath.join(path, "Chart.yaml"),
    )
    return args, shown


def tool_env() -> dict[str, str]:
    return {**GO_RUNTIME, **os.environ}


def run_tool(args: list[str], root: str, file: str) -> list[Located]:
    shown = " ".join([os.path.basename(args[0]), *args[1:3]])
    try:
        proc = subprocess.run(
            args,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env=tool_env(),
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"`{shown} ...` took longer than {TIMEOUT} s", file) from None
    if proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise BuildError(f"`{shown} ...` failed: {' | '.join(tail)}", file)
    try:
        docs = load_documents(proc.stdout)
    except TrustedYAMLError as exc:
        raise BuildError(f"`{shown} ...` printed invalid YAML: {exc}", file) from None
    return [Located(doc, file) for doc, _line in docs]


def read_directory(
    root: str,
    path: str,
    directory: Mapping[str, Any],
    origin: str,
    only: Callable[[str], bool] | None = None,
    folders: Folders | None = None,
) -> list[Located]:
    """What Argo CD's plain-directory source reads (repo server's findManifests); with `only`,
    just the files (repository paths) it accepts."""
    folders = folders or Folders(root)
    include = str(directory.get("include") or "")
    exclude = str(directory.get("exclude") or "")
    recurse = directory.get("recurse") is True
    for key, pattern in (("include", include), ("exclude", exclude)):
        if pattern and not glob_valid(pattern):
            # Argo CD's glob.Match would match nothing and log a warning: say it out loud.
            raise BuildError(
                f"{pattern!r} is not a valid glob", origin, where=f"spec.source.directory.{key}"
            )
    found: list[Located] = []
    top = os.path.join(root, path)
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        if not recurse:
            dirs.clear()
        for name in sorted(files):
            rel_dir = os.path.relpath(folder, top).replace(os.sep, "/")
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if not name.endswith(MANIFEST_SUFFIXES):
                continue
            if (exclude and glob(exclude, rel)) or (include and not glob(include, rel)):
                continue
            shown = posixpath.join(path, rel)
            if only is not None and not only(shown):
                continue
            if not folders.real_inside(shown):
                raise BuildError(
                    "is a symbolic link out of the repository; Argo CD refuses it", shown
                )
            found += _read_manifests(os.path.join(folder, name), shown)
    return found


def _read_manifests(full: str, shown: str) -> list[Located]:
    if shown.endswith(".jsonnet"):
        raise BuildError("verify cannot evaluate jsonnet offline; Berth never generates it", shown)
    with open(full, encoding="utf-8") as fh:
        text = fh.read()
    if shown.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise BuildError(f"is not valid JSON: {exc}", shown) from None
        return [Located(d, shown) for d in (data if isinstance(data, list) else [data])]
    try:
        return [Located(doc, shown, line) for doc, line in load_documents(text)]
    except TrustedYAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BuildError(
            f"is not valid YAML: {getattr(exc, 'problem', exc)}",
            shown,
            mark.line + 1 if mark else 1,
        ) from None


def root_build(root: str, env: str) -> Build:
    """The root's objects: what its Application reads of `environments/<env>` (a plain
    directory: bootstrap.yaml and the shards' Applications), a few dozen objects whatever the
    number of tenants, so it is always read in full."""
    try:
        return Build(
            objects=read_directory(
                root,
                layout.env_root(env),
                {"include": layout.ROOT_INCLUDE},
                layout.bootstrap_file(env),
            )
        )
    except BuildError as exc:
        return Build(errors=[(exc.file, exc.line, exc.where, str(exc))])
