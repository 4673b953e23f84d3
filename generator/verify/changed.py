"""`berth verify --base REF`: follow only what a change can affect, for a pull request's check.

Why this is sound. The main branch runs the full verify, so the base REF is consistent: every
Application it holds builds, and each object is valid and allowed by its project. An
Application's verdict is a function of (1) its own declaration, (2) its AppProject and (3) the
files its build reads (`deps.Reads`), given the platform, Berth's code and the schemas. If none
of them changed between REF and the working tree, its verdict is the base's: clean. So verify
follows exactly the Applications for which one did:
- its declaration comes from a changed file (or from a kustomize build that is not plain),
- its project is declared in a changed file (the base's version counts too: a deleted or
  renamed project is a change of every Application that named it),
- its build reads a changed file.
To find those without reading every declaration, verify walks down from each environment's
root as always (the roots are always built), but a plain-directory source reads only its
*candidate* files: the changed ones, and the unchanged ones that name, as a whole token, a
changed file, a folder on the way to one, or a changed project (`git grep`), repeated for the
folders of what that finds, so the chain of declarations down to a changed file is read. A
declaration names the paths its source reads (Argo CD's `source.path`, the value files) and a
kustomization the bases it uses (`../../blueprints/tenant` holds `blueprints/tenant`), so this
finds every declaration whose build reads a changed file; the kustomizations under blueprints/,
whose references to each other are short relative paths, are asked directly. What it cannot see
is a kustomization in environments/ naming another folder of environments/ by a short relative
path: Berth writes none, and `render --check` refuses a hand edit to the tree.
Objects are re-checked where they may differ: every object of a tool build that is followed,
the objects of changed files in a plain directory, and, in a root whose kustomizations only
list files, the objects those changed files declare (by kind and name).

What widens the check: `platform.yaml`, Berth's code (generator/, pyproject.toml) or a CRD
folder of the platform mean the full verify. A change under `blueprints/` follows exactly the
Applications whose source, value files or kustomize bases read it. Changes to `tenants/` reach
Argo CD only through the generated files, which differ then too; `docs/`, Markdown at the
top of the repository, `CODEOWNERS` and Berth's state folder never reach a build. Any other
file, whatever its suffix, may: a chart renders every file of its templates/ folder.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from generator.problems import UsageError
from generator.repo import layout
from generator.repo.changes import ChangeSet, git
from generator.verify import deps
from generator.verify.folders import KUSTOMIZATIONS
from generator.verify.sources import MANIFEST_SUFFIXES
from generator.yamlio.trusted import TrustedYAMLError, load_documents

_NO_EFFECT = (".md",)  # at the top of the repository, where no source lies
_DOCS = "docs/"
# Berth itself: its code, its vendored CRDs and schemas, what installs it.
_BERTH_CODE = ("generator/", "pyproject.toml")
_PATH_CHARS = "A-Za-z0-9_.-"
ROUNDS = 8  # folders deep enough for any chain of declarations Berth writes; then: read all


@dataclass(frozen=True)
class VerifyScope:
    changed: frozenset[str]  # files that differ from the base
    candidates: frozenset[str] = frozenset()  # files a plain directory source reads
    read_all: bool = False  # read every declaration: the chain of names was too long
    projects: frozenset[str] = frozenset()  # AppProjects declared in changed files
    objects: frozenset[tuple[str, str]] = field(default=frozenset())  # (kind, name) in them

    @cached_property
    def changed_paths(self) -> deps.Paths:
        return deps.Paths(self.changed)

    @cached_property
    def candidate_paths(self) -> deps.Paths:
        return deps.Paths(self.candidates)


def _no_effect(name: str) -> bool:
    """Whether no build can read `name`. A suffix says nothing inside a chart or kustomize
    folder (Helm renders every file of templates/ but `_*` and NOTES.txt, whatever its
    name): only documentation outside every source counts."""
    return (
        name.startswith((f"{layout.TENANTS_DIR}/", f"{layout.STATE_DIR}/", _DOCS))
        or name == layout.CODEOWNERS_FILE
        or ("/" not in name and name.endswith(_NO_EFFECT))
    )


def needs_everything(changed: Sequence[str], crd_dirs: Sequence[str] = ()) -> bool:
    """Whether a change reaches verify itself: the platform, Berth's code or a schema."""
    own = (*_BERTH_CODE, *(posixpath.normpath(d) + "/" for d in crd_dirs))
    return any(name == layout.PLATFORM_FILE or name.startswith(own) for name in changed)


def scope(root: str, change: ChangeSet, crd_dirs: Sequence[str] = ()) -> VerifyScope | None:
    """What `verify --base` follows, or None for the full verify. `change` must count untracked
    files everywhere (`change_set(..., everywhere=True)`): what `render` just wrote is among
    them."""
    base = change.base_sha
    changed = [name for name in change.paths if not _no_effect(name)]
    if needs_everything(changed, crd_dirs):
        return None
    manifests = [n for n in changed if n.endswith(MANIFEST_SUFFIXES)]
    objects = _declared(root, change, manifests)
    projects = frozenset(name for kind, name in objects if kind == "AppProject")
    candidates = _candidates(root, base, changed, projects)
    if candidates is None:
        return VerifyScope(frozenset(changed), read_all=True, projects=projects, objects=objects)
    return VerifyScope(frozenset(changed), candidates, projects=projects, objects=objects)


