"""The key of one build in verify's cache (cache.py): a digest of everything the build and its
checks read, so that an entry whose key matches cannot be stale.

What a build reads, as Argo CD's repo server and the tools read it:
- helm: the chart folder, whole (templates, values, schema, `charts/`), and each value file;
- kustomize: the kustomization's folder, whole, and every folder its `resources`, `bases`,
  `components`, `generators`, `transformers` and `validators` name, recursively, whole.
  `kubectl kustomize` refuses to load any other file from outside the folder of the
  kustomization that names it (its default load restrictor), so a folder's tree is all of it;
- a plain directory: the files its `include`/`exclude`/`recurse` accept, and `.argocd-source*`.

A tree's digest names every entry in it, so a file that appears or goes changes the key. What
cannot be named soundly is `Unkeyable` and the build is not cached: a symbolic link anywhere in
what is read (its target may change without the tree changing), a path or remote base outside
the repository, a kustomization that cannot be parsed or that inflates helm charts.

Every file and folder is read and hashed once a run: thousands of builds read
`blueprints/chart` and `blueprints/tenant`.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat
import sys
from collections.abc import Iterator, Mapping
from importlib import metadata
from typing import Any, Protocol

from generator.verify.deps import directory_reader
from generator.verify.folders import KUSTOMIZATIONS
from generator.yamlio.trusted import TrustedYAMLError, load_trusted

# Kustomization fields whose entries may be folders: the only reads outside a folder's tree.
_FOLDER_FIELDS = ("resources", "bases", "components", "generators", "transformers", "validators")
# The libraries whose behaviour decides a verdict: parsing, schemas, validation.
LIBRARIES = ("PyYAML", "jsonschema", "jsonschema-rs", "kubernetes-validate", "referencing")


class Unkeyable(Exception):
    """What a build reads cannot be told soundly; the build is not cached."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> bytes:
    """One byte string per JSON value: sorted keys, no spacing choices."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def object_digest(obj: Any) -> str:
    """The digest of a parsed YAML object, types included: JSON would write the key `1` and the
    key "1" alike, `repr` does not (and is several times faster). Only str, int, float, bool,
    None, bytes, lists and dicts come out of the loaders, each with one `repr`; a key order
    that differs gives another digest, which costs a miss, never a wrong hit."""
    return digest(repr(obj).encode("utf-8", "surrogatepass"))


def _is_remote(ref: str) -> bool:
    return "://" in ref or ref.startswith(("github.com/", "git@"))


def _outside(path: str) -> bool:
    return path == ".." or path.startswith("../") or posixpath.isabs(path)


class Reader:
    """Digests of the repository's files and folders, each computed once a run."""

    def __init__(self, root: str, memo: Memo | None = None) -> None:
        self.root, self.memo = root, memo
        self._files: dict[str, str] = {}
        self._trees: dict[str, str] = {}
        self._linkless: dict[str, bool] = {}
        self._kustomize: dict[str, tuple[tuple[str, str], ...]] = {}
        self._visiting: set[str] = set()
        self._walks: dict[tuple[str, bool], list[str]] = {}
        self._prefix = os.path.join(root, "")

    def _full(self, rel: str) -> str:
        # os.path.join, without its cost for the relative paths a Reader is given
        return rel if rel.startswith("/") else self._prefix + rel

    def linkless(self, rel: str) -> bool:
        """Whether no component of the repository path `rel` is a symbolic link."""
        if rel in ("", "."):
            return True
        if rel not in self._linkless:
            parent = posixpath.dirname(rel)
            self._linkless[rel] = self.linkless(parent) and not os.path.islink(self._full(rel))
        return self._linkless[rel]

    def file(self, rel: str) -> str:
        """The file's digest; `-` when there is nothing at `rel`, `d:...` for a folder."""
        if rel not in self._files:
            if _outside(rel):
                raise Unkeyable(f"{rel} is outside the repository")
            if not self.linkless(rel):
                raise Unkeyable(f"{rel} is reached through a symbolic link")
            full = self._full(rel)
            try:
                mode = os.stat(full).st_mode
                if stat.S_ISDIR(mode):
                    self._files[rel] = "d:" + self.tree(rel)
                elif not stat.S_ISREG(mode):  # a pipe or a device: reading it may never end
                    raise Unkeyable(f"{rel} is neither a file nor a folder")
                else:
                    with open(full, "rb") as fh:
                        self._files[rel] = digest(fh.read())
            except FileNotFoundError:
                self._files[rel] = "-"
            except OSError as exc:
                raise Unkeyable(f"{rel}: {exc.strerror}") from None
        return self._files[rel]

    def tree(self, rel: str) -> str:
        """The digest of a folder's names and contents, all the way down."""
        if rel not in self._trees:
            lines = []
            for child, entry in self._entries(rel):
                if entry.is_dir():
                    lines.append(f"{entry.name}/\0{self.tree(child)}")
                elif entry.is_file():
                    lines.append(f"{entry.name}\0{self.file(child)}")
                else:
                    raise Unkeyable(f"{child} is neither a file nor a folder")
            self._trees[rel] = digest("\n".join(lines).encode())
        return self._trees[rel]

    def kustomize(self, folder: str) -> tuple[tuple[str, str], ...]:
        """(path, digest) of every tree (and file) the kustomization in `folder` reads,
        sorted; each folder's answer is kept, as thousands of overlays share one base."""
        if folder not in self._kustomize:
            if folder in self._visiting:
                return ()  # a cycle: kustomize refuses it, and a failed build is not cached
            self._visiting.add(folder)
            try:
                found = dict(self._kustomize_reads(folder))
            finally:
                self._visiting.discard(folder)
            self._kustomize[folder] = tuple(sorted(found.items()))
        return self._kustomize[folder]

    def _kustomize_reads(self, folder: str) -> Iterator[tuple[str, str]]:
        if not self.linkless(folder):
            raise Unkeyable(f"{folder} is reached through a symbolic link")
        yield folder, "d:" + self.tree(folder)
        name = next(
            (k for k in KUSTOMIZATIONS if os.path.isfile(self._full(posixpath.join(folder, k)))),
            None,
        )
        if name is None:
            return  # no kustomization: kustomize fails on it, and a failed build is not cached
        file = posixpath.join(folder, name)
        found = self._refs(file)
        if isinstance(found, str):
            raise Unkeyable(f"{file} {found}")
        for ref in found:
            target = posixpath.normpath(posixpath.join(folder, ref))
            if _outside(target):
                raise Unkeyable(f"{folder}/{name} reads {ref}, outside the repository")
            if os.path.isdir(self._full(target)):
                yield from self.kustomize(target)
            elif not target.startswith(folder + "/"):
                yield target, self.file(target)  # a file elsewhere, or nothing (yet)

    def _refs(self, file: str) -> list[str] | str:
        """`folder_refs` of the file, parsed once per content: a tenant's overlay takes longer
        to parse than the rest of its key, so a memo (cache.py) keeps the answer by digest."""
        content = self.file(file)
        if self.memo is not None:
            kept = self.memo.recall(content)
            if kept is not None:
                return kept
        try:
            with open(self._full(file), "rb") as fh:
                raw = fh.read()
        except OSError:
            raise Unkeyable(f"{file} cannot be read") from None
        if digest(raw) != content:
            raise Unkeyable(f"{file} changed while verify read it")
        found = folder_refs(raw)
        if self.memo is not None:
            self.memo.remember(content, found)
        return found

    def directory(self, path: str, settings: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
        """(path, digest) of each file a plain-directory source at `path` reads."""
        reads = directory_reader(path, settings)
        found = []
        for rel in self._walk(path, settings.get("recurse") is True):
            if reads(rel):
                found.append((rel, self.file(rel)))
        return tuple(found)

    def _entries(self, folder: str) -> list[tuple[str, os.DirEntry[str]]]:
        """A folder's entries by name, each with its path; a symbolic link on the way or in
        it makes the key unknowable (its target can change while the tree does not)."""
        if not self.linkless(folder):
            raise Unkeyable(f"{folder} is reached through a symbolic link")
        try:
            entries = sorted(os.scandir(self._full(folder)), key=lambda e: e.name)
        except OSError as exc:
            raise Unkeyable(f"{folder}: {exc.strerror}") from None
        found = []
        prefix = folder + "/" if folder and not folder.endswith("/") else folder
        for entry in entries:
            child = prefix + entry.name  # posixpath.join, for a relative folder
            if entry.is_symlink():
                raise Unkeyable(f"{child} is a symbolic link")
            found.append((child, entry))
        return found

    def _walk(self, folder: str, recurse: bool) -> list[str]:
        """The files in a folder (and its subfolders, `recurse`), listed once a run: every
        shard's source lists the whole shards folder."""
        if (folder, recurse) not in self._walks:
            found = []
            for child, entry in self._entries(folder):
                if not entry.is_dir():
                    found.append(child)
                elif recurse:
                    found += self._walk(child, recurse)
            self._walks[folder, recurse] = found
        return self._walks[folder, recurse]


def folder_refs(raw: bytes) -> list[str] | str:
    """The entries of a kustomization that may name folders (a remote or outside path among
    them is refused where it is read); or why the file cannot be told apart this way."""
    try:
        data = load_trusted(raw.decode("utf-8"), kubernetes=True)
    except (UnicodeDecodeError, TrustedYAMLError):
        return "does not parse"
    if not isinstance(data, Mapping) or "helmCharts" in data or "helmGlobals" in data:
        return "is no plain kustomization"
    found = []
    for key in _FOLDER_FIELDS:
        items = data.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str) and "\n" not in item:
                if _is_remote(item):
                    return f"names the remote {item}"
                found.append(item)
    return found


class Memo(Protocol):
    """Answers kept across runs by the digest of what they were computed from."""

    def recall(self, content: str) -> list[str] | str | None: ...

    def remember(self, content: str, value: list[str] | str) -> None: ...


def tool_identity(path: str) -> str:
    """A tool's identity: the bytes of its executable (links resolved). A script's bytes say
    little of what it runs, so a script is no identity at all."""
    real = os.path.realpath(path)
    with open(real, "rb") as fh:
        head = fh.read(2)
        if head == b"#!":
            raise Unkeyable(f"{path} is a script; its bytes do not say what it runs")
        fh.seek(0)
        return hashlib.file_digest(fh, "sha256").hexdigest()


def library_versions() -> dict[str, str]:
    found = {"python": sys.version}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "-"
    return found


def package_digest() -> str:
    """Berth's own code and data (the checks, the vendored CRDs): a changed check is a miss."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    lines = []
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(folder, name)
            with open(full, "rb") as fh:
                lines.append(f"{os.path.relpath(full, package)}\0{digest(fh.read())}")
    return digest("\n".join(lines).encode())
