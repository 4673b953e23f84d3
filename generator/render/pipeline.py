"""The one pipeline from a validated repository to the files `berth render` writes: the units
under environments/, CODEOWNERS, and the front doors' files (catalog, forms). `render`,
`plan` (its snapshots), `bump`/`promote` and `intake` all take their files from `build`, for a
`Selection`, so a pull request Berth opens carries every file `render --check` asks for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from generator.portal.front import front_files
from generator.problems import Problem
from generator.render.codeowners import (
    codeowners,
    codeowners_problems,
    missing_catch_all,
    scoped_codeowners,
    size_problems,
)
from generator.render.tree import Unit, units
from generator.repo import layout
from generator.repo.changes import base_text
from generator.repo.selection import EVERYTHING, Selection
from generator.repo.view import RepoView
from generator.validate import ValidRepo
from generator.validate.check import read_tenants


@dataclass(frozen=True)
class Built:
    units: list[Unit]
    codeowners: str
    front: Mapping[str, str]
    problems: list[Problem] = field(default_factory=list)  # why CODEOWNERS cannot be written

    @property
    def extra(self) -> dict[str, str]:
        """The generated files outside environments/: CODEOWNERS and the front doors'."""
        return {layout.CODEOWNERS_FILE: self.codeowners, **self.front}


def build(
    view: RepoView, valid: ValidRepo, selection: Selection = EVERYTHING, *, front: bool = True
) -> Built:
    """The files of `valid` for `selection` (units are built lazily, by whoever needs their
    text); `front=False` leaves out the front doors' files (a plan compares environments/ and
    CODEOWNERS only)."""
    existing = read_codeowners(view)
    if not selection.follows_change:
        text = codeowners(existing, valid.tenants, valid.platform.spec.maintainers)
    else:
        assert selection.change is not None  # follows_change
        text = scoped_codeowners(
            existing,
            base_text(selection.change, layout.CODEOWNERS_FILE, existing),
            valid,
            lambda names: read_tenants(view, names),
        )
    problems = codeowners_problems(existing) + _owners_problems(view, valid, existing, text)
    doors = front_files(valid, selection) if front else {}
    return Built(units(valid, selection), text, doors, problems)


def read_codeowners(view: RepoView) -> str | None:
    try:
        return view.read(layout.CODEOWNERS_FILE).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _owners_problems(
    view: RepoView, valid: ValidRepo, existing: str | None, text: str
) -> list[Problem]:
    """Why CODEOWNERS cannot become `text`: a catch-all missing with no maintainers to make
    it of, or a file GitHub would not load. The platform's own lines are checked by
    `codeowners_problems`."""
    try:
        platform_text: bytes | None = view.read(layout.PLATFORM_FILE)
    except OSError:
        platform_text = None
    return missing_catch_all(existing, valid.platform, platform_text) + size_problems(text)
