"""Which repository files an Application's build reads, told without running a tool.

For `verify --base`: an Application whose files none changed renders what it rendered on the
base. The answer must never be too small, so anything unclear widens it:
- a plain directory reads the manifests under its path that its `include`/`exclude`/`recurse`
  accept, and Argo CD's `.argocd-source*` files there;
- helm reads the chart folder and the value files;
- kustomize reads its kustomization file and, transitively, every local path it names
  (resources, components, patches, generator files, ...), and Argo CD its `.argocd-source*`. A kustomization that cannot be read,
  or that inflates a helm chart or names a remote base, reads everything (`EVERYTHING`).

A `Reads` also says whether the build is *plain*: its kustomizations only list resources (and
add labels, annotations or a namespace), so each object of its output comes from one file under
its own name and kind, and an unchanged file gives unchanged objects.
"""

from __future__ import annotations

import bisect
import functools
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.verify.folders import KUSTOMIZATIONS
from generator.verify.globs import glob
from generator.verify.sources import MANIFEST_SUFFIXES
from generator.yamlio.trusted import TrustedYAMLError, load_trusted

EVERYTHING = ""  # a prefix every repository path has
# Fields holding a list of local paths (or inline YAML, told apart by its newline).
_PATH_LISTS = (
    "resources",
    "bases",
    "components",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "patchesStrategicMerge",
)
_GENERATORS = ("configMapGenerator", "secretGenerator")
# What may stand in a kustomization for its output to stay one object per file, unrenamed.
_PLAIN_KEYS = {
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "namespace",
    "labels",
    "commonLabels",
    "commonAnnotations",
    "buildMetadata",
    "sortOptions",
}


class Paths:
    """Repository paths, sorted, so that "what is under this folder" is a bisection: a change
    can name thousands of files (a blueprint's), and every Application asks."""

    def __init__(self, names: Iterable[str]) -> None:
        self._set = frozenset(names)
        self._sorted = tuple(sorted(self._set))

    def under(self, folder: str) -> Iterator[str]:
        """The paths inside `folder` (every path for `.`)."""
        if folder == ".":
            yield from self._sorted
            return
        prefix = folder + "/"
        at = bisect.bisect_left(self._sorted, prefix)
        while at < len(self._sorted) and self._sorted[at].startswith(prefix):
            yield self._sorted[at]
            at += 1

    def touches(self, prefix: str) -> bool:
        """Whether `prefix` is one of the paths or a folder holding one."""
        if prefix == EVERYTHING:
            return bool(self._set)
        return prefix in self._set or next(self.under(prefix), None) is not None


@dataclass(frozen=True)
class Reads:
    prefixes: frozenset[str]  # folders (read whole) and files, as repository paths
    directory: tuple[str, Mapping[str, Any]] | None = None  # a plain directory: path, settings
    plain: bool = False

    def touched_by(self, changed: Paths) -> bool:
        if self.directory is not None:
            path = posixpath.normpath(self.directory[0])
            return any(self.reads(name) for name in changed.under(path))
        return any(changed.touches(p) for p in self.prefixes)

    def reads(self, name: str) -> bool:
        if self.directory is not None:
            return directory_reads(*self.directory, name)
        return any(p == EVERYTHING or name == p or name.startswith(p + "/") for p in self.prefixes)


def directory_reads(path: str, directory: Mapping[str, Any], name: str) -> bool:
    """Whether a plain-directory source at `path` reads the repository file `name`."""
    return directory_reader(path, directory)(name)


def directory_reader(path: str, directory: Mapping[str, Any]) -> Callable[[str], bool]:
    """`directory_reads` of one source, its settings read once (a shard's source is asked
    about every tenant's file)."""
    path = posixpath.normpath(path)
    prefix = path + "/"
    recurse = directory.get("recurse") is True
    include = str(directory.get("include") or "")
    exclude = str(directory.get("exclude") or "")

    def reads(name: str) -> bool:
        if not name.startswith(prefix):
            return path == "." and not name.startswith("../")
        rel = name[len(prefix) :]
        nested = "/" in rel
        base = rel.rpartition("/")[2]
        if not nested and base.startswith(".argocd-source"):
            return True
        if (nested and not recurse) or not base.endswith(MANIFEST_SUFFIXES):
            return False
        # An invalid glob is an error the build reports; reading the file then is the safe
        # answer.
        return not (exclude and glob(exclude, rel)) and not (include and not glob(include, rel))

    return reads


