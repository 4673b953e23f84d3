"""Reading whole file trees, for tests that compare a tree before and after."""

from __future__ import annotations

from pathlib import Path


def snapshot(top: Path) -> dict[str, bytes]:
    """Every file below `top` (relative path -> bytes); symlinks as their target text."""
    if not top.exists():
        return {}
    files: dict[str, bytes] = {}
    for path in sorted(top.rglob("*")):
        rel = path.relative_to(top).as_posix()
        if path.is_symlink():
            files[rel] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            files[rel] = path.read_bytes()
    return files