def _folders(name: str) -> list[str]:
    """`name` and the folders on the way to it, deepest first (not environments/ itself)."""
    found = [name]
    while True:
        name = posixpath.dirname(name)
        if name in ("", layout.ENVIRONMENTS_DIR):
            return found
        found.append(name)


def _candidates(
    root: str, base: str, changed: Sequence[str], projects: Iterable[str]
) -> frozenset[str] | None:
    found = set(changed)
    names = {p for name in changed for p in _folders(name)} | set(projects)
    names |= {p for folder in _bases_reading(root, changed) for p in _folders(folder)}
    asked: set[str] = set()
    for _ in range(ROUNDS):
        new = sorted(names - asked)
        if not new:
            return frozenset(found)
        asked.update(new)
        hits = _grep(root, base, new)
        found.update(hits)
        names.update(p for hit in hits for p in _folders(hit)[1:])
    return None


def _bases_reading(root: str, changed: Sequence[str]) -> list[str]:
    """The kustomize folders under blueprints/ whose build reads a changed file: their own
    references are relative (`../b`), so they name no changed path; asking each is cheap."""
    found = []
    index = deps.Paths(changed)
    top = os.path.join(root, layout.BLUEPRINTS_DIR)
    for folder, dirs, files in os.walk(top):
        dirs.sort()
        if any(k in files for k in KUSTOMIZATIONS):
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            if deps.reads(root, {}, "kustomize", rel).touched_by(index):
                found.append(rel)
    return found


# Tokens per git grep: one argument may hold at most 128 KiB on Linux, and a blueprint change
# can name thousands of folders.
_GREP_CHUNK = 500


def _grep(root: str, base: str, tokens: Sequence[str]) -> list[str]:
    """Files under environments/ and blueprints/ naming one of `tokens` whole (a `../` before it
    is fine), asked in chunks."""
    found: set[str] = set()
    for start in range(0, len(tokens), _GREP_CHUNK):
        found.update(_grep_chunk(root, base, tokens[start : start + _GREP_CHUNK]))
    return sorted(found)


def _grep_chunk(root: str, base: str, tokens: Sequence[str]) -> list[str]:
    """One git grep: Perl regexes (fast), else fixed strings and the regex here."""
    if not tokens:
        return []
    alternatives = "|".join(re.escape(t) for t in tokens)
    pattern = f"(?<![{_PATH_CHARS}])(?:{alternatives})/?(?![{_PATH_CHARS}/])"
    # The base's tree, not the working tree: an unchanged file is the base's, and the
    # changed ones are candidates already. Git reads its object store, where the working tree
    # would mean opening every file of environments/ (130,000 at 10,000 tenants).
    where = [base, "--", layout.ENVIRONMENTS_DIR, layout.BLUEPRINTS_DIR]
    args = ["grep", "-l", "-z", "-I"]

    def names(out: bytes) -> list[str]:
        return [n.removeprefix(f"{base}:") for n in out.decode().split("\0") if n]

    try:
        return names(git(root, *args, "-P", "-e", pattern, *where))
    except UsageError:
        pass  # a git built without PCRE
    fixed = [arg for t in tokens for arg in ("-e", t)]
    out = git(root, *args, "-F", *fixed, *where)
    whole = re.compile(pattern)
    found = []
    for name in names(out):
        try:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:  # gone from the working tree: a changed file, a candidate already
            continue
        if whole.search(text):
            found.append(name)
    return found


def _declared(root: str, change: ChangeSet, files: Sequence[str]) -> frozenset[tuple[str, str]]:
    """(kind, name) of every object the changed manifests declare, now and on the base."""
    found: set[tuple[str, str]] = set()
    texts: list[str] = []
    for name in files:
        try:
            with open(f"{root}/{name}", encoding="utf-8") as fh:
                texts.append(fh.read())
        except (OSError, UnicodeDecodeError):
            pass
        before = change.before.get(name)
        if before is not None and before.kind == "file":
            texts.append(before.data.decode(errors="replace"))
    for text in texts:
        try:
            docs = [doc for doc, _ in load_documents(text)]
        except TrustedYAMLError:
            continue  # the build that reads it reports it
        for doc in docs:
            items = doc.get("items") if isinstance(doc, Mapping) else None
            for obj in items if isinstance(items, list) else [doc]:
                found.update(_identity(obj))
    return frozenset(found)


def _identity(obj: Any) -> list[tuple[str, str]]:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    if not isinstance(meta, Mapping):
        return []
    return [(str(obj.get("kind")), str(meta.get("name")))]
