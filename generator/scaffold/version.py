"""The running Berth's version: pyproject.toml's `version`, the one place it is written."""

from __future__ import annotations

import functools
import importlib.metadata
import re
import tomllib
from pathlib import Path

DISTRIBUTION = "berth"
# A release number Berth gives itself and platform.yaml pins: MAJOR.MINOR.PATCH.
RELEASE = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@functools.cache
def version() -> str:
    """In a source checkout (pyproject.toml next to generator/, an editable install included)
    the checkout's own version, which may be newer than what the install recorded; else the
    installed distribution's metadata."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == DISTRIBUTION and isinstance(project.get("version"), str):
            return str(project["version"])
    return importlib.metadata.version(DISTRIBUTION)


def release_key(text: str) -> tuple[int, int, int]:
    """`0.10.1` -> (0, 10, 1), for ordering releases; ValueError for anything else."""
    match = RELEASE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a release number MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch
