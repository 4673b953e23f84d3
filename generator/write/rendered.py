"""What the pipeline's files (render/pipeline.py) change on disk: one code path for `render`,
intake's pull requests and bump's, so a pull request Berth opens carries every file
`render --check` will ask for (the catalog included).
"""

from __future__ import annotations

import os

from generator.render.pipeline import Built
from generator.repo import layout
from generator.repo.selection import EVERYTHING, Selection
from generator.write import Cache, Change, Outcome, Workspace, plan_tree
from generator.write.on_disk import outside


def plan_render(
    root: str, built: Built, workspace: Workspace, selection: Selection = EVERYTHING
) -> tuple[Outcome, dict[str, bytes], Cache]:
    """What `render` changes at `root` (nothing is written): `plan_tree` over the built units
    and the files outside environments/, plus the catalog files no request produces any more."""
    outcome, writes, cache = plan_tree(root, built.units, built.extra, workspace, selection)
    outcome.changes = sorted([*outcome.changes, *stale_catalog(root, built.extra, selection)])
    return outcome, writes, cache


def stale_catalog(root: str, extra: dict[str, str], selection: Selection) -> list[Change]:
    """Generated catalog files no request produces any more (a removed tenant's entities).

    `plan_tree` looks for such files under environments/ only; the catalog's are deleted
    through the same journal. Hand-written files there are left alone.
    """
    top = os.path.join(root, layout.CATALOG_DIR)
    skip = outside(selection)
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
