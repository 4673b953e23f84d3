"""The blueprint defaults of earlier Berth releases: the merge base of `berth upgrade`.

Each release before this one has a record in releases/<version>.json: the SHA-256 of every
default file it wrote, and the text of those that differ from this version's defaults (the
others are this version's files). So the package carries each old default once, only where
it differs, and a reconstruction is checked file by file against the hashes: a record gone
stale (a default changed without re-recording) fails tests/test_scaffold_history.py instead
of giving a wrong merge base. Record a release with
`python -m generator.scaffold.history VERSION GIT-REF` (its tag, vX.Y.Z) after every change to
blueprints/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from generator.scaffold.lock import sha256
from generator.scaffold.shipped import default_blueprints
from generator.scaffold.version import version

RELEASES = Path(__file__).resolve().parent / "releases"


class UnknownRelease(Exception):
    """No record of that release's defaults (or one that does not add up)."""


def recorded(releases: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (releases or RELEASES).glob("*.json"))


def defaults_of(
    release: str, current: Mapping[str, str] | None = None, releases: Path | None = None
) -> dict[str, str]:
    """The blueprint defaults `release` wrote, path -> text; `releases` is the folder of
    records (default: the package's)."""
    releases = releases or RELEASES
    current = default_blueprints() if current is None else current
    if release == version():
        return dict(current)
    try:
        record = json.loads((releases / f"{release}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnknownRelease(
            f"this Berth ({version()}) has no record of the defaults of {release}; it knows"
            f" {', '.join([*recorded(releases), version()])}"
        ) from None
    files: dict[str, str] = {}
    for path, entry in record["blueprints"].items():
        text = entry.get("text", current.get(path))
        if text is None or sha256(text) != entry["sha256"]:
            raise UnknownRelease(f"the record of {release} does not rebuild {path}")
        files[path] = text
    return files


def record(release: str, ref: str, repo: Path, current: Mapping[str, str]) -> str:
    """The record of `release` whose defaults are blueprints/ at Git revision `ref`."""
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "--name-only", ref, "--", "blueprints"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    entries: dict[str, dict[str, str]] = {}
    for path in sorted(listing):
        text = subprocess.run(
            ["git", "-C", str(repo), "show", f"{ref}:{path}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        entries[path] = {"sha256": sha256(text)}
        if current.get(path) != text:
            entries[path]["text"] = text
    return json.dumps({"berth": release, "blueprints": entries}, indent=2) + "\n"


if __name__ == "__main__":  # python -m generator.scaffold.history VERSION GIT-REF
    repo = Path(__file__).resolve().parents[2]
    text = record(sys.argv[1], sys.argv[2], repo, default_blueprints())
    (RELEASES / f"{sys.argv[1]}.json").write_text(text, encoding="utf-8")
