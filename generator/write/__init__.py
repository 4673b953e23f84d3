"""Bringing the generated tree on disk in line with the rendered one: the write stage.

Guarantees:
- Only files whose bytes differ are written; the rest are not touched (creating thousands of
  files is slow here, and untouched files keep Git and editors quiet).
- Nothing under `environments/` but the rendered set: every other file there (dotfiles and
  links included) is deleted, and reported when Berth did not write it. Argo CD syncs what
  is there, so a hand-written file would be a way past every check.
- All-or-nothing: the new bytes are first staged under `.berth/staging`, then a journal
  listing every rename and deletion is written atomically, then applied. A crash or kill
  before the journal exists leaves the old tree exactly as it was; one after it is rolled
  forward by the next `berth render` before anything else happens (`journal.py` says which
  journals it carries out). No file is ever half-written: each lands by `os.replace`. Every
  folder the swap changes is checked for write access before the first file is staged.
- One render at a time: `render` holds an exclusive lock on `.berth/lock`, `render --check` a
  shared one, so a check never reads a tree in the middle of a swap.
- A cache in `.berth/cache.json` maps each unit's input digest to the digests of the files
  it produced, so units whose inputs and files are unchanged are not built at all. The files
  on disk are always read and hashed: a cache keyed by size and modification time would call
  a tree current after an edit that kept both.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from generator.problems import BerthError, Problem
from generator.render.tree import Unit
from generator.repo import forbidden as repo_files
from generator.repo import layout
from generator.repo.atomic import write_atomic
from generator.repo.selection import EVERYTHING, Selection
from generator.write import journal
from generator.write.on_disk import existing_files, is_generated, outside

Action = Literal["create", "update", "delete"]
CACHE_VERSION = 2
LOCK_WAIT_SECONDS = 10.0
LOCK_FILE = f"{layout.STATE_DIR}/lock"


@dataclass(frozen=True, order=True)
class Change:
    path: str
    action: Action


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    strays: list[str] = field(default_factory=list)  # files under environments/ Berth did not write
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
    """What earlier runs learned: unit key -> {path: sha256 of the bytes it produced}."""

    units: dict[str, dict[str, str]] = field(default_factory=dict)


class Workspace:
    """The repository's `.berth/` folder: cache, staging area, journal and lock."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.state = os.path.join(root, layout.STATE_DIR)
        self.staging = os.path.join(root, journal.STAGING)
        self.journal = os.path.join(root, journal.JOURNAL)
        self.cache_file = os.path.join(self.state, "cache.json")
        self.loaded: Cache | None = None

    def trust(self) -> None:
        """BerthError unless `.berth/` is this machine's own: a real folder Git does not track."""
        problems = repo_files.state_dir_problems(self.root)
        if problems:
            raise BerthError(problems)

    @contextmanager
    def lock(self, *, shared: bool = False, wait: float | None = None) -> Iterator[None]:
        """Hold `.berth/lock` (exclusive for render, shared for --check); wait up to `wait`
        seconds for another render, then BerthError. --check writes nothing, not even the
        lock file: where none exists no render has run here, and one that starts meanwhile
        writes its journal first, which --check looks for again at its end."""
        try:
            if shared:
                fd = os.open(
                    os.path.join(self.root, LOCK_FILE), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
                )
            else:
                os.makedirs(self.state, exist_ok=True)
                fd = os.open(
                    os.path.join(self.root, LOCK_FILE),
                    os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o644,
                )
        except OSError as exc:
            if shared:
                yield
                return
            raise BerthError(
                [Problem(LOCK_FILE, 1, 1, "", f"cannot create the render lock: {exc.strerror}")]
            ) from None
        wait = LOCK_WAIT_SECONDS if wait is None else wait
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise BerthError(
                            [
                                Problem(
                                    LOCK_FILE,
                                    1,
                                    1,
                                    "",
                                    f"another berth render is running (waited {wait:g} s for"
                                    " it); run this again when it has finished",
                                )
                            ]
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)

    def recover(self) -> None:
        """Finish an interrupted swap, then drop whatever an interrupted staging left.

        A journal Berth could not have written is refused whole (BerthError) and nothing is
        changed; see journal.py.
        """
        ops = journal.read_journal(self.root)
        if ops is not None:
            _apply(self.root, ops)
            os.unlink(self.journal)
        if os.path.isdir(self.staging) and not os.path.islink(self.staging):
            shutil.rmtree(self.staging)

    def load_cache(self) -> Cache:
        try:
            with open(self.cache_file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return Cache()
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return Cache()
        units = data.get("units")
        self.loaded = Cache(units=units if isinstance(units, dict) else {})
        return Cache(units=dict(self.loaded.units))

    def save_cache(self, cache: Cache) -> None:
        if cache == self.loaded:
            return  # nothing learned: skip re-writing a megabyte of JSON
        os.makedirs(self.state, exist_ok=True)
        data = {"version": CACHE_VERSION, "units": cache.units}
        write_atomic(self.cache_file, json.dumps(data, sort_keys=True).encode())


def plan_tree(
    root: str,
    units: Iterable[Unit],
    extra: dict[str, str],
    workspace: Workspace,
    selection: Selection = EVERYTHING,
) -> tuple[Outcome, dict[str, bytes], Cache]:
    """What must change on disk, without changing anything.

    Returns the outcome (changes and strays), the new bytes of every created or updated
    file, and the cache for the next run. With a partial `selection` (a scoped render), the files of other
    tenants are neither read nor compared: `units` holds none of theirs.
    """
    cache = workspace.load_cache()
    existing = existing_files(root, outside(selection))
    outcome = Outcome()
    writes: dict[str, bytes] = {}
    new_cache = Cache()
    if selection.partial:  # the other tenants' entries still describe their files
        new_cache.units.update(cache.units)
    desired: set[str] = set()
    hashed: dict[str, str | None] = {}

    def disk_sha(path: str) -> str | None:
        if path not in hashed:
            data = _read(os.path.join(root, path)) if path in existing else None
            hashed[path] = None if data is None else _sha(data)
        return hashed[path]

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
        outcome.changes.append(Change(path, "delete"))
        if not is_generated(os.path.join(root, path)):
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


def apply_changes(
    root: str, outcome: Outcome, writes: dict[str, bytes], workspace: Workspace, cache: Cache
) -> None:
    """Check, stage every new file, journal the swap, then swap."""
    if not outcome.changes:
        return
    ops: list[list[str]] = []
    for index, change in enumerate(outcome.changes):
        if change.action == "delete":
            ops.append(["delete", change.path])
        else:
            ops.append(["replace", change.path, f"{journal.STAGING}/{index}"])
    # The same rules as for a journal found on disk: even Berth's own swap never writes
    # through a link or outside the generated paths.
    problems = journal.check_ops(root, ops) + unwritable(root, ops)
    if problems:
        raise BerthError(
            [*problems, Problem(layout.ENVIRONMENTS_DIR, 1, 1, "", "nothing was changed")]
        )
    try:
        os.makedirs(workspace.staging, exist_ok=True)
        for op in ops:
            if op[0] == "replace":
                with open(os.path.join(root, op[2]), "xb") as fh:
                    fh.write(writes[op[1]])
        write_atomic(workspace.journal, json.dumps(ops).encode())
    except OSError as exc:
        shutil.rmtree(workspace.staging, ignore_errors=True)
        raise BerthError(
            [
                Problem(
                    layout.STATE_DIR,
                    1,
                    1,
                    "",
                    f"cannot stage the new files: {exc.strerror}; nothing was changed",
                )
            ]
        ) from None
    _apply(root, ops)
    os.unlink(workspace.journal)
    shutil.rmtree(workspace.staging, ignore_errors=True)


def unwritable(root: str, ops: list[list[str]], limit: int = 20) -> list[Problem]:
    """The folders a swap of `ops` would change but may not (read-only, no permission).

    Checked before the first file is staged, so a read-only tree is a user error that leaves
    everything as it was, never a swap that stops half-way.
    """
    verdict: dict[str, bool] = {}
    bad: list[str] = []
    for op in ops:
        folder = os.path.dirname(op[1])
        while folder and not os.path.isdir(os.path.join(root, folder)):
            folder = os.path.dirname(folder)  # made by the swap: its parent must be writable
        if folder not in verdict:
            verdict[folder] = os.access(os.path.join(root, folder or "."), os.W_OK | os.X_OK)
            if not verdict[folder]:
                bad.append(folder or op[1])  # the repository root: name the file (CODEOWNERS)
    problems = [
        Problem(
            path,
            1,
            1,
            "",
            "is not writable; berth render must create, replace and delete files here",
        )
        for path in sorted(bad)[:limit]
    ]
    if len(bad) > limit:
        problems.append(
            Problem(
                sorted(bad)[limit],
                1,
                1,
                "",
                f"and {len(bad) - limit} more folders are not writable",
            )
        )
    return problems


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
            try:
                os.rmdir(directory)
            except OSError as exc:  # an empty folder left behind changes no file
                if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.EBUSY):
                    raise
                break
            directory = os.path.dirname(directory)
