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
from typing import Literal

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


class Workspace:
    """The repository's `.berth/` folder: cache, staging area and journal."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.state = os.path.join(root, layout.STATE_DIR)
        self.staging = os.path.join(self.state, "staging")
        self.journal = os.path.join(self.state, "journal.json")
        self.cache_file = os.path.join(self.state, "cache.json")

    def recover(self) -> None:
        """Finish an interrupted swap, then drop whatever an interrupted staging left."""
        if os.path.exists(self.journal):
            with open(self.journal, encoding="utf-8") as fh:
                ops = json.load(fh)
            _apply(self.root, ops)
            os.unlink(self.journal)
        if os.path.isdir(self.staging):
            shutil.rmtree(self.staging)

    def load_cache(self) -> dict[str, dict[str, str]]:
        try:
            with open(self.cache_file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (FileNotFoundError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        units = data.get("units")
        return units if isinstance(units, dict) else {}

    def save_cache(self, units: dict[str, dict[str, str]]) -> None:
        os.makedirs(self.state, exist_ok=True)
        _write_atomic(self.cache_file, json.dumps({"version": CACHE_VERSION, "units": units}, sort_keys=True).encode())


def _write_atomic(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def plan_tree(root: str, units: Iterable[Unit], extra: dict[str, str], workspace: Workspace) -> tuple[Outcome, dict[str, bytes], dict[str, dict[str, str]]]:
    """What must change on disk, without changing anything.

    Returns the outcome (changes and strays), the new bytes of every created or updated
    file, and the cache entries for the units of this render.
    """
    cache = workspace.load_cache()
    outcome = Outcome()
    writes: dict[str, bytes] = {}
    new_cache: dict[str, dict[str, str]] = {}
    desired: set[str] = set()

    for unit in units:
        desired.update(unit.paths)
        on_disk = {p: _read(os.path.join(root, p)) for p in unit.paths}
        expected = cache.get(unit.key)
        if expected is not None and all(
            data is not None and _sha(data) == expected.get(p) for p, data in on_disk.items()
        ):
            new_cache[unit.key] = expected
            outcome.cached_units += 1
            continue
        outcome.built_units += 1
        built = {p: text.encode() for p, text in unit.build().items()}
        new_cache[unit.key] = {p: _sha(data) for p, data in built.items()}
        for path, data in built.items():
            _compare(path, data, on_disk.get(path), outcome, writes)

    for path, text in extra.items():
        desired.add(path)
        _compare(path, text.encode(), _read(os.path.join(root, path)), outcome, writes)

    for path in _existing_files(root, layout.ENVIRONMENTS_DIR):
        if path in desired:
            continue
        if _is_generated(os.path.join(root, path)):
            outcome.changes.append(Change(path, "delete"))
        else:
            outcome.strays.append(path)
    outcome.changes.sort()
    outcome.strays.sort()
    return outcome, writes, new_cache


def _compare(path: str, data: bytes, current: bytes | None, outcome: Outcome, writes: dict[str, bytes]) -> None:
    if current == data:
        return
    outcome.changes.append(Change(path, "create" if current is None else "update"))
    writes[path] = data


def _existing_files(root: str, top: str) -> list[str]:
    found: list[str] = []
    start = os.path.join(root, top)
    for dirpath, dirnames, filenames in os.walk(start):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        found.extend(f"{rel}/{name}" for name in sorted(filenames))
    return found


def _is_generated(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            first = fh.readline(512)
    except OSError:
        return False
    return layout.GENERATED_MARK.encode() in first


def apply_changes(root: str, outcome: Outcome, writes: dict[str, bytes], workspace: Workspace) -> None:
    """Stage every new file, journal the swap, then swap."""
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


def _apply(root: str, ops: list[list[str]]) -> None:
    """Idempotent, so an interrupted run can be finished by running it again."""
    emptied: set[str] = set()
    for op in ops:
        target = os.path.join(root, op[1])
        if op[0] == "replace":
            staged = os.path.join(root, op[2])
            if os.path.exists(staged):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.replace(staged, target)
        elif op[0] == "delete":
            if os.path.lexists(target):
                os.unlink(target)
            emptied.add(os.path.dirname(target))
    top = os.path.join(root, layout.ENVIRONMENTS_DIR)
    for directory in sorted(emptied, key=len, reverse=True):
        while directory.startswith(top + os.sep) and os.path.isdir(directory) and not os.listdir(directory):
            os.rmdir(directory)
            directory = os.path.dirname(directory)
