"""Case folders: a request tree laid over a base repository, and what it must produce.

Both kinds of case use this runner. An invalid-input case (tests/cases/tenants, tests/cases/apps)
holds the files to lay over its `_base` and `expected.txt`, the exact lines `berth validate`
prints. A valid-input case (tests/cases/valid) holds a request tree and `expected/`, the exact
tree `berth render` writes. Regenerate the expectations after a deliberate change with
`pytest --update-golden tests/...` and review the diff.

Special file names stand for what Git or an editor cannot keep in a plain file: `symlink-<name>`
(its text is the target) becomes a symbolic link `<name>`; `<name>.bytes.b64` is decoded to
`<name>`; `<name>.oversize` is padded past the loader's size limit.
"""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

from tests.support.golden import updating

EXPECTATIONS = frozenset({"expected.txt", "expected", "README.md", "command"})


def case_names(cases: Path) -> list[str]:
    """The case folders under `cases`, without the `_base` ones."""
    return sorted(p.name for p in cases.iterdir() if p.is_dir() and not p.name.startswith("_"))


def lay_over(case: Path, repo: Path) -> None:
    """Copy the case's request files into `repo`, replacing what is there."""
    for src in sorted(case.rglob("*")):
        rel = src.relative_to(case)
        if src.is_dir() or rel.parts[0] in EXPECTATIONS:
            continue
        dest = repo / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.name.endswith(".bytes.b64"):
            dest.with_name(src.name.removesuffix(".bytes.b64")).write_bytes(
                base64.b64decode(src.read_text())
            )
        elif src.name.endswith(".oversize"):
            padding = "# padding\n" * (300 * 1024 // 10)
            dest.with_name(src.name.removesuffix(".oversize")).write_text(src.read_text() + padding)
        elif src.name.startswith("symlink-"):
            link = dest.with_name(src.name.removeprefix("symlink-"))
            link.unlink(missing_ok=True)
            link.symlink_to(src.read_text().strip())
        else:
            shutil.copy(src, dest)


def check_text(expected_file: Path, actual: str) -> None:
    """`actual` equals the golden file (which the update flag rewrites first)."""
    if updating():
        expected_file.write_text(actual)
    assert actual == expected_file.read_text()


def check_tree(expected_dir: Path, actual: dict[str, bytes]) -> None:
    """The files `actual` (relative path -> bytes) equal the golden tree, file for file."""
    if updating():
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in actual.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
    expected = {
        p.relative_to(expected_dir).as_posix(): p.read_bytes()
        for p in sorted(expected_dir.rglob("*"))
        if p.is_file()
    }
    assert sorted(actual) == sorted(expected), "the rendered files differ from expected/"
    for rel in sorted(actual):
        assert actual[rel].decode() == expected[rel].decode(), rel
