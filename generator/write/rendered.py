"""Everything `berth render` writes for a validated repository, compared with the files on
disk: one code path for `render`, intake's pull requests and bump's, so that a pull request
Berth opens carries every file `render --check` will ask for (the catalog included).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from generator.portal.front import front_files
from generator.problems import Problem
from generator.render.codeowners import codeowners, missing_catch_all, size_problems
from generator.render.tree import Unit, units
from generator.repo import layout
from generator.validate import ValidRepo
from generator.write import Cache, Change, Outcome, Workspace, plan_tree
from generator.write.on_disk import outside


def read_text(root: str, path: str) -> str | None:
    try:
        with open(os.path.join(root, path), encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return None


def full_codeowners(root: str, valid: ValidRepo) -> str:
    """CODEOWNERS as a full render writes it for `valid`, from the one at `root`."""
    existing = read_text(root, layout.CODEOWNERS_FILE)
    return codeowners(existing, valid.tenants, valid.platform.spec.maintainers)


def owners_problems(root: str, valid: ValidRepo, text: str) -> list[Problem]:
    """Why CODEOWNERS at `root` cannot become `text` (the render of `valid`): a catch-all
    missing with no maintainers to make it of, or a file GitHub would not load. The
    platform's own lines are checked by `codeowners_problems`, before validation."""
    existing = read_text(root, layout.CODEOWNERS_FILE)
    try:
        with open(os.path.join(root, layout.PLATFORM_FILE), "rb") as fh:
            platform_text: bytes | None = fh.read()
    except OSError:
        platform_text = None
    return missing_catch_all(existing, valid.platform, platform_text) + size_problems(text)


def extra_files(
    valid: ValidRepo, codeowners_text: str, only: frozenset[str] | None = None
) -> dict[str, str]:
    """The generated files outside environments/: CODEOWNERS and the front doors'."""
    return {layout.CODEOWNERS_FILE: codeowners_text, **front_files(valid, only)}


def plan_render(
    root: str,
    valid: ValidRepo,
    extra: dict[str, str],
    workspace: Workspace,
    only: frozenset[str] | None = None,
    tree: Iterable[Unit] | None = None,
) -> tuple[Outcome, dict[str, bytes], Cache]:
    """What `render` changes at `root` (nothing is written): `plan_tree` over the units of
    `valid` (or `tree`, units the caller built already) and `extra`, plus the catalog files
    no request produces any more."""
    outcome, writes, cache = plan_tree(
        root, units(valid, only) if tree is None else tree, extra, workspace, only
    )
    outcome.changes = sorted([*outcome.changes, *stale_catalog(root, extra, only)])
    return outcome, writes, cache


def stale_catalog(root: str, extra: dict[str, str], only: frozenset[str] | None) -> list[Change]:
    """Generated catalog files no request produces any more (a removed tenant's entities).

    `plan_tree` looks for such files under environments/ only; the catalog's are deleted
    through the same journal. Hand-written files there are left alone.
    """
    top = os.path.join(root, layout.CATALOG_DIR)
    skip = outside(only)
    stale: list[Change] = []
    for folder, _dirs, names in os.walk(top):
        for name in names:
            path = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            if skip is not None and skip(path):
                continue
            if path not in extra and _generated(os.path.join(folder, name)):
                stale.append(Change(path, "delete"))
    return stale


def _generated(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return layout.GENERATED_MARK.encode() in fh.readline(512)
    except OSError:
        return False
