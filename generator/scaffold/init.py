"""What `berth init` writes into an empty folder, before the first render."""

from __future__ import annotations

import os
from pathlib import Path

from generator.models.install import BerthInstall
from generator.repo.atomic import write_atomic
from generator.scaffold import manifest
from generator.scaffold.install import write_blocks
from generator.scaffold.lock import LOCK_FILE, lock_for
from generator.scaffold.platform_file import Answers, platform_yaml
from generator.scaffold.readme import GITIGNORE, TENANTS_README, readme
from generator.scaffold.shipped import default_blueprints, owned_files
from generator.scaffold.version import version


def owned_for(host: str, setting: BerthInstall | None) -> dict[str, str]:
    """Berth's own files for `host`, their install steps written from `setting`."""
    return {path: write_blocks(path, text, setting) for path, text in owned_files(host).items()}


def write_file(root: str, path: str, text: str) -> None:
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    write_atomic(full, text)
    if path in manifest.EXECUTABLE:
        os.chmod(full, 0o755)


def scaffold(root: str, answers: Answers) -> list[str]:
    """Write the new repository's files; the paths written, sorted."""
    running = version()
    defaults = default_blueprints()
    files: dict[str, str] = {
        "platform.yaml": platform_yaml(answers, running),
        "README.md": readme(answers, running),
        ".gitignore": GITIGNORE,
        "tenants/README.md": TENANTS_README,
        **defaults,
        **owned_for(answers.host, BerthInstall(version=running)),
        LOCK_FILE: lock_for(running, answers.host, defaults).text(),
    }
    Path(root).mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        write_file(root, path, text)
    return sorted(files)
