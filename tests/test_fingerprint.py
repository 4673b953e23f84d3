"""What Berth caches (the request cache, render's unit keys) is keyed on all of its code: a
change to any module, not only to those next to the digest, makes every cached answer stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import generator
from generator.repo.fingerprint import code_digest, generator_fingerprint


def test_the_fingerprint_covers_the_whole_package() -> None:
    assert generator_fingerprint() == code_digest(Path(generator.__file__).resolve().parent)


def test_a_change_to_any_module_changes_the_digest(tmp_path: Path) -> None:
    package = Path(generator.__file__).resolve().parent
    copy = Path(shutil.copytree(package, tmp_path / "generator"))
    before = code_digest(copy)
    for module in ("render/app.py", "validate/rules.py", "cli.py"):
        edited = copy / module
        original = edited.read_bytes()
        edited.write_bytes(original + b"\n# changed\n")
        assert code_digest(copy) != before, module
        edited.write_bytes(original)
    assert code_digest(copy) == before
