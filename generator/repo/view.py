"""The repository as `load` reads it: the working tree, or the working tree with some files
replaced in memory.

A base revision is the working tree with the changed paths put back as the base commit holds
them (`changes.py`): every other file is byte for byte the same in both, so nothing has to be
extracted or copied, and a scoped check reads only what it loads. A proposed request (intake,
bump) is the working tree with one file replaced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Literal, Protocol

from generator.repo.changes import BaseFile

Kind = Literal["file", "dir", "link", "other"]


class RepoView(Protocol):
    """Read access to a repository by repository-relative path ("a/b", "" for the top)."""

    @property
    def root(self) -> str: ...

    def kind(self, path: str) -> Kind | None:
        """What is at `path` (None: nothing); a link is never followed."""
        ...

    def names(self, path: str) -> list[str]:
        """The entries of the folder at `path`, sorted; [] when it is not a folder."""
        ...

    def entries(self, path: str) -> list[tuple[str, Kind]]:
        """(name, kind) of each entry of the folder at `path`, sorted by name."""
        ...

    def size(self, path: str) -> int: ...

    def read(self, path: str, limit: int = -1) -> bytes: ...


class DiskView:
    def __init__(self, root: str) -> None:
        self._root = root

    @property
    def root(self) -> str:
        return self._root

    def _full(self, path: str) -> str:
        return os.path.join(self._root, path) if path else self._root

    def kind(self, path: str) -> Kind | None:
        try:
            mode = os.lstat(self._full(path)).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return "link"
        if stat.S_ISDIR(mode):
            return "dir"
        return "file" if stat.S_ISREG(mode) else "other"

    def names(self, path: str) -> list[str]:
        try:
            with os.scandir(self._full(path)) as entries:
                return sorted(e.name for e in entries)
        except OSError:
            return []

    def entries(self, path: str) -> list[tuple[str, Kind]]:
        # From the folder listing itself (d_type): no stat call per entry, which counts when
        # a folder holds 10,000 tenants.
        try:
            with os.scandir(self._full(path)) as found:
                return sorted((e.name, _kind(e)) for e in found)
        except OSError:
            return []

    def size(self, path: str) -> int:
        return os.lstat(self._full(path)).st_size

    def read(self, path: str, limit: int = -1) -> bytes:
        with open(self._full(path), "rb") as fh:
            return fh.read(limit)


def _kind(entry: os.DirEntry[str]) -> Kind:
    if entry.is_symlink():
        return "link"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    return "file" if entry.is_file(follow_symlinks=False) else "other"


class OverlayView:
    """`under` with the files of `files` replaced (None: the file is not there)."""

    def __init__(self, under: RepoView, files: Mapping[str, BaseFile | bytes | None]) -> None:
        self._under = under
        self._files = {
            p: (BaseFile("file", f) if isinstance(f, bytes) else f) for p, f in files.items()
        }
        # Folders the overlay touches (only those can appear or vanish), the ones that hold
        # a file of the overlay, and the names the overlay puts in each.
        self._touched: set[str] = set()
        self._live: set[str] = set()
        self._children: dict[str, set[str]] = {}
        for path, found in self._files.items():
            parts = path.split("/")
            for i in range(len(parts)):
                folder = "/".join(parts[:i])
                self._touched.add(folder)
                self._children.setdefault(folder, set()).add(parts[i])
                if found is not None:
                    self._live.add(folder)

    @property
    def root(self) -> str:
        return self._under.root

    def kind(self, path: str) -> Kind | None:
        if path in self._files:
            found = self._files[path]
            return None if found is None else found.kind
        below = self._under.kind(path)
        if path not in self._touched:
            return below
        if path in self._live:
            return "dir"
        # A folder whose files the overlay all removed is gone, as in Git.
        if below == "dir" and not self.names(path):
            return None
        return below

    def names(self, path: str) -> list[str]:
        found = set(self._under.names(path)) if self._under.kind(path) == "dir" else set()
        if path in self._touched:
            prefix = f"{path}/" if path else ""
            touched = self._children.get(path, set())
            # Only a name the overlay touches can differ from the folder below.
            found = {n for n in found if n not in touched} | {
                n for n in touched if self.kind(f"{prefix}{n}") is not None
            }
        return sorted(found)

    def entries(self, path: str) -> list[tuple[str, Kind]]:
        if path not in self._touched:
            return self._under.entries(path)
        prefix = f"{path}/" if path else ""
        touched = self._children.get(path, set())
        below = self._under.entries(path) if self._under.kind(path) == "dir" else []
        found = {name: kind for name, kind in below if name not in touched}
        for name in touched:  # only a name the overlay touches can differ
            kind = self.kind(f"{prefix}{name}")
            if kind is not None:
                found[name] = kind
        return sorted(found.items())

    def size(self, path: str) -> int:
        found = self._files.get(path)
        return len(found.data) if found is not None else self._under.size(path)

    def read(self, path: str, limit: int = -1) -> bytes:
        if path in self._files:
            found = self._files[path]
            if found is None:
                raise FileNotFoundError(path)
            return found.data if limit < 0 else found.data[:limit]
        return self._under.read(path, limit)
