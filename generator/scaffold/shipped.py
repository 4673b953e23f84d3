"""The files the running Berth writes into a platform repository, found where it runs from:
inside the installed package (setup.py put them there), or at the root of a source checkout."""

from __future__ import annotations

import functools
from pathlib import Path

from generator.scaffold import manifest

PACKAGED = Path(__file__).resolve().parent / "shipped"
CHECKOUT = Path(__file__).resolve().parents[2]


@functools.cache
def shipped_root() -> Path:
    """The folder holding the shipped files under their repository paths."""
    if PACKAGED.is_dir():
        return PACKAGED
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / manifest.DEFAULTS_DIR).is_dir():
        return CHECKOUT
    raise RuntimeError(
        f"this Berth carries no templates: neither {PACKAGED} nor a source checkout at {CHECKOUT}"
    )


def read(path: str, root: Path | None = None) -> str:
    return ((root or shipped_root()) / path).read_text(encoding="utf-8")


def owned_files(host: str, root: Path | None = None) -> dict[str, str]:
    """The files Berth owns for `host`, as shipped (install blocks not yet written)."""
    return {path: read(path, root) for path in manifest.owned_paths(host)}


def default_blueprints(root: Path | None = None) -> dict[str, str]:
    """The running version's blueprint defaults."""
    base = root or shipped_root()
    return {path: read(path, base) for path in manifest.default_paths(base)}
