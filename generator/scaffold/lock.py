"""berth.lock: the Berth version a platform repository was made or last upgraded with, its
Git host, and the SHA-256 of every blueprint default that version wrote. `berth upgrade` takes
that version's defaults as the merge base of blueprints/ (history.py rebuilds them); a
repository without the file is a copy of Berth 0.1.0's repository."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from generator.problems import BerthError, Problem
from generator.scaffold.version import release_key

LOCK_FILE = "berth.lock"
# A repository with no lock file was copied from Berth's own repository at 0.1.0.
UNLOCKED_VERSION = "0.1.0"
_NOTE = "Written by `berth init` and `berth upgrade`; do not edit (docs/upgrading.md)."


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Lock:
    version: str
    host: str | None  # None: a 0.1.0 copy, which has the files of both hosts
    defaults: Mapping[str, str]  # blueprint path -> SHA-256 of the default written

    def text(self) -> str:
        document = {
            "note": _NOTE,
            "berth": self.version,
            "host": self.host,
            "blueprints": dict(sorted(self.defaults.items())),
        }
        return json.dumps(document, indent=2) + "\n"


def lock_for(version: str, host: str | None, defaults: Mapping[str, str]) -> Lock:
    return Lock(version, host, {path: sha256(text) for path, text in defaults.items()})


def _bad(message: str) -> BerthError:
    return BerthError([Problem(LOCK_FILE, 1, 1, "", message)])


def read_lock(root: str) -> Lock | None:
    try:
        with open(os.path.join(root, LOCK_FILE), encoding="utf-8") as fh:
            document = json.load(fh)
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(f"not the JSON `berth upgrade` writes ({exc}); restore it from Git") from exc
    if not isinstance(document, dict):
        raise _bad("not the JSON object `berth upgrade` writes; restore it from Git")
    version, host, defaults = (
        document.get("berth"),
        document.get("host"),
        document.get("blueprints"),
    )
    try:
        release_key(str(version))
    except ValueError:
        raise _bad(
            f"berth: {version!r} is not a release number; restore the file from Git"
        ) from None
    if host not in ("github", "gitlab", None) or not isinstance(defaults, dict):
        raise _bad("host or blueprints is not what `berth upgrade` writes; restore it from Git")
    return Lock(str(version), host, {str(k): str(v) for k, v in defaults.items()})
