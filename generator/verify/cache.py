"""`berth verify --cache DIR`: verified builds, recorded by the digest of everything they read.

One entry per build: the key (cache_key.py) covers the Application as rendered (its source,
destination, file and line), what its source reads, the tool that builds it (its executable's
bytes), the AppProject it is held to, its role, the platform settings the checks read, the
schemas (`kubernetesVersion`, the platform's CRD folders, the libraries) and Berth's own code.
An entry holds what the walk keeps of a finished build: its problems (a failing verdict stays
failing), its Argo CD objects for the next level and the cross-build checks, the namespaces it
creates, how many objects it had, and what they need in the cluster. So a hit replaces the build and its checks, and an entry
can only be stale if its key is: no modification times, no invalidation.

What is not cached: a build whose tool failed or which reported a build error (a timeout, a
killed process, an unreadable file are not functions of the key, and a broken build costs only
itself), a build whose reads cannot be named (`Unkeyable`), a partial build (`verify --base`'s
plain-directory focus). The checks across builds (convergence, the roots) run every time on
what the entries hold.

Entries are written atomically (a temporary file, then a rename) as `DIR/<2 hex>/<key>`, sealed
with the digest of their bytes (cache_entry.py); a file that does not read, does not match its
digest or holds something else is a miss. A full run (every environment, no `--base`) removes
the entries it did not use, so the folder holds one tree's verdicts.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.models.platform import Platform
from generator.problems import Problem
from generator.repo.atomic import write_atomic
from generator.verify.cache_entry import Entry, decode, encode, kept_value, seal
from generator.verify.cache_key import (
    Reader,
    Unkeyable,
    canonical,
    digest,
    library_versions,
    object_digest,
    package_digest,
    tool_identity,
)
from generator.verify.folders import Folders
from generator.verify.forked import both, cores
from generator.verify.kube_schema import Schemas
from generator.verify.prerequisites import Need
from generator.verify.project import role_of
from generator.verify.runtime import View
from generator.verify.sources import Build, BuildError, Located, Tools, source_type

FORMAT = "berth-verify-cache/2"
SPLIT = 2000  # keys asked at once from which a fork computes half (forked.py)
# Environment variables kubectl, kustomize, helm or the Go runtime read that could change what
# a tool prints (sources.GO_RUNTIME's own values are among them when the caller sets them).
TOOL_SETTINGS = ("HELM_", "KUBECTL_", "KUSTOMIZE_", "KUBECONFIG", "GO", "LC_", "LANG")


def tool_settings() -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in os.environ.items() if k.startswith(TOOL_SETTINGS))


@dataclass
class Stats:
    hits: int = 0
    stored: int = 0
    uncached: int = 0  # not keyable, a failed build, or not JSON
    pruned: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class BuildCache:
    """The cache folder of one run, with the digests it computes once."""

    def __init__(
        self,
        folder: str,
        root: str,
        platform: Platform,
        schemas: Schemas,
        tools: Tools,
        folders: Folders | None = None,
    ) -> None:
        """Unkeyable when the platform's CRD folders cannot be named (a symbolic link)."""
        self.folder, self.root, self.tools = folder, root, tools
        self.folders = folders or Folders(root)
        self.reader = Reader(root, self)
        self.stats = Stats()
        self.used: set[str] = set()
        self._tools: dict[str, str | None] = {}
        self._projects: dict[int, tuple[Mapping[str, Any], str]] = {}
        spec = platform.spec
        self.code = package_digest()
        crds = [(d, self.reader.tree(os.path.normpath(d))) for d in spec.crdDirs]
        self.run = digest(
            canonical(
                {
                    "format": FORMAT,
                    "code": self.code,
                    "libraries": library_versions(),
                    "kubernetesVersion": schemas.version,
                    "crdDirs": crds,
                    "platform": [spec.repoURL, spec.targetRevision, spec.backupNamespace],
                    "environment": tool_settings(),
                }
            )
        )

    def _tool(self, path: str) -> str | None:
        if path not in self._tools:
            try:
                self._tools[path] = tool_identity(path)
            except (OSError, Unkeyable):
                self._tools[path] = None
        return self._tools[path]

    def keys(
        self,
        asks: Sequence[tuple[str, Located, Mapping[str, Mapping[str, Any]]] | None],
        tenants: frozenset[str],
        jobs: int = 1,
    ) -> list[str | None]:
        """The key of each (environment, Application, the projects known) asked; None: not
        asked, or not cacheable. With `jobs` > 1 and many asks, the first half is computed in a
        fork (forked.py), which sends back what it added to the run's state too."""
        half = len(asks) // 2 if jobs > 1 and len(asks) >= SPLIT and cores() > 1 else 0

        def part(start: int, stop: int) -> tuple[list[str | None], set[str], dict[str, int]]:
            used, reasons = set(self.used), dict(self.stats.reasons)
            found = [None if ask is None else self._ask(*ask, tenants) for ask in asks[start:stop]]
            added = {k: n - reasons.get(k, 0) for k, n in self.stats.reasons.items()}
            return found, self.used - used, {k: n for k, n in added.items() if n}

        if not half:
            return part(0, len(asks))[0]
        theirs, mine, forked = both(lambda: part(0, half), lambda: part(half, len(asks)))
        if forked:
            self.used |= theirs[1]
            for reason, count in theirs[2].items():
                self.stats.uncached += count
                self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + count
        return theirs[0] + mine[0]

    def _ask(
        self,
        env: str,
        app: Located,
        projects: Mapping[str, Mapping[str, Any]],
        tenants: frozenset[str],
    ) -> str | None:
        project = projects.get(str((app.obj.get("spec") or {}).get("project")))
        if project is None:
            self.uncached("project known only after its level")
            return None
        return self.key(env, app, project, tenants)

    def lookup(self, env: str, app: Located, key: str | None) -> Entry | None:
        """The entry recorded under the Application's key (None: not cacheable), if any; the
        Application is named for the tests' seam (which builds a run did not reuse)."""
        return None if key is None else self.get(key)

    def record(
        self,
        key: str,
        built: Build,
        problems: Sequence[Problem],
        argocd: Sequence[Located],
        namespaces: frozenset[str],
        may_empty: bool | None,
        network: View,
        needs: Sequence[Need] = (),
    ) -> None:
        """Record a checked build: its problems (all `finish` found) and what it kept."""
        if built.errors:
            self.uncached("build failed")
            return
        count = len(built.objects)
        entry = Entry(
            tuple(problems),
            tuple(argocd),
            namespaces,
            count,
            may_empty,
            network,
            tuple(needs),
        )
        self.put(key, entry)

    def key(
        self,
        env: str,
        app: Located,
        project: Mapping[str, Any],
        tenants: frozenset[str],
    ) -> str | None:
        """The key of the Application's build and checks; None when it cannot be told."""
        try:
            kind, path = source_type(self.root, app.obj, app.file, self.folders)
            source = (app.obj.get("spec") or {}).get("source") or {}
            if kind == "helm":
                tool = self._tool(self.tools.helm)
                values = (source.get("helm") or {}).get("valueFiles") or []
                files = [os.path.normpath(os.path.join(path, str(v))) for v in values]
                reads: Any = [path, self.reader.tree(path), [[f, self.reader.file(f)] for f in files]]  # fmt: skip
            elif kind == "kustomize":
                tool = self._tool(self.tools.kubectl)
                reads = self.reader.kustomize(os.path.normpath(path))
            else:
                tool = "-"
                settings = source.get("directory") or {}
                reads = self.reader.directory(os.path.normpath(path), settings)
        except (BuildError, Unkeyable, OSError) as exc:
            self.uncached(type(exc).__name__)
            return None
        if tool is None:
            self.uncached("tool")
            return None
        role = role_of(app.obj, env, tenants)
        parts = [
            self.run, env, object_digest(app.obj), app.file, app.line, self._project(project),
            [role.kind, role.tenant], tool, kind, reads,
        ]  # fmt: skip
        return digest(canonical(parts))

    def _project(self, project: Mapping[str, Any]) -> str:
        """The AppProject's digest: hundreds of Applications share one (the object is kept
        with it, so its id is not reused while the run lasts)."""
        if id(project) not in self._projects:
            self._projects[id(project)] = (project, object_digest(project))
        return self._projects[id(project)][1]

    def uncached(self, reason: str) -> None:
        self.stats.uncached += 1
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1

    def _path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key)

    def _read(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as fh:
                return fh.read()
        except OSError:
            return None

    def _write(self, key: str, raw: bytes) -> bool:
        try:
            write_atomic(self._path(key), raw)
        except OSError:
            self.uncached("write")
            return False
        self.used.add(key)
        return True

    def _memo_key(self, content: str) -> str:
        return digest(canonical(["kustomization folder refs", self.code, content]))

    def recall(self, content: str) -> list[str] | str | None:
        """A kustomization's `folder_refs`, by the digest of its bytes (cache_key.Memo)."""
        key = self._memo_key(content)
        value = kept_value(key, self._read(key))
        found: list[str] | str
        if isinstance(value, str):
            found = value
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            found = [str(v) for v in value]
        else:
            return None
        self.used.add(key)
        return found

    def remember(self, content: str, value: list[str] | str) -> None:
        key = self._memo_key(content)
        self._write(key, seal({"key": key, "value": value}))

    def recall_text(self, parts: Sequence[str]) -> str | None:
        """A text kept by the digest of everything it was made from (nca.TextStore)."""
        key = self.text_key(parts)
        value = kept_value(key, self._read(key))
        if not isinstance(value, str):
            return None
        self.used.add(key)
        return value

    def remember_text(self, parts: Sequence[str], text: str) -> None:
        key = self.text_key(parts)
        self._write(key, seal({"key": key, "value": text}))

    def keep(self, key: str) -> None:
        self.used.add(key)

    def text_key(self, parts: Sequence[str]) -> str:
        return digest(canonical(["text", self.code, list(parts)]))

    def folder_digest(self, rel: str) -> str | None:
        try:
            return self.reader.tree(rel)
        except (Unkeyable, OSError):
            return None

    def get(self, key: str) -> Entry | None:
        raw = self._read(key)
        entry = None if raw is None else decode(key, raw)
        if entry is not None:
            self.stats.hits += 1
            self.used.add(key)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        raw = encode(key, entry)
        if raw is None:
            self.uncached("json")
            return
        if self._write(key, raw):
            self.stats.stored += 1

    def prune(self) -> None:
        """Remove every entry this run did not use (only after a run that saw every build)."""
        try:
            shards = [e for e in os.scandir(self.folder) if e.is_dir(follow_symlinks=False)]
        except OSError:
            return
        for shard in shards:
            for entry in os.scandir(shard.path):
                if entry.name not in self.used:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        self.stats.pruned += 1
