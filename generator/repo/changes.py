"""What a change is: the files that differ between a base commit and the working tree, and
what the base held at those paths, read from Git's object store (nothing is extracted).

This is the input of every `--base REF` command: `plan` renders the base from it, and the
scoped checks (`scope.py`) derive from it which tenants a change can affect.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from generator.problems import UsageError
from generator.repo import layout
from generator.repo.git_env import git_argv, git_environment

_CHUNK = 500  # paths per `git ls-tree` call: far below any command-line limit
_LINK_MODE = "120000"


@dataclass(frozen=True)
class BaseFile:
    """A file as the base commit holds it (a symbolic link holds its target)."""

    kind: Literal["file", "link"]
    data: bytes


@dataclass(frozen=True)
class ChangeSet:
    """The paths that differ between `base_sha` and the working tree, and their base contents
    (None: the base has no file there)."""

    base_ref: str
    base_sha: str
    paths: tuple[str, ...]
    before: dict[str, BaseFile | None]
    untracked: frozenset[str] = frozenset()  # of `paths`, those Git does not track


def change_set(root: str, ref: str, *, everywhere: bool = False) -> ChangeSet:
    sha = resolve_revision(root, ref)
    tracked, untracked = changed_paths(root, sha, everywhere=everywhere)
    paths = tuple(sorted(tracked | untracked))
    return ChangeSet(ref, sha, paths, base_files(root, sha, paths), untracked - tracked)


def base_text(change: ChangeSet, path: str, current: str | None) -> str | None:
    """The base's text of `path`: `current` (the working tree's) when the change left it."""
    if path not in change.paths:
        return current
    before = change.before.get(path)
    if before is None or before.kind != "file":
        return None
    return before.data.decode("utf-8", errors="replace")


def resolve_revision(root: str, ref: str) -> str:
    """The commit id `ref` names, or a UsageError."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--base {ref!r} is not a Git revision")
    out = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    sha = out.decode().strip()
    if not sha:
        raise UsageError(
            f"--base {ref!r} is not a commit in {os.path.abspath(root)}"
            " (a shallow clone may lack it: fetch the history, e.g. fetch-depth: 0 or GIT_DEPTH: 0)"
        )
    return sha


# Untracked files there are not looked for: listing them walks every folder of the generated
# tree (100,000 at 10,000 tenants), and one reaches the default branch only by being
# committed, when the diff has it. The scoped checks read their tenants' folders in full.
_UNWALKED = frozenset({".git", layout.STATE_DIR, *layout.GENERATED_DIRS})


def changed_paths(
    root: str, sha: str, *, everywhere: bool = False
) -> tuple[frozenset[str], frozenset[str]]:
    """(tracked files that differ between `sha` and the working tree, untracked files outside
    the generated folders, or `everywhere`); ignored files are neither: they can never be
    committed. `verify` asks everywhere: what `render` just wrote is untracked."""
    diff = ("diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", sha, "--")
    tracked = _names(git(root, *diff))
    try:
        skipped = {".git", layout.STATE_DIR} if everywhere else _UNWALKED
        tops = sorted(set(os.listdir(root)) - skipped)
    except OSError:
        tops = []
    others = ("ls-files", "--others", "--exclude-standard", "-z", "--", *tops)
    return tracked, _names(git(root, *others)) if tops else frozenset()


def _names(out: bytes) -> frozenset[str]:
    return frozenset(name for name in out.decode().split("\0") if name)


def base_files(root: str, sha: str, paths: Iterable[str]) -> dict[str, BaseFile | None]:
    """What `sha` holds at each of `paths` (None where it holds no file)."""
    wanted = sorted(set(paths))
    found: dict[str, BaseFile | None] = dict.fromkeys(wanted)
    entries: list[tuple[str, str, str]] = []  # (mode, blob, path)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        listing = git(root, "ls-tree", "-z", "--full-tree", sha, "--", *chunk).decode()
        for record in filter(None, listing.split("\0")):
            meta, path = record.split("\t", 1)
            mode, kind, blob = meta.split(" ")
            if kind == "blob" and path in found:
                entries.append((mode, blob, path))
    if entries:
        blobs = _cat_blobs(root, [blob for _, blob, _ in entries])
        for mode, blob, path in entries:
            found[path] = BaseFile("link" if mode == _LINK_MODE else "file", blobs[blob])
    return found


def _cat_blobs(root: str, blobs: list[str]) -> dict[str, bytes]:
    """The bytes of each blob, in one `git cat-file --batch`."""
    request = "".join(f"{blob}\n" for blob in dict.fromkeys(blobs)).encode()
    out = git(root, "cat-file", "--batch", stdin=request)
    found: dict[str, bytes] = {}
    at = 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].decode().split(" ")
        if len(header) != 3:
            raise UsageError(f"git cat-file cannot read {header[0]} in {os.path.abspath(root)}")
        size = int(header[2])
        found[header[0]] = out[end + 1 : end + 1 + size]
        at = end + 1 + size + 1  # the content is followed by a newline
    return found


def git(root: str, *args: str, stdin: bytes | None = None) -> bytes:
    """`git -C root ARGS` with paths taken literally and no configuration from the environment
    (generator/repo/git_env.py); a UsageError when Git fails."""
    env = git_environment({"GIT_LITERAL_PATHSPECS": "1"})
    try:
        proc = subprocess.run(
            git_argv(root, *args),
            input=stdin,
            capture_output=True,
            timeout=300,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("git is not installed; --base needs it") from None
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and proc.stderr):
        said = proc.stderr.decode(errors="replace").strip()
        raise UsageError(f"git {args[0]} failed in {os.path.abspath(root)}: {said}")
    return proc.stdout
