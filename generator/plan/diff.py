"""What differs between two rendered revisions: files, with unified diffs, and objects."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from generator.plan.objects import Rendered, objects_of
from generator.repo import layout

FileAction = Literal["create", "update", "delete"]
ObjectAction = Literal["add", "change", "remove"]


@dataclass(frozen=True, order=True)
class ObjectChange:
    action: ObjectAction
    kind: str
    name: str
    path: str  # the generated file it comes from

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class FileChange:
    path: str
    action: FileAction
    old: str
    new: str

    @cached_property
    def diff(self) -> str:
        """The unified diff, as `git diff` shows it (a/ and b/ prefixes, 3 lines of context)."""
        before = "/dev/null" if self.action == "create" else f"a/{self.path}"
        after = "/dev/null" if self.action == "delete" else f"b/{self.path}"
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            before,
            after,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)

    @property
    def min_diff_size(self) -> int:
        """A lower bound of len(diff), known without computing it."""
        return (
            len(self.new if self.action == "create" else self.old) if self.action != "update" else 0
        )


def file_changes(base: dict[str, str], head: dict[str, str]) -> list[FileChange]:
    changes = []
    for path in sorted(base.keys() | head.keys()):
        old, new = base.get(path), head.get(path)
        if old == new:
            continue
        action: FileAction = "create" if old is None else "delete" if new is None else "update"
        changes.append(FileChange(path, action, old or "", new or ""))
    return changes


def object_changes(change: FileChange, sides: tuple[Rendered, Rendered]) -> list[ObjectChange]:
    """The objects `change` adds, changes and removes; `sides`: what render built for the
    base and for the head revision."""
    before, after = objects_of(
        change.path,
        None if change.action == "create" else change.old,
        None if change.action == "delete" else change.new,
        sides,
        owner(change.path),
    )
    found = []
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        action: ObjectAction = "add" if old is None else "remove" if new is None else "change"
        found.append(ObjectChange(action, key[0], key[1], change.path))
    return sorted(found)


def owner(path: str) -> tuple[str | None, str | None]:
    """(environment, tenant) a generated path belongs to; tenant None for the environment's root
    files, both None for files of no environment (CODEOWNERS, environments/README.md)."""
    parts = path.split("/")
    if parts[0] != layout.ENVIRONMENTS_DIR or len(parts) < 3:
        return None, None
    return parts[1], layout.generated_tenant(path)
