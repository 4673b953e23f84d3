"""What `verify --base` builds, reads and re-checks of one Application (see `changed`).

`Focus` is the decision for one Application: whether to follow it at all, which files of a
plain directory to read, and which objects of its build may differ from the base (the others
are unchanged and were clean there). Without a scope every Application is followed whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.verify import deps
from generator.verify.changed import VerifyScope
from generator.verify.folders import Folders
from generator.verify.sources import BuildError, Located, source_type

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


def app_focus(
    root: str,
    scope: VerifyScope | None,
    app: Located,
    parent_fresh: Fresh | None,
    folders: Folders | None = None,
) -> Focus:
    """Whether to follow the Application declared by `app`, and how."""
    if scope is None:
        return Focus()
    try:
        kind, path = source_type(root, app.obj, app.file, folders)
    except BuildError:
        return Focus()  # its build reports the error; the base had none, so it is new
    declared = parent_fresh is None or parent_fresh(app)
    reads = deps.reads(root, app.obj, kind, path)
    whole = declared or _project(app.obj) in scope.projects
    if kind != "directory":
        return Focus(follow=whole or reads.touched_by(scope.changed_paths))
    if whole:
        return Focus()
    changed = scope.changed

    def only(name: str) -> bool:
        return scope.read_all or name in scope.candidates

    follow = scope.read_all or reads.touched_by(scope.candidate_paths)
    return Focus(follow=follow, only=only, fresh=lambda at: at.file in changed)
