"""blueprints/ on upgrade: the platform's edits kept, Berth's new defaults taken, both where
they touch different lines; where they touch the same lines, conflict markers as `git merge`
leaves them (the merge itself is `git merge-file`, Git's own three-way merge of one file)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.problems import Problem

CONFLICT_START = "<<<<<<< "


@dataclass
class MergeResult:
    writes: dict[str, str] = field(default_factory=dict)  # path -> new text
    deletes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def merge_file(ours: str, base: str, theirs: str, labels: tuple[str, str, str]) -> tuple[str, int]:
    """(merged text, number of conflicts) of `git merge-file -p`."""
    with tempfile.TemporaryDirectory(prefix="berth-merge-") as tmp:
        names = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            names.append(path)
        proc = subprocess.run(
            ["git", "merge-file", "-p", "-L", labels[0], "-L", labels[1], "-L", labels[2], *names],
            capture_output=True,
            text=True,
            check=False,
        )
    if proc.returncode < 0 or proc.returncode > 127:
        raise RuntimeError(f"git merge-file failed: {proc.stderr.strip()}")
    return proc.stdout, proc.returncode


def _first_marker(text: str) -> int:
    lines = text.splitlines()
    return next((n for n, line in enumerate(lines, 1) if line.startswith(CONFLICT_START)), 1)


def merge_defaults(
    ours: Mapping[str, str],
    base: Mapping[str, str],
    theirs: Mapping[str, str],
    versions: tuple[str, str],
) -> MergeResult:
    """The platform's blueprints/ (`ours`) moved from the defaults of `versions[0]` (`base`)
    to those of `versions[1]` (`theirs`)."""
    result = MergeResult()
    labels = ("blueprints/ (yours)", f"berth {versions[0]}", f"berth {versions[1]}")
    for path in sorted(set(ours) | set(base) | set(theirs)):
        mine, old, new = ours.get(path), base.get(path), theirs.get(path)
        if mine == new or old == new:
            continue  # already the new default, or Berth changed nothing here
        if mine == old:  # untouched by the platform: take Berth's
            if new is None:
                result.deletes.append(path)
            else:
                result.writes[path] = new
            continue
        if mine is None:
            result.notes.append(
                f"{path}: you deleted it, and {versions[1]} changed it; left deleted"
            )
            continue
        if new is None:
            result.notes.append(
                f"{path}: {versions[1]} no longer ships it; your edited copy is kept"
            )
            continue
        merged, conflicts = merge_file(mine, old or "", new, labels)
        result.writes[path] = merged
        if conflicts:
            result.problems.append(
                Problem(
                    path,
                    _first_marker(merged),
                    1,
                    "",
                    f"merge conflict between your edits and berth {versions[1]}'s defaults"
                    f" ({conflicts} place(s)); resolve the <<<<<<< ... >>>>>>> markers, then run"
                    " `berth render`",
                )
            )
    return result
