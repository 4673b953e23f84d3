"""Bringing the generated tree on disk in line with the rendered one: the write stage.

Guarantees:
- Only files whose bytes differ are written; the rest are not touched (creating thousands of
  files is slow here, and untouched files keep Git and editors quiet).
- All-or-nothing: the new bytes are first staged under `.berth/staging`, then a journal
  listing every rename and deletion is written atomically, then applied. A crash or kill
  before the journal exists leaves the old tree exactly as it was; one after it is rolled
  forward by the next `berth` run before anything else happens. No file is ever
  half-written: each lands by `os.replace`.
- Files under `environments/` that do not carry Berth's generated mark are never deleted or
  overwritten; they are reported.
- A cache in `.berth/cache.json` maps each unit's input digest to the digests of the files
  it produced, so units whose inputs and files are unchanged are not built at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from generator import layout
from generator.render.tree import Unit

Action = Literal["create", "update", "delete"]
CACHE_VERSION = 1


@dataclass(frozen=True, order=True)
class Change:
    path: str
    action: Action


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)  # hand-written files found among generated ones
    built_units: int = 0
    cached_units: int = 0


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


@dataclass
class Cache:
    """What earlier runs learned: unit key -> {path: sha256}, and path -> [size, mtime_ns, sha256].

    The second table lets a file whose size and modification time are unchanged skip being
    read and hashed, as Git's index does; a fresh clone (CI) has no cache and reads all.
    """

    units: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, list[Any]] = field(default_factory=dict)


class Workspace:
    """The repository's `.berth/` folder: cache, staging area and journal."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.state = os.path.join(root, layout.STATE_DIR)
        self.staging = os.path.join(self.state, "staging")
        self.journal = os.path.join(self.state, "journal.json")
        self.cache_file = os.path.join(self.state, "cache.json")
        self.loaded: Cache | None = None

    def recover(self) -> None:
        """Finish an interrupted swap, then drop whatever an interrupted staging left."""
        if os.path.exists(self.journal):
            with open(self.journal, encoding="utf-8") as fh:
                ops = json.load(fh)
            _apply(self.root, ops)
            os.unlink(self.journal)
        if os.path.isdir(self.staging):
            shutil.rmtree(self.staging)

    def load_cache(self) -> Cache:
        try:
            with open(self.cache_file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (FileNotFoundError, ValueError):
            return Cache()
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return Cache()
        self.loaded = Cache(units=data.get("units") or {}, files=data.get("files") or {})
        return Cache(units=dict(self.loaded.units), files=dict(self.loaded.files))

    def save_cache(self, cache: Cache) -> None:
        if cache == self.loaded:
            return  # nothing learned: skip re-writing a megabyte of JSON
        os.makedirs(self.state, exist_ok=True)
        data = {"version": CACHE_VERSION, "units": cache.units, "files": cache.files}
        _write_atomic(self.cache_file, json.dumps(data, sort_keys=True).encode())


def _write_atomic(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def plan_tree(
    root: str, units: Iterable[Unit], extra: dict[str, str], workspace: Workspace
) -> tuple[Outcome, dict[str, bytes], Cache]:
    """What must change on disk, without changing anything.

    Returns the outcome (changes and strays), the new bytes of every created or updated
    file, and the cache for the next run.
    """
    cache = workspace.load_cache()
    existing = _existing_files(root, layout.ENVIRONMENTS_DIR)
    outcome = Outcome()
    writes: dict[str, bytes] = {}
    new_cache = Cache()
    desired: set[str] = set()

    def disk_sha(path: str) -> str | None:
        stat = existing.get(path)
        if stat is None:
            return None
        known = cache.files.get(path)
        if known is not None and known[0] == stat[0] and known[1] == stat[1]:
            sha: str = known[2]
        else:
            data = _read(os.path.join(root, path))
            if data is None:
                return None
            sha = _sha(data)
        new_cache.files[path] = [stat[0], stat[1], sha]
        return sha

    for unit in units:
        desired.update(unit.paths)
        expected = cache.units.get(unit.key)
        if expected is not None and all(disk_sha(p) == expected.get(p) for p in unit.paths):
            new_cache.units[unit.key] = expected
            outcome.cached_units += 1
            continue
        outcome.built_units += 1
        built = {p: text.encode() for p, text in unit.build().items()}
        new_cache.units[unit.key] = {p: _sha(data) for p, data in built.items()}
        for path, data in built.items():
            current = _read(os.path.join(root, path)) if path in existing else None
            _compare(path, data, current, outcome, writes)

    for path, text in extra.items():
        desired.add(path)
        _compare(path, text.encode(), _read(os.path.join(root, path)), outcome, writes)

    for path in sorted(existing):
        if path in desired:
            continue
        if _is_generated(os.path.join(root, path)):
            outcome.changes.append(Change(path, "delete"))
        else:
            outcome.strays.append(path)
    outcome.changes.sort()
    return outcome, writes, new_cache


def _compare(
    path: str, data: bytes, current: bytes | None, outcome: Outcome, writes: dict[str, bytes]
) -> None:
    if current == data:
        return
    outcome.changes.append(Change(path, "create" if current is None else "update"))
    writes[path] = data


def _existing_files(root: str, top: str) -> dict[str, tuple[int, int]]:
    """Every file below `top`: relative path -> (size, mtime_ns). Symlinks count as files."""
    found: dict[str, tuple[int, int]] = {}
    pending = [top]
    while pending:
        rel = pending.pop()
        try:
            entries = os.scandir(os.path.join(root, rel))
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                path = f"{rel}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                else:
                    st = entry.stat(follow_symlinks=False)
                    found[path] = (st.st_size, st.st_mtime_ns)
    return found


def _is_generated(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(512)
    except OSError:
        return False
    return layout.GENERATED_MARK.encode() in first


def apply_changes(
    root: str, outcome: Outcome, writes: dict[str, bytes], workspace: Workspace, cache: Cache
) -> None:
    """Stage every new file, journal the swap, then swap; then remember what now is on disk."""
    if not outcome.changes:
        return
    os.makedirs(workspace.staging, exist_ok=True)
    ops: list[list[str]] = []
    for index, change in enumerate(outcome.changes):
        if change.action == "delete":
            ops.append(["delete", change.path])
            continue
        staged = os.path.join(workspace.staging, str(index))
        with open(staged, "wb") as fh:
            fh.write(writes[change.path])
        ops.append(["replace", change.path, os.path.relpath(staged, root)])
    _write_atomic(workspace.journal, json.dumps(ops).encode())
    _apply(root, ops)
    os.unlink(workspace.journal)
    shutil.rmtree(workspace.staging, ignore_errors=True)
    for change in outcome.changes:
        cache.files.pop(change.path, None)
        if change.action != "delete":
            st = os.stat(os.path.join(root, change.path))
            cache.files[change.path] = [st.st_size, st.st_mtime_ns, _sha(writes[change.path])]


def _apply(root: str, ops: list[list[str]]) -> None:
    """Idempotent, so an interrupted run can be finished by running it again."""
    emptied: set[str] = set()
    made: set[str] = set()
    for op in ops:
        target = os.path.join(root, op[1])
        if op[0] == "replace":
            staged = os.path.join(root, op[2])
            if os.path.exists(staged):
                parent = os.path.dirname(target)
                if parent not in made:  # one mkdir per folder, not per file: mkdir is slow here
                    os.makedirs(parent, exist_ok=True)
                    made.add(parent)
                os.replace(staged, target)
        elif op[0] == "delete":
            if os.path.lexists(target):
                os.unlink(target)
            emptied.add(os.path.dirname(target))
    top = os.path.join(root, layout.ENVIRONMENTS_DIR)
    for directory in sorted(emptied, key=len, reverse=True):
        while (
            directory.startswith(top + os.sep)
            and os.path.isdir(directory)
            and not os.listdir(directory)
        ):
            os.rmdir(directory)
            directory = os.path.dirname(directory)
