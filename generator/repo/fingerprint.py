"""A digest of Berth's own code: anything cached by other code is never trusted."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent  # generator/, not this module's repo/


def code_digest(package: Path) -> str:
    """sha256 over every module's path and bytes under `package`."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def generator_fingerprint() -> str:
    return code_digest(PACKAGE)
