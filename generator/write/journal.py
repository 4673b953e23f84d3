"""The render journal, `.berth/journal.json`: the renames and deletions of one swap.

The write stage (`__init__.py`) writes it just before a swap and removes it right after; a
journal found at the start of a run is an interrupted swap, finished before anything else
happens. Whatever is in that file is carried out with the user's rights, so it is trusted only
if Berth could have written it: `replace` and `delete` entries whose target is a generated path
(under `environments/`, or `CODEOWNERS`) and whose staged file is under `.berth/staging/`, every
path relative, without `..`, and with no symbolic link on the way. Anything else is refused
whole, before the first entry is carried out.
"""

from __future__ import annotations

import json
import os
import stat

from generator.problems import BerthError, Problem
from generator.repo import layout

JOURNAL = f"{layout.STATE_DIR}/journal.json"
STAGING = f"{layout.STATE_DIR}/staging"

Op = list[str]  # ["replace", target, staged] or ["delete", target]


is_generated_path = layout.is_generated_path


def _shape(path: object) -> str | None:
    """Why `path` is not a clean relative path, or None."""
    if not isinstance(path, str) or not path:
        return "is not a path"
    if "\0" in path or "\\" in path:
        return "contains a NUL or a backslash"
    if path.startswith("/") or os.path.isabs(path):
        return "is absolute"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "has an empty, '.' or '..' part"
    return None


class _Disk:
    """lstat with memory, and the paths earlier entries delete (a link there is going away)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.seen: dict[str, os.stat_result | None] = {}
        self.deleted: set[str] = set()

    def lstat(self, path: str) -> os.stat_result | None:
        if path not in self.seen:
            try:
                self.seen[path] = os.lstat(os.path.join(self.root, path))
            except (FileNotFoundError, NotADirectoryError):
                self.seen[path] = None
        return self.seen[path]

    def link_on_the_way(self, path: str, *, last: bool) -> str | None:
        """The first part of `path` that is a symbolic link (or, but for the last part, not a
        folder); `last` also judges the last part itself."""
        parts = path.split("/")
        upto = len(parts) if last else len(parts) - 1
        for i in range(1, upto + 1):
            prefix = "/".join(parts[:i])
            if prefix in self.deleted:
                return None  # removed by an earlier entry; the folders are made anew
            st = self.lstat(prefix)
            if st is None:
                return None
            if stat.S_ISLNK(st.st_mode):
                return prefix
            if i < len(parts) and not stat.S_ISDIR(st.st_mode):
                return prefix
        return None


def check_ops(root: str, ops: object) -> list[Problem]:
    """Every reason the entries `ops` are not a journal Berth wrote; [] when they are."""
    if not isinstance(ops, list):
        return [_problem("", "is not a list of entries")]
    disk = _Disk(root)
    problems: list[Problem] = []
    for index, op in enumerate(ops):
        reason = _check_op(op, disk)
        if reason is not None:
            problems.append(_problem(f"[{index}]", f"{json.dumps(op)[:200]}: {reason}"))
    return problems


def _check_op(op: object, disk: _Disk) -> str | None:
    if not isinstance(op, list) or not op or not all(isinstance(p, str) for p in op):
        return "an entry is a list of strings"
    action = op[0]
    if action not in ("replace", "delete") or len(op) != (3 if action == "replace" else 2):
        return 'an entry is ["replace", target, staged] or ["delete", target]'
    target = op[1]
    why = _shape(target)
    if why is not None:
        return f"the target {why}"
    if not is_generated_path(target):
        return f"the target {target} is not a generated path (under environments/ or catalog/, CODEOWNERS, or an issue form)"
    link = disk.link_on_the_way(target, last=False)
    if link is not None:
        return f"the target's path runs through {link}, which is a symbolic link or a file"
    st = disk.lstat(target)
    if st is not None and stat.S_ISDIR(st.st_mode) and target not in disk.deleted:
        return f"the target {target} is a folder"
    if action == "delete":
        disk.deleted.add(target)
        return None
    staged = op[2]
    why = _shape(staged)
    if why is not None:
        return f"the staged file {why}"
    if not staged.startswith(f"{STAGING}/") or staged.count("/") != STAGING.count("/") + 1:
        return f"the staged file {staged} is not directly under {STAGING}/"
    link = disk.link_on_the_way(staged, last=False)
    if link is not None:
        return f"the staged file's path runs through {link}, which is a symbolic link or a file"
    st = disk.lstat(staged)
    if st is not None and not stat.S_ISREG(st.st_mode):
        return f"the staged file {staged} is not a regular file"
    return None


def _problem(field: str, message: str) -> Problem:
    return Problem(JOURNAL, 1, 1, field, message)


def read_journal(root: str) -> list[Op] | None:
    """The entries of a pending journal, None without one; BerthError when it is not Berth's."""
    path = os.path.join(root, JOURNAL)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    problems: list[Problem] = []
    ops: object = None
    if not stat.S_ISREG(st.st_mode):
        problems.append(_problem("", "is not a regular file"))
    else:
        try:
            with open(path, encoding="utf-8") as fh:
                ops = json.load(fh)
        except (OSError, ValueError) as exc:
            problems.append(_problem("", f"cannot be read as JSON: {exc}"))
        else:
            problems += check_ops(root, ops)
    if problems:
        raise BerthError([*problems, refusal()])
    assert isinstance(ops, list)
    return ops


def refusal() -> Problem:
    return _problem(
        "",
        "was not written by berth, so none of it was carried out and nothing was changed;"
        f" Berth only writes replace/delete entries for files under {layout.ENVIRONMENTS_DIR}/"
        f" or {layout.CODEOWNERS_FILE}, staged under {STAGING}/; find out where it came from,"
        f" then delete {layout.STATE_DIR}/",
    )
