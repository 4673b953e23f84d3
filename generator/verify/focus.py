"""What `verify --base` builds, reads and re-checks of one Application (see `changed`).

`Focus` is the decision for one Application: whether to follow it at all, which files of a
plain directory to read, and which objects of its build may differ from the base (the others
are unchanged and were clean there). Without a scope every Application is followed whole.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.verify import deps
from generator.verify.changed import Scope
from generator.verify.sources import KUSTOMIZATIONS, BuildError, Located, source_type

Fresh = Callable[[Located], bool]  # whether an object may differ from the base's


@dataclass(frozen=True)
class Focus:
    follow: bool = True
    only: Callable[[str], bool] | None = None  # the plain directory's files to read
    fresh: Fresh | None = None  # None: every object of the build


def identity(at: Located) -> tuple[str, str]:
    obj = at.obj if isinstance(at.obj, Mapping) else {}
    meta = obj.get("metadata")
    return str(obj.get("kind")), str(meta.get("name") if isinstance(meta, Mapping) else None)


def _project(app: Mapping[str, Any]) -> str:
    spec = app.get("spec")
    return str(spec.get("project")) if isinstance(spec, Mapping) else ""


def root_focus(root: str, scope: Scope | None, path: str) -> Focus:
    """The environment root, built by kustomize: always followed; which objects are fresh."""
    if scope is None:
        return Focus()
    reads = deps.reads(root, {}, "kustomize", path)
    rebuilt = any(
        posixpath.basename(name) in KUSTOMIZATIONS and reads.reads(name) for name in scope.changed
    )
    if not reads.plain or rebuilt:
        return Focus()
    return Focus(fresh=lambda at: identity(at) in scope.objects)


_PROJECT = re.compile(r"^kind:\s*[\"']?AppProject\b", re.M)


def root_files(root: str, scope: Scope | None, path: str) -> list[str] | None:
    """The files to read instead of building the root, when the change touched none of them
    and its kustomizations only list files: the candidates, and those declaring AppProjects
    (the followed Applications need theirs). None: build it."""
    if scope is None:
        return None
    reads = deps.reads(root, {}, "kustomize", path)
    files = sorted(p for p in reads.prefixes if posixpath.basename(p) not in KUSTOMIZATIONS)
    if (
        not reads.plain
        or reads.touched_by(scope.changed)
        or not all(os.path.isfile(os.path.join(root, p)) for p in files)
    ):
        return None
    wanted = []
    for name in files:
        if name in scope.candidates or scope.read_all:
            wanted.append(name)
            continue
        with open(os.path.join(root, name), encoding="utf-8", errors="replace") as fh:
            if _PROJECT.search(fh.read()):
                wanted.append(name)
    return wanted


def app_focus(root: str, scope: Scope | None, app: Located, parent_fresh: Fresh | None) -> Focus:
    """Whether to follow the Application declared by `app`, and how."""
    if scope is None:
        return Focus()
    try:
        kind, path = source_type(root, app.obj, app.file)
    except BuildError:
        return Focus()  # its build reports the error; the base had none, so it is new
    declared = parent_fresh is None or parent_fresh(app)
    reads = deps.reads(root, app.obj, kind, path)
    whole = declared or _project(app.obj) in scope.projects
    if kind != "directory":
        return Focus(follow=whole or reads.touched_by(scope.changed))
    if whole:
        return Focus()
    changed = scope.changed

    def only(name: str) -> bool:
        return scope.read_all or name in scope.candidates

    follow = scope.read_all or any(reads.reads(name) for name in scope.candidates)
    return Focus(follow=follow, only=only, fresh=lambda at: at.file in changed)
