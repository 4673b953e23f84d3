"""Files no change to the repository may add, wherever they are: part of the load stage.

- `.argocd-source*`: Argo CD merges `.argocd-source.yaml` and `.argocd-source-<app>.yaml` from
  an Application's source folder into that Application's source, and `directory` and
  `kustomize` settings are not protected there, so one such file in a folder an Application
  reads (environments/, the shared chart) steers what Argo CD syncs. Berth writes none, so
  every one is refused, named, in every folder.
- Anything tracked under `.berth/`: Berth's private state (cache, staging area, journal). A
  committed journal would make the next `berth render` carry out someone else's renames.

With Git (the root is a work tree's top) the files are those Git tracks plus the untracked
ones it does not ignore: everything that is or can be committed, and so can reach Argo CD.
Without Git every folder but `.git/` and `.berth/` is walked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable

from generator.problems import Problem
from generator.repo import layout
from generator.repo.git_env import git_argv, git_environment

ARGOCD_SOURCE_PREFIX = ".argocd-source"
_OVERRIDE = (
    "an Argo CD parameter override file (.argocd-source*): Argo CD merges it into the source"
    " of every Application that reads this folder; Berth writes none and refuses them anywhere"
    " in the repository; delete it"
)
_TRACKED_STATE = (
    f"{layout.STATE_DIR}/ is tracked by Git: it is Berth's private state (cache, staging area,"
    f" journal) and is never committed; remove it with `git rm -r --cached {layout.STATE_DIR}`"
)


def _git_lines(root: str, *args: str) -> list[str] | None:
    """`git -C root ARGS` (ARGS with -z) split into entries, or None when root is not the top of a work tree
    or Git cannot answer (not installed, or the repository is not trusted by safe.directory)."""
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        proc = subprocess.run(
            git_argv(root, *args),
            capture_output=True,
            check=False,
            timeout=60,
            env=git_environment(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def tracked_state(root: str) -> list[str]:
    """Paths under `.berth/` that Git tracks (none without Git)."""
    return _git_lines(root, "ls-files", "-z", "--cached", "--", layout.STATE_DIR) or []


def state_dir_problems(root: str) -> list[Problem]:
    """Why `.berth/` cannot be trusted, before anything in it is read: tracked by Git, or not a
    real folder (a link would send the staging area and the journal elsewhere)."""
    problems = [Problem(path, 1, 1, "", _TRACKED_STATE) for path in tracked_state(root)]
    full = os.path.join(root, layout.STATE_DIR)
    if os.path.islink(full) or (os.path.lexists(full) and not os.path.isdir(full)):
        problems.append(
            Problem(
                layout.STATE_DIR,
                1,
                1,
                "",
                "must be a real folder (Berth's private state), not a link or a file; remove it",
            )
        )
    return problems


def repository_files(root: str) -> tuple[list[str], set[str]]:
    """(every file and folder that is or can be committed, the subset Git tracks)."""
    listed = _git_lines(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "-t")
    if listed is not None:
        # `-t` prefixes each path with a tag and a space: "H" cached, "?" untracked, others
        # (S, M, R, C, K) for cached entries in special states.
        paths = [entry[2:] for entry in listed]
        tracked = {entry[2:] for entry in listed if not entry.startswith("? ")}
        return sorted(set(paths)), tracked
    found: list[str] = []
    skip = {".git", layout.STATE_DIR}
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if rel == "." else f"{rel}/"
        if not prefix:
            dirs[:] = [d for d in dirs if d not in skip]
        dirs.sort()
        found += [prefix + name for name in (*dirs, *files)]
    return sorted(found), set()


def repository_problems(
    root: str, changed: Iterable[str] | None = None, untracked: frozenset[str] = frozenset()
) -> list[Problem]:
    """`.argocd-source*` anywhere and tracked `.berth/` files, each named.

    With `changed` (the paths a change touched, for a scoped check) only those are looked at:
    a base that passed this check holds no such file, so any the head holds is a changed one.
    """
    if changed is not None:
        listed = sorted(changed)
        return problems_of(listed, set(listed) - untracked)
    return problems_of(*repository_files(root))


def problems_of(paths: Iterable[str], tracked: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        if name.lower().startswith(ARGOCD_SOURCE_PREFIX):
            problems.append(Problem(path, 1, 1, "", _OVERRIDE))
        if path in tracked and path.split("/", 1)[0] == layout.STATE_DIR:
            problems.append(Problem(path, 1, 1, "", _TRACKED_STATE))
    return problems