def reads(root: str, app: Mapping[str, Any], kind: str, path: str) -> Reads:
    """What the Application's source of `kind` (helm, kustomize, directory) at `path` reads."""
    source = (app.get("spec") or {}).get("source") or {}
    path = posixpath.normpath(path)
    if kind == "directory":
        directory = source.get("directory") or {}
        return Reads(frozenset({path}), (path, directory if isinstance(directory, Mapping) else {}))
    if kind == "helm":
        values = (source.get("helm") or {}).get("valueFiles") or []
        files = {posixpath.normpath(posixpath.join(path, str(v))) for v in values}
        return Reads(frozenset({path, *files}))
    found = {posixpath.join(path, name) for name in _argocd_sources(root, path)}
    plain = _kustomize_reads(root, path, found, set())
    return Reads(frozenset(found), plain=plain)


def _argocd_sources(root: str, path: str) -> list[str]:
    try:
        return [n for n in os.listdir(os.path.join(root, path)) if n.startswith(".argocd-source")]
    except OSError:
        return []


_UNREADABLE = object()


def _kustomization(path: str) -> Any:
    """The kustomization file's data (`_UNREADABLE` if it cannot be read). Thousands of
    Applications share a few bases under blueprints/, so each file is parsed once per version."""
    try:
        stat = os.stat(path)
    except OSError:
        return _UNREADABLE
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _parsed(path: str, mtime_ns: int, size: int) -> Any:
    del mtime_ns, size  # the cache key: a rewritten file is parsed again
    try:
        with open(path, encoding="utf-8") as fh:
            return load_trusted(fh.read(), kubernetes=True)
    except (OSError, UnicodeDecodeError, TrustedYAMLError):
        return _UNREADABLE


def _kustomize_reads(root: str, folder: str, found: set[str], seen: set[str]) -> bool:
    """Add what the kustomization in `folder` reads to `found`; whether it is plain."""
    if folder in seen:
        return True
    seen.add(folder)
    name = next((k for k in KUSTOMIZATIONS if os.path.isfile(os.path.join(root, folder, k))), None)
    if name is None:
        found.add(folder)  # no kustomization: whatever appears there may change the build
        return True
    # kustomize reads the kustomization and what it names, not the rest of the folder.
    found.update(posixpath.join(folder, k) for k in KUSTOMIZATIONS)
    data = _kustomization(os.path.join(root, folder, name))
    if data is _UNREADABLE:
        found.add(EVERYTHING)
        return False
    if not isinstance(data, Mapping) or "helmCharts" in data or "helmGlobals" in data:
        found.add(EVERYTHING)
        return False
    plain = set(data) <= _PLAIN_KEYS
    for ref in _references(data):
        if "://" in ref or ref.startswith(("github.com/", "git@")):
            found.add(EVERYTHING)  # a remote base: verify's build reports it; nothing is safe
            return False
        target = posixpath.normpath(posixpath.join(folder, ref))
        if target.startswith("../") or target == "..":
            continue  # out of the repository: kustomize fails, and the build says so
        if os.path.isdir(os.path.join(root, target)):
            plain = _kustomize_reads(root, target, found, seen) and plain
        else:
            found.add(target)
    return plain


def _references(data: Mapping[str, Any]) -> list[str]:
    refs: list[str] = []
    for key in _PATH_LISTS:
        for item in data.get(key) or []:
            if isinstance(item, str) and "\n" not in item:
                refs.append(item)
    for key in ("patches", "patchesJson6902", "replacements"):
        for item in data.get(key) or []:
            if isinstance(item, Mapping) and isinstance(item.get("path"), str):
                refs.append(item["path"])
    for key in _GENERATORS:
        for item in data.get(key) or []:
            if not isinstance(item, Mapping):
                continue
            for entry in [*(item.get("files") or []), *(item.get("envs") or [])]:
                refs.append(str(entry).rpartition("=")[2])
            if isinstance(item.get("env"), str):
                refs.append(item["env"])
    openapi = data.get("openapi")
    if isinstance(openapi, Mapping) and isinstance(openapi.get("path"), str):
        refs.append(openapi["path"])
    return refs
