"""`berth upgrade`: move a platform repository to the running Berth version (docs/upgrading.md).

Berth's own files are rewritten, blueprints/ is three-way merged, platform.yaml's pin and
berth.lock move; then schemas/ and environments/ are rendered again and every file that
changed is listed. Merge conflicts are left marked in the files and reported (exit 1), and
nothing is rendered until they are resolved.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import TextIO

from generator.commands import render, schema
from generator.models.errors import validate_model
from generator.models.platform import Platform
from generator.problems import BerthError, UsageError
from generator.problems.reporters import format_problems
from generator.repo import layout
from generator.scaffold.history import UnknownRelease
from generator.scaffold.impact import built_at_sync
from generator.scaffold.init import write_file
from generator.scaffold.lock import read_lock
from generator.scaffold.upgrade import UnknownLayout, Upgrade, plan_upgrade
from generator.scaffold.version import release_key, version
from generator.yamlio.reader import LoadError, parse_request

_SKIP = {".git", layout.STATE_DIR, ".venv", ".tools"}


def snapshot(root: str) -> dict[str, str]:
    """path -> SHA-256 of every file of the work tree (Git's and Berth's private folders aside)."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not (folder == root and d in _SKIP))
        for name in files:
            full = os.path.join(folder, name)
            with open(full, "rb") as fh:
                found[os.path.relpath(full, root).replace(os.sep, "/")] = hashlib.sha256(
                    fh.read()
                ).hexdigest()
    return found


def _platform(root: str) -> tuple[Platform, bytes]:
    with open(os.path.join(root, layout.PLATFORM_FILE), "rb") as fh:
        raw = fh.read()
    try:
        doc = parse_request(raw, layout.PLATFORM_FILE)
    except LoadError as exc:
        raise BerthError([exc.problem]) from None
    platform, problems = validate_model(Platform, doc)
    if platform is None:
        raise BerthError(problems)
    return platform, raw


def _plan(root: str) -> Upgrade:
    lock = read_lock(root)
    running = version()
    if lock is not None and release_key(lock.version) > release_key(running):
        raise UsageError(
            f"this repository is at berth {lock.version} (berth.lock), newer than this berth"
            f" {running}: install berth=={lock.version}"
        )
    platform, raw = _platform(root)
    try:
        return plan_upgrade(root, platform, raw, lock)
    except (UnknownRelease, UnknownLayout) as exc:
        raise UsageError(str(exc)) from None


def run(root: str, *, out: TextIO, err: TextIO) -> int:
    upgrade = _plan(root)
    before = snapshot(root)
    for path, text in sorted(upgrade.writes.items()):
        write_file(root, path, text)
    for path in upgrade.deletes:
        os.remove(os.path.join(root, path))
    for note in upgrade.notes:
        err.write(f"berth: note: {note}\n")
    status = 0
    if upgrade.problems:
        err.write(format_problems(upgrade.problems, "text"))
        err.write("berth: resolve the problems above, then run `berth render`\n")
        status = 1
    else:
        schema.run(root, check=False, out=io.StringIO())
        status = render.run(root, check=False, fmt="text", out=io.StringIO(), err=err)
    after = snapshot(root)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    for path in changed:
        verb = "added" if path not in before else "removed" if path not in after else "changed"
        out.write(f"{verb}: {path}\n")
    for line in built_at_sync(changed, root):
        out.write(f"berth: {line}\n")
    out.write(
        f"berth: {upgrade.old} -> {upgrade.new}: {len(changed)} file(s) changed;"
        " `berth plan --base HEAD` shows what the generated files change for tenants\n"
    )
    return status
