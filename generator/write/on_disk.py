"""The files under environments/ as they are on disk: which exist, which Berth wrote.

Part of the write stage: `__init__.py` compares them with the render, `strays.py` reports the
ones no render produces.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from generator.problems import BerthError, Problem
from generator.repo import layout
from generator.repo.scenario_layout import owned_by
from generator.repo.selection import Selection


def outside(selection: Selection) -> Callable[[str], bool] | None:
    """Whether a generated path belongs to a tenant `selection` leaves out (None: no path does)."""
    if selection.tenants is None:
        return None
    tenants = selection.tenants
    return lambda path: (
        (owner := layout.generated_tenant(path)) is not None and not owned_by(owner, tenants)
    )


def existing_files(root: str, skip: Callable[[str], bool] | None = None) -> set[str]:
    """Every file below environments/ (links count as files and are not followed), but those
    and the folders for which `skip(path)` holds (a folder's path is tested with a "/" at
    its end).

    BerthError when environments/ itself is a link or a file: the tree would land elsewhere.
    """
    top = layout.ENVIRONMENTS_DIR
    full = os.path.join(root, top)
    if os.path.islink(full) or (os.path.lexists(full) and not os.path.isdir(full)):
        raise BerthError(
            [Problem(top, 1, 1, "", "must be a real folder, not a link or a file; remove it")]
        )
    found: set[str] = set()
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
                    if skip is None or not skip(f"{path}/"):
                        pending.append(path)
                elif skip is None or not skip(path):
                    found.add(path)
    return found


def is_generated(path: str) -> bool:
    """Whether a file carries Berth's mark in its first line (a link never does)."""
    if os.path.islink(path):
        return False
    try:
        with open(path, "rb") as fh:
            first = fh.readline(512)
    except OSError:
        return False
    return layout.GENERATED_MARK.encode() in first
