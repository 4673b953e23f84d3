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

Entries are written atomically (a temporary file, then a rename) as `DIR/<2 hex>/<key>`: a first
line with the digest of the rest, then JSON, then the build's network view as JSON on a line of
its own (decoded only by a flow run that is judged again, flow_verdicts.py). A file that does not read, does not match its
digest or holds something else is a miss. A full run (every environment, no `--base`) removes
the entries it did not use, so the folder holds one tree's verdicts.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.models.platform import Platform
from generator.problems import Problem
from generator.repo.atomic import write_atomic
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
from generator.verify.kube_schema import Schemas
from generator.verify.prerequisites import Need
from generator.verify.project import role_of
from generator.verify.runtime import View
from generator.verify.sources import Build, BuildError, Located, Tools, source_type

FORMAT = "berth-verify-cache/2"
# Environment variables kubectl, kustomize, helm or the Go runtime read that could change what
# a tool prints (sources.GO_RUNTIME's own values are among them when the caller sets them).
TOOL_SETTINGS = ("HELM_", "KUBECTL_", "KUSTOMIZE_", "KUBECONFIG", "GO", "LC_", "LANG")


def tool_settings() -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in os.environ.items() if k.startswith(TOOL_SETTINGS))


@dataclass(frozen=True)
class Entry:
    """What the walk keeps of one checked build."""

    problems: tuple[Problem, ...]
    argocd: tuple[Located, ...]
    namespaces: frozenset[str]
    objects: int
    # Whether the source can come to hold nothing (convergence.can_become_empty), from the
    # files the build read: the key holds them and the declaring file.
    may_empty: bool | None
    # What the runtime flows read of the build (runtime.network_view): a reused build feeds
    # them as a built one does. Kept as its JSON text after the entry's own, decoded only
    # by a flow run that is not recalled (flow_verdicts.py).
    network: View
    # What the build's objects need in the cluster (prerequisites.build_needs).
    needs: tuple[Need, ...] = ()


@dataclass
class Stats:
    hits: int = 0
    stored: int = 0
    uncached: int = 0  # not keyable, a failed build, or not JSON
    pruned: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def _sealed(payload: Mapping[str, Any], tail: str = "") -> bytes:
    """A digest line, the payload's JSON (one line: JSON text holds no line break), and
    `tail`, a text read only when asked for."""
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    if tail:
        raw += b"\n" + tail.encode("utf-8", "surrogatepass")
    return digest(raw).encode() + b"\n" + raw


def _unsealed(key: str, raw: bytes) -> tuple[dict[str, Any], str] | None:
    """The payload and tail of an entry file, if it is whole and is the entry of `key`."""
    head, _, body = raw.partition(b"\n")
    if head.decode("ascii", "replace") != digest(body):
        return None
    main, _, tail = body.partition(b"\n")
    try:
        data = json.loads(main)
        text = tail.decode("utf-8", "surrogatepass")
    except ValueError:
        return None
    return (data, text) if isinstance(data, dict) and data.get("key") == key else None


def _value(key: str, raw: bytes | None) -> Any:
    found = None if raw is None else _unsealed(key, raw)
    return None if found is None else found[0].get("value")


def _encode(key: str, entry: Entry) -> bytes | None:
    argocd = [[at.obj, at.file, at.line] for at in entry.argocd]
    payload = {
        "key": key,
        "problems": [
            [p.file, p.line, p.col, p.field, p.message, p.severity] for p in entry.problems
        ],
        "argocd": argocd,
        "namespaces": sorted(entry.namespaces),
        "objects": entry.objects,
        "may_empty": entry.may_empty,
        "network": sorted(entry.network.namespaces),
        "needs": [list(need) for need in entry.needs],
    }
    sealed = _sealed(payload, entry.network.text)
    # JSON turns a non-string key or a tuple into something else: keep only what comes back
    # (the view is its text already: what this run read is what a later one reads).
    back = json.loads(sealed.split(b"\n")[1])
    if back["argocd"] != argocd:
        return None
    return sealed


def _decode(key: str, raw: bytes) -> Entry | None:
    found = _unsealed(key, raw)
    if found is None:
        return None
    data, text = found
    try:
        problems = tuple(
            Problem(str(f), int(line), int(col), str(where), str(msg), sev)
            for f, line, col, where, msg, sev in data["problems"]
            if sev in ("error", "warning")
        )
        if len(problems) != len(data["problems"]):
            return None
        argocd = tuple(Located(obj, str(f), int(line)) for obj, f, line in data["argocd"])
        if not all(isinstance(at.obj, dict) for at in argocd):
            return None
        may_empty, network = data["may_empty"], data["network"]
        if may_empty not in (True, False, None) or not isinstance(network, list):
            return None
        needs = tuple((str(component), str(what)) for component, what in data["needs"])
        return Entry(
            problems,
            argocd,
            frozenset(map(str, data["namespaces"])),
            int(data["objects"]),
            may_empty,
            View(frozenset(map(str, network)), text),
            needs,
        )
    except (ValueError, TypeError, KeyError):
        return None


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

    def lookup(
        self,
        env: str,
        app: Located,
        projects: Mapping[str, Mapping[str, Any]],
        tenants: frozenset[str],
    ) -> tuple[str | None, Entry | None]:
        """The Application's key (None: not cacheable) and its recorded entry, if any."""
        project = projects.get(str((app.obj.get("spec") or {}).get("project")))
        if project is None:
            self.uncached("project known only after its level")
            return None, None
        key = self.key(env, app, project, tenants)
        return key, None if key is None else self.get(key)

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
        value = _value(key, self._read(key))
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
        self._write(key, _sealed({"key": key, "value": value}))

    def recall_text(self, parts: Sequence[str]) -> str | None:
        """A text kept by the digest of everything it was made from (nca.TextStore)."""
        key = self.text_key(parts)
        value = _value(key, self._read(key))
        if not isinstance(value, str):
            return None
        self.used.add(key)
        return value

    def remember_text(self, parts: Sequence[str], text: str) -> None:
        key = self.text_key(parts)
        self._write(key, _sealed({"key": key, "value": text}))

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
        entry = None if raw is None else _decode(key, raw)
        if entry is not None:
            self.stats.hits += 1
            self.used.add(key)
        return entry

    def put(self, key: str, entry: Entry) -> None:
        raw = _encode(key, entry)
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
